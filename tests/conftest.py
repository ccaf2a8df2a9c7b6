"""Shared helpers: build scenario mappings and write them to files."""

from __future__ import annotations

import copy

import pytest
import yaml

import simulate

BASE = {
    "race": {"name": "Test race", "rule": "plurality"},
    "candidates": [{"id": "a", "name": "Alice"}, {"id": "b", "name": "Bob"}],
    "count": {"counted": {"a": 600, "b": 400}, "remaining": {"estimate": 500}},
    "simulation": {"draws": 20_000, "seed": 7},
}


def scenario_dict(**sections) -> dict:
    """A copy of :data:`BASE` with whole sections replaced."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(sections))
    return data


def two_way(counted_a, counted_b, remaining, *, uncertainty=0.0, rule="plurality", draws=20_000, seed=7, **race):
    """A validated two-candidate scenario."""
    data = scenario_dict(
        race={"name": "Two-way", "rule": rule, **race},
        count={"counted": {"a": counted_a, "b": counted_b}, "remaining": remaining},
        model={"uncertainty": uncertainty},
        simulation={"draws": draws, "seed": seed},
    )
    return simulate.load_scenario_dict(data, "two-way")


@pytest.fixture
def write_yaml(tmp_path):
    def write(data, name="scenario.yaml"):
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write
