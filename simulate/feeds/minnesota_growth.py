r"""Tonight's late ballots: how much contests grew after every precinct had reported.

The remaining-vote floor (:class:`simulate.model.expected_vote.ErrorTable`'s
``floor_high``, by contest size) says how many ballots may still come once every
precinct of a contest has reported: the 99th percentile of such late ballots, as a
share of the count, in a *past* election.  An election can run far beyond its
history: in 2020 Minnesota's absentee ballots, more than half the vote, kept coming for
hours after precincts had reported their polling places (a 99th percentile of 28.5%
for contests over 5,000 votes, against 1.5% in 2022), and a floor fitted on 2022
held 2020's late counts to a sliver.

The feed itself shows it happening.  For every contest that has shown every precinct
in at an earlier release, its growth since then is :math:`g = v_{now} / v_{first} - 1`
(:math:`v_{first}` its votes the first time it showed every precinct in).  Once at
least :data:`MIN_CONTESTS` such contests of a size class (:data:`SIZE_CLASSES`, by
:math:`v_{first}`) are in, the class's floor is at least the :data:`LEVEL` quantile of
their growths, and its median (:math:`\phi_{50}`, which sets the remaining vote's
estimate) at least their :data:`MEDIAN` quantile: what tonight's late ballots have
already been, a lower bound on what they will be (a contest still growing has not
finished growing).  The floor is only ever raised, so the night's evidence can delay a
call, never hasten one.

Raising the median matters mostly for the probabilities and the 90% intervals (the
calls, which the high end bounds, were unchanged on both Minnesota histories): in Minnesota 2020, with absentee ballots accepted
for seven days after election day, a congressional district whose precincts had all
reported by 04:00 on November 4 was estimated to have 512 ballots to come, when
18,524 came; tonight's contests complete since the evening had already grown by
more than that.

Later in the count the same holds at every age of the floor
(:attr:`~simulate.model.expected_vote.ErrorTable.floor_ages`): for the contests that
have shown every precinct in for ``a`` hours or more, their growth since that age,
:math:`v_{now} / v_a - 1`, bounds from below the floor of age ``a``.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from ..model.expected_vote import ErrorTable

__all__ = ["LateGrowth", "MIN_CONTESTS", "LEVEL", "MEDIAN", "SIZE_CLASSES"]

#: Contests of a size class that must have shown every precinct in before their growth counts.
MIN_CONTESTS = 20
#: The quantile of tonight's growths taken as a lower bound of the floor's high end.
LEVEL = 0.95
#: The quantile of tonight's growths taken as a lower bound of the floor's median.
MEDIAN = 0.5
#: Upper bounds (votes when first complete) of the size classes, as the error tables' floors.
SIZE_CLASSES = (5000.0, math.inf)


class LateGrowth:
    """Follows one feed release by release (module docstring).

    Call :meth:`table` with a release's contests *before* :meth:`observe` with the same
    release: the floor of a release comes from the contests complete at earlier ones.
    ``ages``: the table's ages of the floor (hours; 0 alone without ``floor_ages``).
    """

    def __init__(self, ages=(0.0,)) -> None:
        self.ages = tuple(sorted(set(ages) | {0.0}))
        self.since: dict = {}  # contest key -> when it first showed every precinct in
        self.latest: dict = {}  # contest key -> votes at its latest release
        self.due: list = []  # heap of (when, contest key, age) not yet reached
        self.reached: dict = {}  # contest key -> [(age, size class, votes at that age), ...]
        self.growth: dict = {}  # (age, size class) -> {contest key: growth since that age}
        self.cached: dict = {}  # (age, size class) -> its (MEDIAN, LEVEL) quantiles (None: too few)
        self.dirty: set = set()  # classes whose growths changed since the last quantile

    def age(self, key, as_of: datetime) -> float | None:
        """Hours since contest ``key`` first showed every precinct in (None: not yet)."""
        t0 = self.since.get(key)
        return None if t0 is None else (as_of - t0).total_seconds() / 3600.0

    def observe(self, contests: dict, as_of: datetime) -> None:
        """Record a release's ``{key: Contest}`` (those that changed at least) at ``as_of``.

        A contest's votes at age ``a`` are its latest before the first release at or
        after ``a`` hours (contests change only at releases)."""
        while self.due and self.due[0][0] <= as_of:
            _, key, a = heapq.heappop(self.due)
            self._reach(key, a, self.latest[key])
        for key, c in contests.items():
            votes = sum(c.votes)
            if self.latest.get(key) == votes and key in self.since:
                continue  # nothing new: a feed repeats most of itself release after release
            self.latest[key] = votes
            if key not in self.since and c.total > 0 and c.reporting >= c.total and votes > 0:
                self.since[key] = as_of
                self._reach(key, 0.0, votes)
                for a in self.ages[1:]:
                    heapq.heappush(self.due, (as_of + timedelta(hours=a), key, a))
            for a, upto, v in self.reached.get(key, ()):
                self.growth[a, upto][key] = max(votes / v - 1.0, 0.0)
                self.dirty.add((a, upto))

    def _reach(self, key, a: float, votes: int) -> None:
        upto = next(u for u in SIZE_CLASSES if votes <= u)
        self.reached.setdefault(key, []).append((a, upto, votes))
        self.growth.setdefault((a, upto), {})[key] = max(self.latest[key] / votes - 1.0, 0.0)
        self.dirty.add((a, upto))

    def floors(self) -> dict:
        """``{(age, size class upper bound): (MEDIAN, LEVEL) quantiles of tonight's growth since
        that age}`` for the classes with :data:`MIN_CONTESTS` contests or more (module docstring)."""
        for k in self.dirty:
            g = self.growth[k]
            self.cached[k] = tuple(float(q) for q in np.quantile(np.fromiter(g.values(), float, len(g)), (MEDIAN, LEVEL))) \
                if len(g) >= MIN_CONTESTS else None
        self.dirty.clear()
        return {k: q for k, q in self.cached.items() if q is not None}

    def table(self, table: ErrorTable) -> ErrorTable:
        """``table`` with its floors' medians and high ends raised to tonight's growth where that is higher."""
        night = self.floors()
        if not night:
            return table
        sizes = [(upto, *_raised(table.floor(upto), night.get((0.0, upto)))) for upto in SIZE_CLASSES]
        *bounded, (_, median, high) = sizes
        ages = tuple((a, upto, *_raised((median_a, high_a), night.get((a, _size_class(upto)))))
                     for a, upto, median_a, high_a in table.floor_ages)
        return replace(table, floor_sizes=tuple(bounded), floor_median=median, floor_high=high, floor_ages=ages)


def _raised(floor: tuple[float, float], night: tuple[float, float] | None) -> tuple[float, float]:
    """A floor's ``(median, high)``, each raised to tonight's where that is higher."""
    if night is None:
        return floor
    return max(floor[0], night[0]), max(floor[1], night[1])


def _size_class(upto: float) -> float:
    """The :data:`SIZE_CLASSES` bound holding a table's size class ``upto``."""
    return next(u for u in SIZE_CLASSES if upto <= u)
