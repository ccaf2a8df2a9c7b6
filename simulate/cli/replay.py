"""``racecall replay SCENARIO``: one simulation per snapshot of the count's history."""

from __future__ import annotations

from .options import print_result, run_options, simulation_options


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("replay", help="simulate every snapshot of the count's history")
    p.add_argument("scenario", help="scenario YAML file with snapshots")
    simulation_options(p)
    p.add_argument("--plot", metavar="FILE", help="also draw the count's history (PNG or SVG, needs matplotlib)")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..history.flags import flag_replay
    from ..history.replay import replay
    from ..report.text import replay_table
    from ..scenario.loader import load_scenario

    scenario = load_scenario(args.scenario)
    options = run_options(args)
    options.pop("progress")
    result = flag_replay(replay(scenario, **options))
    if args.plot:
        from ..report.plots import replay_plot

        replay_plot(result, args.plot)
    print_result(result, args, replay_table)
    return 0
