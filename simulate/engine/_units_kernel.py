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
  constants computed once per call.  The arithmetic is laid out as loops over
  units in contiguous rows (candidate by candidate), which the compiler turns
  into vector instructions, and the sums over units are kept in four independent
  partial sums (a fixed order: the same bits every time, and no chain of
  dependent additions);
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

_ONE, _TWO, _THREE, _FOUR = np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(4)


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


@jit
def _pooled_moments(d, po_centre, po_var, po_mean, po_cf, po_start, shared, types, zs, aa, bb, sc, qs, xs, ps, mean, cov):
    r"""Add the pooled units' conditional mean and covariance given the shared errors ``shared[d]``
    (:math:`E_{tk}`) into ``mean[d]`` and ``cov[d]`` (lower triangle), by vote type.

    A function of its own, called once per draw: compiled apart from the draw loop, its
    loops over units are vectorised (inside the kernel's one large function they were not),
    which is worth more than the call.  Unsigned column indices let the compiler know they
    are not negative indices counted from the end.  Work rows: ``zs`` the normaliser,
    ``aa`` :math:`A = \sum_j v_j q_j^2` (then ``cf / 2``), ``bb`` :math:`\sum_j v_j q_j`,
    ``sc`` the corrected shares' total; ``qs`` the shares (then :math:`v_j x_j^2`),
    ``xs`` :math:`x_j = \bar R q_j`, ``ps`` :math:`p_j = x_j (cf/2 - v_j q_j)`.
    """
    k = po_centre.shape[0]
    for g in range(types):
        lo, hi = np.uint64(po_start[g]), np.uint64(po_start[g + 1])
        if lo == hi:
            continue
        e0 = shared[d, g, 0]
        for u in range(lo, hi):
            zs[u] = po_centre[0, u] * e0
        for j in range(1, k):
            e = shared[d, g, j]
            for u in range(lo, hi):
                zs[u] += po_centre[j, u] * e
        for u in range(lo, hi):
            zs[u] = 1.0 / zs[u]
            aa[u] = 0.0
            bb[u] = 0.0
        for j in range(k):
            e = shared[d, g, j]
            for u in range(lo, hi):
                y = po_centre[j, u] * e * zs[u]  # q^s_uj
                qs[j, u] = y
                w = po_var[j, u] * y
                aa[u] += w * y
                bb[u] += w
        # E[q_j] ~ q_j (1 + c_j + c_j^2 / 2), c_j = (v_j (1 - 2 q_j) + A - B) / 2, B = sum v q - A
        for u in range(lo, hi):
            sc[u] = 0.0
        for j in range(k):
            for u in range(lo, hi):
                y = qs[j, u]
                c = 0.5 * (po_var[j, u] * (1.0 - 2.0 * y) + 2.0 * aa[u] - bb[u])
                y *= 1.0 + c * (1.0 + 0.5 * c)
                qs[j, u] = y
                sc[u] += y
        for u in range(lo, hi):
            sc[u] = 1.0 / sc[u]
            aa[u] = 0.5 * (po_cf[u] + aa[u])  # cf / 2
        for j in range(k):
            for u in range(lo, hi):
                y = qs[j, u] * sc[u]  # normalised E[q_j]
                x = po_mean[u] * y
                xs[j, u] = x
                ps[j, u] = x * (aa[u] - po_var[j, u] * y)
                qs[j, u] = po_var[j, u] * x * x
        # mean_j += sum x_j; Cov_ji += sum (p_j x_i + p_i x_j) (+ sum x_j + v_j x_j^2 on the
        # diagonal): each sum in four partial sums, added in a fixed order
        mid = lo + (hi - lo) // _FOUR * _FOUR
        for j in range(k):
            s0 = s1 = s2 = s3 = 0.0
            d0 = d1 = d2 = d3 = 0.0
            for u in range(lo, mid, _FOUR):
                s0 += xs[j, u]
                s1 += xs[j, u + _ONE]
                s2 += xs[j, u + _TWO]
                s3 += xs[j, u + _THREE]
                d0 += qs[j, u]
                d1 += qs[j, u + _ONE]
                d2 += qs[j, u + _TWO]
                d3 += qs[j, u + _THREE]
            for u in range(mid, hi):
                s0 += xs[j, u]
                d0 += qs[j, u]
            s = (s0 + s1) + (s2 + s3)
            mean[d, j] += s
            cov[d, j, j] += s + ((d0 + d1) + (d2 + d3))
            for i in range(j + 1):
                s0 = s1 = s2 = s3 = 0.0
                for u in range(lo, mid, _FOUR):
                    s0 += ps[j, u] * xs[i, u] + ps[i, u] * xs[j, u]
                    s1 += ps[j, u + _ONE] * xs[i, u + _ONE] + ps[i, u + _ONE] * xs[j, u + _ONE]
                    s2 += ps[j, u + _TWO] * xs[i, u + _TWO] + ps[i, u + _TWO] * xs[j, u + _TWO]
                    s3 += ps[j, u + _THREE] * xs[i, u + _THREE] + ps[i, u + _THREE] * xs[j, u + _THREE]
                for u in range(mid, hi):
                    s0 += ps[j, u] * xs[i, u] + ps[i, u] * xs[j, u]
                cov[d, j, i] += (s0 + s1) + (s2 + s3)


@jit
def _pooled_two(m, rho, po_var, po_mean, po_cf, po_start, shared, types, x0s, x1s, d0s, d1s, cs, xs, mean, cov):
    r""":func:`_pooled_moments` for two candidates and the batch's ``m`` draws: with
    :math:`\rho_u = m_{u1}/m_{u0}` and :math:`E = E_{t1}/E_{t0}`, :math:`q^s_0 = 1/(1 + \rho_u E)`,
    one division, and the unit's five contributions (two means, the covariance's three
    entries) in one loop over units that the compiler turns into vector instructions; then
    their sums, each in four partial sums added in a fixed order.  ``xs`` is unused (the
    general function's signature)."""
    for d in range(m):
        for g in range(types):
            lo, hi = np.uint64(po_start[g]), np.uint64(po_start[g + 1])
            if lo == hi:
                continue
            e = shared[d, g, 1] / shared[d, g, 0]
            for u in range(lo, hi):
                re = rho[u] * e
                y = 1.0 / (1.0 + re)  # q^s_0
                w = 1.0 - y if re > 1.0 else re * y  # q^s_1, without cancellation (and 1 when m_0 = 0)
                v0 = po_var[0, u]
                v1 = po_var[1, u]
                a = v0 * y * y + v1 * w * w
                base = 2.0 * a - (v0 * y + v1 * w)
                c0 = 0.5 * (v0 * (1.0 - 2.0 * y) + base)
                c1 = 0.5 * (v1 * (1.0 - 2.0 * w) + base)
                e0 = y * (1.0 + c0 * (1.0 + 0.5 * c0))
                e1 = w * (1.0 + c1 * (1.0 + 0.5 * c1))
                inv = 1.0 / (e0 + e1)
                q0 = e0 * inv
                q1 = e1 * inv
                x0 = po_mean[u] * q0
                x1 = po_mean[u] * q1
                h = 0.5 * (po_cf[u] + a)
                p0 = x0 * (h - v0 * q0)
                p1 = x1 * (h - v1 * q1)
                x0s[u] = x0
                x1s[u] = x1
                d0s[u] = x0 + x0 * (v0 * x0 + 2.0 * p0)
                d1s[u] = x1 + x1 * (v1 * x1 + 2.0 * p1)
                cs[0, u] = p0 * x1 + p1 * x0
            # the five sums in one loop, each in four partial sums (five independent chains)
            mid = lo + (hi - lo) // _FOUR * _FOUR
            a0 = a1 = a2 = a3 = 0.0
            b0 = b1 = b2 = b3 = 0.0
            c0 = c1 = c2 = c3 = 0.0
            f0 = f1 = f2 = f3 = 0.0
            h0 = h1 = h2 = h3 = 0.0
            for u in range(lo, mid, _FOUR):
                u1, u2, u3 = u + _ONE, u + _TWO, u + _THREE
                a0 += x0s[u]
                a1 += x0s[u1]
                a2 += x0s[u2]
                a3 += x0s[u3]
                b0 += x1s[u]
                b1 += x1s[u1]
                b2 += x1s[u2]
                b3 += x1s[u3]
                c0 += d0s[u]
                c1 += d0s[u1]
                c2 += d0s[u2]
                c3 += d0s[u3]
                f0 += d1s[u]
                f1 += d1s[u1]
                f2 += d1s[u2]
                f3 += d1s[u3]
                h0 += cs[0, u]
                h1 += cs[0, u1]
                h2 += cs[0, u2]
                h3 += cs[0, u3]
            for u in range(mid, hi):
                a0 += x0s[u]
                b0 += x1s[u]
                c0 += d0s[u]
                f0 += d1s[u]
                h0 += cs[0, u]
            mean[d, 0] += (a0 + a1) + (a2 + a3)
            mean[d, 1] += (b0 + b1) + (b2 + b3)
            cov[d, 0, 0] += (c0 + c1) + (c2 + c3)
            cov[d, 1, 1] += (f0 + f1) + (f2 + f3)
            cov[d, 1, 0] += (h0 + h1) + (h2 + h3)


@jit(inline="always")
def _sum4(row, lo, hi):
    """``row[lo:hi].sum()`` in four partial sums added in a fixed order."""
    mid = lo + (hi - lo) // _FOUR * _FOUR
    s0 = s1 = s2 = s3 = 0.0
    for u in range(lo, mid, _FOUR):
        s0 += row[u]
        s1 += row[u + _ONE]
        s2 += row[u + _TWO]
        s3 += row[u + _THREE]
    for u in range(mid, hi):
        s0 += row[u]
    return (s0 + s1) + (s2 + s3)


@jit
def _pooled_three(m, po_centre, po_var, po_mean, po_cf, po_start, shared, types, xs, ds, cs, mean, cov):
    r""":func:`_pooled_moments` for three candidates and the batch's ``m`` draws: each unit's
    shares, their correction and its nine contributions (three means, the covariance's six
    entries) in one loop over units, in registers, that the compiler turns into vector
    instructions; then their sums, each in four partial sums added in a fixed order.  Rows:
    ``xs`` the means :math:`x_j`, ``ds`` the diagonal terms, ``cs`` the covariances
    (1,0), (2,0), (2,1)."""
    for d in range(m):
        for g in range(types):
            lo, hi = np.uint64(po_start[g]), np.uint64(po_start[g + 1])
            if lo == hi:
                continue
            e0, e1, e2 = shared[d, g, 0], shared[d, g, 1], shared[d, g, 2]
            for u in range(lo, hi):
                y0 = po_centre[0, u] * e0
                y1 = po_centre[1, u] * e1
                y2 = po_centre[2, u] * e2
                z = 1.0 / ((y0 + y1) + y2)
                y0 *= z
                y1 *= z
                y2 *= z
                v0, v1, v2 = po_var[0, u], po_var[1, u], po_var[2, u]
                w0, w1, w2 = v0 * y0, v1 * y1, v2 * y2
                a = (w0 * y0 + w1 * y1) + w2 * y2
                base = 2.0 * a - ((w0 + w1) + w2)
                c0 = 0.5 * (v0 * (1.0 - 2.0 * y0) + base)
                c1 = 0.5 * (v1 * (1.0 - 2.0 * y1) + base)
                c2 = 0.5 * (v2 * (1.0 - 2.0 * y2) + base)
                y0 *= 1.0 + c0 * (1.0 + 0.5 * c0)
                y1 *= 1.0 + c1 * (1.0 + 0.5 * c1)
                y2 *= 1.0 + c2 * (1.0 + 0.5 * c2)
                inv = 1.0 / ((y0 + y1) + y2)
                h = 0.5 * (po_cf[u] + a)
                q0, q1, q2 = y0 * inv, y1 * inv, y2 * inv
                r = po_mean[u]
                x0, x1, x2 = r * q0, r * q1, r * q2
                p0 = x0 * (h - v0 * q0)
                p1 = x1 * (h - v1 * q1)
                p2 = x2 * (h - v2 * q2)
                xs[0, u] = x0
                xs[1, u] = x1
                xs[2, u] = x2
                ds[0, u] = x0 + x0 * (v0 * x0 + 2.0 * p0)
                ds[1, u] = x1 + x1 * (v1 * x1 + 2.0 * p1)
                ds[2, u] = x2 + x2 * (v2 * x2 + 2.0 * p2)
                cs[0, u] = p1 * x0 + p0 * x1
                cs[1, u] = p2 * x0 + p0 * x2
                cs[2, u] = p2 * x1 + p1 * x2
            for j in range(3):
                mean[d, j] += _sum4(xs[j], lo, hi)
                cov[d, j, j] += _sum4(ds[j], lo, hi)
            cov[d, 1, 0] += _sum4(cs[0], lo, hi)
            cov[d, 2, 0] += _sum4(cs[1], lo, hi)
            cov[d, 2, 1] += _sum4(cs[2], lo, hi)
