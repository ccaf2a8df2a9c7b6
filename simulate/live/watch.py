"""The watch loop: each new release of a feed simulated, stored and published.

For every release not yet in the database (by ``key``): each contest whose
scenario changed since its last release is loaded and simulated (all of them
side by side with :func:`simulate.run_many`, ``draws`` each), its standing
call advanced (:mod:`simulate.history.standing`), its events found
(:mod:`simulate.live.events`); then the release, results, calls and events
are committed in one transaction (:mod:`simulate.live.store`) and the pages
rewritten (:mod:`simulate.report.page`).  A contest whose scenario did not
change keeps its result: with the same seed a new run would give the same
numbers bit for bit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from ..errors import RacecallError
from ..history.standing import RETRACT_LEVEL
from ..scenario.corrections import fresh, held, hours_between, material
from ..scenario.records import Count, Remaining
from . import events as ev
from .sources import Release, digest
from .store import Store

#: Draws per contest and release unless told otherwise (the Monte Carlo error of a
#: probability is then at most 0.35 points; calls stay protected by their bound).
DRAWS = 20_000
#: With worker processes, releases with fewer contests to simulate than this stay in this process.
PROCESS_MIN = 200


@dataclass(frozen=True)
class Settings:
    draws: int | None = DRAWS
    seed: int | None = None
    threads: int | None = None
    precision: float | None = None
    retract_level: float = RETRACT_LEVEL
    title: str | None = None
    processes: int = 1


@dataclass
class Timing:
    """Seconds spent per stage of one release."""

    release: str
    contests: int = 0
    simulated: int = 0
    load: float = 0.0
    simulate: float = 0.0
    calls: float = 0.0
    store: float = 0.0
    pages: float = 0.0
    skipped: list = field(default_factory=list)

    @property
    def total(self) -> float:
        return self.load + self.simulate + self.calls + self.store + self.pages


class Watcher:
    """The state of one watched feed: its store, and every contest's latest result and call."""

    def __init__(self, out, settings: Settings = Settings()):
        self.out = Path(out)
        self.settings = settings
        self.store = Store(self.out)
        self.keys = self.store.keys()
        self.latest = self.store.contests()
        self._pool = None

    def close(self) -> None:
        self.store.close()
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _in_processes(self, scenarios, options):
        """``run_many`` split over worker processes (each with its own interpreter lock), in input order.

        Results are identical to one process's: each contest's numbers depend on its
        scenario and seed only.  The workers live as long as the watcher.
        """
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        n = self.settings.processes
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))
        size = -(-len(scenarios) // (4 * n))  # a few chunks per worker, so none waits on the slowest
        chunks = [scenarios[i:i + size] for i in range(0, len(scenarios), size)]
        out = []
        for part in self._pool.map(_simulate_chunk, chunks, [options] * len(chunks)):
            out += part
        return out

    def process(self, release: Release, on_event: Callable[[dict], None] | None = None) -> Timing | None:
        """Simulate, store and publish one release; ``None`` if it was stored already."""
        if release.key in self.keys:
            return None
        from ..outcome.runner import run_many
        from ..scenario.loader import load_scenario_dict

        timing = Timing(release.key, contests=len(release.contests))
        t = time.perf_counter()
        todo = []
        for slug, mapping in release.contests:
            d = digest(mapping)
            known = self.latest.get(slug)
            same = known is not None and known.digest == d
            if same and not _held(known.result):
                continue
            try:
                scenario = carry_correction(load_scenario_dict(mapping, source=slug), known.result if known else None)
                scenario = with_fresh(scenario, self.store.back(slug) if known else ())
            except RacecallError as exc:
                timing.skipped.append((slug, str(exc)))
                continue
            if same and held(scenario, scenario.count):
                continue  # unchanged and still held: its result stands
            todo.append((slug, d, scenario))
        timing.load = time.perf_counter() - t
        t = time.perf_counter()
        s = self.settings
        options = {"draws": None if s.precision else s.draws, "seed": s.seed, "precision": s.precision}
        scenarios = [sc for _, _, sc in todo]
        if self.settings.processes > 1 and len(scenarios) >= PROCESS_MIN:
            results = self._in_processes(scenarios, options)
        else:
            results = run_many(scenarios, threads=s.threads, **options)
        timing.simulate = time.perf_counter() - t
        timing.simulated = len(results)
        t = time.perf_counter()
        seq = self.store.last_seq() + 1
        changed, standing, found = [], {}, []
        for (slug, d, scenario), result in zip(todo, results):
            known = self.latest.get(slug)
            data = with_remaining(result.to_dict(), scenario)
            call, events = ev.step(slug, known.result if known else None, ev.standing_from(known.standing if known else None),
                                   result, seq, retract_level=s.retract_level)
            changed.append((slug, d, data))
            standing[slug] = ev.standing_to(call)
            found += events
        timing.calls = time.perf_counter() - t
        t = time.perf_counter()
        seq = self.store.record(release, changed, standing, found, timing.load + timing.simulate + timing.calls)
        self.keys.add(release.key)
        from .store import Contest

        for slug, d, data in changed:
            self.latest[slug] = Contest(slug, d, seq, data, standing[slug])
        timing.store = time.perf_counter() - t
        t = time.perf_counter()
        self.publish(slug for slug, _, _ in changed)
        timing.pages = time.perf_counter() - t
        if on_event is not None:
            for slug, kind, text, data in found:
                on_event({"release": release.key, "as_of": release.as_of, "slug": slug, "race": self.latest[slug].result["race"],
                          "kind": kind, "text": text, **data})
        return timing

    def publish(self, slugs=None) -> None:
        """Rewrite ``index.html`` and the pages of ``slugs`` (all contests when ``None``)."""
        from ..report import page

        releases = self.store.releases()
        if not releases:
            return
        contests = [dict(slug=c.slug, result=c.result, standing=c.standing) for c in self.latest.values()]
        page.write_index(self.out, contests, releases, self.store.events(limit=60), title=self.settings.title)
        wanted = list(self.latest if slugs is None else slugs)
        as_of = {r["seq"]: r["as_of"] for r in releases}
        events: dict[str, list] = {}
        for e in self.store.events(slugs=wanted):
            events.setdefault(e["slug"], []).append(e)
        histories = self.store.histories(wanted)

        def rendered():  # rendered one by one while earlier pages are being written
            for slug in wanted:
                c = self.latest[slug]
                history = [(as_of[q], r) for q, r in histories[slug]]
                yield slug, page.contest_html(slug, history, c.standing, events.get(slug, []))

        page.write_contests(self.out, rendered())


def _held(result: dict) -> bool:
    """Whether a stored result is held (:mod:`simulate.scenario.corrections`): looked at again
    at each release until its hold ends."""
    return bool(result.get("held"))


def with_fresh(scenario, earlier):
    """``scenario`` with ``count.fresh_votes`` from the contest's ``earlier`` results (newest
    first, read only back to the first one at least ``fresh_hold_hours`` old; their ``as_of``
    and candidates' ``counted``), unless the feed gave it."""
    hours = scenario.simulation.fresh_hold_hours
    if scenario.count.fresh_votes is not None or hours <= 0:
        return scenario
    past = []
    for r in earlier:
        by = {c["id"]: c["counted"] for c in r["candidates"]}
        past.append(Count(r.get("as_of"), tuple(by.get(i, 0) for i in scenario.ids), Remaining(0)))
        age = hours_between(r.get("as_of"), scenario.count.as_of) if r.get("as_of") else None
        if age is None or age >= hours:
            break
    count = fresh(tuple(reversed(past)) + (scenario.count,), hours)[-1]
    return replace(scenario, count=count)


def carry_correction(scenario, previous: dict | None):
    """``scenario`` with ``count.corrected`` from the contest's previous result (``None``:
    its first release): this release's time if its votes fell materially since, else the
    previous result's (:mod:`simulate.scenario.corrections`)."""
    if previous is None or scenario.count.corrected:
        return scenario
    before = {c["id"]: c["counted"] for c in previous["candidates"]}
    fell = material([before.get(i, 0) for i in scenario.ids], scenario.count.counted)
    mark = (scenario.count.as_of or previous.get("as_of") or "a later release") if fell else previous.get("count_corrected")
    return scenario if mark is None else replace(scenario, count=replace(scenario.count, corrected=mark))


def _simulate_chunk(scenarios, options):
    """Worker processes: one chunk of contests, one kernel thread each, two at a time."""
    from ..outcome.runner import run_many

    return run_many(scenarios, threads=1, **options)


def with_remaining(data: dict, scenario) -> dict:
    """The result's JSON with ``remaining`` (what the model used) when the result does not carry it."""
    if "remaining" not in data:
        r = scenario.count.remaining
        data["remaining"] = {"estimate": r.estimate, "low": r.low, "high": r.high}
    return data
