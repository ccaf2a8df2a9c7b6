"""Expected-vote sources and their error tables: exact answers, and the invariants."""
import math

import pytest
from hypothesis import given, strategies as st

import numpy as np

from simulate.model.expected_vote import (Band, ErrorTable, apportion, error_summary, fit_dispersion,
                                          fit_error_table, from_percent_expected, precinct_estimate,
                                          remaining_interval)

FLAT = ErrorTable("t", (Band(0.5, 1.0, 0.5, 2.0), Band(1.0, 1.2, 0.8, 1.5)), 0.001, 0.01)


def test_apportion_is_the_contest_share_of_ballots_counted():
    assert apportion(600_000, 250_000, 1_000_000) == 150_000.0
    assert apportion(600_000, 0, 1_000_000) == 0.0
    assert apportion(600_000, 10, 0) == 0.0


def test_precinct_estimate_scales_by_precincts_and_registration():
    # 30 of 40 in: 10 / 30 more; unreported precincts twice as large -> twice that
    assert precinct_estimate(3000, 30, 40) == pytest.approx(1000.0)
    assert precinct_estimate(3000, 30, 40, reg_reported=30_000, reg_unreported=20_000,
                             reported=30, unreported=10) == pytest.approx(2000.0)
    assert precinct_estimate(3000, 40, 40) == 0.0
    assert precinct_estimate(100, 0, 4) == pytest.approx(800.0)  # half a precinct in


def test_percent_of_expected_vote():
    assert from_percent_expected(800, 0.8) == pytest.approx(200.0)
    with pytest.raises(ValueError):
        from_percent_expected(800, 0.0)


def test_remaining_interval_uses_the_band_of_share_counted_and_the_floor():
    # share 1000 / 2000 = 0.5 -> first band
    assert remaining_interval(1000, 1000, FLAT) == {"estimate": 1000, "low": 500, "high": 2000}
    # share 9000 / 10000 = 0.9 -> second band: 1.2x, 0.8x, 1.5x
    assert remaining_interval(1000, 9000, FLAT) == {"estimate": 1200, "low": 800, "high": 1500}
    # every precinct in, not final: the floor keeps the interval open
    assert remaining_interval(0, 100_000, FLAT) == {"estimate": 100, "low": 0, "high": 1000}


@given(st.floats(0, 1e7), st.integers(0, 10_000_000))
def test_remaining_interval_is_ordered_and_never_closed(raw, counted):
    r = remaining_interval(raw, counted, FLAT)
    assert 0 <= r["low"] <= r["estimate"] <= r["high"] and r["high"] >= 1


def test_fit_error_table_recovers_known_quantiles():
    # truth / raw = 1 + k/100 for k = 0..100 in one band: median 1.5, 5%: 1.05, 95%: 1.95
    records = [(100, 1000, 1000 * (1 + k / 100)) for k in range(101)]  # share 100 / 1100 < 0.5
    t = fit_error_table(records, "x", edges=(0.5, 1.0), min_per_band=1)
    assert (t.bands[0].median, t.bands[0].low, t.bands[0].high) == (1.5, 1.05, 1.95)
    floor = fit_error_table([(1000, 0, k) for k in range(101)], "x", edges=(1.0,))
    assert floor.floor_median == 0.05 and floor.floor_high == 0.095


def test_error_summary_reports_estimate_over_truth():
    rows = error_summary([(100, 50, 100), (100, 200, 100), (100, 100, 100)], edges=(1.0,))
    assert rows == [{"share_counted": "0.00-1.00", "n": 3, "median": 1.0, "low": 0.55, "high": 1.9}]
    assert math.isclose(rows[0]["median"], 1.0)


Z90 = 1.6448536269514722


def test_spread_adds_in_quadrature_on_the_log_scale():
    # band 1.0 (0.5, 2.0) at share 0.5: ln 2 each way; a source spread of ln 2 too -> factor 2^sqrt(2)
    r = remaining_interval(1000, 1000, FLAT, spread=math.log(2.0))
    assert r["estimate"] == 1000
    assert r["high"] == math.ceil(1000 * 2.0 ** math.sqrt(2.0))
    assert r["low"] == math.floor(1000 / 2.0 ** math.sqrt(2.0))


def test_dispersion_adds_count_noise_that_matters_only_for_small_contests():
    table = ErrorTable("t", (Band(1.0, 1.0, 0.5, 2.0),), 0.0, 0.0, dispersion=10.0)
    small = remaining_interval(4, 10_000, table)  # mu 4: +-1.645 sqrt(40)
    assert small["high"] == math.ceil(8 + Z90 * math.sqrt(40)) and small["low"] == 0
    big = remaining_interval(100_000, 1_000_000, table)
    assert big["high"] == math.ceil(200_000 + Z90 * math.sqrt(1e6))
    assert big["high"] / 200_000 < 1.01  # relative widening vanishes for big contests


def test_fit_dispersion_recovers_a_simulated_overdispersed_count():
    """Records drawn from the documented model (no proportional error; remaining =
    kappa x Poisson(mu / kappa): mean mu, variance kappa mu): the moment estimate is
    kappa within its Monte Carlo error, and the fitted interval holds about 90% of new draws."""
    rng = np.random.default_rng(1)
    kappa, bands = 6.0, (Band(1.0, 1.0, 1.0, 1.0),)
    n = 20_000
    mu = rng.uniform(1, 29, n)
    truth = kappa * rng.poisson(mu / kappa)
    fitted = fit_dispersion([(10_000, m, t) for m, t in zip(mu, truth)], bands)
    # se of sum((t-mu)^2)/sum(mu), by the delta method on the draws themselves
    sq = (truth - mu) ** 2
    se = sq.std() * math.sqrt(n) / mu.sum()
    assert abs(fitted - kappa) < 4 * se
    table = ErrorTable("t", bands, 0.0, 0.0, dispersion=fitted)
    big = rng.uniform(200, 2000, 4000)  # where the normal approximation of the count holds
    t2 = kappa * rng.poisson(big / kappa)
    held = np.mean([(r := remaining_interval(m, 10_000, table))["low"] <= t <= r["high"] for m, t in zip(big, t2)])
    assert abs(held - 0.90) < 4 * math.sqrt(0.09 / 4000) + 0.01  # rounding to whole ballots


def test_fit_dispersion_ignores_big_contests_and_is_zero_without_noise():
    bands = (Band(1.0, 1.0, 0.5, 2.0),)
    assert fit_dispersion([(10_000, 20, 20)] * 30, bands) == 0.0
    # +-10 ballots around 20 expected: sum (t - mu)^2 / sum mu = 100 / 20 = 5; the big one is not counted
    rows = [(10_000, 20, 30), (10_000, 20, 10), (1_000_000, 10_000, 30_000)]
    assert fit_dispersion(rows, bands) == 5.0
    rows = [(10_000, 10, 15), (10_000, 10, 5)] * 10  # fitted median 1.0: mu 10, residual 5
    assert fit_error_table(rows, "x", edges=(1.0,), min_per_band=1, dispersion=True).dispersion == 2.5
    assert fit_error_table(rows, "x", edges=(1.0,), min_per_band=1).dispersion == 0.0


@given(st.floats(0, 1e7), st.integers(0, 10_000_000), st.floats(0, 2), st.floats(0, 100))
def test_remaining_interval_with_spread_and_dispersion_is_ordered(raw, counted, spread, kappa):
    table = ErrorTable("t", FLAT.bands, 0.001, 0.01, dispersion=kappa)
    r = remaining_interval(raw, counted, table, spread=spread)
    base = remaining_interval(raw, counted, FLAT)
    assert 0 <= r["low"] <= r["estimate"] <= r["high"] and r["high"] >= 1
    assert r["low"] <= base["low"] and r["high"] >= base["high"]  # only ever wider


def test_floor_by_contest_size_and_its_fit():
    t = ErrorTable("t", FLAT.bands, 0.001, 0.01, floor_sizes=((5000.0, 0.0, 0.5),))
    assert t.floor(5000) == (0.0, 0.5) and t.floor(5001) == (0.001, 0.01)
    assert remaining_interval(0, 4000, t)["high"] == 2000  # a small contest: half its count may still come
    assert remaining_interval(0, 100_000, t)["high"] == 1000
    # late shares 0..100% of the count (k/100) for small contests, 0..1% for big ones
    records = [(100, 0, k) for k in range(101)] + [(10_000, 0, k) for k in range(101)]
    fit = fit_error_table(records, "x", edges=(1.0,), floor_quantile=0.99, floor_size_edges=(5000,))
    assert fit.floor_sizes == ((5000.0, 0.5, 0.99),)
    assert (fit.floor_median, fit.floor_high) == (0.005, 0.0099)


def test_late_floor_by_age_is_the_quantile_of_late_over_counted_per_age_and_size():
    from simulate.model.expected_vote import fit_late_floor

    small = [(0.0, 100, 10 * i) for i in range(1, 51)]  # late 10%..500% of 100
    large = [(0.0, 10_000, 100 * i) for i in range(1, 11)]
    aged = [(6.0, 120, i) for i in range(0, 40)]  # six hours on: a sliver still to come
    floors = fit_late_floor(small + large + aged, 0.99, (5000,), (0.0, 6.0, 12.0))
    q = lambda xs: float(np.quantile(xs, 0.99))  # noqa: E731
    assert floors[0] == (0.0, 5000.0, float(np.median([x / 100 for _, _, x in small])),
                         pytest.approx(q([x / 100 for _, _, x in small]), abs=1e-6))
    assert floors[1][:2] == (0.0, math.inf) and floors[1][3] == pytest.approx(q([x / 10_000 for _, _, x in large]), abs=1e-6)
    assert floors[2][:2] == (6.0, 5000.0) and floors[2][3] == pytest.approx(q([i / 120 for i in range(40)]), abs=1e-6)
    assert floors[3] == (6.0, math.inf) + floors[1][2:]  # no large contest at six hours: the younger age's
    assert floors[4:] == tuple((12.0,) + f[1:] for f in floors[2:4])  # nothing at twelve hours: six hours' floor
    table = ErrorTable("t", (Band(1.0, 1.0, 0.5, 2.0),), 0.0, 0.0, floor_ages=floors)
    assert table.floor(100, 30.0) == floors[2][2:]
