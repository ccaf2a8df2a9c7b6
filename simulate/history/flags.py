"""Flags on a replay: calls that a later snapshot contradicts, and calls against the count.

Every snapshot of a :class:`~simulate.history.replay.Replay` gets ``extra["flags"]``, a
tuple of strings (empty when nothing is wrong), from these definitions.

What a snapshot's call *claims* about the final outcome:

* ``called`` with outcome ``winner``: exactly ``winners`` are elected (one
  outright winner for majority/top_two, the ``seats`` winners for plurality);
* ``called`` with outcome ``runoff``: a runoff between exactly the two ``winners``;
* ``called`` with outcome ``passes`` / ``fails``: the measure passes / fails;
* status ``runoff``: there is a runoff and ``winners`` (the candidates sure of
  a place, possibly none) are in it;
* status ``too_close`` of a plurality race with ``winners``: those seats are
  decided (the others are not);
* anything else claims nothing.

Two claims are *compatible* when some final outcome satisfies both: the same
kind of outcome (``winner``, ``runoff``, ``passes``, ``fails``), and, when both
name exact sets, the same set; when one is exact, the other's set inside it;
when neither is, their union no larger than the number of places (the runoff's
two, or the seats when known).

Flags
-----
``retracted``
    This snapshot claims something and a *later* snapshot makes a claim
    incompatible with it (e.g. "A wins" then "B wins", or "runoff, A in it"
    then "A wins outright", or "A vs B" then "A vs C").
``withdrawn``
    This snapshot is ``called`` or ``runoff`` and a later snapshot is
    ``too_close`` or ``too_early`` (the call was not kept, though nothing
    contradicted it).
``call_retracted``
    The call standing before this snapshot (:mod:`simulate.history.standing`: a
    call stays made until its probability falls below the retraction level) is
    retracted here.  Every snapshot's ``extra["standing"]`` is the call that
    stands after it (``None``, or its status, outcome, winners, confidence, level,
    as_of and the release that made it) and ``extra["call_event"]`` what happened
    (``None``, ``"called"``, ``"retracted"``, ``"changed"``).
``winner_not_leading``
    A called candidate is not leading in the votes counted so far: a called
    winner outside the top ``seats`` in counted votes, a candidate called into
    a runoff outside the counted top two, or a measure called to pass while
    its counted yes share is at or below the threshold (or to fail while above
    it).  Candidates tied on counted votes with the last place count as leading.
"""

from __future__ import annotations

from dataclasses import replace

from ..outcome.results import RaceResult
from .replay import Replay
from .standing import RETRACT_LEVEL, RETRACTED, Claim, claim_of, compatible, follow  # noqa: F401 (Claim: re-exported)

WITHDRAWN = "withdrawn"
WINNER_NOT_LEADING = "winner_not_leading"
CALL_RETRACTED = "call_retracted"


def claim(result: RaceResult, seats: int | None = None) -> Claim | None:
    """The claim made by ``result.call``, or ``None`` when it claims nothing."""
    call = result.call
    return claim_of(call.status, call.outcome, call.winners, result.rule, seats)


def snapshot_flags(replay: Replay, threshold: float | None = None, seats: int | None = None) -> tuple[tuple[str, ...], ...]:
    """The flags of every snapshot of ``replay``, in order.

    ``threshold`` (measures) and ``seats`` (plurality) come from the scenario;
    without them the threshold is read from the hurdle and the seats from any
    snapshot that called the race.
    """
    snaps = replay.snapshots
    if seats is None:
        seats = next((len(s.call.winners) for s in snaps if s.rule == "plurality" and s.call.status == "called"), None)
    claims = [claim(s, seats) for s in snaps]
    out = []
    for i, snap in enumerate(snaps):
        flags = []
        mine = claims[i]
        if mine is not None and any(c is not None and not compatible(mine, c) for c in claims[i + 1:]):
            flags.append(RETRACTED)
        if snap.call.status in ("called", "runoff") and any(s.call.status in ("too_close", "too_early") for s in snaps[i + 1:]):
            flags.append(WITHDRAWN)
        if _against_count(snap, threshold):
            flags.append(WINNER_NOT_LEADING)
        out.append(tuple(flags))
    return tuple(out)


def flag_replay(replay: Replay, scenario=None, retract_level: float = RETRACT_LEVEL) -> Replay:
    """``replay`` with ``extra["flags"]``, ``extra["standing"]`` and ``extra["call_event"]``
    set on every snapshot (other extras kept).

    Parameters
    ----------
    replay : Replay
        From :func:`simulate.replay`.
    scenario : Scenario, optional
        The replayed scenario, for the measure threshold and the plurality seats;
        without it they are inferred from the results.
    """
    threshold = seats = None
    if scenario is not None:
        threshold, seats = scenario.race.threshold, scenario.race.seats
    flags = snapshot_flags(replay, threshold, seats)
    path = follow(replay.snapshots, retract_level=retract_level, seats=seats)
    snaps = tuple(
        replace(s, extra={**s.extra, "flags": f + ((CALL_RETRACTED,) if event == RETRACTED else ()),
                          "standing": None if call is None else _standing_json(call), "call_event": event})
        for s, f, (call, event) in zip(replay.snapshots, flags, path))
    return replace(replay, snapshots=snaps)


def _standing_json(call) -> dict:
    return {"status": call.status, "outcome": call.outcome, "winners": list(call.winners),
            "confidence": round(call.confidence, 7), "level": call.level, "as_of": call.as_of, "release": call.release}


def _leading(result: RaceResult, places: int) -> set[str]:
    """Candidates within the top ``places`` by counted votes (ties with the last place included)."""
    counts = sorted((c.counted for c in result.candidates), reverse=True)
    if not counts:
        return set()
    cut = counts[min(places, len(counts)) - 1]
    return {c.id for c in result.candidates if c.counted >= cut}


def _against_count(result: RaceResult, threshold: float | None) -> bool:
    call = result.call
    if call.status not in ("called", "runoff") or sum(c.counted for c in result.candidates) == 0:
        return False
    if call.outcome in ("passes", "fails"):
        passing = _measure_passing(result, threshold)
        return passing is not None and passing != (call.outcome == "passes")
    places = len(call.winners) if call.outcome == "winner" else 2
    return not set(call.winners) <= _leading(result, places)


def _measure_passing(result: RaceResult, threshold: float | None) -> bool | None:
    """Whether the measure passes on the counted votes (``None`` when that cannot be told)."""
    if threshold is not None:
        yes = result.candidate("yes").counted
        return yes / sum(c.counted for c in result.candidates) > threshold
    # The measure's hurdle names the side that needs to flip the count's result.
    if result.hurdle.candidate is None:
        return None
    return result.hurdle.candidate == "no"
