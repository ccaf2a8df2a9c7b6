"""The pooled part of the units model (simulate/model/units.py, "Many small units") against
the same units drawn exactly and against the per-unit brute force of tests/test_units_exact.py.

* the pooled normal's variance decides a race whose race-wide error is negligible: the kernel
  must match the brute force there (drop the pooled covariance and it cannot);
* units pooled because they are small against the race-wide error (``pooling_error``)
  move no probability or quantile beyond the Monte Carlo error of a million draws each;
* a race decided by the units' own spread, with skewed remaining counts, draws them exactly:
  a normal in their place would lose their skew (5 points of p_win in 100 at 120 units).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import simulate
from simulate.engine import driver
from simulate.model import units as units_model
from simulate.model.units import POOL_ERROR, pooling_error, prepare_strata, remaining_cumulant3

from test_units_exact import Z95, assert_agree, brute_p_win, scenario


def _close_units(n, ids, rng, sizes=(1_500, 4_000), fraction=0.5, interval=(0.6, 1.7)):
    """``n`` units of a near tie: each leans a way by up to 10 points, the leans cancelling."""
    out = []
    for i in range(n):
        size = int(rng.integers(*sizes))
        lean = 0.1 * (1 if i % 2 else -1) * rng.uniform(0.5, 1.0)
        shares = np.array([0.5 + lean, 0.5 - lean]) if len(ids) == 2 else np.array([0.4 + lean, 0.4 - lean, 0.2])
        counted = rng.multinomial(int(size * fraction), shares)
        rest = size - int(size * fraction)
        remaining = rest if interval is None else {"estimate": rest, "low": int(rest * interval[0]), "high": int(rest * interval[1])}
        out.append({"id": f"p{i}", "type": "mail" if i % 3 else "day", "counted": dict(zip(ids, map(int, counted))),
                    "remaining": remaining})
    return out


# race-wide error negligible: the outcome is decided by the units' own remaining counts and shares,
# all of them in the pooled normal
QUIET = {"uncertainty": 0.0005, "type_uncertainty": 0.0, "unit_uncertainty": 0.03, "tail_df": 0}


@pytest.mark.parametrize("ids", [("a", "b"), ("a", "b", "c")])
def test_pooled_variance_decides_and_matches_the_brute_force(ids):
    """Remaining counts known, shares uncertain per unit: the units' sum is close to normal and
    pooled, and its variance is all that spreads the outcome."""
    s = scenario(_close_units(120, ids, np.random.default_rng(12), interval=None), ids=ids, model=QUIET, draws=400_000)
    arrays, _ = prepare_strata(s, s.count)
    assert arrays.pooled.sum() >= 20  # the pooled normal carries a good part of the units
    mine = simulate.run(s)
    ref = brute_p_win(s, 400_000)
    assert 0.02 < ref["a"] < 0.98  # a race the pooled variance decides (without it: 0 or 1)
    for cid in ids:
        assert_agree(mine.candidate(cid).p_win, ref[cid], 400_000, 400_000, cid)
    # the pooled spread of the final share against the brute force's (90% interval width within 3%)
    from test_units_exact import brute_force

    final, order = brute_force(s, 200_000, np.random.default_rng(21))
    share = final[:, list(order).index(0)] / final.sum(axis=1)
    lo, hi = np.quantile(share, [0.05, 0.95])
    got = mine.candidate("a").share_final
    assert abs((got.high - got.low) / (hi - lo) - 1) < 0.03, (got, lo, hi)


def test_skewed_units_deciding_their_race_are_drawn_exactly():
    """Skewed remaining counts (0.6x to 1.7x) deciding the race: pooled as one normal, 120 such
    units gave b 7.0% against the documented model's 7.5% (z = -9); the rule keeps most exact."""
    ids = ("a", "b")
    s = scenario(_close_units(120, ids, np.random.default_rng(12)), ids=ids, model=QUIET, draws=400_000)
    arrays, _ = prepare_strata(s, s.count)
    assert arrays.pooled.sum() <= 40
    mine, ref = simulate.run(s), brute_p_win(s, 400_000)
    assert 0.03 < ref["a"] < 0.97
    for cid in ids:
        assert_agree(mine.candidate(cid).p_win, ref[cid], 400_000, 400_000, cid)


def _race_case():
    """A close three-way count by 70 units of very different sizes under the default model,
    where the race-wide rule pools the middle-sized units."""
    rng = np.random.default_rng(70)
    ids = ("a", "b", "c")
    out = []
    for i in range(70):
        size = int(np.clip(np.exp(rng.normal(math.log(30_000), 1.2)), 1_000, 600_000))
        lean = float(np.clip(rng.normal(0.0, 0.08), -0.3, 0.3))
        counted = rng.multinomial(int(size * rng.uniform(0.3, 0.8)), [0.47 + lean, 0.47 - lean, 0.06])
        rest = size - int(counted.sum())
        out.append({"id": f"u{i}", "type": ("mail", "early", "day")[i % 3], "counted": dict(zip(ids, map(int, counted))),
                    "remaining": {"estimate": rest, "low": int(rest * 0.8), "high": int(rest * 1.25)}})
    return scenario(out, ids=ids, model={}, draws=1_000_000, seed=3)


def test_units_pooled_against_the_race_match_the_same_units_drawn_exactly():
    s = _race_case()
    pooled, _ = prepare_strata(s, s.count)
    exact, _ = prepare_strata(s, s.count, pool=False)
    assert pooled.pooled.sum() >= 40 and not pooled.pooled.all()  # most units pooled, the largest drawn exactly
    n = 1_000_000
    a, b = driver.accumulate(pooled, 1, n), driver.accumulate(exact, 2, n)
    p_a, p_b = a.wins / n, b.wins / n
    assert 0.05 < p_a[0] < 0.95
    for j in range(3):
        assert_agree(p_a[j], p_b[j], n, n, j)
    for j in range(3):
        for q in (0.05, 0.5, 0.95):
            assert abs(a.share_quantile(j, q) - b.share_quantile(j, q)) < 4e-4, (j, q)


def _rows(arrays):
    """The rows ``prepare_strata`` pools from, rebuilt from its arrays."""
    return [(arrays.centre[u], arrays.unit_sigma[u], int(arrays.unit_type[u]), bool(arrays.remaining_exact[u]),
             arrays.remaining_median[u], arrays.sigma_low[u], arrays.sigma_high[u], arrays.remaining_mean[u],
             arrays.remaining_var[u]) for u in range(arrays.centre.shape[0])]


def test_pooling_error_stays_within_its_budget_and_grows_without_a_race_wide_error():
    s = _race_case()
    arrays, _ = prepare_strata(s, s.count)
    rows = _rows(arrays)
    error = pooling_error(rows, float(arrays.race_sigma[0]), arrays.tail_df)
    assert error[arrays.pooled].sum() <= POOL_ERROR
    assert error[~arrays.pooled].min() >= error[arrays.pooled].max()  # smallest first
    quiet = pooling_error(rows, 0.0, 0.0)
    assert np.all(quiet > error)  # only the units' own spread to smooth a unit's skew
    assert units_model._pooled(rows, True, 0.0, 0.0).sum() < arrays.pooled.sum()


def test_remaining_cumulant3_is_the_two_piece_log_normal():
    z = np.random.default_rng(2).standard_normal(4_000_000)
    med, lo, hi = 1001.0, math.log(1001 / 601) / Z95, math.log(2501 / 1001) / Z95
    r = med * np.exp(np.where(z < 0, lo, hi) * z) - 1
    k3 = np.mean((r - r.mean()) ** 3)
    assert remaining_cumulant3(med, lo, hi) == pytest.approx(k3, rel=0.03)
    assert remaining_cumulant3(med, 0.0, 0.0) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("ids", [("a", "b"), ("a", "b", "c")])
def test_pooled_races_give_the_same_numbers_for_any_thread_count(ids):
    big = {"id": "big", "counted": {c: 30_000 for c in ids}, "remaining": {"estimate": 400_000, "low": 200_000, "high": 900_000}}
    units = _close_units(60, ids, np.random.default_rng(5)) + [big]
    s = scenario(units, ids=ids, model={}, draws=70_000)  # 5 blocks, the last batch of each cut short
    arrays, _ = prepare_strata(s, s.count)
    assert arrays.pooled.any() and not arrays.pooled.all()
    one, two = simulate.run(s, threads=1).to_dict(), simulate.run(s, threads=2).to_dict()
    assert one == two


def test_a_unit_where_a_candidate_has_no_share_left_pools_cleanly():
    """A shift can leave a unit's centre at 0 for a candidate (clipped): two candidates, pooled,
    the unit's remaining votes all go to the other (no NaN from 0 x inf)."""
    rng = np.random.default_rng(8)
    units = []
    for i in range(60):
        a = 5 if i % 2 else int(rng.integers(400, 600))
        units.append({"id": f"u{i}", "counted": {"a": a, "b": 1000 - a}, "remaining": 800})
    s = scenario(units, model={"shift": {"a": -0.01, "b": 0.01}, "unit_prior_ballots": 0}, draws=50_000)
    arrays, _ = prepare_strata(s, s.count)
    assert (arrays.centre[arrays.pooled, 0] == 0.0).any()
    result = simulate.run(s)
    assert result.candidate("a").p_win + result.candidate("b").p_win == pytest.approx(1.0)
    low, high = result.candidate("a").share_final.low, result.candidate("a").share_final.high
    assert 0.0 < low < high < 1.0 and math.isfinite(high)
