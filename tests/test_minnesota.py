"""The Minnesota media-file feed: releases, scenarios, histories, archives and folders."""
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from simulate import load_scenario_dict
from simulate.cli.main import main as racecall
from simulate.feeds.minnesota import releases
from simulate.feeds.minnesota_files import FeedFormatError, feed_folders, folder_time
from simulate.feeds.minnesota_history import minnesota_history

DATA = Path(__file__).parent / "data" / "minnesota" / "2022"
FULL = Path(__file__).parents[1] / ".." / "shared" / "data" / "minnesota"


def test_folder_time():
    assert folder_time("20221108T201006-0600") == "2022-11-08T20:10:06-06:00"
    with pytest.raises(FeedFormatError):
        folder_time("2022-11-08")


def test_releases_of_the_extract_load_and_only_the_certified_one_is_final():
    rels = list(releases(DATA))
    assert [r.key for r in rels] == sorted(p.name for p in DATA.iterdir())
    assert [r.final for r in rels] == [False, False, True]
    for r in rels:
        for slug, data in r.contests:
            load_scenario_dict(data, slug)
            rem = data["count"]["remaining"]
            if r.final:
                assert rem == {"estimate": 0}
            else:  # never closed before certification, even with every precinct in
                assert rem["high"] >= 1 and rem["low"] <= rem["estimate"] <= rem["high"]
    gov = rels[-1].contest("governor_lt_governor_0331")
    assert sum(gov["count"]["counted"].values()) == 2_510_585
    assert gov["race"] == {"name": "Governor & Lt Governor (Minnesota, 2022-11-08)", "date": "2022-11-08",
                           "rule": "plurality", "seats": 1}
    q = rels[-1].contest("school_district_question_1_ssd_6_5031_dc_0006")
    assert q["race"]["rule"] == "measure" and [c["id"] for c in q["candidates"]] == ["yes", "no"]


def test_archive_and_folder_give_the_same_releases_and_links_are_read_once(tmp_path):
    root = tmp_path / "2022"
    shutil.copytree(DATA, root)
    a, b = sorted(root.iterdir())[1:]
    (b / "Governor.txt").unlink()
    os.link(a / "Governor.txt", b / "Governor.txt")  # unchanged file: a hard link, as in the feed
    (folder_a, files_a), (folder_b, files_b) = feed_folders(root)[1:]
    assert files_a["Governor.txt"].identity == files_b["Governor.txt"].identity
    archive = tmp_path / "mn.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        tar.add(root, arcname="2022")
    tar_folders = feed_folders(archive)
    assert tar_folders[2][1]["Governor.txt"].identity == tar_folders[1][1]["Governor.txt"].identity
    assert [r.contests for r in releases(archive)] == [r.contests for r in releases(root)]


def test_history_as_known_and_hindsight():
    known = minnesota_history(DATA)
    hind = minnesota_history(DATA, "hindsight")
    assert [s for s, _ in known.scenarios] == [s for s, _ in hind.scenarios]
    gov_k, gov_h = dict(known.scenarios)["governor_lt_governor_0331"], dict(hind.scenarios)["governor_lt_governor_0331"]
    assert sum(gov_h["final"]["counted"].values()) == 2_510_585
    truth = 2_510_585 - sum(gov_h["snapshots"][-1]["counted"].values())
    assert gov_h["snapshots"][-1]["remaining"]["estimate"] == truth
    assert gov_k["snapshots"][-1]["remaining"]["estimate"] != truth  # from precincts, not from the final
    for _, data in known.scenarios:
        load_scenario_dict(data, "x")


def test_bad_source_is_one_line_exit_2(tmp_path, capsys):
    code = racecall(["import", "minnesota", str(tmp_path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no fetch folders" in err


def test_cli_import_latest_release(tmp_path, capsys):
    code = racecall(["import", "minnesota", str(DATA), "--out", str(tmp_path / "o")])
    assert code == 0
    assert "release 20221123T155007-0600, certified" in capsys.readouterr().out


@pytest.mark.skipif(not (FULL / "minnesota-2022.tar.xz").exists(), reason="full archives not present")
def test_one_release_of_the_full_archive_reads_quickly():
    import time

    start = time.perf_counter()
    rel = next(releases(FULL / "minnesota-2022.tar.xz", only="latest"))
    assert rel.final and len(rel.contests) > 4000
    assert time.perf_counter() - start < 120  # one pass over the archive, shared machine


@pytest.mark.parametrize("election, ages", [("2020-11-03", (None, 0.0, 3.0, 6.0, 12.0)),
                                            ("2022-11-08", (None, 0.0, 3.0, 6.0, 12.0, 24.0, 60.0, 84.0)),
                                            ("2024-11-05", (None, 0.0, 3.0, 6.0, 12.0, 24.0, 60.0, 84.0))])
def test_every_precinct_in_but_not_certified_is_not_called_within_the_late_ballots(election, ages):
    """A state house race at 100% of precincts, 20,000 counted, the leader 14 votes ahead: the
    table fitted on the *other* election keeps enough late ballots open (its floor: the 99th
    percentile of late ballots on that history) that the race is not called at 0.995 on
    election night, while the same count marked exact (remaining 0) would be. For an election
    not in the history (2024: the pooled table, each age at the worse election's floor) it is
    not called at any age before certification. (2020 scored with 2022's table calls it a day
    on: 2022's late ballots had stopped by then.)"""
    import simulate
    from simulate.feeds.minnesota import Contest, error_table, scenario
    from simulate.model.expected_vote import remaining_interval

    c = Contest(("", "0401", "27A", "State Representative District 27A"), ("A", "B"), ("DFL", "R"),
                (10_007, 9_993), 12, 12)
    for age in ages:
        rem = remaining_interval(0.0, 20_000, error_table(election), age=age)
        assert rem["high"] >= 0.0046 * 20_000  # the lower of the two elections' 99th percentiles
        data = scenario(c, f"{election}T23:50:00-06:00", election, rem)
        result = simulate.run(load_scenario_dict(data, "x"), draws=20_000, seed=1)
        assert result.call.status != "called", age
    exact = scenario(c, f"{election}T23:50:00-06:00", election, {"estimate": 0})
    assert simulate.run(load_scenario_dict(exact, "x"), draws=20_000, seed=1).call.status == "called"


def test_history_cache_gives_the_same_histories_and_survives_a_corrupt_file(tmp_path, monkeypatch):
    import simulate.feeds.minnesota_history as mh

    plain = minnesota_history(DATA)
    first = minnesota_history(DATA, cache=tmp_path)
    files = list(tmp_path.glob("minnesota-*.pickle"))
    assert len(files) == 1 and first.scenarios == plain.scenarios and first.records == plain.records
    calls = []
    monkeypatch.setattr(mh, "_collect", lambda *a: calls.append(a) or (_ for _ in ()).throw(AssertionError))
    assert minnesota_history(DATA, cache=tmp_path).scenarios == plain.scenarios  # read from the cache
    assert not calls
    monkeypatch.undo()
    files[0].write_bytes(b"not a pickle")
    assert minnesota_history(DATA, cache=tmp_path).scenarios == plain.scenarios  # rebuilt
    assert minnesota_history(DATA, "hindsight", cache=tmp_path).scenarios == minnesota_history(DATA, "hindsight").scenarios


def test_cli_backtest_reads_the_feed_as_known_through_its_cache(tmp_path, capsys):
    import json

    args = ["backtest", str(DATA), "--draws", "200", "--json", "--cache", str(tmp_path)]
    assert racecall(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["remaining_source"] == "as_known" and first["contests"] > 0
    assert len(list(tmp_path.glob("minnesota-*.pickle"))) == 1
    assert racecall(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in again.items() if k != "seconds"} == {k: v for k, v in first.items() if k != "seconds"}
    assert racecall(["backtest", str(DATA), "--draws", "200", "--json", "--cache", "off",
                     "--remaining", "hindsight"]) == 0
    assert json.loads(capsys.readouterr().out)["remaining_source"] == "hindsight"


def test_cli_calibrate_reads_the_feed_through_its_cache(tmp_path, capsys):
    cache = tmp_path / "cache"
    out = tmp_path / "fit.yaml"
    assert racecall(["calibrate", str(DATA), "--out", str(out), "--draws", "200", "--uncertainty", "0.04,0.06",
                     "--tail-df", "8", "--cache", str(cache)]) == 0
    assert len(list(cache.glob("minnesota-*.pickle"))) == 1 and out.exists()


# -- tabulator test decks in the feed ---------------------------------------------------------

from simulate.feeds.minnesota import _group, is_test_deck  # noqa: E402


def test_test_deck_is_one_two_three_in_ballot_order():
    assert is_test_deck([("A", 58), ("B", 116), ("WRITE-IN", 174)])
    assert is_test_deck([("A", 328), ("B", 656), ("C", 984), ("WRITE-IN", 1314)])  # write-ins by hand
    assert not is_test_deck([("A", 58), ("B", 116), ("WRITE-IN", 3)])  # a 1:2 pair happens by chance
    assert not is_test_deck([("A", 58), ("B", 117), ("C", 174)])
    assert not is_test_deck([("A", 116), ("B", 58), ("C", 174)])  # the order is the ballot's
    assert not is_test_deck([("A", 0), ("B", 0), ("C", 0)])
    assert not is_test_deck([("A", 5), ("B", 10)])


def _row(county, office, cand_id, name, reporting, total, votes):
    return f"MN;{county};;{office};County Commissioner District 1;01;{cand_id};{name};;;NP;{reporting};{total};{votes};0;0"


def test_a_county_test_deck_counts_as_not_reported_and_the_other_counties_stay():
    rows = [_row("56", "0101", "0301", "A", 92, 92, 328), _row("56", "0101", "0401", "B", 92, 92, 656),
            _row("56", "0101", "9901", "WRITE-IN", 92, 92, 984),
            _row("01", "0101", "0301", "A", 10, 54, 700), _row("01", "0101", "0401", "B", 10, 54, 600),
            _row("01", "0101", "9901", "WRITE-IN", 10, 54, 5)]
    summed = _group("\n".join(rows).encode(), "allracesbycounty.txt", True)
    (c,) = summed.values()
    assert c.votes == (700, 600, 5) and (c.reporting, c.total) == (10, 146)
    own = _group("\n".join(rows[:3]).encode(), "cntyRace.txt", False)
    (c,) = own.values()
    assert sum(c.votes) == 0 and c.reporting == 0 and c.total == 92


def _snap(as_of: str, votes: tuple, reporting: int = 4):
    from simulate.feeds.minnesota import Contest

    c = Contest(("", "9001", "", "Town Supervisor"), ("A", "B"), ("NP", "NP"), votes, reporting, 4)
    return (as_of, c, 0.0, None)


def test_a_contest_unchanged_since_every_precinct_was_in_is_seen_again_at_each_age():
    from datetime import datetime

    from simulate.feeds.minnesota_history import _aged, _late_records

    times = ["2022-11-08T22:00:00-06:00", "2022-11-08T23:10:00-06:00", "2022-11-09T02:10:00-06:00",
             "2022-11-09T09:00:00-06:00", "2022-11-12T10:00:00-06:00"]
    moments = [datetime.fromisoformat(t) for t in times]
    snaps = [_snap(times[0], (10, 5), reporting=2), _snap(times[1], (60, 30)), _snap(times[2], (70, 40))]
    since = moments[1]  # every precinct in at 23:10
    until = "2022-11-23T15:50:00-06:00"
    aged = _aged(snaps, since, times, moments, until, (0.0, 3.0, 6.0, 12.0))
    # age 3 (02:10) is already a snapshot of its own; age 6 (05:10) first seen at 09:00,
    # age 12 (11:10) at the next release, three days later; each as the count then stood
    assert [s[0] for s in aged] == times[:3] + times[3:5]
    assert aged[3][1] is snaps[2][1] and aged[4][1] is snaps[2][1]
    assert _aged(snaps, since, times, moments, times[3], (0.0, 6.0, 12.0)) == snaps  # the final comes first
    assert _aged(snaps[:1], None, times, moments, until, (0.0, 6.0)) == snaps[:1]  # never complete
    # the late ballots still to come at each age, from the count then, against a final 150
    assert _late_records(snaps, since, until, 150, (0.0, 3.0, 6.0)) == [(0.0, 90, 60), (3.0, 110, 40),
                                                                       (6.0, 110, 40)]
    assert _late_records(snaps, since, times[2], 150, (0.0, 3.0, 6.0)) == [(0.0, 90, 60)]


def test_as_known_sees_unchanged_contests_again_with_a_lower_floor(tmp_path):
    """A later release in which only the governor's count moves: every contest complete at
    08:30 and unchanged is seen again there (hours later: a lower floor); hindsight is not."""
    root = tmp_path / "2022"
    shutil.copytree(DATA, root)
    later = root / "20221109T153014-0600"
    shutil.copytree(root / "20221109T083014-0600", later)
    gov = (later / "Governor.txt").read_text().splitlines()
    f = gov[0].split(";")
    f[13] = str(int(f[13]) + 1)
    (later / "Governor.txt").write_text("\n".join([";".join(f)] + gov[1:]) + "\n")
    known = dict(minnesota_history(root).scenarios)
    hind = dict(minnesota_history(root, "hindsight").scenarios)
    extra = 0
    for slug, data in known.items():
        snaps, plain = data["snapshots"], hind[slug]["snapshots"]
        assert [s["as_of"] for s in plain] == [s["as_of"] for s in snaps if s["as_of"] in
                                                {p["as_of"] for p in plain}]
        for before, after in zip(snaps, snaps[1:]):
            if after["counted"] == before["counted"]:  # seen again, not changed
                extra += 1
                assert after["as_of"] == "2022-11-09T15:30:14-06:00"
                assert after["remaining"]["high"] <= before["remaining"]["high"]
    assert extra >= 10  # 17 contests of the extract with two candidates or more


@pytest.mark.parametrize("first, day", [("20220809T201006-0500", "2022-08-09"),   # a primary's first votes
                                        ("20221109T003006-0600", "2022-11-08"),   # first votes after midnight
                                        ("20201103T201006-0600", "2020-11-03")])
def test_the_election_is_the_night_of_the_first_votes(first, day):
    from simulate.feeds.minnesota import _election_date

    assert _election_date(folder_time(first)) == day


def test_folders_before_the_first_votes_do_not_set_the_election(tmp_path):
    """A feed fetched from the day before (zeros everywhere) is still the 8 November election."""
    root = tmp_path / "2022"
    shutil.copytree(DATA, root)
    early = root / "20221107T120006-0600"
    shutil.copytree(root / "20221108T220006-0600", early)
    for f in early.glob("*.txt"):
        if f.name == "pctstats.txt":
            continue
        rows = [line.split(";") for line in f.read_text().splitlines()]
        for r in rows:
            r[13] = "0"
        f.write_text("\n".join(";".join(r) for r in rows) + "\n")
    rel = list(releases(root))
    assert rel[0].contests == ()  # nothing counted yet
    assert {data["race"]["date"] for r in rel[1:] for _, data in r.contests} == {"2022-11-08"}
    assert rel[-1].final  # the certification date of 2022 found
