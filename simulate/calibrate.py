"""Fit the model's default ``uncertainty``, ``tail_df`` (and ``early_count``) on count histories with known results.

Two stages.  The tails first, by the method of moments: ``tail_df`` is the
Student-t whose kurtosis matches that of the late shifts pooled over the
history (:mod:`simulate.late_shift`) -- a moment the backtest's scores barely
see (the log loss is nearly flat in ``tail_df``) but that decides how often a
"safe" lead is overturned.  Then the scale: :func:`calibrate` runs :func:`simulate.backtest.backtest` at every point of a
grid and keeps the point with the lowest log loss (or Brier score) among those
that make no wrong call at the call level -- neither a wrong ``called`` /
``runoff`` call, nor a wrongly decided seat, nor a wrong *near call* (one a run
with a million draws would make: see :mod:`simulate.backtest`; without it the
constraint would hinge on Monte Carlo luck at 20,000 draws) -- and whose 90%
final-share intervals contain the final share at least ``min_coverage`` of the
time (default 0.88: nominal 0.90 less a margin for a history's own noise).  If no
point qualifies, the point with the fewest wrong calls (then the lowest score)
is kept and the file says ``feasible: false``.

Why ``min_coverage``: the probabilities scored are mostly of candidates far
from the decision, so the lowest log loss can come from a spread too narrow for
the shares (coverage well under 90%) kept out of wrong calls by heavy tails.

The result is written as a calibration file (:mod:`simulate.calibration_file`),
which ``racecall backtest --calibration FILE`` and a scenario's
``model.calibration`` read.  ``early_count`` is only searched when a grid for
it is given (the default keeps each scenario's).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from .backtest import DEFAULT_DRAWS, BacktestReport, add_history_arguments, backtest, load_history
from .calibration_file import Calibration, check_overrides, write_calibration
from .errors import RacecallError

UNCERTAINTY_GRID = tuple(round(0.02 + 0.01 * i, 2) for i in range(9))  # 0.02 .. 0.10
TAIL_DF_GRID = None  # None: the method-of-moments estimate (simulate.late_shift)
MIN_COVERAGE = 0.88
EARLY_COUNT_GRID = (None,)  # None: keep each scenario's early_count
CRITERIA = ("log_loss", "brier")


def _metrics(report: BacktestReport) -> dict:
    r = lambda x: None if x is None or math.isnan(x) else round(float(x), 6)  # noqa: E731
    return {"brier": r(report.brier), "brier_naive": r(report.brier_naive), "log_loss": r(report.log_loss),
            "ece": r(report.ece), "coverage90": r(report.coverage90), "predictions": report.predictions,
            "calls": report.calls, "wrong_calls": len(report.wrong_calls), "wrong_seats": len(report.wrong_seats),
            "near_calls": report.near_calls, "wrong_near_calls": len(report.wrong_near_calls),
            "called_by_release": [r(x) for x in report.called_by_release]}


def calibrate(scenarios, *, fitted_on=(), criterion: str = "log_loss", uncertainties=UNCERTAINTY_GRID,
              tail_dfs=TAIL_DF_GRID, early_counts=EARLY_COUNT_GRID, draws: int = DEFAULT_DRAWS, seed: int = 0,
              call_confidence: float = 0.995, min_coverage: float | None = MIN_COVERAGE, workers: int | None = None,
              progress=None) -> Calibration:
    """Grid search (see the module docstring); ``progress(point_dict)`` is called after each point.

    Every point uses the same seeds, so points differ by the model only, not by Monte Carlo luck.
    """
    if criterion not in CRITERIA:
        raise RacecallError(f"criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    scenarios = tuple(scenarios)
    tail_df_from = None
    if tail_dfs is None:
        from .late_shift import tail_estimate

        try:
            estimate = tail_estimate(scenarios)
        except ValueError as exc:
            raise RacecallError(f"cannot estimate tail_df: {exc}; give --tail-df values") from None
        tail_dfs, tail_df_from = (estimate.tail_df,), estimate.describe()
    grid, best, best_key = [], None, None
    for early in early_counts:
        for tail_df in tail_dfs:
            for u in uncertainties:
                overrides = check_overrides({"uncertainty": u, "tail_df": tail_df,
                                             **({} if early is None else {"early_count": early})})
                report = backtest(scenarios, draws=draws, seed=seed, call_confidence=call_confidence,
                                  model_overrides=overrides, workers=workers, naive=False)
                point = _point(overrides, report)
                grid.append(point)
                if progress is not None:
                    progress(point)
                short = min_coverage is not None and report.coverage90 < min_coverage
                key = (point["wrong_calls"] > 0 or short, point["wrong_calls"], short, getattr(report, criterion))
                if best_key is None or key < best_key:
                    best, best_key = (overrides, report), key
    overrides, report = best
    return Calibration(uncertainty=overrides["uncertainty"], tail_df=overrides["tail_df"],
                       early_count=overrides.get("early_count"), fitted_on=tuple(str(f) for f in fitted_on),
                       criterion=criterion, call_confidence=call_confidence, min_coverage=min_coverage,
                       draws=draws, seed=seed, tail_df_from=tail_df_from,
                       feasible=not best_key[0], metrics=_metrics(report), grid=tuple(grid))


def _point(overrides: dict, report: BacktestReport) -> dict:
    """One grid point's record; ``wrong_calls`` counts wrong calls, wrongly decided seats and wrong near calls."""
    return {**overrides, "brier": round(report.brier, 6), "log_loss": round(report.log_loss, 6),
            "ece": round(report.ece, 6), "coverage90": round(report.coverage90, 6), "calls": report.calls,
            "wrong_calls": len(report.wrong_calls) + len(report.wrong_seats) + len(report.wrong_near_calls),
            "seconds": round(report.seconds, 1)}


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


def main(argv=None) -> int:
    """Stand-alone entry point (``python -m simulate.calibrate ...``): ``racecall calibrate ...``."""
    from .cli import main as racecall

    return racecall(["calibrate", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
