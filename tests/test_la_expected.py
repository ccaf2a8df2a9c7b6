"""LA County remaining vote as known: the stand-in, apportioning, published figures, releases,
and the importer's --outstanding / --outstanding-file / --final paths (on the real extracts)."""
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from simulate import load_scenario_dict
from simulate.cli.main import main as racecall
from simulate.feeds import la_expected as le
from simulate.feeds.la_county import scenarios_from_timeframes
from simulate.feeds.la_expected import releases
from simulate.feeds.la_tables import TABLES
from simulate.model.expected_vote import remaining_interval

DATA = Path(__file__).parent / "data" / "la-county-2024"

TIMEFRAMES = DATA / "general" / "timeframes.json"
RESULTS = DATA / "general" / "results.json"


def _report():
    return scenarios_from_timeframes(TIMEFRAMES, "general")


def test_stand_in_factors_are_unbiased_on_the_log_scale_with_the_documented_spread():
    f = le.stand_in_factors(200_000, seed=7)
    logs = np.log(f)
    sigma = math.log(791.2 / 618.2) / 1.6448536269514722
    se = sigma / math.sqrt(len(f))
    assert abs(logs.mean()) < 4 * se  # median 1: no systematic undershoot
    assert abs(logs.std() - sigma) < 4 * sigma / math.sqrt(2 * len(f))
    # nine figures in ten within a factor 791.2 / 618.2 of the truth
    inside = np.mean((f >= 618.2 / 791.2) & (f <= 791.2 / 618.2))
    assert abs(inside - 0.90) < 4 * math.sqrt(0.09 / len(f))
    assert np.array_equal(le.stand_in_factors(14), le.stand_in_factors(14))  # reproducible


def test_contest_remaining_is_the_apportioned_figure_through_the_table_and_the_published_spread():
    t = TABLES["not general"]
    rem = le.contest_remaining(600_000, 250_000, 1_000_000, t)
    assert rem == remaining_interval(150_000.0, 250_000, t, spread=le.PUBLISHED_SPREAD)
    b = t.band(250_000 / 400_000)
    assert rem["estimate"] == round(b.median * 150_000)
    up = math.sqrt(math.log(b.high / b.median) ** 2 + le.PUBLISHED_SPREAD ** 2)
    noise = 1.6448536269514722 * math.sqrt(t.dispersion * b.median * 150_000)
    assert rem["high"] == math.ceil(b.median * 150_000 * math.exp(up) + noise)


def test_as_known_never_uses_a_contest_own_final_total():
    """Changing one contest's final count leaves every as-known snapshot of it unchanged
    unless the county's ballots (the largest contest) change: remaining comes from the
    countywide figure only."""
    report = _report()
    base = dict(le.as_known(report, "general"))
    slug, s = next((k, v) for k, v in report.scenarios if k in base and sum(v["final"]["counted"].values())
                   < max(sum(w["final"]["counted"].values()) for _, w in report.scenarios))
    bumped = dict(s, final={**s["final"], "counted": {k: v * 2 for k, v in s["final"]["counted"].items()}})
    pairs = tuple((k, bumped if k == slug else v) for k, v in report.scenarios)
    again = dict(le.as_known(type(report)(pairs, report.skipped, report.warnings), "general"))
    assert [x["remaining"] for x in again[slug]["snapshots"]] == [x["remaining"] for x in base[slug]["snapshots"]]


def test_as_known_uses_published_figures_when_given_and_loads():
    report = _report()
    n = len(report.scenarios[0][1]["snapshots"])
    figures = {j + 1: 100_000 * (n - j) for j in range(n)}
    pairs = le.as_known(report, "general", outstanding=figures)
    ballots = le.county_ballots([[s["snapshots"][j]["counted"] for _, s in report.scenarios] for j in range(n)])
    for slug, s in pairs:
        load_scenario_dict(s, slug)
        for j, snap in enumerate(s["snapshots"]):
            votes = sum(snap["counted"].values())
            assert snap["remaining"] == le.contest_remaining(figures[j + 1], votes, ballots[j], TABLES["not general"])


def test_releases_are_never_final_unless_told_and_never_closed():
    rels = list(releases(TIMEFRAMES, "general", RESULTS))
    assert [r.key for r in rels] == [f"{j + 1:03d}" for j in range(len(rels))]
    assert not any(r.final for r in rels)
    for r in rels:
        for slug, data in r.contests:
            rem = data["count"]["remaining"]
            assert rem["high"] >= 1 and rem["low"] <= rem["estimate"] <= rem["high"]
    last = list(releases(TIMEFRAMES, "general", RESULTS, last_is_final=True))[-1]
    assert last.final and all(d["count"]["remaining"] == {"estimate": 0} for _, d in last.contests)


def test_read_outstanding_csv_and_yaml(tmp_path):
    (tmp_path / "o.csv").write_text("release,outstanding\n1,\"618,200\"\n2,791200\n")
    assert le.read_outstanding(tmp_path / "o.csv") == {1: 618_200, 2: 791_200}
    (tmp_path / "o.yaml").write_text("2024-11-06: 1000\n3: 5\n")
    assert le.read_outstanding(tmp_path / "o.yaml") == {"2024-11-06": 1000, 3: 5}
    (tmp_path / "bad.csv").write_text("release,outstanding\n1,-4\n")
    with pytest.raises(le.OutstandingError, match="negative"):
        le.read_outstanding(tmp_path / "bad.csv")
    assert le.published({"2024-11-06": 9}, 4, "004", "2024-11-06T17:00:00-08:00") == 9
    assert le.published(None, 1, "001", "2024-11-06") is None


def test_cli_results_needs_outstanding_or_final_and_apportions(tmp_path, capsys):
    assert racecall(["import", "la-county", str(RESULTS), "--kind", "general", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--outstanding" in err[0]
    assert racecall(["import", "la-county", str(RESULTS), "--kind", "general", "--out", str(tmp_path / "b"),
                     "--outstanding", "500000"]) == 0
    files = sorted((tmp_path / "b").glob("*.yaml"))
    assert files
    rems = [yaml.safe_load(f.read_text())["count"]["remaining"] for f in files]
    assert all(r["estimate"] > 0 and r["low"] <= r["estimate"] <= r["high"] for r in rems)
    assert racecall(["import", "la-county", str(RESULTS), "--kind", "general", "--out", str(tmp_path / "c"),
                     "--final"]) == 0
    assert all(yaml.safe_load(f.read_text())["count"]["remaining"] in (0, {"estimate": 0})
               for f in (tmp_path / "c").glob("*.yaml"))


def test_cli_timeframes_release_with_an_outstanding_file(tmp_path, capsys):
    (tmp_path / "o.csv").write_text("release,outstanding\n2,400000\n")
    out = tmp_path / "live"
    assert racecall(["import", "la-county", str(TIMEFRAMES), "--kind", "general", "--format", "timeframes",
                     "--release", "2", "--outstanding-file", str(tmp_path / "o.csv"), "--out", str(out)]) == 0
    rel = list(releases(TIMEFRAMES, "general", outstanding={2: 400_000}))[1]
    for slug, data in rel.contests:
        f = out / f"{slug}.yaml"
        if f.exists():
            assert yaml.safe_load(f.read_text())["count"]["remaining"] == data["count"]["remaining"]
    assert racecall(["import", "la-county", str(TIMEFRAMES), "--kind", "general", "--format", "timeframes",
                     "--release", "99", "--outstanding", "5", "--out", str(tmp_path / "x")]) == 2
