r"""Expected vote: how many ballots a contest has still to count, from what is published.

Nobody knows a contest's remaining vote on election night; each source below turns
what a feed publishes into a *raw* estimate :math:`\hat r`, and one calibrated error
table per source turns the raw estimate into the scenario's ``remaining``
(estimate and 90% interval).

Sources
-------
Jurisdiction-wide outstanding ballots, apportioned (:func:`apportion`).
    A registrar's published count :math:`O` of ballots still to process in the whole
    jurisdiction is shared among its contests by each contest's share of the ballots
    counted so far,

    .. math:: \hat r_c = O \cdot \frac{v_c}{B},

    where :math:`v_c` is the contest's votes counted (its geography and undervote
    both show in it) and :math:`B` the jurisdiction's ballots counted (the largest
    contest total, the top of the ticket, when the feed gives no ballot count).
Precincts reporting, with registration (:func:`precinct_estimate`).
    With :math:`R` of :math:`T` precincts reported, the unreported precincts are
    expected to turn out like comparable reported ones (same county, or the state):

    .. math:: \hat r_c = v_c \cdot \frac{T - R}{R} \cdot \frac{\bar g_u}{\bar g_r},

    :math:`\bar g_u, \bar g_r` the mean registered voters of unreported and reported
    precincts in that geography (``pctstats.txt``); without registration the last
    factor is 1. At :math:`R = T` this is 0, yet absentee ballots keep arriving after
    every precinct has reported, so the error table's *floor* keeps the interval open
    until the feed says the count is final.
A feed's percent of expected vote (:func:`from_percent_expected`).
    An AP-style "percent of expected vote" :math:`p` is an observation, not the truth:
    :math:`\hat r_c = v_c (1/p - 1)`, with the same calibrated error treatment.

Error table (:class:`ErrorTable`, :func:`remaining_interval`)
    History gives pairs (raw estimate, true remaining) at every release. By the share
    counted :math:`f = v_c / (v_c + \hat r_c)`, in bands, the table keeps the median
    :math:`m` and the 5th and 95th percentiles :math:`q_{05}, q_{95}` of the ratio
    truth ÷ raw estimate, and (over releases whose raw estimate is 0 but whose count
    was not final) the median :math:`\phi_{50}` and a high percentile :math:`\phi_{95}`
    (the 95th by default; Minnesota's tables take the 99th, see
    :mod:`simulate.feeds.minnesota_tables`) of the late ballots as a share of the votes
    counted, overall or by contest size (``floor_sizes``: small contests' late ballots
    are a far larger share of their count), and by how long the contest has shown every
    precinct in (``floor_ages``, :func:`fit_late_floor`: the late ballots of a contest
    complete since 21:30 are mostly in by morning, so a floor fitted on contests just
    complete keeps every small contest open until certification). Then

    .. math::

        \mu = m \hat r_c,\quad
        \text{estimate} = \max(\mu,\; \phi_{50} v_c),

        \text{low} = \max\bigl(0,\; \mu\, e^{-\sqrt{\ln^2(m/q_{05}) + s^2}}
                       - 1.645 \sqrt{\kappa \mu}\bigr),

        \text{high} = \max\bigl(\mu\, e^{\sqrt{\ln^2(q_{95}/m) + s^2}}
                       + 1.645 \sqrt{\kappa \mu},\; \phi_{95} v_c,\; 1\bigr),

    rounded to whole ballots (low down, high up) with low <= estimate <= high.
    :math:`s` (``spread``) is the 90% half-width, on the log scale, of the error of the
    figure the raw estimate was made from (a registrar's published count; 0 when the
    table's pairs already include it), added in quadrature to the table's own.
    :math:`\kappa` (the table's ``dispersion``) is the count noise of *small*
    contests: late ballots arrive in clumps (a precinct's envelope batch, cured
    signatures), so a contest expecting :math:`\mu` more ballots gets them with
    variance about :math:`\kappa \mu` (an over-dispersed Poisson) besides the
    proportional error; it dominates when :math:`\mu` is a few dozen ballots and
    vanishes in relative terms for big contests -- the apportioning error by
    contest size. :func:`fit_dispersion` estimates :math:`\kappa` from the history's
    small records (:math:`\mu <` :data:`SMALL_MU` ballots) by the quasi-Poisson moment
    estimator :math:`\sum (t-\mu)^2 / \sum \mu`.
"""
from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Band", "ErrorTable", "apportion", "precinct_estimate", "from_percent_expected",
           "remaining_interval", "fit_error_table", "fit_dispersion", "error_summary", "BAND_EDGES",
           "SMALL_MU", "fit_late_floor", "AGE_EDGES"]

#: Upper edges of the share-counted bands of an error table.
BAND_EDGES = (0.5, 0.8, 0.9, 0.95, 0.98, 1.0)
#: Hours since a contest first showed every precinct in at which its floor by age steps down.
AGE_EDGES = (0.0, 3.0, 6.0, 12.0, 24.0, 60.0, 84.0)
#: Expected remaining ballots below this are the "small" records that fit ``kappa``.
SMALL_MU = 30.0
Z90 = 1.6448536269514722


@dataclass(frozen=True)
class Band:
    """Truth ÷ raw estimate in one band of share counted (``upto`` is its upper edge)."""
    upto: float
    median: float
    low: float
    high: float
    n: int = 0


@dataclass(frozen=True)
class ErrorTable:
    """A source's calibrated error (module docstring); ``fitted_on`` says on what history."""
    source: str
    bands: tuple[Band, ...]
    floor_median: float
    floor_high: float
    fitted_on: str = ""
    dispersion: float = 0.0
    #: ``((upto counted, median, high), ...)``: the floor by contest size (counted votes);
    #: empty: ``floor_median`` and ``floor_high`` for every size.
    floor_sizes: tuple[tuple[float, float, float], ...] = ()
    #: ``((age from, upto counted, median, high), ...)``: the floor of a contest that has
    #: shown every precinct in for ``age`` hours or more (:func:`fit_late_floor`), by age
    #: (ascending) and size; empty, or a contest not yet complete: the floor by size alone.
    floor_ages: tuple[tuple[float, float, float, float], ...] = ()

    def floor(self, counted: float, age: float | None = None) -> tuple[float, float]:
        """``(phi50, phi_high)`` of the floor for a contest with ``counted`` votes that has
        shown every precinct in for ``age`` hours (None: not complete, or not known)."""
        if age is not None and self.floor_ages:
            ages, rows = _by_age(self.floor_ages)
            i = bisect.bisect_right(ages, age) - 1
            if i >= 0:
                for upto, median, high in rows[i]:
                    if counted <= upto:
                        return median, high
        for upto, median, high in self.floor_sizes:
            if counted <= upto:
                return median, high
        return self.floor_median, self.floor_high

    def band(self, share: float) -> Band:
        """The band holding share counted ``share`` (the last band above its edge)."""
        for b in self.bands:
            if share <= b.upto:
                return b
        return self.bands[-1]


@functools.lru_cache(maxsize=64)
def _by_age(floor_ages: tuple) -> tuple[tuple[float, ...], tuple[tuple, ...]]:
    """``floor_ages`` as (ascending ages, per age its ``(upto, median, high)`` rows in order)."""
    ages = sorted({a for a, _, _, _ in floor_ages})
    return tuple(ages), tuple(tuple((u, m, h) for a, u, m, h in floor_ages if a == age) for age in ages)


def apportion(outstanding: float, contest_votes: float, jurisdiction_ballots: float) -> float:
    """Raw estimate ``outstanding * contest_votes / jurisdiction_ballots`` (0 when nothing is counted)."""
    if outstanding < 0 or contest_votes < 0:
        raise ValueError("outstanding ballots and votes must be >= 0")
    if jurisdiction_ballots <= 0:
        return 0.0
    return float(outstanding) * float(contest_votes) / float(jurisdiction_ballots)


def precinct_estimate(counted: float, reporting: int, total: int, reg_reported: float | None = None,
                      reg_unreported: float | None = None, unreported: int | None = None,
                      reported: int | None = None) -> float:
    """Raw estimate from precincts reporting (module docstring).

    ``reg_reported`` / ``reg_unreported`` are the registered voters of the reported and
    unreported precincts of the comparison geography, ``reported`` / ``unreported``
    how many precincts they are (for the mean registration). A contest with counted
    votes but no precinct reporting (absentee boards count first) is treated as half
    a precinct in.
    """
    if total <= 0 or reporting >= total:
        return 0.0
    r = max(float(reporting), 0.5)
    raw = float(counted) * (total - reporting) / r
    if reg_reported and reg_unreported and reported and unreported:
        raw *= (reg_unreported / unreported) / (reg_reported / reported)
    return raw


def from_percent_expected(counted: float, percent: float) -> float:
    """Raw estimate ``counted * (1/p - 1)`` from a percent of expected vote ``p`` in (0, 1]."""
    if not 0 < percent <= 1:
        raise ValueError(f"percent of expected vote must be in (0, 1], got {percent!r}")
    return float(counted) * (1.0 / percent - 1.0)


def _bounds(raw: float, b: Band, dispersion: float, spread: float) -> tuple[float, float, float]:
    """``(mu, low, high)`` of one band before the floor and rounding (module docstring)."""
    mu = b.median * raw
    m = b.median if b.median > 0 else 1.0
    up = math.sqrt(math.log(max(b.high, m) / m) ** 2 + spread ** 2)
    down = math.sqrt(math.log(m / max(b.low, 1e-9 * m)) ** 2 + spread ** 2) if b.low > 0 else math.inf
    noise = Z90 * math.sqrt(dispersion * mu) if dispersion > 0 and mu > 0 else 0.0
    low = max(0.0, mu * math.exp(-down) - noise)
    return mu, low, mu * math.exp(up) + noise


def remaining_interval(raw: float, counted: int, table: ErrorTable, spread: float = 0.0,
                       age: float | None = None) -> dict:
    """The scenario's ``remaining`` ``{estimate, low, high}`` from a raw estimate (module docstring).

    ``spread``: the 90% half-width on the log scale of the error of the figure ``raw``
    came from (0: none beyond the table's); ``age``: hours since the contest first showed
    every precinct in (None: it has not), for the floor by age."""
    raw = max(float(raw), 0.0)
    share = counted / (counted + raw) if counted + raw > 0 else 0.0
    b = table.band(share)
    mu, low, high = _bounds(raw, b, table.dispersion, spread)
    phi50, phi_high = table.floor(counted, age)
    estimate = max(mu, phi50 * counted)
    high = max(high, phi_high * counted, 1.0)
    low = min(low, estimate)
    estimate = int(round(estimate))
    low, high = min(int(math.floor(low)), estimate), max(int(math.ceil(high)), estimate, 1)
    return {"estimate": estimate, "low": low, "high": high}


def fit_dispersion(records, bands: tuple[Band, ...], small=SMALL_MU) -> float:
    r"""The count-noise dispersion ``kappa``: the quasi-Poisson moment estimate over the
    small records (module docstring),

    .. math:: \hat\kappa = \frac{\sum (t - \mu)^2}{\sum \mu},\qquad
              \mu = m \hat r_c < \text{small},

    ``t`` the true remaining and ``m`` the band's median. Below :data:`SMALL_MU` ballots a
    Poisson count's relative noise (``1/sqrt(mu)`` >= 18%) is as large as the bands'
    proportional error, so the residual there is mostly count noise. 0 without such records.
    """
    table = ErrorTable("fit", tuple(bands), 0.0, 0.0)
    num = den = 0.0
    for c, r, t in records:
        if c <= 0 or r <= 0:
            continue
        mu = table.band(c / (c + r)).median * r
        if 0 < mu < small:
            num += (t - mu) ** 2
            den += mu
    return round(num / den, 3) if den > 0 else 0.0


def _quantiles(values, qs):
    return [float(np.quantile(values, q)) for q in qs]


def fit_error_table(records, source: str, fitted_on: str = "", edges=BAND_EDGES,
                    min_per_band: int = 20, dispersion: bool = False, floor_quantile: float = 0.95,
                    floor_size_edges=()) -> ErrorTable:
    """Fit an :class:`ErrorTable` from ``(counted, raw, truth)`` records.

    ``truth`` is the true remaining (final total minus counted, at least 0). Records
    with ``raw > 0`` and ``truth > 0`` fill the bands of share counted; a band with
    fewer than ``min_per_band`` records borrows the pooled records of its neighbours
    below. Records with ``raw == 0`` give the floor (``truth / counted``: its median and
    its ``floor_quantile``), overall and, with ``floor_size_edges`` (counted votes), by
    contest size: the last class is the overall floor's ``(median, high)``. With
    ``dispersion``, the dispersion ``kappa`` is fitted too (:func:`fit_dispersion`), else 0.
    """
    rows = [(c, r, t) for c, r, t in records if c > 0]
    ratio = [(c / (c + r), t / r) for c, r, t in rows if r > 0 and t > 0]
    floor = [t / c for c, r, t in rows if r == 0]
    bands, lo_edge, pool = [], 0.0, []
    for upto in edges:
        pool = [x for s, x in ratio if lo_edge < s <= upto] or pool
        lo_edge_used = lo_edge
        while len(pool) < min_per_band and lo_edge_used > 0:
            lo_edge_used = max(0.0, lo_edge_used - 0.1)
            pool = [x for s, x in ratio if lo_edge_used < s <= upto]
        if not pool:
            pool = [x for _, x in ratio] or [1.0]
        m, lo, hi = _quantiles(pool, (0.5, 0.05, 0.95))
        bands.append(Band(upto, round(m, 4), round(lo, 4), round(hi, 4), len(pool)))
        lo_edge = upto
    qs = (0.5, floor_quantile)
    sizes, lo_size = [], 0.0
    for upto in floor_size_edges:
        part = [t / c for c, r, t in rows if r == 0 and lo_size < c <= upto]
        if part:
            f50, fq = _quantiles(part, qs)
            sizes.append((float(upto), round(f50, 6), round(fq, 6)))
        lo_size = upto
    rest = [t / c for c, r, t in rows if r == 0 and c > lo_size] if floor_size_edges else floor
    f50, fq = _quantiles(rest, qs) if rest else (0.0, 0.0)
    kappa = fit_dispersion(rows, tuple(bands)) if dispersion else 0.0
    return ErrorTable(source, tuple(bands), round(f50, 6), round(fq, 6), fitted_on, kappa, tuple(sizes))


def fit_late_floor(records, quantile: float, size_edges=(), age_edges=AGE_EDGES) -> tuple:
    r"""The floor by age (:attr:`ErrorTable.floor_ages`) from ``(age, counted, late)`` records.

    A record is one contest seen ``age`` hours (one of ``age_edges``) after it first
    showed every precinct in: ``counted`` its votes then, ``late`` the ballots still to
    come (final total minus ``counted``, at least 0). Each contest gives one record per
    edge it reached before certification, so a contest unchanged for days weighs no
    more than one that changed every release. Per age and size class (``size_edges``,
    counted votes; the last class unbounded) the floor is the median and the
    ``quantile`` of ``late / counted``; a class without records takes the younger age's.
    """
    out, previous = [], None
    for age in age_edges:
        classes, lo = [], 0.0
        for upto in (*size_edges, math.inf):
            part = [late / c for a, c, late in records if a == age and c > 0 and lo < c <= upto]
            if part:
                f50, fq = _quantiles(part, (0.5, quantile))
                classes.append((age, float(upto), round(f50, 6), round(fq, 6)))
            elif previous is not None:
                old = next(x for x in previous if x[1] == float(upto))
                classes.append((age, float(upto), old[2], old[3]))
            lo = upto
        if len(classes) == len(size_edges) + 1:
            out.extend(classes)
            previous = classes
    return tuple(out)


def error_summary(records, edges=BAND_EDGES) -> list[dict]:
    """Per band of share counted: how many, the median and 90% range of estimate ÷ truth."""
    out, lo_edge = [], 0.0
    for upto in edges:
        x = [r / t for c, r, t in records if c > 0 and t > 0 and lo_edge < c / (c + r) <= upto]
        if x:
            m, lo, hi = _quantiles(x, (0.5, 0.05, 0.95))
            out.append({"share_counted": f"{lo_edge:.2f}-{upto:.2f}", "n": len(x),
                        "median": round(m, 3), "low": round(lo, 3), "high": round(hi, 3)})
        lo_edge = upto
    return out
