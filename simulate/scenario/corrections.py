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
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .records import Count


#: A correction is *material* when the votes it takes away are at least this share of the
#: count before it: a county fixing 165 presidential votes out of 3.2 million is not a sign
#: that the statewide count is unreliable; a township losing 6 of its 116 votes is.
MATERIAL = 0.01


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


def _hours(start: str, end: str | None) -> float | None:
    """Hours from ``start`` to ``end`` (ISO 8601 times), or None when they cannot be compared."""
    if end is None:
        return None
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600.0
    except (TypeError, ValueError):
        return None


def hold(count: Count, hours: float) -> str | None:
    """Why ``count`` is not to be called yet, or None: corrected less than ``hours`` ago
    (or at a time that cannot be compared with its ``as_of``), and not complete."""
    if count.corrected is None or hours <= 0:
        return None
    if count.remaining.exact and count.remaining.estimate == 0:
        return None
    elapsed = _hours(count.corrected, count.as_of)
    if elapsed is not None and elapsed >= hours:
        return None
    return (f"Too early to call: the count was corrected at {count.corrected} (votes taken away); "
            f"no call until it has stood {hours:g} hours without another correction.")
