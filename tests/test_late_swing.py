"""The late-swing check: the swing that would overturn a count, exactly; the swings of a history;
their fit; and the call it withholds."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simulate
from simulate.errors import ScenarioError
from simulate.history import backtest as bt
from simulate.history.scoring import point_claim
from simulate.model.late_swing import (MAX_NOISE, MIN_COUNTED, MIN_SWINGS, fit_late_swing, late_swings,
                                       overturning_swing, swing_hold, swing_needed)


def expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def logit(x: float) -> float:
    return math.log(x / (1.0 - x))


def bisect_late_share(p: float, theta: float, f: float) -> float:
    """The late share q with f p + (1 - f) q = theta, by bisection (the final share rises with q)."""
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if f * p + (1 - f) * mid > theta else (mid, hi)
    return (lo + hi) / 2


@pytest.mark.parametrize("p, theta, f", [(0.56, 0.5, 0.6), (0.6, 0.5, 0.3), (0.45, 0.5, 0.4), (0.62, 0.55, 0.8),
                                         (0.70, 2 / 3, 0.5), (0.52, 0.5, 0.95)])
def test_the_needed_swing_brings_the_final_share_exactly_to_the_threshold(p, theta, f):
    s = swing_needed(p, theta, f)
    q = bisect_late_share(p, theta, f)
    assert s == pytest.approx(abs(logit(p) - logit(q)), rel=1e-9)
    # the late vote swung by s from p (against the side) lands the final share on theta
    late = expit(logit(p) - s) if p > theta else expit(logit(p) + s)
    assert f * p + (1 - f) * late == pytest.approx(theta, abs=1e-12)


def test_a_lead_no_late_vote_can_undo_needs_an_infinite_swing():
    assert swing_needed(0.9, 0.5, 0.9) == math.inf  # even all of the last 10% cannot bring 81% under half
    assert swing_needed(0.1, 0.5, 0.9) == math.inf
    assert swing_needed(0.6, 0.5, 1.0) == math.inf  # nothing left
    assert swing_needed(0.5, 0.5, 0.5) == 0.0


@settings(max_examples=300, deadline=None)
@given(p=st.floats(0.501, 0.999), dp=st.floats(0.0, 0.3), f=st.floats(0.01, 0.98), df=st.floats(0.0, 0.5))
def test_more_lead_or_more_counted_never_needs_a_smaller_swing(p, dp, f, df):
    more_lead = min(p + dp, 0.9999)
    more_counted = min(f + df, 0.99)
    assert swing_needed(more_lead, 0.5, f) >= swing_needed(p, 0.5, f) - 1e-12
    assert swing_needed(p, 0.5, more_counted) >= swing_needed(p, 0.5, f) - 1e-12


@settings(max_examples=200, deadline=None)
@given(votes=st.lists(st.integers(0, 10_000), min_size=2, max_size=6), remaining=st.integers(1, 50_000),
       seats=st.integers(1, 3))
def test_candidate_order_does_not_change_the_overturning_swing(votes, remaining, seats):
    ids = tuple(f"c{i}" for i in range(len(votes)))
    winners = sorted(ids, key=lambda i: (-votes[ids.index(i)], i))[:seats]
    a = overturning_swing("plurality", 0.5, votes, ids, remaining, "winner", winners)
    b = overturning_swing("plurality", 0.5, votes[::-1], ids[::-1], remaining, "winner", winners)
    assert a == b


def test_the_sides_each_claim_rests_on():
    f = 1000 / 1500
    # two seats won by a and b: the last winner (300) against the first loser (250)
    got = overturning_swing("plurality", 0.5, (450, 300, 250), ("a", "b", "c"), 500, "winner", ("a", "b"))
    assert got == pytest.approx(swing_needed(300.5 / 551, 0.5, f))
    # a measure: yes against its threshold, passing or failing
    for outcome in ("passes", "fails"):
        got = overturning_swing("measure", 0.55, (600, 400), ("yes", "no"), 500, outcome, ())
        assert got == pytest.approx(swing_needed(600.5 / 1001, 0.55, f))
    # majority won outright: the winner's share of all votes against the threshold; 2nd and 3rd do not matter
    got = overturning_swing("majority", 0.5, (520, 260, 220), ("a", "b", "c"), 500, "winner", ("a",))
    assert got == pytest.approx(swing_needed(520.5 / 1001, 0.5, f))
    # a runoff a vs b: the leader under the threshold, and each of the pair against the first outsider, c
    f = 990 / 1490
    votes, ids = (400, 300, 290), ("a", "b", "c")
    pair = overturning_swing("top_two", 0.5, votes, ids, 500, "runoff", ("a", "b"))
    assert pair == pytest.approx(min(swing_needed(400.5 / 991, 0.5, f), swing_needed(400.5 / 691, 0.5, f),
                                     swing_needed(300.5 / 591, 0.5, f)))
    assert pair == pytest.approx(swing_needed(300.5 / 591, 0.5, f))  # b against c decides it
    # only a sure to be in it: a must stay ahead of the second outsider (c), whoever takes second
    sure = overturning_swing("top_two", 0.5, votes, ids, 500, "runoff", ("a",))
    assert sure == pytest.approx(min(swing_needed(400.5 / 991, 0.5, f), swing_needed(400.5 / 691, 0.5, f)))
    assert sure > pair
    # a runoff certain with both places open: only the leader staying under the threshold
    assert overturning_swing("top_two", 0.5, votes, ids, 500, "runoff", ()) == pytest.approx(
        swing_needed(400.5 / 991, 0.5, f))
    assert overturning_swing("plurality", 0.5, (10, 5), ("a", "b"), 0, "winner", ("a",)) == math.inf


def scenario_with_history(snaps, final, **model):
    return simulate.load_scenario_dict({
        "race": {"name": "Swings", "rule": "plurality"}, "candidates": [{"id": c} for c in final],
        "count": snaps[-1], "snapshots": snaps, "final": {"counted": final}, **({"model": model} if model else {})},
        "swings")


def test_late_swings_are_the_leaders_two_way_logit_against_the_late_ballots():
    final = {"a": 60_000, "b": 50_000, "c": 10_000}
    snaps = [{"counted": {"a": 3_000, "b": 2_000, "c": 500}, "remaining": {"estimate": 95_000}},  # under 5%: never called
             {"counted": {"a": 30_000, "b": 20_000, "c": 5_000}, "remaining": {"estimate": 65_000}},
             {"counted": {"a": 30_000, "b": 20_000, "c": 5_000}, "remaining": {"estimate": 60_000}},  # repeated
             {"counted": {"a": 59_990, "b": 49_990, "c": 9_990}, "remaining": {"estimate": 30}}]  # too noisy
    s = late_swings([scenario_with_history(snaps, final)])
    # the leader a had 30/(30+20) of the two, and 30/(30+30) of the late ballots
    assert s.tolist() == pytest.approx([logit(0.6) - logit(0.5)])
    assert 5_500 < MIN_COUNTED * 120_000 < 55_000
    assert math.sqrt((1 / 60_000 + 1 / 50_000) / 0.24) < MAX_NOISE < math.sqrt((1 / 20 + 1 / 99_980) / 0.25)


def test_the_fit_is_the_largest_swing_of_any_election():
    import numpy as np

    calm, rough = np.linspace(0.0, 0.5, 201), np.linspace(0.0, 1.0, 201)
    assert fit_late_swing({"calm": calm, "rough": rough}) == 1.0
    assert fit_late_swing({"calm": calm, "rough": rough}, level=0.995) == pytest.approx(
        round(float(np.quantile(rough, 0.995)), 3))
    assert fit_late_swing({"calm": calm, "tiny": np.array([5.0] * (MIN_SWINGS - 1))}) == 0.5  # too few to count
    with pytest.raises(ValueError):
        fit_late_swing({"tiny": np.array([1.0])})


def count_scenario(counted, remaining, **model):
    return simulate.load_scenario_dict({
        "race": {"name": "Check", "rule": "plurality"}, "candidates": [{"id": c} for c in counted],
        "count": {"counted": counted, "remaining": remaining}, "model": {"uncertainty": 0.01, **model},
        "simulation": {"draws": 20_000}}, "check")


def test_a_sure_count_a_past_swing_would_overturn_is_not_called_and_says_why():
    # 56% of 60,000 counted, up to 40,000 to come: sure at a 1% spread, but a late swing of 0.61
    # logits (the late vote 41% for a) would tie it
    remaining = {"estimate": 38_000, "low": 36_000, "high": 40_000}
    guarded = count_scenario({"a": 33_600, "b": 26_400}, remaining, late_swing=0.7)
    result = simulate.run(guarded)
    need = swing_needed(33_600.5 / 60_001, 0.5, 0.6)
    assert need == pytest.approx(logit(0.56) - logit(0.41), abs=1e-4)
    assert result.candidates[0].p_win >= 0.995 and result.call.status == "too_close"
    assert f"late swing of {need:.2f} logits" in result.call.sentence and result.extra["late_swing_check"] is True
    assert point_claim(result, 0.995) is None  # more draws would not make it: not a near call either
    assert swing_hold(guarded, guarded.count, "winner", ("a",)) == result.call.sentence
    for late_swing in (0.5, 0.0):  # a smaller past swing, or the check off: called
        free = simulate.run(count_scenario({"a": 33_600, "b": 26_400}, remaining, late_swing=late_swing))
        assert free.call.status == "called" and "late_swing_check" not in free.extra


def test_a_finished_count_is_never_withheld():
    done = count_scenario({"a": 501, "b": 499}, 0, late_swing=5.0)
    assert swing_hold(done, done.count, "winner", ("a",)) is None


def test_late_swing_is_validated_by_the_loader_and_in_calibration_files(tmp_path):
    with pytest.raises(ScenarioError, match="model.late_swing"):
        count_scenario({"a": 1, "b": 2}, 10, late_swing=-0.1)
    from simulate.scenario.calibration_file import read_calibration

    path = tmp_path / "cal.yaml"
    path.write_text("uncertainty: 0.04\ntail_df: 4\nlate_swing: 11\n")
    with pytest.raises(ScenarioError, match="late_swing: must be in"):
        read_calibration(path)
    path.write_text("uncertainty: 0.04\ntail_df: 4\nlate_swing: 0.9\n")
    assert read_calibration(path).model_overrides()["late_swing"] == 0.9


def test_a_backtest_override_reaches_the_check():
    final = {"a": 52_000, "b": 48_000}
    snaps = [{"counted": {"a": 33_600, "b": 26_400}, "remaining": {"estimate": 40_000, "low": 38_000, "high": 42_000}}]
    scenario = scenario_with_history(snaps, final)
    on = bt.backtest([scenario], draws=20_000, model_overrides={"uncertainty": 0.01, "tail_df": 0.0, "late_swing": 1.0},
                     naive=False, workers=1)
    off = bt.backtest([scenario], draws=20_000, model_overrides={"uncertainty": 0.01, "tail_df": 0.0, "late_swing": 0.0},
                      naive=False, workers=1)
    assert on.calls == 0 and on.settings["late_swing"] == 1.0
    assert off.calls == 1  # the model alone is sure of a, who then won by 4 points
