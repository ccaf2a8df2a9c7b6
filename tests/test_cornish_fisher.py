"""The corrected-normal binomial: the sampler's own output against the exact Cornish-Fisher law,
and that law's exact worst-case error against the binomial, down to p = 1e-5.

Above a binomial variance ``npq`` of 1,000 the sampler draws
``floor(np + sd z + (1 - 2p)(z^2 - 1)/6 + 1/2)``.  Its distribution function, computed exactly
(:func:`corrected_cdf`), differs from the binomial's by at most ``c(p)/npq`` with ``c`` rising
from 0.0068 at p = 1/2 to 0.0118 as p -> 0 or 1.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulate.engine import _rng, streams
from simulate.model import lump as model

WORST = 0.0118  # sup over p of npq * sup_k |F_corrected(k) - F_binomial(k)|, at npq >= 1,000


def corrected_cdf(ks, n, p):
    """P(X <= k) for X = floor(np + sd z + (1-2p)(z^2-1)/6 + 1/2), z ~ N(0, 1), exactly.

    X <= k  <=>  z + a (z^2 - 1) < t with a = (1-2p)/(6 sd), t = (k + 1/2 - np)/sd; on the
    increasing branch of the quadratic that is z < (-1 + sqrt(1 + 4a(a + t)))/(2a).
    """
    sd = np.sqrt(n * p * (1 - p))
    a = (1 - 2 * p) / sd / 6
    t = (np.asarray(ks, float) + 0.5 - n * p) / sd
    if abs(a) < 1e-15:
        return stats.norm.cdf(t)
    disc = 1 + 4 * a * (a + t)
    root = (-1 + np.sqrt(np.maximum(disc, 0.0))) / (2 * a)
    return np.where(disc < 0, 0.0 if a > 0 else 1.0, stats.norm.cdf(root))


def scaled_gap(n, p):
    """npq * sup_k |F_corrected(k) - F_binomial(k)|, over k within 9 sd of the mean."""
    sd = np.sqrt(n * p * (1 - p))
    ks = np.arange(max(0, int(n * p - 9 * sd)), int(n * p + 9 * sd) + 1)
    return float(np.max(np.abs(corrected_cdf(ks, n, p) - stats.binom.cdf(ks, n, p)))) * n * p * (1 - p)


@pytest.mark.parametrize("p", [0.5, 0.1, 0.01, 0.003, 0.001, 1e-4, 1e-5, 0.999])
@pytest.mark.parametrize("variance", [model.NORMAL_MIN_VARIANCE, 4 * model.NORMAL_MIN_VARIANCE])
def test_worst_case_error_is_0118_over_npq(p, variance):
    n = int(np.ceil(variance / (p * (1 - p))))
    gap = scaled_gap(n, p)
    assert gap <= WORST
    assert gap / (n * p * (1 - p)) <= 1.2e-5  # the README's figure at the switch


def test_the_worst_case_is_reached_near_zero():
    """The old bound 0.0115/npq fails below p = 0.01; 0.0118 is within 0.5% of the supremum."""
    n = int(np.ceil(model.NORMAL_MIN_VARIANCE / (1e-5 * (1 - 1e-5))))
    assert scaled_gap(n, 1e-5) > 0.0117
    n = int(np.ceil(model.NORMAL_MIN_VARIANCE / (0.003 * 0.997)))
    assert scaled_gap(n, 0.003) > 0.0115
    assert scaled_gap(4000, 0.5) < 0.0070  # and the symmetric case is far from it


@pytest.mark.parametrize("p", [0.01, 0.001, 0.5])
def test_sampler_output_follows_the_corrected_law(p):
    """The compiled sampler's draws against the exact corrected-normal distribution function at the
    points where the skew term moves it most: a wrong or missing skew correction (about 0.002 at
    npq = 1,000 and p <= 0.01) is 6 to 12 standard errors away; agreement within |z| <= 4.5 (a few
    points tested)."""
    n = int(np.ceil(model.NORMAL_MIN_VARIANCE / (p * (1 - p))))
    m = 2_000_000
    out = np.empty(m)
    _rng.fill_binomials(streams.block_states(11, 0, 1)[0].copy(), float(n), p, out)
    sd = np.sqrt(n * p * (1 - p))
    ks = np.floor(n * p + sd * np.array([-1.5, -0.5, 0.0, 0.5, 1.5]))
    expected = corrected_cdf(ks, n, p)
    observed = np.searchsorted(np.sort(out), ks, side="right") / m
    z = (observed - expected) / np.sqrt(expected * (1 - expected) / m)
    assert np.max(np.abs(z)) <= 4.5, z
    # And the law the sampler follows is the binomial's to within the bound above.
    assert np.max(np.abs(expected - stats.binom.cdf(ks, n, p))) <= WORST / sd ** 2
