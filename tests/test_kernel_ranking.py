"""The kernel's three ranking paths keep the tie-breaking by lot: a sorting network (two and three
candidates), repeated maximum across the batch (small K x depth) and insertion per draw (large K).

With nothing left to count every draw is the same final count, so each probability is exact: a
tie among the candidates that matter is broken uniformly at random, every other position is
certain.  Tolerances: 4 binomial standard errors at the test's draws.
"""

from __future__ import annotations

import math

import pytest

import simulate
from simulate.engine import _kernel

DRAWS = 60_000


def race(counted, rule, seats=1):
    ids = [f"c{i:02d}" for i in range(len(counted))]
    return simulate.load_scenario_dict({
        "race": {"name": "R", "rule": rule, "seats": seats},
        "candidates": [{"id": i} for i in ids],
        "count": {"counted": dict(zip(ids, counted)), "remaining": 0},
        "model": {"uncertainty": 0.0},
        "simulation": {"draws": DRAWS, "seed": 8},
    }, "ranking")


def near(p, expected):
    return abs(p - expected) <= 4.0 * math.sqrt(expected * (1.0 - expected) / DRAWS) + 1e-12


def path(k, seats):
    depth = min(k, max(seats + 1, 3))
    head = min(depth + 1, k)
    if k <= 3:
        return "network"
    return "repeated max" if head * k <= _kernel._REPEATED_MAX_WORK else "insertion"


@pytest.mark.parametrize("counted, expected_first", [
    ([700, 700, 100], [0.5, 0.5, 0.0]),
    ([100, 700, 700], [0.0, 0.5, 0.5]),
    ([700, 100, 700], [0.5, 0.0, 0.5]),
])
def test_network_ties_among_three(counted, expected_first):
    assert path(3, 1) == "network"
    res = simulate.run(race(counted, "plurality"))
    for c, e in zip(res.candidates, expected_first):
        assert near(c.p_first, e) and near(c.p_win, e)


def test_repeated_max_tie_for_second_place_in_a_runoff():
    counted = [1000] + [800] * 3 + [50 * i for i in range(1, 9)]  # 12 candidates: three tied for second
    assert path(len(counted), 1) == "repeated max"
    res = simulate.run(race(counted, "top_two", 1))
    assert res.candidates[0].p_first == 1.0 and res.candidates[0].p_advance == 1.0
    for c in res.candidates[1:4]:
        assert near(c.p_advance, 1 / 3) and c.p_first == 0.0
    assert all(c.p_advance == 0.0 for c in res.candidates[4:])


@pytest.mark.parametrize("k, expected_path", [(20, "repeated max"), (30, "insertion")])
def test_tie_at_the_last_seats(k, expected_path):
    counted = [900, 800, 700, 600, 500] + [300] * 4 + [10 * i for i in range(1, k - 8)]  # 4 tied for the last 2 of 7 seats
    assert path(len(counted), 7) == expected_path
    res = simulate.run(race(counted, "plurality", 7))
    assert all(c.p_win == 1.0 for c in res.candidates[:5])
    for c in res.candidates[5:9]:
        assert near(c.p_win, 0.5)
    assert all(c.p_win == 0.0 for c in res.candidates[9:])
    assert res.candidates[0].p_first == 1.0
