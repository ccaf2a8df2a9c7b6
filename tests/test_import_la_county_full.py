"""Import every contest of the full Los Angeles County 2024 files.

The full files are not in the repository. Point RACECALL_LA_DATA at a directory that
holds ``primary/`` and ``general/``, each with the registrar's ``results.json`` and
the collector's ``timeframes.json`` (see tests/data/la-county-2024/PROVENANCE.md for
where they come from); without it these tests are skipped.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import simulate
from simulate.feeds.la_county import (measure_overrides_from_results, scenarios_from_results,
                                          scenarios_from_timeframes, write_scenarios)

ROOT = Path(os.environ["RACECALL_LA_DATA"]) if os.environ.get("RACECALL_LA_DATA") else None
pytestmark = pytest.mark.skipif(
    ROOT is None or not ((ROOT / "primary").is_dir() and (ROOT / "general").is_dir()),
    reason="RACECALL_LA_DATA does not point to a directory with primary/ and general/")

ID = re.compile(r"^[a-z][a-z0-9_]*$")


def contest_count(path: Path, fmt: str) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    if fmt == "results":
        return sum(len(g["Contests"]) for g in data["Election"]["ContestGroups"])
    return len(data["contests"])


@pytest.mark.parametrize("kind", ["primary", "general"])
@pytest.mark.parametrize("fmt", ["results", "timeframes"])
def test_every_contest_is_imported_or_skipped_with_a_reason(tmp_path, kind, fmt):
    path = ROOT / kind / f"{fmt}.json"
    fn = scenarios_from_results if fmt == "results" else scenarios_from_timeframes
    overrides = measure_overrides_from_results(ROOT / kind / "results.json")
    report = fn(path, kind, overrides)
    assert len(report.scenarios) + len(report.skipped) == contest_count(path, fmt)
    assert report.scenarios
    for name, reason in report.skipped:
        assert isinstance(name, str) and name
        assert isinstance(reason, str) and reason.strip()
    for name, message in report.warnings:
        assert isinstance(message, str) and message.strip()
    paths = write_scenarios(report, tmp_path)
    assert len(paths) == len(report.scenarios)
    for path_ in paths:
        scenario = simulate.load_scenario(path_)
        assert all(ID.match(i) for i in scenario.ids)


def test_primary_runoff_mapping_agrees_with_the_general_ballot():
    """Every primary contest mapped to top_two whose leader finished at or under 50% must
    reappear on the November ballot (a runoff), and none that finished above 50% may."""
    primary = scenarios_from_results(ROOT / "primary" / "results.json", "primary")
    general = scenarios_from_results(ROOT / "general" / "results.json", "general")

    def office(scenario):
        title = scenario["race"]["name"].rsplit(" (Los Angeles County", 1)[0]
        return re.sub(r"(PRIMARY NOMINATING|PRIMARY|GENERAL MUNICIPAL) ELECTION", "", title)

    in_general = {office(s) for _, s in general.scenarios}
    checked = 0
    for _, s in primary.scenarios:
        if s["race"]["rule"] != "top_two":
            continue
        counted = s["count"]["counted"]
        leader_share = max(counted.values()) / sum(counted.values())
        assert (office(s) in in_general) == (leader_share <= 0.5), office(s)
        checked += 1
    assert checked > 20
