"""Backtests and calibrations on a Dask cluster (``dask.distributed``), bit-identical to one process.

A backtest is a list of independent tasks, one per contest: simulate every
snapshot of the contest with seeds derived from ``(seed, contest, snapshot)``
alone (:func:`simulate.history.backtest._seed`).  So where a task runs cannot
change a number, and the results are gathered back in task order.

Scheduling.  One Dask task per contest would cost the scheduler about a
millisecond per contest, as much as simulating a small contest.  Tasks are
therefore grouped into *chunks*, contiguous runs of contests priced by their
draws (a contest's cost is its snapshots times its draws, twice with the naive
model), in *guided* sizes (:func:`guided_chunks`): each chunk takes
``1 / (GUIDED_SPLIT x threads)`` of the cost still unassigned, down to
``1 / (GUIDED_MIN x threads)`` of the whole, so the first chunks are large
(scheduling stays a small part of the run) and the last ones small (no worker
waits long on another's last chunk).  Before the clock starts, every worker
runs a *warm-up* task (loading the compiled kernel, once per process), reported
apart; :func:`run_chunks` reports the share of the workers' time outside the
chunks.

Cluster.  ``scheduler=None`` (or ``"local"``) starts a local cluster of
``workers`` processes with one thread each and closes it afterwards; any other
string is the address of a running scheduler (``tcp://host:8786``), whose
workers must have racecall installed (the same version: the numbers are the
code's).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from ..errors import RacecallError

#: Guided chunks (:func:`guided_chunks`): each takes 1 / (GUIDED_SPLIT x threads) of the cost left,
#: at least 1 / (GUIDED_MIN x threads) of the whole.
GUIDED_SPLIT = 2
GUIDED_MIN = 16


@dataclass(frozen=True)
class DaskRun:
    """Results in task order, and where the time went."""

    results: tuple
    seconds: float  # wall clock, from submitting the first chunk to gathering the last
    compute_seconds: float  # the chunks' own run times, summed over workers
    workers: int  # worker threads the cluster had
    chunks: int
    warm_seconds: float = 0.0  # the workers' warm-up (kernel load), before the clock starts

    @property
    def overhead(self) -> float:
        """Share of the workers' time not spent computing chunks: scheduling, transfer, idling."""
        capacity = self.seconds * self.workers
        return max(0.0, 1.0 - self.compute_seconds / capacity) if capacity > 0 else 0.0


def guided_chunks(costs: Sequence[float], threads: int) -> list[range]:
    """Contiguous runs of task indices in guided sizes (module docstring), in order."""
    n = len(costs)
    weights = [float(c) for c in costs] if sum(costs) > 0 else [1.0] * n
    total = sum(weights)
    threads = max(1, int(threads))
    floor = total / (GUIDED_MIN * threads)
    out, start, acc, left = [], 0, 0.0, total
    target = max(left / (GUIDED_SPLIT * threads), floor)
    for i, c in enumerate(weights):
        acc += c
        if acc >= target and i + 1 < n:
            out.append(range(start, i + 1))
            start, left, acc = i + 1, left - acc, 0.0
            target = max(left / (GUIDED_SPLIT * threads), floor)
    out.append(range(start, n))
    return [r for r in out if len(r)]


def _warm(worker: Callable, task) -> float:
    start = time.perf_counter()
    worker(task)
    return time.perf_counter() - start


def _run_chunk(worker: Callable, tasks: list) -> tuple[list, float]:
    start = time.perf_counter()
    results = [worker(t) for t in tasks]
    return results, time.perf_counter() - start


@contextlib.contextmanager
def connect(scheduler=None, workers: int | None = None) -> Iterator:
    """A ``distributed.Client``: to a local cluster of ``workers`` processes (``scheduler`` None or
    ``"local"``), to the scheduler at an address, or ``scheduler`` itself if it is a client already."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise RacecallError("--scheduler needs dask.distributed: pip install 'racecall[dask]'") from None
    if isinstance(scheduler, Client):
        yield scheduler
        return
    cluster = None
    try:
        if scheduler in (None, "local"):
            cluster = LocalCluster(n_workers=max(1, int(workers or 2)), threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout=30)
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise RacecallError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_chunks(worker: Callable, tasks: Sequence, costs: Sequence[float], *, scheduler=None,
               workers: int | None = None, warm=None) -> DaskRun:
    """``[worker(t) for t in tasks]`` on a Dask cluster, in task order.

    Parameters
    ----------
    worker : callable
        A module-level function (it is pickled by reference).
    tasks : sequence
        Picklable task arguments, one per contest.
    costs : sequence of float
        Each task's relative cost (e.g. snapshots x draws), for chunking.
    scheduler : str or distributed.Client, optional
        ``None``/``"local"``: a local cluster of ``workers`` processes (started and
        closed here); an address; or an open client (kept open).
    workers : int, optional
        Processes of a local cluster (default 2).
    warm : optional
        A task each worker runs once before the clock starts (its result dropped): a cheap
        one that loads what the real tasks need.
    """
    tasks = list(tasks)
    if not tasks:
        return DaskRun((), 0.0, 0.0, 0, 0)
    from distributed import as_completed

    with connect(scheduler, workers) as client:
        threads = sum(client.nthreads().values()) or 1
        runs = guided_chunks(costs, threads)
        warmed = client.run(_warm, worker, warm) if warm is not None else {}
        start = time.perf_counter()
        futures = [client.submit(_run_chunk, worker, [tasks[i] for i in r], pure=False) for r in runs]
        index = {f.key: i for i, f in enumerate(futures)}
        parts: list = [None] * len(futures)
        for future in as_completed(futures):  # each chunk's results fetched while others still run
            parts[index[future.key]] = future.result()
        seconds = time.perf_counter() - start
    results = tuple(x for part, _ in parts for x in part)
    return DaskRun(results, seconds, sum(t for _, t in parts), threads, len(runs),
                   max(warmed.values(), default=0.0))
