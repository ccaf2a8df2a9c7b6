"""North Carolina 2020 by county and vote type: the units model against one race-wide lump.

The count reported absentee ballots first (heavily for Biden) and election-day
ballots later: the lump model, which lets the remaining vote split like the
counted one, is confidently wrong early; the units model must be better
calibrated and must never call the race wrong.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simulate
from simulate.feeds.nc_2020 import scenario_from_nc

NC = Path(__file__).parent / "data" / "nc-2020" / "president-by-county-and-vote-type.csv"
DRAWS = 40_000


def replay(mode):
    scenario = simulate.load_scenario_dict(scenario_from_nc(NC, mode), f"nc-{mode}")
    return scenario, simulate.replay(scenario, draws=DRAWS, seed=2020)


@pytest.fixture(scope="module")
def both():
    return {mode: replay(mode) for mode in ("lump", "units")}


def scores(scenario, result):
    final = np.asarray(scenario.final.counted, float)
    winner = scenario.ids[int(np.argmax(final))]
    shares = final / final.sum()
    p = np.array([s.candidate(winner).p_win for s in result.snapshots])
    covered, wrong = [], []
    for snap in result.snapshots:
        a, b = snap.extra["margin_final"]["candidates"]
        margin = shares[scenario.ids.index(a)] - shares[scenario.ids.index(b)]
        covered.append(snap.extra["margin_final"]["low"] <= margin <= snap.extra["margin_final"]["high"])
        if snap.call.status == "called":
            wrong.append(snap.call.winners != (winner,))
    return {"brier": float(np.mean((1 - p) ** 2)), "coverage": float(np.mean(covered)), "wrong": sum(wrong),
            "first_call": next((i for i, s in enumerate(result.snapshots) if s.call.status == "called"), None)}


def test_units_model_is_better_calibrated_and_never_wrong(both):
    lump, units = scores(*both["lump"]), scores(*both["units"])
    assert units["wrong"] == 0
    assert units["brier"] < lump["brier"]
    assert units["coverage"] > lump["coverage"]
    assert units["first_call"] is not None  # it does call the race before the count ends
    # the early snapshots, more than half of whose votes came in the last hour, wait for them
    # to stand (simulate.scenario.corrections)
    scenario, result = both["units"]
    early = [(c, s) for c, s in zip(scenario.snapshots, result.snapshots) if 2 * c.fresh_votes > sum(c.counted)]
    assert early and all(s.call.status == "too_early" for _, s in early)


def test_lump_model_favours_the_early_leader_but_is_never_sure_of_him(both):
    # Biden led the early absentee count and lost. The defaults, fitted on five elections' late
    # shifts (North Carolina's among them), must not be 99% sure of him at any snapshot and never
    # call him; the defaults fitted on LA County alone said 99.3% at the first snapshot.
    scenario, result = both["lump"]
    assert scenario.final.counted[scenario.ids.index("trump")] > scenario.final.counted[scenario.ids.index("biden")]
    biden = [s.candidate("biden").p_win for s in result.snapshots]
    assert biden[0] > 0.9  # still the favourite on what was counted
    assert max(biden) <= 0.99
    assert not any(s.call.status == "called" and s.call.winners == ("biden",) for s in result.snapshots)
