"""The units model: reduction to the lump model, agreement with a brute-force simulation, centres."""

from __future__ import annotations


import numpy as np
import pytest

import simulate
from simulate.model.lump import canonical_order
from simulate.model.units import unit_centres


def units_scenario(units, model=None, draws=200_000, **race):
    data = {
        "race": {"name": "Units", "rule": "plurality", **race},
        "candidates": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "count": {"as_of": "now", "units": units},
        "model": model or {},
        "simulation": {"draws": draws, "seed": 11},
    }
    return simulate.load_scenario_dict(data, "units")


UNITS = [
    {"id": "n/mail", "type": "mail", "counted": {"a": 6000, "b": 4000, "c": 500}, "remaining": {"estimate": 5000, "low": 4000, "high": 7000}},
    {"id": "s/mail", "type": "mail", "counted": {"a": 900, "b": 1000, "c": 100}, "remaining": 8000, "baseline": {"a": 0.44, "b": 0.5, "c": 0.06}},
    {"id": "n/day", "type": "day", "counted": {"a": 3000, "b": 3500, "c": 300}, "remaining": 2000, "baseline": {"a": 0.5, "b": 0.45, "c": 0.05}},
    {"id": "s/day", "type": "day", "counted": {"a": 0, "b": 0, "c": 0}, "remaining": 6000, "baseline": {"a": 0.4, "b": 0.55, "c": 0.05}},
]


def test_single_unit_is_exactly_the_lump_model():
    unit = {"id": "all", "counted": {"a": 5200, "b": 4700, "c": 100}, "remaining": {"estimate": 4000, "low": 3000, "high": 6000}}
    with_units = units_scenario([unit])
    lump = simulate.load_scenario_dict({
        "race": {"name": "Units", "rule": "plurality"},
        "candidates": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        "count": {"as_of": "now", "counted": unit["counted"], "remaining": unit["remaining"]},
        "simulation": {"draws": 200_000, "seed": 11},
    }, "units")
    assert simulate.run(with_units).to_dict() == simulate.run(lump).to_dict()


def test_centres_follow_own_count_baseline_swing_and_type():
    s = units_scenario(UNITS, model={"unit_prior_ballots": 200})
    order = canonical_order(s.ids)
    m = unit_centres(s, s.count.units, order)
    # s/day has nothing counted: its baseline moved by the swing of reported day units with a baseline
    p = np.array([3000, 3500, 300]) / 6800
    swing = p - np.array([0.5, 0.45, 0.05])
    g = np.array([0.4, 0.55, 0.05]) + swing
    np.testing.assert_allclose(m[3], (200 * g + 1 / 3) / 201, atol=1e-12)  # with the pseudo-ballot
    # n/mail (no baseline) weighs its own 10,500 ballots against its type's counted shares (200 ballots)
    own = np.array([6000, 4000, 500]) / 10500
    typ = np.array([6900, 5000, 600]) / 12500
    np.testing.assert_allclose(m[0], (10500 * own + 200 * typ + 1 / 3) / 10701, atol=1e-12)


# The units model against a per-unit brute force of the documented model: tests/test_units_exact.py.


def test_units_results_identical_across_threads_and_keyed_per_unit():
    s = units_scenario(UNITS, draws=100_000)
    one = simulate.run(s, threads=1).to_dict()
    two = simulate.run(s, threads=2).to_dict()
    assert one == two
    assert [u["id"] for u in one["units"]] == ["n/mail", "s/mail", "n/day", "s/day"]
    assert set(one["units"][0]["share_final"]["a"]) == {"mean", "low", "high"}
    assert one["candidates"][0]["counted"] == 9900


def test_units_csv_is_read_relative_to_the_scenario(tmp_path):
    (tmp_path / "units.csv").write_text("unit,type,a,b,c,remaining,remaining_low,remaining_high\nn,mail,10,5,1,100,80,120\ns,day,4,6,0,50,,\n")
    (tmp_path / "race.yaml").write_text(
        "race: {name: R, rule: plurality}\ncandidates: [{id: a}, {id: b}, {id: c}]\ncount: {units_csv: units.csv}\n"
    )
    s = simulate.load_scenario(tmp_path / "race.yaml")
    assert [u.id for u in s.count.units] == ["n", "s"]
    assert s.count.counted == (14, 11, 1) and s.count.remaining.estimate == 150
    assert s.count.units[1].remaining.exact


@pytest.mark.parametrize("count, message", [
    ({"counted": {"a": 1, "b": 1, "c": 1}, "units": []}, "u: count: with units, counted and remaining are the units' sums: do not give them too"),
    ({"units": []}, "u: count.units: must list at least one unit"),
    ({"units": [{"id": "x", "counted": {"a": 1, "b": 1, "c": 1}, "remaining": 0}] * 2}, "u: count.units[1].id: duplicate unit id 'x'"),
    ({"units": [{"id": "x", "counted": {"a": 1, "b": 1}, "remaining": 0}]}, "u: count.units[0].counted: missing candidate(s): c"),
    ({"units": [{"id": "x", "counted": {"a": 1, "b": 1, "c": 1}, "remaining": 0, "baseline": {"a": 0.5, "b": 0.4, "c": 0.3}}]},
     "u: count.units[0].baseline: shares must add up to 1, they add up to 1.2"),
])
def test_unit_errors_word_for_word(count, message):
    data = {"race": {"name": "R", "rule": "plurality"}, "candidates": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "count": count}
    with pytest.raises(simulate.ScenarioError) as info:
        simulate.load_scenario_dict(data, "u")
    assert str(info.value) == message
