"""A unit's own count weighed by how much of the unit is in (simulate/model/unit_weighting.py).

* the centre, computed by hand, of a sliver of a unit and of a nearly complete one;
* its limits: nothing of the unit in gives the fallback, all of it the own count (zero
  remaining is the former rule exactly), ``unit_count_bias`` 0 the former rule;
* a count split into identical units keeps its shares whatever is left;
* the fit recovers the constants of units drawn from the documented model;
* the defaults are the North Carolina 2020 fit: on the bundled extract the fitted rule beats
  the former fixed 200 ballots; with RACECALL_NC_DATA pointing at the full
  ``president-by-county-and-vote-type.csv`` the fit reproduces the schema's defaults.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

import simulate
from simulate.feeds.nc_2020 import VOTE_TYPES, scenario_from_nc
from simulate.model.lump import canonical_order
from simulate.history.unit_weighting import rows_from_scenario
from simulate.model.unit_weighting import (REFERENCE, WeightingRows, effective_ballots, fit_unit_weighting, score,
                                           weighed_centre)
from simulate.model.units import unit_centres, unit_fallbacks
from simulate.scenario import schema

EXTRACT = Path(__file__).parent / "data" / "nc-2020" / "president-by-county-and-vote-type.csv"
FULL = Path(os.environ["RACECALL_NC_DATA"]) if os.environ.get("RACECALL_NC_DATA") else None


def units_scenario(units, model):
    return simulate.load_scenario_dict({
        "race": {"name": "W", "rule": "plurality"}, "candidates": [{"id": "a"}, {"id": "b"}],
        "count": {"as_of": "now", "units": units}, "model": model}, "weighting")


# A sliver (324 of 170,324 in) and the rest of its vote type, complete: the type's shares are
# the sliver's fallback.  kappa = 0.005 makes 4 kappa^2 = 1e-4, so lambda = 1 / (1 + 17) = 1/18.
SLIVER = [
    {"id": "x/early", "type": "early", "counted": {"a": 216, "b": 108}, "remaining": {"estimate": 170_000, "low": 150_000, "high": 190_000}},
    {"id": "y/early", "type": "early", "counted": {"a": 4_000, "b": 6_000}, "remaining": 0},
]
MODEL = {"unit_prior_ballots": 200, "unit_count_bias": 0.005, "uncertainty": 0.04}


def test_sliver_centre_by_hand():
    s = units_scenario(SLIVER, MODEL)
    m = unit_centres(s, s.count.units, canonical_order(s.ids))
    g = np.array([4_216, 6_108]) / 10_324  # the early vote's counted shares
    own = np.array([216, 108]) / 18  # worth 18 of its 324 ballots
    np.testing.assert_allclose(m[0], (own + 200 * g + 0.5) / (18 + 200 + 1), rtol=1e-12)
    assert abs(m[0][0] - g[0]) < 0.025  # 0.4300 against the fallback's 0.4084: not the sliver's 2/3
    before = units_scenario(SLIVER, {**MODEL, "unit_count_bias": 0})  # the former rule: 0.5680
    assert unit_centres(before, before.count.units, canonical_order(s.ids))[0][0] > 0.56


def test_nearly_complete_centre_by_hand():
    # 9,000 of 10,000 in: lambda = 1 / (1 + 1e-4 * 1,000) = 1/1.1, the own count worth 8,182 ballots
    c, g = np.array([[6_000.0, 3_000.0]]), np.array([[0.4, 0.6]])
    m = weighed_centre(c, g, np.array([1_000.0]), 200.0, 0.005, pseudo=1.0)
    expected = (np.array([60_000, 30_000]) / 11 + 200 * np.array([0.4, 0.6]) + 0.5) / (90_000 / 11 + 201)
    np.testing.assert_allclose(m[0], expected, rtol=1e-12)
    assert m[0][0] > 0.66  # 0.6603: close to its own 2/3


def test_defaults_lean_a_sliver_on_its_fallback_and_a_big_unit_nine_tenths_in_on_its_own_count():
    n0, kappa = schema.DEFAULTS["model.unit_prior_ballots"], schema.DEFAULTS["model.unit_count_bias"]

    def own_weight(counted, remaining):
        ballots = effective_ballots(counted, remaining, kappa)
        return ballots / (ballots + n0 + 1)

    assert own_weight(327, 171_000 - 327) < 0.05  # the county: 62% of the centre under the former rule
    assert own_weight(90_000, 10_000) > 0.95


@pytest.mark.parametrize("kappa", [0.005, 0.05])
def test_limits(kappa):
    c, g = np.array([[216.0, 108.0]]), np.array([[0.4, 0.6]])
    fixed = (c + 200 * g + 0.5) / (324 + 201)  # the former rule
    # nothing left: the former rule exactly (zero remaining stays exact)
    assert np.array_equal(weighed_centre(c, g, np.array([0.0]), 200.0, kappa), fixed)
    # kappa 0: the former rule exactly, whatever is left
    assert np.array_equal(weighed_centre(c, g, np.array([1e9]), 200.0, 0.0), fixed)
    # f -> 0: the fallback (with the pseudo-ballot)
    np.testing.assert_allclose(weighed_centre(c, g, np.array([1e12]), 200.0, kappa), (200 * g + 0.5) / 201, atol=1e-6)
    # f -> 1 in a large unit: the own count
    big = c * 1e5
    np.testing.assert_allclose(weighed_centre(big, g, np.array([10.0]), 200.0, kappa), c / 324, atol=1e-3)
    # no ballots at all and no pseudo-ballot: the fallback
    assert np.array_equal(weighed_centre(np.zeros((1, 2)), g, np.array([5.0]), 0.0, kappa, pseudo=0.0), g)


def test_identical_units_keep_their_shares_whatever_is_left():
    units = [{"id": f"u{i}", "counted": {"a": 600 * (i + 1), "b": 400 * (i + 1)}, "remaining": {"estimate": 10 ** (i + 2), "low": 10 ** (i + 1), "high": 2 * 10 ** (i + 2)}}
             for i in range(4)]
    s = units_scenario(units, {"uncertainty": 0.0})  # no pseudo-ballot: exact
    m = unit_centres(s, s.count.units, canonical_order(s.ids))
    np.testing.assert_allclose(m, np.broadcast_to([0.6, 0.4], m.shape), rtol=1e-14)
    assert s.model.unit_count_bias > 0  # the defaults' weighting is on, and moves nothing here


def test_the_centre_moves_with_the_fraction_in():
    """The same counted votes and fallback, more or less of the unit still to count: the
    sliver leans on the fallback, the nearly complete unit on its own count (fails when the
    remaining estimate is dropped from the own count's weight)."""
    c = np.array([[2_000.0, 1_000.0], [2_000.0, 1_000.0]])
    g = np.array([[0.4, 0.6], [0.4, 0.6]])
    m = weighed_centre(c, g, np.array([300_000.0, 300.0]), 200.0, 0.01)
    assert m[0][0] < 0.45 < 0.6 < m[1][0]


def test_loader_reads_and_checks_unit_count_bias():
    s = units_scenario(SLIVER, {})
    assert s.model.unit_prior_ballots == schema.DEFAULTS["model.unit_prior_ballots"]
    assert s.model.unit_count_bias == schema.DEFAULTS["model.unit_count_bias"] > 0
    # unit_prior_ballots alone keeps its former rule: the own count in full
    assert units_scenario(SLIVER, {"unit_prior_ballots": 200}).model.unit_count_bias == 0.0
    assert units_scenario(SLIVER, {"unit_prior_ballots": 50, "unit_count_bias": 0.02}).model.unit_count_bias == 0.02
    with pytest.raises(simulate.ScenarioError, match=r"model\.unit_count_bias: must be in \[0, 0\.5\], got -0\.1"):
        units_scenario(SLIVER, {"unit_count_bias": -0.1})


# -- the fit ------------------------------------------------------------------------------------

def synthetic_rows(rng, n, prior_ballots, count_bias) -> WeightingRows:
    """Units drawn from the documented model: remaining shares pi ~ Dirichlet(n0 g) around the
    fallback g (worth n0 ballots); the counted ballots a multinomial of C from rho ~
    Dirichlet(a pi), 1/(a + 1) = 4 kappa^2 (1 - f)/f (the count's bias); the ballots left a
    multinomial of R = C (1 - f)/f from pi."""
    g = rng.dirichlet([8.0, 6.0, 2.0], n)
    f = rng.uniform(0.03, 0.97, n)
    counted_total = np.exp(rng.uniform(np.log(30), np.log(30_000), n)).astype(np.int64)
    remaining = np.maximum(np.round(counted_total * (1 - f) / f), 1).astype(np.int64)
    pi = np.array([rng.dirichlet(prior_ballots * row) for row in g])
    a = 1.0 / (4 * count_bias**2 * (1 - f) / f) - 1.0
    rho = np.array([rng.dirichlet(ai * p) for ai, p in zip(a, pi)])
    counted = np.array([rng.multinomial(ci, r) for ci, r in zip(counted_total, rho)], dtype=np.float64)
    left = np.array([rng.multinomial(ri, p) for ri, p in zip(remaining, pi)], dtype=np.float64)
    return WeightingRows(counted, g, remaining.astype(np.float64), left, np.arange(n).astype(str))


def test_fit_recovers_the_constants_of_the_documented_model():
    rows = synthetic_rows(np.random.default_rng(7), 40_000, prior_ballots=150.0, count_bias=0.03)
    fit = fit_unit_weighting(rows, pseudo=0.0)
    assert fit.prior_ballots == pytest.approx(150.0, rel=0.1)  # 144.7
    assert fit.count_bias == pytest.approx(0.03, rel=0.05)  # 0.0304
    assert fit.score > fit.reference
    # and the former rule's world: kappa 0 comes back as (nearly) 0
    flat = fit_unit_weighting(synthetic_rows(np.random.default_rng(8), 20_000, 150.0, 1e-4), pseudo=0.0)
    assert flat.count_bias < 0.003 and flat.prior_ballots == pytest.approx(150.0, rel=0.1)  # 0.0004, 144.9


def unit_finals(path) -> dict:
    """Each county x vote type's votes at the file's last timestamp (biden, trump, jorgensen, other)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        table = list(csv.DictReader(fh))
    last = max(table, key=lambda r: r["timestamp"])["timestamp"]
    return {f"{r['county']}/{VOTE_TYPES[r['vote_type']]}": tuple(int(r[c]) for c in ("votes_biden", "votes_trump", "votes_jorgensen", "votes_other"))
            for r in table if r["timestamp"] == last and r["vote_type"] in VOTE_TYPES and r["county"] != "STATE"}


def nc_rows(path) -> WeightingRows:
    scenario = simulate.load_scenario_dict(scenario_from_nc(path, "units"), "nc-2020")
    return rows_from_scenario(scenario, unit_finals(path))


def test_fallbacks_are_the_models():
    s = units_scenario(SLIVER, MODEL)
    counted, g = unit_fallbacks(s.count.units, canonical_order(s.ids))
    np.testing.assert_allclose(g[0], np.array([4_216, 6_108]) / 10_324)
    assert counted.tolist() == [[216, 108], [4_000, 6_000]]


def test_nc_2020_extract_fitted_rule_beats_the_fixed_200_ballots():
    rows = nc_rows(EXTRACT)
    assert len(rows.remaining) > 2_000 and (rows.left >= 0).all()
    fit = fit_unit_weighting(rows)
    assert fit.count_bias > 0.003 and 100 < fit.prior_ballots < 1_000
    assert fit.score > fit.reference + 5e-4
    # the defaults (fitted on the full history) beat the former rule on the extract too
    defaults = score(rows, schema.DEFAULTS["model.unit_prior_ballots"], schema.DEFAULTS["model.unit_count_bias"])
    assert defaults > score(rows, *REFERENCE) + 5e-4


@pytest.mark.skipif(FULL is None or not FULL.is_file(), reason="RACECALL_NC_DATA does not point to the full NC 2020 file")
def test_nc_2020_full_history_fit_is_the_schema_default():
    fit = fit_unit_weighting(nc_rows(FULL))
    assert fit.rows == 4_538
    assert fit.prior_ballots == pytest.approx(schema.DEFAULTS["model.unit_prior_ballots"], abs=1.0)
    assert fit.count_bias == pytest.approx(schema.DEFAULTS["model.unit_count_bias"], abs=1e-4)
    assert fit.score > fit.reference + 1e-3
