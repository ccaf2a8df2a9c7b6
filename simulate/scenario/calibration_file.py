"""The calibration file: model settings fitted on count histories, which a backtest or a scenario can name.

Written by ``racecall calibrate`` (:mod:`simulate.history.calibrate`); read by
``racecall backtest --calibration FILE`` and by a scenario's
``model.calibration: FILE``.  Only ``uncertainty``, ``tail_df``, ``early_count`` and
``late_swing`` are settings; the other keys record how they were found::

    uncertainty: 0.04
    tail_df: 4.0
    early_count: 0.05
    late_swing: 1.2
    fitted_on: [primary/timeframes.json]
    criterion: log_loss
    call_confidence: 0.995
    min_coverage: null
    draws: 20000
    seed: 0
    feasible: true
    metrics: {brier: .., log_loss: .., ece: .., coverage90: .., calls: .., wrong_calls: ..}
    grid: [{uncertainty: .., tail_df: .., early_count: .., brier: .., log_loss: .., wrong_calls: ..}, ...]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import RacecallError, ScenarioError
from .yaml_text import read_yaml_file

#: The largest calibration file read (bytes); one with a grid of 10,000 points is about 2 MB.
MAX_CALIBRATION_BYTES = 20_000_000

#: The model settings a calibration (or a backtest's overrides) may set.
MODEL_OVERRIDES = ("uncertainty", "tail_df", "early_count", "late_swing")
FILE_KEYS = ("uncertainty", "tail_df", "early_count", "late_swing", "fitted_on", "tail_df_from", "criterion", "call_confidence",
             "min_coverage", "draws", "seed", "feasible", "metrics", "grid")


def override_problem(key: str, value) -> str | None:
    """What is wrong with a model override, or ``None``."""
    if key not in MODEL_OVERRIDES:
        return f"is not a model setting a backtest can override ({', '.join(MODEL_OVERRIDES)})"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"must be a number, got {value!r}"
    if key == "uncertainty" and not 0.0 <= value <= 0.5:
        return f"must be in [0, 0.5], got {value}"
    if key == "uncertainty" and 0.0 < value < 1e-6:
        return f"must be 0 (the naive model) or at least 1e-06, got {value}"
    if key == "tail_df" and not (value == 0 or 2.0 <= value <= 1000.0):
        return f"must be 0 (normal errors) or between 2 and 1000, got {value}"
    if key == "early_count" and not 0.0 <= value <= 1.0:
        return f"must be in [0, 1], got {value}"
    if key == "late_swing" and not 0.0 <= value <= 10.0:
        return f"must be in [0, 10] (logits; 0: no check), got {value}"
    return None


def check_overrides(overrides: dict | None) -> dict:
    """Validate ``model_overrides`` (``uncertainty``, ``tail_df``, ``early_count``); raises :class:`RacecallError`."""
    overrides = dict(overrides or {})
    for key, value in overrides.items():
        problem = override_problem(key, value)
        if problem is not None:
            raise RacecallError(f"model override {key} {problem}")
    return {k: float(v) for k, v in overrides.items()}


@dataclass(frozen=True)
class Calibration:
    uncertainty: float
    tail_df: float
    early_count: float | None = None
    late_swing: float | None = None
    fitted_on: tuple[str, ...] = ()
    tail_df_from: str | None = None  # how tail_df was found, when estimated from the late shifts
    criterion: str = "log_loss"
    call_confidence: float = 0.995
    min_coverage: float | None = None
    draws: int | None = None
    seed: int = 0
    feasible: bool = True
    metrics: dict | None = None
    grid: tuple[dict, ...] = ()

    def model_overrides(self) -> dict:
        out = {"uncertainty": self.uncertainty, "tail_df": self.tail_df}
        if self.early_count is not None:
            out["early_count"] = self.early_count
        if self.late_swing is not None:
            out["late_swing"] = self.late_swing
        return out

    def to_dict(self) -> dict:
        head = self.model_overrides()
        return {**head, "fitted_on": list(self.fitted_on), "tail_df_from": self.tail_df_from,
                "criterion": self.criterion, "call_confidence": self.call_confidence,
                "min_coverage": self.min_coverage, "draws": self.draws,
                "seed": self.seed, "feasible": self.feasible, "metrics": dict(self.metrics or {}),
                "grid": [dict(g) for g in self.grid]}


def write_calibration(calibration: Calibration, path) -> None:
    """Write the calibration file whole or not at all (:func:`simulate.files.write_text`),
    read back with :func:`read_calibration` before it replaces an older one."""
    import yaml

    from ..files import write_text

    text = yaml.safe_dump(calibration.to_dict(), sort_keys=False, allow_unicode=True)
    write_text(path, text, check=read_calibration)


def read_calibration(path) -> Calibration:
    """Read a calibration file; raises :class:`~simulate.errors.ScenarioError` naming the key on bad input."""
    source = str(path)
    data = read_yaml_file(path, source, MAX_CALIBRATION_BYTES, "calibration file")
    if not isinstance(data, dict):
        raise ScenarioError(source, "", "a calibration file is a mapping with uncertainty and tail_df")
    for key in data:
        if key not in FILE_KEYS:
            raise ScenarioError(source, str(key), f"unknown key (allowed: {', '.join(FILE_KEYS)})")
    for key in ("uncertainty", "tail_df"):
        if key not in data:
            raise ScenarioError(source, key, "is required")
    overrides = {}
    for key in MODEL_OVERRIDES:
        if key in data:
            problem = override_problem(key, data[key])
            if problem is not None:
                raise ScenarioError(source, key, problem)
            overrides[key] = float(data[key])
    fitted = data.get("fitted_on") or ()
    return Calibration(overrides["uncertainty"], overrides["tail_df"], overrides.get("early_count"),
                       late_swing=overrides.get("late_swing"),
                       fitted_on=tuple(fitted) if isinstance(fitted, list) else (str(fitted),),
                       criterion=data.get("criterion", "log_loss"), metrics=data.get("metrics"))
