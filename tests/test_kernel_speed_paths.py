"""The fast paths: serial and parallel kernels, ranking by lot, run_many, the model's histogram range."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import simulate
from simulate.engine import driver as engine
from simulate.model import lump as model
from simulate.engine import _numba
from simulate.outcome.runner import run_many
from simulate.model.units import prepare_strata

from test_strata import UNITS, units_scenario


def lump(counted, remaining, *, uncertainty=0.03, rule="top_two", draws=40_000, seed=5, **extra):
    ids = [f"c{i}" for i in range(len(counted))]
    data = {
        "race": {"name": "R", "rule": rule, **extra},
        "candidates": [{"id": i} for i in ids],
        "count": {"counted": dict(zip(ids, counted)), "remaining": remaining},
        "model": {"uncertainty": uncertainty},
        "simulation": {"draws": draws, "seed": seed},
    }
    return simulate.load_scenario_dict(data, "speed-paths")


SCENARIOS = {
    "three, estimate": lump([400_000, 380_000, 150_000], {"estimate": 600_000, "low": 450_000, "high": 800_000}),
    "early count, wide": lump([900, 850, 120, 40], {"estimate": 200_000, "low": 20_000, "high": 900_000}, rule="plurality"),
    "small, exact": lump([120, 118, 3], 25, uncertainty=0.0, rule="plurality"),
    "measure": simulate.load_scenario_dict({
        "race": {"name": "M", "rule": "measure", "threshold": 2 / 3},
        "candidates": [{"id": "yes"}, {"id": "no"}],
        "count": {"counted": {"yes": 13_000, "no": 6_600}, "remaining": {"estimate": 9_000, "low": 7_000, "high": 12_000}},
        "simulation": {"draws": 40_000, "seed": 3},
    }, "measure"),
    "twelve": lump([int(10_000 * 0.8**i) for i in range(12)], {"estimate": 90_000, "low": 70_000, "high": 120_000}),
    "seven seats of twenty": lump([int(50_000 / (i + 1)) for i in range(20)], {"estimate": 150_000, "low": 120_000, "high": 190_000},
                                  rule="plurality", seats=7),
}


def arrays_of(s):
    return prepare_strata(s, s.count)[0] if len(s.count.units) > 1 else model.prepare(s, s.count)


def test_serial_and_parallel_kernels_give_the_same_bits():
    for s in [*SCENARIOS.values(), units_scenario(UNITS)]:
        a = arrays_of(s)
        draws = 2 * engine.BLOCK_DRAWS + 123
        _numba.set_threads(1)
        one = engine.accumulate(a, 9, draws)
        _numba.set_threads(2)
        two = engine.accumulate(a, 9, draws)
        for name in engine._TOTALS:
            assert np.array_equal(getattr(one, name), getattr(two, name)), name


def test_run_many_is_run_one_by_one_in_order():
    scenarios = [*SCENARIOS.values(), units_scenario(UNITS, draws=30_000)]
    alone = [simulate.run(s, draws=30_000, seed=4).to_dict() for s in scenarios]
    together = run_many(scenarios, draws=30_000, seed=4, threads=2)
    assert [r.to_dict() for r in together] == alone
    assert [r.to_dict() for r in run_many(scenarios[:2], draws=30_000, seed=4, threads=1)] == alone[:2]


@pytest.mark.parametrize("k, seats", [(2, 1), (3, 2), (5, 2)])
def test_exact_ties_are_broken_uniformly_by_lot(k, seats):
    # nothing left to count: every draw is the same k-way tie (the kernel's work rows are wider
    # than k when k < 4; the tie-break must look at the k tallies only)
    s = lump([500] * k, 0, uncertainty=0.0, rule="plurality", seats=seats, draws=60_000)
    result = simulate.run(s)
    for c in result.candidates:
        for p, expected in ((c.p_win, seats / k), (c.p_first, 1 / k)):
            assert abs(p - expected) < 4.5 * math.sqrt(expected * (1 - expected) / 60_000)


@pytest.mark.parametrize("tail_df", [8.1, 0.0])
@pytest.mark.parametrize("name", [*SCENARIOS, "units"])
def test_model_histogram_range_covers_the_draws(name, tail_df):
    """Same draws binned on the model's range and on a pilot run's: no draw outside the model's
    range, and every final-share quantile the same to within the two bins' widths; with Student-t
    errors at 8.1 degrees of freedom (the model's range: below 6 the range is a pilot's, see
    test_very_heavy_tails_keep_the_pilot) and with normal errors."""
    s = units_scenario(UNITS) if name == "units" else SCENARIOS[name]
    if tail_df is not None:
        s = dataclasses.replace(s, model=dataclasses.replace(s.model, tail_df=tail_df))
    a = arrays_of(s)
    mine = engine.histogram_range(a, 1)
    pilot = engine.pilot_range(a, 1)
    if name == "units":  # the units model's range is a pilot run's (simulate.model.share_range)
        assert np.array_equal(mine[0], pilot[0]) and np.array_equal(mine[1], pilot[1])
        return
    t1 = engine.accumulate(a, 1, 100_000, hist_range=mine)
    t2 = engine.accumulate(a, 1, 100_000, hist_range=pilot)
    assert t1.hist[:, 0].sum() + t1.hist[:, -1].sum() <= (0 if a.tail_df == 0.0 else 2)  # Student-t: may miss 5e-7
    k = a.order.shape[0]
    for j in range(k + 1):
        tolerance = 1 / mine[1][j] + 1 / pilot[1][j] + 1e-12
        for q in (0.05, 0.5, 0.95):
            if j < k:
                assert abs(t1.share_quantile(j, q) - t2.share_quantile(j, q)) <= tolerance
            else:
                assert abs(t1.margin_quantile(q) - t2.margin_quantile(q)) <= 2 * tolerance
        assert 1 / mine[1][j] <= 3.0 / pilot[1][j] + 1e-12  # bins no coarser than 3x the pilot's


def test_student_t_bound():
    from simulate.model.share_range import T_MISS, t_quantile

    assert abs(t_quantile(8.0, 0.1) - 1.8595) < 1e-3 and abs(t_quantile(2.0, 0.05) - 4.3027) < 1e-3
    rng = np.random.default_rng(0)
    t = rng.standard_t(8.1, 4_000_000)
    assert np.mean(np.abs(t) > t_quantile(8.1, 1e-3)) == pytest.approx(1e-3, rel=0.1)
    assert t_quantile(8.1, T_MISS) < 15.0


def test_very_heavy_tails_keep_the_pilot():
    s = simulate.load_scenario_dict({
        "race": {"name": "T", "rule": "plurality"},
        "candidates": [{"id": "a"}, {"id": "b"}],
        "count": {"counted": {"a": 5_200, "b": 4_800}, "remaining": 4_000},
        "model": {"uncertainty": 0.04, "tail_df": 3},
    }, "t")
    a = model.prepare(s, s.count)
    low, scale = engine.histogram_range(a, 1)
    p_low, p_scale = engine.pilot_range(a, 1)
    assert np.array_equal(low, p_low) and np.array_equal(scale, p_scale)
