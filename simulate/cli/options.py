"""Argument types and option groups shared by the commands."""

from __future__ import annotations

import argparse


def whole(low: int, high: int):
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


positive_int = whole(1, 1_000_000_000)
seed = whole(0, 2**63 - 1)
#: Worker threads or processes: more than this is a typo, not a machine.
workers = whole(1, 1024)


def real(low: float, high: float):
    """An argparse type: a finite number in [low, high] (``nan`` and ``inf`` are refused)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
        if not low <= value <= high:  # also false for nan
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, got {text!r}")
        return value

    return parse


def precision(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 1e-6 <= value <= 0.1:
        raise argparse.ArgumentTypeError(f"must be between 1e-06 and 0.1, got {value}")
    return value


class HelpFormatter(argparse.HelpFormatter):
    """``--help`` with each option's default, where it has one worth saying (not None or False)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" not in text and action.default not in (None, False, argparse.SUPPRESS) and action.option_strings:
            text += f" (default: {action.default})"
        return text


def simulation_options(p: argparse.ArgumentParser) -> None:
    """``--draws --seed --threads --precision --quiet --json`` for ``run`` and ``replay``."""
    p.add_argument("--draws", type=positive_int, help="number of simulated final counts (default: the scenario's simulation.draws, else 1,000,000)")
    p.add_argument("--seed", type=seed, help="random seed (default: the scenario's simulation.seed, else 0)")
    p.add_argument("--threads", type=positive_int, help="worker threads; results do not depend on it (default: the machine's cores)")
    p.add_argument("--precision", type=precision, help="draw until every probability's standard error is at most this (default: off, a fixed number of draws)")
    p.add_argument("--until-called", action="store_true",
                   help="with --precision: stop as soon as the race is called (at the sequential bound)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def run_options(args) -> dict:
    """The keyword arguments of :func:`simulate.run` from parsed ``simulation_options``."""
    from ..report.progress import ProgressBar

    return {"draws": args.draws, "seed": args.seed, "threads": args.threads, "precision": args.precision,
            "stop_when_called": args.until_called, "progress": ProgressBar.for_terminal(args.quiet)}


def print_result(obj, args, text) -> None:
    """``obj`` as JSON with ``--json``, else as ``text(obj)``."""
    import json

    print(json.dumps(obj.to_dict(), indent=2, ensure_ascii=False) if args.json else text(obj))
