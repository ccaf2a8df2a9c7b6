"""Calls that stay made (simulate.history.standing): entry, standing, retraction, change."""

from __future__ import annotations

import pytest

from simulate.history import standing as st
from simulate.outcome.results import Call, CandidateResult, Hurdle, RaceResult, ShareInterval


def result(p_win, *, rule="plurality", status="too_close", outcome=None, winners=(), confidence=0.5,
           p_outright=None, p_advance=None, p_runoff=None, pairs=(), fraction=0.5, as_of=None) -> RaceResult:
    cands = tuple(
        CandidateResult(id=c, name=c.upper(), counted=100, share_counted=0.5, p_win=p, p_win_se=0.0,
                        p_outright=None if p_outright is None else p_outright[c],
                        p_advance=None if p_advance is None else p_advance[c], p_first=p,
                        share_final=ShareInterval(0.5, 0.4, 0.6))
        for c, p in p_win.items())
    return RaceResult(race="R", rule=rule, as_of=as_of, draws=10_000, seed=0, leader=next(iter(p_win)),
                      candidates=cands, p_leader_overtaken=0.0, hurdle=Hurdle(None, None), p_recount=0.0,
                      p_runoff=p_runoff, runoff_pairs=tuple(pairs), counted_fraction=fraction,
                      call=Call(status, outcome, tuple(winners), confidence, 0.995, ""))


def called_a(p=0.997, **kw):
    return result({"a": p, "b": 1 - p}, status="called", outcome="winner", winners=("a",), confidence=p, **kw)


def close(p):
    return result({"a": p, "b": 1 - p}, confidence=max(p, 1 - p))


def test_entry_and_nothing():
    assert st.advance(None, close(0.9), 0) == (None, None)
    call, event = st.advance(None, called_a(as_of="t0"), 3)
    assert event == "called"
    assert (call.status, call.outcome, call.winners, call.release, call.as_of, call.level) == \
        ("called", "winner", ("a",), 3, "t0", 0.995)


def test_call_stands_through_a_dip_above_the_retraction_level():
    call, _ = st.advance(None, called_a(), 0)
    kept, event = st.advance(call, close(0.981), 1)
    assert event is None and kept.winners == ("a",) and kept.release == 0
    assert kept.confidence == pytest.approx(0.981)


@pytest.mark.parametrize("p, retracted", [(0.98, False), (0.9799, True)])
def test_retraction_level_is_strict(p, retracted):
    call, _ = st.advance(None, called_a(), 0)
    kept, event = st.advance(call, close(p), 1)
    assert (event == "retracted") is retracted
    assert (kept is None) is retracted


def test_retraction_level_capped_by_the_call_level():
    low = result({"a": 0.96, "b": 0.04}, status="called", outcome="winner", winners=("a",), confidence=0.96)
    low = low.__class__(**{**low.__dict__, "call": Call("called", "winner", ("a",), 0.96, 0.95, "")})
    call, _ = st.advance(None, low, 0)
    assert st.advance(call, close(0.955), 1)[1] is None
    assert st.advance(call, close(0.949), 1)[1] == "retracted"


def test_contradiction_retracts_and_new_call_stands():
    call, _ = st.advance(None, called_a(), 0)
    b = result({"a": 0.001, "b": 0.999}, status="called", outcome="winner", winners=("b",), confidence=0.999)
    new, event = st.advance(call, b, 1)
    assert event == "retracted" and new.winners == ("b",) and new.release == 1


def test_refinement_is_a_change():
    p_adv = {"a": 1.0, "b": 0.7, "c": 0.3}
    p_out = {"a": 0.0, "b": 0.0, "c": 0.0}
    partial = result({"a": 0.0, "b": 0.0, "c": 0.0}, rule="top_two", status="runoff", outcome="runoff", winners=("a",),
                     confidence=1.0, p_outright=p_out, p_advance=p_adv, p_runoff=1.0, pairs=(("a", "b", 0.7), ("a", "c", 0.3)))
    call, event = st.advance(None, partial, 0)
    assert event == "called" and call.status == "runoff"
    p_adv2 = {"a": 1.0, "b": 0.998, "c": 0.002}
    pair = result({"a": 0.0, "b": 0.0, "c": 0.0}, rule="top_two", status="called", outcome="runoff", winners=("a", "b"),
                  confidence=0.998, p_outright=p_out, p_advance=p_adv2, p_runoff=1.0,
                  pairs=(("a", "b", 0.998), ("a", "c", 0.002)))
    new, event = st.advance(call, pair, 1)
    assert event == "changed" and new.status == "called" and set(new.winners) == {"a", "b"}
    # The pair then stands by the pair's own probability.
    weaker = result({"a": 0.0, "b": 0.0, "c": 0.0}, rule="top_two", p_outright=p_out, p_advance={"a": 1.0, "b": 0.97, "c": 0.03},
                    p_runoff=1.0, pairs=(("a", "b", 0.97), ("a", "c", 0.03)))
    assert st.advance(new, weaker, 2) == (None, "retracted")


def test_probability_of_each_kind():
    seats = result({"a": 0.99, "b": 0.995, "c": 0.015}, status="called", outcome="winner", winners=("a", "b"))
    call = st.StandingCall("called", "winner", ("a", "b"), 1.0, 0.995, None, 0)
    assert st.probability(call, seats) == pytest.approx(1 - 0.01 - 0.005)
    measure = result({"yes": 0.3, "no": 0.7}, rule="measure", p_outright={"yes": 0.3, "no": 0.7})
    fails = st.StandingCall("called", "fails", ("no",), 1.0, 0.995, None, 0)
    assert st.probability(fails, measure) == pytest.approx(0.7)
    outright = result({"a": 0.9, "b": 0.0}, rule="majority", p_outright={"a": 0.9, "b": 0.0}, p_advance={"a": 1.0, "b": 1.0})
    assert st.probability(st.StandingCall("called", "winner", ("a",), 1.0, 0.995, None, 0), outright) == pytest.approx(0.9)
    runoff = result({"a": 0.0, "b": 0.0, "c": 0.0}, rule="top_two", p_outright={"a": 0.1, "b": 0.0, "c": 0.0},
                    p_advance={"a": 1.0, "b": 0.6, "c": 0.3}, p_runoff=0.9)
    partial = st.StandingCall("runoff", "runoff", ("a",), 1.0, 0.995, None, 0)
    assert st.probability(partial, runoff) == pytest.approx(1 - 0.1 - 0.1)


def test_entry_function_raises_the_bar_early():
    early = lambda f: 0.999 if f < 0.3 else 0.0  # noqa: E731
    assert st.advance(None, called_a(0.997, fraction=0.2), 0, entry=early) == (None, None)
    assert st.advance(None, called_a(0.997, fraction=0.4), 0, entry=early)[1] == "called"


def test_follow_counts_events():
    seq = [close(0.9), called_a(), close(0.99), close(0.5), called_a()]
    events = [e for _, e in st.follow(seq)]
    assert events == [None, "called", None, "retracted", "called"]


# -- invariants on random release sequences (hypothesis) ---------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as hs  # noqa: E402


@hs.composite
def releases(draw):
    out = []
    for _ in range(draw(hs.integers(1, 12))):
        p = draw(hs.floats(0.0, 1.0))
        kind = draw(hs.sampled_from(["a", "b", "close", "early"]))
        if kind == "a" and p >= 0.995:
            out.append(called_a(p))
        elif kind == "b" and p >= 0.995:
            out.append(result({"a": 1 - p, "b": p}, status="called", outcome="winner", winners=("b",), confidence=p))
        else:
            r = close(p)
            out.append(r if kind != "early" else r.__class__(**{**r.__dict__, "call": Call("too_early", None, (), 0.5, 0.995, "")}))
    return out


@settings(max_examples=200, deadline=None)
@given(releases(), hs.sampled_from([0.9, 0.98, 0.99]))
def test_a_call_only_goes_by_a_retraction(seq, level):
    before = None
    for i, r in enumerate(seq):
        now, event = st.advance(before, r, i, retract_level=level)
        if before is None:
            assert event in (None, "called") and (now is None) == (event is None)
        elif now is None:
            assert event == "retracted"
            assert st.probability(before, r) < level or r.call.status == "called"
        elif event is None:
            assert (now.winners, now.release) == (before.winners, before.release)
            assert now.confidence == pytest.approx(st.probability(before, r)) and now.confidence >= level
        else:
            assert event in ("changed", "retracted") and now.release == i
        before = now
