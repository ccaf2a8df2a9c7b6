"""Calibration: the grid choice under the no-wrong-call constraint, the file, the command line."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from simulate import ScenarioError
from simulate.history import calibrate as cal
from simulate.scenario import calibration_file
from simulate.history.backtest import WrongCall
from simulate.cli.calibrate import _numbers
from simulate.cli.main import main as racecall

EXTRACT = Path(__file__).parent / "data" / "backtest" / "general-timeframes.json"


def _fake_report(log_loss, brier, wrong):
    bad = WrongCall("X", 0, None, "A elected", 0.999, "B elected")
    return SimpleNamespace(log_loss=log_loss, brier=brier, brier_naive=None, ece=0.01, coverage90=0.9,
                           predictions=10, calls=5, wrong_calls=(bad,) * wrong, wrong_seats=(), near_calls=0,
                           wrong_near_calls=(),
                           called_by_release=(0.5, 1.0), seconds=0.0)


@pytest.fixture
def fake_grid(monkeypatch):
    """uncertainty -> (log_loss, brier, wrong calls): the best scores make wrong calls."""
    table = {0.02: (0.040, 0.010, 3), 0.03: (0.050, 0.012, 0), 0.04: (0.055, 0.011, 0), 0.05: (0.060, 0.013, 0)}
    seen = []

    def fake_backtest(scenarios, *, model_overrides, naive, **options):
        assert naive is False
        seen.append(model_overrides)
        return _fake_report(*table[model_overrides["uncertainty"]])

    monkeypatch.setattr(cal, "backtest", fake_backtest)
    return seen


def test_lowest_score_without_wrong_calls(fake_grid):
    result = cal.calibrate((), uncertainties=(0.02, 0.03, 0.04, 0.05), tail_dfs=(0.0,))
    assert (result.uncertainty, result.tail_df, result.feasible) == (0.03, 0.0, True)
    assert result.metrics["log_loss"] == 0.05 and result.metrics["wrong_calls"] == 0
    assert [g["uncertainty"] for g in result.grid] == [0.02, 0.03, 0.04, 0.05]
    assert result.grid[0]["wrong_calls"] == 3
    assert cal.calibrate((), criterion="brier", uncertainties=(0.02, 0.03, 0.04, 0.05), tail_dfs=(0.0,)).uncertainty == 0.04


def test_min_coverage(fake_grid, monkeypatch):
    narrow = {0.02: 0.95, 0.03: 0.80, 0.04: 0.88, 0.05: 0.93}
    fake = cal.backtest

    def with_coverage(scenarios, *, model_overrides, **options):
        report = fake(scenarios, model_overrides=model_overrides, **options)
        report.coverage90 = narrow[model_overrides["uncertainty"]]
        return report

    monkeypatch.setattr(cal, "backtest", with_coverage)
    grid = dict(uncertainties=(0.02, 0.03, 0.04, 0.05), tail_dfs=(0.0,))
    assert cal.calibrate((), min_coverage=None, **grid).uncertainty == 0.03
    assert cal.calibrate((), **grid).uncertainty == 0.04  # the default asks for coverage 0.88
    result = cal.calibrate((), min_coverage=0.85, **grid)
    assert (result.uncertainty, result.min_coverage, result.feasible) == (0.04, 0.85, True)


def test_infeasible_grid_keeps_the_fewest_wrong_calls(fake_grid):
    result = cal.calibrate((), uncertainties=(0.02,), tail_dfs=(0.0, 4.0))
    assert result.feasible is False and result.uncertainty == 0.02
    assert fake_grid == [{"uncertainty": 0.02, "tail_df": 0.0}, {"uncertainty": 0.02, "tail_df": 4.0}]


def test_early_count_grid(fake_grid):
    result = cal.calibrate((), uncertainties=(0.03,), tail_dfs=(0.0,), early_counts=(0.0, 0.2))
    assert fake_grid[-1] == {"uncertainty": 0.03, "tail_df": 0.0, "early_count": 0.2}
    assert result.early_count == 0.0 and result.model_overrides()["early_count"] == 0.0


def test_file_round_trip(tmp_path, fake_grid):
    result = cal.calibrate((), fitted_on=("primary/timeframes.json",), uncertainties=(0.03, 0.04), tail_dfs=(4.0,))
    path = tmp_path / "cal.yaml"
    calibration_file.write_calibration(result, path)
    data = yaml.safe_load(path.read_text())
    assert {"uncertainty", "tail_df", "fitted_on", "metrics"} <= set(data)
    assert (data["uncertainty"], data["tail_df"], data["fitted_on"]) == (0.03, 4.0, ["primary/timeframes.json"])
    back = calibration_file.read_calibration(path)
    assert back.model_overrides() == {"uncertainty": 0.03, "tail_df": 4.0}


@pytest.mark.parametrize("text, message", [
    ("uncertainty: 0.03\ntail_df: 0\nspread: 2\n", "spread: unknown key (allowed: uncertainty, tail_df, early_count, "
     "late_swing, fitted_on, tail_df_from, criterion, call_confidence, min_coverage, draws, seed, feasible, metrics, grid)"),
    ("tail_df: 0\n", "uncertainty: is required"),
    ("uncertainty: 0.03\ntail_df: 1\n", "tail_df: must be 0 (normal errors) or between 2 and 1000, got 1"),
    ("uncertainty: high\ntail_df: 0\n", "uncertainty: must be a number, got 'high'"),
    ("uncertainty: 0.03\ntail_df: 0\nearly_count: 2\n", "early_count: must be in [0, 1], got 2"),
    ("- 1\n", "a calibration file is a mapping with uncertainty and tail_df"),
])
def test_bad_calibration_files(tmp_path, text, message):
    path = tmp_path / "cal.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        calibration_file.read_calibration(path)
    assert str(info.value) == f"{path}: {message}"


def test_grid_syntax():
    assert _numbers("0.02:0.05:0.01") == (0.02, 0.03, 0.04, 0.05)
    assert _numbers("0,4,8") == (0.0, 4.0, 8.0)


def test_cli_fits_and_backtest_reads_the_file(tmp_path, capsys):
    from simulate.feeds.la_county import ImportReport, scenarios_from_timeframes, write_scenarios

    history = tmp_path / "history"
    write_scenarios(ImportReport(scenarios_from_timeframes(EXTRACT, "general").scenarios[2:3]), history)
    out = tmp_path / "cal.yaml"
    assert racecall(["calibrate", str(history), "--out", str(out), "--uncertainty", "0.03,0.06", "--tail-df", "0",
                     "--draws", "1000", "--workers", "1"]) == 0
    assert "-> " + str(out) in capsys.readouterr().out
    data = yaml.safe_load(out.read_text())
    assert data["uncertainty"] in (0.03, 0.06) and len(data["grid"]) == 2 and data["feasible"] is True
    assert racecall(["backtest", str(history), "--calibration", str(out), "--draws", "1000", "--workers", "1"]) == 0
    assert f"(uncertainty {data['uncertainty']}, tail_df 0.0" in capsys.readouterr().out
    assert racecall(["calibrate", str(history), "--out", str(tmp_path / "missing" / "x.yaml"), "--uncertainty", "0.05",
                     "--tail-df", "0", "--draws", "1000"]) == 2
    assert "cannot write" in capsys.readouterr().err
