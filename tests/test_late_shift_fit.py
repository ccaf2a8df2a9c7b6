"""The late-shift fit across elections: each election's scale recovered, the new election's tail
integrated exactly, and the defaults' Student-t matching the quantiles it is built from."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulate.model import late_shift_fit as lsf
from simulate.model.late_shift_fit import ShiftRecords, fit_elections


def simulated(u, nu, early, contests=400, per=6, seed=0):
    """Shifts drawn from the documented model: d = s t_nu, s^2 = 8 u^2 (1 + early/f)(1 + H) + n^2."""
    rng = np.random.default_rng(seed)
    n = contests * per
    f = rng.uniform(0.2, 0.98, n)
    h = rng.choice([1.0, 0.5, 0.34], n)
    noise = rng.uniform(0.0, 0.03, n)
    s = np.sqrt(8 * u * u * (1 + early / f) * (1 + h) + noise**2)
    t = rng.standard_t(nu, n) if nu else rng.standard_normal(n)
    return ShiftRecords(f, s * t, noise, h, np.repeat(np.arange(contests), per))


def test_each_election_scale_and_the_shared_settings_are_recovered():
    records = {"a": simulated(0.03, 6, 0.1, seed=1), "b": simulated(0.05, 6, 0.1, seed=2),
               "c": simulated(0.08, 6, 0.1, seed=3)}
    fit = fit_elections(records)
    for name, u in (("a", 0.03), ("b", 0.05), ("c", 0.08)):
        assert fit.scales[name] == pytest.approx(u, rel=0.08)
    assert fit.within_tail_df in (5.0, 6.0, 8.0)
    assert fit.early_count == pytest.approx(0.1, abs=0.06)
    logs = np.log([fit.scales[n] for n in "abc"])
    assert fit.log_mean == pytest.approx(logs.mean()) and fit.log_sd == pytest.approx(logs.std(ddof=1))


def test_tail_is_the_student_t_when_elections_agree_and_the_mixture_otherwise():
    x = 0.3
    assert lsf._tail(x, 5.0, math.log(0.1), 0.0) == pytest.approx(2 * stats.t.sf(3.0, 5), rel=1e-12)
    assert lsf._tail(x, 0.0, math.log(0.1), 0.0) == pytest.approx(2 * stats.norm.sf(3.0), rel=1e-12)
    # against numerical integration over log lambda
    from scipy.integrate import quad

    mu, om, nu = math.log(0.06), 0.4, 8.0
    exact = quad(lambda v: stats.norm.pdf(v) * 2 * stats.t.sf(x / math.exp(mu + om * v), nu), -12, 12,
                 epsabs=1e-13)[0]
    assert lsf._tail(x, nu, mu, om) == pytest.approx(exact, rel=1e-8)
    assert lsf._quantile(0.995, nu, mu, om) == pytest.approx(
        __import__("scipy.optimize", fromlist=["brentq"]).brentq(lambda y: lsf._tail(y, nu, mu, om) - 0.005, 1e-6, 10),
        rel=1e-8)


def test_single_t_matches_both_quantiles():
    u, nu = lsf._single_t(0.1, 0.25)
    assert u * stats.t.ppf(0.95, nu) == pytest.approx(0.1, rel=1e-6)
    assert u * stats.t.ppf(0.995, nu) == pytest.approx(0.25, rel=1e-6)
    u, nu = lsf._single_t(0.1, 0.1 * stats.norm.ppf(0.995) / stats.norm.ppf(0.95))
    assert nu == 0.0 and u == pytest.approx(0.1 / stats.norm.ppf(0.95))
    u, nu = lsf._single_t(0.1, 5.0)  # tails heavier than any allowed tail_df: the heaviest, body matched
    assert nu == lsf.MIN_TAIL_DF and u * stats.t.ppf(0.95, nu) == pytest.approx(0.1)


def test_defaults_body_is_the_typical_election_and_tail_the_new_one():
    records = {"a": simulated(0.04, 8, 0.05, seed=4), "b": simulated(0.05, 8, 0.05, seed=5),
               "c": simulated(0.07, 8, 0.05, seed=6)}
    fit = fit_elections(records)
    nu_w = fit.within_tail_df
    assert fit.tail_df > lsf.MIN_TAIL_DF  # both quantiles can be matched
    q = lambda p, nu: stats.t.ppf(p, nu) if nu else stats.norm.ppf(p)  # noqa: E731
    body = math.exp(fit.log_mean) * q(0.95, nu_w)
    assert fit.uncertainty * q(0.95, fit.tail_df) == pytest.approx(body, rel=2e-3)  # rounding of u and tail_df
    # the call level's tail (two-sided 99%) against a brute-force simulation of the hierarchical model
    rng = np.random.default_rng(7)
    n = 2_000_000
    lam = np.exp(fit.log_mean + fit.log_sd * math.sqrt(1 + 1 / 3) * rng.standard_normal(n))
    z = np.abs(lam * (rng.standard_t(nu_w, n) if nu_w else rng.standard_normal(n)))
    p_tail = np.mean(z > fit.quantiles[1])
    assert abs(p_tail - 0.01) < 4 * math.sqrt(0.01 * 0.99 / n)
    assert fit.uncertainty * q(0.995, fit.tail_df) == pytest.approx(fit.quantiles[1], rel=0.02)
    # a wider spread of elections never lightens the tails
    wider = fit_elections({**records, "d": simulated(0.12, 8, 0.05, seed=8)})
    assert wider.quantiles[1] > fit.quantiles[1]


def test_too_few_elections_is_an_error():
    with pytest.raises(ValueError, match="at least two elections"):
        fit_elections({"a": simulated(0.05, 8, 0.1)})


def test_shift_records_from_scenarios_follow_the_definition():
    from simulate.scenario.loader import load_scenario_dict

    data = {"race": {"name": "x", "rule": "plurality"},
            "candidates": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
            "count": {"counted": {"a": 60000, "b": 39000, "c": 1000}, "remaining": 100000},
            "snapshots": [{"counted": {"a": 60000, "b": 39000, "c": 1000}, "remaining": 100000}],
            "final": {"counted": {"a": 100000, "b": 89000, "c": 11000}}}
    r = lsf.shift_records([load_scenario_dict(data, "x")])
    late = np.array([40000, 50000, 10000]) / 100000
    p = np.array([60000, 39000, 1000]) / 100000
    d = np.log(late / (1 - late)) - np.log(p / (1 - p))
    noise = np.sqrt((1 / 100000 + 1 / 100000) / (p * (1 - p)))
    keep = np.array([True, True, False])  # c's counted share (1%) is outside the usable range
    assert r.d == pytest.approx(d[keep]) and r.noise == pytest.approx(noise[keep])
    assert r.f == pytest.approx([0.5, 0.5])
    assert r.h == pytest.approx([(39 / 40) ** 2 + (1 / 40) ** 2, (60 / 61) ** 2 + (1 / 61) ** 2])


def test_a_count_seen_again_adds_no_shift():
    """A feed seen hours later with the same count (a Minnesota contest unchanged since every
    precinct was in) is one shift, not two; a count that moved is a new one."""
    from simulate.scenario.loader import load_scenario_dict

    snap = {"counted": {"a": 60000, "b": 39000, "c": 1000}, "remaining": 100000}
    moved = {"counted": {"a": 70000, "b": 49000, "c": 1000}, "remaining": 80000}
    base = {"race": {"name": "x", "rule": "plurality"}, "candidates": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
            "final": {"counted": {"a": 100000, "b": 89000, "c": 11000}}}
    once = lsf.shift_records([load_scenario_dict({**base, "count": snap, "snapshots": [snap]}, "x")])
    again = lsf.shift_records([load_scenario_dict({**base, "count": snap, "snapshots": [snap, dict(snap)]}, "x")])
    assert again.d == pytest.approx(once.d) and again.f == pytest.approx(once.f)
    later = lsf.shift_records([load_scenario_dict({**base, "count": moved, "snapshots": [snap, moved]}, "x")])
    assert later.size == 2 * once.size
