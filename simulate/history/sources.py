"""Count histories with known results: a LA County ``timeframes.json``, a Minnesota feed
(``.tar.xz`` archive or its folder), or a folder of scenarios.

``remaining`` says where each snapshot's remaining vote comes from: ``"as_known"`` (the
default) only what was published by then (:mod:`simulate.feeds.la_expected`,
:mod:`simulate.feeds.minnesota_history`); ``"hindsight"`` the final total minus counted.
A folder of scenario files keeps the remaining its files give (``remaining_source``
``"as_given"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import RacecallError
from ..feeds.la_county import ImportFormatError, measure_overrides_from_results, scenarios_from_timeframes
from ..scenario.loader import load_scenario, load_scenario_dict
from ..scenario.records import Scenario
from .backtest import prepare

REMAINING_SOURCES = ("as_known", "hindsight")


@dataclass(frozen=True)
class History:
    scenarios: tuple[Scenario, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    remaining_source: str = "as_given"
    warnings: tuple[tuple[str, str], ...] = ()


def _is_minnesota(path: Path) -> bool:
    if path.is_file():
        return path.name.endswith((".tar.xz", ".tar", ".tar.gz", ".txz"))
    if not path.is_dir():
        return False
    from ..feeds.minnesota_files import FOLDER

    return bool(FOLDER.match(path.name)) or any(
        FOLDER.match(p.name) or (p.is_dir() and any(FOLDER.match(q.name) for q in p.iterdir() if q.is_dir()))
        for p in path.iterdir() if p.is_dir())


def _scenario_dir(path: Path) -> History:
    files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))
    if not files:
        raise RacecallError(f"{path}: no scenario files (*.yaml) in this directory")
    scenarios = tuple(load_scenario(f) for f in files)
    for s in scenarios:
        prepare(s, {}, s.simulation.call_confidence)
    return History(scenarios)


def _minnesota(path: Path, remaining: str, cache=None) -> History:
    from ..feeds.minnesota_files import FeedFormatError
    from ..feeds.minnesota_history import minnesota_history

    try:
        h = minnesota_history(path, remaining, cache=cache)
    except FeedFormatError as exc:
        raise RacecallError(str(exc)) from None
    scenarios = tuple(load_scenario_dict(data, f"{path}#{slug}") for slug, data in h.scenarios)
    if not scenarios:
        raise RacecallError(f"{path}: no contest could be imported")
    return History(scenarios, h.skipped, remaining, h.warnings)


def load_history(path, kind: str | None = None, pass_rates=None, remaining: str = "as_known",
                 cache=None) -> History:
    """Scenarios with ``final`` from a count history (module docstring).

    ``kind`` (``primary``/``general``) is required for a timeframes file;
    ``pass_rates`` is a ``results.json`` supplying measure thresholds the
    timeframes file lacks; ``cache`` a directory keeping a parsed Minnesota feed
    (:mod:`simulate.feeds.minnesota_history`).  Raises :class:`RacecallError` on bad input.
    """
    if remaining not in REMAINING_SOURCES:
        raise RacecallError(f"remaining must be one of {', '.join(REMAINING_SOURCES)}, got {remaining!r}")
    path = Path(path)
    if _is_minnesota(path):
        return _minnesota(path, remaining, cache)
    if path.is_dir():
        return _scenario_dir(path)
    if kind not in ("primary", "general"):
        raise RacecallError(f"{path}: --kind primary or --kind general is required to import a timeframes file")
    try:
        overrides = measure_overrides_from_results(pass_rates) if pass_rates else None
        report = scenarios_from_timeframes(path, kind, overrides)
    except ImportFormatError as exc:
        raise RacecallError(str(exc)) from None
    pairs = report.scenarios
    if remaining == "as_known":
        from ..feeds.la_expected import as_known

        pairs = as_known(report, kind)
    scenarios = tuple(load_scenario_dict(data, f"{path}#{slug}") for slug, data in pairs)
    if not scenarios:
        raise RacecallError(f"{path}: no contest could be imported")
    return History(scenarios, tuple(report.skipped), remaining)
