"""The call rules and the race figures, each against a value computed by hand or exactly.

Every test here fails under a one-line mutation of the formula it guards (the commit
message and the project's notes list which).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

import simulate
from simulate.outcome import calls
from simulate.outcome.runner import run
from simulate.outcome.summary import hurdle

from conftest import scenario_dict

IDS3 = ("a", "b", "c")
NAMES3 = ("A", "B", "C")


def tally(draws, *, wins=(0, 0, 0), outright=(0, 0, 0), advance=(0, 0, 0), pairs=None, runoffs=0):
    k = len(wins)
    return SimpleNamespace(draws=draws, wins=np.array(wins, float), outright=np.array(outright, float),
                           advance=np.array(advance, float), runoffs=runoffs,
                           pairs=np.zeros((k, k)) if pairs is None else np.array(pairs, float))


def load(race, candidates, counted, remaining, **sections):
    data = scenario_dict(race={"name": "Case", **race}, candidates=[{"id": c, "name": c.upper()} for c in candidates],
                         count={"counted": counted, "remaining": remaining}, **sections)
    return simulate.load_scenario_dict(data, "case")


# -- the Monte Carlo bound --------------------------------------------------------------------

def test_wilson_lower_bound_by_hand():
    # p = 0.996 over 20,000 draws: centre 0.996 + z^2/40,000, spread z sqrt(0.996*0.004/20000 + z^2/1.6e9)
    z = calls.Z_CALL
    n, p = 20_000, 0.996
    by_hand = (p + z * z / (2 * n) - z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)
    assert calls.lower_bound(p, n) == pytest.approx(by_hand, rel=1e-12)
    assert 0.9943 < calls.lower_bound(p, n) < 0.9945
    assert calls.lower_bound(1.0, 20_000) == pytest.approx(20_000 / (20_000 + z * z), rel=1e-12)
    assert calls.lower_bound(0.7, math.inf) == 0.7 and calls.lower_bound(0.7, 0) == 0.0


def test_wilson_bound_coverage_is_exact_enough():
    """P(bound >= p0) for X ~ Binomial(n, p0), summed exactly: at most the one-sided 0.1% of Z_CALL,
    and close to it once n(1 - p0) is large (0.00033, 0.00064, 0.00072, 0.00093 here: discreteness)."""
    for n, p0, low in ((2_000, 0.98, 0.0002), (20_000, 0.995, 0.0005), (200_000, 0.999, 0.0006), (1_048_576, 0.995, 0.0008)):
        x = np.arange(int(p0 * n) - 5, n + 1)
        hit = np.array([calls.lower_bound(k / n, n) >= p0 for k in x])
        assert low < stats.binom.pmf(x[hit], n, p0).sum() <= 0.001


@pytest.mark.parametrize("rule", ["plurality", "measure"])
def test_monte_carlo_bound_withholds_a_call_at_the_level(rule):
    """0.996 simulated over 20,000 draws is not enough at 0.995 (bound 0.9944); over 200,000 it is."""
    ids, names = (("yes", "no"), ("Yes", "No")) if rule == "measure" else (("a", "b"), ("A", "B"))
    for n, status in ((20_000, "too_close"), (200_000, "called")):
        t = tally(n, wins=(0.996 * n, 0.004 * n), outright=(0.996 * n, 0.004 * n))
        call = calls.make_call(rule, 1, ids, names, t, 0.995, False)
        assert call.status == status, (n, call)
    settled = calls.make_call(rule, 1, ids, names, tally(20_000, wins=(19_920, 80), outright=(19_920, 80)), 0.995,
                              False, settled=True)
    assert settled.status == "called"


def test_monte_carlo_bound_in_runoff_calls():
    n = 20_000
    # outright at 0.996: withheld
    t = tally(n, outright=(0.996 * n, 0, 0), advance=(n, 0.004 * n, 0.004 * n), pairs=[[0, 0.002 * n, 0.002 * n], [0, 0, 0], [0, 0, 0]],
              runoffs=0.004 * n)
    assert calls.make_call("top_two", 1, IDS3, NAMES3, t, 0.995, False).status == "too_close"
    assert calls.make_call("top_two", 1, IDS3, NAMES3, t, 0.995, False, settled=True).outcome == "winner"
    # a runoff between a and b at 0.996: withheld; both in it certain only through the bound
    t = tally(n, outright=(0, 0, 0), advance=(n, 0.996 * n, 0.004 * n), pairs=[[0, 0.996 * n, 0.004 * n], [0, 0, 0], [0, 0, 0]],
              runoffs=n)
    call = calls.make_call("top_two", 1, IDS3, NAMES3, t, 0.995, False)
    assert (call.status, call.winners) == ("runoff", ("a",))  # the runoff is certain (all draws), b's place is not
    assert calls.make_call("top_two", 1, IDS3, NAMES3, t, 0.995, False, settled=True).outcome == "runoff"
    # a runoff itself at 0.996: withheld
    t = tally(n, outright=(0.004 * n, 0, 0), advance=(n, 0.5 * n, 0.5 * n), pairs=[[0, 0.498 * n, 0.498 * n], [0, 0, 0], [0, 0, 0]],
              runoffs=0.996 * n)
    assert calls.make_call("top_two", 1, IDS3, NAMES3, t, 0.995, False).status == "too_close"
    assert calls.make_call("top_two", 1, IDS3, NAMES3, t, 0.995, False, settled=True).status == "runoff"


def test_bonferroni_bounds_the_seats_jointly():
    """Each of the two seats at 0.998 and 0.996 alone clears 0.995; jointly only 1 - 0.002 - 0.004 = 0.994."""
    t = tally(10 ** 6, wins=(998_000, 996_000, 6_000))
    call = calls.make_call("plurality", 2, IDS3, NAMES3, t, 0.995, False, settled=True)
    assert (call.status, call.winners) == ("too_close", ("a",))
    assert call.confidence == pytest.approx(0.994)
    both = calls.make_call("plurality", 2, IDS3, NAMES3, t, 0.994, False, settled=True)
    assert (both.status, set(both.winners), both.confidence) == ("called", {"a", "b"}, pytest.approx(0.994))


def test_too_early_withholds_any_call():
    lopsided = {"a": 800, "b": 200}
    early = run(load({"rule": "plurality"}, ("a", "b"), lopsided, 20_000), draws=20_000)  # 4.8% counted
    assert early.counted_fraction < 0.05 and early.call.status == "too_early" and early.call.winners == ()
    assert "Too early" in early.call.sentence
    later = run(load({"rule": "plurality"}, ("a", "b"), lopsided, 1_000), draws=20_000)
    assert later.call.status == "called"
    empty = run(load({"rule": "plurality"}, ("a", "b"), {"a": 0, "b": 0}, 1_000), draws=20_000)
    assert empty.call.status == "too_early"


# -- strictly more than the threshold, through the public API ------------------------------------

@pytest.mark.parametrize("race, candidates, counted, outcome", [
    ({"rule": "measure", "threshold": 0.5}, ("yes", "no"), {"yes": 50, "no": 50}, "fails"),
    ({"rule": "measure", "threshold": 0.5}, ("yes", "no"), {"yes": 51, "no": 49}, "passes"),
    ({"rule": "measure", "threshold": 0.75}, ("yes", "no"), {"yes": 75, "no": 25}, "fails"),
    ({"rule": "top_two"}, IDS3, {"a": 50, "b": 30, "c": 20}, "runoff"),
    ({"rule": "majority"}, IDS3, {"a": 500, "b": 499, "c": 1}, "runoff"),
    ({"rule": "top_two"}, IDS3, {"a": 501, "b": 300, "c": 199}, "winner"),
])
def test_exactly_at_the_threshold_is_not_more(race, candidates, counted, outcome):
    result = run(load(race, candidates, counted, 0), draws=20_000)
    assert result.call.status in ("called", "runoff") and result.call.outcome == outcome


@pytest.mark.parametrize("yes, no, threshold", [(200, 100, 2 / 3), (22, 11, 2 / 3), (66_668, 33_334, 2 / 3)])
def test_two_thirds_decided_exactly(yes, no, threshold):
    """200 of 300 is exactly 2/3, not more; 66,668 of 100,002 is exactly 2/3 too."""
    result = run(load({"rule": "measure", "threshold": threshold}, ("yes", "no"), {"yes": yes, "no": no}, 0), draws=20_000)
    assert result.call.outcome == "fails"


# -- the hurdle --------------------------------------------------------------------------------------

def test_hurdle_plurality_by_hand():
    # b needs s of 1,000 with 300 + 1000 s > 500 + (0.8 - s) 1000  ->  s > 0.5
    s = load({"rule": "plurality"}, IDS3, {"a": 500, "b": 300, "c": 200}, 1000)
    assert (hurdle(s, s.count).candidate, hurdle(s, s.count).needs_share_of_remaining) == ("b", pytest.approx(0.5))
    # two seats: c must pass b, the others (a) keeping half the remaining: 200 + 1000 s > 300 + (0.5 - s) 1000 -> 0.3
    seats = load({"rule": "plurality", "seats": 2}, IDS3, {"a": 500, "b": 300, "c": 200}, 1000)
    h = hurdle(seats, seats.count)
    assert (h.candidate, h.needs_share_of_remaining) == ("c", pytest.approx(0.3))
    # impossible at the estimate: above 1
    far = load({"rule": "plurality"}, ("a", "b"), {"a": 900, "b": 100}, 500)
    assert hurdle(far, far.count).needs_share_of_remaining == pytest.approx((800 + 500) / 1000)


def test_hurdle_measure_and_leader_by_hand():
    # yes ahead at 55%: no needs 450 + x > 1,000 of 2,000 -> x > 550 of 1,000
    m = load({"rule": "measure"}, ("yes", "no"), {"yes": 550, "no": 450}, 1000)
    assert (hurdle(m, m.count).candidate, hurdle(m, m.count).needs_share_of_remaining) == ("no", pytest.approx(0.55))
    # yes behind a 2/3 threshold: 500 + x > 2/3 * 2,000 -> x > 833.3 of 1,000
    m = load({"rule": "measure", "threshold": 2 / 3}, ("yes", "no"), {"yes": 500, "no": 500}, 1000)
    assert (hurdle(m, m.count).candidate, hurdle(m, m.count).needs_share_of_remaining) == ("yes", pytest.approx(5 / 6))
    # top_two leader at 60%: stays above half with 600 + x > 1,000 -> 0.4 of the remaining 1,000
    t = load({"rule": "top_two"}, IDS3, {"a": 600, "b": 300, "c": 100}, 1000)
    h = hurdle(t, t.count)
    assert (h.candidate, h.leader_needs_share_of_remaining) == ("b", pytest.approx(0.4))
    assert h.needs_share_of_remaining == pytest.approx((300 + 0.9 * 1000) / 2000)


# -- p_recount, p_leader_overtaken, margin_final against the binomial ---------------------------------

def naive_two_way(recount_margin=0.005, draws=400_000):
    """a 1,000, b 990, 1,000 left exactly, uncertainty 0 (the naive model): a's votes among the
    remaining are Binomial(1000, m) at the counted share m = 1000 / 1990."""
    s = load({"rule": "plurality", "recount_margin": recount_margin}, ("a", "b"), {"a": 1000, "b": 990}, 1000,
             model={"uncertainty": 0.0}, simulation={"draws": draws, "seed": 3})
    return run(s, threads=1), stats.binom(1000, 1000 / 1990)


def within(estimate, exact, draws):
    return abs(estimate - exact) <= 4 * math.sqrt(exact * (1 - exact) / draws) + 1e-12


def test_p_recount_against_the_binomial():
    """Final a - b = 2X - 990 of 2,990 votes; a recount when |2X - 990| <= 0.005 * 2,990 = 14.95: X in 488..502."""
    result, x = naive_two_way()
    exact = x.cdf(502) - x.cdf(487)
    assert within(result.p_recount, exact, result.draws), (result.p_recount, exact)
    wide, _ = naive_two_way(recount_margin=0.01)  # |2X - 990| <= 29.9: X in 481..509
    assert within(wide.p_recount, x.cdf(509) - x.cdf(480), wide.draws)


def test_p_leader_overtaken_against_the_binomial():
    """b finishes first when 2X - 990 < 0 (X <= 494), and on the tie X = 495 half the time (by lot)."""
    result, x = naive_two_way()
    exact = x.cdf(494) + 0.5 * x.pmf(495)
    assert within(result.p_leader_overtaken, exact, result.draws), (result.p_leader_overtaken, exact)
    assert within(result.candidate("b").p_win, exact, result.draws)


def test_margin_final_against_the_binomial():
    result, x = naive_two_way()
    margin = result.extra["margin_final"]
    assert margin["candidates"] == ["a", "b"]
    mean = (2 * x.mean() - 990) / 2990
    assert abs(margin["mean"] - mean) <= 4 * 2 * x.std() / 2990 / math.sqrt(result.draws) + 1e-7
    step = 2 / 2990  # one vote moved from b to a
    for q, key in ((0.05, "low"), (0.95, "high")):
        exact = (2 * x.ppf(q) - 990) / 2990
        assert abs(margin[key] - exact) <= step + 1e-3, (key, margin[key], exact)


def test_remaining_as_the_model_used_it():
    s = load({"rule": "plurality"}, ("a", "b"), {"a": 600, "b": 400}, {"estimate": 500, "low": 400, "high": 700})
    assert run(s, draws=16_384).to_dict()["remaining"] == {"estimate": 500, "low": 400, "high": 700, "exact": False}
    exact = load({"rule": "plurality"}, ("a", "b"), {"a": 600, "b": 400}, 500)
    assert run(exact, draws=16_384).to_dict()["remaining"] == {"estimate": 500, "low": 500, "high": 500, "exact": True}


@pytest.mark.parametrize("counted, widening", [(200_000, 1.3229), (500_000, 1.1402)])
def test_early_count_widening_as_documented(counted, widening):
    """early_count 0.15 widens the spread by sqrt(1 + 0.15/f): x1.32 at 20% counted, x1.14 at half,
    measured on the sampler's 90% final-share interval against the same count with early_count 0."""
    def width(early):
        half = counted // 2
        s = load({"rule": "plurality"}, ("a", "b"), {"a": half, "b": counted - half}, 1_000_000 - counted,
                 model={"uncertainty": 0.045, "tail_df": 0, "early_count": early}, simulation={"draws": 400_000, "seed": 5})
        share = run(s, threads=1).candidate("a").share_final
        return share.high - share.low
    assert math.sqrt(1 + 0.15 / (counted / 1_000_000)) == pytest.approx(widening, abs=1e-4)
    assert width(0.15) / width(0.0) == pytest.approx(widening, abs=0.02)
