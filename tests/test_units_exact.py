"""The units model against exact answers and a per-unit brute-force simulation of the
documented model (simulate/model/units.py), at |z| <= 4 of the Monte Carlo error.

The brute force is written here from the docstring, unit by unit, with NumPy's own
generator: each unit's remaining votes from its two-piece log-normal, its shares
logistic-normal with the race-wide, vote-type and unit errors, a multinomial per unit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

import simulate
from simulate.model.lump import Z95, canonical_order, prepare
from simulate.model.units import prepare_strata, remaining_moments, unit_centres
from simulate.scenario.centre import count_spread


def scenario(units, ids=("a", "b"), model=None, draws=400_000, seed=5, counted=None, **race):
    data = {"race": {"name": "U", "rule": "plurality", **race}, "candidates": [{"id": i} for i in ids],
            "count": {"as_of": "now", "units": units} if counted is None else {"as_of": "now", **counted},
            "model": model or {}, "simulation": {"draws": draws, "seed": seed}}
    return simulate.load_scenario_dict(data, "units-exact")


def brute_force(s, draws, rng):
    """Final tallies of the documented units model, simulated unit by unit (kernel order)."""
    order = canonical_order(s.ids)
    units, model, k = s.count.units, s.model, len(s.ids)
    m = unit_centres(s, units, order)
    if model.prior is not None:  # the prior's multiplier (docstring, "Centre")
        counted = np.asarray(s.count.counted, float)[order]
        lump = (counted + 1 / k) / (counted.sum() + 1)
        u = count_spread(s, s.count)
        w1, w2 = u**-2, model.prior.uncertainty**-2
        m = m * ((w1 * lump + w2 * np.asarray(model.prior.shares)[order]) / (w1 + w2) / lump)
        m /= m.sum(axis=1, keepdims=True)
        u_c = (w1 + w2) ** -0.5
    else:
        u_c = count_spread(s, s.count)
    s_r = math.sqrt(8) * u_c if model.uncertainty > 0 else 0.0
    s_t = math.sqrt(8) * model.type_uncertainty
    tau = np.sqrt(model.tail_df / rng.chisquare(model.tail_df, draws)) if model.tail_df > 0 else np.ones(draws)
    e_r = tau[:, None] * s_r * rng.standard_normal((draws, k))
    e_t = {t: s_t * rng.standard_normal((draws, k)) for t in sorted({u.type for u in units})}
    final = np.zeros((draws, k))
    for unit, mu in zip(units, m):
        c = np.asarray(unit.counted, float)[order]
        sampling = 1 / ((c.sum() + model.unit_prior_ballots + 1) * mu) if model.uncertainty > 0 else 0.0
        s_u = np.sqrt(8 * model.unit_uncertainty**2 + sampling)
        x = np.log(mu) + e_r + e_t[unit.type] + s_u * rng.standard_normal((draws, k))
        q = np.exp(x - x.max(axis=1, keepdims=True))
        q /= q.sum(axis=1, keepdims=True)
        r = unit.remaining
        if r.exact:
            rem = np.full(draws, r.estimate)
        else:
            z = rng.standard_normal(draws)
            med = r.estimate + 1
            sig = np.where(z < 0, math.log(med / (r.low + 1)), math.log((r.high + 1) / med)) / Z95
            rem = np.maximum(np.floor(med * np.exp(sig * z) + 0.5) - 1, 0)
        final += c + rng.multinomial(rem.astype(np.int64), q)
    return final, order


def brute_p_win(s, draws, seed=3):
    final, order = brute_force(s, draws, np.random.default_rng(seed))
    noise = np.random.default_rng(seed + 1).random(final.shape) * 0.25  # ties by lot
    top = np.argmax(final + noise, axis=1)
    return {s.ids[order[j]]: float(np.mean(top == j)) for j in range(len(order))}


def assert_agree(p, q, n1, n2, label=""):
    se = math.sqrt(max(p * (1 - p), 1e-12) / n1 + max(q * (1 - q), 1e-12) / n2)
    assert abs(p - q) <= 4 * se, (label, p, q, se, (p - q) / se)


# -- the issue's exactly computable case ----------------------------------------------------

ISSUE = [
    {"id": "u1", "type": "mail", "counted": {"a": 262_000, "b": 100_000}, "remaining": 0},
    {"id": "u2", "type": "day", "counted": {"a": 2_000, "b": 8_000}, "remaining": 0},
    {"id": "u3", "type": "day", "counted": {"a": 0, "b": 0}, "remaining": {"estimate": 100_000, "low": 70_000, "high": 200_000}},
]
OFF = {"uncertainty": 0, "type_uncertainty": 0, "unit_uncertainty": 0, "tail_df": 0, "unit_prior_ballots": 1_000_000}


def exact_issue_p_b():
    """P(b wins): u3's R from the two-piece log-normal (numerical integration over z on a
    fine grid), its ballots Binomial(R, 0.8) for b; b wins when 2X > 156,000 + R, ties by lot."""
    z = np.linspace(-9, 9, 360_001)
    weight = stats.norm.pdf(z) * (z[1] - z[0])
    med = 100_001.0
    sig = np.where(z < 0, math.log(med / 70_001), math.log(200_001 / med)) / Z95
    r = np.maximum(np.floor(med * np.exp(sig * z) + 0.5) - 1, 0)
    need = 156_000 + r
    win = stats.binom.sf(np.floor(need / 2), r, 0.8) + 0.5 * np.where(need % 2 == 0, stats.binom.pmf(need / 2, r, 0.8), 0)
    return float(weight @ win)


def test_issue_case_against_numerical_integration():
    exact = exact_issue_p_b()
    assert 0.0110 < exact < 0.0122  # the untruncated log-normal (the old docstring's 99.8% truncation gave 1.07%)
    s = scenario(ISSUE, model=OFF, draws=1_000_000)
    result = simulate.run(s)
    p = result.candidate("b").p_win
    assert abs(p - exact) <= 4 * math.sqrt(exact * (1 - exact) / 1_000_000), (p, exact)
    assert result.call.status != "called"


def test_issue_case_with_share_errors_against_brute_force():
    model = {**OFF, "uncertainty": 0.02, "type_uncertainty": 0.02, "unit_uncertainty": 0.03}
    s = scenario(ISSUE, model=model, draws=400_000)
    mine = simulate.run(s).candidate("b").p_win
    ref = brute_p_win(s, 400_000)["b"]
    assert_agree(mine, ref, 400_000, 400_000)


# -- adversarial cases against the brute force ------------------------------------------------

def _units(sizes, rng, fraction=0.5, interval=(0.7, 1.6), lean=0.15, signs=None):
    out = []
    for i, size in enumerate(sizes):
        share = 0.5 + lean * ((1 if i % 2 else -1) if signs is None else signs[i]) + rng.normal(0, 0.02)
        counted = int(size * fraction)
        a = int(round(counted * share))
        rest = size - counted
        rem = {"estimate": rest, "low": int(rest * interval[0]), "high": int(rest * interval[1])} if rest else 0
        out.append({"id": f"u{i}", "type": "mail" if i % 3 else "day", "counted": {"a": a, "b": counted - a}, "remaining": rem})
    return out


CASES = {
    "5 units 300 to 370k, skewed": (lambda r: _units([300, 4_000, 45_000, 120_000, 370_000], r, interval=(0.5, 3.0)),
                                     {"uncertainty": 0.01, "tail_df": 0}),
    "uncounted unit, Student-t": (lambda r: _units([20_000, 30_000], r) + [
        {"id": "new", "type": "day", "counted": {"a": 0, "b": 0}, "remaining": {"estimate": 9_000, "low": 2_000, "high": 30_000}}],
        {"uncertainty": 0.02, "tail_df": 4}),
    "small counts (sampling term)": (lambda r: _units([40, 60, 90, 30, 50], r, fraction=0.4, interval=(0.8, 1.25)),
                                     {"uncertainty": 0.001, "type_uncertainty": 0, "unit_uncertainty": 0.001, "tail_df": 0,
                                      "unit_prior_ballots": 5}),
    "50 units of very different sizes": (
        lambda r: _units([int(x) for x in np.exp(np.random.default_rng(9).uniform(math.log(500), math.log(60_000), 50))], r,
                         interval=(0.75, 1.35), lean=0.3),
        {"uncertainty": 0.002, "type_uncertainty": 0.0, "unit_uncertainty": 0.01, "tail_df": 0}),
    "80 precincts and 2 big units (pooled)": (
        lambda r: _units([*np.random.default_rng(4).integers(2_000, 6_000, 80).tolist(), 118_000, 200_000], r,
                         interval=(0.7, 1.6), lean=0.15, signs=[-1] * 80 + [1, 1]),
        {"uncertainty": 0.001, "type_uncertainty": 0.0, "unit_uncertainty": 0.01, "tail_df": 0}),
}


@pytest.mark.parametrize("name", CASES)
def test_units_kernel_agrees_with_brute_force(name):
    build, model = CASES[name]
    s = scenario(build(np.random.default_rng(1)), model=model, draws=400_000)
    mine = simulate.run(s)
    ref = brute_p_win(s, 400_000)
    for cid in s.ids:
        assert_agree(mine.candidate(cid).p_win, ref[cid], 400_000, 400_000, (name, cid))


def test_pooled_units_agree_with_the_same_units_drawn_exactly():
    """The one approximation (pooling many small units) against the kernel drawing every
    unit exactly, on the same 50-unit case where the unit-level randomness decides."""
    from simulate.engine import driver

    build, model = CASES["80 precincts and 2 big units (pooled)"]
    s = scenario(build(np.random.default_rng(1)), model=model)
    pooled, _ = prepare_strata(s, s.count)
    exact, _ = prepare_strata(s, s.count, pool=False)
    assert pooled.pooled.sum() >= 60 and not exact.pooled.any()
    n = 400_000
    a = driver.accumulate(pooled, 1, n)
    b = driver.accumulate(exact, 2, n)
    for j in range(2):
        assert_agree(a.wins[j] / n, b.wins[j] / n, n, n, j)
    for q in (0.05, 0.5, 0.95):
        assert abs(a.share_quantile(0, q) - b.share_quantile(0, q)) < 1.5e-3


# -- splitting a count into identical units gives the lump model ---------------------------------

LUMP = {"a": 50_000, "b": 27_000, "c": 20_000, "d": 3_000}


@settings(max_examples=4, deadline=None)
@given(st.sampled_from([2, 4, 5, 8, 10]))
def test_identical_split_is_the_lump_model(n):
    ids = ("a", "b", "c", "d")
    model = {"uncertainty": 0.045, "tail_df": 0, "type_uncertainty": 0, "unit_uncertainty": 0}
    units = [{"id": f"u{i}", "counted": {c: v // n for c, v in LUMP.items()}, "remaining": 100_000 // n} for i in range(n)]
    split = scenario(units, ids=ids, model=model, draws=200_000, seats=2)
    lump = scenario(None, ids=ids, model=model, draws=200_000, seats=2, seed=8,
                    counted={"counted": LUMP, "remaining": 100_000})
    arrays, _ = prepare_strata(split, split.count)
    np.testing.assert_allclose(arrays.centre, np.broadcast_to(prepare(lump, lump.count).centre, arrays.centre.shape), atol=1e-4)
    np.testing.assert_allclose(arrays.race_sigma ** 2 + 0 * arrays.unit_sigma[0],
                               prepare(lump, lump.count).spread ** 2 - 1 / ((100_001) * prepare(lump, lump.count).centre), rtol=1e-9)
    one, two = simulate.run(lump), simulate.run(split)
    for cid in ids:
        assert_agree(one.candidate(cid).p_win, two.candidate(cid).p_win, 200_000, 200_000, (n, cid))
    assert abs(one.candidate("d").share_final.high - two.candidate("d").share_final.high) < 1.5e-3


def test_prior_is_used_with_units_as_in_the_lump_model():
    ids = ("a", "b")
    prior = {"shares": {"a": 0.40, "b": 0.60}, "uncertainty": 0.02}
    model = {"uncertainty": 0.045, "tail_df": 0, "type_uncertainty": 0, "unit_uncertainty": 0, "prior": prior}
    units = [{"id": f"u{i}", "counted": {"a": 1_100, "b": 900}, "remaining": 30_000} for i in range(2)]
    split = scenario(units, ids=ids, model=model, draws=200_000)
    lump = scenario(None, ids=ids, model=model, draws=200_000, seed=8, counted={"counted": {"a": 2_200, "b": 1_800}, "remaining": 60_000})
    without = scenario(units, ids=ids, model={k: v for k, v in model.items() if k != "prior"}, draws=200_000)
    p_split, p_lump = simulate.run(split).candidate("b").p_win, simulate.run(lump).candidate("b").p_win
    assert_agree(p_split, p_lump, 200_000, 200_000)
    assert simulate.run(without).candidate("b").p_win < p_split - 0.1


def test_remaining_moments_are_the_two_piece_log_normal():
    unit = simulate.load_scenario_dict({"race": {"name": "x", "rule": "plurality"}, "candidates": [{"id": "a"}, {"id": "b"}],
                                        "count": {"units": [{"id": "u", "counted": {"a": 1, "b": 1}, "remaining": {"estimate": 1000, "low": 600, "high": 2500}},
                                                            {"id": "v", "counted": {"a": 1, "b": 1}, "remaining": 0}]}}, "m").count.units[0]
    z = np.random.default_rng(0).standard_normal(4_000_000)
    sig = np.where(z < 0, math.log(1001 / 601), math.log(2501 / 1001)) / Z95
    r = 1001 * np.exp(sig * z) - 1
    mean, var = remaining_moments(unit)
    assert mean == pytest.approx(r.mean(), rel=2e-3) and var == pytest.approx(r.var(), rel=1e-2)
    assert mean > 1000 * 1.05  # the mean is not the median


def test_lump_small_count_against_numerical_integration():
    """A tiny contest where the sampling term 1/((C+1)m) is most of the share error: a 12 / b 8
    counted, 30 left exact.  log(q_b/q_a) ~ N(log(m_b/m_a), s_a^2 + s_b^2) (K = 2); b wins when
    X > 17 of Binomial(30, q_b), ties (X = 17) by lot: Gauss-Hermite over the normal."""
    s = scenario(None, model={"uncertainty": 0.005, "tail_df": 0}, draws=1_000_000,
                 counted={"counted": {"a": 12, "b": 8}, "remaining": 30})
    m = np.array([12.5, 8.5]) / 21
    var = 2 * 8 * 0.005**2 * (1 + 0.15 / (20 / 50)) + (1 / (21 * m)).sum()
    nodes, weights = np.polynomial.hermite_e.hermegauss(120)
    q = 1 / (1 + np.exp(-(math.log(m[1] / m[0]) + math.sqrt(var) * nodes)))
    exact = float(weights @ (stats.binom.sf(17, 30, q) + 0.5 * stats.binom.pmf(17, 30, q)) / weights.sum())
    p = simulate.run(s).candidate("b").p_win
    assert abs(p - exact) <= 4 * math.sqrt(exact * (1 - exact) / 1_000_000), (p, exact)
