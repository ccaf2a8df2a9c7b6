r"""Backtest: replay count histories whose final result is known, and score the model.

For every contest and every snapshot the race is simulated with what was known
then (the snapshot's count and remaining vote) and scored against ``final``.

The definitions of the truth, the predictions, the metrics and a wrong call are in
:mod:`simulate.history.scoring`.

Monte Carlo error: with the default 20,000 draws a call needs the simulated
probability's 99.9% Wilson lower bound at the level (see :mod:`simulate.outcome.calls`):
a simulated probability of at least 0.99217 for 0.99, 0.99654 for 0.995 and
0.99969 for 0.999 (the standard error of a probability near 0.995 is 0.0005),
where a million draws need about 0.9902, 0.9952 and 0.9991.  So the backtest
calls later than production runs; the near calls above close that gap.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import ScenarioError
from ..model.late_swing import swing_hold
from ..outcome.runner import run as simulate_count
from ..scenario.calibration_file import check_overrides
from ..scenario.records import Scenario
from .flags import compatible, snapshot_flags
from .replay import Replay
from .standing import CAUSES, RETRACT_LEVEL, RETRACTED, follow, probability, withdrawal_cause
from .scoring import (Truth, brier, called_by_day, coverage_by, ece, interval_hits, interval_segments, is_wrong, log_loss, outcome,
                      point_claim, predicted_ids, prediction, reliability, repeats, truth, wrong_seats)

DEFAULT_DRAWS = 20_000
DEFAULT_WORKERS = 2


# -- the report -------------------------------------------------------------------------

@dataclass(frozen=True)
class WrongCall:
    contest: str
    snapshot: int
    as_of: str | None
    call: str
    confidence: float
    truth: str

    def to_dict(self) -> dict:
        return {"contest": self.contest, "snapshot": self.snapshot, "as_of": self.as_of,
                "call": self.call, "confidence": round(self.confidence, 6), "truth": self.truth}


@dataclass(frozen=True)
class CallEvent:
    """A call dropped at release ``snapshot``: ``withdrawn`` (the release's own call is no longer
    made, the call standing meanwhile or not) or ``retracted`` (the standing call is dropped,
    :mod:`simulate.history.standing`), with the call's probability at that release and, for a
    withdrawal, its ``cause`` (:func:`simulate.history.standing.withdrawal_cause`)."""

    kind: str
    contest: str
    snapshot: int
    as_of: str | None
    call: str
    made: int  # the release that made the call
    confidence: float
    cause: str | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "contest": self.contest, "snapshot": self.snapshot, "as_of": self.as_of,
                "call": self.call, "made": self.made, "confidence": round(self.confidence, 6),
                **({"cause": self.cause} if self.cause else {})}


@dataclass(frozen=True)
class BacktestReport:
    contests: int
    snapshots: int
    predictions: int
    fixed_predictions: int
    calls: int
    wrong_calls: tuple[WrongCall, ...]
    wrong_seats: tuple[WrongCall, ...]
    near_calls: int
    wrong_near_calls: tuple[WrongCall, ...]
    brier: float
    brier_naive: float | None
    log_loss: float
    log_loss_naive: float | None
    ece: float
    coverage90: float
    intervals: int
    called_by_release: tuple[float, ...]
    reliability: tuple[tuple[int, float, float], ...]
    flags: dict
    ties: tuple[str, ...]
    settings: dict
    seconds: float
    scores: tuple = field(default=(), compare=False, repr=False)  # (predictions, outcomes) arrays, for further analysis
    withdrawn: tuple[CallEvent, ...] = ()
    retracted: tuple[CallEvent, ...] = ()
    wrong_standing: tuple[WrongCall, ...] = ()
    standing_called_by_release: tuple[float, ...] = ()
    standing_called_by_day: tuple[tuple[str, float], ...] = ()
    repeated_snapshots: int = 0
    coverage90_by: dict = field(default_factory=dict)  # segment -> (coverage, intervals): scoring.interval_segments

    def withdrawn_by_cause(self) -> dict:
        """``{cause: withdrawals}`` over :data:`CAUSES`."""
        return {c: sum(e.cause == c for e in self.withdrawn) for c in CAUSES}

    def to_dict(self) -> dict:
        r = lambda x: None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)  # noqa: E731
        return {
            "contests": self.contests, "snapshots": self.snapshots, "predictions": self.predictions,
            "fixed_predictions": self.fixed_predictions, "calls": self.calls,
            "wrong_calls": [w.to_dict() for w in self.wrong_calls],
            "wrong_seats": [w.to_dict() for w in self.wrong_seats],
            "near_calls": self.near_calls,
            "wrong_near_calls": [w.to_dict() for w in self.wrong_near_calls],
            "brier": r(self.brier), "brier_naive": r(self.brier_naive),
            "log_loss": r(self.log_loss), "log_loss_naive": r(self.log_loss_naive),
            "ece": r(self.ece), "coverage90": r(self.coverage90), "intervals": self.intervals,
            "coverage90_by": {k: {"coverage": r(c), "intervals": n} for k, (c, n) in self.coverage90_by.items()},
            "called_by_release": [r(x) for x in self.called_by_release],
            "reliability": [{"count": n, "predicted": r(mp), "observed": r(my)} for n, mp, my in self.reliability],
            "flags": dict(self.flags), "ties": list(self.ties),
            "withdrawn": [e.to_dict() for e in self.withdrawn], "withdrawn_by_cause": self.withdrawn_by_cause(),
            "retracted": [e.to_dict() for e in self.retracted],
            "wrong_standing": [w.to_dict() for w in self.wrong_standing],
            "standing_called_by_release": [r(x) for x in self.standing_called_by_release],
            "standing_called_by_day": [{"by": label, "called": r(x)} for label, x in self.standing_called_by_day],
            "repeated_snapshots": self.repeated_snapshots,
            "settings": dict(self.settings), "seconds": round(self.seconds, 1),
        }

    def text(self) -> str:
        s = self.settings
        naive = lambda x: "" if x is None else f"   (zero-uncertainty model: {x:.4f})"  # noqa: E731
        lines = [
            f"Backtest of {self.contests} contests, {self.snapshots} snapshots "
            f"(uncertainty {s['uncertainty']}, tail_df {s['tail_df']}, early_count {s.get('early_count', '-')}, late_swing {s.get('late_swing', '-')}; "
            f"{s['draws']:,} draws, seed {s['seed']}, "
            f"call level {s['call_confidence']})",
            "",
            f"predictions   {self.predictions:,}  ({self.fixed_predictions:,} more fixed by the rules, not scored"
            + (f"; {self.repeated_snapshots:,} snapshots repeating the one before, scored once)" if self.repeated_snapshots else ")"),
            f"brier         {self.brier:.4f}{naive(self.brier_naive)}",
            f"log_loss      {self.log_loss:.4f}{naive(self.log_loss_naive)}",
            f"ece           {self.ece:.4f}",
            f"coverage90    {self.coverage90:.3f} of {self.intervals:,} final-share intervals"
            + "".join(f"; {seg} {c:.3f} of {n:,}" for seg, (c, n) in self.coverage90_by.items() if n),
            f"calls         {self.calls:,} (called or runoff), wrong {len(self.wrong_calls)}; "
            f"near calls {self.near_calls:,}, wrong {len(self.wrong_near_calls)}",
            "called by release  " + "  ".join(f"{i + 1}:{100 * x:.0f}%" for i, x in enumerate(self.called_by_release)),
            "flags         " + ", ".join(f"{k} {v}" for k, v in self.flags.items()),
            "standing      called by release  " + "  ".join(f"{i + 1}:{100 * x:.0f}%"
                                                          for i, x in enumerate(self.standing_called_by_release))
            + f"; withdrawn {len(self.withdrawn)}"
            + (" (" + ", ".join(f"{c.replace('_', ' ')} {n}" for c, n in self.withdrawn_by_cause().items() if n) + ")"
               if self.withdrawn else "")
            + f", retracted {len(self.retracted)}, wrong {len(self.wrong_standing)}",
            "standing      called by " + "  ".join(f"{label}:{100 * x:.0f}%" for label, x in self.standing_called_by_day),
            "",
        ]
        lines.append("Wrong calls:" if self.wrong_calls else "Wrong calls: none.")
        lines += [f"  {w.contest}, release {w.snapshot + 1} ({w.as_of}): {w.call} ({100 * w.confidence:.2f}%); final: {w.truth}"
                  for w in self.wrong_calls]
        if self.wrong_seats:
            lines.append("Seats listed as decided in a too_close call that the final count does not give:")
            lines += [f"  {w.contest}, release {w.snapshot + 1} ({w.as_of}): {w.call}; final: {w.truth}" for w in self.wrong_seats]
        if self.wrong_near_calls:
            lines.append("Wrong near calls (probability at the level, withheld only by the Monte Carlo bound):")
            lines += [f"  {w.contest}, release {w.snapshot + 1} ({w.as_of}): {w.call} ({100 * w.confidence:.2f}%); "
                      f"final: {w.truth}" for w in self.wrong_near_calls]
        for title, events in (("Calls withdrawn (made at one release, not the next)", self.withdrawn),
                              ("Standing calls retracted", self.retracted)):
            lines.append(f"{title}:" if events else f"{title}: none.")
            lines += [f"  {e.contest}, release {e.snapshot + 1} ({e.as_of}): {e.call}, made at release {e.made + 1}, "
                      f"now {100 * e.confidence:.2f}%" + (f" ({e.cause.replace('_', ' ')})" if e.cause else "") for e in events]
        if self.wrong_standing:
            lines.append("Standing calls the final count contradicts:")
            lines += [f"  {w.contest}, release {w.snapshot + 1} ({w.as_of}): {w.call} ({100 * w.confidence:.2f}%); "
                      f"final: {w.truth}" for w in self.wrong_standing]
        if self.ties:
            lines.append("Final ties (broken by candidate id): " + "; ".join(self.ties))
        lines.append(f"\n{self.seconds:.0f} s")
        return "\n".join(lines)


# -- running ------------------------------------------------------------------------------

def _seed(seed: int, contest: int, snapshot: int) -> int:
    state = np.random.SeedSequence(seed, spawn_key=(contest, snapshot)).generate_state(2, np.uint64)
    return int(state[0]) >> 1


def _simulate_contest(task):
    """Worker: the model's and the naive model's results for every snapshot of one contest."""
    index, scenario, draws, seed, threads, naive = task
    counts = scenario.snapshots or (scenario.count,)
    seeds = _snapshot_seeds(counts, seed, index)
    runs = [tuple(simulate_count(scenario, count=c, draws=draws, seed=q, threads=threads) for c, q in zip(counts, seeds))]
    if naive:
        flat = replace(scenario, model=replace(scenario.model, uncertainty=0.0, tail_df=0.0, prior=None,
                                               shift=(0.0,) * len(scenario.ids)))
        runs.append(tuple(simulate_count(flat, count=c, draws=draws, seed=q, threads=threads) for c, q in zip(counts, seeds)))
    return tuple(runs)


def _snapshot_seeds(counts, seed: int, index: int) -> list[int]:
    """Each snapshot's seed; a snapshot repeating the one before (:func:`repeats`) takes that
    one's, so the same count gives the same numbers, as in a live run (only a hold may differ)."""
    out = []
    for j in range(len(counts)):
        out.append(out[-1] if repeats(counts, j) else _seed(seed, index, j))
    return out


def prepare(scenario: Scenario, overrides: dict, call_confidence: float) -> Scenario:
    if scenario.final is None:
        raise ScenarioError(scenario.source, "final", "is required for a backtest (the final count to score against)")
    # A fixed number of draws everywhere (a scenario's ``precision`` would make runs adaptive).
    return replace(scenario, model=replace(scenario.model, **overrides),
                   simulation=replace(scenario.simulation, call_confidence=call_confidence, precision=None))


def backtest(scenarios, *, draws: int = DEFAULT_DRAWS, seed: int = 0, call_confidence: float = 0.995,
             model_overrides: dict | None = None, workers: int | None = None, naive: bool = True,
             scheduler: str | None = None, retract_level: float = RETRACT_LEVEL) -> BacktestReport:
    """Simulate every snapshot of every scenario and score it against the scenario's ``final``.

    Parameters
    ----------
    scenarios : iterable of Scenario
        Validated scenarios with ``snapshots`` (else their ``count`` is the one snapshot) and ``final``.
    draws, seed : int
        Per simulation; each (contest, snapshot) gets its own seed derived from
        ``seed``, so the report does not depend on ``workers``.
    call_confidence : float
        The call level, replacing each scenario's ``simulation.call_confidence``.
    model_overrides : dict, optional
        ``uncertainty``, ``tail_df``, ``early_count`` and/or ``late_swing`` replacing each scenario's model settings.
    workers : int, optional
        Contests simulated at once, in threads (default 2), each simulation on one
        kernel thread; 1 runs them one after another.
    naive : bool
        Also run the zero-uncertainty model for ``brier_naive`` (doubles the time).
    scheduler : str, optional
        Run the contests on Dask instead: ``"local"`` (a local cluster of ``workers``
        processes) or a scheduler's address.  Same numbers, bit for bit.
    retract_level : float
        A call stands until its probability falls below this (:mod:`simulate.history.standing`).
    """
    start = time.perf_counter()
    overrides = check_overrides(model_overrides)
    scenarios = tuple(prepare(s, overrides, call_confidence) for s in scenarios)
    workers = DEFAULT_WORKERS if workers is None else max(1, int(workers))
    dask = None
    if scheduler is not None:  # contests in chunks on a Dask cluster: the same numbers (simulate.history.distributed)
        from .distributed import run_chunks

        tasks = _tasks(scenarios, draws, seed, naive)
        warm = (0, scenarios[0], 256, seed, 1, False) if scenarios else None  # loads the kernel it needs
        dask = run_chunks(_simulate_contest, tasks, [_cost(s) for s in scenarios],
                          scheduler=scheduler, workers=workers, warm=warm)
        runs = list(dask.results)
    else:
        runs = _simulate_all(scenarios, draws, seed, naive, workers)
    settings = {"draws": draws, "seed": seed, "call_confidence": call_confidence,
                "uncertainty": overrides.get("uncertainty", "per scenario"),
                "tail_df": overrides.get("tail_df", "per scenario"),
                "early_count": overrides.get("early_count", "per scenario"),
                "late_swing": overrides.get("late_swing", "per scenario")}
    if dask is not None:
        settings["dask"] = {"scheduler": scheduler, "workers": dask.workers, "chunks": dask.chunks,
                            "overhead": round(dask.overhead, 4), "warm_up_seconds": round(dask.warm_seconds, 2)}
    settings["retract_level"] = retract_level
    return score(scenarios, runs, settings, time.perf_counter() - start, retract_level)


def _cost(scenario: Scenario) -> float:
    """A contest's relative cost, for chunking: its snapshots times the kernel's work per draw,
    about a fixed part and a part per candidate (``benchmarks/README.md``: some 20 ns and 6 ns)."""
    return len(scenario.snapshots or (scenario.count,)) * (3.0 + len(scenario.ids))


def _tasks(scenarios, draws, seed, naive) -> list:
    """One task per contest for :func:`_simulate_contest`, each simulation on one kernel thread."""
    return [(i, s, draws, seed, 1, naive) for i, s in enumerate(scenarios)]


def _simulate_all(scenarios, draws, seed, naive, workers) -> list:
    """Contests in a thread pool (the kernel releases the GIL), each simulation on one kernel
    thread; results do not depend on ``workers``.

    Threads beat a process pool here: no pickling, no worker start-up and no
    ``if __name__ == "__main__"`` guard in the caller's script.
    """
    tasks = _tasks(scenarios, draws, seed, naive)
    if workers == 1 or len(tasks) < 2:
        return [_simulate_contest(t) for t in tasks]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_simulate_contest, tasks))


def score(scenarios, runs, settings: dict, seconds: float = 0.0, retract_level: float = RETRACT_LEVEL) -> BacktestReport:
    """Score simulation results (``runs[i] = (results, naive_results?)`` for ``scenarios[i]``);
    calls stand as :mod:`simulate.history.standing` says, retracted below ``retract_level``."""
    events = {"withdrawn": [], "retracted": [], "wrong": []}
    standing_called: dict[int, list[bool]] = {}
    timelines = []
    p, y, pn, covered, kinds = [], [], [], [], []
    wrong = {"calls": [], "seats": [], "near": []}
    ties, fixed, near = [], 0, 0
    called: dict[int, list[int]] = {}
    calls = snapshots = repeated = 0
    flags = {"retracted": 0, "withdrawn": 0, "winner_not_leading": 0}
    for scenario, run in zip(scenarios, runs):
        results, naive = run[0], (run[1] if len(run) > 1 else None)
        t = truth(scenario)
        if t.tie:
            ties.append(f"{scenario.race.name}: {', '.join(t.tie)}")
        ids = predicted_ids(scenario)
        fixed += 0 if ids else len(scenario.ids) * len(results)
        for f in (f for snap in snapshot_flags(Replay(scenario.race.name, results), scenario.race.threshold,
                                                   scenario.race.seats) for f in snap):
            flags[f] += 1
        timelines.append((scenario.race.date, _standing_calls(scenario, results, t, retract_level, events, standing_called)))
        counts = scenario.snapshots or (scenario.count,)
        for j, res in enumerate(results):
            snapshots += 1
            status = res.call.status
            calls += status in ("called", "runoff")
            called.setdefault(j, []).append(status == "called")
            near += _check_calls(scenario, j, res, t, wrong)
            if repeats(counts, j):  # the same prediction again: scored once
                repeated += 1
                continue
            for cid in ids:
                p.append(prediction(res, cid))
                y.append(outcome(t, cid, len(scenario.ids), scenario.race.rule))
                if naive is not None:
                    pn.append(prediction(naive[j], cid))
            covered += interval_hits(res, t)
            kinds += interval_segments(res, counts[j].counted, scenario.final.counted)
    return BacktestReport(
        contests=len(scenarios), snapshots=snapshots, predictions=len(p), fixed_predictions=fixed,
        calls=calls, wrong_calls=tuple(wrong["calls"]), wrong_seats=tuple(wrong["seats"]),
        near_calls=near, wrong_near_calls=tuple(wrong["near"]),
        brier=brier(p, y), brier_naive=brier(pn, y) if pn else None,
        log_loss=log_loss(p, y), log_loss_naive=log_loss(pn, y) if pn else None,
        ece=ece(p, y), coverage90=float(np.mean(covered)) if covered else math.nan, intervals=len(covered),
        called_by_release=tuple(float(np.mean(called[j])) for j in sorted(called)),
        reliability=reliability(p, y), flags=flags, ties=tuple(ties), settings=settings, seconds=seconds,
        scores=(np.asarray(p), np.asarray(y)),
        withdrawn=tuple(events["withdrawn"]), retracted=tuple(events["retracted"]), wrong_standing=tuple(events["wrong"]),
        standing_called_by_release=tuple(float(np.mean(standing_called[j])) for j in sorted(standing_called)),
        standing_called_by_day=called_by_day(timelines), repeated_snapshots=repeated,
        coverage90_by=coverage_by(covered, kinds),
    )


def _standing_calls(scenario: Scenario, results, t: Truth, retract_level: float, events: dict, called: dict) -> list:
    """The calls that stand release by release (:func:`simulate.history.standing.follow`): append the
    withdrawals, retractions and standing calls the truth contradicts to ``events``; per release,
    whether the whole outcome is called (a standing ``called``) to ``called``. Returns the contest's
    ``[(as_of, called)]``."""
    timeline = []
    names = {c.id: c.name for c in scenario.candidates}
    seats = scenario.race.seats
    path = follow(results, retract_level=retract_level, seats=seats)
    before = None
    for j, (res, (call, event)) in enumerate(zip(results, path)):
        previous = results[j - 1].call if j else None
        if previous is not None and previous.status in ("called", "runoff") and res.call.status in ("too_close", "too_early"):
            kept = call if call is not None else before
            p_kept = probability(kept, res) if kept is not None else 0.0
            events["withdrawn"].append(CallEvent("withdrawn", scenario.race.name, j, res.as_of,
                                                 _describe_call(previous.status, previous.outcome, previous.winners, names),
                                                 kept.release if kept is not None else j - 1, p_kept,
                                                 withdrawal_cause(res, p_kept)))
        if event == RETRACTED and before is not None:
            events["retracted"].append(CallEvent("retracted", scenario.race.name, j, res.as_of,
                                                 _describe_call(before.status, before.outcome, before.winners, names),
                                                 before.release, probability(before, res)))
        if call is not None and not compatible(call.claim(), t.claim()):
            events["wrong"].append(WrongCall(scenario.race.name, j, res.as_of,
                                             _describe_call(call.status, call.outcome, call.winners, names), call.confidence,
                                             _describe(t.outcome, t.winners, names)))
        called.setdefault(j, []).append(call is not None and call.status == "called")
        timeline.append((res.as_of, call is not None and call.status == "called"))
        before = call
    return timeline


def _describe_call(status: str, outcome: str | None, winners, names: dict) -> str:
    if status == "runoff":
        return f"runoff certain, {', '.join(names.get(w, w) for w in winners) or 'nobody'} in it"
    return _describe(outcome, winners, names)


def _check_calls(scenario: Scenario, j: int, res, t: Truth, wrong: dict) -> int:
    """Append this snapshot's wrong call, seats and near call to ``wrong``; return 1 for a near call."""
    if is_wrong(res, t):
        wrong["calls"].append(_wrong(scenario, j, res, t))
    if wrong_seats(res, t):
        wrong["seats"].append(_wrong(scenario, j, res, t))
    if res.call.status == "called":
        return 0
    point = point_claim(res, res.call.level, scenario.race.seats)
    if point is None:
        return 0
    claim_, probability = point
    count = (scenario.snapshots or (scenario.count,))[j]
    if swing_hold(scenario, count, claim_.kind, claim_.members):  # more draws would not make it either
        return 0
    if not compatible(claim_, t.claim()):
        names = {c.id: c.name for c in scenario.candidates}
        members = [c for c in scenario.ids if c in claim_.members]
        call = _describe(claim_.kind, members if claim_.kind != "runoff" else sorted(members, key=scenario.ids.index), names)
        wrong["near"].append(WrongCall(scenario.race.name, j, res.as_of, call, probability,
                                       _describe(t.outcome, t.winners, names) + (f" (tie: {', '.join(t.tie)})" if t.tie else "")))
    return 1


def _describe(outcome: str | None, winners, names: dict) -> str:
    who = ", ".join(names.get(w, w) for w in winners)
    if outcome == "runoff":
        return f"runoff {' vs '.join(names.get(w, w) for w in winners)}" if len(winners) == 2 else f"runoff with {who or 'anyone'}"
    if outcome in ("passes", "fails"):
        return f"measure {outcome}"
    return f"{who} elected"


def _wrong(scenario: Scenario, j: int, res, t: Truth) -> WrongCall:
    names = {c.id: c.name for c in scenario.candidates}
    call = _describe(res.call.outcome if res.call.status != "too_close" else "winner", res.call.winners, names)
    if res.call.status == "runoff":
        call = f"runoff certain, {', '.join(names[w] for w in res.call.winners) or 'nobody'} in it"
    tie = f" (tie: {', '.join(t.tie)})" if t.tie else ""
    return WrongCall(scenario.race.name, j, res.as_of, call, res.call.confidence, _describe(t.outcome, t.winners, names) + tie)
