"""Units importers: the NC 2020 count by county and vote type, and the generic units CSV.

tests/data/nc-2020/ holds an unchanged extract of the published CSV (see PROVENANCE.md
there). Tests marked "synthetic" change a copy of it, or write a small CSV by hand, in a
temporary directory; the files on disk are never changed.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import pytest

import simulate
from simulate.errors import ScenarioError
from simulate.cli import imports as import_cli
from simulate.feeds import nc_2020
from simulate.feeds.la_county import ImportFormatError, ImportReport
from simulate.feeds.nc_2020 import extract, import_nc, scenario_from_nc
from simulate.feeds.units_csv import read_units_csv, scenario_from_units_csv, units_csv_text

NC = Path(__file__).parent / "data" / "nc-2020" / "president-by-county-and-vote-type.csv"
CANDS = ("biden", "trump", "jorgensen", "other")
TYPES = ("absentee", "early", "election_day", "provisional")
FINAL = {"biden": 2663230, "trump": 2736570, "jorgensen": 47655, "other": 32447}
FLOORED = {"harnett/early", "haywood/early", "rockingham/absentee"}


def read_rows(path=NC):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def rows():
    return read_rows()


@pytest.fixture(scope="module")
def state_totals(rows):
    """{timestamp: {candidate: votes}} from the file's STATE/total rows."""
    return {r["timestamp"]: {c: int(r[f"votes_{c}"]) for c in CANDS}
            for r in rows if r["county"] == "STATE" and r["vote_type"] == "total"}


@pytest.fixture(scope="module")
def units_report():
    return import_nc(NC, "units")


@pytest.fixture(scope="module")
def units(units_report):
    return units_report.scenarios[0][1]


@pytest.fixture(scope="module")
def lump():
    return scenario_from_nc(NC, "lump")


def total(counted):
    return sum(counted.values())


def estimate(remaining):
    return remaining["estimate"] if isinstance(remaining, dict) else remaining


# -- the extract ------------------------------------------------------------------------

def test_extract_keeps_every_county_and_type_at_22_timestamps(rows, state_totals):
    assert list(rows[0]) == list(nc_2020.EXTRACT_COLUMNS)
    assert NC.stat().st_size < 1_000_000
    times = sorted(state_totals)
    assert len(times) == 22 and len(rows) == 22 * 505
    assert len({r["county"] for r in rows}) == 101  # 100 counties and STATE
    assert {r["vote_type"] for r in rows} == {"absentee", "early", "electionday", "provisional", "total"}
    assert total(state_totals[times[0]]) == 0  # the pre-election page
    assert state_totals[times[-1]] == FINAL


def test_extract_selection_rule(state_totals):
    times = sorted(state_totals)
    final = total(state_totals[times[-1]])
    steps = [total(state_totals[b]) - total(state_totals[a]) for a, b in zip(times[:-2], times[1:-1])]
    assert min(steps) >= 0.01 * final


def test_extracting_the_extract_changes_nothing(tmp_path):
    out = tmp_path / "again.csv"
    kept = extract(NC, out)
    assert len(kept) == 22
    assert out.read_bytes() == NC.read_bytes()


# -- NC 2020, units mode ----------------------------------------------------------------

def test_units_scenario_shape(units):
    assert units["race"] == {"name": "President of the United States, North Carolina, 2020 "
                                     "general election", "date": "2020-11-03",
                             "rule": "plurality", "seats": 1}
    assert [c["id"] for c in units["candidates"]] == list(CANDS)
    snaps = units["snapshots"]
    assert len(snaps) == 20
    assert snaps[0]["as_of"] == "2020-11-04T01:20:19.239+00:00"  # the all-zero page is skipped
    assert snaps[-1]["as_of"] == "2020-11-04T03:57:46.736+00:00"
    assert units["count"] == snaps[-1] and units["count"] is not snaps[-1]
    assert units["final"] == {"as_of": "2020-11-10T23:33:55.796+00:00", "counted": FINAL}
    for snap in snaps:
        assert set(snap) == {"as_of", "units"}
        ids = [u["id"] for u in snap["units"]]
        assert len(ids) == len(set(ids)) == 400
        assert {u["type"] for u in snap["units"]} == set(TYPES)
        assert all(u["id"].endswith("/" + u["type"]) for u in snap["units"])
    assert snaps[0]["units"][0]["id"] == "alamance/absentee"
    assert "new-hanover/election_day" in {u["id"] for u in snaps[0]["units"]}


def test_unit_sums_equal_the_statewide_count_at_every_snapshot(units, lump, state_totals):
    for snap, whole in zip(units["snapshots"], lump["snapshots"]):
        summed = {c: sum(u["counted"][c] for u in snap["units"]) for c in CANDS}
        assert summed == whole["counted"] == state_totals[snap["as_of"][:-6]]


def test_unit_remaining_is_final_minus_counted(units):
    """Final minus counted, the positive ones scaled within each county to its own net remainder."""
    final = {u["id"]: total(u["counted"]) for u in _final_units()}
    floored = set()
    for snap in units["snapshots"]:
        gaps = {u["id"]: final[u["id"]] - total(u["counted"]) for u in snap["units"]}
        county_net, county_pos = {}, {}
        for uid, g in gaps.items():
            c = uid.split("/")[0]
            county_net[c] = county_net.get(c, 0) + g
            county_pos[c] = county_pos.get(c, 0) + max(g, 0)
        for u in snap["units"]:
            counted, rem = total(u["counted"]), u["remaining"]
            c = u["id"].split("/")[0]
            raw = gaps[u["id"]]
            gap = round(raw * min(1.0, max(county_net[c], 0) / county_pos[c])) if raw > 0 else raw
            if gap > 0:
                assert rem == {"estimate": gap, "low": math.floor(0.8 * gap),
                               "high": math.ceil(1.25 * gap)}
            elif gap == 0:
                assert rem == 0
            else:
                floored.add(u["id"])
                assert rem == {"estimate": 0, "low": 0, "high": max(1, math.ceil(0.01 * counted))}
    assert floored == FLOORED


def _final_units():
    """Units at the last timestamp, read from the file independently of the importer."""
    rows = read_rows()
    last = max(r["timestamp"] for r in rows)
    kinds = dict(nc_2020.VOTE_TYPES)
    return [{"id": f"{r['county']}/{kinds[r['vote_type']]}",
             "counted": {c: int(r[f"votes_{c}"]) for c in CANDS}}
            for r in rows if r["timestamp"] == last and r["vote_type"] in kinds
            and r["county"] != "STATE"]


def test_units_warnings_name_the_vote_type_moves(units_report):
    assert isinstance(units_report, ImportReport)
    assert units_report.scenarios[0][0] == "nc-2020-president"
    warnings = [w for _, w in units_report.warnings]
    assert len(warnings) == 3
    assert warnings[0].startswith(
        "count went backwards 6 time(s), kept as published: montgomery absentee 1087 -> 0 "
        "votes at 2020-11-04T02:31:51.080+00:00; ")
    assert warnings[1] == (
        "the units' remaining estimates add up to more than the statewide final minus counted "
        "at 15 snapshot(s), by up to 11 votes (at 2020-11-04T03:57:46.736+00:00): votes that moved "
        "between vote types later are counted in one unit and remaining in another")
    assert warnings[2] == (
        "remaining floored at 0 for 3 unit(s) counted above their final count: harnett/early at "
        "20 snapshot(s), up to 40374 counted, 40363 final; haywood/early at 20 snapshot(s), up "
        "to 29217 counted, 23180 final; rockingham/absentee at 9 snapshot(s), up to 37408 "
        "counted, 4269 final")
    assert not any("disagree" in w for w in warnings)


# -- NC 2020, lump mode -----------------------------------------------------------------

def test_lump_remaining_is_statewide_final_minus_counted(lump, units):
    final = total(FINAL)
    assert len(lump["snapshots"]) == 20
    for snap, by_unit in zip(lump["snapshots"], units["snapshots"]):
        assert set(snap) == {"as_of", "counted", "remaining"}
        assert snap["as_of"] == by_unit["as_of"]
        gap = final - total(snap["counted"])
        assert snap["remaining"] == {"estimate": gap, "low": math.floor(0.8 * gap),
                                     "high": math.ceil(1.25 * gap)}
    assert lump["count"] == lump["snapshots"][-1]
    assert lump["final"] == units["final"]
    assert lump["count"]["remaining"]["estimate"] == 32685


def test_lump_and_units_load_through_the_loader(lump, units):
    a = simulate.load_scenario_dict(lump, "nc-lump")
    b = simulate.load_scenario_dict(units, "nc-units")
    assert a.count.counted == b.count.counted == (2647662, 2720659, 46937, 31959)
    assert len(b.count.units) == 400 and a.count.units == ()
    assert a.count.remaining.estimate == 32685
    assert b.count.remaining.estimate == 32685 + 11  # Harnett's early count fell by 11 votes: the warned excess
    assert [s.counted for s in a.snapshots] == [s.counted for s in b.snapshots]
    assert a.final == b.final


def test_merged_jorgensen_and_first_timestamp():
    s = scenario_from_nc(NC, "lump", first_timestamp="2020-11-03T22:00-05:00",
                         keep_jorgensen=False)
    assert [c["id"] for c in s["candidates"]] == ["biden", "trump", "other"]
    assert [x["as_of"][11:19] for x in s["snapshots"]] == ["03:05:13", "03:24:21", "03:49:04",
                                                         "03:57:46"]
    assert s["final"]["counted"] == {"biden": 2663230, "trump": 2736570, "other": 80102}
    found = []
    u = scenario_from_nc(NC, "units", (0.5, 2.0), "2020-11-04T03:50", warnings=found)
    assert len(u["snapshots"]) == 1 and len(found) == 3
    r = next(x["remaining"] for x in u["count"]["units"] if x["id"] == "wake/absentee")
    assert r["low"] == math.floor(0.5 * r["estimate"]) and r["high"] == 2 * r["estimate"]


def test_nc_argument_and_format_errors(tmp_path):
    with pytest.raises(ValueError, match="mode must be 'units' or 'lump', got 'county'"):
        scenario_from_nc(NC, "county")
    with pytest.raises(ValueError, match="interval must satisfy"):
        scenario_from_nc(NC, "lump", (1.2, 1.5))
    with pytest.raises(ValueError, match="first_timestamp 'soon' is not an ISO date and time"):
        scenario_from_nc(NC, "lump", first_timestamp="soon")
    with pytest.raises(ImportFormatError) as exc:
        scenario_from_nc(NC, "lump", first_timestamp="2020-11-05")
    assert str(exc.value) == (f"{NC}: no timestamp with votes counted before the last one at "
                              "or after 2020-11-05")
    bad = tmp_path / "bad.csv"
    bad.write_text("state,county,timestamp,vote_type,votes\nNC,wake,2020-11-04T01:00:00,early,1\n")
    with pytest.raises(ImportFormatError) as exc:
        scenario_from_nc(bad)
    assert str(exc.value) == (f"{bad}: no column(s) votes_biden, votes_trump, votes_jorgensen, "
                              "votes_other (not a president-by-county-and-vote-type.csv?)")


def test_sums_that_disagree_are_warned_not_fatal(tmp_path, rows):
    """Synthetic: five Biden votes added to one county row only."""
    when = "2020-11-04T02:05:22.683"
    path = tmp_path / "changed.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=nc_2020.EXTRACT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            if (r["county"], r["vote_type"], r["timestamp"]) == ("wake", "absentee", when):
                r = {**r, "votes": str(int(r["votes"]) + 5),
                     "votes_biden": str(int(r["votes_biden"]) + 5)}
            writer.writerow(r)
    report = import_nc(path, "units")
    warnings = [w for _, w in report.warnings]
    assert warnings[0].startswith(f"2 sum(s) disagree ([votes, biden, trump, jorgensen, other]): "
                                  f"absentee at {when}+00:00: counties [")
    assert f"; wake at {when}+00:00: vote types [" in warnings[0]
    scenario = report.scenarios[0][1]
    snap = next(s for s in scenario["snapshots"] if s["as_of"] == when + "+00:00")
    lump = scenario_from_nc(path, "lump")
    whole = next(s for s in lump["snapshots"] if s["as_of"] == when + "+00:00")
    assert sum(u["counted"]["biden"] for u in snap["units"]) == whole["counted"]["biden"] + 5


# -- the generic units CSV --------------------------------------------------------------

HEADER = "unit,type,biden,trump,other,remaining,remaining_low,remaining_high"
GOOD = (HEADER + ",baseline_biden,baseline_trump,baseline_other\n"
        "wake,absentee,1234,1000,50,5000,4000,6250,0.55,0.43,0.02\n"
        "wake,election_day,800,900,20,300,,,,,\n"
        "durham,,10,20,0,5,5,5,,,\n")


def write(tmp_path, text, name="units.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_units_csv_scenario(tmp_path):
    path = write(tmp_path, GOOD)
    s = scenario_from_units_csv(path, name="Test", rule="plurality", seats=1, as_of="2024-11-05T21:00:00-08:00")
    assert s["race"] == {"name": "Test", "rule": "plurality", "seats": 1}
    assert s["candidates"] == [{"id": "biden"}, {"id": "trump"}, {"id": "other"}]
    assert s["count"] == {"as_of": "2024-11-05T21:00:00-08:00", "units": [
        {"id": "wake/absentee", "type": "absentee", "counted": {"biden": 1234, "trump": 1000, "other": 50},
         "remaining": {"estimate": 5000, "low": 4000, "high": 6250},
         "baseline": {"biden": 0.55, "trump": 0.43, "other": 0.02}},
        {"id": "wake/election_day", "type": "election_day",
         "counted": {"biden": 800, "trump": 900, "other": 20}, "remaining": 300},
        {"id": "durham", "counted": {"biden": 10, "trump": 20, "other": 0}, "remaining": 5}]}
    loaded = simulate.load_scenario_dict(s, "units")
    assert loaded.count.counted == (2044, 1920, 70)
    assert loaded.count.remaining.estimate == 5305
    assert [u.type for u in loaded.count.units] == ["absentee", "election_day", "all"]


def test_units_csv_named_candidates_and_threshold(tmp_path):
    path = write(tmp_path, "precinct,yes,no,remaining\n0001,10,5,3\n0002,\t7 ,8,0\n")
    s = scenario_from_units_csv(path, name="Measure A", rule="measure", threshold=2 / 3,
                                candidates=[{"id": "yes", "name": "Yes"}, "no"],
                                unit_column="precinct", date="2024-03-05")
    assert s["race"] == {"name": "Measure A", "date": "2024-03-05", "rule": "measure",
                         "threshold": 2 / 3}
    assert s["candidates"] == [{"id": "yes", "name": "Yes"}, {"id": "no"}]
    assert [u["id"] for u in s["count"]["units"]] == ["0001", "0002"]
    assert s["count"]["units"][1]["counted"] == {"yes": 7, "no": 8}
    simulate.load_scenario_dict(s, "measure")


def test_units_csv_text_round_trips(tmp_path, units):
    ids, got = read_units_csv(write(tmp_path, units_csv_text(units["count"]["units"], CANDS)))
    assert ids == CANDS and got == units["count"]["units"]
    ids, got = read_units_csv(write(tmp_path, GOOD))
    again = read_units_csv(write(tmp_path, units_csv_text(got, ids), "again.csv"))
    assert again == (ids, got)


ERRORS = [
    # (csv text, candidates, path, message)
    (HEADER.replace(",trump", "") + "\nwake,,1,2,3,,\n", ("biden", "trump", "other"),
     "header", "no column for candidate 'trump'"),
    (HEADER + "\nwake,,1,2,3,4,,\ndurham,,1,-2,3,4,,\n", None,
     "row 3, column trump", "must not be negative, got -2"),
    (HEADER + "\nwake,,1,2.5,3,4,,\n", None,
     "row 2, column trump", "must be a whole number of votes, got '2.5'"),
    (HEADER + "\nwake,,1,two,3,4,,\n", None,
     "row 2, column trump", "must be a whole number of votes, got 'two'"),
    (HEADER + "\nwake,,1,,3,4,,\n", None,
     "row 2, column trump", "is empty (write 0 for no votes)"),
    (HEADER + "\nwake,early,1,2,3,4,,\ndurham,,1,2,3,4,,\nwake,early,5,6,7,8,,\n", None,
     "row 4, column unit", "duplicate unit 'wake (early)': already on row 2"),
    (HEADER + "\nwake,,1,2,3,4,,\nwake,,5,6,7,8,,\n", None,
     "row 3, column unit", "duplicate unit 'wake': already on row 2"),
    (HEADER + "\nwake/early,,1,2,3,4,,\nwake,early,1,2,3,4,,\nwake,day,1,2,3,4,,\n", None,
     "row 3, column unit", "unit id 'wake/early' is also the id of the unit on row 2"),
    (HEADER + "\nwake,,1,2,3,4,,\n", ("biden", "trump"),
     "header", "column 'other' is not a candidate (candidates: biden, trump)"),
    (HEADER.replace("other", "Other") + "\nwake,,1,2,3,4,,\n", None,
     "header", "column 'Other' is not a candidate id (lower-case letters, digits and _ "
               "starting with a letter)"),
    (HEADER + "\nwake,,1,2,3,4,,\n,,1,2,3,4,,\n", None,
     "row 3, column unit", "is empty (every row needs a unit name)"),
    (HEADER + "\nwake#1,,1,2,3,4,,\n", None,
     "row 2, column unit", "a unit name must use only letters, digits, spaces and _ . / -, got 'wake#1'"),
    (HEADER + "\nwake,,1,2,3,4\n", None, "row 2", "has 6 fields, the header has 8"),
    (HEADER + "\nwake,,1,2,3,4,3,\n", None, "row 2, column remaining_high",
     "is empty but the other end of the interval is given (give both, or neither for an exact count)"),
    (HEADER + "\nwake,,1,2,3,4,5,9\n", None, "row 2",
     "needs remaining_low <= remaining <= remaining_high, got 5 / 4 / 9"),
    ("unit,biden,trump,remaining,remaining_low\nwake,1,2,3,3\n", None, "header",
     "has 'remaining_low' but no 'remaining_high' (give both columns, or neither)"),
    ("unit,biden,trump\nwake,1,2\n", None, "header",
     "no 'remaining' column (the votes not yet counted in each unit)"),
    ("county,biden,trump,remaining\nwake,1,2,3\n", None, "header", "no 'unit' column (the unit names)"),
    ("unit,biden,biden,remaining\nwake,1,2,3\n", None, "header", "column 'biden' appears twice"),
    ("unit,remaining\nwake,3\n", None, "header", "no candidate columns"),
    ("unit,a,b,remaining,baseline_a\nwake,1,2,3,0.5\n", None, "header",
     "no baseline column for b (give a baseline_<id> column for every candidate, or none)"),
    ("unit,a,b,remaining,baseline_a,baseline_b,baseline_c\nw,1,2,3,0.5,0.5,0\n", None, "header",
     "column 'baseline_c' names no candidate (candidates: a, b)"),
    ("unit,a,b,remaining,baseline_a,baseline_b\nw,1,2,3,0.5,\n", None, "row 2, column baseline_b",
     "is empty but other baseline shares are given (give all, or none for no baseline)"),
    ("unit,a,b,remaining,baseline_a,baseline_b\nw,1,2,3,0.5,0.6\n", None, "row 2",
     "baseline shares must add up to 1, they add up to 1.1"),
    ("unit,a,b,remaining,baseline_a,baseline_b\nw,1,2,3,1.5,-0.5\n", None,
     "row 2, column baseline_a", "must be a share between 0 and 1, got '1.5'"),
    (HEADER + "\n", None, "", "no units: the file has a header but no rows"),
    ("", None, "", "file is empty (expected a header row)"),
]


@pytest.mark.parametrize("text, candidates, path, message", ERRORS)
def test_units_csv_errors_word_for_word(tmp_path, text, candidates, path, message):
    csv_path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as exc:
        scenario_from_units_csv(csv_path, name="Test", rule="plurality", candidates=candidates)
    assert (exc.value.source, exc.value.path, exc.value.message) == (str(csv_path), path, message)
    where = f"{csv_path}: {path}: " if path else f"{csv_path}: "
    assert str(exc.value) == where + message


def test_units_csv_race_errors(tmp_path):
    path = write(tmp_path, "unit,a,b,remaining\nw,1,2,3\n")
    with pytest.raises(ScenarioError) as exc:
        scenario_from_units_csv(path, name="M", rule="measure")
    assert exc.value.message == "a measure has exactly two candidate columns, yes and no; found a, b"
    with pytest.raises(ScenarioError) as exc:
        scenario_from_units_csv(path, name="P", rule="plurality", seats=3)
    assert exc.value.message == "seats is 3 but there are only 2 candidate column(s)"
    for kwargs, message in [
        ({"rule": "ranked"}, "rule must be one of plurality, majority, top_two, measure, got 'ranked'"),
        ({"rule": "majority", "seats": 2}, "seats applies to plurality races only (rule is majority)"),
        ({"rule": "plurality", "threshold": 0.5}, "threshold does not apply to plurality races"),
        ({"rule": "plurality", "candidates": ["A"]},
         "candidate id must be lower-case letters, digits and _ starting with a letter, got 'A'"),
    ]:
        with pytest.raises(ValueError) as exc:
            scenario_from_units_csv(path, name="X", **kwargs)
        assert str(exc.value) == message
    with pytest.raises(ScenarioError) as exc:
        scenario_from_units_csv(tmp_path / "none.csv", name="X", rule="plurality")
    assert exc.value.message == "cannot read the units CSV (No such file or directory)"


# -- command line -----------------------------------------------------------------------

def run_import(argv, capsys):
    parser = argparse.ArgumentParser(prog="racecall")
    sources = parser.add_subparsers(dest="command").add_parser("import").add_subparsers(dest="source")
    import_cli.add_units_parser(sources)
    import_cli.add_nc_parser(sources)
    args = parser.parse_args(["import", *argv])
    code = args.handler(args)
    return code, capsys.readouterr()


def test_cli_units(tmp_path, capsys):
    out = tmp_path / "out" / "race.yaml"
    code, io = run_import(["units", str(write(tmp_path, GOOD)), "--name", "Test", "--rule",
                           "majority", "--threshold", "55%", "--out", str(out)], capsys)
    assert code == 0
    assert io.out == f"imported 3 units (candidates: biden, trump, other) from " \
                     f"{tmp_path / 'units.csv'} into {out}\n"
    s = simulate.load_scenario(out)
    assert s.race.threshold == 0.55 and len(s.count.units) == 3
    code, io = run_import(["units", str(write(tmp_path, HEADER + "\nwake,,1,x,3,4,,\n", "bad.csv")),
                           "--name", "T", "--rule", "plurality", "--out", str(out)], capsys)
    assert code == 2
    assert io.err == (f"racecall import: error: {tmp_path / 'bad.csv'}: row 2, column trump: "
                      "must be a whole number of votes, got 'x'\n")


def test_cli_nc_lump_and_units_csv(tmp_path, capsys):
    out = tmp_path / "nc.yaml"
    code, io = run_import(["nc-2020", str(NC), "--mode", "lump", "--out", str(out)], capsys)
    assert code == 0 and io.out.startswith(f"imported 20 snapshots (statewide counts) from {NC}")
    assert simulate.load_scenario(out).count.remaining.estimate == 32685
    out = tmp_path / "nc-units.yaml"
    code, io = run_import(["nc-2020", str(NC), "--units-csv", "--first-timestamp",
                           "2020-11-04T03:40", "--out", str(out)], capsys)
    assert code == 0
    assert io.out.splitlines()[:2] == [
        f"imported 2 snapshots (400 county x vote-type units) from {NC} into {out}", "warnings 3:"]
    folders = [p for p in tmp_path.iterdir() if p.name.startswith("nc-units.units.")]
    assert len(folders) == 1 and folders[0].name in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in folders[0].iterdir()) == [
        "count.csv", "snapshot-001.csv", "snapshot-002.csv"]
    loaded = simulate.load_scenario(out)
    direct = simulate.load_scenario_dict(
        scenario_from_nc(NC, first_timestamp="2020-11-04T03:40"), "direct")
    assert loaded.count == direct.count and loaded.snapshots == direct.snapshots
    code, io = run_import(["nc-2020", str(tmp_path / "missing.csv"), "--out", str(out)], capsys)
    assert code == 2 and io.err.startswith("racecall import: error: ")
