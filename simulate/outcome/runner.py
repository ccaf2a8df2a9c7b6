r"""Simulate a scenario's count: the model's inputs, the engine's tallies, the outcome.

Precision on demand
-------------------
With ``precision`` :math:`P` a run draws until every probability it reports --
each candidate's ``p_win``, ``p_outright``, ``p_advance``, ``p_first``, and
``p_leader_overtaken``, ``p_recount``, ``p_runoff`` and the runoff pairs' -- has a
standard error :math:`\sqrt{\hat p(1-\hat p)/n} \le P`, or ``max_draws`` is reached.

* The first round is sized to the target: enough whole blocks for a probability
  of 1% (:data:`FIRST_P`) to reach :math:`P`, :math:`n_1 = 0.0099/P^2`, at least
  one block of 16,384 draws and at most :data:`ROUND_CAP_BLOCKS` blocks.  At
  :math:`P = 0.001` that is one block: most contests of a county's ballot have
  every probability near 0 or 1 and stop there.
* After each look the draws needed are estimated from the worst probability,
  :math:`n = 1.1\,\max \hat p(1-\hat p)/P^2`, rounded up to whole blocks (at
  least one block more, at most ``max_draws``), and drawn as one more round.
  A tally continued this way is exactly the tally of the same number of draws
  in one go, so the result depends on the seed only, never on threads.
* ``stop_when_called``: also stop at the first look where the race is called.
* The call at look :math:`i` uses the sequential Wilson bound of
  :func:`simulate.outcome.calls.look_z`, so the overall false-call rate stays at
  0.1% however many looks are taken and whichever rule stops the run.
* ``extra["precision"]`` records ``target``, ``reached``, ``max_se``, ``looks`` and
  ``stopped`` (``"precision"``, ``"called"`` or ``"max_draws"``); when ``max_draws``
  stops the run first, ``reached`` is false (:func:`precision_warning` says so).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Callable

from ..engine import driver as engine
from ..engine._numba import set_threads
from ..model.lump import prepare
from ..scenario.records import Count, Scenario
from .calls import look_z
from .results import RaceResult
from .summary import summarise

#: A first round sized so that a probability of ``FIRST_P`` reaches the target.
FIRST_P = 0.01
#: At most this many blocks in the first round (64 blocks: 1,048,576 draws).
ROUND_CAP_BLOCKS = engine.ROUND_BLOCKS
#: Margin on the draws estimated to meet the target (the worst probability moves between looks).
MARGIN = 1.1


def run(
    scenario: Scenario,
    *,
    count: Count | None = None,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    precision: float | None = None,
    max_draws: int | None = None,
    stop_when_called: bool = False,
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
        Instead of a fixed number of draws, draw until every reported
        probability's standard error is at most ``precision``, up to
        ``max_draws`` (see the module docstring).  The result's ``draws`` says
        how many were used, ``extra["precision"]`` whether the target was reached.
    stop_when_called : bool
        With ``precision``: stop as soon as the race is called (at the sequential bound).
    progress : callable, optional
        Called as ``progress(done, goal)`` after each round of blocks.
    """
    count = scenario.count if count is None else count
    sim = scenario.simulation
    seed = sim.seed if seed is None else seed
    precision = sim.precision if precision is None else precision
    set_threads(threads)
    arrays, projections = _prepare(scenario, count)

    def finish(tally, z=None):
        result = summarise(scenario, count, tally.reordered(arrays.order), seed, **({} if z is None else {"z": z}))
        return replace(result, extra={**result.extra, "units": units_json(scenario, projections)}) if projections else result

    if precision is None:
        return finish(engine.accumulate(arrays, seed, sim.draws if draws is None else draws, progress=progress))
    cap = sim.max_draws if max_draws is None else max_draws
    tally = engine.accumulate(arrays, seed, min(first_round(precision), cap), progress=progress)
    looks = 1
    while True:
        result = finish(tally, look_z(looks))
        worst = max_se(result)
        stopped = "precision" if worst <= precision else "called" if stop_when_called and result.call.status == "called" \
            else "max_draws" if tally.draws >= cap else None
        if stopped is not None:
            record = {"target": precision, "reached": worst <= precision, "max_se": round(worst, 9), "looks": looks,
                      "stopped": stopped}
            return replace(result, extra={**result.extra, "precision": record})
        goal = min(cap, max(_blocks(MARGIN * _worst_variance(result) / precision ** 2), tally.draws + engine.BLOCK_DRAWS))
        tally = engine.accumulate(arrays, seed, goal - tally.draws, start=tally, progress=progress)
        looks += 1


def first_round(precision: float) -> int:
    """Draws in the first round of a run with a precision target (whole blocks, see the module docstring)."""
    need = FIRST_P * (1.0 - FIRST_P) / precision ** 2
    return min(max(_blocks(need), engine.BLOCK_DRAWS), ROUND_CAP_BLOCKS * engine.BLOCK_DRAWS)


def _blocks(draws: float) -> int:
    """``draws`` rounded up to whole blocks."""
    return int(math.ceil(draws / engine.BLOCK_DRAWS)) * engine.BLOCK_DRAWS


def reported_probabilities(result: RaceResult) -> list[float]:
    """Every probability the result reports (see the module docstring)."""
    ps = [result.p_leader_overtaken, result.p_recount]
    if result.p_runoff is not None:
        ps.append(result.p_runoff)
    ps += [p for _, _, p in result.runoff_pairs]
    for c in result.candidates:
        ps += [p for p in (c.p_win, c.p_outright, c.p_advance, c.p_first) if p is not None]
    return ps


def _worst_variance(result: RaceResult) -> float:
    return max(p * (1.0 - p) for p in reported_probabilities(result))


def max_se(result: RaceResult) -> float:
    r"""The largest standard error :math:`\sqrt{\hat p(1-\hat p)/n}` of the reported probabilities."""
    return math.sqrt(max(_worst_variance(result), 0.0) / result.draws)


def precision_warning(result: RaceResult) -> str | None:
    """A one-line warning when ``max_draws`` stopped a precision run before its target, else ``None``."""
    record = result.extra.get("precision")
    if not record or record["reached"]:
        return None
    return (f"warning: {result.race}: precision {record['target']:g} not reached at max_draws "
            f"({result.draws:,} draws): the largest standard error is {record['max_se']:.2g}")


def run_many(
    scenarios,
    *,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    precision: float | None = None,
    max_draws: int | None = None,
    stop_when_called: bool = False,
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
    draws, seed, precision, max_draws, stop_when_called
        As for :func:`run` (``None``: each scenario's own settings).  With a
        precision target each contest draws what it needs (most stop after one block).
    threads : int, optional
        Contests simulated at once (default: the kernel's thread count).
    """
    from concurrent.futures import ThreadPoolExecutor

    scenarios = list(scenarios)
    workers = set_threads(None) if threads is None else max(1, int(threads))
    options = {"draws": draws, "seed": seed, "threads": 1, "precision": precision, "max_draws": max_draws,
               "stop_when_called": stop_when_called}
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
