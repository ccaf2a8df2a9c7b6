"""Replay a count's history: one simulation per snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from ..outcome.results import RaceResult
from ..outcome.runner import run
from ..scenario.records import Scenario


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
