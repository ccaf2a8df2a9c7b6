"""What changed in a contest from one release to the next: the lines ``racecall watch`` prints.

Kinds
-----
``called``, ``retracted``, ``changed``
    The standing call's events (:func:`simulate.history.standing.advance`):
    a new call, a call withdrawn, a call refined.
``leader``
    Another candidate is now ahead in counted votes (``leader`` of the result;
    for a measure: yes and no swapped).
``too_close``
    The race has become too close: the chance of its most likely outcome is under
    :data:`CLOSE` and no call stands, where at the previous release it was at or
    above it (or too little was counted to say).
"""

from __future__ import annotations

from dataclasses import asdict

from ..history.standing import StandingCall, advance

#: A race whose most likely outcome has less than this chance is "too close".
CLOSE = 0.8


def standing_from(data: dict | None) -> StandingCall | None:
    if not data:
        return None
    return StandingCall(**{**data, "winners": tuple(data["winners"])})


def standing_to(call: StandingCall | None) -> dict | None:
    return None if call is None else {**asdict(call), "winners": list(call.winners)}


def seats_of(result) -> int:
    """Seats in a plurality race: every draw elects exactly that many, so the chances add up to it."""
    return max(1, round(sum(c.p_win for c in result.candidates)))


def names_of(result) -> dict[str, str]:
    return {c.id: c.name for c in result.candidates}


def _in_seats(candidates, seats) -> set[str]:
    """The ids inside the first ``seats`` places by counted votes (ties by id)."""
    ranked = sorted(candidates, key=lambda c: (-c["counted"], c["id"]))
    return {c["id"] for c in ranked[: seats or 1]}


def describe(call: StandingCall, names: dict[str, str]) -> str:
    """A standing call in words: "Jane Doe wins", "runoff: A vs B", "the measure passes"."""
    who = [names.get(w, w) for w in call.winners]
    if call.outcome in ("passes", "fails"):
        return f"the measure {call.outcome}"
    if call.status == "runoff" or call.outcome == "runoff":
        if call.status == "called":
            return f"runoff: {who[0]} vs {who[1]}"
        return "a runoff" + (f" with {', '.join(who)} in it" if who else "")
    return f"{', '.join(who)} {'wins' if len(who) == 1 else 'win'}"


def step(slug: str, previous: dict | None, standing: StandingCall | None, result, release: int, *,
         retract_level: float) -> tuple[StandingCall | None, list[tuple[str, str, str, dict]]]:
    """The call standing after ``result`` and the events, as ``(slug, kind, text, data)``.

    ``previous`` is the contest's last result as a JSON object (``None`` at its
    first release); ``standing`` the call standing before.
    """
    seats = seats_of(result) if result.rule == "plurality" else None
    new, event = advance(standing, result, release, retract_level=retract_level, seats=seats)
    names = names_of(result)
    race = result.race
    events = []
    share = f"{100 * result.counted_fraction:.0f}% counted"
    if event == "called":
        events.append((slug, "called", f"{race}: {result.call.sentence} ({share})", {"call": standing_to(new)}))
    elif event == "retracted":
        text = f"{race}: call retracted ({describe(standing, names)}); now: {result.call.sentence} ({share})"
        events.append((slug, "retracted", text, {"was": standing_to(standing), "call": standing_to(new)}))
    elif event == "changed":
        text = f"{race}: call changed from {describe(standing, names)} to {describe(new, names)} ({share})"
        events.append((slug, "changed", text, {"was": standing_to(standing), "call": standing_to(new)}))
    seats_now, seats_before = _in_seats(result.to_dict()["candidates"], seats), _in_seats(previous["candidates"], seats) if previous else None
    if seats and seats > 1 and previous is not None and seats_now != seats_before:
        gained = ", ".join(names[i] for i in sorted(seats_now - seats_before))
        lost = ", ".join(names.get(i, i) for i in sorted(seats_before - seats_now))
        text = f"{race}: {gained} now inside the {seats} seats in the count, {lost} outside ({share})"
        events.append((slug, "leader", text, {"in": sorted(seats_now), "out": sorted(seats_before - seats_now)}))
    elif previous is not None and previous.get("leader") and result.leader and previous["leader"] != result.leader:
        old = names.get(previous["leader"], previous["leader"])
        text = f"{race}: {names[result.leader]} now leads the count, ahead of {old} ({share})"
        if result.rule == "measure":
            text = f"{race}: {'yes' if result.leader == 'yes' else 'no'} now leads the count ({share})"
        events.append((slug, "leader", text, {"leader": result.leader, "was": previous["leader"]}))
    close = new is None and result.call.status == "too_close" and result.call.confidence < CLOSE
    was_close = previous is not None and previous["call"]["status"] == "too_close" and previous["call"]["confidence"] < CLOSE
    if close and previous is not None and not was_close and event != "retracted":
        events.append((slug, "too_close", f"{race}: now too close to call. {result.call.sentence} ({share})",
                       {"confidence": result.call.confidence}))
    return new, events
