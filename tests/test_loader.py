"""The loader: every documented error, word for word, with file and field path."""

from __future__ import annotations

import time

import pytest

import simulate
from simulate import ScenarioError
from simulate.scenario import schema
from conftest import scenario_dict


def error_of(data, source="s.yaml") -> str:
    with pytest.raises(ScenarioError) as info:
        simulate.load_scenario_dict(data, source)
    return str(info.value)


def test_valid_scenario_has_defaults():
    s = simulate.load_scenario_dict(scenario_dict(), "s.yaml")
    assert s.ids == ("a", "b")
    assert s.count.counted == (600, 400)
    assert s.count.remaining.exact
    assert s.race.seats == 1 and s.race.threshold == 0.5 and s.race.recount_margin == 0.005
    assert s.model.uncertainty == schema.DEFAULTS["model.uncertainty"] and s.model.shift == (0.0, 0.0)
    assert s.model.tail_df == schema.DEFAULTS["model.tail_df"] and s.model.early_count == schema.DEFAULTS["model.early_count"]
    assert s.simulation.call_confidence == 0.995


@pytest.mark.parametrize(
    "data, message",
    [
        (None, "s.yaml: file is empty"),
        ([1, 2], "s.yaml: must be a mapping, got a list"),
        (scenario_dict(extra=1), "s.yaml: extra: unknown key (allowed: race, candidates, count, model, simulation, snapshots, final)"),
        ({k: v for k, v in scenario_dict().items() if k != "count"}, "s.yaml: count: is required"),
        (scenario_dict(race={"name": "x", "rule": "borda"}), "s.yaml: race.rule: must be one of plurality, majority, top_two, measure, got 'borda'"),
        (scenario_dict(race={"rule": "plurality"}), "s.yaml: race.name: is required"),
        (scenario_dict(race={"name": "x", "rule": "plurality", "colour": 1}), "s.yaml: race.colour: unknown key (allowed: name, date, rule, threshold, seats, recount_margin)"),
        (scenario_dict(race={"name": "x", "rule": "top_two", "threshold": 1.5}), "s.yaml: race.threshold: must be in (0, 1), got 1.5"),
        (scenario_dict(race={"name": "x", "rule": "plurality", "threshold": 0.5}), "s.yaml: race.threshold: does not apply to plurality races"),
        (scenario_dict(race={"name": "x", "rule": "top_two", "seats": 2}), "s.yaml: race.seats: applies to plurality races only (rule is top_two)"),
        (scenario_dict(race={"name": "x", "rule": "plurality", "seats": 3}), "s.yaml: race.seats: is 3 but only 2 candidate(s) are listed"),
        (scenario_dict(candidates=[]), "s.yaml: candidates: must list at least one candidate"),
        (scenario_dict(candidates=[{"id": "a"}, {"id": "a"}]), "s.yaml: candidates[1].id: duplicate candidate id 'a'"),
        (scenario_dict(candidates=[{"id": "A b"}]), "s.yaml: candidates[0].id: must be lower-case letters, digits and _ starting with a letter, got 'A b'"),
        (scenario_dict(candidates=[{"name": "x"}]), "s.yaml: candidates[0].id: is required"),
        (scenario_dict(race={"name": "x", "rule": "measure"}), "s.yaml: candidates: a measure has exactly two candidates, with ids yes and no"),
        (scenario_dict(count={"counted": {"a": 1, "b": 2, "c": 3}, "remaining": 0}), "s.yaml: count.counted.c: unknown candidate id (candidates: a, b)"),
        (scenario_dict(count={"counted": {"a": 1}, "remaining": 0}), "s.yaml: count.counted: missing candidate(s): b"),
        (scenario_dict(count={"counted": {"a": -1, "b": 2}, "remaining": 0}), "s.yaml: count.counted.a: must not be negative, got -1"),
        (scenario_dict(count={"counted": {"a": 1.5, "b": 2}, "remaining": 0}), "s.yaml: count.counted.a: must be a whole number of votes, got 1.5"),
        (scenario_dict(count={"counted": {"a": float("nan"), "b": 2}, "remaining": 0}), "s.yaml: count.counted.a: must be a finite whole number, got nan"),
        (scenario_dict(count={"counted": {"a": float("inf"), "b": 2}, "remaining": 0}), "s.yaml: count.counted.a: must be a finite whole number, got inf"),
        (scenario_dict(count={"counted": {"a": "many", "b": 2}, "remaining": 0}), "s.yaml: count.counted.a: must be a whole number of votes, got str 'many'"),
        (scenario_dict(count={"counted": {"a": True, "b": 2}, "remaining": 0}), "s.yaml: count.counted.a: must be a whole number of votes, got a boolean (true)"),
        (scenario_dict(count={"counted": {"a": 10**12, "b": 2}, "remaining": 0}), "s.yaml: count.counted.a: is absurdly large (1,000,000,000,000 > 10,000,000,000)"),
        (scenario_dict(count={"counted": {"a": 1, "b": 2}}), "s.yaml: count.remaining: is required"),
        (scenario_dict(count={"counted": {"a": 1, "b": 2}, "remaining": {"estimate": 100, "low": 120, "high": 200}}), "s.yaml: count.remaining: needs low <= estimate <= high, got 120 / 100 / 200"),
        (scenario_dict(count={"counted": {"a": 1, "b": 2}, "remaining": {"estimate": 100, "low": 20}}), "s.yaml: count.remaining: give both low and high (a 90% interval), or neither for an exact count"),
        (scenario_dict(count={"counted": {"a": 1, "b": 2}, "remaining": {"low": 20, "high": 30}}), "s.yaml: count.remaining.estimate: is required"),
        (scenario_dict(model={"shift": {"a": 0.02, "b": 0.01}}), "s.yaml: model.shift: shifts must add up to 0 (shares of the remaining vote still sum to 1), they add up to +0.03"),
        (scenario_dict(model={"shift": {"z": 0.0}}), "s.yaml: model.shift.z: unknown candidate id (candidates: a, b)"),
        (scenario_dict(model={"uncertainty": -0.1}), "s.yaml: model.uncertainty: must be in [0, 0.5], got -0.1"),
        (scenario_dict(model={"tail_df": 1}), "s.yaml: model.tail_df: must be 0 (normal errors) or at least 2, got 1.0"),
        (scenario_dict(simulation={"draws": 10**10}), "s.yaml: simulation.draws: must be between 1 and 1,000,000,000, got 10,000,000,000"),
        (scenario_dict(simulation={"draws": 0}), "s.yaml: simulation.draws: must be between 1 and 1,000,000,000, got 0"),
        (scenario_dict(simulation={"call_confidence": 1.0}), "s.yaml: simulation.call_confidence: must be in [0.5, 1), got 1.0"),
        (scenario_dict(snapshots={"as_of": 1}), "s.yaml: snapshots: must be a list, got a mapping"),
        (scenario_dict(snapshots=[{"counted": {"a": 1, "b": -2}, "remaining": 0}]), "s.yaml: snapshots[0].counted.b: must not be negative, got -2"),
        (scenario_dict(final={"counted": {"a": 1}}), "s.yaml: final.counted: missing candidate(s): b"),
    ],
)
def test_error_messages_word_for_word(data, message):
    assert error_of(data) == message


def test_shift_that_makes_a_share_negative_is_named():
    data = scenario_dict(model={"shift": {"a": 0.5, "b": -0.5}})
    assert error_of(data) == "s.yaml: model.shift.b: leaves b a share of the remaining vote of -0.0999; shares must stay positive"


def test_measure_ids_survive_yaml_booleans(write_yaml):
    path = write_yaml(
        "race: {name: M, rule: measure, threshold: 0.6667}\n"
        "candidates: [{id: yes}, {id: no}]\n"
        "count: {counted: {yes: 10, no: 5}, remaining: 0}\n"
    )
    s = simulate.load_scenario(path)
    assert s.ids == ("yes", "no") and s.count.counted == (10, 5)


def test_malformed_yaml_names_file_and_line(write_yaml):
    path = write_yaml("race: {name: x\ncandidates: [\n")
    with pytest.raises(ScenarioError) as info:
        simulate.load_scenario(path)
    assert str(info.value).startswith(f"{path}: line ")
    assert "malformed YAML" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError) as info:
        simulate.load_scenario(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: cannot read the file (No such file or directory)"


def test_alias_bomb_fails_fast(write_yaml):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 30):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    path = write_yaml("\n".join(lines) + "\n")
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        simulate.load_scenario(path)
    assert time.perf_counter() - start < 2.0
    assert str(info.value) == f"{path}: a1[0]: line 2: YAML aliases (*a0) are not allowed in scenario files"


def test_bundled_scenarios_load():
    from pathlib import Path

    for path in sorted(Path(__file__).parent.parent.joinpath("scenarios").glob("*.yaml")):
        s = simulate.load_scenario(path)
        assert s.candidates
