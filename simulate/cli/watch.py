"""``racecall watch SOURCE --out DIR``: follow a results feed, call races, keep the results pages current."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from .options import HelpFormatter, positive_int, precision, seed


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "watch", help="follow a results feed: simulate each release, keep calls, write DIR/index.html",
        formatter_class=HelpFormatter,
        description="SOURCE is a URL polled every --interval seconds, a local file or folder re-read when it "
                    "changes, or an archive of snapshots (.tar.xz) played back in order. State is kept in "
                    "DIR/racecall.sqlite; a restart resumes after the last stored release.")
    p.add_argument("source", help="URL, file, folder or archive of the feed")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (database and pages)")
    p.add_argument("--interval", type=float, default=60.0, metavar="N", help="seconds between polls of a URL, file or folder")
    p.add_argument("--once", action="store_true", help="read the source once, process what is new, and stop")
    p.add_argument("--max-releases", type=positive_int, metavar="N", help="stop after processing N new releases")
    p.add_argument("--kind", choices=("primary", "general"), default="general", help="LA County feeds: the election's kind")
    p.add_argument("--pass-rates", metavar="FILE", help="LA County feeds: results.json with the measures' pass rates")
    p.add_argument("--draws", type=positive_int, default=20_000, help="draws per contest and release")
    p.add_argument("--precision", type=precision, help="instead of --draws: draw until each probability's standard error is at most this")
    p.add_argument("--seed", type=seed, help="random seed (default: each scenario's, else 0)")
    p.add_argument("--threads", type=positive_int, help="contests simulated at once (default: the cores)")
    p.add_argument("--processes", type=positive_int, default=min(os.cpu_count() or 1, 8),
                   help="worker processes for releases with many contests to simulate (each has its own "
                        "interpreter lock; the numbers do not depend on it)")
    p.add_argument("--retract-level", type=float, default=None, help="a standing call whose probability falls below this is retracted (default 0.98)")
    p.add_argument("--title", help="the results page's title")
    p.add_argument("--json", action="store_true", help="print events as JSON lines")
    p.add_argument("--quiet", action="store_true", help="no per-release progress lines on stderr")
    p.set_defaults(handler=run)


def _printer(args):
    def on_event(event: dict) -> None:
        if args.json:
            print(json.dumps(event, ensure_ascii=False), flush=True)
        else:
            print(f"{event['as_of'] or '-'}  {event['kind'].upper().replace('_', '-'):<10} {event['text']}", flush=True)
    return on_event


def run(args) -> int:
    from ..errors import RacecallError
    from ..live import sources
    from ..live.watch import Settings, Watcher

    kind = sources.kind_of(args.source)
    if not 0.5 <= (args.retract_level or 0.98) <= 1:
        raise RacecallError(f"--retract-level: must be between 0.5 and 1, got {args.retract_level}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise RacecallError(f"{out}: --out must be a directory")
    settings = Settings(draws=args.draws, seed=args.seed, threads=args.threads, precision=args.precision,
                        processes=args.processes,
                        title=args.title, **({"retract_level": args.retract_level} if args.retract_level else {}))
    from .run import announce_compile

    announce_compile()
    watcher = Watcher(out, settings)
    on_event = _printer(args)
    done, seen = 0, None
    try:
        watcher.publish()  # pages match the database even after a kill between commit and write
        while True:
            try:
                path, stamp = _read(args.source, kind, out)
            except sources.FeedUnavailable as exc:
                _note(args, f"feed unavailable, will retry: {exc}")
                path, stamp = None, seen
            if path is not None and stamp != seen:
                seen = stamp
                for release in sources.releases(path, kind=args.kind, pass_rates=args.pass_rates):
                    timing = watcher.process(release, on_event)
                    if timing is None:
                        continue
                    done += 1
                    _note(args, f"release {release.key}: {timing.contests:,} contests, {timing.simulated:,} simulated, "
                                f"{timing.total:.1f} s (load {timing.load:.1f}, simulate {timing.simulate:.1f}, calls "
                                f"{timing.calls:.1f}, store {timing.store:.1f}, pages {timing.pages:.1f})"
                          + (f"; {len(timing.skipped)} contests skipped, first: {timing.skipped[0][1]}" if timing.skipped else ""))
                    if args.max_releases and done >= args.max_releases:
                        return 0
            if kind == "archive" or args.once:
                return 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 130
    finally:
        watcher.close()


def _read(source: str, kind: str, out: Path):
    """The feed's local path now, and a stamp that changes when its content may have changed."""
    from ..live import sources

    if kind == "url":
        path = sources.fetch(source, sources.scratch_dir(out))
        return path, path.read_bytes().__hash__()
    path = Path(source)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return path, tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files[:100_000])


def _note(args, text: str) -> None:
    if not args.quiet:
        print(text, file=sys.stderr, flush=True)
