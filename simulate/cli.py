"""The ``racecall`` command: ``main(argv) -> int``, user errors to exit status 2."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from .errors import RacecallError

#: Sub-commands that live in their own modules: module -> its ``add_parser(subparsers)``.
_PLUGINS = ("simulate.importers.cli", "simulate.backtest", "simulate.calibrate")


def _whole(low: int, high: int):
    """An argparse type: a whole number in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:,} and {high:,}, got {value:,}")
        return value

    return parse


_positive_int = _whole(1, 1_000_000_000)
_seed = _whole(0, 2**63 - 1)


def _precision(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 1e-6 <= value <= 0.1:
        raise argparse.ArgumentTypeError(f"must be between 1e-06 and 0.1, got {value}")
    return value


def _simulation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--draws", type=_positive_int, help="number of simulated final counts")
    p.add_argument("--seed", type=_seed, help="random seed")
    p.add_argument("--threads", type=_positive_int, help="worker threads (results do not depend on it)")
    p.add_argument("--precision", type=_precision, help="draw until every probability's standard error is at most this")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="racecall", description="Election-night outcome simulation and race calls.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate the count as it stands and call the race")
    run.add_argument("scenario", help="scenario YAML file")
    _simulation_options(run)
    run.set_defaults(handler=_run)
    replay = sub.add_parser("replay", help="simulate every snapshot of the count's history")
    replay.add_argument("scenario", help="scenario YAML file with snapshots")
    _simulation_options(replay)
    replay.add_argument("--plot", metavar="FILE", help="also draw the count's history (PNG or SVG, needs matplotlib)")
    replay.set_defaults(handler=_replay)
    bench = sub.add_parser("bench", help="run the speed benchmarks (from a source checkout); "
                           "other options are passed to benchmarks/run.py (e.g. --quick)", add_help=False)
    bench.set_defaults(handler=_bench, args=[])
    for name in _PLUGINS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "add_parser"):
            module.add_parser(sub)
    return parser


def _options(args) -> dict:
    from .progress import ProgressBar

    return {"draws": args.draws, "seed": args.seed, "threads": args.threads, "precision": args.precision,
            "progress": ProgressBar.for_terminal(args.quiet)}


def _print(obj, args, text) -> None:
    print(json.dumps(obj.to_dict(), indent=2, ensure_ascii=False) if args.json else text(obj))


def _run(args) -> int:
    from . import api, report
    from .loader import load_scenario

    scenario = load_scenario(args.scenario)
    options = _options(args)
    try:
        result = api.run(scenario, **options)
    finally:
        if options["progress"] is not None:
            options["progress"].close()
    _print(result, args, report.race_table)
    return 0


def _replay(args) -> int:
    from . import api, report
    from .loader import load_scenario

    scenario = load_scenario(args.scenario)
    options = _options(args)
    options.pop("progress")
    result = api.replay(scenario, **options)
    try:
        from .replay_flags import flag_replay
    except ImportError:
        flag_replay = None
    if flag_replay is not None:
        result = flag_replay(result)
    if args.plot:
        from .plots import replay_plot

        replay_plot(result, args.plot)
    _print(result, args, report.replay_table)
    return 0


def _bench(args) -> int:
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
    if not script.exists():
        raise RacecallError("racecall bench runs benchmarks/run.py from a source checkout; none was found next to the package")
    import runpy

    sys.argv = [str(script), *args.args]
    runpy.run_path(str(script), run_name="__main__")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "bench":  # only bench passes options on to benchmarks/run.py
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.args = extra
    try:
        return args.handler(args)
    except RacecallError as exc:
        print(f"racecall: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
