"""``racecall calibrate-pooled ELECTIONS --out FILE``: fit the defaults on several elections, leave-one-out validated."""

from __future__ import annotations

import json
import sys

from ..errors import RacecallError
from ..history.backtest import DEFAULT_DRAWS, DEFAULT_WORKERS
from ..history.elections import load_elections
from ..history.pooled import pooled_fit, pooled_shift_fit
from ..scenario.calibration_file import write_calibration
from .backtest import cache_dir
from .calibrate import MAX_GRID, _grid
from .options import positive_int, real, seed

UNCERTAINTY = (0.04, 0.045, 0.05, 0.06)
TAIL_DF = (8.1,)
EARLY_COUNT = (0.15, 0.3)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "calibrate-pooled", help="fit the model's defaults on several elections at once, each left out in turn",
        description="--fit shifts (default): fit the defaults on the late shifts of every election of ELECTIONS (a "
                    "YAML list of count histories) as the spread expected in an election not seen yet, and backtest "
                    "each election at the fit on the others. --fit grid: backtest every grid point on every election; "
                    "choose the point with the lowest mean score and no wrong or retracted call on any; score each "
                    "election at the point chosen on the others.")
    p.add_argument("elections", metavar="ELECTIONS", help="YAML file: elections: [{name, history, kind?, pass_rates?}]")
    p.add_argument("--out", required=True, metavar="FILE", help="calibration file to write (YAML)")
    p.add_argument("--fit", choices=("shifts", "grid"), default="shifts",
                   help="fit by the late shifts' likelihood, or by backtesting a grid (default %(default)s)")
    p.add_argument("--score-pooled", action="store_true",
                   help="with --fit shifts: also backtest every election at the pooled fit (in-sample figures)")
    p.add_argument("--no-backtest", action="store_true",
                   help="with --fit shifts: fit only, without backtesting each election held out")
    p.add_argument("--uncertainty", type=_grid(1e-6, 0.5, zero_ok=True), default=UNCERTAINTY, metavar="GRID",
                   help="values to try (default %(default)s)")
    p.add_argument("--tail-df", type=_grid(2.0, 1000.0, zero_ok=True), default=TAIL_DF, metavar="GRID",
                   help="values to try, 0 for normal errors (default %(default)s)")
    p.add_argument("--early-count", type=_grid(0.0, 1.0), default=EARLY_COUNT, metavar="GRID",
                   help="values to try (default %(default)s)")
    p.add_argument("--criterion", choices=("log_loss", "brier"), default="log_loss", help="score to minimise (default %(default)s)")
    p.add_argument("--min-coverage", type=real(0.0, 1.0), default=0.88, metavar="SHARE",
                   help="coverage of the 90%% intervals each election must reach (default %(default)s)")
    p.add_argument("--draws", type=positive_int, default=DEFAULT_DRAWS, help="draws per simulation (default %(default)s)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (default %(default)s)")
    p.add_argument("--confidence", type=real(0.5, 0.999999), default=0.995, help="call level (default %(default)s)")
    p.add_argument("--workers", type=positive_int, default=DEFAULT_WORKERS, help="contests at once (default %(default)s)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on Dask: 'local' or a scheduler's address")
    p.add_argument("--cache", metavar="DIR", help="keep parsed Minnesota feeds here (default $XDG_CACHE_HOME/racecall); "
                   "'off' to parse every archive")
    p.add_argument("--json", action="store_true", help="print the fit (choice, folds, grid) as JSON")
    p.set_defaults(handler=run)


def run(args) -> int:
    if args.fit == "shifts":
        return _run_shifts(args)
    points = len(args.uncertainty) * len(args.tail_df) * len(args.early_count)
    if points > MAX_GRID:
        raise RacecallError(f"the grid has {points:,} points, more than the {MAX_GRID:,} allowed")
    elections = load_elections(args.elections, cache_dir(args.cache))

    def progress(point):
        head = f"  uncertainty {point['uncertainty']:g} tail_df {point['tail_df']:g} early_count {point['early_count']:g}:"
        rest = "; ".join(f"{e.name} log_loss {point[e.name]['log_loss']:.4f} failures {point[e.name]['failures']}"
                         for e in elections)
        print(f"{head} {rest}", file=sys.stderr)

    fit = pooled_fit(elections, uncertainties=args.uncertainty, tail_dfs=args.tail_df, early_counts=args.early_count,
                     criterion=args.criterion, draws=args.draws, seed=args.seed, call_confidence=args.confidence,
                     min_coverage=args.min_coverage, workers=args.workers, scheduler=args.scheduler, progress=progress)
    try:
        write_calibration(fit.calibration, args.out)
    except OSError as exc:
        raise RacecallError(f"cannot write {args.out}: {exc}") from None
    if args.json:
        print(json.dumps(fit.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(text(fit, args.out))
    return 0


def _run_shifts(args) -> int:
    elections = load_elections(args.elections, cache_dir(args.cache))

    def progress(p):
        print(f"  {p['election']}: uncertainty {p['uncertainty']:g} tail_df {p['tail_df']:g} early_count "
              f"{p['early_count']:g}: brier {p['brier']:.4f} log_loss {p['log_loss']:.4f} ece {p['ece']:.4f} "
              f"coverage90 {p['coverage90']:.3f} failures {p['failures']}", file=sys.stderr)

    calibration, folds, shifts = pooled_shift_fit(
        elections, draws=args.draws, seed=args.seed, call_confidence=args.confidence, workers=args.workers,
        scheduler=args.scheduler, score_pooled=args.score_pooled, backtest_folds=not args.no_backtest,
        progress=progress)
    try:
        write_calibration(calibration, args.out)
    except OSError as exc:
        raise RacecallError(f"cannot write {args.out}: {exc}") from None
    if args.json:
        print(json.dumps({"calibration": calibration.to_dict(), "shifts": shifts.to_dict(),
                          "folds": [f.to_dict() for f in folds]}, indent=2, ensure_ascii=False))
    else:
        print(shift_text(calibration, folds, shifts, args.out))
    return 0


def shift_text(c, folds, shifts, out: str) -> str:
    swing = "" if c.late_swing is None else f", late_swing {c.late_swing:g}"
    lines = [f"pooled fit: uncertainty {c.uncertainty:g}, tail_df {c.tail_df:g}, early_count {c.early_count:g}{swing} -> {out}",
             f"  {c.tail_df_from}", ""]
    if not folds:
        return "\n".join(lines + ["(not backtested: --no-backtest, or fewer than three elections to leave one out)"])
    lines += ["left out (backtested at the fit on the other elections):",
             f"{'election':<24} {'fit on the others':<28} {'brier':>7} {'naive':>7} {'logloss':>8} {'ece':>7} "
             f"{'cov90':>6} {'calls':>6} {'failures':>8}  called by night, day 1, day 7"]
    for f in folds:
        g = f.figures
        chosen = f"u {f.chosen['uncertainty']:g} t {f.chosen['tail_df']:g} e {f.chosen['early_count']:g}" + \
            (f" s {f.chosen['late_swing']:g}" if "late_swing" in f.chosen else "")
        naive = "-" if g.brier_naive is None else f"{g.brier_naive:.4f}"
        lines.append(f"{f.held_out:<24} {chosen:<28} {g.brier:>7.4f} {naive:>7} {g.log_loss:>8.4f} {g.ece:>7.4f} "
                     f"{g.coverage90:>6.3f} {g.calls:>6} {g.failures:>8}  {_by_day(g.called_by_day)}")
    return "\n".join(lines)


def _by_day(shares) -> str:
    """The standing calls' share at the end of election night, day 1 and day 7 (or the last day)."""
    days = dict(shares)
    if not days:
        return "-"
    last = shares[-1][1]
    return " ".join(f"{100 * days.get(label, last):.0f}%" for label in ("night", "day 1", "day 7"))


def text(fit, out: str) -> str:
    c = fit.calibration
    lines = [f"pooled choice: uncertainty {c.uncertainty:g}, tail_df {c.tail_df:g}, early_count {c.early_count:g}"
             f"{'' if c.feasible else ' (no grid point is admissible on every election)'} -> {out}", "",
             f"{'election':<24} {'brier':>7} {'naive':>7} {'logloss':>8} {'ece':>7} {'cov90':>6} {'calls':>6} {'failures':>8}"]
    for name, m in c.metrics.items():
        naive = "-" if m["brier_naive"] is None else f"{m['brier_naive']:.4f}"
        lines.append(f"{name:<24} {m['brier']:>7.4f} {naive:>7} {m['log_loss']:>8.4f} {m['ece']:>7.4f} "
                     f"{m['coverage90']:>6.3f} {m['calls']:>6} {m['failures']:>8}")
    if fit.folds:
        lines += ["", "left out (scored at the point chosen on the others):",
                  f"{'election':<24} {'chosen':<28} {'brier':>7} {'logloss':>8} {'ece':>7} {'cov90':>6} {'failures':>8}"]
        for f in fit.folds:
            chosen = f"u {f.chosen['uncertainty']:g} t {f.chosen['tail_df']:g} e {f.chosen['early_count']:g}"
            lines.append(f"{f.held_out:<24} {chosen:<28} {f.figures.brier:>7.4f} {f.figures.log_loss:>8.4f} "
                         f"{f.figures.ece:>7.4f} {f.figures.coverage90:>6.3f} {f.figures.failures:>8}")
    return "\n".join(lines)
