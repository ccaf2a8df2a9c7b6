"""A scenario names a calibration file (``model.calibration``): its settings apply, the scenario's own win."""

from __future__ import annotations

import pytest
import yaml

import simulate
from simulate import ScenarioError
from simulate.scenario import schema
from simulate.scenario.calibration_file import Calibration, write_calibration
from conftest import scenario_dict


def _scenario_file(tmp_path, model: dict, name="race.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(scenario_dict(model=model)), encoding="utf-8")
    return path


def test_settings_come_from_the_file_relative_to_the_scenario(tmp_path):
    (tmp_path / "fits").mkdir()
    write_calibration(Calibration(uncertainty=0.031, tail_df=5.0, early_count=0.2), tmp_path / "fits" / "la.yaml")
    s = simulate.load_scenario(_scenario_file(tmp_path, {"calibration": "fits/la.yaml"}))
    assert (s.model.uncertainty, s.model.tail_df, s.model.early_count) == (0.031, 5.0, 0.2)


def test_the_scenarios_own_keys_win_and_missing_keys_fall_back_to_defaults(tmp_path):
    write_calibration(Calibration(uncertainty=0.031, tail_df=5.0), tmp_path / "fit.yaml")
    s = simulate.load_scenario(_scenario_file(tmp_path, {"calibration": "fit.yaml", "tail_df": 0}))
    assert (s.model.uncertainty, s.model.tail_df) == (0.031, 0.0)
    assert s.model.early_count == schema.DEFAULTS["model.early_count"]


def test_a_missing_file_names_the_scenario_and_the_field(tmp_path):
    path = _scenario_file(tmp_path, {"calibration": "nowhere.yaml"})
    with pytest.raises(ScenarioError) as info:
        simulate.load_scenario(path)
    assert str(info.value) == (f"{path}: model.calibration: {tmp_path / 'nowhere.yaml'}: "
                               "cannot read the calibration file (No such file or directory)")


def test_a_bad_value_in_the_file_names_its_key(tmp_path):
    (tmp_path / "fit.yaml").write_text("uncertainty: 0.9\ntail_df: 0\n", encoding="utf-8")
    path = _scenario_file(tmp_path, {"calibration": "fit.yaml"})
    with pytest.raises(ScenarioError) as info:
        simulate.load_scenario(path)
    assert str(info.value) == f"{path}: model.calibration: {tmp_path / 'fit.yaml'}: uncertainty: must be in [0, 0.5], got 0.9"


def test_an_unknown_key_in_the_file_is_refused(tmp_path):
    (tmp_path / "fit.yaml").write_text("uncertainty: 0.03\ntail_df: 0\nshift: 1\n", encoding="utf-8")
    path = _scenario_file(tmp_path, {"calibration": "fit.yaml"})
    with pytest.raises(ScenarioError, match=r"model.calibration: .*fit.yaml: shift: unknown key"):
        simulate.load_scenario(path)
