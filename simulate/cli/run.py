"""``racecall run SCENARIO``: simulate the count as it stands and call the race."""

from __future__ import annotations

from .options import print_result, run_options, simulation_options


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("run", help="simulate the count as it stands and call the race")
    p.add_argument("scenario", help="scenario YAML file")
    simulation_options(p)
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..outcome.runner import run as simulate_count
    from ..report.text import race_table
    from ..scenario.loader import load_scenario

    scenario = load_scenario(args.scenario)
    options = run_options(args)
    try:
        result = simulate_count(scenario, **options)
    finally:
        if options["progress"] is not None:
            options["progress"].close()
    print_result(result, args, race_table)
    return 0
