"""Turn a :class:`~simulate.engine.driver.Tally` into a :class:`~simulate.outcome.results.RaceResult`."""

from __future__ import annotations

import math

import numpy as np

from ..engine.driver import Tally
from ..model.late_swing import swing_hold
from ..model.lump import threshold_fraction
from ..scenario.centre import counted_fraction
from ..scenario.corrections import held
from ..scenario.records import Count, Scenario
from .calls import Z_CALL, make_call, withhold
from .results import CandidateResult, Hurdle, RaceResult, ShareInterval


def standing(ids: tuple[str, ...], counted: tuple[int, ...]) -> list[int]:
    """Candidate indices by counted votes, most first; ties by id so that input order never matters."""
    return sorted(range(len(ids)), key=lambda j: (-counted[j], ids[j]))


def hurdle(scenario: Scenario, count: Count) -> Hurdle:
    """What the trailing side needs from the remaining votes (at the remaining estimate).

    The runner-up (for ``seats`` N: the first candidate outside the N seats) must
    take a share ``s`` of the remaining votes with ``c_r + sR > c_l + (1 - o - s)R``,
    the other candidates keeping their counted share ``o`` of it; a value above
    1 means only a larger remaining count could do it.  For majority/top_two with
    the leader above the threshold, ``leader_needs_share_of_remaining`` is the
    share that keeps the leader above it; for a measure, the losing side's share
    needed to flip the result.
    """
    race, ids, counted = scenario.race, scenario.ids, count.counted
    total, remaining = float(sum(counted)), float(count.remaining.estimate)
    if remaining <= 0 or total <= 0:
        return Hurdle(None, None)
    if race.rule == "measure":
        yes = counted[ids.index("yes")]
        needed = (race.threshold * (total + remaining) - yes) / remaining
        if _above(yes, total, race):
            return Hurdle("no", 1.0 - needed)
        return Hurdle("yes", needed)
    order = standing(ids, counted)
    if len(order) < 2:
        return Hurdle(None, None)
    pos = race.seats if race.rule == "plurality" else 1
    if pos >= len(order):
        return Hurdle(None, None)
    lead, chaser = order[pos - 1], order[pos]
    others = (total - counted[lead] - counted[chaser]) / total
    needs = (counted[lead] - counted[chaser] + (1.0 - others) * remaining) / (2.0 * remaining)
    leader_needs = None
    if race.rule != "plurality" and _above(counted[lead], total, race):
        leader_needs = (race.threshold * (total + remaining) - counted[lead]) / remaining
    return Hurdle(ids[chaser], needs, leader_needs)


def _above(votes: int, total: float, race) -> bool:
    """``votes / total`` strictly above the threshold, decided exactly in integers with the
    kernel's fraction (:func:`simulate.model.lump.threshold_fraction`), as the calls are."""
    num, den = threshold_fraction(race.threshold)
    return int(votes) * den > num * int(total)


def remaining_json(count: Count) -> dict:
    """The remaining ballots as the model used them: the 90% interval (``low = high = estimate``
    when exact); with units, the sums of the units' estimates and bounds."""
    r = count.remaining
    low = r.estimate if r.exact else r.low
    high = r.estimate if r.exact else r.high
    return {"estimate": int(r.estimate), "low": int(low), "high": int(high), "exact": bool(r.exact)}


def summarise(scenario: Scenario, count: Count, tally: Tally, seed: int, z: float = Z_CALL) -> RaceResult:
    """The result of ``tally``; ``z``: the Wilson bound's quantile for the call (:func:`simulate.outcome.calls.look_z`)."""
    race, ids = scenario.race, scenario.ids
    names = tuple(c.name for c in scenario.candidates)
    n = tally.draws
    counted = count.counted
    total = sum(counted)
    fraction = counted_fraction(count)
    runoff_rule = race.rule in ("majority", "top_two")
    candidates = []
    for j, cand in enumerate(scenario.candidates):
        p_win = tally.wins[j] / n
        candidates.append(CandidateResult(
            id=cand.id, name=cand.name, counted=counted[j],
            share_counted=counted[j] / total if total else 0.0,
            p_win=float(p_win), p_win_se=math.sqrt(p_win * (1 - p_win) / n),
            p_outright=float(tally.outright[j] / n) if race.rule != "plurality" else None,
            p_advance=float(tally.advance[j] / n) if runoff_rule else None,
            p_first=float(tally.first[j] / n),
            share_final=ShareInterval(float(tally.share_sum[j] / n), *tally.share_interval(j, 0.90)),
        ))
    ranked = standing(ids, counted)
    leader = ranked[0] if total else None
    margin = {}
    if len(ids) > 1:
        low, high = tally.margin_interval(0.90)
        margin = {"margin_final": {"candidates": [ids[ranked[0]], ids[ranked[1]]], "mean": round(tally.margin_mean(), 7),
                                   "low": round(low, 7), "high": round(high, 7)}}
    pairs = []
    if runoff_rule:
        for a, b in zip(*np.nonzero(tally.pairs)):
            pairs.append((ids[a], ids[b], float(tally.pairs[a, b] / n)))
        pairs.sort(key=lambda t: -t[2])
    too_early = total == 0 or fraction < scenario.simulation.min_counted_fraction
    too_early = too_early or held(scenario, count) or False
    settled = count.remaining.exact and count.remaining.estimate == 0
    call = make_call(race.rule, race.seats, ids, names, tally, scenario.simulation.call_confidence, too_early, settled, z)
    withheld = swing_hold(scenario, count, call.outcome, call.winners) if call.status in ("called", "runoff") else None
    if withheld:
        call = withhold(call, withheld)
    return RaceResult(
        race=race.name, rule=race.rule, as_of=count.as_of, draws=n, seed=seed,
        leader=ids[leader] if leader is not None else None,
        candidates=tuple(candidates),
        p_leader_overtaken=float(1.0 - tally.first[leader] / n) if leader is not None else 0.0,
        hurdle=hurdle(scenario, count),
        p_recount=tally.recounts / n,
        p_runoff=tally.runoffs / n if runoff_rule else None,
        runoff_pairs=tuple(pairs),
        counted_fraction=fraction,
        call=call,
        remaining=remaining_json(count),
        extra={**margin, **({"count_corrected": count.corrected} if count.corrected else {}),
               **({"held": True} if isinstance(too_early, str) else {}),
               **({"late_swing_check": True} if withheld else {})},
    )
