"""Backtest metrics, wrong calls and replay flags on hand-made cases; a small real-data backtest; plots."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

import simulate
from simulate.cli.main import main as racecall
from simulate.history import backtest as bt
from simulate.history.sources import load_history
from simulate.history.replay import Replay
from simulate.history.flags import flag_replay, snapshot_flags
from simulate.outcome.results import Call, CandidateResult, Hurdle, RaceResult, ShareInterval

DATA = Path(__file__).parent / "data" / "backtest"
EXTRACT = DATA / "general-timeframes.json"


# -- helpers --------------------------------------------------------------------------

def make_result(counted, p, *, rule="plurality", status="too_close", outcome=None, winners=(),
                intervals=None, hurdle=None, as_of=None) -> RaceResult:
    """A hand-made result: ``p`` is p_win (plurality, measure) or p_advance (majority/top_two)."""
    total = sum(counted.values())
    cands = []
    for cid, votes in counted.items():
        low, high = (intervals or {}).get(cid, (0.0, 1.0))
        runoff = rule in ("majority", "top_two")
        cands.append(CandidateResult(
            id=cid, name=cid.title(), counted=votes, share_counted=votes / total, p_win=p[cid], p_win_se=0.0,
            p_outright=None if rule == "plurality" else p[cid], p_advance=p[cid] if runoff else None,
            p_first=p[cid], share_final=ShareInterval((low + high) / 2, low, high)))
    leader = max(counted, key=lambda c: counted[c])
    return RaceResult(
        race="Test", rule=rule, as_of=as_of, draws=1000, seed=0, leader=leader, candidates=tuple(cands),
        p_leader_overtaken=0.0, hurdle=hurdle or Hurdle(None, None), p_recount=0.0, p_runoff=None,
        runoff_pairs=(), counted_fraction=0.5, call=Call(status, outcome, tuple(winners), 0.999, 0.995, ""))


def make_scenario(final, *, rule="plurality", snapshots=2, **race):
    ids = list(final)
    counted = {c: 1 for c in ids}
    snap = {"counted": counted, "remaining": {"estimate": 100}}
    data = {
        "race": {"name": "Hand-made", "rule": rule, **race},
        "candidates": [{"id": c, "name": c.title()} for c in ids],
        "count": snap,
        "snapshots": [dict(snap, as_of=f"2024-11-0{5 + i}", counted={c: 1 + i for c in ids}) for i in range(snapshots)],
        "final": {"counted": final},
    }
    return simulate.load_scenario_dict(data, "hand-made")


# -- metrics by hand ----------------------------------------------------------------------

def test_brier_log_loss_ece_by_hand():
    p, y = [0.1, 0.4, 0.8, 0.95], [0, 1, 1, 1]
    assert bt.brier(p, y) == pytest.approx((0.01 + 0.36 + 0.04 + 0.0025) / 4)
    assert bt.log_loss(p, y) == pytest.approx(-(math.log(0.9) + math.log(0.4) + math.log(0.8) + math.log(0.95)) / 4)
    # one prediction in each of bins 1, 4, 8 and 9: |0.1-0|, |0.4-1|, |0.8-1|, |0.95-1|
    assert bt.ece(p, y) == pytest.approx((0.1 + 0.6 + 0.2 + 0.05) / 4)


def test_log_loss_clips_and_ece_puts_one_in_the_last_bin():
    assert bt.log_loss([0.0], [1]) == pytest.approx(-math.log(1e-6))
    assert bt.log_loss([1.0], [1]) == pytest.approx(-math.log(1 - 1e-6))
    table = bt.reliability([1.0, 0.0, 0.05], [1, 0, 1])
    assert table[9] == (1, 1.0, 1.0)
    assert table[0] == (2, pytest.approx(0.025), 0.5)
    assert bt.ece([1.0, 0.0, 0.05], [1, 0, 1]) == pytest.approx(2 / 3 * abs(0.025 - 0.5))


def test_truth_for_each_rule():
    t = bt.truth(make_scenario({"a": 30, "b": 50, "c": 20}, seats=2))
    assert (t.outcome, t.winners, t.tie) == ("winner", ("b", "a"), ())
    assert t.shares == pytest.approx((0.3, 0.5, 0.2))
    assert bt.truth(make_scenario({"a": 51, "b": 30, "c": 19}, rule="top_two")).winners == ("a",)
    runoff = bt.truth(make_scenario({"a": 50, "b": 30, "c": 20}, rule="top_two"))  # 50% is not more than half
    assert (runoff.outcome, runoff.winners) == ("runoff", ("a", "b"))
    assert bt.truth(make_scenario({"yes": 55, "no": 45}, rule="measure", threshold=0.55)).outcome == "fails"
    assert bt.truth(make_scenario({"yes": 56, "no": 44}, rule="measure", threshold=0.55)).winners == ("yes",)


def test_truth_notes_ties_and_breaks_them_by_id():
    t = bt.truth(make_scenario({"b": 40, "a": 40, "c": 20}))
    assert t.winners == ("a",) and set(t.tie) == {"a", "b"}
    assert bt.truth(make_scenario({"a": 40, "b": 30, "c": 30}, rule="top_two")).tie == ("b", "c")


def test_predicted_ids_leave_out_what_the_rules_decide():
    assert bt.predicted_ids(make_scenario({"a": 1, "b": 2}, seats=2)) == ()
    assert bt.predicted_ids(make_scenario({"a": 1, "b": 2}, rule="top_two")) == ("a", "b")  # the leader may win outright
    assert bt.predicted_ids(make_scenario({"a": 1}, rule="majority")) == ()
    assert bt.predicted_ids(make_scenario({"a": 1, "b": 2, "c": 3}, rule="top_two")) == ("a", "b", "c")
    assert bt.predicted_ids(make_scenario({"yes": 1, "no": 2}, rule="measure")) == ("yes",)


def test_score_by_hand():
    scenario = make_scenario({"a": 60, "b": 30, "c": 10})  # final shares 0.6 / 0.3 / 0.1, a wins
    counted = {"a": 50, "b": 40, "c": 10}
    first = make_result(counted, {"a": 0.7, "b": 0.3, "c": 0.0},
                        intervals={"a": (0.5, 0.7), "b": (0.35, 0.45), "c": (0.05, 0.15)})
    second = make_result(counted, {"a": 0.2, "b": 0.8, "c": 0.0}, status="called", outcome="winner", winners=("b",),
                         as_of="2024-11-06")
    naive = (make_result(counted, {"a": 1.0, "b": 0.0, "c": 0.0}),) * 2
    report = bt.score((scenario,), [((first, second), naive)], {"draws": 1000, "seed": 0, "call_confidence": 0.995,
                                                                 "uncertainty": 0.05, "tail_df": 0.0})
    assert (report.contests, report.snapshots, report.predictions, report.calls) == (1, 2, 6, 1)
    assert report.brier == pytest.approx((0.09 + 0.09 + 0 + 0.64 + 0.64 + 0) / 6)
    assert report.brier_naive == pytest.approx(0.0)
    assert report.ece == pytest.approx((0.3 + 0.3 + 0.8 + 0.8) / 6)
    assert report.coverage90 == pytest.approx(5 / 6) and report.intervals == 6
    assert report.called_by_release == (0.0, 1.0)
    [wrong] = report.wrong_calls
    assert (wrong.snapshot, wrong.as_of, wrong.call, wrong.truth) == (1, "2024-11-06", "B elected", "A elected")
    assert report.repeated_snapshots == 0


def test_a_snapshot_repeating_the_one_before_is_scored_once_and_its_call_checked():
    scenario = make_scenario({"a": 60, "b": 30, "c": 10})
    same = dataclasses.replace(scenario, snapshots=(scenario.snapshots[0],) * 2)
    counted = {"a": 1, "b": 1, "c": 1}
    first = make_result(counted, {"a": 0.7, "b": 0.3, "c": 0.0})
    again = make_result(counted, {"a": 0.2, "b": 0.8, "c": 0.0}, status="called", outcome="winner", winners=("b",))
    report = bt.score((same,), [((first, again),)], {"draws": 1000, "seed": 0, "call_confidence": 0.995,
                                                     "uncertainty": 0.05, "tail_df": 0.0})
    assert (report.snapshots, report.predictions, report.repeated_snapshots, report.calls) == (2, 3, 1, 1)
    assert report.brier == pytest.approx((0.09 + 0.09 + 0) / 3)  # the first prediction only
    assert len(report.wrong_calls) == 1 and report.wrong_calls[0].snapshot == 1  # the call is checked
    assert "B elected" in report.text() and "final: A elected" in report.text()
    assert report.to_dict()["wrong_calls"][0]["contest"] == "Hand-made"


def test_two_candidate_top_two_is_scored_on_winning_outright():
    """Above the threshold the leader wins outright; below it, both go to a runoff."""
    settings = {"draws": 1, "seed": 0, "call_confidence": 0.995, "uncertainty": 0.05, "tail_df": 0.0}
    res = make_result({"a": 58, "b": 42}, {"a": 1.0, "b": 1.0}, rule="top_two",
                      intervals={"a": (0.55, 0.60), "b": (0.40, 0.45)})
    res = dataclasses.replace(res, candidates=tuple(dataclasses.replace(c, p_outright=0.8 if c.id == "a" else 0.0)
                                                    for c in res.candidates))
    outright = bt.score((make_scenario({"a": 61, "b": 39}, rule="top_two", threshold=0.6),), [((res,),)], settings)
    assert outright.predictions == 2 and outright.brier == pytest.approx((0.2 ** 2 + 0.0) / 2)
    runoff = bt.score((make_scenario({"a": 59, "b": 41}, rule="top_two", threshold=0.6),), [((res,),)], settings)
    assert runoff.brier == pytest.approx((0.8 ** 2 + 0.0) / 2)
    # The two intervals are complementary: counted once per snapshot.
    assert (outright.intervals, outright.coverage90) == (1, 0.0)
    assert (runoff.intervals, runoff.coverage90) == (1, 1.0)


def test_coverage_counts_two_way_and_measure_intervals_once():
    settings = {"draws": 1, "seed": 0, "call_confidence": 0.995, "uncertainty": 0.05, "tail_df": 0.0}
    measure = make_result({"yes": 45, "no": 55}, {"yes": 0.25, "no": 0.75}, rule="measure",
                          intervals={"yes": (0.35, 0.45), "no": (0.55, 0.65)})
    report = bt.score((make_scenario({"yes": 40, "no": 60}, rule="measure"),), [((measure, measure),)], settings)
    assert (report.intervals, report.coverage90) == (2, 1.0)
    three = make_result({"a": 50, "b": 40, "c": 10}, {"a": 0.7, "b": 0.3, "c": 0.0},
                        intervals={"a": (0.5, 0.7), "b": (0.35, 0.45), "c": (0.2, 0.3)})
    report = bt.score((make_scenario({"a": 60, "b": 30, "c": 10}),), [((three,),)], settings)
    assert (report.intervals, report.coverage90) == (3, pytest.approx(1 / 3))


def test_coverage_by_segment_splits_small_candidates_open_and_complete_counts():
    final = {"a": 60, "b": 39, "c": 1}
    snaps = [{"counted": {"a": 30, "b": 19, "c": 0}, "remaining": {"estimate": 50}, "as_of": "2024-11-05"},
             {"counted": final, "remaining": {"estimate": 5}, "as_of": "2024-11-06"}]
    scenario = simulate.load_scenario_dict({
        "race": {"name": "Segments", "rule": "plurality"}, "candidates": [{"id": c} for c in final],
        "count": snaps[-1], "snapshots": snaps, "final": {"counted": final}}, "segments")
    p = {"a": 0.9, "b": 0.1, "c": 0.0}
    first = make_result(snaps[0]["counted"], p, intervals={"a": (0.5, 0.7), "b": (0.3, 0.35), "c": (0.0, 0.005)})
    last = make_result(final, p, intervals={"a": (0.6, 0.6), "b": (0.39, 0.39), "c": (0.0, 0.02)})
    settings = {"draws": 1, "seed": 0, "call_confidence": 0.995, "uncertainty": 0.05, "tail_df": 0.0}
    report = bt.score((scenario,), [((first, last),)], settings)
    assert (report.intervals, report.coverage90) == (6, pytest.approx(4 / 6))
    # c is under 2% of both counts; a and b were still open at the first and complete at the last
    by = report.coverage90_by
    assert {k: by[k] for k in ("small", "open", "complete")} == {"small": (0.5, 2), "open": (0.5, 2), "complete": (1.0, 2)}
    assert by["revised"][1] == 0 and math.isnan(by["revised"][0])
    assert report.to_dict()["coverage90_by"]["open"] == {"coverage": 0.5, "intervals": 2}


def test_a_candidate_whose_final_tally_is_below_the_count_is_scored_as_revised():
    # b's 41 counted votes were corrected down to 39: no further ballots can bring it there
    final = {"a": 60, "b": 39, "c": 1}
    snaps = [{"counted": {"a": 30, "b": 41, "c": 0}, "remaining": {"estimate": 30}, "as_of": "2024-11-05"}]
    scenario = simulate.load_scenario_dict({
        "race": {"name": "Revised", "rule": "plurality"}, "candidates": [{"id": c} for c in final],
        "count": snaps[-1], "snapshots": snaps, "final": {"counted": final}}, "revised")
    res = make_result(snaps[0]["counted"], {"a": 0.6, "b": 0.4, "c": 0.0},
                      intervals={"a": (0.55, 0.65), "b": (0.40, 0.45), "c": (0.0, 0.02)})
    report = bt.score((scenario,), [((res,),)], {"draws": 1, "seed": 0, "call_confidence": 0.995,
                                                 "uncertainty": 0.05, "tail_df": 0.0})
    by = report.coverage90_by
    # a is open (held), b revised (its final 0.39 under its interval), c small (held)
    assert (by["open"], by["revised"], by["small"]) == ((1.0, 1), (0.0, 1), (1.0, 1))
    assert report.coverage90 == pytest.approx(2 / 3)


def test_measure_scores_one_prediction_per_snapshot():
    scenario = make_scenario({"yes": 40, "no": 60}, rule="measure")
    res = make_result({"yes": 45, "no": 55}, {"yes": 0.25, "no": 0.75}, rule="measure")
    report = bt.score((scenario,), [((res, res),)], {"draws": 1, "seed": 0, "call_confidence": 0.995,
                                                      "uncertainty": 0.05, "tail_df": 0.0})
    assert report.predictions == 2 and report.brier == pytest.approx(0.0625) and report.brier_naive is None


@pytest.mark.parametrize("status, outcome, winners, final, wrong", [
    ("called", "winner", ("a",), {"a": 60, "b": 30, "c": 10}, False),
    ("called", "winner", ("b",), {"a": 60, "b": 30, "c": 10}, True),
    ("called", "runoff", ("a", "b"), {"a": 45, "b": 30, "c": 25}, False),
    ("called", "runoff", ("a", "c"), {"a": 45, "b": 30, "c": 25}, True),
    ("called", "runoff", ("a", "b"), {"a": 55, "b": 30, "c": 15}, True),   # there was no runoff
    ("called", "winner", ("a",), {"a": 45, "b": 30, "c": 25}, True),       # a runoff, not an outright win
    ("runoff", "runoff", ("a",), {"a": 45, "b": 30, "c": 25}, False),
    ("runoff", "runoff", (), {"a": 45, "b": 30, "c": 25}, False),
    ("runoff", "runoff", ("c",), {"a": 45, "b": 30, "c": 25}, True),       # c is not in it
    ("runoff", "runoff", ("a",), {"a": 55, "b": 30, "c": 15}, True),       # no runoff
    ("too_close", None, (), {"a": 55, "b": 30, "c": 15}, False),
])
def test_wrong_calls_top_two(status, outcome, winners, final, wrong):
    t = bt.truth(make_scenario(final, rule="top_two"))
    res = make_result({"a": 5, "b": 3, "c": 2}, {"a": 1, "b": 1, "c": 0}, rule="top_two", status=status,
                      outcome=outcome, winners=winners)
    assert bt.is_wrong(res, t) is wrong


def test_wrong_calls_measure_and_seats():
    t = bt.truth(make_scenario({"yes": 60, "no": 40}, rule="measure", threshold=2 / 3))
    fails = make_result({"yes": 6, "no": 4}, {"yes": 0, "no": 1}, rule="measure", status="called", outcome="fails",
                        winners=("no",))
    passes = make_result({"yes": 6, "no": 4}, {"yes": 1, "no": 0}, rule="measure", status="called",
                         outcome="passes", winners=("yes",))
    assert not bt.is_wrong(fails, t) and bt.is_wrong(passes, t)
    seats = bt.truth(make_scenario({"a": 50, "b": 30, "c": 20}, seats=2))
    partial = make_result({"a": 5, "b": 3, "c": 2}, {"a": 1, "b": 0.5, "c": 0.5}, winners=("c",))
    assert not bt.is_wrong(partial, seats) and bt.wrong_seats(partial, seats)
    assert not bt.wrong_seats(make_result({"a": 5, "b": 3, "c": 2}, {"a": 1, "b": 0.5, "c": 0.5}, winners=("a",)), seats)


def test_point_claims_and_wrong_near_calls():
    # too_close at 20,000 draws, but 99.6% >= 0.995: a run with unlimited draws would call it
    held = make_result({"a": 45, "b": 30, "c": 25}, {"a": 1.0, "b": 0.5, "c": 0.5}, rule="top_two")
    held = dataclasses.replace(held, candidates=tuple(dataclasses.replace(c, p_outright=0.996 if c.id == "a" else 0.0)
                                                      for c in held.candidates))
    claim_, p = bt.point_claim(held, 0.995)
    assert (claim_.kind, claim_.members, p) == ("winner", frozenset({"a"}), 0.996)
    assert bt.point_claim(held, 0.999) is None
    seats = make_result({"a": 5, "b": 4, "c": 1}, {"a": 0.999, "b": 0.998, "c": 0.003})
    assert bt.point_claim(seats, 0.995, seats=2)[0].members == frozenset({"a", "b"})   # 1 - 0.001 - 0.002
    assert bt.point_claim(seats, 0.998, seats=2) is None
    measure = make_result({"yes": 4, "no": 6}, {"yes": 0.004, "no": 0.996}, rule="measure")
    assert bt.point_claim(measure, 0.995)[0].kind == "fails"
    settings = {"draws": 1, "seed": 0, "call_confidence": 0.995, "uncertainty": 0.05, "tail_df": 0.0}
    scenario = make_scenario({"a": 45, "b": 30, "c": 25}, rule="top_two")
    # its counts (1-3 votes each, 100 to come) are within any late swing: more draws would not call it
    assert bt.score((scenario,), [((held, held),)], settings).near_calls == 0
    unchecked = dataclasses.replace(scenario, model=dataclasses.replace(scenario.model, late_swing=0.0))
    report = bt.score((unchecked,), [((held, held),)], settings)
    assert (report.near_calls, report.wrong_calls) == (2, ())
    assert [(w.snapshot, w.call, w.truth) for w in report.wrong_near_calls] == [
        (0, "A elected", "runoff A vs B"), (1, "A elected", "runoff A vs B")]
    assert "Wrong near calls" in report.text()


# -- replay flags ----------------------------------------------------------------------------

def _replay(*results) -> Replay:
    return Replay("Test", tuple(results))


def test_retracted_when_a_later_call_disagrees():
    counted = {"a": 50, "b": 40}
    a_wins = make_result(counted, {"a": 1, "b": 0}, status="called", outcome="winner", winners=("a",))
    b_wins = make_result({"a": 40, "b": 50}, {"a": 0, "b": 1}, status="called", outcome="winner", winners=("b",))
    close = make_result(counted, {"a": 0.6, "b": 0.4})
    assert snapshot_flags(_replay(a_wins, close, b_wins)) == (("retracted", "withdrawn"), (), ())
    assert snapshot_flags(_replay(a_wins, a_wins)) == ((), ())
    flagged = flag_replay(_replay(a_wins, b_wins))
    assert [s.extra["flags"] for s in flagged.snapshots] == [("retracted",), ("call_retracted",)]
    assert [s.extra["call_event"] for s in flagged.snapshots] == ["called", "retracted"]
    assert flagged.snapshots[1].extra["standing"]["winners"] == ["b"] and flagged.snapshots[1].extra["standing"]["release"] == 1
    assert flagged.snapshots[0].to_dict()["flags"] == ("retracted",)


def test_retracted_runoff_claims():
    counted = {"a": 45, "b": 30, "c": 25}
    p = {"a": 1, "b": 0.5, "c": 0.5}
    runoff_a = make_result(counted, p, rule="top_two", status="runoff", outcome="runoff", winners=("a",))
    pair_ab = make_result(counted, p, rule="top_two", status="called", outcome="runoff", winners=("a", "b"))
    pair_bc = make_result(counted, p, rule="top_two", status="called", outcome="runoff", winners=("b", "c"))
    outright = make_result(counted, p, rule="top_two", status="called", outcome="winner", winners=("a",))
    assert snapshot_flags(_replay(runoff_a, pair_ab)) == ((), ())
    assert snapshot_flags(_replay(runoff_a, pair_bc)) == (("retracted",), ("winner_not_leading",))
    assert snapshot_flags(_replay(runoff_a, outright)) == (("retracted",), ())
    assert snapshot_flags(_replay(pair_ab, pair_bc))[0] == ("retracted",)


def test_retracted_partial_seats():
    counted = {"a": 5, "b": 4, "c": 3, "d": 1}
    p = {"a": 1, "b": 0.5, "c": 0.5, "d": 0}
    first = make_result(counted, p, winners=("a", "b"))  # too_close, two seats decided
    later = make_result(counted, p, status="called", outcome="winner", winners=("a", "c", "d"))
    assert snapshot_flags(_replay(first, later))[0] == ("retracted",)
    assert snapshot_flags(_replay(first, make_result(counted, p, winners=("c",))), seats=3)[0] == ()
    assert snapshot_flags(_replay(first, make_result(counted, p, winners=("c", "d"))), seats=3)[0] == ("retracted",)


def test_winner_not_leading():
    behind = make_result({"a": 50, "b": 40}, {"a": 0, "b": 1}, status="called", outcome="winner", winners=("b",))
    ahead = make_result({"a": 50, "b": 40}, {"a": 1, "b": 0}, status="called", outcome="winner", winners=("a",))
    assert snapshot_flags(_replay(behind)) == (("winner_not_leading",),)
    assert snapshot_flags(_replay(ahead)) == ((),)
    third = make_result({"a": 45, "b": 30, "c": 25}, {"a": 1, "b": 0, "c": 1}, rule="top_two", status="runoff",
                        outcome="runoff", winners=("c",))
    assert snapshot_flags(_replay(third)) == (("winner_not_leading",),)


def test_winner_not_leading_for_measures():
    # yes has 60% counted; the measure needs 2/3, so it is failing on the count
    passing = make_result({"yes": 60, "no": 40}, {"yes": 1, "no": 0}, rule="measure", status="called",
                          outcome="passes", winners=("yes",), hurdle=Hurdle("yes", 0.8))
    scenario = make_scenario({"yes": 60, "no": 40}, rule="measure", threshold=2 / 3)
    assert snapshot_flags(_replay(passing)) == (("winner_not_leading",),)
    assert flag_replay(_replay(passing), scenario).snapshots[0].extra["flags"] == ("winner_not_leading",)
    half = make_scenario({"yes": 60, "no": 40}, rule="measure")
    assert flag_replay(_replay(passing), half).snapshots[0].extra["flags"] == ()


# -- real data ---------------------------------------------------------------------------------

def test_real_extract_makes_no_wrong_call_at_0995():
    history = load_history(EXTRACT, "general", remaining="hindsight")
    assert len(history.scenarios) == 6 and history.skipped == ()
    report = bt.backtest(history.scenarios, draws=20_000, seed=0, call_confidence=0.995, naive=False)
    assert report.wrong_calls == () and report.wrong_seats == () and report.wrong_near_calls == ()
    assert (report.contests, report.snapshots) == (6, 78)
    # per snapshot: measure G 1, CA-27 2, DA 2, Culver City 7 (three seats), two measures 1 each
    # ... less the 3 snapshots of measures repeating the count before them (scored once)
    assert report.repeated_snapshots == 3
    assert report.predictions == 13 * (1 + 2 + 2 + 7 + 1 + 1) - 3
    assert 0.0 <= report.brier <= report.log_loss and 0.5 < report.coverage90 <= 1.0
    assert report.called_by_release[-1] >= report.called_by_release[0]
    assert report.calls > 0


def test_report_does_not_depend_on_workers():
    scenarios = load_history(EXTRACT, "general").scenarios[1:3]
    one = bt.backtest(scenarios, draws=2_000, seed=3, call_confidence=0.99, workers=1, naive=False).to_dict()
    two = bt.backtest(scenarios, draws=2_000, seed=3, call_confidence=0.99, workers=2, naive=False).to_dict()
    one.pop("seconds"), two.pop("seconds")
    assert one == two


def test_model_overrides_are_checked():
    with pytest.raises(simulate.RacecallError, match="model override uncertanity is not a model setting"):
        bt.check_overrides({"uncertanity": 0.05})
    with pytest.raises(simulate.RacecallError, match="model override tail_df must be 0"):
        bt.check_overrides({"tail_df": 1})
    assert bt.check_overrides({"uncertainty": 0, "early_count": 0.2}) == {"uncertainty": 0.0, "early_count": 0.2}


def _two_contest_directory(path) -> Path:
    from simulate.feeds.la_county import ImportReport, scenarios_from_timeframes, write_scenarios

    report = scenarios_from_timeframes(EXTRACT, "general")
    write_scenarios(ImportReport(report.scenarios[1:3]), path)
    return path


def test_cli_json(capsys, tmp_path):
    history = _two_contest_directory(tmp_path)
    assert racecall(["backtest", str(history), "--json", "--draws", "2000", "--workers", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"contests", "predictions", "calls", "wrong_calls", "brier", "brier_naive", "log_loss", "ece",
            "coverage90", "called_by_release"} <= set(out)
    assert out["contests"] == 2 and len(out["called_by_release"]) == 13 and out["wrong_calls"] == []


def test_cli_text_and_plots(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    history = _two_contest_directory(tmp_path / "history")
    assert racecall(["backtest", str(history), "--draws", "1000", "--plot", str(tmp_path / "plots")]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("Backtest of 2 contests, 26 snapshots") and "Wrong calls: none." in out.out
    assert (tmp_path / "plots" / "reliability.svg").exists() and (tmp_path / "plots" / "called_by_release.png").exists()


def test_cli_errors(capsys, tmp_path):
    assert racecall(["backtest", str(EXTRACT)]) == 2
    assert "--kind primary or --kind general is required" in capsys.readouterr().err
    assert racecall(["backtest", str(tmp_path)]) == 2
    assert "no scenario files" in capsys.readouterr().err
    (tmp_path / "race.yaml").write_text("race: {name: R, rule: plurality}\ncandidates: [{id: a}]\n"
                                        "count: {counted: {a: 1}, remaining: 0}\n", encoding="utf-8")
    assert racecall(["backtest", str(tmp_path)]) == 2
    assert "race.yaml: final: is required for a backtest" in capsys.readouterr().err


def test_directory_history(tmp_path):
    history = load_history(_two_contest_directory(tmp_path))
    assert [s.race.name.split(" (")[0] for s in history.scenarios] == ["DISTRICT ATTORNEY", "UNITED STATES REPRESENTATIVE, 27th District"]
    assert all(s.final is not None and len(s.snapshots) == 13 for s in history.scenarios)


# -- plots -----------------------------------------------------------------------------------

def test_plots_write_files(tmp_path):
    pytest.importorskip("matplotlib")
    from simulate.report import plots

    scenario = make_scenario({"a": 60, "b": 30, "c": 10})
    counted = {"a": 50, "b": 40, "c": 10}
    results = (make_result(counted, {"a": 0.7, "b": 0.3, "c": 0.0}, as_of="2024-11-05T20:00:00-08:00"),
               make_result(counted, {"a": 1.0, "b": 0.0, "c": 0.0}, status="called", outcome="winner",
                           winners=("a",), as_of="2024-11-06T17:00:00-08:00"))
    report = bt.score((scenario,), [(results,)], {"draws": 1, "seed": 0, "call_confidence": 0.995,
                                                  "uncertainty": 0.05, "tail_df": 0.0})
    written = plots.reliability_diagram(report, tmp_path / "out") + plots.called_by_release(report, tmp_path / "out")
    assert sorted(p.name for p in written) == ["called_by_release.png", "called_by_release.svg",
                                               "reliability.png", "reliability.svg"]
    path = plots.replay_plot(flag_replay(_replay(*results)), tmp_path / "replay.svg")
    assert all(p.stat().st_size > 1000 for p in [*written, path])


def test_standing_calls_withdrawn_and_retracted_are_listed_by_contest_and_release():
    scenario = make_scenario({"a": 40, "b": 60}, snapshots=4)  # b wins
    counted = {"a": 60, "b": 40}
    a_wins = make_result(counted, {"a": 0.999, "b": 0.001}, status="called", outcome="winner", winners=("a",), as_of="r1")
    dip = make_result(counted, {"a": 0.99, "b": 0.01}, as_of="r2")
    gone = make_result(counted, {"a": 0.6, "b": 0.4}, as_of="r3")
    settings = {"draws": 1, "seed": 0, "call_confidence": 0.995, "uncertainty": 0.05, "tail_df": 0.0}
    report = bt.score((scenario,), [((a_wins, dip, gone, a_wins),)], settings)
    assert [(e.kind, e.snapshot, e.made, e.call) for e in report.withdrawn] == [("withdrawn", 1, 0, "A elected")]
    assert report.withdrawn[0].confidence == pytest.approx(0.99)  # the call stood through the dip
    assert report.withdrawn[0].cause == "below_level" and report.withdrawn_by_cause()["below_level"] == 1
    assert [(e.kind, e.snapshot, e.made, e.as_of) for e in report.retracted] == [("retracted", 2, 0, "r3")]
    assert report.retracted[0].confidence == pytest.approx(0.6)
    assert [w.snapshot for w in report.wrong_standing] == [0, 1, 3]
    assert report.standing_called_by_release == (1.0, 1.0, 0.0, 1.0)
    data = report.to_dict()
    assert data["retracted"][0] == {"kind": "retracted", "contest": "Hand-made", "snapshot": 2, "as_of": "r3",
                                    "call": "A elected", "made": 0, "confidence": 0.6}
    text = report.text()
    assert "Hand-made, release 3 (r3): A elected, made at release 1, now 60.00%" in text
    assert "withdrawn 1 (below level 1), retracted 1, wrong 3" in text
    assert "now 99.00% (below level)" in text
    assert data["withdrawn_by_cause"] == {"held": 0, "late_swing": 0, "monte_carlo": 0, "below_level": 1}
    # A lower retraction level keeps the call through the 0.6 release.
    lenient = bt.score((scenario,), [((a_wins, dip, gone, a_wins),)], settings, retract_level=0.5)
    assert lenient.retracted == () and lenient.standing_called_by_release == (1.0, 1.0, 1.0, 1.0)


def test_a_withdrawal_says_whether_a_hold_the_monte_carlo_bound_or_the_probability_stopped_the_call():
    counted = {"a": 60, "b": 40}
    called = make_result(counted, {"a": 0.999, "b": 0.001}, status="called", outcome="winner", winners=("a",))
    bound = make_result(counted, {"a": 0.997, "b": 0.003})  # too_close at 0.997: only the bound withheld it
    held = make_result(counted, {"a": 0.999, "b": 0.001}, status="too_early")
    swing = dataclasses.replace(make_result(counted, {"a": 0.999, "b": 0.001}), extra={"late_swing_check": True})
    settings = {"draws": 1, "seed": 0, "call_confidence": 0.995, "uncertainty": 0.05, "tail_df": 0.0}
    report = bt.score((make_scenario({"a": 60, "b": 40}, snapshots=6),), [((called, bound, called, held, called, swing),)],
                      settings)
    assert [(e.snapshot, e.cause) for e in report.withdrawn] == [(1, "monte_carlo"), (3, "held"), (5, "late_swing")]
    assert report.withdrawn_by_cause() == {"held": 1, "late_swing": 1, "monte_carlo": 1, "below_level": 0}


def test_called_by_day_is_the_standing_share_at_the_end_of_the_night_and_of_each_day():
    from simulate.history.scoring import called_by_day

    timelines = [
        ("2020-11-03", [("2020-11-03T21:00:00-06:00", False), ("2020-11-04T05:59:00-06:00", True)]),  # by the night
        ("2020-11-03", [("2020-11-04T06:01:00-06:00", True)]),  # just after: day 1
        ("2020-11-03", [("2020-11-03T22:00:00-06:00", True), ("2020-11-05T10:00:00-06:00", False)]),  # retracted on day 2
        ("2020-11-03", [("2020-11-06T23:00:00-06:00", False)]),  # never called; its last release is on day 3
    ]
    assert called_by_day(timelines) == (("night", 0.5), ("day 1", 0.75), ("day 2", 0.5), ("day 3", 0.5))
    assert called_by_day([("2020-11-03", [(None, True)])]) == ()
    assert called_by_day([]) == ()
