r"""The units model's Monte Carlo kernel (private): :mod:`simulate.model.units`, block by block.

Same contract as :mod:`simulate.engine._kernel` (preallocated outputs, blocks on
their own random streams, the same bits for any thread count), same outputs, and
the same ranking and scoring (:func:`simulate.engine._kernel.score_draw`).

Per draw: the Student-t factor :math:`\tau`; the race-wide and vote-type errors,
turned once into :math:`E_{tk} = \exp(\tau\sigma_r z_{rk} + \sigma_t z_{tk})`
(``types`` x K exponentials: the only transcendental work shared by units); then

* each unit drawn exactly (the large ones), in turn: its remaining votes (one
  normal, one exponential), its K unit-level normals and exponentials, and its
  conditional binomials, or, with many units, its ballot noise's mean and
  covariance added to the pooled normal's;
* the pooled units (the small ones), by vote type, with no random numbers and no
  transcendental function: their conditional mean and covariance given
  :math:`E_t` (:mod:`simulate.model.units`, "Many small units") from per-unit
  constants computed once per call (:mod:`simulate.engine._units_pooled`);
* last, the pooled sum :math:`\mu + L\eta` (:math:`LL^\top` the accumulated
  covariance, Cholesky; K normals), rounded to whole votes and floored at 0.

Cost per draw: O(K) per exactly drawn unit (plus O(K^2) with pooled ballot
noise), O(K^2) arithmetic per pooled unit with no variate, O(K^3) for the
Cholesky.
"""

from __future__ import annotations

import math

import numpy as np

from ._kernel import score_draw, tail_factor
from ._numba import jit
from ._rng import binomial, exp, load, normal, store
from ._units_pooled import _pooled_moments, _pooled_three, _pooled_two


#: Draws processed together: their shared errors and the exactly drawn units' normals first,
#: then each unit's (or the pooled units') work for all of them in one call.
BATCH = 64


@jit
def simulate_unit_blocks(
    states, block_draws, counted,
    ex_centre, ex_sigma, ex_type, ex_rexact, ex_median, ex_slow, ex_shigh,
    po_centre, po_var, po_mean, po_cf, po_start,
    race_sigma, type_sigma, types, pool_ballots, tail_df,
    rule, seats, threshold, threshold_num, threshold_den, recount_margin, yes_index, margin_a, margin_b,
    hist_low, hist_scale, slot,
    wins, outright, advance, first, pairs, runoffs, recounts, share_sum, share_min, share_max, hist,
):
    r"""Simulate blocks of draws of the units model, adding their outcomes into the outputs.

    Parameters
    ----------
    states, block_draws, counted
        As :func:`simulate.engine._kernel.simulate_blocks` (``counted``: the race's).
    ex_centre, ex_sigma : float64[E, K]
        Units drawn exactly: centre :math:`m_u` and unit-level spread :math:`\sigma_{uk}`.
    ex_type : int64[E]; ex_rexact : bool[E]; ex_median, ex_slow, ex_shigh : float64[E]
        Their vote type, whether the remaining votes are exact, the median of
        :math:`R_u + 1` and the two log-scale spreads.
    po_centre, po_var : float64[K, P]
        Pooled units (sorted by vote type, candidates in rows): :math:`m_u` and
        :math:`v_{uk} = \sigma_{uk}^2`.
    po_mean, po_cf : float64[P]
        :math:`\bar R_u` and :math:`(\operatorname{Var} R_u - \bar R_u) / \bar R_u^2`.
    po_start : int64[types + 1]
        Pooled units of type ``g`` are columns ``po_start[g]`` to ``po_start[g + 1]``.
    race_sigma : float64[K]; type_sigma : float; types : int
        :math:`\sigma_r`, :math:`\sigma_t` and the number of vote types.
    pool_ballots : bool
        The exactly drawn units' ballot noise joins the pooled normal.
    tail_df, rule ... hist, as :func:`simulate.engine._kernel.simulate_blocks`.

    Draws go in batches of :data:`BATCH`; per draw of a batch, in this order: the
    Student-t factor, K race-wide and ``types`` x K vote-type normals, then the exactly
    drawn units' normals (one for an uncertain remaining count, then K); then, draw by
    draw, the binomials of the exactly drawn units (few units) or the pooled normal's K.
    """
    k = counted.shape[0]
    ne = ex_centre.shape[0]
    npool = po_centre.shape[1]
    depth = min(k, max(seats + 1, 3))
    head = min(depth + 1, k)
    nbins = hist.shape[2] - 2
    any_pooled = pool_ballots or npool > 0
    nt = max(types, 1)
    shared = np.empty((BATCH, nt, k))
    t = np.empty(max(k, 4))
    q = np.empty(k)
    mean = np.empty((BATCH, k))
    cov = np.empty((BATCH, k, k))
    chol = np.empty((k, k))
    order = np.empty(k, np.uint64)
    nz = 0  # normals of the exactly drawn units per draw
    for u in range(ne):
        nz += k if ex_rexact[u] else k + 1
    zbuf = np.empty((BATCH, max(nz, 1)))
    # the pooled units' work rows (:func:`_pooled_moments`, :func:`_pooled_two`)
    width = max(npool, 1)
    zs = np.empty(width)
    aa = np.empty(width)
    bb = np.empty(width)
    sc = np.empty(width)
    qs = np.empty((k, width))
    xs = np.empty((k, width))
    ps = np.empty((k, width))
    rho = np.empty(width)  # two candidates: m_1 / m_0
    if k == 2:
        for u in range(npool):
            rho[u] = po_centre[1, u] / po_centre[0, u] if po_centre[0, u] > 0.0 else np.inf
    for b in range(states.shape[0]):
        st = load(states[b])
        for j in range(k):
            order[j] = j
        n = block_draws[b]
        for start in range(0, n, BATCH):
            m = min(BATCH, n - start)
            # -- every variate the batch needs before its units: shared errors, units' normals --
            for d in range(m):
                factor, st = tail_factor(st, tail_df)
                for j in range(k):
                    z, st = normal(st)
                    q[j] = factor * race_sigma[j] * z
                for g in range(types):
                    for j in range(k):
                        z, st = normal(st)
                        shared[d, g, j] = exp(q[j] + type_sigma * z)
                for i in range(nz):
                    z, st = normal(st)
                    zbuf[d, i] = z
                for j in range(k):
                    mean[d, j] = 0.0
                    for i in range(k):
                        cov[d, j, i] = 0.0
            # -- units drawn exactly, with many units: their moments into the pooled normal ------
            if pool_ballots:
                _exact_moments(m, shared, zbuf, ex_centre, ex_sigma, ex_type, ex_rexact, ex_median, ex_slow, ex_shigh,
                               mean, cov)
            # -- pooled units, by vote type (module docstring) ---------------------------------
            if npool > 0:
                if k == 2:
                    _pooled_two(m, rho, po_var, po_mean, po_cf, po_start, shared, types, zs, aa, bb, sc, qs, xs, mean, cov)
                elif k == 3:
                    _pooled_three(m, po_centre, po_var, po_mean, po_cf, po_start, shared, types, xs, qs, ps, mean, cov)
                else:
                    for d in range(m):
                        _pooled_moments(d, po_centre, po_var, po_mean, po_cf, po_start, shared, types,
                                        zs, aa, bb, sc, qs, xs, ps, mean, cov)
            for d in range(m):
                for j in range(k):
                    t[j] = counted[j]
                if not pool_ballots:
                    # few units: each one's conditional binomials, p_j = q_j / sum_{i >= j} q_i
                    p = 0
                    for u in range(ne):
                        g = ex_type[u]
                        r = ex_median[u] - 1.0
                        if not ex_rexact[u]:
                            z = zbuf[d, p]
                            p += 1
                            r = max(np.floor(ex_median[u] * exp(z * (ex_slow[u] if z < 0.0 else ex_shigh[u])) + 0.5) - 1.0, 0.0)
                        tail = 0.0
                        for j in range(k - 1, -1, -1):
                            v = ex_centre[u, j] * shared[d, g, j] * exp(ex_sigma[u, j] * zbuf[d, p + j])
                            tail += v
                            q[j] = v / tail if tail > 0.0 else 0.0
                        p += k
                        left = r
                        for j in range(k - 1):
                            x = 0.0
                            if left > 0.0:
                                x, st = binomial(st, left, q[j])
                            t[j] += x
                            left -= x
                        t[k - 1] += left
                if any_pooled:
                    # Cholesky of the pooled covariance (lower triangle), a non-positive pivot
                    # (a direction without variance) dropping its column
                    for j in range(k):
                        for i in range(j + 1):
                            acc = cov[d, j, i]
                            for p in range(i):
                                acc -= chol[j, p] * chol[i, p]
                            if i == j:
                                chol[j, j] = math.sqrt(acc) if acc > 1e-9 * (1.0 + abs(cov[d, j, j])) else 0.0
                            else:
                                chol[j, i] = acc / chol[i, i] if chol[i, i] > 0.0 else 0.0
                    for j in range(k):
                        z, st = normal(st)
                        q[j] = z
                    for j in range(k):
                        acc = mean[d, j]
                        for i in range(j + 1):
                            acc += chol[j, i] * q[i]
                        t[j] += max(np.floor(acc + 0.5), 0.0)
                st = score_draw(st, t, order, k, depth, head, nbins, rule, seats, threshold, threshold_num, threshold_den,
                                recount_margin, yes_index, margin_a, margin_b, hist_low, hist_scale, slot, b,
                                wins, outright, advance, first, pairs, runoffs, recounts, share_sum, share_min, share_max,
                                hist)
        store(states[b], st)


@jit
def _exact_moments(m, shared, zbuf, ex_centre, ex_sigma, ex_type, ex_rexact, ex_median, ex_slow, ex_shigh, mean, cov):
    r"""Add the exactly drawn units' remaining votes' mean :math:`R_u q_u` and ballot-noise
    covariance :math:`R_u(\operatorname{diag} q_u - q_u q_u^\top)` (lower triangle) for the
    batch's ``m`` draws, each unit's :math:`R_u` and :math:`q_u` from its normals in ``zbuf``.

    A function of its own, called once per batch (compiled apart from the draw loop, with
    its own registers); the two-piece spread is chosen without a branch.
    """
    k = ex_centre.shape[1]
    ne = ex_centre.shape[0]
    q = np.empty(k)
    for d in range(m):
        p = 0
        for u in range(ne):
            g = ex_type[u]
            r = ex_median[u] - 1.0
            if not ex_rexact[u]:
                z = zbuf[d, p]
                p += 1
                spread = z * ex_shigh[u] + min(z, 0.0) * (ex_slow[u] - ex_shigh[u])
                r = max(np.floor(ex_median[u] * exp(spread) + 0.5) - 1.0, 0.0)
            tail = 0.0
            for j in range(k):
                v = ex_centre[u, j] * shared[d, g, j] * exp(ex_sigma[u, j] * zbuf[d, p + j])
                tail += v
                q[j] = v
            p += k
            inv = 1.0 / tail if tail > 0.0 else 0.0
            for j in range(k):
                q[j] *= inv
                x = r * q[j]
                mean[d, j] += x
                cov[d, j, j] += x
                for i in range(j + 1):
                    cov[d, j, i] -= x * q[i]
