"""Counts corrected downward, and the hold on calls that follows.

A count is *corrected* at a release when some candidates' votes there are fewer
than at the release before, by at least 1% of the count (:data:`MATERIAL`): a precinct entered twice and taken out again, two
candidates' figures entered the wrong way round and put back, a batch withdrawn.
Votes are never taken away by counting more ballots, so the office has found an
error in what it published -- and the error found says little about the errors
not yet found. Minnesota's 2022 feed shows it: Wood Lake Township's supervisor
count lost a vote or two per candidate at 23:10 on election night (116 votes to
110), stood unchanged overnight with one candidate at 84 of 110, and at 11:10
the next morning was corrected again, two candidates' figures swapped: the
candidate at 10 had won.

So a corrected count is not called at once (:func:`hold`): the release is
``too_early`` until the count has stood ``simulation.correction_hold_hours``
(default 24) since its last correction, time for the office to check what it
published. A call made before the correction is not dropped by the hold (it
stands while its probability holds, :mod:`simulate.history.standing`); a count
with nothing left to count (``remaining`` exactly 0) is the office's final word
and is not held.

``Count.corrected`` is the ``as_of`` of the release of the last correction.
The loader derives it along a scenario's ``snapshots`` (:func:`derive`); a
single count carries it as ``count.corrected`` (a live feed's reader sets it
from the releases it has seen).

Fresh votes
    Most corrections come soon: in Minnesota 2022, 88% of the material ones came
    within an hour of the count they corrected (most within 10 or 20 minutes;
    Wood Lake's, 10 minutes after its first count). So votes published less than
    ``simulation.fresh_hold_hours`` (default 1) ago do not decide a call alone:
    while the votes added in that hour (``Count.fresh_votes``: the count's votes
    less those of the last release at least that old, summed over candidates) are
    more than half the count (:data:`FRESH_SHARE`) and at least the *decisive gap*
    (:func:`decisive_gap`: the votes between the last candidate in and the first
    one out, or between a share and its threshold), the release is ``too_early``.
    The call would rest mostly on votes nobody has had time to check, and an error
    of entry in them could move as many votes as decide it; errors in votes that
    have stood an hour have mostly been caught. A contest's first count is all
    fresh: a township that reports in one batch is called an hour later. The
    loader derives ``fresh_votes`` along ``snapshots`` with times; without times (or
    for a single count without the key) the rule does not apply.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime

from .records import Count

#: A correction is *material* when the votes it takes away are at least this share of the
#: count before it: a county fixing 165 presidential votes out of 3.2 million is not a sign
#: that the statewide count is unreliable; a township losing 6 of its 116 votes is.
MATERIAL = 0.01


#: Fresh votes hold a call only when they are more than this share of the count: the call
#: would rest mostly on votes nobody has had time to check.
FRESH_SHARE = 0.5


def material(before, after) -> bool:
    """Whether going from votes ``before`` to ``after`` (per candidate, same order) takes away
    at least :data:`MATERIAL` of the count before it."""
    taken = sum(a - b for a, b in zip(before, after) if b < a)
    return taken > 0 and taken >= MATERIAL * sum(before)


def fell(before: Count, after: Count) -> bool:
    """Whether ``after`` is a material correction of ``before`` (:func:`material`)."""
    return material(before.counted, after.counted)


def derive(counts) -> tuple[Count, ...]:
    """``counts`` (in release order) with ``corrected`` set: the count's own when it
    gives one, else the ``as_of`` of the last release corrected (:func:`fell`; a release
    without ``as_of`` is named by its place, ``release N``), else ``None``."""
    out, last = [], None
    for i, c in enumerate(counts):
        if out and fell(out[-1], c):
            last = c.as_of or f"release {i + 1}"
        mark = c.corrected or last
        last = mark
        out.append(c if c.corrected == mark else replace(c, corrected=mark))
    return tuple(out)


def fresh(counts, hours: float) -> tuple[Count, ...]:
    """``counts`` (in release order) with ``fresh_votes`` set where not given: the votes added
    since the last earlier count at least ``hours`` older (all of them when there is none),
    summed over candidates; left ``None`` where the times cannot be compared."""
    out = []
    for i, c in enumerate(counts):
        if c.fresh_votes is not None or hours <= 0:
            out.append(c)
            continue
        base, known = None, True
        for b in reversed(counts[:i]):
            age = hours_between(b.as_of, c.as_of) if b.as_of is not None else None
            if age is None:
                known = False
                break
            if age >= hours:
                base = b
                break
        if not known or hours_between(c.as_of, c.as_of) is None:  # no time, or not one
            out.append(c)
            continue
        before = base.counted if base is not None else (0,) * len(c.counted)
        out.append(replace(c, fresh_votes=sum(max(a - b, 0) for a, b in zip(c.counted, before))))
    return tuple(out)


def decisive_gap(rule: str, seats: int, threshold: float, counted, ids=()) -> float:
    """The fewest votes whose move from one candidate to another would change what the count
    says: between the last of the ``seats`` places and the next (plurality); for
    majority/top_two, the smaller of the lead's distance from the threshold and the gap
    between second and third; a measure's yes votes' distance from its threshold (``ids``:
    the candidates' ids, in the order of ``counted``). ``inf`` when nothing can change
    (fewer candidates than places)."""
    total = sum(counted)
    if rule == "measure":
        yes = list(ids).index("yes") if "yes" in ids else 0
        return abs(counted[yes] - threshold * total) if counted else math.inf
    v = sorted(counted, reverse=True)
    if rule == "plurality":
        return v[seats - 1] - v[seats] if len(v) > seats else math.inf
    gaps = [abs(v[0] - threshold * total)] if v else []
    if len(v) > 2:
        gaps.append(v[1] - v[2])
    return min(gaps) if gaps else math.inf


def hours_between(start: str, end: str | None) -> float | None:
    """Hours from ``start`` to ``end`` (ISO 8601 times), or None when they cannot be compared."""
    if end is None:
        return None
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600.0
    except (TypeError, ValueError):
        return None


def hold(count: Count, hours: float, fresh_hours: float = 0.0, gap: float = math.inf) -> str | None:
    """Why ``count`` is not to be called yet, or None: corrected less than ``hours`` ago
    (or at a time that cannot be compared with its ``as_of``), or with ``fresh_votes``
    (published within ``fresh_hours``) more than :data:`FRESH_SHARE` of the count and at
    least the decisive ``gap``; never when nothing is left to count."""
    if count.remaining.exact and count.remaining.estimate == 0:
        return None
    if count.corrected is not None and hours > 0:
        elapsed = hours_between(count.corrected, count.as_of)
        if elapsed is None or elapsed < hours:
            return (f"Too early to call: the count was corrected at {count.corrected} (votes taken away); "
                    f"no call until it has stood {hours:g} hours without another correction.")
    if fresh_hours > 0 and count.fresh_votes and count.fresh_votes >= gap and \
            count.fresh_votes > FRESH_SHARE * sum(count.counted):
        return (f"Too early to call: {count.fresh_votes:,} of the votes counted were published within the "
                f"last {fresh_hours:g} hour(s), as many as decide the race; calls wait for them to stand.")
    return None


def held(scenario, count: Count) -> str | None:
    """Why ``scenario``'s ``count`` is not to be called yet (:func:`hold` at the scenario's
    hours and the count's decisive gap), or None."""
    race, sim = scenario.race, scenario.simulation
    if count.corrected is None and not count.fresh_votes:
        return None
    gap = decisive_gap(race.rule, race.seats, race.threshold, count.counted, scenario.ids)
    return hold(count, sim.correction_hold_hours, sim.fresh_hold_hours, gap)
