"""The compiled variates against their exact distributions (scipy)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulate.engine import _rng
from simulate.model import lump as model
from simulate.engine import streams


def state(seed=1):
    return streams.block_states(seed, 0, 1)[0].copy()


def test_normal_matches_standard_normal():
    out = np.empty(2_000_000)
    _rng.fill_normals(state(), out)
    assert stats.kstest(out[:400_000], "norm").pvalue > 1e-4
    # the ziggurat's tail beyond its base strip (r = 3.654...) must be sampled, not cut off
    for r in (3.6541528853610088, 4.0):
        expected = out.size * 2 * stats.norm.sf(r)
        assert abs(np.sum(np.abs(out) > r) - expected) < 4.5 * np.sqrt(expected)


def test_gamma_matches_scipy():
    out = np.empty(200_000)
    _rng.fill_gammas(state(2), 2.5, out)
    assert stats.kstest(out, stats.gamma(2.5).cdf).pvalue > 1e-4


@pytest.mark.parametrize("n, p", [(7, 0.3), (60, 0.5), (400, 0.03), (5_000, 0.4), (20_000, 0.9), (1_000_000, 0.2), (45_000, 0.5)])
def test_binomial_distribution_function(n, p):
    """Largest gap between the sampled and exact binomial distribution function.

    Exact samplers: within sampling error (DKW bound).  The corrected normal
    (variance >= NORMAL_MIN_VARIANCE): its error (bounded exactly below) on top of that.
    """
    m = 200_000
    out = np.empty(m)
    _rng.fill_binomials(state(3), float(n), p, out)
    ks = np.arange(max(0, int(n * p - 6 * (n * p * (1 - p)) ** 0.5)), min(n, int(n * p + 6 * (n * p * (1 - p)) ** 0.5)) + 1)
    empirical = np.searchsorted(np.sort(out), ks, side="right") / m
    gap = np.max(np.abs(empirical - stats.binom.cdf(ks, n, p)))
    dkw = np.sqrt(np.log(2 / 1e-5) / (2 * m))  # fails by chance with probability 1e-5
    assert gap < dkw + (2e-5 if n * p * (1 - p) >= model.NORMAL_MIN_VARIANCE else 0.0)
    assert out.min() >= 0 and out.max() <= n and np.all(out == np.floor(out))


def corrected_normal_cdf(k, n, p):
    """Exact distribution function of the rounded Cornish-Fisher normal at k."""
    sd = np.sqrt(n * p * (1 - p))
    a = (1 - 2 * p) / sd / 6
    t = (k + 0.5 - n * p) / sd  # X <= k  <=>  z + a (z^2 - 1) < t
    if abs(a) < 1e-15:
        return stats.norm.cdf(t)
    disc = 1 + 4 * a * (a + t)
    if disc < 0:
        return 0.0 if a > 0 else 1.0
    return stats.norm.cdf((-1 + np.sqrt(disc)) / (2 * a))  # root on the increasing branch


@pytest.mark.parametrize("p", [0.5, 0.3, 0.1, 0.03, 0.9])
def test_corrected_normal_error_bound_at_the_switch(p):
    """The documented bound: sup |F_approx - F_binomial| <= 0.0115 / (n p q), computed exactly."""
    n = int(np.ceil(model.NORMAL_MIN_VARIANCE / (p * (1 - p))))
    sd = np.sqrt(n * p * (1 - p))
    ks = np.arange(int(n * p - 7 * sd), int(n * p + 7 * sd) + 1)
    approx = np.array([corrected_normal_cdf(k, n, p) for k in ks])
    gap = np.max(np.abs(approx - stats.binom.cdf(ks, n, p)))
    assert gap <= 0.0115 / (n * p * (1 - p))
    assert gap <= 1.2e-5


def test_switch_constant_is_shared():
    assert _rng._NORMAL_MIN_VARIANCE == model.NORMAL_MIN_VARIANCE


def test_streams_depend_only_on_seed_and_block():
    a = streams.block_states(5, 0, 10)
    b = streams.block_states(5, 3, 2)
    assert np.array_equal(a[3:5], b)
    assert not np.array_equal(streams.block_states(5, 0, 1, streams.PILOT), a[:1])


def test_inlined_exp_within_two_ulp_of_libm():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-1, 1, 200_000), rng.uniform(-708, 708, 200_000), rng.normal(0, 3, 200_000),
                        [0.0, -0.0, 1e-300, -1e-300, 708.0, -708.0, 709.5, -709.5, 800.0, -800.0, np.inf, -np.inf]])
    out = np.empty_like(x)
    _rng.fill_exps(x, out)
    with np.errstate(over="ignore"):
        ref = np.exp(x)
    finite = np.isfinite(ref) & (ref > 0)
    assert np.all(np.abs(out[finite] - ref[finite]) <= 2 * np.spacing(ref[finite]))
    assert np.array_equal(out[~finite], ref[~finite])
    nan = np.empty(1)
    _rng.fill_exps(np.array([np.nan]), nan)
    assert np.isnan(nan[0])


def test_vectorised_exp_rows_within_two_ulp_of_libm():
    """exp_rows (the kernel's table-free exp) within 2 ulp of math.exp on [-708, 708], clamped outside
    (rows of any length: the tail of a row that is not a multiple of the vector width too)."""
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-40.0, 40.0, 100_001), np.linspace(-708.0, 708.0, 10_001),
                        [0.0, -0.0, 1e-300, -1e-300, 0.5 * math.log(2.0), -0.5 * math.log(2.0)]])
    out = np.empty_like(x)
    _rng.fill_exp_rows(x, out)
    ref = np.array([math.exp(v) for v in x])
    assert np.all(np.abs(out - ref) <= 2.0 * np.spacing(ref))
    clamped = np.empty(4)
    _rng.fill_exp_rows(np.array([-800.0, -708.0, 708.0, 800.0]), clamped)
    assert clamped[0] == clamped[1] and abs(clamped[1] - math.exp(-708.0)) <= 2.0 * np.spacing(math.exp(-708.0))
    assert clamped[2] == clamped[3] and abs(clamped[2] - math.exp(708.0)) <= 2.0 * np.spacing(math.exp(708.0))
