"""Simulate a scenario's count: the model's inputs, the engine's tallies, the outcome."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from ..engine import driver as engine
from ..engine._numba import set_threads
from ..model.lump import prepare
from ..scenario.records import Count, Scenario
from .calls import lower_bound
from .results import RaceResult
from .summary import summarise

#: Draws in the first round of a run with a precision target (64 blocks).
FIRST_ROUND = engine.ROUND_BLOCKS * engine.BLOCK_DRAWS


def run(
    scenario: Scenario,
    *,
    count: Count | None = None,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    precision: float | None = None,
    max_draws: int | None = None,
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
    precision : float, optional
        Instead of a fixed number of draws, keep doubling them (from
        :data:`FIRST_ROUND`) until every reported probability's standard error
        is at most ``precision`` or the call is settled either way, up to
        ``max_draws``.  The result's ``draws`` says how many were used.
    progress : callable, optional
        Called as ``progress(done, goal)`` after each round of blocks.
    """
    count = scenario.count if count is None else count
    sim = scenario.simulation
    seed = sim.seed if seed is None else seed
    precision = sim.precision if precision is None else precision
    set_threads(threads)
    arrays, projections = _prepare(scenario, count)

    def finish(tally):
        result = summarise(scenario, count, tally.reordered(arrays.order), seed)
        return replace(result, extra={**result.extra, "units": units_json(scenario, projections)}) if projections else result

    if precision is None:
        return finish(engine.accumulate(arrays, seed, sim.draws if draws is None else draws, progress=progress))
    cap = sim.max_draws if max_draws is None else max_draws
    tally = engine.accumulate(arrays, seed, min(FIRST_ROUND, cap), progress=progress)
    result = finish(tally)
    while tally.draws < cap and not _settled(result, precision):
        tally = engine.accumulate(arrays, seed, min(tally.draws, cap - tally.draws), start=tally, progress=progress)
        result = finish(tally)
    return result


def run_many(
    scenarios,
    *,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    precision: float | None = None,
    max_draws: int | None = None,
) -> list[RaceResult]:
    """Simulate many races concurrently, one kernel thread each; results in input order.

    Each result is identical to ``run(scenario, draws=draws, seed=seed, ...)``
    (results never depend on threads).  With many contests of modest size
    (a county's ballot), running whole contests side by side keeps every core
    busy, where one contest at a time spends much of its short run starting
    and joining parallel work.  The kernels release the GIL.

    Parameters
    ----------
    scenarios : iterable of Scenario
    draws, seed, precision, max_draws
        As for :func:`run` (``None``: each scenario's own settings).
    threads : int, optional
        Contests simulated at once (default: the kernel's thread count).
    """
    from concurrent.futures import ThreadPoolExecutor

    scenarios = list(scenarios)
    workers = set_threads(None) if threads is None else max(1, int(threads))
    options = {"draws": draws, "seed": seed, "threads": 1, "precision": precision, "max_draws": max_draws}
    if workers == 1 or len(scenarios) < 2:
        return [run(s, **options) for s in scenarios]
    with ThreadPoolExecutor(max_workers=min(workers, len(scenarios))) as pool:
        return list(pool.map(lambda s: run(s, **options), scenarios))


def _prepare(scenario: Scenario, count: Count):
    """The kernel inputs: the units model for a count with several units, else the lump model."""
    if len(count.units) > 1:
        from ..model.units import prepare_strata

        return prepare_strata(scenario, count)
    return prepare(scenario, count), ()


def units_json(scenario: Scenario, projections) -> list[dict]:
    """Per-unit projections under the ``units`` key of the result."""
    ids = scenario.ids
    return [
        {
            "id": p.id, "type": p.type, "counted_fraction": round(p.counted_fraction, 6), "remaining": round(p.remaining, 1),
            "remaining_shares": {c: round(x, 6) for c, x in zip(ids, p.centre)},
            "share_final": {c: {"mean": round(m, 6), "low": round(lo, 6), "high": round(hi, 6)}
                            for c, m, lo, hi in zip(ids, p.share_mean, p.share_low, p.share_high)},
        }
        for p in projections
    ]


def _settled(result: RaceResult, precision: float) -> bool:
    """Every probability known to ``precision``, or the call cannot change with more draws."""
    n = result.draws
    ses = []
    for c in result.candidates:
        for p in (c.p_win, c.p_outright, c.p_advance):
            if p is not None:
                ses.append((p * (1 - p) / n) ** 0.5)
    if max(ses) <= precision:
        return True
    p, level = result.call.confidence, result.call.level
    return lower_bound(p, n) >= level or 1.0 - lower_bound(1.0 - p, n) < level
