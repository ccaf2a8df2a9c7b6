"""The public entry points: simulate a scenario's count, or replay its snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import engine
from ._numba import set_threads
from .model import prepare
from .results import RaceResult
from .scenario import Count, Scenario
from .summary import summarise


def run(
    scenario: Scenario,
    *,
    count: Count | None = None,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RaceResult:
    """Simulate how the remaining votes may split and call the race.

    Parameters
    ----------
    scenario : Scenario
        From :func:`simulate.load_scenario`.
    count : Count, optional
        The count to simulate; defaults to ``scenario.count``.
    draws, seed : int, optional
        Override the scenario's ``simulation`` settings.
    threads : int, optional
        Worker threads (results do not depend on it).
    progress : callable, optional
        Called as ``progress(done, total)`` after each round of blocks.
    """
    count = scenario.count if count is None else count
    draws = scenario.simulation.draws if draws is None else draws
    seed = scenario.simulation.seed if seed is None else seed
    set_threads(threads)
    arrays = prepare(scenario, count)
    tally = engine.accumulate(arrays, seed, draws, progress=progress)
    return summarise(scenario, count, tally.reordered(arrays.order), seed)


@dataclass(frozen=True)
class Replay:
    race: str
    snapshots: tuple[RaceResult, ...]

    def to_dict(self) -> dict:
        return {"race": self.race, "snapshots": [s.to_dict() for s in self.snapshots]}


def replay(scenario: Scenario, **options) -> Replay:
    """One simulation per snapshot (the scenario's ``count`` when it has no snapshots)."""
    counts = scenario.snapshots or (scenario.count,)
    return Replay(scenario.race.name, tuple(run(scenario, count=c, **options) for c in counts))
