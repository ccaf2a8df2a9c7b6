"""``racecall backtest HISTORY``: replay every contest and release of a count history and score it."""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..history.backtest import DEFAULT_DRAWS, DEFAULT_WORKERS, backtest
from ..history.sources import load_history
from ..scenario.calibration_file import read_calibration
from . import options


def _positive_int(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    if len(text) > 10 or int(text) > 1_000_000_000:  # limits are checked before the work
        raise argparse.ArgumentTypeError(f"must be at most 1,000,000,000, got {text[:20]!r}")
    return int(text)


def _level(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0.5 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0.5, 1), got {value}")
    return value


def cache_dir(option):
    """The ``--cache`` option as a directory or None (``off``)."""
    from ..feeds.minnesota_history import default_cache_dir

    if option is None:
        return default_cache_dir()
    return None if option == "off" else option


def add_history_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments shared by ``backtest`` and ``calibrate``."""
    parser.add_argument("history", metavar="HISTORY", help="a LA County timeframes.json, a Minnesota feed archive "
                        "(.tar.xz) or its folder, or a directory of scenario YAML files with snapshots and final")
    parser.add_argument("--remaining", choices=("as_known", "hindsight"), default="as_known",
                        help="where each snapshot's remaining vote comes from: as_known (default) only what was "
                             "published by then (expected vote); hindsight the final total minus counted")
    parser.add_argument("--kind", choices=("primary", "general"), help="the election (required for a timeframes.json)")
    parser.add_argument("--pass-rates", metavar="RESULTS_JSON", help="take measure thresholds from this results.json "
                        "(the March 2024 timeframes.json has none; without it its measures are skipped)")
    parser.add_argument("--draws", type=_positive_int, default=DEFAULT_DRAWS, help=f"draws per simulation (default {DEFAULT_DRAWS:,})")
    parser.add_argument("--seed", type=options.seed, default=0, help="random seed (default 0)")
    parser.add_argument("--confidence", type=_level, default=0.995, help="call level (default 0.995)")
    parser.add_argument("--workers", type=options.workers, default=DEFAULT_WORKERS, help=f"contests simulated at once, in threads (default {DEFAULT_WORKERS})")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="run the contests on Dask: 'local' (a local cluster of "
                        "--workers processes) or a scheduler's address (tcp://host:8786); same numbers")
    parser.add_argument("--cache", metavar="DIR", help="keep a parsed Minnesota feed here (default "
                        "$XDG_CACHE_HOME/racecall, i.e. ~/.cache/racecall); 'off' to parse the archive every time")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``backtest`` on the main CLI's subparsers."""
    parser = subparsers.add_parser("backtest", help="replay count histories with known results and score the model",
                                   description="Simulate every snapshot of every contest and score it against the final count.")
    add_history_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--plot", metavar="DIR", help="write a reliability diagram and calls by release (PNG, SVG) here")
    parser.add_argument("--calibration", metavar="FILE", help="use the model settings of this file "
                        "(from racecall calibrate) instead of each scenario's")
    parser.set_defaults(handler=run)
    return parser


def run(args) -> int:
    """``racecall backtest``: print the report; user errors raise :class:`RacecallError`."""
    overrides = {}
    if args.calibration:
        overrides = read_calibration(args.calibration).model_overrides()
    history = load_history(args.history, args.kind, args.pass_rates, args.remaining, cache_dir(args.cache))
    report = backtest(history.scenarios, draws=args.draws, seed=args.seed, call_confidence=args.confidence,
                      model_overrides=overrides, workers=args.workers, scheduler=args.scheduler)
    if args.json:
        out = report.to_dict()
        out["remaining_source"] = history.remaining_source
        out["skipped"] = [{"contest": c, "reason": r} for c, r in history.skipped]
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(report.text())
        print(f"remaining vote: {history.remaining_source}")
        if history.skipped:
            print(f"\nSkipped by the importer: {len(history.skipped)} contest(s)")
            print("\n".join(f"  {c}: {r}" for c, r in history.skipped))
    if args.plot:
        from ..report import plots

        written = plots.reliability_diagram(report, args.plot) + plots.called_by_release(report, args.plot)
        print("wrote " + ", ".join(os.fspath(p) for p in written), file=sys.stderr)
    return 0
