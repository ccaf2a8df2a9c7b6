"""``racecall run SCENARIO...``: simulate the count as it stands and call the race (or many races)."""

from __future__ import annotations

import glob
import sys
from pathlib import Path

from .options import HelpFormatter, run_options, simulation_options

SUFFIXES = (".yaml", ".yml")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("run", help="simulate the count as it stands and call the race (one or many)",
                              formatter_class=HelpFormatter,
                              description="One scenario: its table and call. Several scenarios, folders (their "
                                          "*.yaml files) or globs: one summary line per contest, simulated side by side.")
    p.add_argument("scenario", nargs="+", help="scenario YAML files, folders of them, or globs ('dir/*.yaml')")
    simulation_options(p)
    p.add_argument("--csv", action="store_true", help="print the summary as CSV (one row per contest)")
    p.set_defaults(handler=run)


def expand(arguments) -> tuple[list[Path], bool]:
    """The scenario files named by files, folders and globs, in the order given; and whether it is many.

    A folder stands for its ``*.yaml``/``*.yml`` files (not hidden ones), sorted by name.
    """
    from ..errors import RacecallError

    files: list[Path] = []
    many = len(arguments) > 1
    for arg in arguments:
        path = Path(arg)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and not p.name.startswith(".") and p.is_file())
            if not found:
                raise RacecallError(f"{arg}: no scenario files (*.yaml) in this folder")
            files += found
            many = True
        elif not path.exists() and glob.has_magic(arg):
            found = sorted(Path(p) for p in glob.glob(arg) if Path(p).is_file())
            if not found:
                raise RacecallError(f"{arg}: no file matches")
            files += found
            many = True
        else:
            files.append(path)
    return files, many


def announce_compile() -> None:
    """Say so on stderr when the compiled kernel is probably not cached yet (the first run compiles it)."""
    import os

    from ..engine import _numba

    sources = [_numba.PACKAGE / name for name in _numba.COMPILED_SOURCES]
    newest = max((p.stat().st_mtime for p in sources if p.exists()), default=0)
    places = [_numba.PACKAGE / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        places.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    for place in places:
        for index in place.rglob("_kernel.simulate_blocks-*.nbi") if place.is_dir() else ():
            if index.stat().st_mtime >= newest:
                return
    print("racecall: compiling the simulation kernel (once, about ten seconds; later runs use the cache)",
          file=sys.stderr, flush=True)


def run(args) -> int:
    from ..scenario.loader import load_scenario

    files, many = expand(args.scenario)
    scenarios = [load_scenario(f) for f in files]  # every file is checked before any work
    announce_compile()
    if not many and not args.csv:
        return _one(scenarios[0], args)
    from ..outcome.runner import run_many
    from ..report.text import summary_csv, summary_table

    options = run_options(args)
    if options["progress"] is not None:
        options["progress"].close()
    results = run_many(scenarios, draws=args.draws, seed=args.seed, threads=args.threads, precision=args.precision,
                       stop_when_called=args.until_called)
    from ..outcome.runner import precision_warning

    for warning in filter(None, map(precision_warning, results)):
        print(warning, file=sys.stderr)
    if args.json:
        import json

        print(json.dumps([_with_remaining(r, s) for r, s in zip(results, scenarios)], indent=2, ensure_ascii=False))
    elif args.csv:
        sys.stdout.write(summary_csv(results, scenarios, files))
    else:
        print(summary_table(results, scenarios))
    return 0


def _with_remaining(result, scenario) -> dict:
    data = result.to_dict()
    if "remaining" not in data:
        r = scenario.count.remaining
        data["remaining"] = {"estimate": r.estimate, "low": r.low, "high": r.high}
    return data


def _one(scenario, args) -> int:
    from ..outcome.runner import run as simulate_count
    from ..report.text import race_table

    from ..outcome.runner import precision_warning

    options = run_options(args)
    try:
        result = simulate_count(scenario, **options)
    finally:
        if options["progress"] is not None:
            options["progress"].close()
    if precision_warning(result):
        print(precision_warning(result), file=sys.stderr)
    if args.json:
        import json

        print(json.dumps(_with_remaining(result, scenario), indent=2, ensure_ascii=False))
    else:
        print(race_table(result, scenario))
    return 0
