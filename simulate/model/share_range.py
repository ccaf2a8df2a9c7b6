r"""Where the final shares can fall: the range of the kernel's share histograms, from the model.

The engine bins every candidate's final share (and the final margin between
the counted leader and runner-up, as :math:`(\text{margin} + 1)/2`) into
:data:`simulate.engine.driver.HIST_BINS` bins over a range set per row before the
draws; the 5% and 95% quantiles of the final shares are read off these
histograms.  The range must hold essentially all of the distribution (draws
outside it land in an under- or overflow bin, where a quantile cannot be
placed) yet be narrow enough for a bin to be a small fraction of the spread.

Instead of a pilot run, the range is bounded from the model's own parameters
(:mod:`simulate.model.lump` notation), at :data:`WIDTH` standard deviations of every
random ingredient:

* the remaining count :math:`R` between its quantiles at :math:`\mp` ``WIDTH``
  log-scale deviations (``WIDTH`` :math:`\sigma_\mp`);
* each share of the remaining vote :math:`q_j` between its values when every
  log-share error :math:`\sigma_i z_i` is at :math:`\pm w\sigma_i` (its own at
  one end, all others at the other: the extremes of the logistic-normal); the
  margin's :math:`q_a - q_b` between the difference of those extremes;
* the ballot noise of the multinomial within Bernstein's bound for a sum of
  bounded terms with variance :math:`v = R\,q(1 - q)` (:math:`R` for the
  margin), :math:`\pm\bigl(L/3 + \sqrt{(L/3)^2 + 2vL}\bigr)` with
  :math:`L = w^2/2`: :math:`w\sqrt{v}` for large counts, and safe for the
  skewed binomials of small ones.

A final share :math:`(c_j + R q_j + \text{noise}) / (C + R)` is then bounded by
its extremes over :math:`q_j` at both ends of its interval and :math:`R` on a
fine geometric grid over its interval, and the bounds are widened by a tenth of
their width.  With ``WIDTH`` = 8 the chance that a draw falls outside is below
:math:`10^{-14}` per ingredient, while the range stays within about 20
standard deviations of the share, so a bin is ~1% of one.

The units model (:mod:`simulate.model.units`) draws every unit's remaining votes
and shares on its own; a bound over all units at their extremes at once would be
far too wide, so its range comes from a pilot run
(:func:`simulate.engine.driver.pilot_range`).

With Student-t errors (``tail_df`` :math:`\nu > 0`) the share errors are
:math:`\tau\sigma z` with :math:`\tau = \sqrt{\nu/\chi^2_\nu}` common to all
candidates.  Their tails are too heavy for 8 standard deviations to mean
anything, so the range is instead set to hold all but a :data:`T_MISS`
fraction of the draws: every ingredient at :data:`T_WIDTH` standard
deviations (a normal beyond 5 has probability :math:`5.7 \times 10^{-7}`), the
share errors scaled by the :math:`1 - T_{\text{miss}}` quantile of
:math:`\tau` (:func:`tau_quantile`, from the exact :math:`\chi^2_\nu`
distribution).  The few draws outside land in the under- and overflow bins,
which a 5% or 95% quantile never reaches; their exact extremes are kept.  With
the default :math:`\nu = 8.1` the range is about 80 standard deviations of a
normal share error wide, so a bin is ~4% of one.  For heavier tails (the
quantile of :math:`\tau` above :data:`TAU_LIMIT`, i.e. ``tail_df`` below about 6)
the engine sets the range from a pilot run instead
(:func:`simulate.engine.driver.pilot_range`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

#: Standard deviations of every random ingredient covered by the range.
WIDTH = 8.0
#: With Student-t errors: the fraction of draws the range may miss, and the standard
#: deviations of each ingredient it covers.
T_MISS = 5e-7
T_WIDTH = 5.0
#: Above this bound on a Student-t error (in its scale; tail_df below 6) the range
#: would be too coarse: pilot run.
T_LIMIT = 25.0
#: Points of the grid over the remaining count.
_R_GRID = 65
#: Widening of the bounds, as a fraction of their width.
_PAD = 0.1


def model_range(arrays, bins: int):
    """Histogram origin and bins per unit share for each row (K candidates, then the margin).

    Returns ``None`` only if the bounds cannot be computed (the engine then runs a pilot).
    """
    if arrays.tail_df > 0.0:
        w, t = T_WIDTH, t_quantile(arrays.tail_df, T_MISS)
    else:
        w, t = WIDTH, WIDTH
    if not t <= T_LIMIT:  # tails so heavy that a pilot run's range is finer
        return None
    if hasattr(arrays, "unit_sigma"):  # the units model: pilot run (module docstring)
        return None
    lo, hi = _lump_bounds(arrays, w, t)
    width = hi - lo
    lo = np.clip(lo - _PAD * width - 1e-9, 0.0, 1.0)
    hi = np.clip(hi + _PAD * width + 1e-9, 0.0, 1.0)
    return lo, bins / np.maximum(hi - lo, 1e-12)


@functools.lru_cache(maxsize=32)
def t_quantile(nu: float, miss: float) -> float:
    r"""The bound :math:`B` with :math:`P(|T_\nu| > B) = \text{miss}` for Student's t.

    :math:`P(|T_\nu| > B) = I_{\nu / (\nu + B^2)}(\nu/2, 1/2)`, the regularised incomplete
    beta function (continued fraction, Numerical Recipes' ``betacf``), inverted by
    bisection on the log scale.
    """
    a, b = 0.5 * nu, 0.5

    def tail(bound):
        x = nu / (nu + bound * bound)
        front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
        if x < (a + 1.0) / (a + b + 2.0):
            return front * _beta_fraction(a, b, x) / a
        return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b

    lo, hi = math.log(1e-3), math.log(1e8)
    if tail(math.exp(hi)) > miss:
        return math.inf
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if tail(math.exp(mid)) > miss:
            lo = mid
        else:
            hi = mid
    return math.exp(hi)


def _beta_fraction(a, b, x):
    # Lentz's continued fraction for the incomplete beta function.
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _lump_bounds(a, w, t):
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
    q_lo, q_hi = _share_bounds(m, a.spread, t)
    denom = total + r
    safe = np.where(denom > 0.0, denom, 1.0)
    lows, highs = [], []
    for q in (q_lo, q_hi):
        noise = _ballot_noise(w, r * q * (1.0 - q), r)
        lows.append((c + r * q - noise) / safe)
        highs.append((c + r * q + noise) / safe)
    lo = np.where(denom > 0.0, np.minimum(*lows), 0.0).min(axis=0)
    hi = np.where(denom > 0.0, np.maximum(*highs), 0.0).max(axis=0)
    ia, ib = a.margin_pair
    d_lo, d_hi = (q_lo[ia] - q_hi[ib], q_hi[ia] - q_lo[ib]) if ia != ib else (0.0, 0.0)
    margins = []
    for d in (d_lo, d_hi):
        for sign in (-1.0, 1.0):
            margins.append((c[ia] - c[ib] + r[:, 0] * d + sign * _ballot_noise(w, r[:, 0], r[:, 0])) / safe[:, 0])
    margins = np.where(denom[:, 0] > 0.0, np.array(margins), 0.0)
    g_lo = 0.5 * (max(margins.min(), -1.0) + 1.0)
    g_hi = 0.5 * (min(margins.max(), 1.0) + 1.0)
    lo = np.append(np.clip(lo, 0.0, 1.0), g_lo)
    hi = np.append(np.clip(hi, 0.0, 1.0), g_hi)
    if k == 1 or ia == ib:
        lo[-1], hi[-1] = 0.5, 0.5
    return lo, hi


def _ballot_noise(w, variance, count):
    """Bernstein's bound on the deviation of a binomial of ``count`` trials with ``variance``,
    at the tail probability of ``w`` normal sds (none without variance, never above ``count``)."""
    third = w * w / 6.0
    bound = np.minimum(third + np.sqrt(third * third + w * w * variance), count)
    return np.where(variance > 0.0, bound, 0.0)


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
