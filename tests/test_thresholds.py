"""Thresholds decided exactly ("strictly more than"), in the kernel, for both models."""

from __future__ import annotations

import math

import pytest
from scipy import stats

import simulate
from simulate.model.lump import threshold_fraction


def measure(yes, no, threshold, remaining=0, units=False):
    count = ({"units": [{"id": "u1", "counted": {"yes": yes - yes // 2, "no": no - no // 2}, "remaining": remaining},
                        {"id": "u2", "counted": {"yes": yes // 2, "no": no // 2}, "remaining": 0}]}
             if units else {"counted": {"yes": yes, "no": no}, "remaining": remaining})
    return simulate.load_scenario_dict({"race": {"name": "M", "rule": "measure", "threshold": threshold},
                                        "candidates": [{"id": "yes"}, {"id": "no"}], "count": count,
                                        "simulation": {"draws": 20_000}}, "m")


@pytest.mark.parametrize("units", [False, True])
@pytest.mark.parametrize("yes, no", [(200, 100), (22, 11), (66_668, 33_334)])
def test_exactly_two_thirds_does_not_pass(yes, no, units):
    result = simulate.run(measure(yes, no, 2 / 3, units=units))
    assert result.candidate("yes").p_win == 0.0
    assert result.call.outcome == "fails"
    assert simulate.run(measure(yes + 1, no, 2 / 3, units=units)).call.outcome == "passes"


@pytest.mark.parametrize("units", [False, True])
def test_top_two_at_exactly_the_threshold_is_a_runoff(units):
    counted = {"a": 60_003, "b": 30_000, "c": 10_002}
    count = ({"units": [{"id": "x", "counted": counted, "remaining": 0}, {"id": "y", "counted": {"a": 0, "b": 0, "c": 0}, "remaining": 0}]}
             if units else {"counted": counted, "remaining": 0})
    s = simulate.load_scenario_dict({"race": {"name": "T", "rule": "top_two", "threshold": 0.6},
                                     "candidates": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "count": count,
                                     "simulation": {"draws": 20_000}}, "t")
    result = simulate.run(s)
    assert result.candidate("a").p_outright == 0.0
    assert result.call.outcome == "runoff"


def test_threshold_fraction():
    assert threshold_fraction(2 / 3) == (2, 3) and threshold_fraction(0.55) == (11, 20) and threshold_fraction(0.5) == (1, 2)


def test_threshold_against_the_exact_binomial():
    # 600 yes / 400 no counted, 1,000 left exact, uncertainty 0 (multinomial at the counted shares):
    # passes at 0.6 iff yes + X > 0.6 * 2000, X ~ Bin(1000, 0.6): P(X > 600) exactly
    s = simulate.load_scenario_dict({"race": {"name": "M", "rule": "measure", "threshold": 0.6},
                                     "candidates": [{"id": "yes"}, {"id": "no"}],
                                     "count": {"counted": {"yes": 600, "no": 400}, "remaining": 1000},
                                     "model": {"uncertainty": 0}, "simulation": {"draws": 400_000}}, "m")
    exact = float(stats.binom.sf(600, 1000, 0.6))
    p = simulate.run(s).candidate("yes").p_win
    assert abs(p - exact) <= 4 * math.sqrt(exact * (1 - exact) / 400_000)
