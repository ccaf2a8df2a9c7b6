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
from .backtest import add_history_arguments, cache_dir
from .options import real


#: The most values one grid option may list (a grid of 10^12 points would never finish).
MAX_GRID = 1000


def _numbers(text: str, low: float = -math.inf, high: float = math.inf, zero_ok: bool = False) -> tuple[float, ...]:
    """``0.02,0.03`` or ``0.02:0.10:0.01`` (start:stop:step, stop included), each in [low, high].

    The number of values is worked out, and refused above :data:`MAX_GRID`, before any is built.
    """
    try:
        if ":" in text:
            start, stop, step = (float(x) for x in text.split(":"))
            if not all(math.isfinite(x) for x in (start, stop, step)) or step <= 0 or stop < start:
                raise ValueError
            n = int(math.floor((stop - start) / step + 1e-9)) + 1
            if n > MAX_GRID:
                raise argparse.ArgumentTypeError(f"{text!r} has {n:,} values, more than the {MAX_GRID:,} allowed")
            values = tuple(round(start + i * step, 10) for i in range(n))
        else:
            parts = text.split(",")
            if len(parts) > MAX_GRID:
                raise argparse.ArgumentTypeError(f"{text!r} has {len(parts):,} values, more than the {MAX_GRID:,} allowed")
            values = tuple(float(x) for x in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a,b,c or start:stop:step, got {text!r}") from None
    for value in values:
        if not (low <= value <= high or (zero_ok and value == 0)):  # also refuses nan and inf
            zero = "0 or " if zero_ok else ""
            raise argparse.ArgumentTypeError(f"each value must be {zero}between {low:g} and {high:g}, got {value:g} in {text!r}")
    return values


def _grid(low: float, high: float, zero_ok: bool = False):
    return lambda text: _numbers(text, low, high, zero_ok)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``calibrate`` on the main CLI's subparsers."""
    parser = subparsers.add_parser("calibrate", help="fit the default uncertainty and tail_df on count histories",
                                   description="Grid-search uncertainty and tail_df for the lowest backtest score "
                                               "with no wrong call at the call level; write them to a YAML file.")
    add_history_arguments(parser)
    parser.add_argument("--out", required=True, metavar="FILE", help="calibration file to write (YAML)")
    parser.add_argument("--criterion", choices=CRITERIA, default="log_loss", help="score to minimise (default log_loss)")
    parser.add_argument("--uncertainty", type=_grid(1e-6, 0.5, zero_ok=True), default=UNCERTAINTY_GRID, metavar="GRID",
                        help="values to try, a,b,c or start:stop:step (default 0.02:0.10:0.01)")
    parser.add_argument("--tail-df", type=_grid(2.0, 1000.0, zero_ok=True), default=TAIL_DF_GRID, metavar="GRID",
                        help="values to try (0 means normal errors); default: estimated from the kurtosis of "
                             "the history's late shifts")
    parser.add_argument("--min-coverage", type=real(0.0, 1.0), default=MIN_COVERAGE, metavar="SHARE",
                        help=f"require this coverage of the 90%% final-share intervals (default {MIN_COVERAGE}; 0: none)")
    parser.add_argument("--early-count", type=_grid(0.0, 1.0), default=EARLY_COUNT_GRID, metavar="GRID",
                        help="values of early_count to try (default: keep each scenario's)")
    parser.set_defaults(handler=run)
    return parser


def run(args) -> int:
    """``racecall calibrate``: fit, write ``--out``, print the chosen point."""
    if "\0" in args.out:
        raise RacecallError(f"cannot write {args.out!r}: a file name cannot hold a NUL character")
    if not Path(args.out).parent.is_dir():
        raise RacecallError(f"cannot write {args.out}: no directory {Path(args.out).parent}")
    if Path(args.out).is_dir():
        raise RacecallError(f"cannot write {args.out}: it is a directory")
    grid = len(args.uncertainty) * len(args.tail_df or (1,)) * len(args.early_count or (1,))
    if grid > MAX_GRID:
        raise RacecallError(f"the grid has {grid:,} points (uncertainty x tail_df x early_count), more than the {MAX_GRID:,} allowed")
    history = load_history(args.history, args.kind, args.pass_rates, args.remaining, cache_dir(args.cache))

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
