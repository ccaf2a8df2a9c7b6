r"""What a backtest scores: the final outcome, the predictions, the metrics and wrong calls.

Pure functions of simulation results and the final count; :mod:`simulate.history.backtest`
runs the simulations.  The definitions below are fixed so that figures compare
across versions.
Truth
    From ``final.counted``: plurality, the ``seats`` highest; majority/top_two,
    the leader if above ``threshold`` (strictly) else a runoff between the top
    two; a measure passes when its yes share is strictly above ``threshold``.
    Exact ties at a deciding place are broken by candidate id (as
    :func:`simulate.outcome.summary.standing` does) and listed in the report.

Predictions
    One per candidate per contest per snapshot: the probability that the
    candidate is among the eventual winners -- ``p_win`` (plurality),
    ``p_advance`` (majority/top_two: elected outright or in the runoff); a
    measure gives one prediction, ``P(passes)`` = ``p_win`` of ``yes``.  The
    outcome is 1 if the candidate is among the winners (the runoff pair), else 0.
    A majority/top_two contest with exactly two candidates is not decided by
    the rules: both reach a runoff only if neither clears the threshold, so
    its prediction is ``p_outright`` (= ``p_win``) and the outcome 1 when the
    candidate wins outright.  Contests where the rules alone decide every
    prediction (plurality with as many seats as candidates; one candidate)
    score 0 whatever the model does: their predictions are left out and
    counted in ``fixed_predictions``.  A snapshot whose count and remaining vote repeat
    the snapshot before it (a contest seen again when a hold on its call ends,
    :mod:`simulate.scenario.corrections`) makes the same prediction again: it is scored
    once (:func:`repeats`; counted in ``repeated_snapshots``), though its call is checked.

Metrics (over the :math:`N` predictions :math:`p_i` with outcomes :math:`y_i`)
    ``brier`` :math:`= \frac1N\sum (p_i - y_i)^2`; ``brier_naive`` the same for
    the zero-uncertainty model (``uncertainty`` 0, no shift, no prior: the
    model's share spread is switched off, so the remaining ballots are a
    multinomial sample at the counted shares -- only ballot-level binomial
    noise and the spread of the remaining count stay);
    ``log_loss`` :math:`= -\frac1N\sum y_i\ln p_i + (1-y_i)\ln(1-p_i)` with
    :math:`p` clipped to :math:`[10^{-6}, 1-10^{-6}]`; ``ece``
    :math:`= \sum_b \frac{n_b}{N}\,|\bar p_b - \bar y_b|` over 10 equal-width
    bins (:math:`p = 1` in the last); ``coverage90`` the share of 90%
    intervals of the final share (``share_final.low/high``) containing the
    final share, one per (candidate, snapshot) over contests with at least
    three candidates and one per snapshot (the first candidate's) in a contest
    of two -- a measure or a two-way race, whose two intervals are
    complementary (:math:`s_b = 1 - s_a`) and would count one event twice;
    ``coverage90_by`` the same by segment (:func:`interval_segments`): candidates
    under 2% of the count, the others where more ballots came, the others where
    none did (an interval centred on the counted share holds the final share there
    almost whatever its width, so that segment says little about the model), and
    candidates whose final tally ended *below* the one counted (a later correction of
    the count: no draw of further ballots can hold it, so that segment is the share of
    misses owed to revisions rather than to the late ballots).

Calls
    ``calls`` counts (contest, snapshot) pairs with status ``called`` or
    ``runoff``.  A *wrong call* is one of those whose claim the truth
    contradicts (:func:`simulate.history.flags.compatible`): a ``called`` outcome
    or winners that differ from the final ones; a ``runoff`` status when there
    was no runoff or with a listed candidate not in it.  Seats a ``too_close``
    plurality call lists as decided are checked the same way and reported
    apart as ``wrong_seats``.  *Near calls* are (contest, snapshot) pairs not
    ``called`` whose most likely outcome has a simulated probability at or
    above the level: the calls a run with unlimited draws would make
    (:func:`point_claim`; with a million draws the bound costs only about
    0.0002).  The backtest's 20,000 draws withhold them, so a wrong near call
    (``wrong_near_calls``) is a wrong call that production runs would likely
    make.  ``called_by_release[i]``: the fraction of the
    contests with a snapshot ``i`` whose call there is ``called``.

Calls that stay made
    The backtest also follows each contest's standing call
    (:mod:`simulate.history.standing`): ``withdrawn`` lists each (contest, release)
    whose previous release's call is not made again (the standing call may still
    hold); ``retracted`` each standing call dropped (probability under the
    retraction level, or contradicted); ``wrong_standing`` each (contest, release)
    whose standing call the truth contradicts; ``standing_called_by_release[i]``
    the fraction of contests with a standing ``called`` call after release ``i``;
    ``standing_called_by_day`` the same share of all contests at the end of election night
    (06:00 local time the next morning) and of each later day
    (:func:`called_by_day`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..outcome.summary import standing
from ..scenario.records import Scenario
from .flags import Claim, claim, compatible

ECE_BINS = 10
CLIP = 1e-6


@dataclass(frozen=True)
class Truth:
    """The final outcome: ``winners`` are the elected, the runoff pair, or ``("yes",)``/``("no",)``."""

    outcome: str  # winner | runoff | passes | fails
    winners: tuple[str, ...]
    shares: tuple[float, ...]  # final shares, candidate order
    tie: tuple[str, ...] = ()  # candidates tied at a deciding place

    def claim(self) -> Claim:
        return Claim(self.outcome, frozenset(self.winners), True, len(self.winners))


def truth(scenario: Scenario) -> Truth:
    """The outcome of ``scenario.final`` under the race's rule."""
    race, ids, final = scenario.race, scenario.ids, scenario.final.counted
    total = sum(final)
    shares = tuple(v / total if total else 0.0 for v in final)
    if race.rule == "measure":
        yes = shares[ids.index("yes")]
        tie = ("yes", "no") if final[ids.index("yes")] == race.threshold * total else ()
        return Truth("passes" if yes > race.threshold else "fails", ("yes",) if yes > race.threshold else ("no",), shares, tie)
    order = standing(ids, final)
    if race.rule == "plurality":
        places, outcome = race.seats, "winner"
    elif shares[order[0]] > race.threshold or len(ids) == 1:
        places, outcome = 1, "winner"
    else:
        places, outcome = 2, "runoff"
    tie = ()
    if len(ids) > places and final[order[places - 1]] == final[order[places]]:
        tie = tuple(ids[j] for j in order if final[j] == final[order[places - 1]])
    return Truth(outcome, tuple(ids[j] for j in order[:places]), shares, tie)


def predicted_ids(scenario: Scenario) -> tuple[str, ...]:
    """The candidates predicted for (empty when the rules alone decide them all)."""
    race, ids = scenario.race, scenario.ids
    if race.rule == "measure":
        return ("yes",)
    if race.rule == "plurality" and race.seats >= len(ids):
        return ()
    if len(ids) < 2:
        return ()
    return ids


def prediction(result, cid: str) -> float:
    """P(``cid`` is among the eventual winners) from one snapshot's result
    (two-candidate majority/top_two: P(``cid`` wins outright))."""
    c = result.candidate(cid)
    if result.rule in ("majority", "top_two"):
        return c.p_outright if len(result.candidates) == 2 else c.p_advance
    return c.p_win


def outcome(t: Truth, cid: str, candidates: int, rule: str) -> float:
    """The outcome scored against :func:`prediction`: 1 if ``cid`` is among the
    winners (two-candidate majority/top_two: elected outright), else 0."""
    if rule in ("majority", "top_two") and candidates == 2:
        return 1.0 if t.outcome == "winner" and cid in t.winners else 0.0
    return 1.0 if cid in t.winners else 0.0


def repeats(counts, j: int) -> bool:
    """Whether count ``j`` repeats count ``j - 1`` (the same votes and remaining vote)."""
    return j > 0 and counts[j].counted == counts[j - 1].counted and counts[j].remaining == counts[j - 1].remaining


def interval_hits(result, t: Truth) -> list[bool]:
    """Whether each counted 90% final-share interval holds the final share (see ``coverage90``)."""
    cands = result.candidates
    if len(cands) < 2:
        return []
    hits = [c.share_final.low <= s <= c.share_final.high for c, s in zip(cands, t.shares)]
    return hits[:1] if len(cands) == 2 else hits


#: ``coverage90_by``'s segments, in the report's order.
SEGMENTS = ("small", "open", "complete", "revised")
#: Below this share of the count a candidate's interval is scored as ``small``.
SMALL_SHARE = 0.02


def interval_segments(result, counted, final) -> list[str]:
    """The segment of each interval :func:`interval_hits` scores: ``revised`` (the candidate's
    final tally is below this count's: the count was corrected later), else ``small`` (a
    candidate under :data:`SMALL_SHARE` of the count: write-ins, minor parties), else ``open``
    (more ballots came after this count) or ``complete`` (none did: the final count is this
    one, though the night may not have known it)."""
    k = len(result.candidates)
    if k < 2:
        return []
    total = sum(counted)
    rest = "complete" if tuple(counted) == tuple(final) else "open"
    kinds = ["revised" if f < c else "small" if total and c / total < SMALL_SHARE else rest
             for c, f in zip(counted, final)]
    return kinds[:1] if k == 2 else kinds


def coverage_by(hits, kinds) -> dict:
    """``{segment: (coverage, intervals)}`` over :data:`SEGMENTS` (coverage nan where none)."""
    out = {}
    for seg in SEGMENTS:
        h = [x for x, kind in zip(hits, kinds) if kind == seg]
        out[seg] = (float(np.mean(h)) if h else math.nan, len(h))
    return out


def brier(p, y) -> float:
    p, y = np.asarray(p, float), np.asarray(y, float)
    return float(np.mean((p - y) ** 2)) if p.size else math.nan


def log_loss(p, y) -> float:
    p, y = np.clip(np.asarray(p, float), CLIP, 1 - CLIP), np.asarray(y, float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))) if p.size else math.nan


def reliability(p, y, bins: int = ECE_BINS) -> tuple[tuple[int, float, float], ...]:
    """Per equal-width bin: (count, mean prediction, observed frequency); empty bins give nan."""
    p, y = np.asarray(p, float), np.asarray(y, float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        sel = idx == b
        n = int(sel.sum())
        out.append((n, float(p[sel].mean()) if n else math.nan, float(y[sel].mean()) if n else math.nan))
    return tuple(out)


def ece(p, y, bins: int = ECE_BINS) -> float:
    n = len(p)
    if not n:
        return math.nan
    return float(sum(k / n * abs(mp - my) for k, mp, my in reliability(p, y, bins) if k))


def is_wrong(result, t: Truth) -> bool:
    """Whether the call of ``result`` (status called or runoff) is contradicted by the truth."""
    mine = claim(result)
    return result.call.status in ("called", "runoff") and mine is not None and not compatible(mine, t.claim())


def wrong_seats(result, t: Truth) -> bool:
    """A too_close plurality call listing a decided seat that the final count does not give."""
    return result.call.status == "too_close" and result.rule == "plurality" and not set(result.call.winners) <= set(t.winners)


def point_claim(result, level: float, seats: int = 1) -> tuple[Claim, float] | None:
    """The whole outcome a run with unlimited draws would call at ``level``
    (:func:`simulate.outcome.calls.make_call` with no Monte Carlo bound) and its
    probability, or ``None``.

    ``seats``: the plurality race's seats.  A runoff certain with its pair open
    (status ``runoff``) is not emulated, nor a call the late-swing check withholds (more
    draws would not make it: :mod:`simulate.model.late_swing`).
    """
    if result.call.status == "too_early" or result.extra.get("late_swing_check"):
        return None
    cands = result.candidates
    if result.rule == "measure":
        p = result.candidate("yes").p_win
        if max(p, 1.0 - p) < level:
            return None
        return (Claim("passes", frozenset({"yes"}), True, 1), p) if p >= level else (Claim("fails", frozenset({"no"}), True, 1), 1.0 - p)
    if result.rule == "plurality":
        top = sorted(cands, key=lambda c: (-c.p_win, c.id))[:seats]
        sure = 1.0 - sum(1.0 - c.p_win for c in top)
        return (Claim("winner", frozenset(c.id for c in top), True, seats), sure) if sure >= level else None
    best = min(cands, key=lambda c: (-c.p_outright, c.id))
    if best.p_outright >= level:
        return Claim("winner", frozenset({best.id}), True, 1), best.p_outright
    pairs = sorted(result.runoff_pairs, key=lambda t: (-t[2], t[0], t[1]))
    if pairs and pairs[0][2] >= level:
        return Claim("runoff", frozenset(pairs[0][:2]), True, 2), pairs[0][2]
    return None


#: Election night ends at this hour (local time) of the day after the election.
NIGHT_ENDS = 6
MAX_DAYS = 31


def called_by_day(timelines) -> tuple[tuple[str, float], ...]:
    """``(label, share)``: the share of contests whose standing call is ``called`` at the end of
    election night (06:00 local time the morning after, :data:`NIGHT_ENDS`) and at the end of each
    later day (``"day 1"``: the day after the election), up to the day of the last release
    (at most :data:`MAX_DAYS`). ``timelines``: per contest ``(election date, [(as_of, called)])``;
    a contest counts as not called before its first release. Empty without dates or times."""
    from datetime import date, datetime, timedelta

    parsed = []
    try:
        for day, timeline in timelines:
            events = [(datetime.fromisoformat(a).replace(tzinfo=None), c) for a, c in timeline]
            parsed.append((date.fromisoformat(day), events))
    except (TypeError, ValueError):
        return ()
    if not parsed or not any(events for _, events in parsed):
        return ()
    last = max(t for _, events in parsed for t, _ in events)
    out = []
    for k in range(MAX_DAYS + 1):
        def end(day, k=k):
            start = datetime.combine(day + timedelta(days=1), datetime.min.time())
            return start + timedelta(hours=NIGHT_ENDS) if k == 0 else start + timedelta(days=k)
        shares = []
        for day, events in parsed:
            bound = end(day)
            state = [c for t, c in events if t <= bound]
            shares.append(bool(state and state[-1]))
        out.append(("night" if k == 0 else f"day {k}", float(np.mean(shares))))
        if all(end(day) >= last for day, _ in parsed):
            break
    return tuple(out)
