r"""The remaining vote modelled where it is: units (counties, precincts, vote types).

Notation: units :math:`u` of vote type :math:`t(u)`, counted votes :math:`c_{uk}`
(:math:`C_u` in all, :math:`C` over the race), :math:`K` candidates.

**Remaining votes of each unit.**  Exact, or the two-piece log-normal of
:mod:`simulate.model.lump` on :math:`R_u + 1` (median ``estimate + 1``, 5% and
95% quantiles ``low + 1`` and ``high + 1``, :math:`R_u = \max(0,
\operatorname{round}(\cdot) - 1)`), independent across units.

**Centre of each unit's remaining vote.**  A unit's own counted votes are weighed
against a fallback :math:`g_u` worth ``unit_prior_ballots`` (:math:`n_0`) ballots, the
own count worth :math:`\lambda_u C_u` of them -- less the less of the unit is in, since a
sliver of a unit is a biased sample of the rest (:mod:`simulate.model.unit_weighting`:
:math:`\lambda_u = 1/(1 + 4\kappa^2 \hat R_u)`, :math:`\kappa` = ``unit_count_bias``,
:math:`\hat R_u` the unit's remaining estimate; a scenario that sets
``unit_prior_ballots`` and not ``unit_count_bias`` has :math:`\kappa = 0`, the own count in
full) -- with the lump model's pseudo-ballot spread over the candidates:

.. math:: m_u \propto \frac{\lambda_u c_u + n_0 g_u + 1/K}{\lambda_u C_u + n_0 + 1} + \text{shift}.

The fallback is the unit's ``baseline`` moved by the swing measured in the units of
its vote type that have reported and have a baseline
(:math:`\sum_v C_v (p_v - b_v) / \sum_v C_v`; any type if none of its own has);
without a baseline, the counted shares of its vote type; without those, the
race-wide counted shares.  A race-level ``model.prior`` is weighed as in the lump
model: with :math:`\bar m` the lump centre of the race's counted totals and
:math:`\bar m'` the same weighed against the prior by precision, every unit's
centre is multiplied by :math:`\bar m' / \bar m` (and renormalised), and the
race-wide :math:`u_c` becomes :math:`(u_c^{-2} + u_p^{-2})^{-1/2}`.

**Shares: the lump model's logistic-normal, with errors at three levels.**

.. math:: q_{uk} = \frac{m_{uk} \exp(\varepsilon_{uk})}{\sum_j m_{uj} \exp(\varepsilon_{uj})},\qquad
          \varepsilon_{uk} = \tau \sigma_r z_{rk} + \sigma_t z_{t(u)k} + \sigma_{uk} z_{uk},

:math:`z` independent standard normals: :math:`z_r` shared by every unit (the
race-wide error, the one that makes calls wrong), :math:`z_t` by the units of a
vote type, :math:`z_u` of the unit alone, with

.. math:: \sigma_r^2 = 8u_c^2, \qquad \sigma_t^2 = 8\,\text{type\_uncertainty}^2, \qquad
          \sigma_{uk}^2 = 8\,\text{unit\_uncertainty}^2 + \frac{1}{(C_u + n_0 + 1)\,m_{uk}},

:math:`u_c` the lump model's ``uncertainty`` with its early-count widening (the
counted fraction of the whole race), :math:`\tau` its Student-t factor
(``tail_df``), and the last term the lump model's sampling error of a centre
counted from :math:`C_u + n_0` ballots: the ballot noise of the unit's count and its
fallback's, not the bias the weighting discounts (:math:`\lambda_u` does not enter it; the
count order's bias is shared across units and carried by :math:`z_r` and :math:`z_t`, see
:mod:`simulate.model.unit_weighting`).  With ``uncertainty`` 0 the sampling term
is off, as in the lump model.  A candidate's share moves by about
:math:`\sigma q(1-q)`, as in the lump model; shares are never negative.

**Ballot noise and final tallies.**  Given :math:`R_u` and :math:`q_u` a unit's
remaining tallies are multinomial (the lump model's conditional binomials);
:math:`T = \sum_u c_u + x_u`.

A single unit, or a count split into identical units of one type with exact
remaining votes and type/unit uncertainty 0 (own shares equal to the fallback, so
:math:`\lambda_u` moves nothing but the pseudo-ballot's weight), is the lump model (the race-wide
error is the lump model's; multinomials with one :math:`q` add up to one) except
for the sampling term, which is per unit and so agrees with the lump model's to
first order.  A count with a single unit is simulated by the lump model itself.

**Many small units (the one approximation).**  Given the shared errors
(:math:`\tau, z_r, z_t`), units are independent.  When there are more than
:data:`EXACT_UNITS` units with votes left, units are *pooled*, smallest first, while
the estimated errors their pooling makes in any probability add up to at most
:data:`POOL_ERROR` (:func:`pooling_error`: a unit pooled keeps its mean and variance
and loses its skew, which the rest of the count -- the race-wide error and the other
units -- smooths; so a unit is pooled when it is small against the race, not only
against the other pooled units), and only if its log-scale spreads are modest
(:math:`\sigma_\pm, \sigma_{uk} \le` :data:`POOL_MAX_SIGMA`, where the moments below
hold).  With that many units the ballot noise of the units drawn exactly joins the
pooled normal too (given their :math:`R_u, q_u`: mean :math:`R_u q_u`, covariance
:math:`R_u(\operatorname{diag} q_u - q_u q_u^\top)`).  The pooled units' sum, given
the shared errors, is drawn as one normal vector (rounded to whole votes, at least 0) with the conditional mean and
covariance to second order in the unit-level error: with
:math:`q^s_{uk} \propto m_{uk} e^{\tau\sigma_r z_{rk} + \sigma_t z_{tk}}` (no
per-unit random numbers), :math:`v_k = \sigma_{uk}^2`,
:math:`A = \sum_j v_j q_j^2`, :math:`B = \sum_j v_j q_j (1 - q_j)`,

.. math:: E[q_k] \approx q^s_k\,\bigl(1 + c_k + c_k^2/2\bigr),\quad c_k = \tfrac12\bigl(v_k (1 - 2q^s_k) + A - B\bigr)
          \quad\text{(renormalised)},

.. math:: \operatorname{Cov}(x_k, x_l) \approx \bar R\,(\delta_{kl} q_k - q_k q_l)
          + \operatorname{Var}(R)\, q_k q_l
          + \bar R^2 q_k q_l (\delta_{kl} v_k - v_k q_k - v_l q_l + A),

(ballot noise, the remaining count, the unit-level share error, with the exact
mean :math:`\bar R` and variance of the two-piece log-normal,
:func:`remaining_moments`).  Units simulated exactly draw their own
:math:`R_u`, :math:`z_u` and binomials.  ``tests/test_units_pooling.py`` checks the
pooled draws against the same units simulated exactly and against the per-unit brute
force, where the race-wide error pools big units and where the units' own spread
decides the race.  (This is an estimate to first order, not a proof: the rest of the sum
is taken as normal, and a unit's law depends on the shared errors it is smoothed by.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..scenario.centre import canonical_order, count_spread
from ..scenario.records import Count, Scenario, Unit
from .lump import Z95, prior_conflict, threshold_fraction
from .unit_weighting import weighed_centre

#: Up to this many units with votes left, every unit is simulated exactly.
EXACT_UNITS = 24
#: A pooled unit's log-scale spreads (remaining votes, shares) are at most this.
POOL_MAX_SIGMA = 0.35
#: Units are pooled, smallest first, while their estimated errors in any probability
#: (:func:`pooling_error`) add up to at most this.
POOL_ERROR = 1e-4


@dataclass(frozen=True)
class StrataArrays:
    """Flat inputs of the units kernel (candidates in the kernel's id order; only units
    with votes left, ``U`` of them)."""

    counted: np.ndarray  # float64[K]: the race's counted votes
    centre: np.ndarray  # float64[U, K]: m_u
    unit_sigma: np.ndarray  # float64[U, K]: sigma_uk
    unit_type: np.ndarray  # int64[U]: index of the unit's vote type
    pooled: np.ndarray  # bool[U]: drawn in the pooled normal (module docstring)
    remaining_exact: np.ndarray  # bool[U]
    remaining_median: np.ndarray  # float64[U], of R_u + 1
    sigma_low: np.ndarray  # float64[U]
    sigma_high: np.ndarray  # float64[U]
    remaining_mean: np.ndarray  # float64[U]
    remaining_var: np.ndarray  # float64[U]
    race_sigma: np.ndarray  # float64[K]: sigma_r (the same for every k)
    type_sigma: float
    types: int
    pool_ballots: bool  # many units: the exactly drawn units' ballot noise joins the pooled normal
    tail_df: float
    rule: int
    seats: int
    threshold: float
    threshold_num: int
    threshold_den: int
    recount_margin: float
    yes_index: int
    order: np.ndarray
    margin_pair: tuple[int, int]
    kernel: tuple = ()  # the kernel's per-unit constants, split into exact and pooled (:func:`kernel_inputs`)


@dataclass(frozen=True)
class UnitProjection:
    id: str
    type: str
    counted_fraction: float
    remaining: float
    centre: tuple[float, ...]  # expected shares of its remaining vote (scenario order)
    share_mean: tuple[float, ...]
    share_low: tuple[float, ...]
    share_high: tuple[float, ...]


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def remaining_sigmas(unit: Unit) -> tuple[float, float, float]:
    """Median of :math:`R + 1` and the two log-scale spreads (0 when exact)."""
    r = unit.remaining
    med = r.estimate + 1.0
    if r.exact:
        return med, 0.0, 0.0
    return med, math.log(med / (r.low + 1.0)) / Z95, math.log((r.high + 1.0) / med) / Z95


def remaining_moments(unit: Unit) -> tuple[float, float]:
    r"""Mean and variance of a unit's remaining votes, :math:`R = M e^{\sigma_\pm z} - 1`:
    :math:`E[e^{a\sigma z}; \pm z > 0] = e^{a^2\sigma^2/2}\Phi(\pm a\sigma)` for ``a`` = 1, 2
    (the rounding to whole votes and the floor at 0 are left out)."""
    med, lo, hi = remaining_sigmas(unit)
    if lo == 0.0 and hi == 0.0:
        return med - 1.0, 0.0
    m1 = med * (math.exp(lo * lo / 2) * _phi(-lo) + math.exp(hi * hi / 2) * _phi(hi))
    m2 = med * med * (math.exp(2 * lo * lo) * _phi(-2 * lo) + math.exp(2 * hi * hi) * _phi(2 * hi))
    return m1 - 1.0, max(m2 - m1 * m1, 0.0)


def _normalised(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, None)
    total = x.sum()
    return x / total if total > 0 else np.full(x.shape, 1.0 / x.size)


def unit_fallbacks(units: tuple[Unit, ...], order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every unit's counted votes :math:`c_u` and fallback shares :math:`g_u` (module docstring),
    float64[U, K] each in kernel order."""
    k = len(order)
    counted = np.array([u.counted for u in units], dtype=np.float64).reshape(len(units), -1)[:, order]
    totals = counted.sum(axis=1)
    types = [u.type for u in units]
    race = _normalised(counted.sum(axis=0)) if totals.sum() > 0 else np.full(k, 1.0 / k)
    by_type = {}
    for t in set(types):
        rows = [i for i, x in enumerate(types) if x == t]
        by_type[t] = _normalised(counted[rows].sum(axis=0)) if totals[rows].sum() > 0 else race
    baselines = [None if u.baseline is None else np.asarray(u.baseline)[order] for u in units]
    swings = _swings(counted, totals, types, baselines)
    fallback = np.empty((len(units), k))
    for i, unit in enumerate(units):
        if baselines[i] is not None:
            fallback[i] = _normalised(baselines[i] + swings.get(unit.type, swings.get(None, 0.0)))
        else:
            fallback[i] = by_type[unit.type]
    return counted, fallback


def unit_centres(scenario: Scenario, units: tuple[Unit, ...], order: np.ndarray) -> np.ndarray:
    """:math:`m_u` for every unit, float64[U, K] in kernel order (before the prior)."""
    model = scenario.model
    counted, fallback = unit_fallbacks(units, order)
    remaining = np.array([u.remaining.estimate for u in units], dtype=np.float64)
    pseudo = 1.0 if model.uncertainty > 0.0 else 0.0
    base = weighed_centre(counted, fallback, remaining, model.unit_prior_ballots, model.unit_count_bias, pseudo)
    shift = np.asarray(model.shift)[order]
    return np.array([_normalised(b + shift) for b in base]).reshape(len(units), len(order))


def _swings(counted, totals, types, baselines) -> dict:
    """Counted-weighted swing from baseline among reported units with a baseline, per type (None: all)."""
    sums, weights = {}, {}
    for i, b in enumerate(baselines):
        if b is None or totals[i] <= 0:
            continue
        diff = counted[i] / totals[i] - b
        for key in (types[i], None):
            sums[key] = sums.get(key, 0.0) + totals[i] * diff
            weights[key] = weights.get(key, 0.0) + totals[i]
    return {key: sums[key] / weights[key] for key in sums}


def _prior_factor(scenario: Scenario, count: Count, order: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The prior's multiplier of every unit's centre, the race-wide :math:`u_c` (times the prior
    gap's :math:`\rho`) and the Student-t factor's degrees of freedom
    (:func:`simulate.model.lump.prior_conflict`)."""
    model = scenario.model
    u = count_spread(scenario, count)
    k = len(order)
    rho, tail_df = prior_conflict(scenario, count)
    if model.prior is None or model.uncertainty <= 0.0:
        return np.ones(k), u, tail_df
    counted = np.asarray(count.counted, dtype=np.float64)[order]
    lump = (counted + 1.0 / k) / (counted.sum() + 1.0)
    w_count, w_prior = u**-2, model.prior.uncertainty**-2
    weighed = (w_count * lump + w_prior * np.asarray(model.prior.shares)[order]) / (w_count + w_prior)
    return weighed / lump, rho * (w_count + w_prior) ** -0.5, tail_df


def prepare_strata(scenario: Scenario, count: Count, *, pool: bool = True) -> tuple[StrataArrays, tuple[UnitProjection, ...]]:
    """Kernel inputs for a count with units, and each unit's projection.

    ``pool=False`` simulates every unit exactly (the reference for the pooled draws).
    """
    from .lump import RULE_CODES

    race, model, units = scenario.race, scenario.model, count.units
    order = canonical_order(scenario.ids)
    k = len(order)
    factor, u_c, tail_df = _prior_factor(scenario, count, order)
    centres = unit_centres(scenario, units, order) * factor
    centres /= centres.sum(axis=1, keepdims=True)
    type_names = sorted({u.type for u in units})
    n0 = model.unit_prior_ballots
    race_sigma = math.sqrt(8.0) * u_c if model.uncertainty > 0.0 else 0.0
    type_sigma = math.sqrt(8.0) * model.type_uncertainty
    rows, projections = [], []
    inverse = np.argsort(order)
    for unit, m in zip(units, centres):
        c = np.asarray(unit.counted, dtype=np.float64)[order]
        med, lo, hi = remaining_sigmas(unit)
        r_mean, r_var = remaining_moments(unit)
        sampling = 1.0 / ((c.sum() + n0 + 1.0) * np.maximum(m, 1e-300)) if model.uncertainty > 0.0 else np.zeros(k)
        sigma = np.where(m > 0.0, np.sqrt(8.0 * model.unit_uncertainty**2 + sampling), 0.0)
        projections.append(_project(unit, c, m, r_mean, race_sigma**2 + type_sigma**2 + sigma**2, inverse))
        if unit.remaining.exact and unit.remaining.estimate == 0:
            continue  # nothing left: only its counted votes, in `counted`
        rows.append((m, sigma, type_names.index(unit.type), unit.remaining.exact, med, lo, hi, r_mean, r_var))
    pooled = _pooled(rows, pool, race_sigma, tail_df)
    col = lambda i, dtype=np.float64: np.array([r[i] for r in rows], dtype=dtype)  # noqa: E731
    standing = sorted(range(k), key=lambda j: (-count.counted[order[j]], scenario.ids[order[j]]))
    num, den = threshold_fraction(race.threshold)
    arrays = StrataArrays(
        counted=np.asarray(count.counted, dtype=np.float64)[order],
        centre=np.array([r[0] for r in rows]).reshape(len(rows), k),
        unit_sigma=np.array([r[1] for r in rows]).reshape(len(rows), k),
        unit_type=col(2, np.int64), pooled=pooled, remaining_exact=col(3, np.bool_),
        remaining_median=col(4), sigma_low=col(5), sigma_high=col(6), remaining_mean=col(7), remaining_var=col(8),
        race_sigma=np.full(k, race_sigma), type_sigma=type_sigma, types=len(type_names),
        pool_ballots=bool(pool and len(rows) > EXACT_UNITS), tail_df=tail_df,
        rule=RULE_CODES[race.rule], seats=race.seats, threshold=race.threshold, threshold_num=num, threshold_den=den,
        recount_margin=race.recount_margin,
        yes_index=int(np.nonzero(order == scenario.ids.index("yes"))[0][0]) if race.rule == "measure" else -1,
        order=order, margin_pair=(standing[0], standing[1] if k > 1 else standing[0]),
    )
    return replace(arrays, kernel=kernel_inputs(arrays)), tuple(projections)


def kernel_inputs(a: StrataArrays) -> tuple:
    r"""The units kernel's per-unit constants, computed once per call
    (:func:`simulate.engine._units_kernel.simulate_unit_blocks`): the units drawn exactly
    (centre, spread, type, exact remaining, median, the two log-scale spreads), then the
    pooled ones sorted by vote type with candidates in rows (centre, :math:`v_{uk}`,
    :math:`\bar R_u`, :math:`(\operatorname{Var} R_u - \bar R_u)/\bar R_u^2`, each type's
    first column)."""
    ex = np.flatnonzero(~a.pooled)
    po = np.flatnonzero(a.pooled)
    po = po[np.argsort(a.unit_type[po], kind="stable")]
    rm = a.remaining_mean[po]
    start = np.searchsorted(a.unit_type[po], np.arange(a.types + 1)).astype(np.int64)
    c = lambda x: np.ascontiguousarray(x)  # noqa: E731
    return (c(a.centre[ex]), c(a.unit_sigma[ex]), c(a.unit_type[ex]), c(a.remaining_exact[ex]),
            c(a.remaining_median[ex]), c(a.sigma_low[ex]), c(a.sigma_high[ex]),
            c(a.centre[po].T), c((a.unit_sigma[po] ** 2).T), c(rm), c((a.remaining_var[po] - rm) / rm**2), start)


def _pooled(rows, pool: bool, race_sigma: float = 0.0, tail_df: float = 0.0) -> np.ndarray:
    """Which units are pooled (module docstring): only when there are many, units whose
    spreads are small (:data:`POOL_MAX_SIGMA`), smallest estimated error first
    (:func:`pooling_error`) while the errors add up to at most :data:`POOL_ERROR`."""
    flags = np.zeros(len(rows), np.bool_)
    if not pool or len(rows) <= EXACT_UNITS:
        return flags
    small = np.array([max(r[5], r[6], float(np.max(r[1]))) <= POOL_MAX_SIGMA and r[7] > 0.0 for r in rows])
    candidates = np.flatnonzero(small)
    error = pooling_error(rows, race_sigma, tail_df)
    budget = POOL_ERROR
    for i in candidates[np.argsort(error[candidates], kind="stable")]:
        if error[i] > budget:
            break
        flags[i] = True
        budget -= error[i]
    return flags


def remaining_cumulant3(median: float, lo: float, hi: float) -> float:
    r"""Third cumulant of :math:`R = M e^{\sigma_\pm z} - 1` (two-piece log-normal):
    :math:`E[(R+1)^n] = M^n (e^{n^2\sigma_-^2/2}\Phi(-n\sigma_-) + e^{n^2\sigma_+^2/2}\Phi(n\sigma_+))`."""
    m = [median**n * (math.exp(n * n * lo * lo / 2) * _phi(-n * lo) + math.exp(n * n * hi * hi / 2) * _phi(n * hi))
         for n in (1, 2, 3)]
    return m[2] - 3.0 * m[1] * m[0] + 2.0 * m[0] ** 3


def pooling_error(rows, race_sigma: float, tail_df: float) -> np.ndarray:
    r"""Each unit's estimated error in a probability when it joins the pooled normal (first
    order in its skewness).

    For a pair of candidates :math:`(i, j)` the unit adds about
    :math:`X_u = R_u (q_{ui} - q_{uj})` to their margin, of variance :math:`s_u^2`; the pooled
    normal keeps the mean and variance and loses the third cumulant, at most
    :math:`\kappa_u = |\kappa_3(R_u)|\,|\Delta_u|^3 + 3\sigma_{u,\max} \max(|1 - 2m_{ui}|, |1 - 2m_{uj}|)\, s_u^3`
    (the remaining count's exact skew, :func:`remaining_cumulant3`, and the logistic share's:
    :math:`\Lambda(a + \sigma z)` has skewness :math:`3\sigma(1 - 2q)` to first order).
    Replacing one summand of a sum by a normal of the same two moments, the rest of the sum
    being close to normal with standard deviation :math:`\sigma_{\text{rest}}`, moves the probability of any half-line by at most
    :math:`\kappa_u \sup|\phi''| / (6\sigma_{\text{rest}}^3) = 0.4\,\kappa_u / (6\sigma_{\text{rest}}^3)`
    (Lindeberg's replacement); :math:`\sigma_{\text{rest}}^2` is the race-wide error's
    variance on that margin, :math:`(\bar R\,\sigma_r |g|)^2` (:math:`g` the gradient of
    :math:`q_i - q_j` at the race's centre, times :math:`E[\tau^{-3}]^{-2/3}` with Student-t
    errors), plus every other unit's :math:`s^2`.  The largest over pairs of candidates.
    Units whose race is decided by their own spread (no race-wide error) have few units'
    worth of smoothing, so their skew counts: they are drawn exactly unless there are very
    many of them.
    """
    n = len(rows)
    if n == 0:
        return np.zeros(0)
    centre = np.array([r[0] for r in rows])
    r_mean = np.array([r[7] for r in rows])
    r_var = np.array([r[8] for r in rows])
    sig = np.array([float(np.max(r[1])) for r in rows])
    k3 = np.array([abs(remaining_cumulant3(r[4], r[5], r[6])) for r in rows])
    total = float(r_mean.sum())
    bar = (r_mean @ centre) / total if total > 0 else centre.mean(axis=0)
    smooth = 1.0
    if tail_df > 0.0:  # E[tau^-3] = E[(chi2/nu)^(3/2)]
        smooth = math.exp(1.5 * math.log(2.0 / tail_df) + math.lgamma(tail_df / 2 + 1.5) - math.lgamma(tail_df / 2))
    k = centre.shape[1]
    worst = np.zeros(n)
    for i in range(k):
        for j in range(i + 1, k):
            g = -(bar[i] - bar[j]) * bar
            g[i] += bar[i]
            g[j] -= bar[j]
            race_var = (total * race_sigma) ** 2 * float(g @ g) / smooth ** (2.0 / 3.0)
            delta = np.abs(centre[:, i] - centre[:, j])
            s2 = r_var * delta**2 + r_mean**2 * sig**2 * (centre[:, i] + centre[:, j]) ** 2 / 4 + r_mean / 4
            rest = race_var + s2.sum() - s2
            kappa = k3 * delta**3 + 3.0 * sig * np.maximum(np.abs(1 - 2 * centre[:, i]), np.abs(1 - 2 * centre[:, j])) * s2**1.5
            with np.errstate(divide="ignore", invalid="ignore"):
                e = np.where(rest > 0.0, 0.4 * kappa / (6.0 * np.maximum(rest, 1e-300) ** 1.5), np.inf)
            worst = np.maximum(worst, np.where(kappa > 0.0, e, 0.0))
    return worst


def _project(unit, c, m, r_mean, log_var, inverse) -> UnitProjection:
    """Normal approximation of a unit's final shares (reported, not used for calls): a share
    of the remaining vote moves by about sigma q (1 - q)."""
    total = c.sum() + r_mean
    mean = (c + r_mean * m) / total if total > 0 else m
    sd = np.sqrt(log_var) * m * (1 - m) * r_mean / total if total > 0 else np.zeros_like(m)
    low, high = np.clip(mean - Z95 * sd, 0, 1), np.clip(mean + Z95 * sd, 0, 1)
    fraction = c.sum() / total if total > 0 else 1.0
    return UnitProjection(unit.id, unit.type, float(fraction), float(r_mean), tuple(m[inverse]),
                          tuple(mean[inverse]), tuple(low[inverse]), tuple(high[inverse]))
