"""The hurdle decides "above the threshold" exactly, in integers, as the calls do
(:func:`simulate.model.lump.threshold_fraction`), never by a floating-point quotient."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings, strategies as st

import simulate
from simulate.outcome.summary import hurdle

from conftest import scenario_dict


def load(rule, threshold, counted, remaining):
    data = scenario_dict(race={"name": "Case", "rule": rule, "threshold": threshold},
                         candidates=[{"id": c} for c in counted], count={"counted": counted, "remaining": remaining})
    return simulate.load_scenario_dict(data, "case")


def test_exactly_at_the_threshold_is_not_above():
    # yes 200 of 300 at 2/3: exactly at the threshold, so the measure fails as counted and "yes" is the side to move
    m = load("measure", "2/3", {"yes": 200, "no": 100}, 1000)
    assert hurdle(m, m.count).candidate == "yes"
    m = load("measure", "2/3", {"yes": 201, "no": 100}, 1000)
    assert hurdle(m, m.count).candidate == "no"
    # a top-two leader with exactly 60% of the counted vote at threshold 0.6 is not above it
    t = load("top_two", 0.6, {"a": 60_003, "b": 40_002}, 10_000)
    assert hurdle(t, t.count).leader_needs_share_of_remaining is None
    t = load("top_two", 0.6, {"a": 60_004, "b": 40_002}, 10_000)
    assert hurdle(t, t.count).leader_needs_share_of_remaining is not None


THRESHOLDS = {"0.5": Fraction(1, 2), "0.55": Fraction(11, 20), "0.6": Fraction(3, 5), "2/3": Fraction(2, 3)}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(THRESHOLDS)), st.integers(1, 10**10 // 3), st.integers(-3, 3))
def test_hurdle_side_is_the_exact_comparison(threshold, total, offset):
    exact = THRESHOLDS[threshold]
    lead = max(1, min(total, int(exact * total) + offset))  # right at the threshold, give or take a few votes
    other = total - lead
    t = load("top_two", threshold, {"a": lead, "b": other}, 1000)
    above = Fraction(lead, total) > exact
    leader_above = Fraction(max(lead, other), total) > exact
    assert (hurdle(t, t.count).leader_needs_share_of_remaining is not None) == leader_above
    m = load("measure", threshold, {"yes": lead, "no": other}, 1000)
    assert hurdle(m, m.count).candidate == ("no" if above else "yes")
