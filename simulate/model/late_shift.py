r"""How far late ballots stray from counted ones, measured on count histories with known results.

For every contest, snapshot and candidate of a history, the *late shift* is

.. math:: d = \operatorname{logit} q - \operatorname{logit} p,

:math:`p` the candidate's share of the ballots counted at the snapshot and
:math:`q` its share of the ballots counted after it (final minus counted).
The model (:mod:`simulate.model.lump`) draws the log-shares of the remaining vote
with a Student-t error of one scale for every contest, so the tails it needs
are those of :math:`d` pooled over contests -- differences of scale between
contests included, since one ``uncertainty`` must cover them all.  The
Student-t with :math:`\nu > 4` degrees of freedom has kurtosis
:math:`3 + 6/(\nu - 4)`; :func:`tail_estimate` inverts the pooled kurtosis of
:math:`d` to :math:`\nu` (the method of moments).

Only shifts the ballot-level noise cannot explain are used: shares between
2% and 98% on both sides, and the binomial standard deviation of :math:`d`,
:math:`\sqrt{1/(L p(1-p)) + 1/(C p(1-p))}` for :math:`C` counted and
:math:`L` late ballots, below :data:`MAX_NOISE`.  Snapshots whose count
later went backwards for a candidate are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Largest binomial standard deviation of a late shift that is still used.
MAX_NOISE = 0.05
#: Share bounds of a usable late shift.
SHARE_RANGE = (0.02, 0.98)
#: At or below this pooled kurtosis the shifts are taken as normal (``tail_df`` 0).
NORMAL_KURTOSIS = 3.1
#: Largest ``tail_df`` reported (heavier than normal but barely).
MAX_TAIL_DF = 1000.0


@dataclass(frozen=True)
class TailEstimate:
    """``tail_df`` (0: normal) from the pooled ``kurtosis`` of ``shifts`` late shifts, their ``rms``."""

    tail_df: float
    kurtosis: float
    rms: float
    shifts: int

    def describe(self) -> str:
        return (f"kurtosis {self.kurtosis:.2f} of {self.shifts:,} late shifts (rms {self.rms:.3f} on the logit scale)"
                f" -> tail_df {self.tail_df:g}")


def late_shifts(scenarios) -> np.ndarray:
    """The usable late shifts :math:`d` of every snapshot of every scenario with a ``final`` count."""
    out = []
    lo, hi = SHARE_RANGE
    for scenario in scenarios:
        if scenario.final is None:
            continue
        final = np.asarray(scenario.final.counted, dtype=float)
        for count in scenario.snapshots or (scenario.count,):
            counted = np.asarray(count.counted, dtype=float)
            late = final - counted
            c, n = counted.sum(), late.sum()
            if c <= 0 or n <= 0 or (late < 0).any():
                continue
            p, q = counted / c, late / n
            usable = (p > lo) & (p < hi) & (q > lo) & (q < hi)
            p, q = p[usable], q[usable]
            noise = np.sqrt((1.0 / n + 1.0 / c) / (p * (1.0 - p)))
            d = np.log(q / (1.0 - q)) - np.log(p / (1.0 - p))
            out.append(d[noise < MAX_NOISE])
    return np.concatenate(out) if out else np.zeros(0)


def tail_estimate(scenarios) -> TailEstimate:
    """The Student-t degrees of freedom matching the pooled kurtosis of the late shifts."""
    d = late_shifts(scenarios)
    if d.size < 30:
        raise ValueError(f"only {d.size} usable late shifts: too few to estimate the tails (30 needed)")
    m2 = float(np.mean(d * d))
    kurtosis = float(np.mean(d**4)) / (m2 * m2)
    if kurtosis <= NORMAL_KURTOSIS:
        tail_df = 0.0
    else:
        tail_df = min(round(4.0 + 6.0 / (kurtosis - 3.0), 1), MAX_TAIL_DF)
    return TailEstimate(tail_df, kurtosis, math.sqrt(m2), int(d.size))
