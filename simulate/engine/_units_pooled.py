r"""The pooled units' conditional moments for the units kernel (private).

Given the shared errors of a draw, :math:`E_{tk}` by vote type, the pooled (small) units'
remaining votes add up to a normal whose mean and covariance are sums over units of
closed-form terms (:mod:`simulate.model.units`, "Many small units"), with no random
numbers and no transcendental function.  The arithmetic is laid out as loops over units
in contiguous rows, which the compiler turns into vector instructions, and every sum
over units is kept in four independent partial sums added in a fixed order (the same
bits every time, and no chain of dependent additions).  Two and three candidates have a
loop of their own that does each unit's whole work in registers in one pass
(:func:`_pooled_two`, :func:`_pooled_three`); more candidates use the general
:func:`_pooled_moments`, a pass over work rows per step.
"""

from __future__ import annotations

import numpy as np

from ._numba import jit

_ONE, _TWO, _THREE, _FOUR = np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(4)


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
