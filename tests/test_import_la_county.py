"""Los Angeles County importers, on real extracts of the registrar's 2024 files.

The extracts in tests/data/la-county-2024/ are unchanged contests copied from the
county's published files (see PROVENANCE.md there). Tests marked "synthetic" below
change a copy of a real contest in memory to reach a case the 2024 files do not have
(a count going backwards, a zero-vote contest, a malformed value); the files on disk
are never changed.
"""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import simulate
from simulate.cli import imports as import_cli
from simulate.cli.main import main as racecall
from simulate.feeds.la_county import (
    ImportFormatError, ImportReport, measure_overrides_from_results, release_times,
    scenarios_from_results, scenarios_from_timeframes, slugify, unique_slugs, write_scenarios)
from simulate.feeds.la_rules import (
    PROP5_WARNING, UnmappableContest, contest_rule, measure_threshold, parse_vote_for)

DATA = Path(__file__).parent / "data" / "la-county-2024"
ID = re.compile(r"^[a-z][a-z0-9_]*$")
UNMAPPED_PRIMARY = ("contest kind not in the primary mapping (plurality or majority-else-runoff "
                    "cannot be told from the title); give the rule with an override")
NO_PASS_RATE = "measure pass rate missing from the file; give the threshold with an override"


def load(kind, fmt):
    return json.loads((DATA / kind / f"{fmt}.json").read_text(encoding="utf-8"))


def results_contests(kind):
    return {c["Title"]: c for g in load(kind, "results")["Election"]["ContestGroups"]
            for c in g["Contests"]}


def timeframes_contests(kind):
    return {c["name"]: c for c in load(kind, "timeframes")["contests"]}


def by_title(report):
    return {s["race"]["name"].rsplit(" (Los Angeles County", 1)[0]: s for _, s in report.scenarios}


def write_json(tmp_path, data, name="timeframes.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- the rule mapping ------------------------------------------------------------------

MAPPING = [
    # (title, type, vote_for, election, rule, threshold, seats)
    ("DISTRICT ATTORNEY", "Candidate", "", "primary", "top_two", 0.5, 1),
    ("SUPERVISOR 2ND DISTRICT", "Candidate", "", "primary", "top_two", 0.5, 1),
    ("ASSESSOR", "Candidate", "", "primary", "top_two", 0.5, 1),
    ("SHERIFF", "Candidate", "", "primary", "top_two", 0.5, 1),
    ("JUDGE OF THE SUPERIOR COURT Office No. 93", "Candidate", "", "primary", "top_two", 0.5, 1),
    ("UNITED STATES SENATOR - Full Term", "Candidate", "", "primary", "plurality", 0.5, 2),
    ("UNITED STATES REPRESENTATIVE, 29th District", "Candidate", "", "primary", "plurality", 0.5, 2),
    ("STATE SENATOR, 25th District", "Candidate", "", "primary", "plurality", 0.5, 2),
    ("MEMBER OF THE STATE ASSEMBLY, 65th District", "Candidate", "", "primary", "plurality", 0.5, 2),
    ("PRESIDENTIAL PREFERENCE - DEMOCRATIC", "Candidate", "", "primary", "plurality", 0.5, 1),
    ("PRESIDENTIAL CANDIDATE PREFERENCE - GREEN", "Candidate", "", "primary", "plurality", 0.5, 1),
    ("MEMBER, COUNTY CENTRAL COMMITTEE, 69TH ASSEMBLY DISTRICT - DEMOCRATIC", "Candidate",
     "Vote for no more than seven", "primary", "plurality", 0.5, 7),
    ("BELL CITY GENERAL MUNICIPAL ELECTION Member of the City Council", "Candidate",
     "Vote for no more than three", "primary", "plurality", 0.5, 3),
    ("LA CAÑADA FLINTRIDGE CITY GENERAL MUNICIPAL ELECTION Member of the City Council",
     "Candidate", "Vote for no more than three", "primary", "plurality", 0.5, 3),
    ("LOS ANGELES CITY PRIMARY NOMINATING ELECTION Member of the City Council, 14th District",
     "Candidate", "", "primary", "top_two", 0.5, 1),
    ("PASADENA CITY PRIMARY ELECTION Member of the City Council, District 1", "Candidate", "",
     "primary", "top_two", 0.5, 1),
    ("SAN FERNANDO CITY SPECIAL MUNICIPAL ELECTION Member of the City Council (Unexpired term "
     "ending December 3, 2024)", "Candidate", "", "primary", "plurality", 0.5, 1),
    ("LOS ANGELES UNIFIED SCHOOL DISTRICT Member of the Board of Education, District 5",
     "Candidate", "", "primary", "top_two", 0.5, 1),
    # general election
    ("PRESIDENT AND VICE PRESIDENT", "Presidential", 1, "general", "plurality", 0.5, 1),
    ("DISTRICT ATTORNEY", "Candidate", 1, "general", "plurality", 0.5, 1),
    ("UNITED STATES SENATOR - Full Term", "Candidate", 1, "general", "plurality", 0.5, 1),
    ("JUDGE OF THE SUPERIOR COURT Office No. 39", "Candidate", 1, "general", "plurality", 0.5, 1),
    ("LOS ANGELES UNIFIED SCHOOL DISTRICT Member of the Board of Education, District 5",
     "Candidate", 1, "general", "plurality", 0.5, 1),
    ("SANTA MONICA CITY GENERAL MUNICIPAL ELECTION Member of the City Council", "Candidate", 4,
     "general", "plurality", 0.5, 4),
    ("ANTELOPE VALLEY HEALTH CARE DISTRICT Member, Board of Directors", "Candidate", 3,
     "general", "plurality", 0.5, 3),
    ("LA CAÑADA UNIFIED SCHOOL DISTRICT Governing Board Member", "Candidate",
     "Vote for no more than two", "general", "plurality", 0.5, 2),
    ("INGLEWOOD CITY PRIMARY NOMINATING ELECTION Member of the City Council, 4th District",
     "Candidate", 1, "general", "top_two", 0.5, 1),
]


@pytest.mark.parametrize("title, ctype, vote_for, kind, rule, threshold, seats", MAPPING)
def test_rule_mapping(title, ctype, vote_for, kind, rule, threshold, seats):
    warnings = []
    got = contest_rule(title, ctype, vote_for, "", kind, warnings=warnings)
    assert got == {"rule": rule, "threshold": threshold, "seats": seats}
    assert warnings == []


@pytest.mark.parametrize("pass_rate, threshold", [
    ("Majority of votes cast", 0.5),
    ("55% of votes cast", 0.55),
    ("2/3 of votes cast", 2 / 3),
    ("  majority   OF votes cast ", 0.5),
])
def test_measure_thresholds(pass_rate, threshold):
    for kind in ("primary", "general"):
        warnings = []
        got = contest_rule("ANY MEASURE", "Measure", "", pass_rate, kind, warnings=warnings)
        assert got == {"rule": "measure", "threshold": threshold, "seats": 1}
        assert warnings == []


def test_two_thirds_is_exactly_the_float_two_thirds():
    assert measure_threshold("2/3 of votes cast") == (2 / 3, None)
    assert measure_threshold("2/3 of votes cast")[0] == 0.6666666666666666


def test_prop5_condition_is_2_3_with_a_warning_naming_the_condition():
    title = "PASADENA CITY GENERAL MUNICIPAL ELECTION - MEASURE PL"
    warnings = []
    got = contest_rule(title, "Measure", 1, "2/3 votes, 55% if prop 5 passes", "general",
                       warnings=warnings)
    assert got == {"rule": "measure", "threshold": 2 / 3, "seats": 1}
    assert warnings == [
        "pass rate '2/3 votes, 55% if prop 5 passes' depends on whether Proposition 5 passes "
        "statewide, which this file does not say; using 2/3; override the threshold to 0.55 "
        "if Proposition 5 passed"]
    assert warnings == [PROP5_WARNING]


def test_override_chooses_the_55_percent_branch_and_settles_the_warning():
    title = "PASADENA CITY GENERAL MUNICIPAL ELECTION - MEASURE PL"
    warnings = []
    got = contest_rule(title, "Measure", 1, "2/3 votes, 55% if prop 5 passes", "general",
                       overrides={title: {"threshold": 0.55}}, warnings=warnings)
    assert got == {"rule": "measure", "threshold": 0.55, "seats": 1}
    assert warnings == []


@pytest.mark.parametrize("title, ctype, vote_for, pass_rate, kind, reason", [
    ("GLENDALE COMMUNITY COLLEGE DISTRICT Member, Board of Trustees, Trustee Area No. 1",
     "Candidate", "", "", "primary", UNMAPPED_PRIMARY),
    ("COMPTON UNIFIED SCHOOL DISTRICT Governing Board Member, Trustee Area C", "Candidate", "",
     "", "primary", UNMAPPED_PRIMARY),
    ("STATE MEASURE 1", "Measure", "", "", "primary", NO_PASS_RATE),
    ("STATE MEASURE 1", "Measure", "", None, "general", NO_PASS_RATE),
    ("X", "Measure", "", "60% if the moon is full", "general",
     "measure pass rate not understood: '60% if the moon is full'; give the threshold with an override"),
    ("X", "Measure", "", "3/2 of votes cast", "general",
     "measure pass rate not understood: '3/2 of votes cast'; give the threshold with an override"),
    ("X", "Recall", "", "", "general", "unknown contest type 'Recall'"),
    ("X", None, "", "", "general", "unknown contest type None"),
    ("X", "Candidate", "Vote for lots", "", "general", "vote-for value not understood: 'Vote for lots'"),
    ("X", "Candidate", 0, "", "general", "vote-for value not understood: 0"),
    ("X", "Candidate", True, "", "general", "vote-for value not understood: True"),
])
def test_unmappable_contests_are_reported_not_guessed(title, ctype, vote_for, pass_rate, kind, reason):
    with pytest.raises(UnmappableContest) as info:
        contest_rule(title, ctype, vote_for, pass_rate, kind)
    assert str(info.value) == reason


def test_overrides_win_over_the_mapping_and_rescue_unmappable_contests():
    glendale = "GLENDALE COMMUNITY COLLEGE DISTRICT Member, Board of Trustees, Trustee Area No. 1"
    assert contest_rule(glendale, "Candidate", "", "", "primary",
                        overrides={glendale: {"rule": "plurality"}}) == {
        "rule": "plurality", "threshold": 0.5, "seats": 1}
    assert contest_rule("DISTRICT ATTORNEY", "Candidate", "", "", "primary",
                        overrides={"DISTRICT ATTORNEY": {"threshold": 0.6}}) == {
        "rule": "top_two", "threshold": 0.6, "seats": 1}
    assert contest_rule("STATE MEASURE 1", "Measure", "", "", "primary",
                        overrides={"STATE MEASURE 1": {"rule": "measure", "threshold": 0.5}}) == {
        "rule": "measure", "threshold": 0.5, "seats": 1}
    # exact title only
    with pytest.raises(UnmappableContest):
        contest_rule(glendale, "Candidate", "", "", "primary",
                     overrides={glendale.lower(): {"rule": "plurality"}})
    # a threshold alone cannot tell a rule the mapping does not know
    with pytest.raises(UnmappableContest):
        contest_rule(glendale, "Candidate", "", "", "primary", overrides={glendale: {"threshold": 0.5}})


@pytest.mark.parametrize("override, reason", [
    ({"rule": "borda"}, "override rule 'borda' is not one of plurality, majority, top_two, measure"),
    ({"threshold": 1.5}, "override threshold 1.5 must be between 0 and 1"),
    ({"seats": 0}, "override seats 0 must be a positive integer"),
    ({"colour": "red"}, "override for 'T' must be a mapping of rule/threshold/seats, got {'colour': 'red'}"),
])
def test_bad_overrides_are_reported(override, reason):
    with pytest.raises(UnmappableContest) as info:
        contest_rule("T", "Candidate", "", "", "general", overrides={"T": override})
    assert str(info.value) == reason


def test_election_kind_must_be_primary_or_general():
    with pytest.raises(ValueError):
        contest_rule("DISTRICT ATTORNEY", "Candidate", "", "", "runoff")
    with pytest.raises(ValueError):
        scenarios_from_results(DATA / "general" / "results.json", "runoff")


@pytest.mark.parametrize("vote_for, n", [
    ("", 1), (None, 1), (1, 1), (4, 4), ("3", 3), ("Vote for no more than seven", 7),
    ("Vote for no more than two", 2), ("vote for  no more than THREE", 3), ("Vote for 12", 12)])
def test_parse_vote_for(vote_for, n):
    assert parse_vote_for(vote_for) == n


# -- slugs -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, slug", [
    ("GEORGE GASCÓN", "george_gascon"),
    ('GRACIELA "GRACE" ORTIZ', "graciela_grace_ortiz"),
    ("ANGÉLICA MARÍA DUEÑAS", "angelica_maria_duenas"),
    ("MÒNICA RATLIFF", "monica_ratliff"),
    ("APRIL MARIE O'CONNOR", "april_marie_o_connor"),
    ("ROBERT F. KENNEDY JR.", "robert_f_kennedy_jr"),
    ("3RD PARTY WRITE-IN", "c_3rd_party_write_in"),
    ("Straße", "strasse"),
    ("", "candidate"),
    ("李明", "candidate"),
    ("  --  ", "candidate"),
])
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_unique_slugs_deduplicate_with_suffixes():
    assert unique_slugs(["A B", "a-b", "A_B", "a b 2"]) == ["a_b", "a_b_2", "a_b_3", "a_b_2_2"]
    assert unique_slugs(["x"], taken={"x"}) == ["x_2"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=30))
def test_messy_names_always_give_valid_unique_ids(names):
    ids = unique_slugs(names)
    assert len(ids) == len(names)
    assert len(set(ids)) == len(ids)
    assert all(ID.match(i) for i in ids)


# -- results.json ----------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["primary", "general"])
def test_results_import_equals_the_source_numbers(kind):
    report = scenarios_from_results(DATA / kind / "results.json", kind)
    source = results_contests(kind)
    date = load(kind, "results")["Election"]["Date"]
    imported = by_title(report)
    assert len(report.scenarios) + len(report.skipped) == len(source)
    assert set(imported) | {t for t, _ in report.skipped} == set(source)
    for title, s in imported.items():
        cands = source[title]["Candidates"]
        assert [c["name"] for c in s["candidates"]] == [c["Name"] for c in cands]
        assert list(s["count"]["counted"].values()) == [c["Votes"] for c in cands]
        assert s["count"]["remaining"] == {"estimate": 0}
        assert s["count"]["as_of"] == date
        assert s["race"]["date"] == date[:10]
        assert "snapshots" not in s and "final" not in s
        assert all(ID.match(c["id"]) for c in s["candidates"])


def test_results_primary_rules_skips_and_warnings():
    report = scenarios_from_results(DATA / "primary" / "results.json", "primary")
    s = by_title(report)
    assert s["DISTRICT ATTORNEY"]["race"]["rule"] == "top_two"
    assert s["DISTRICT ATTORNEY"]["race"]["threshold"] == 0.5
    assert s["UNITED STATES SENATOR - Full Term"]["race"]["seats"] == 2
    assert s["MANHATTAN BEACH UNIFIED SCHOOL DISTRICT SPECIAL PARCEL TAX ELECTION - MEASURE MB"][
        "race"]["threshold"] == 2 / 3
    assert s["CULVER CITY UNIFIED SCHOOL DISTRICT SPECIAL ELECTION - MEASURE E"]["race"][
        "threshold"] == 0.55
    assert s["STATE MEASURE 1"]["race"]["threshold"] == 0.5
    assert [c["id"] for c in s["STATE MEASURE 1"]["candidates"]] == ["yes", "no"]
    assert "party" not in s["STATE MEASURE 1"]["candidates"][0]
    da = {c["id"]: c for c in s["DISTRICT ATTORNEY"]["candidates"]}
    assert da["george_gascon"] == {"id": "george_gascon", "name": "GEORGE GASCÓN", "party": "Non Partisan"}
    assert da["lloyd_bobcat_masson"]["name"] == 'LLOYD "BOBCAT" MASSON'
    assert report.skipped == (
        ("GLENDALE COMMUNITY COLLEGE DISTRICT Member, Board of Trustees, Trustee Area No. 1",
         UNMAPPED_PRIMARY),)
    # the one-candidate top-two primary: seats capped so the loader accepts it
    assert s["MEMBER OF THE STATE ASSEMBLY, 65th District"]["race"]["seats"] == 1
    assert report.warnings == (
        ("MEMBER OF THE STATE ASSEMBLY, 65th District",
         "seats reduced from 2 to 1: only 1 candidate(s) on the ballot"),)


def test_results_general_rules_skips_and_warnings():
    report = scenarios_from_results(DATA / "general" / "results.json", "general")
    s = by_title(report)
    assert report.skipped == (
        ("EL SEGUNDO CITY GENERAL MUNICIPAL ELECTION City Clerk (No Candidates Filed)", "no candidates"),)
    conditional = ["PASADENA CITY GENERAL MUNICIPAL ELECTION - MEASURE PL",
                   "BEACH CITIES HEALTH DISTRICT SPECIAL ELECTION - MEASURE BC"]
    assert sorted(report.warnings) == sorted((t, PROP5_WARNING) for t in conditional)
    for t in conditional:
        assert s[t]["race"] == {**s[t]["race"], "rule": "measure", "threshold": 2 / 3}
    assert s["SANTA MONICA CITY GENERAL MUNICIPAL ELECTION Member of the City Council"]["race"]["seats"] == 4
    assert s["PRESIDENT AND VICE PRESIDENT"]["race"]["rule"] == "plurality"
    assert "threshold" not in s["PRESIDENT AND VICE PRESIDENT"]["race"]
    one = s["MONTEBELLO CITY GENERAL MUNICIPAL ELECTION City Clerk"]
    assert len(one["candidates"]) == 1 and one["race"]["seats"] == 1


def test_results_override_changes_the_conditional_measure():
    title = "PASADENA CITY GENERAL MUNICIPAL ELECTION - MEASURE PL"
    report = scenarios_from_results(DATA / "general" / "results.json", "general",
                                    overrides={title: {"threshold": 0.55}, "NO SUCH CONTEST": {"rule": "majority"}})
    assert by_title(report)[title]["race"]["threshold"] == 0.55
    assert (title, PROP5_WARNING) not in report.warnings
    assert ("NO SUCH CONTEST", "override matches no contest in the file") in report.warnings


# -- timeframes.json -------------------------------------------------------------------

PRIMARY_TIMES = [
    "2024-03-05T20:00:00-08:00", "2024-03-05T21:00:00-08:00", "2024-03-05T22:00:00-08:00",
    "2024-03-06T17:00:00-08:00", "2024-03-07T17:00:00-08:00", "2024-03-08T17:00:00-08:00",
    "2024-03-09T17:00:00-08:00", "2024-03-11T17:00:00-07:00", "2024-03-12T17:00:00-07:00",
    "2024-03-13T17:00:00-07:00", "2024-03-14T17:00:00-07:00", "2024-03-15T17:00:00-07:00"]


def test_release_times():
    assert release_times(load("primary", "timeframes")["dates"]) == PRIMARY_TIMES
    general = release_times(load("general", "timeframes")["dates"])
    assert general[:5] == ["2024-11-05T20:00:00-08:00", "2024-11-05T21:00:00-08:00",
                           "2024-11-05T22:00:00-08:00", "2024-11-05T23:00:00-08:00",
                           "2024-11-06T17:00:00-08:00"]
    assert release_times([["2024-11-06", 1], ["2024-11-06", 2]]) == [
        "2024-11-06T20:00:00-08:00", "2024-11-06T21:00:00-08:00"]
    assert release_times([["2024-06-01", 1], ["2024-06-02", 1], ["2024-06-02", 2]]) == [
        "2024-06-01T20:00:00-07:00", "2024-06-02T17:00:00-07:00", "2024-06-02T18:00:00-07:00"]


@pytest.mark.parametrize("kind", ["primary", "general"])
def test_timeframes_snapshots_equal_the_source_numbers(kind):
    report = scenarios_from_timeframes(DATA / kind / "timeframes.json", kind)
    source = timeframes_contests(kind)
    n = len(load(kind, "timeframes")["dates"])
    times = release_times(load(kind, "timeframes")["dates"])
    imported = by_title(report)
    assert len(report.scenarios) + len(report.skipped) == len(source)
    for title, s in imported.items():
        cands = source[title]["candidates"]
        ids = [c["id"] for c in s["candidates"]]
        assert len(s["snapshots"]) == n - 1
        final_total = sum(c["votes"][-1] for c in cands)
        assert final_total == source[title]["cumulative_totals"][-1]
        for j, snap in enumerate(s["snapshots"]):
            assert snap["as_of"] == times[j]
            assert snap["counted"] == {i: c["votes"][j] for i, c in zip(ids, cands)}
            counted_total = sum(snap["counted"].values())
            assert counted_total == source[title]["cumulative_totals"][j]
            est = final_total - counted_total
            assert est >= 0  # no count in the 2024 extracts goes backwards
            assert snap["remaining"] == {"estimate": est, "low": math.floor(0.8 * est),
                                         "high": math.ceil(1.25 * est)}
        assert s["count"] == s["snapshots"][-1] and s["count"] is not s["snapshots"][-1]
        assert s["final"] == {"as_of": times[-1],
                              "counted": {i: c["votes"][-1] for i, c in zip(ids, cands)}}
        assert s["race"]["date"] == times[0][:10]


def test_timeframes_district_attorney_general_by_hand():
    s = by_title(scenarios_from_timeframes(DATA / "general" / "timeframes.json", "general"))[
        "DISTRICT ATTORNEY"]
    assert s["race"] == {"name": "DISTRICT ATTORNEY (Los Angeles County general, 2024-11-05)",
                         "date": "2024-11-05", "rule": "plurality", "seats": 1}
    assert s["count"] == {"as_of": "2024-11-14T17:00:00-08:00",
                          "counted": {"george_gascon": 1303243, "nathan_hochman": 1954442},
                          "remaining": {"estimate": 11614, "low": 9291, "high": 14518}}
    assert s["snapshots"][0]["remaining"] == {"estimate": 1844063, "low": 1475250, "high": 2305079}
    assert s["final"]["counted"] == {"george_gascon": 1308741, "nathan_hochman": 1960558}


def test_timeframes_custom_interval():
    s = by_title(scenarios_from_timeframes(DATA / "general" / "timeframes.json", "general",
                                           interval=(0.5, 2.0)))["DISTRICT ATTORNEY"]
    assert s["count"]["remaining"] == {"estimate": 11614, "low": 5807, "high": 23228}
    with pytest.raises(ValueError):
        scenarios_from_timeframes(DATA / "general" / "timeframes.json", "general", interval=(1.2, 1.5))


def test_timeframes_primary_measures_need_pass_rates_from_the_results_file():
    path = DATA / "primary" / "timeframes.json"
    measures = ["STATE MEASURE 1", "CULVER CITY UNIFIED SCHOOL DISTRICT SPECIAL ELECTION - MEASURE E",
                "MANHATTAN BEACH UNIFIED SCHOOL DISTRICT SPECIAL PARCEL TAX ELECTION - MEASURE MB"]
    report = scenarios_from_timeframes(path, "primary")
    skipped = dict(report.skipped)
    assert {t: skipped[t] for t in measures} == {t: NO_PASS_RATE for t in measures}
    assert skipped["GLENDALE COMMUNITY COLLEGE DISTRICT Member, Board of Trustees, Trustee Area No. 1"] == UNMAPPED_PRIMARY
    overrides = measure_overrides_from_results(DATA / "primary" / "results.json")
    assert overrides == {
        "STATE MEASURE 1": {"rule": "measure", "threshold": 0.5},
        "CULVER CITY UNIFIED SCHOOL DISTRICT SPECIAL ELECTION - MEASURE E": {"rule": "measure", "threshold": 0.55},
        "MANHATTAN BEACH UNIFIED SCHOOL DISTRICT SPECIAL PARCEL TAX ELECTION - MEASURE MB": {"rule": "measure", "threshold": 2 / 3}}
    s = by_title(scenarios_from_timeframes(path, "primary", overrides))
    assert [s[t]["race"]["threshold"] for t in measures] == [0.5, 0.55, 2 / 3]
    assert [c["id"] for c in s["STATE MEASURE 1"]["candidates"]] == ["yes", "no"]
    # conditional pass rates are not turned into overrides
    general = measure_overrides_from_results(DATA / "general" / "results.json")
    assert "PASADENA CITY GENERAL MUNICIPAL ELECTION - MEASURE PL" not in general
    assert general["PASADENA UNIFIED SCHOOL DISTRICT SPECIAL ELECTION - MEASURE EE"]["threshold"] == 2 / 3


def test_one_candidate_contests_are_imported():
    s = by_title(scenarios_from_timeframes(DATA / "primary" / "timeframes.json", "primary"))
    judge = s["JUDGE OF THE SUPERIOR COURT Office No. 93"]
    assert judge["candidates"] == [{"id": "victor_avila", "name": "VICTOR AVILA", "party": "Non Partisan"}]
    assert judge["race"]["rule"] == "top_two"
    green = s["PRESIDENTIAL CANDIDATE PREFERENCE - GREEN"]
    assert green["final"]["counted"] == {"jill_stein": 3406}
    assert green["count"]["remaining"] == {"estimate": 8, "low": 6, "high": 10}


# -- synthetic messy cases (real contests changed in memory) ---------------------------

def real_timeframes(kind, *titles):
    data = load(kind, "timeframes")
    data["contests"] = [copy.deepcopy(c) for c in data["contests"] if c["name"] in titles]
    return data


def test_synthetic_backwards_count_is_kept_and_stays_uncertain(tmp_path):
    data = real_timeframes("general", "DISTRICT ATTORNEY")
    cands = data["contests"][0]["candidates"]
    # a correction: Hochman's last release is 5,000 below the one before
    cands[1]["votes"][-1] = cands[1]["votes"][-2] - 5000
    cands[0]["votes"][-1] = cands[0]["votes"][-2]
    report = scenarios_from_timeframes(write_json(tmp_path, data), "general")
    s = report.scenarios[0][1]
    assert s["final"]["counted"] == {"george_gascon": 1303243, "nathan_hochman": 1949442}
    counted_total = 1303243 + 1954442
    assert s["count"]["remaining"] == {"estimate": 0, "low": 0, "high": math.ceil(0.01 * counted_total)}
    assert report.warnings == (("DISTRICT ATTORNEY",
                                "count went backwards 1 time(s), kept as published: NATHAN HOCHMAN "
                                "1954442 -> 1949442 at 2024-11-15T17:00:00-08:00"),)
    assert simulate.load_scenario_dict(s, "backwards").count.remaining.high == math.ceil(0.01 * counted_total)


def test_synthetic_zero_vote_contest_is_skipped(tmp_path):
    data = real_timeframes("general", "MONTEBELLO CITY GENERAL MUNICIPAL ELECTION City Clerk")
    contest = data["contests"][0]
    for c in contest["candidates"]:
        c["votes"] = [0] * len(c["votes"])
    report = scenarios_from_timeframes(write_json(tmp_path, data), "general")
    assert report.scenarios == ()
    assert report.skipped == (("MONTEBELLO CITY GENERAL MUNICIPAL ELECTION City Clerk", "no votes counted"),)
    results = {"Election": {"Date": "2024-11-05T00:00:00-08:00", "ContestGroups": [{"Name": "Cities", "Contests": [
        {"Title": "Z", "Type": "Candidate", "VoteFor": "", "MeasurePassRate": "",
         "Candidates": [{"Name": "A", "Party": "", "Votes": 0}]}]}]}}
    report = scenarios_from_results(write_json(tmp_path, results, "results.json"), "general")
    assert report.skipped == (("Z", "no votes counted"),)


def test_synthetic_messy_contests_never_crash(tmp_path):
    data = real_timeframes("general", "STATE MEASURE 5", "DISTRICT ATTORNEY",
                           "SANTA MONICA CITY GENERAL MUNICIPAL ELECTION Member of the City Council")
    n = len(data["dates"])
    measure, da, sm = data["contests"]
    lower = copy.deepcopy(measure)
    lower["name"] = "LOWER CASE MEASURE"
    lower["candidates"][0]["name"], lower["candidates"][1]["name"] = "Yes", "No"
    odd = copy.deepcopy(measure)
    odd["name"] = "ODD MEASURE"
    odd["candidates"][0]["name"] = "BONDS YES"
    empty_vote_for = copy.deepcopy(da)
    empty_vote_for["name"], empty_vote_for["vote_for"] = "EMPTY VOTE FOR", ""
    twins = copy.deepcopy(sm)
    twins["name"] = "TWINS"
    twins["candidates"][1]["name"] = twins["candidates"][0]["name"].lower() + "!"
    none_vote = copy.deepcopy(da)
    none_vote["name"] = "NONE VOTE"
    none_vote["candidates"][0]["votes"][3] = None
    short = copy.deepcopy(da)
    short["name"] = "SHORT"
    short["candidates"][1]["votes"] = short["candidates"][1]["votes"][:3]
    nameless = copy.deepcopy(da)
    nameless["name"] = "NAMELESS"
    nameless["candidates"][0]["name"] = None
    data["contests"] += [lower, odd, empty_vote_for, twins, none_vote, short, nameless,
                         "not a contest", {"name": "NO LIST", "candidates": 5}, {}]
    report = scenarios_from_timeframes(write_json(tmp_path, data), "general")
    s = by_title(report)
    assert [c["id"] for c in s["LOWER CASE MEASURE"]["candidates"]] == ["yes", "no"]
    assert s["EMPTY VOTE FOR"]["race"]["seats"] == 1
    ids = [c["id"] for c in s["TWINS"]["candidates"]]
    assert ids[:2] == ["barry_a_snell", "barry_a_snell_2"]
    assert dict(report.skipped) == {
        "ODD MEASURE": "measure choices are not Yes and No: ['BONDS YES', 'NO']",
        "NONE VOTE": "vote count for 'GEORGE GASCÓN' is not a whole number >= 0: None",
        "SHORT": f"'NATHAN HOCHMAN' has 3 vote counts for {n} releases",
        "NAMELESS": "candidate without a name: None",
        "<contest 11>": "no candidates list",
        "NO LIST": "no candidates list",
        "<contest 13>": "no candidates list",
    }
    slugs = [slug for slug, _ in report.scenarios]
    assert len(set(slugs)) == len(slugs)


def test_synthetic_single_release_and_duplicate_titles(tmp_path):
    data = real_timeframes("general", "DISTRICT ATTORNEY")
    data["contests"].append(copy.deepcopy(data["contests"][0]))
    report = scenarios_from_timeframes(write_json(tmp_path, data), "general")
    assert [slug for slug, _ in report.scenarios] == ["district_attorney", "district_attorney_2"]
    one = {"dates": [["2024-11-05", 1]], "contests": [
        {"name": "ONE RELEASE", "type": "Candidate", "vote_for": 1,
         "candidates": [{"name": "A", "votes": [5]}, {"name": "B", "votes": [3]}]}]}
    report = scenarios_from_timeframes(write_json(tmp_path, one), "general")
    assert report.skipped == (("ONE RELEASE", "only one release: no count before the final one"),)


@pytest.mark.parametrize("content, fn", [
    ("not json", scenarios_from_timeframes),
    ("[1, 2]", scenarios_from_timeframes),
    ('{"dates": [], "contests": []}', scenarios_from_timeframes),
    ('{"dates": [["2024-13-01", 1]], "contests": []}', scenarios_from_timeframes),
    ('{"dates": [["2024-11-05"]], "contests": []}', scenarios_from_timeframes),
    ('{"dates": ["not a date"], "contests": []}', scenarios_from_timeframes),
    ('{"Election": {}}', scenarios_from_results),
    ('{"Election": {"ContestGroups": []}}', scenarios_from_results),
    ('{"contests": []}', scenarios_from_results),
])
def test_malformed_files_raise_import_format_error_naming_the_file(tmp_path, content, fn):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFormatError) as info:
        fn(path, "general")
    assert str(info.value).startswith(str(path) + ": ")


def test_missing_file_raises_import_format_error(tmp_path):
    with pytest.raises(ImportFormatError):
        scenarios_from_results(tmp_path / "nope.json", "general")


messy_value = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True),
                        st.text(max_size=8), st.lists(st.integers(0, 9), max_size=3))


@st.composite
def messy_timeframes(draw):
    n = draw(st.integers(1, 4))
    dates = [["2024-11-05", i + 1] for i in range(n)]
    contests = []
    for _ in range(draw(st.integers(0, 4))):
        cands = []
        for _ in range(draw(st.integers(0, 4))):
            votes = draw(st.one_of(st.lists(st.integers(0, 10**6), min_size=n, max_size=n),
                                   st.lists(messy_value, max_size=n + 1), messy_value))
            cands.append({"name": draw(st.one_of(st.text(max_size=20), st.sampled_from(["YES", "No"]), messy_value)),
                          "party": draw(messy_value), "votes": votes})
        contests.append({"name": draw(st.one_of(st.text(max_size=20), messy_value)),
                         "type": draw(st.sampled_from(["Candidate", "Measure", "Presidential", "", None])),
                         "vote_for": draw(st.one_of(st.sampled_from(["", "Vote for no more than two"]), messy_value)),
                         "measure_pass_rate": draw(st.one_of(st.sampled_from(
                             ["Majority of votes cast", "55% of votes cast", "2/3 votes, 55% if prop 5 passes"]), messy_value)),
                         "candidates": draw(st.one_of(st.just(cands), messy_value))})
    return {"dates": dates, "contests": contests}


@settings(max_examples=150, deadline=None)
@given(messy_timeframes(), st.sampled_from(["primary", "general"]))
def test_messy_timeframes_never_crash_and_every_contest_is_accounted_for(data, kind):
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = write_json(Path(tmp), data)
        report = scenarios_from_timeframes(path, kind)
        assert len(report.scenarios) + len(report.skipped) == len(data["contests"])
        assert all(isinstance(r, str) and r for _, r in report.skipped)
        for slug, s in report.scenarios:
            assert ID.match(slug)
            simulate.load_scenario_dict(s, slug)


# -- writing, loading, command line ----------------------------------------------------

@pytest.mark.parametrize("kind", ["primary", "general"])
@pytest.mark.parametrize("fmt", ["results", "timeframes"])
def test_every_imported_scenario_loads(tmp_path, kind, fmt):
    fn = scenarios_from_results if fmt == "results" else scenarios_from_timeframes
    overrides = measure_overrides_from_results(DATA / kind / "results.json")
    report = fn(DATA / kind / f"{fmt}.json", kind, overrides)
    paths = write_scenarios(report, tmp_path / "out")
    assert [p.name for p in paths] == [f"{slug}.yaml" for slug, _ in report.scenarios]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)
    for path, (slug, scenario) in zip(paths, report.scenarios):
        text = path.read_text(encoding="utf-8")
        assert yaml.safe_load(text) == scenario
        assert "&id" not in text  # no YAML anchors: the loader refuses aliases
        loaded = simulate.load_scenario(path)
        assert loaded.ids == tuple(c["id"] for c in scenario["candidates"])
        assert loaded.count.counted == tuple(scenario["count"]["counted"].values())
        assert len(loaded.snapshots) == len(scenario.get("snapshots", []))


def test_write_is_atomic(tmp_path, monkeypatch):
    report = scenarios_from_results(DATA / "general" / "results.json", "general")
    out = tmp_path / "out"
    write_scenarios(report, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    import simulate.files

    def boom(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(simulate.files.os, "replace", boom)
    changed = ImportReport(tuple((slug, {**s, "race": {**s["race"], "name": "CHANGED"}})
                                 for slug, s in report.scenarios))
    with pytest.raises(OSError):
        write_scenarios(changed, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # old files intact, no temp files


def run_cli(argv, capsys):
    code = racecall(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_imports_and_summarises(tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, out, err = run_cli(["import", "la-county", str(DATA / "general" / "results.json"),
                              "--kind", "general", "--out", str(out_dir), "--final"], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == (f"imported 19 of 20 contests from {DATA / 'general' / 'results.json'} "
                        f"(results; final count (--final): remaining 0) into {out_dir}")
    assert lines[1:3] == ["skipped 1:", "  - EL SEGUNDO CITY GENERAL MUNICIPAL ELECTION City Clerk "
                          "(No Candidates Filed): no candidates"]
    assert lines[3] == "warnings 2:"
    assert len(list(out_dir.glob("*.yaml"))) == 19


def test_cli_overrides_and_pass_rates(tmp_path, capsys):
    glendale = "GLENDALE COMMUNITY COLLEGE DISTRICT Member, Board of Trustees, Trustee Area No. 1"
    code, out, _ = run_cli(["import", "la-county", str(DATA / "primary" / "timeframes.json"),
                            "--kind", "primary", "--out", str(tmp_path), "--history",
                            "--pass-rates", str(DATA / "primary" / "results.json"),
                            "--override", f"{glendale}=plurality",
                            "--override", "STATE MEASURE 1=:2/3"], capsys)
    assert code == 0
    assert out.splitlines()[:2] == [
        f"imported 20 of 20 contests from {DATA / 'primary' / 'timeframes.json'} (timeframes; count "
        f"histories, remaining as_known) "
        f"into {tmp_path}", "skipped 0"]
    measure = yaml.safe_load((tmp_path / "state_measure_1.yaml").read_text(encoding="utf-8"))
    assert measure["race"]["threshold"] == 2 / 3
    assert len(measure["snapshots"]) == 11


def test_cli_bad_input_file_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "results.json"
    bad.write_text("{", encoding="utf-8")
    code, out, err = run_cli(["import", "la-county", str(bad), "--kind", "general",
                              "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and str(bad) in err
    code, _, err = run_cli(["import", "la-county", str(tmp_path / "missing.json"), "--kind",
                            "general", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "missing.json" in err
    other = tmp_path / "data.json"
    other.write_text("{}", encoding="utf-8")
    code, _, err = run_cli(["import", "la-county", str(other), "--kind", "general",
                            "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and err.strip() == (f"racecall import: error: {other}: neither a results.json "
                                         "nor a timeframes.json; pass --format")


def test_cli_format_from_contents_and_flag(tmp_path, capsys):
    copy_ = tmp_path / "la.json"
    copy_.write_bytes((DATA / "general" / "timeframes.json").read_bytes())
    code, out, _ = run_cli(["import", "la-county", str(copy_), "--kind", "general", "--history",
                            "--out", str(tmp_path / "o")], capsys)
    assert code == 0 and "(timeframes; count histories" in out.splitlines()[0]
    code, out, err = run_cli(["import", "la-county", str(copy_), "--kind", "general",
                              "--format", "results", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "not a results.json" in err


@pytest.mark.parametrize("text, parsed", [
    ("DISTRICT ATTORNEY=top_two", ("DISTRICT ATTORNEY", {"rule": "top_two"})),
    ("X=measure:55%", ("X", {"rule": "measure", "threshold": 0.55})),
    ("X=measure:2/3", ("X", {"rule": "measure", "threshold": 2 / 3})),
    ("A, B (C)=plurality:0.5:3", ("A, B (C)", {"rule": "plurality", "threshold": 0.5, "seats": 3})),
    ("X=::2", ("X", {"seats": 2})),
])
def test_parse_override(text, parsed):
    assert import_cli.parse_override(text) == parsed


@pytest.mark.parametrize("text", ["no equals", "=plurality", "X=borda", "X=measure:1.5",
                                  "X=plurality:0.5:0", "X=", "X=a:b:c:d"])
def test_parse_override_rejects(text, capsys):
    with pytest.raises(SystemExit) as info:
        racecall(["import", "la-county", "f.json", "--kind", "general", "--out", "o",
                         "--override", text])
    assert info.value.code == 2


def test_main_cli_wiring(tmp_path, capsys):
    code = racecall(["import", "la-county", str(DATA / "general" / "results.json"),
                          "--kind", "general", "--out", str(tmp_path), "--final"])
    assert code == 0
    assert "imported 19 of 20 contests" in capsys.readouterr().out


def test_synthetic_skipped_contest_leaves_no_warning_and_timestamp_dates_the_count(tmp_path):
    data = load("general", "results")
    contests = [c for g in data["Election"]["ContestGroups"] for c in g["Contests"]
                if c["Title"] == "PASADENA CITY GENERAL MUNICIPAL ELECTION - MEASURE PL"]
    contests[0]["Candidates"][0]["Votes"] = -1
    del data["Election"]["Date"]
    report = scenarios_from_results(write_json(tmp_path, data, "results.json"), "general")
    assert ("PASADENA CITY GENERAL MUNICIPAL ELECTION - MEASURE PL",
            "vote count for 'YES' is not a whole number >= 0: -1") in report.skipped
    assert [t for t, _ in report.warnings] == ["BEACH CITIES HEALTH DISTRICT SPECIAL ELECTION - MEASURE BC"]
    s = by_title(report)["DISTRICT ATTORNEY"]
    assert s["count"]["as_of"] == data["Timestamp"] == "2024-12-02T14:55:01.273"
    assert s["race"]["date"] == "2024-12-02"
