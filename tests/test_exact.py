"""Monte Carlo output against exact answers, with tolerances from the Monte Carlo standard error.

Two candidates, a trailing ``b`` and a leading ``a``, ``R`` remaining votes.
Ties are broken by lot, so P(b wins) = P(X > T) + P(X = T)/2 with T the
number of remaining votes b needs for a tie.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import integrate, stats

import simulate
from conftest import two_way

Z = 4.5  # tolerance in standard errors: a false failure about once in 150,000 runs


def p_trailer_wins_given_share(ca, cb, remaining, q_b):
    if (ca - cb + remaining) % 2:
        need = math.ceil((ca - cb + remaining) / 2)
        return stats.binom.sf(need - 1, remaining, q_b)
    need = (ca - cb + remaining) // 2
    return stats.binom.sf(need, remaining, q_b) + 0.5 * stats.binom.pmf(need, remaining, q_b)


def within_mc_error(estimate, exact, draws, extra=0.0):
    se = math.sqrt(max(exact * (1 - exact), 1e-12) / draws)
    assert abs(estimate - exact) <= Z * se + extra, (estimate, exact, se)


@pytest.mark.parametrize(
    "ca, cb, remaining",
    [
        (520, 480, 200),            # small: exact inversion / BTRS binomials
        (5_050, 4_950, 3_000),      # BTRS
        (100_500, 99_500, 40_001),  # normal approximation (n p q ~ 10^4), odd R: no ties
        (1_001_000, 999_000, 600_000),  # large, normal approximation
    ],
)
def test_zero_uncertainty_is_binomial(ca, cb, remaining):
    draws = 200_000
    s = two_way(ca, cb, remaining, uncertainty=0.0, draws=draws)
    result = simulate.run(s)
    exact = p_trailer_wins_given_share(ca, cb, remaining, cb / (ca + cb))
    within_mc_error(result.candidate("b").p_win, exact, draws)
    assert result.candidate("a").p_win + result.candidate("b").p_win == pytest.approx(1.0, abs=1e-12)


def integrated_probability(ca, cb, remaining, u, tail_df, early_count):
    """P(b wins) under the documented model, by numerical integration over the share error.

    With two candidates the logistic-normal shares reduce to one dimension:
    logit(q_b) = logit(m_b) + tau * (sigma_b z_b - sigma_a z_a), a normal (or, with
    ``tail_df``, a Student-t) with scale sqrt(sigma_a^2 + sigma_b^2).
    """
    k, total = 2, ca + cb
    m_b = (cb + 1 / k) / (total + 1)
    m_a = 1 - m_b
    spread = u * math.sqrt(1 + early_count / (total / (total + remaining)))
    scale = math.sqrt(2 * 8 * spread**2 + 1 / ((total + 1) * m_a) + 1 / ((total + 1) * m_b))
    density = stats.norm.pdf if tail_df == 0 else stats.t(tail_df).pdf
    centre = math.log(m_b / m_a)

    def integrand(w):
        q = 1.0 / (1.0 + math.exp(-(centre + scale * w)))
        return density(w) * p_trailer_wins_given_share(ca, cb, remaining, q)

    value, err = integrate.quad(integrand, -60, 60, points=[0.0], limit=400)
    assert err < 1e-7
    return value


@pytest.mark.parametrize(
    "ca, cb, remaining, u, tail_df",
    [
        (5_200, 4_800, 3_000, 0.03, 0.0),
        (105_000, 95_000, 80_001, 0.04, 0.0),
        (1_284_244, 1_200_000, 618_201, 0.05, 0.0),
        (105_000, 95_000, 80_001, 0.03, 4.0),
        (52_000, 48_000, 30_000, 0.02, 2.5),
    ],
)
def test_uncertainty_matches_numerical_integration(ca, cb, remaining, u, tail_df):
    draws = 200_000
    s = two_way(ca, cb, remaining, uncertainty=u, draws=draws)
    s = dataclasses.replace(s, model=dataclasses.replace(s.model, tail_df=tail_df))
    result = simulate.run(s)
    exact = integrated_probability(ca, cb, remaining, u, tail_df, s.model.early_count)
    within_mc_error(result.candidate("b").p_win, exact, draws)


def test_remaining_interval_is_a_two_piece_lognormal():
    """With a remaining interval and no share error, P(b wins) = E_R[binomial answer]."""
    ca, cb, est, low, high = 60_000, 50_000, 30_000, 20_000, 60_000
    draws = 200_000
    s = two_way(ca, cb, {"estimate": est, "low": low, "high": high}, uncertainty=0.0, draws=draws)
    result = simulate.run(s)
    z95 = stats.norm.ppf(0.95)
    sig_lo, sig_hi = math.log((est + 1) / (low + 1)) / z95, math.log((high + 1) / (est + 1)) / z95

    def integrand(z):
        r = max(round((est + 1) * math.exp(z * (sig_lo if z < 0 else sig_hi))) - 1, 0)
        return stats.norm.pdf(z) * p_trailer_wins_given_share(ca, cb, r, cb / (ca + cb))

    # the integrand jumps at whole numbers of R: integrate on a fine grid instead of quad
    grid = np.linspace(-8, 8, 160_001)
    exact = np.trapezoid([integrand(z) for z in grid[::10]], grid[::10])
    within_mc_error(result.candidate("b").p_win, exact, draws, extra=2e-4)


def test_final_share_interval_matches_binomial_quantiles():
    ca, cb, remaining = 30_000, 20_000, 50_000
    result = simulate.run(two_way(ca, cb, remaining, uncertainty=0.0, draws=200_000))
    q = cb / (ca + cb)
    total = ca + cb + remaining
    for p, value in ((0.05, result.candidate("b").share_final.low), (0.95, result.candidate("b").share_final.high)):
        exact = (cb + stats.binom.ppf(p, remaining, q)) / total
        # one histogram bin (< 1e-4 of share here) plus the quantile's sampling error
        assert value == pytest.approx(exact, abs=3e-4)
    assert result.candidate("b").share_final.mean == pytest.approx((cb + remaining * q) / total, abs=5e-5)


def test_final_share_interval_holds_a_share_many_draws_give_exactly():
    """A share drawn exactly in many draws lies inside its 90% interval: 0 for a candidate
    with no votes who gets none of the rest (its share of the rest centred on a pseudo-ballot's
    1/3003, most draws give it no vote: the 5% quantile is exactly 0), and the counted share where most
    draws bring no more ballots. Interpolating within the histogram bin left both out."""
    s = simulate.load_scenario_dict({
        "race": {"name": "R", "rule": "plurality"},
        "candidates": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "count": {"counted": {"a": 600, "b": 400, "c": 0}, "remaining": 1000},
        "model": {"uncertainty": 0.04, "tail_df": 0},
        "simulation": {"draws": 20_000, "seed": 3},
    }, "zero")
    c = simulate.run(s).candidate("c").share_final
    assert c.low == 0.0
    assert c.high > 0.0
    # no ballot left in just over half the draws (median 1 + estimate 0, high 2,000), the rest
    # breaking for b (a shift of +0.3): b's counted share is the 5% quantile exactly, and
    # the interval starts at most a bin (1/2048 of the histogram's range, at most 0 to 1) below it
    s = simulate.load_scenario_dict({
        "race": {"name": "R", "rule": "plurality"},
        "candidates": [{"id": "a"}, {"id": "b"}],
        "count": {"counted": {"a": 6000, "b": 4000}, "remaining": {"estimate": 0, "low": 0, "high": 2000}},
        "model": {"uncertainty": 0.0, "shift": {"b": 0.3, "a": -0.3}},
        "simulation": {"draws": 20_000, "seed": 3},
    }, "atom")
    b = simulate.run(s).candidate("b").share_final
    assert 0.4 - 1 / 2048 <= b.low <= 0.4 < b.high


def test_plurality_with_seats_matches_exact_without_remaining():
    s = simulate.load_scenario_dict(
        {
            "race": {"name": "Three seats", "rule": "plurality", "seats": 3},
            "candidates": [{"id": c} for c in "abcde"],
            "count": {"counted": {"a": 50, "b": 40, "c": 30, "d": 20, "e": 10}, "remaining": 0},
            "simulation": {"draws": 5_000},
        },
        "seats",
    )
    result = simulate.run(s)
    assert [c.p_win for c in result.candidates] == [1.0, 1.0, 1.0, 0.0, 0.0]
    assert result.call.status == "called" and result.call.winners == ("a", "b", "c")


def test_a_shift_to_zero_leaves_a_candidate_none_of_the_remaining_vote():
    # c's centre is its pseudo-ballot, 1/3 / 1001; a shift of exactly that leaves it at 0
    pseudo = (1 / 3) / 1001
    s = simulate.load_scenario_dict({
        "race": {"name": "R", "rule": "plurality"},
        "candidates": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "count": {"counted": {"a": 600, "b": 400, "c": 0}, "remaining": 1000},
        "model": {"shift": {"c": -pseudo, "a": pseudo}},
        "simulation": {"draws": 20_000, "seed": 1},
    }, "zero")
    c = simulate.run(s).candidate("c")
    assert c.p_win == 0.0 and c.share_final.mean == 0.0
    assert c.share_final.high < 1e-9
