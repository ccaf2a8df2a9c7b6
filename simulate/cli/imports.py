"""``racecall import la-county FILE --kind primary|general --out DIR`` -- the importer's command line.

The main CLI wires this in with :func:`add_parser`, which sets ``handler`` (and ``func``)
to :func:`run` on the parsed arguments. ``run`` prints a short summary and returns the exit status: 0 when the file
was imported (skipped contests and warnings are listed, they are not errors), 2 when the
input file cannot be read or is not in the expected format (one line naming the file),
1 when the scenario files cannot be written.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import ScenarioError
from ..feeds.la_county import MAX_FEED_CHARS, ImportFormatError, measure_overrides_from_results, scenarios_from_results, scenarios_from_timeframes, write_scenarios
from ..feeds.la_rules import RULES, parse_threshold
from ..feeds.nc_2020 import import_nc
from ..feeds.units_csv import scenario_from_units_csv, write_scenario

OVERRIDE_HELP = (
    "set how the contest titled TITLE (exactly as in the file) is decided; RULE is one of "
    f"{', '.join(RULES)} or empty to keep the mapped rule, THRESHOLD a share such as 0.55, "
    "55%% or 2/3, SEATS an integer; repeatable")


def parse_override(text: str) -> tuple[str, dict]:
    """``TITLE=RULE[:THRESHOLD[:SEATS]]`` -> ``(title, partial rule dict)``."""
    title, sep, spec = text.rpartition("=")
    parts = spec.split(":")
    if not sep or not title.strip() or len(parts) > 3:
        raise argparse.ArgumentTypeError(
            f"expected TITLE=RULE[:THRESHOLD[:SEATS]], got {text!r}")
    rule, threshold, seats = (parts + ["", ""])[:3]
    out: dict = {}
    if rule.strip():
        if rule.strip() not in RULES:
            raise argparse.ArgumentTypeError(f"rule {rule!r} is not one of {', '.join(RULES)}")
        out["rule"] = rule.strip()
    if threshold.strip():
        try:
            out["threshold"] = parse_threshold(threshold)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"threshold {threshold!r} is not a share between 0 and 1") from None
    if seats.strip():
        if not (seats.strip().isascii() and seats.strip().isdigit()) or len(seats.strip()) > 6 or int(seats) < 1:
            raise argparse.ArgumentTypeError(f"seats {seats!r} is not a positive integer")
        out["seats"] = int(seats)
    if not out:
        raise argparse.ArgumentTypeError(f"override {text!r} sets nothing")
    return title, out


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``import`` (with the ``la-county`` source) on the main CLI's subparsers."""
    parser = subparsers.add_parser(
        "import", help="turn an election office's result file into scenario files",
        description="Turn an election office's result file into one scenario file per contest.")
    sources = parser.add_subparsers(dest="source", metavar="SOURCE")
    sources.required = True
    la = sources.add_parser(
        "la-county", help="Los Angeles County Registrar-Recorder/County Clerk files",
        description="Import the Los Angeles County registrar's results.json (final count) or "
                    "timeframes.json (every release, as replayable snapshots; the remaining "
                    "vote in each snapshot is hindsight: final release minus counted).")
    la.add_argument("file", metavar="FILE", help="results.json or timeframes.json")
    la.add_argument("--outstanding", type=int, metavar="N", default=None,
                    help="the registrar's published count of ballots still to process countywide; "
                         "apportioned to each contest by its share of the ballots counted")
    la.add_argument("--outstanding-file", metavar="FILE", default=None,
                    help="published countywide figures per release (CSV release,outstanding or "
                         "date,outstanding; or YAML release: ballots)")
    la.add_argument("--final", action="store_true",
                    help="the file is the certified count: remaining 0 (only then)")
    la.add_argument("--release", type=int, metavar="N", default=None,
                    help="timeframes.json: live scenarios for release N (default: the last one)")
    la.add_argument("--history", action="store_true",
                    help="timeframes.json: replayable count histories (snapshots and final: the "
                         "last release) instead of live scenarios")
    la.add_argument("--remaining", choices=("as_known", "hindsight"), default="as_known",
                    help="with --history: each snapshot's remaining vote as known then (default; the "
                         "published figures, else a stand-in, apportioned) or final minus counted")
    la.add_argument("--kind", required=True, choices=("primary", "general"),
                    help="the election: decides how single-seat contests are mapped")
    la.add_argument("--out", required=True, metavar="DIR", help="directory for the YAML files")
    la.add_argument("--format", choices=("results", "timeframes"), default=None,
                    help="file format (default: from the file name, else its contents)")
    la.add_argument("--override", action="append", default=[], type=parse_override,
                    metavar="TITLE=RULE[:THRESHOLD[:SEATS]]", help=OVERRIDE_HELP)
    la.add_argument("--pass-rates", metavar="RESULTS_JSON", default=None,
                    help="take measure thresholds from this results.json (the March 2024 "
                         "timeframes.json has no pass rates); --override still wins")
    add_units_parser(sources)
    add_nc_parser(sources)
    add_minnesota_parser(sources)
    la.set_defaults(func=run, handler=run)
    return parser


def _format(args) -> str:
    if args.format:
        return args.format
    name = Path(args.file).name.lower()
    for fmt in ("timeframes", "results"):
        if fmt in name:
            return fmt
    try:
        with open(args.file, encoding="utf-8-sig") as fh:
            text = fh.read(MAX_FEED_CHARS + 1)
        if len(text) > MAX_FEED_CHARS:
            raise ImportFormatError(f"{args.file}: larger than {MAX_FEED_CHARS:,} characters")
        data = json.loads(text)
    except ImportFormatError:
        raise
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ImportFormatError(f"{args.file}: cannot read JSON: {exc}") from None
    except RecursionError:
        raise ImportFormatError(f"{args.file}: cannot read JSON: nested too deeply") from None
    if isinstance(data, dict) and "Election" in data:
        return "results"
    if isinstance(data, dict) and "contests" in data and "dates" in data:
        return "timeframes"
    raise ImportFormatError(f"{args.file}: neither a results.json nor a timeframes.json; "
                            "pass --format")


def _live(args, fmt, overrides):
    """``(report, note)``: the scenarios to write for the chosen form (module docstring)."""
    from ..feeds.la_county import ImportReport
    from ..feeds.la_expected import as_known, live_from_results, read_outstanding, releases

    figures = read_outstanding(args.outstanding_file) if args.outstanding_file else args.outstanding
    if fmt == "results":
        report = scenarios_from_results(args.file, args.kind, overrides)
        if args.final:
            return report, "final count (--final): remaining 0"
        if args.outstanding is None:
            raise ImportFormatError(
                f"{args.file}: a results.json does not say how many ballots remain; give "
                "--outstanding N (the registrar's published estimate) or --final (certified count)")
        return (ImportReport(tuple(live_from_results(report, args.outstanding)), report.skipped,
                             report.warnings), f"remaining: {args.outstanding:,} outstanding, apportioned")
    report = scenarios_from_timeframes(args.file, args.kind, overrides)
    if args.history:
        if args.remaining == "as_known":
            report = ImportReport(tuple(as_known(report, args.kind, outstanding=figures)),
                                  report.skipped, report.warnings)
        return report, f"count histories, remaining {args.remaining}"
    if figures is None and not args.final:
        raise ImportFormatError(
            f"{args.file}: the file does not say how many ballots remain; give --outstanding N or "
            "--outstanding-file FILE (the registrar's published estimates), --final, or --history")
    rels = list(releases(args.file, args.kind, args.pass_rates, outstanding=figures,
                         last_is_final=args.final))
    n = args.release or len(rels)
    if not 1 <= n <= len(rels):
        raise ImportFormatError(f"{args.file}: --release {n} is not between 1 and {len(rels)}")
    rel = rels[n - 1]
    if args.final and n != len(rels):
        raise ImportFormatError(f"{args.file}: --final applies to the last release only")
    return (ImportReport(rel.contests, report.skipped, report.warnings),
            f"release {n} of {len(rels)} ({rel.as_of}), {'final' if rel.final else 'remaining as published'}")


def run(args) -> int:
    """Import, write the scenario files, print the summary; returns the exit status."""
    from ..feeds.la_expected import OutstandingError

    try:
        overrides = measure_overrides_from_results(args.pass_rates) if args.pass_rates else {}
        for title, override in args.override:  # merged key by key; the command line wins
            overrides[title] = {**overrides.get(title, {}), **override}
        fmt = _format(args)
        report, note = _live(args, fmt, overrides)
    except (ImportFormatError, OutstandingError) as exc:
        print(f"racecall import: error: {exc}", file=sys.stderr)
        return 2
    try:
        write_scenarios(report, args.out)
    except OSError as exc:
        print(f"racecall import: error: cannot write scenarios to {args.out}: {exc}",
              file=sys.stderr)
        return 1
    total = len(report.scenarios) + len(report.skipped)
    print(f"imported {len(report.scenarios)} of {total} contests from {args.file} ({fmt}; {note}) "
          f"into {args.out}")
    print(f"skipped {len(report.skipped)}" + (":" if report.skipped else ""))
    for name, reason in report.skipped:
        print(f"  - {name}: {reason}")
    print(f"warnings {len(report.warnings)}" + (":" if report.warnings else ""))
    for name, message in report.warnings:
        print(f"  - {name}: {message}")
    return 0


# -- units CSV ---------------------------------------------------------------------------

def _threshold(text: str) -> float:
    try:
        return parse_threshold(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1 "
                                         "(write 0.55, 55% or 2/3)") from None


def _seats(text: str) -> int:
    if not (text.strip().isascii() and text.strip().isdigit()) or len(text.strip()) > 6 or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return int(text)


def add_units_parser(sources) -> None:
    """Register the ``units`` source on the ``racecall import`` subparsers."""
    units = sources.add_parser(
        "units", help="a CSV of counting units (one row per unit or unit and vote type)",
        description="Turn a CSV of counting units (columns unit, type, one per candidate id, "
                    "remaining, remaining_low, remaining_high, optional baseline_<id>) into "
                    "a scenario file whose count lists the units.")
    units.add_argument("file", metavar="FILE", help="the units CSV")
    units.add_argument("--name", required=True, help="the race's name")
    units.add_argument("--rule", required=True, choices=RULES, help="how the race is decided")
    units.add_argument("--seats", type=_seats, help="plurality only: vote for N")
    units.add_argument("--threshold", type=_threshold,
                       help="majority, top_two, measure: share that wins outright or passes")
    units.add_argument("--as-of", metavar="TIME", help="when the count stood so (ISO date and time)")
    units.add_argument("--unit-column", default="unit", metavar="NAME",
                       help="column of unit names (default: unit)")
    units.add_argument("--type-column", default="type", metavar="NAME",
                       help="column of vote types (default: type)")
    units.add_argument("--out", required=True, metavar="FILE", help="scenario YAML file to write")
    units.set_defaults(func=run_units, handler=run_units)


def _write_checked(scenario: dict, out, **options) -> int:
    """Write one scenario file (checked by the loader first); 0, or the exit status after one line."""
    try:
        write_scenario(scenario, out, **options)
    except ScenarioError as exc:  # the loader rejects what would be written: nothing is kept
        print(f"racecall import: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"racecall import: error: cannot write {out}: {exc}", file=sys.stderr)
        return 1
    return 0


def run_units(args) -> int:
    """``racecall import units``: 0 imported, 2 bad input or options, 1 cannot write."""
    try:
        scenario = scenario_from_units_csv(
            args.file, name=args.name, rule=args.rule, threshold=args.threshold, seats=args.seats,
            unit_column=args.unit_column, type_column=args.type_column, as_of=args.as_of)
    except (ScenarioError, ValueError) as exc:
        print(f"racecall import: error: {exc}", file=sys.stderr)
        return 2
    failed = _write_checked(scenario, args.out)
    if failed:
        return failed
    ids = [c["id"] for c in scenario["candidates"]]
    print(f"imported {len(scenario['count']['units'])} units (candidates: {', '.join(ids)}) "
          f"from {args.file} into {args.out}")
    return 0


# -- North Carolina 2020 -------------------------------------------------------------------

def add_nc_parser(sources) -> argparse.ArgumentParser:
    """Register ``nc-2020`` on the ``racecall import`` sources subparsers."""
    nc = sources.add_parser(
        "nc-2020", help="North Carolina 2020 presidential count by county and vote type",
        description="Import president-by-county-and-vote-type.csv (NC 2020) as one replayable "
                    "scenario; the remaining vote at each snapshot is hindsight: final minus "
                    "counted, per unit (--mode units) or statewide (--mode lump).")
    nc.add_argument("file", metavar="FILE", help="president-by-county-and-vote-type.csv or an extract")
    nc.add_argument("--mode", choices=("units", "lump"), default="units",
                    help="county x vote-type units, or one statewide count (default: units)")
    nc.add_argument("--first-timestamp", metavar="TIME", default=None,
                    help="drop snapshots before this UTC time (ISO, e.g. 2020-11-04T02:00)")
    nc.add_argument("--merge-jorgensen", action="store_true",
                    help="count Jorgensen with the other candidates (three candidates)")
    nc.add_argument("--units-csv", action="store_true",
                    help="with --mode units: write the units to CSV files in <out name>.units.<hash>/ "
                         "next to the YAML file (loads much faster than inline units)")
    nc.add_argument("--out", required=True, metavar="FILE", help="scenario YAML file to write")
    nc.set_defaults(func=run_nc, handler=run_nc)
    return nc


def run_nc(args) -> int:
    """``racecall import nc-2020``: 0 imported, 2 bad input file, 1 cannot write."""
    try:
        report = import_nc(args.file, args.mode, first_timestamp=args.first_timestamp,
                           keep_jorgensen=not args.merge_jorgensen)
    except (ImportFormatError, ValueError) as exc:
        print(f"racecall import: error: {exc}", file=sys.stderr)
        return 2
    (_, scenario), = report.scenarios
    failed = _write_checked(scenario, args.out, units_csv=args.units_csv)
    if failed:
        return failed
    shape = (f"{len(scenario['count']['units'])} county x vote-type units" if args.mode == "units"
             else "statewide counts")
    print(f"imported {len(scenario['snapshots'])} snapshots ({shape}) from {args.file} "
          f"into {args.out}")
    print(f"warnings {len(report.warnings)}" + (":" if report.warnings else ""))
    for _, message in report.warnings:
        print(f"  - {message}")
    return 0


# -- Minnesota Secretary of State ------------------------------------------------------------

def add_minnesota_parser(sources) -> argparse.ArgumentParser:
    """Register ``minnesota`` on the ``racecall import`` sources subparsers."""
    mn = sources.add_parser(
        "minnesota", help="Minnesota Secretary of State media files (a feed archive or folder)",
        description="Import the Minnesota Secretary of State's media files: live scenarios for one "
                    "release (the latest by default; remaining vote from precincts reporting and "
                    "registration), or with --history one count history per contest.")
    mn.add_argument("source", metavar="SOURCE", help="a .tar.xz archive of fetch folders, its unpacked "
                    "folder, or one fetch folder")
    mn.add_argument("--out", required=True, metavar="DIR", help="directory for the YAML files")
    mn.add_argument("--release", metavar="KEY", default=None,
                    help="the fetch folder to import (e.g. 20221109T013006-0600; default the latest)")
    mn.add_argument("--history", action="store_true", help="count histories (snapshots, final: the "
                    "certified folder) instead of live scenarios")
    mn.add_argument("--remaining", choices=("as_known", "hindsight"), default="as_known",
                    help="with --history: remaining vote as known then (default) or final minus counted")
    mn.add_argument("--certified-at", metavar="TIME", default=None,
                    help="when the count became final (ISO time; default the State Canvassing Board's date)")
    mn.set_defaults(func=run_minnesota, handler=run_minnesota)
    return mn


def run_minnesota(args) -> int:
    """``racecall import minnesota``: 0 imported, 2 bad input, 1 cannot write."""
    from ..feeds.la_county import ImportReport
    from ..feeds.minnesota import releases
    from ..feeds.minnesota_files import FeedFormatError
    from ..feeds.minnesota_history import minnesota_history

    try:
        if args.history:
            h = minnesota_history(args.source, args.remaining, certified_at=args.certified_at,
                                  min_candidates=0)
            report, note = ImportReport(h.scenarios, h.skipped, h.warnings), f"histories, remaining {args.remaining}"
        else:
            chosen = next(iter(releases(args.source, certified_at=args.certified_at,
                                        only=args.release or "latest")), None)
            if chosen is None:
                raise FeedFormatError(f"{args.source}: no release {args.release}")
            report = ImportReport(chosen.contests)
            note = f"release {chosen.key}, {'certified' if chosen.final else 'remaining from precincts reporting'}"
    except FeedFormatError as exc:
        print(f"racecall import: error: {exc}", file=sys.stderr)
        return 2
    try:
        write_scenarios(report, args.out)
    except OSError as exc:
        print(f"racecall import: error: cannot write scenarios to {args.out}: {exc}", file=sys.stderr)
        return 1
    print(f"imported {len(report.scenarios)} contests from {args.source} ({note}) into {args.out}")
    if report.skipped:
        print(f"skipped {len(report.skipped)}")
    for _, message in report.warnings:
        print(f"  - {message}")
    return 0
