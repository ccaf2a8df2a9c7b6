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
their growths: what tonight's late ballots have already been, a lower bound on what
they will be.  The floor is only ever raised, so the night's evidence can delay a call,
never hasten one.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..model.expected_vote import ErrorTable

__all__ = ["LateGrowth", "MIN_CONTESTS", "LEVEL", "SIZE_CLASSES"]

#: Contests of a size class that must have shown every precinct in before their growth counts.
MIN_CONTESTS = 20
#: The quantile of tonight's growths taken as a lower bound of the floor.
LEVEL = 0.95
#: Upper bounds (votes when first complete) of the size classes, as the error tables' floors.
SIZE_CLASSES = (5000.0, math.inf)


class LateGrowth:
    """Follows one feed release by release (module docstring).

    Call :meth:`table` with a release's contests *before* :meth:`observe` with the same
    release: the floor of a release comes from the contests complete at earlier ones.
    """

    def __init__(self) -> None:
        self.first: dict = {}  # contest key -> votes when it first showed every precinct in
        self.latest: dict = {}  # contest key -> votes at its latest release

    def observe(self, contests: dict) -> None:
        """Record a release's ``{key: Contest}``."""
        for key, c in contests.items():
            votes = sum(c.votes)
            self.latest[key] = votes
            if key not in self.first and c.total > 0 and c.reporting >= c.total and votes > 0:
                self.first[key] = votes

    def floors(self) -> tuple[float | None, ...]:
        """Per :data:`SIZE_CLASSES`, tonight's :data:`LEVEL` quantile of growth (None: too few contests)."""
        growth: list[list[float]] = [[] for _ in SIZE_CLASSES]
        for key, v0 in self.first.items():
            g = max(self.latest[key] / v0 - 1.0, 0.0)
            growth[next(i for i, upto in enumerate(SIZE_CLASSES) if v0 <= upto)].append(g)
        return tuple(float(np.quantile(g, LEVEL)) if len(g) >= MIN_CONTESTS else None for g in growth)

    def table(self, table: ErrorTable) -> ErrorTable:
        """``table`` with its floor's high end raised to tonight's growth where that is higher."""
        night = self.floors()
        if all(x is None for x in night):
            return table
        sizes = []
        for upto, x in zip(SIZE_CLASSES, night):
            median, high = table.floor(upto)
            sizes.append((upto, median, high if x is None else max(high, x)))
        *bounded, (_, median, high) = sizes
        return replace(table, floor_sizes=tuple(bounded), floor_median=median, floor_high=high)
