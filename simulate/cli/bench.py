"""``racecall bench``: run ``benchmarks/run.py`` from a source checkout, passing options on."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import RacecallError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("bench", help="run the speed benchmarks (from a source checkout); "
                              "other options are passed to benchmarks/run.py (e.g. --quick)", add_help=False)
    p.set_defaults(handler=run, args=[])


def run(args) -> int:
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
    if not script.exists():
        raise RacecallError("racecall bench runs benchmarks/run.py from a source checkout; none was found next to the package")
    import runpy

    sys.argv = [str(script), *args.args]
    runpy.run_path(str(script), run_name="__main__")
    return 0
