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
* each share of the remaining vote :math:`q_j` within
  :math:`m_j \pm w\, s \sqrt{m_j(1 - m_j)}` (its marginal spread), the lower
  end divided by the largest total the clipping of negative shares can leave
  (renormalisation shrinks the positive shares); the margin's
  :math:`q_a - q_b` within :math:`m_a - m_b \pm w\, s \sqrt{m_a + m_b - (m_a - m_b)^2}`;
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
    spread = a.scale * np.sqrt(m * (1.0 - m))
    clipped = 1.0 + np.sum(np.maximum(w * spread - m, 0.0))  # largest total after clipping negatives
    q_lo = np.maximum(m - w * spread, 0.0) / clipped
    q_hi = np.minimum(m + w * spread, 1.0)
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
    d0 = m[ia] - m[ib]
    d_sd = a.scale * math.sqrt(max(m[ia] + m[ib] - d0 * d0, 0.0)) if ia != ib else 0.0
    d_lo, d_hi = max(d0 - w * d_sd, -1.0), min(d0 + w * d_sd, 1.0)
    d_lo, d_hi = min(d_lo, d_lo / clipped), max(d_hi, d_hi / clipped)
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
