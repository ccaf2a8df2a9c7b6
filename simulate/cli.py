"""The ``racecall`` command: ``main(argv) -> int``, user errors to exit status 2."""

from __future__ import annotations

import argparse
import json
import sys

from .errors import RacecallError


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63 - 1, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="racecall", description="Election-night outcome simulation and race calls.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("run", "simulate the count as it stands and call the race"),
                            ("replay", "simulate every snapshot of the count's history")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("scenario", help="scenario YAML file")
        p.add_argument("--draws", type=_positive_int, help="number of simulated final counts")
        p.add_argument("--seed", type=_seed, help="random seed")
        p.add_argument("--threads", type=_positive_int, help="worker threads (results do not depend on it)")
        p.add_argument("--json", action="store_true", help="print the result as JSON")
    try:
        from .importers import cli as import_cli
    except ImportError:
        import_cli = None
    if import_cli is not None:
        import_cli.add_parser(sub)
    return parser


def _run(args) -> int:
    from . import api, report
    from .loader import load_scenario

    scenario = load_scenario(args.scenario)
    if args.draws is not None and args.draws > 1_000_000_000:
        raise RacecallError(f"--draws: at most 1,000,000,000, got {args.draws:,}")
    options = {"draws": args.draws, "seed": args.seed, "threads": args.threads}
    if args.command == "run":
        result = api.run(scenario, **options)
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) if args.json else report.race_table(result))
    else:
        result = api.replay(scenario, **options)
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) if args.json else report.replay_table(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command in ("run", "replay"):
            return _run(args)
        return args.handler(args)
    except RacecallError as exc:
        print(f"racecall: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
