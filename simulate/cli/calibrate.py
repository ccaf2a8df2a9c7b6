"""``racecall calibrate HISTORY --out FILE``: fit the model's defaults on a count history."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ..errors import RacecallError
from ..history.calibrate import CRITERIA, EARLY_COUNT_GRID, MIN_COVERAGE, TAIL_DF_GRID, UNCERTAINTY_GRID, calibrate
from ..history.sources import load_history
from ..scenario.calibration_file import write_calibration
from .backtest import add_history_arguments


def _numbers(text: str) -> tuple[float, ...]:
    """``0.02,0.03`` or ``0.02:0.10:0.01`` (start:stop:step, stop included)."""
    try:
        if ":" in text:
            start, stop, step = (float(x) for x in text.split(":"))
            if step <= 0:
                raise ValueError
            n = int(math.floor((stop - start) / step + 1e-9)) + 1
            return tuple(round(start + i * step, 10) for i in range(max(n, 0)))
        return tuple(float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a,b,c or start:stop:step, got {text!r}") from None


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``calibrate`` on the main CLI's subparsers."""
    parser = subparsers.add_parser("calibrate", help="fit the default uncertainty and tail_df on count histories",
                                   description="Grid-search uncertainty and tail_df for the lowest backtest score "
                                               "with no wrong call at the call level; write them to a YAML file.")
    add_history_arguments(parser)
    parser.add_argument("--out", required=True, metavar="FILE", help="calibration file to write (YAML)")
    parser.add_argument("--criterion", choices=CRITERIA, default="log_loss", help="score to minimise (default log_loss)")
    parser.add_argument("--uncertainty", type=_numbers, default=UNCERTAINTY_GRID, metavar="GRID",
                        help="values to try, a,b,c or start:stop:step (default 0.02:0.10:0.01)")
    parser.add_argument("--tail-df", type=_numbers, default=TAIL_DF_GRID, metavar="GRID",
                        help="values to try (0 means normal errors); default: estimated from the kurtosis of "
                             "the history's late shifts")
    parser.add_argument("--min-coverage", type=float, default=MIN_COVERAGE, metavar="SHARE",
                        help=f"require this coverage of the 90%% final-share intervals (default {MIN_COVERAGE}; 0: none)")
    parser.add_argument("--early-count", type=_numbers, default=EARLY_COUNT_GRID, metavar="GRID",
                        help="values of early_count to try (default: keep each scenario's)")
    parser.set_defaults(handler=run)
    return parser


def run(args) -> int:
    """``racecall calibrate``: fit, write ``--out``, print the chosen point."""
    if not Path(args.out).parent.is_dir():
        raise RacecallError(f"cannot write {args.out}: no directory {Path(args.out).parent}")
    history = load_history(args.history, args.kind, args.pass_rates)

    def progress(point):
        early = f" early_count {point['early_count']:g}" if "early_count" in point else ""
        print(f"  uncertainty {point['uncertainty']:.3f} tail_df {point['tail_df']:g}{early}: " + "log_loss {log_loss:.4f} brier {brier:.4f} "
              "coverage90 {coverage90:.3f} calls {calls} wrong {wrong_calls} ({seconds:.0f} s)".format(**point),
              file=sys.stderr)

    result = calibrate(history.scenarios, fitted_on=(args.history,), criterion=args.criterion,
                       uncertainties=args.uncertainty, tail_dfs=args.tail_df, early_counts=args.early_count,
                       draws=args.draws, seed=args.seed,
                       call_confidence=args.confidence, min_coverage=args.min_coverage, workers=args.workers,
                       scheduler=args.scheduler,
                       progress=progress)
    try:
        write_calibration(result, args.out)
    except OSError as exc:
        raise RacecallError(f"cannot write {args.out}: {exc}") from None
    m = result.metrics
    if result.tail_df_from:
        print(f"tails: {result.tail_df_from}")
    early = "" if result.early_count is None else f", early_count {result.early_count:g}"
    print(f"uncertainty {result.uncertainty:g}, tail_df {result.tail_df:g}{early}: {args.criterion} {m[args.criterion]:.4f}, "
          f"{m['calls']} calls, {m['wrong_calls']} wrong, {m['wrong_seats']} wrong seats, "
          f"{m['wrong_near_calls']} wrong near calls -> {args.out}")
    if not result.feasible:
        print(f"warning: every grid point makes a wrong call at {args.confidence} (or misses --min-coverage); "
              "kept the one with the fewest wrong calls", file=sys.stderr)
    return 0
