"""``racecall replay SCENARIO``: one simulation per snapshot of the count's history."""

from __future__ import annotations

import sys

from .options import HelpFormatter, print_result, run_options, simulation_options


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("replay", help="simulate every snapshot of the count's history", formatter_class=HelpFormatter)
    p.add_argument("scenario", help="scenario YAML file with snapshots")
    simulation_options(p)
    p.add_argument("--plot", metavar="FILE", help="also draw the count's history (.png, .svg or .pdf; needs matplotlib)")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..history.flags import flag_replay
    from ..history.replay import replay
    from ..report.text import replay_table
    from ..scenario.loader import load_scenario
    from .run import announce_compile

    if args.plot:
        from ..report.plots import check_plot_path

        check_plot_path(args.plot, "--plot")  # before any work: a bad path costs nothing
    scenario = load_scenario(args.scenario)
    announce_compile()
    options = run_options(args)
    options.pop("progress")
    result = flag_replay(replay(scenario, **options), scenario)
    print_result(result, args, replay_table)  # the results first: a failed plot cannot lose them
    if args.plot:
        from ..report.plots import replay_plot

        from ..errors import RacecallError

        sys.stdout.flush()
        try:
            path = replay_plot(result, args.plot)
        except OSError as exc:
            raise RacecallError(f"{args.plot}: --plot: could not write the plot ({exc.strerror or exc}); "
                                "the results above are complete") from None
        print(f"racecall: wrote {path}", file=sys.stderr)
    return 0
