"""The pooled units' moments for two and three candidates (simulate.engine._units_pooled) against the general loop."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.engine import _units_pooled as uk


def _inputs(k: int, units: int, types: int, draws: int, seed: int):
    rng = np.random.default_rng(seed)
    centre = rng.dirichlet(np.ones(k), size=units).T.copy()  # float64[K, U]
    var = rng.uniform(0.0, 0.05, size=(k, units))
    mean = rng.uniform(10.0, 5_000.0, size=units)
    cf = rng.uniform(0.0, 0.02, size=units)
    cuts = np.sort(rng.choice(np.arange(1, units), size=types - 1, replace=False))
    start = np.concatenate([[0], cuts, [units]]).astype(np.int64)
    shared = np.exp(rng.normal(0.0, 0.3, size=(draws, types, k)))
    return centre, var, mean, cf, start, shared


def _general(k, centre, var, mean, cf, start, shared, draws):
    units, types = centre.shape[1], shared.shape[1]
    rows = [np.empty(units) for _ in range(4)] + [np.empty((k, units)) for _ in range(3)]
    m, c = np.zeros((draws, k)), np.zeros((draws, k, k))
    for d in range(draws):
        uk._pooled_moments(d, centre, var, mean, cf, start, shared, types, *rows, m, c)
    return m, c


@pytest.mark.parametrize("units, types", [(151, 3), (7, 1), (40, 2)])
def test_three_candidates_in_one_loop_give_the_general_moments(units, types):
    draws = 5
    centre, var, mean, cf, start, shared = _inputs(3, units, types, draws, seed=units)
    want_mean, want_cov = _general(3, centre, var, mean, cf, start, shared, draws)
    rows = [np.empty((3, units)) for _ in range(3)]
    got_mean, got_cov = np.zeros((draws, 3)), np.zeros((draws, 3, 3))
    uk._pooled_three(draws, centre, var, mean, cf, start, shared, types, *rows, got_mean, got_cov)
    np.testing.assert_allclose(got_mean, want_mean, rtol=1e-12)
    lower = np.tril_indices(3)
    np.testing.assert_allclose(got_cov[:, lower[0], lower[1]], want_cov[:, lower[0], lower[1]], rtol=1e-10)


def test_two_candidates_in_one_loop_give_the_general_moments():
    units, types, draws = 60, 2, 4
    centre, var, mean, cf, start, shared = _inputs(2, units, types, draws, seed=3)
    want_mean, want_cov = _general(2, centre, var, mean, cf, start, shared, draws)
    rho = centre[1] / centre[0]
    rows = [np.empty(units) for _ in range(4)] + [np.empty((2, units)), np.empty((2, units))]
    got_mean, got_cov = np.zeros((draws, 2)), np.zeros((draws, 2, 2))
    uk._pooled_two(draws, rho, var, mean, cf, start, shared, types, *rows, got_mean, got_cov)
    np.testing.assert_allclose(got_mean, want_mean, rtol=1e-12)
    lower = np.tril_indices(2)
    np.testing.assert_allclose(got_cov[:, lower[0], lower[1]], want_cov[:, lower[0], lower[1]], rtol=1e-10)
