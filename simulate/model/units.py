r"""The remaining vote modelled where it is: units (counties, precincts, vote types).

Notation: units :math:`u` of vote type :math:`t(u)`, counted votes :math:`c_u`
(:math:`C_u` in all), remaining :math:`R_u` (exact, or the two-piece log-normal
of :mod:`simulate.model.lump` truncated to its central 99.8%, independent across
units), :math:`K` candidates.

**Centre of each unit's remaining vote.**  A unit's own counted shares
:math:`p_u` are weighed against a fallback :math:`g_u` worth
``unit_prior_ballots`` (:math:`n_0`) ballots:

.. math:: m_u = \frac{C_u p_u + n_0 g_u}{C_u + n_0} + \text{shift},

so a unit's own count dominates once it has many more than :math:`n_0`
ballots counted.  The fallback is the unit's ``baseline`` moved by the swing
measured in the units of its vote type that have reported and have a
baseline (:math:`\sum_v C_v (p_v - b_v) / \sum_v C_v`; any type if none of
its own has); without a baseline, the counted shares of its vote type;
without those, the race-wide counted shares.

**Errors at three levels.**  With :math:`D(m) z = \sqrt{m} \circ z - m \sum_j \sqrt{m_j} z_j`
(the ballot-shaped error of :mod:`simulate.model.lump`),

.. math:: q_u = m_u + D(m_u)\,\bigl(s_r \tau z_r + s_{t(u)} z_{t(u)} + s_u z_u\bigr),

with independent standard normal vectors: :math:`z_r` shared by every unit
(the race-wide error, the one that makes calls wrong; :math:`s_r = 2u_c` as
in the lump model, including the early-count widening; :math:`\tau` the
Student-t factor when ``tail_df`` is set), :math:`z_t` shared by the units of
a vote type (:math:`s_t = 2\,\text{type\_uncertainty}`), and :math:`z_u` of the
unit alone (:math:`s_u^2 = 4\,\text{unit\_uncertainty}^2 + 1/(C_u + n_0 + 1)`,
the second term the sampling error of a centre worth :math:`C_u + n_0` ballots).

**Final tallies.**  :math:`T = \sum_u c_u + R_u q_u + \text{ballot noise}`.
The race-wide and vote-type errors are drawn; the unit-level terms are
independent across units, so their sum is drawn at once from its exact
Gaussian covariance (to first order in the errors):

.. math:: T = \mu + \tau A_r z_r + \sum_t A_t z_t + L\varepsilon, \qquad
          \mu = \sum_u c_u + \bar R_u m_u,\quad A_r = s_r\sum_u \bar R_u D(m_u),\quad
          A_t = s_t \sum_{u \in t} \bar R_u D(m_u),

.. math:: L L^\top = \sum_u (\bar R_u^2 s_u^2 + \bar R_u)(\operatorname{diag} m_u - m_u m_u^\top)
                    + \operatorname{Var}(R_u)\, m_u m_u^\top ,

:math:`\bar R_u` the mean of :math:`R_u`.  Products of two errors
(remaining-count error times share error) are dropped, which keeps a draw as
cheap as the single-lump model however many units there are.  With a single
unit the scenario is simulated by the lump model itself, exactly.

**Drawing.**  The vote-type and unit-level terms are independent Gaussians, so
their sum is one Gaussian, :math:`\sum_t A_t z_t + L\varepsilon = B\eta` with
:math:`B B^\top = \sum_t A_t A_t^\top + L L^\top`; with normal errors
(:math:`\tau = 1`) the race-wide term joins them too.  The kernel therefore
draws :math:`K` standard normals per draw (:math:`2K` with ``tail_df``) instead
of :math:`K` per vote type and level (:func:`kernel_loadings`): the same
distribution, at a cost that does not grow with the number of vote types.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..scenario.centre import canonical_order, count_spread
from ..scenario.records import Count, Scenario, Unit
from .lump import Z95


@dataclass(frozen=True)
class StrataArrays:
    """Flat inputs of the units kernel (candidates in the kernel's id order)."""

    mean: np.ndarray  # float64[K]: expected final tallies
    shared: np.ndarray  # float64[1 + T, K, K]: race-wide error (row 0) and one per vote type
    independent: np.ndarray  # float64[K, K]: L, the unit-level terms' covariance root
    tail_df: float
    rule: int
    seats: int
    threshold: float
    recount_margin: float
    yes_index: int
    order: np.ndarray
    margin_pair: tuple[int, int]
    counted: np.ndarray  # float64[K], counted votes (not used by the kernel)


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


_Z_GRID = np.linspace(-3.090232306167813, 3.090232306167813, 401)  # the central 99.8%
_Z_WEIGHTS = np.exp(-0.5 * _Z_GRID**2) / np.exp(-0.5 * _Z_GRID**2).sum()  # normal density, normalised (no scipy import)


def remaining_moments(unit: Unit) -> tuple[float, float]:
    """Mean and variance of a unit's remaining votes under the two-piece log-normal,
    truncated to its central 99.8% (a wide interval's log-normal tail would otherwise
    give one unit an absurd variance; the lump model samples the tail itself)."""
    r = unit.remaining
    if r.exact:
        return float(r.estimate), 0.0
    med = r.estimate + 1.0
    lo = math.log(med / (r.low + 1.0)) / Z95
    hi = math.log((r.high + 1.0) / med) / Z95
    values = np.maximum(med * np.exp(_Z_GRID * np.where(_Z_GRID < 0, lo, hi)) - 1.0, 0.0)
    mean = float(values @ _Z_WEIGHTS)
    return mean, float(((values - mean) ** 2) @ _Z_WEIGHTS)


def _normalised(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, None)
    total = x.sum()
    return x / total if total > 0 else np.full(x.shape, 1.0 / x.size)


def unit_centres(scenario: Scenario, units: tuple[Unit, ...], order: np.ndarray) -> np.ndarray:
    """:math:`m_u` for every unit, float64[U, K] in kernel order."""
    k = len(order)
    counted = np.array([u.counted for u in units], dtype=np.float64)[:, order]
    totals = counted.sum(axis=1)
    types = [u.type for u in units]
    race = _normalised(counted.sum(axis=0)) if totals.sum() > 0 else np.full(k, 1.0 / k)
    by_type = {}
    for t in set(types):
        rows = [i for i, x in enumerate(types) if x == t]
        by_type[t] = _normalised(counted[rows].sum(axis=0)) if totals[rows].sum() > 0 else race
    baselines = [None if u.baseline is None else np.asarray(u.baseline)[order] for u in units]
    swings = _swings(counted, totals, types, baselines)
    n0 = scenario.model.unit_prior_ballots
    shift = np.asarray(scenario.model.shift)[order]
    centres = np.empty((len(units), k))
    for i, unit in enumerate(units):
        if baselines[i] is not None:
            fallback = _normalised(baselines[i] + swings.get(unit.type, swings.get(None, 0.0)))
        else:
            fallback = by_type[unit.type]
        own = counted[i] / totals[i] if totals[i] > 0 else fallback
        centres[i] = _normalised((totals[i] * own + n0 * fallback) / (totals[i] + n0) + shift)
    return centres


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


def _ballot_shape(m: np.ndarray) -> np.ndarray:
    """D(m) as a matrix: D z = sqrt(m) * z - m * (sqrt(m) . z)."""
    root = np.sqrt(m)
    return np.diag(root) - np.outer(m, root)


def prepare_strata(scenario: Scenario, count: Count) -> tuple[StrataArrays, tuple[UnitProjection, ...]]:
    """Kernel inputs for a count with units, and each unit's projection."""
    from .lump import RULE_CODES

    race, model, units = scenario.race, scenario.model, count.units
    order = canonical_order(scenario.ids)
    k = len(order)
    centres = unit_centres(scenario, units, order)
    type_names = sorted({u.type for u in units})
    s_race = 2.0 * count_spread(scenario, count)
    s_type = 2.0 * model.type_uncertainty
    mean = np.zeros(k)
    shared = np.zeros((1 + len(type_names), k, k))
    cov = np.zeros((k, k))
    projections = []
    inverse = np.argsort(order)
    for unit, m in zip(units, centres):
        c = np.asarray(unit.counted, dtype=np.float64)[order]
        r_mean, r_var = remaining_moments(unit)
        s_unit2 = 4.0 * model.unit_uncertainty**2 + 1.0 / (c.sum() + model.unit_prior_ballots + 1.0)
        shape = _ballot_shape(m)
        mean += c + r_mean * m
        shared[0] += s_race * r_mean * shape
        shared[1 + type_names.index(unit.type)] += s_type * r_mean * shape
        cov += (r_mean**2 * s_unit2 + r_mean) * (np.diag(m) - np.outer(m, m)) + r_var * np.outer(m, m)
        projections.append(_project(unit, c, m, r_mean, s_race**2 + s_type**2 + s_unit2, inverse))
    values, vectors = np.linalg.eigh(cov)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    standing = sorted(range(k), key=lambda j: (-count.counted[order[j]], scenario.ids[order[j]]))
    arrays = StrataArrays(
        mean=mean, shared=shared, independent=root, tail_df=model.tail_df,
        rule=RULE_CODES[race.rule], seats=race.seats, threshold=race.threshold,
        recount_margin=race.recount_margin,
        yes_index=int(np.nonzero(order == scenario.ids.index("yes"))[0][0]) if race.rule == "measure" else -1,
        order=order, margin_pair=(standing[0], standing[1] if k > 1 else standing[0]),
        counted=np.asarray(count.counted, dtype=np.float64)[order],
    )
    return arrays, tuple(projections)


def kernel_loadings(arrays: StrataArrays) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's ``shared`` (float64[M, K, K]) and ``independent`` (float64[K, K]) loadings.

    The Gaussian levels folded into one (module docstring, *Drawing*): ``M`` = 1, the
    race-wide loading, when it is scaled by the Student-t factor (``tail_df`` > 0), else 0.
    """
    keep = 1 if arrays.tail_df > 0.0 else 0
    folded = arrays.independent @ arrays.independent.T
    for loading in arrays.shared[keep:]:
        folded = folded + loading @ loading.T
    values, vectors = np.linalg.eigh(folded)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    return np.ascontiguousarray(arrays.shared[:keep]), np.ascontiguousarray(root)


def _project(unit, c, m, r_mean, var_scale, inverse) -> UnitProjection:
    """Normal approximation of a unit's final shares (reported, not used for calls)."""
    total = c.sum() + r_mean
    mean = (c + r_mean * m) / total if total > 0 else m
    sd = np.sqrt(var_scale * m * (1 - m)) * r_mean / total if total > 0 else np.zeros_like(m)
    low, high = np.clip(mean - Z95 * sd, 0, 1), np.clip(mean + Z95 * sd, 0, 1)
    fraction = c.sum() / total if total > 0 else 1.0
    return UnitProjection(unit.id, unit.type, float(fraction), float(r_mean), tuple(m[inverse]),
                          tuple(mean[inverse]), tuple(low[inverse]), tuple(high[inverse]))
