"""Count histories with known results: a LA County ``timeframes.json`` or a folder of scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import RacecallError
from ..feeds.la_county import ImportFormatError, measure_overrides_from_results, scenarios_from_timeframes
from ..scenario.loader import load_scenario, load_scenario_dict
from ..scenario.records import Scenario
from .backtest import prepare


@dataclass(frozen=True)
class History:
    scenarios: tuple[Scenario, ...]
    skipped: tuple[tuple[str, str], ...] = ()


def load_history(path, kind: str | None = None, pass_rates=None) -> History:
    """Scenarios with ``final`` from a LA County ``timeframes.json`` or a directory of scenario YAML files.

    ``kind`` (``primary``/``general``) is required for a timeframes file;
    ``pass_rates`` is a ``results.json`` supplying measure thresholds the
    timeframes file lacks.  Raises :class:`RacecallError` on bad input.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))
        if not files:
            raise RacecallError(f"{path}: no scenario files (*.yaml) in this directory")
        scenarios = tuple(load_scenario(f) for f in files)
        for s in scenarios:
            prepare(s, {}, s.simulation.call_confidence)
        return History(scenarios)
    if kind not in ("primary", "general"):
        raise RacecallError(f"{path}: --kind primary or --kind general is required to import a timeframes file")
    try:
        overrides = measure_overrides_from_results(pass_rates) if pass_rates else None
        report = scenarios_from_timeframes(path, kind, overrides)
    except ImportFormatError as exc:
        raise RacecallError(str(exc)) from None
    scenarios = tuple(load_scenario_dict(data, f"{path}#{slug}") for slug, data in report.scenarios)
    if not scenarios:
        raise RacecallError(f"{path}: no contest could be imported")
    return History(scenarios, tuple(report.skipped))
