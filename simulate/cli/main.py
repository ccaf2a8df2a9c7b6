"""The ``racecall`` command: ``main(argv) -> int``, user errors to exit status 2.

Every user error ends in ONE line on stderr, ``racecall: error: ...``, and exit
status 2: a bad option (argparse's usage block is not printed; ``--help``
still shows it), a bad scenario or feed file, a limit exceeded.  What is
printed is made safe for a terminal first: control characters (escape codes)
are shown as ``\\x1b``, text that is not valid Unicode as ``\\udcff``.  A
:class:`~simulate.errors.ScenarioWarning` (a scenario used as given but worth
a word) is one ``racecall: warning: ...`` line.
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import warnings

from ..engine._numba import skip_blas_probe
from ..errors import RacecallError, ScenarioWarning
from . import backtest, bench, calibrate, imports, pooled, replay, run, serve, watch

#: One module per command, each with ``add_parser(subparsers)`` setting ``handler``.
COMMANDS = (run, replay, backtest, calibrate, pooled, imports, watch, serve, bench)

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """``text`` as one printable line: control characters and invalid Unicode escaped."""
    text = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2 (for every subcommand)."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        command = self.prog.split(" ", 1)[1] if " " in self.prog else ""
        hint = f" (racecall {command} --help)" if command else " (racecall --help)"
        self.exit(2, one_line(f"racecall: error: {message}{hint}") + "\n")


def parser() -> argparse.ArgumentParser:
    from .. import __version__

    p = Parser(prog="racecall", description="Election-night outcome simulation and race calls.")
    p.add_argument("--version", action="version", version=f"racecall {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(sub)
    return p


def _warn(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, ScenarioWarning):
        print(one_line(f"racecall: warning: {message}"), file=sys.stderr)
    else:  # pragma: no cover - someone else's warning: shown as Python shows it
        _show(message, category, filename, lineno, file, line)


_show = warnings.showwarning


def main(argv: list[str] | None = None) -> int:
    skip_blas_probe()  # this process is the command's: its kernels need no BLAS
    for stream in (sys.stdout, sys.stderr):
        try:  # a name that is not valid Unicode must not end the run with an encoding error
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass
    p = parser()
    args, extra = p.parse_known_args(argv)
    if extra and args.command != "bench":  # only bench passes options on to benchmarks/run.py
        p.error(f"unrecognized arguments: {' '.join(extra)}")
    args.args = extra
    with warnings.catch_warnings():
        warnings.simplefilter("always", ScenarioWarning)
        warnings.showwarning = _warn
        try:
            return args.handler(args)
        except RacecallError as exc:
            print(one_line(f"racecall: error: {exc}"), file=sys.stderr)
            return 2
        except BrokenPipeError:
            return 0
        finally:
            if argv is None:  # the process's own command line: it ends with this command, and the
                gc.freeze()  # collector's last passes over Numba's objects would take a third of a warm run


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
