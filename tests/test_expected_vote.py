"""Expected-vote sources and their error tables: exact answers, and the invariants."""
import math

import pytest
from hypothesis import given, strategies as st

from simulate.model.expected_vote import (Band, ErrorTable, apportion, error_summary, fit_error_table,
                                          from_percent_expected, precinct_estimate, remaining_interval)

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
