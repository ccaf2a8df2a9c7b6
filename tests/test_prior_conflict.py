"""The gap between the count and the prior as evidence on the share errors' Student-t factor."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

import simulate
from simulate.model.lump import prepare, prior_conflict
from simulate.scenario.centre import count_spread


def scenario(counted, prior, *, tail_df=4.0, uncertainty=0.03, prior_uncertainty=0.02, remaining=50_000):
    ids = [f"c{i}" for i in range(len(counted))]
    data = {
        "race": {"name": "R", "rule": "plurality"},
        "candidates": [{"id": i} for i in ids],
        "count": {"counted": dict(zip(ids, counted)), "remaining": {"estimate": remaining, "low": remaining // 2, "high": remaining * 2}},
        "model": {"uncertainty": uncertainty, "tail_df": tail_df, "early_count": 0.0,
                  "prior": {"shares": dict(zip(ids, prior)), "uncertainty": prior_uncertainty}},
        "simulation": {"draws": 200_000, "seed": 3},
    }
    return simulate.load_scenario_dict(data, "prior-conflict")


def test_rho_and_degrees_of_freedom_by_hand():
    s = scenario([6_000, 4_000], [0.45, 0.55])
    c = np.array([6_000.0, 4_000.0])
    p = (c + 0.5) / 10_001.0
    gap = np.log(p) - np.log([0.45, 0.55])
    var = 8 * (count_spread(s, s.count) ** 2 + 0.02**2) + 1 / (10_001.0 * p)
    q = float(((gap - gap.mean()) ** 2 / var).sum())
    rho, nu = prior_conflict(s, s.count)
    assert nu == 5.0
    assert rho == pytest.approx(math.sqrt((4.0 + q) / 5.0), rel=1e-12)
    assert rho > 2  # 60% counted against a prior of 45%: far apart


def test_no_prior_normal_errors_or_one_prior_share_change_nothing():
    s = scenario([6_000, 4_000], [0.45, 0.55], tail_df=0.0)
    assert prior_conflict(s, s.count) == (1.0, 0.0)
    s = scenario([6_000, 4_000, 10], [1.0, 0.0, 0.0])
    assert prior_conflict(s, s.count) == (1.0, 4.0)


def test_the_update_is_the_student_factors_conditional_given_the_gap():
    # Numerical integration: 1/tau^2 = w ~ Gamma(nu/2, rate nu/2), Q | w ~ chi2_dof / w.
    for nu, dof, q in ((4.0, 1, 0.3), (2.9, 2, 9.0), (8.0, 3, 25.0)):
        def posterior(w):
            return stats.gamma.pdf(w, nu / 2, scale=2 / nu) * w * stats.chi2.pdf(q * w, dof)
        norm = integrate.quad(posterior, 0, np.inf, limit=200)[0]
        mean_w = integrate.quad(lambda w: w * posterior(w), 0, np.inf, limit=200)[0] / norm
        assert mean_w == pytest.approx((nu + dof) / (nu + q), rel=1e-6)


def test_a_brute_force_simulation_of_the_gap_agrees_with_the_update():
    # Two candidates: the log-share gap difference is tau * N(0, 16 S^2). Keep the draws whose gap
    # falls near the observed one; their E[tau^2] is the update's (nu + Q) / (nu + dof - 2).
    rng = np.random.default_rng(11)
    nu, s2, observed = 4.0, 0.03**2 + 0.02**2, 0.5
    n = 4_000_000
    tau2 = nu / rng.chisquare(nu, n)
    gap = np.sqrt(tau2) * rng.normal(0.0, math.sqrt(16 * s2), n)
    near = np.abs(gap - observed) < 0.01
    q = observed**2 / (16 * s2)
    want = (nu + q) / (nu + 1 - 2)
    got = tau2[near].mean()
    se = tau2[near].std() / math.sqrt(near.sum())
    assert abs(got - want) < 4 * se + 0.01 * want, (got, want, se, near.sum())


def test_a_prior_that_disagrees_widens_and_one_that_agrees_narrows():
    agree = scenario([5_200, 4_800], [0.52, 0.48])
    disagree = scenario([5_200, 4_800], [0.40, 0.60])
    (rho_a, nu_a), (rho_d, nu_d) = prior_conflict(agree, agree.count), prior_conflict(disagree, disagree.count)
    assert rho_a < 1.0 < 1.5 < rho_d and nu_a == nu_d == 5.0
    a, d = prepare(agree, agree.count), prepare(disagree, disagree.count)
    assert d.spread[0] > 1.3 * a.spread[0] and a.tail_df == d.tail_df == 5.0
    lead_a = simulate.run(agree).candidate("c0").p_win
    lead_d = simulate.run(disagree).candidate("c0").p_win
    # the disagreeing prior also pulls the centre towards c1; both effects lower c0's chance
    assert lead_d < lead_a - 0.05
