r"""Where the final shares can fall: the range of the kernel's share histograms, from the model.

The engine bins every candidate's final share (and the final margin between
the counted leader and runner-up, as :math:`(\text{margin} + 1)/2`) into
:data:`simulate.engine.HIST_BINS` bins over a range set per row before the
draws; the 5% and 95% quantiles of the final shares are read off these
histograms.  The range must hold essentially all of the distribution (draws
outside it land in an under- or overflow bin, where a quantile cannot be
placed) yet be narrow enough for a bin to be a small fraction of the spread.

Instead of a pilot run, the range is bounded from the model's own parameters
(:mod:`simulate.model` notation), at :data:`WIDTH` standard deviations of every
random ingredient:

* the remaining count :math:`R` between its quantiles at :math:`\mp` ``WIDTH``
  log-scale deviations (``WIDTH`` :math:`\sigma_\mp`);
* each share of the remaining vote :math:`q_j` between its values when every
  log-share error :math:`\sigma_i z_i` is at :math:`\pm w\sigma_i` (its own at
  one end, all others at the other: the extremes of the logistic-normal); the
  margin's :math:`q_a - q_b` between the difference of those extremes;
* the ballot noise of the multinomial within :math:`\pm w \sqrt{R\,q(1 - q)}`
  (:math:`\pm w\sqrt{R}` for the margin).

A final share :math:`(c_j + R q_j + \text{noise}) / (C + R)` is then bounded by
its extremes over :math:`q_j` at both ends of its interval and :math:`R` on a
fine geometric grid over its interval, and the bounds are widened by a tenth of
their width.  With ``WIDTH`` = 8 the chance that a draw falls outside is below
:math:`10^{-14}` per ingredient, while the range stays within about 20
standard deviations of the share, so a bin is ~1% of one.

The units model (:mod:`simulate.strata`) is linear-Gaussian in its tallies
:math:`T \sim N(\mu, \Sigma)`; a share :math:`T_j / \sum T` is bounded at
``WIDTH`` standard deviations of its first-order (delta-method) spread,
widened the same way, plus the second-order term of the ratio.

With Student-t errors (``tail_df`` > 0) the tails are too heavy for a fixed
number of standard deviations; the engine then sets the range from a pilot
run instead (:func:`simulate.engine.pilot_range`).
"""

from __future__ import annotations

import math

import numpy as np

#: Standard deviations of every random ingredient covered by the range.
WIDTH = 8.0
#: Points of the grid over the remaining count.
_R_GRID = 65
#: Widening of the bounds, as a fraction of their width.
_PAD = 0.1


def model_range(arrays, bins: int):
    """Histogram origin and bins per unit share for each row (K candidates, then the margin).

    Returns ``None`` when the model has Student-t errors (use a pilot run).
    """
    if arrays.tail_df > 0.0:
        return None
    if hasattr(arrays, "independent"):
        lo, hi = _units_bounds(arrays)
    else:
        lo, hi = _lump_bounds(arrays)
    width = hi - lo
    lo = np.clip(lo - _PAD * width - 1e-9, 0.0, 1.0)
    hi = np.clip(hi + _PAD * width + 1e-9, 0.0, 1.0)
    return lo, bins / np.maximum(hi - lo, 1e-12)


def _lump_bounds(a):
    w = WIDTH
    c = a.counted
    total = float(c.sum())
    m = a.centre
    k = c.shape[0]
    if a.remaining_exact:
        r = np.array([max(a.remaining_median - 1.0, 0.0)])
    else:
        r_lo = max(a.remaining_median * math.exp(-w * a.sigma_low) - 1.0, 0.0)
        r_hi = max(a.remaining_median * math.exp(w * a.sigma_high) - 1.0, 0.0)
        r = np.unique(np.concatenate([np.geomspace(r_lo + 1.0, r_hi + 1.0, _R_GRID) - 1.0, [r_lo, r_hi]]))
    r = r[:, None]  # grid of R, by candidate
    q_lo, q_hi = _share_bounds(m, a.spread, w)
    denom = total + r
    safe = np.where(denom > 0.0, denom, 1.0)
    lows, highs = [], []
    for q in (q_lo, q_hi):
        noise = w * np.sqrt(r * q * (1.0 - q))
        lows.append((c + r * q - noise) / safe)
        highs.append((c + r * q + noise) / safe)
    lo = np.where(denom > 0.0, np.minimum(*lows), 0.0).min(axis=0)
    hi = np.where(denom > 0.0, np.maximum(*highs), 0.0).max(axis=0)
    ia, ib = a.margin_pair
    d_lo, d_hi = (q_lo[ia] - q_hi[ib], q_hi[ia] - q_lo[ib]) if ia != ib else (0.0, 0.0)
    margins = []
    for d in (d_lo, d_hi):
        for sign in (-1.0, 1.0):
            margins.append((c[ia] - c[ib] + r[:, 0] * d + sign * w * np.sqrt(r[:, 0])) / safe[:, 0])
    margins = np.where(denom[:, 0] > 0.0, np.array(margins), 0.0)
    g_lo = 0.5 * (max(margins.min(), -1.0) + 1.0)
    g_hi = 0.5 * (min(margins.max(), 1.0) + 1.0)
    lo = np.append(np.clip(lo, 0.0, 1.0), g_lo)
    hi = np.append(np.clip(hi, 0.0, 1.0), g_hi)
    if k == 1 or ia == ib:
        lo[-1], hi[-1] = 0.5, 0.5
    return lo, hi


def _share_bounds(m, sigma, w):
    r"""Bounds of each logistic-normal share :math:`q_j \propto m_j e^{\sigma_j z_j}`.

    Upper: by Jensen's inequality :math:`\log\sum_{i \ne j} \pi_i e^{x_i} \ge \sum_{i \ne j} \pi_i x_i`
    (:math:`\pi_i = m_i / (1 - m_j)`), so :math:`\operatorname{logit} q_j - \operatorname{logit} m_j`
    is at most :math:`x_j - \sum_{i \ne j} \pi_i x_i`, a normal with standard deviation
    :math:`\sqrt{\sigma_j^2 + \sum_{i \ne j} \pi_i^2 \sigma_i^2}`, taken at ``w`` of them.
    Lower: every error at ``w`` standard deviations, its own down and every other up.
    """
    k = m.shape[0]
    if k == 1 or not np.any(sigma > 0.0):
        return m.copy(), m.copy()
    rest = 1.0 - m
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pi2 = np.where(rest[:, None] > 0.0, (m[None, :] / rest[:, None]) ** 2, 0.0) * (1.0 - np.eye(k))
        sd = np.sqrt(sigma**2 + pi2 @ sigma**2)  # pi2[j, i] = pi_i^2 for share j
        logit = np.log(m) - np.log(rest)  # -inf / +inf at shares 0 / 1
        q_hi = 1.0 / (1.0 + np.exp(-(logit + w * sd)))
    up, down = m * np.exp(w * sigma), m * np.exp(-w * sigma)
    q_lo = down / np.maximum(down + up.sum() - up, 1e-300)
    return np.minimum(q_lo, m), np.maximum(q_hi, m)


def _units_bounds(a):
    w = WIDTH
    mu = np.maximum(a.mean, 0.0)
    k = mu.shape[0]
    cov = a.independent @ a.independent.T + sum(s @ s.T for s in a.shared)
    total = float(mu.sum())
    if total <= 0.0:
        return np.zeros(k + 1), np.ones(k + 1)
    ia, ib = a.margin_pair
    rows = []
    for j in range(k + 1):
        if j < k:
            f = mu[j] / total
            g = -np.full(k, f / total)
            g[j] += 1.0 / total
            rows.append((f, g))
        else:
            f = 0.5 * ((mu[ia] - mu[ib]) / total + 1.0)
            g = -np.full(k, 0.5 * (mu[ia] - mu[ib]) / total**2)
            g[ia] += 0.5 / total
            g[ib] -= 0.5 / total
            rows.append((f, g))
    s_total = math.sqrt(max(float(np.ones(k) @ cov @ np.ones(k)), 0.0)) / total  # relative spread of the total
    lo, hi = np.empty(k + 1), np.empty(k + 1)
    for j, (f, g) in enumerate(rows):
        sd = math.sqrt(max(float(g @ cov @ g), 0.0))
        extra = w * s_total * (w * sd + abs(f))  # second-order term of the ratio (the total's own error)
        lo[j], hi[j] = max(f - w * sd - extra, 0.0), min(f + w * sd + extra, 1.0)
    return lo, hi
