"""The ``racecall`` command: ``main(argv) -> int``, user errors to exit status 2."""

from __future__ import annotations

import argparse
import sys

from ..errors import RacecallError
from . import backtest, bench, calibrate, imports, replay, run, serve, watch

#: One module per command, each with ``add_parser(subparsers)`` setting ``handler``.
COMMANDS = (run, replay, backtest, calibrate, imports, watch, serve, bench)


def parser() -> argparse.ArgumentParser:
    from .. import __version__

    p = argparse.ArgumentParser(prog="racecall", description="Election-night outcome simulation and race calls.")
    p.add_argument("--version", action="version", version=f"racecall {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args, extra = p.parse_known_args(argv)
    if extra and args.command != "bench":  # only bench passes options on to benchmarks/run.py
        p.error(f"unrecognized arguments: {' '.join(extra)}")
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
