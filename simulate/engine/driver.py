"""Drive the compiled kernel: blocks of draws, streamed in rounds, reduced in block order.

Memory does not grow with the number of draws: each round allocates the
accumulators of :data:`ROUND_BLOCKS` blocks, which are added into running
totals.  Blocks, their sizes and their random streams depend only on the seed
and the number of draws, so results are identical for any thread count.

Threads: a round's blocks are cut into chunks that worker threads of a
process-wide pool pass to the compiled kernel (which releases the GIL); at one
thread the calling thread runs them itself, so several runs can share a
process's threads (:func:`simulate.run_many`).  Blocks own their rows of
the outputs and their random streams, so the split changes no number.

The share histograms' range comes from the model (:mod:`simulate.model.share_range`);
with Student-t errors, from a pilot run of :data:`PILOT_DRAWS` draws on its
own stream (:func:`pilot_range`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from . import streams
from ._numba import threads_in_use

_TOTALS = ("wins", "outright", "advance", "first", "pairs", "runoffs", "recounts", "share_sum", "share_min", "share_max", "hist")
BLOCK_DRAWS = 16_384
ROUND_BLOCKS = 64
HIST_BINS = 2048
PILOT_DRAWS = 16_384


@dataclass(frozen=True)
class Tally:
    """Outcome counts over ``draws`` simulated final counts (all arrays in candidate order)."""

    draws: int
    wins: np.ndarray
    outright: np.ndarray
    advance: np.ndarray
    first: np.ndarray
    pairs: np.ndarray
    runoffs: int
    recounts: int
    share_sum: np.ndarray
    share_min: np.ndarray
    share_max: np.ndarray
    hist: np.ndarray  # int64[K + 1, HIST_BINS + 2]; row K: the margin, as (margin + 1) / 2
    hist_low: np.ndarray
    hist_scale: np.ndarray

    def reordered(self, order: np.ndarray) -> "Tally":
        """This tally (in the kernel's order: position i is scenario candidate
        ``order[i]``) in the scenario's candidate order."""
        inv = np.append(np.argsort(order), len(order))  # the margin row stays last
        cand = inv[:-1]
        return replace(
            self, wins=self.wins[cand], outright=self.outright[cand], advance=self.advance[cand],
            first=self.first[cand], pairs=np.triu(_symmetric(self.pairs)[np.ix_(cand, cand)], 1), share_sum=self.share_sum[inv],
            share_min=self.share_min[inv], share_max=self.share_max[inv], hist=self.hist[inv], hist_low=self.hist_low[inv], hist_scale=self.hist_scale[inv],
        )

    def margin_mean(self) -> float:
        """Mean final margin (leader's share minus runner-up's, as counted)."""
        return float(2.0 * self.share_sum[-1] / self.draws - 1.0)

    def margin_quantile(self, q: float) -> float:
        """Quantile ``q`` of the final margin."""
        return 2.0 * self.share_quantile(self.share_sum.shape[0] - 1, q) - 1.0

    def margin_interval(self, level: float) -> tuple[float, float]:
        """The final margin's central ``level`` interval, read outward (:meth:`share_interval`)."""
        low, high = self.share_interval(self.share_sum.shape[0] - 1, level)
        return 2.0 * low - 1.0, 2.0 * high - 1.0

    def share_interval(self, j: int, level: float) -> tuple[float, float]:
        """Candidate ``j``'s central ``level`` interval of final shares, read *outward*: from
        the lower edge of the histogram bin holding the ``(1 - level)/2`` quantile to the
        upper edge of the bin holding the ``(1 + level)/2`` quantile (the smallest or largest
        share drawn when that falls outside the histogram's range), never beyond the bins
        that hold draws.  It holds at least ``level`` of the draws whatever their shape within
        a bin: a share many draws give exactly -- 0 for a candidate with no votes who gets
        none of the rest, the counted share in draws with no ballots left -- is inside it,
        where interpolating within the bin could leave it out.  When every draw falls in one
        bin, the draws' mean at both ends (:meth:`share_quantile`)."""
        one = self._one_share(j)
        if one is not None:
            return one, one
        cum = np.cumsum(self.hist[j])
        nbins = self.hist.shape[1] - 2
        lo_bin = int(np.searchsorted(cum, 0.5 * (1.0 - level) * self.draws, side="left"))
        hi_bin = int(np.searchsorted(cum, 0.5 * (1.0 + level) * self.draws, side="left"))
        low = float(self.share_min[j]) if lo_bin == 0 else max(self._edge(j, lo_bin - 1), self._low_bound(j))
        high = float(self.share_max[j]) if hi_bin >= nbins + 1 else min(self._edge(j, hi_bin), self._high_bound(j))
        return min(max(low, 0.0), 1.0), min(max(high, low, 0.0), 1.0)

    def share_quantile(self, j: int, q: float) -> float:
        """Quantile ``q`` of candidate ``j``'s final share, linear within histogram bins,
        never outside the bins that hold draws (or the smallest and largest share drawn
        outside the histogram's range). When every draw falls in one bin, the draws' mean
        (a share that is the same in every draw, 0 say, reads exactly that, not a point
        of the bin)."""
        one = self._one_share(j)
        if one is not None:
            return one
        return float(min(max(self._binned_quantile(j, q), self._low_bound(j)), self._high_bound(j)))

    def _one_share(self, j: int) -> float | None:
        """The draws' mean when every draw of row ``j`` falls in one inner bin, else ``None``."""
        counts = self.hist[j]
        if counts[0] == 0 and counts[-1] == 0 and np.count_nonzero(counts) == 1:
            return float(self.share_sum[j] / self.draws)
        return None

    def _edge(self, j: int, b: float) -> float:
        """Lower edge of inner bin ``b`` of row ``j`` (fractional ``b``: a point within it)."""
        return float(self.hist_low[j] + b / self.hist_scale[j])

    def _low_bound(self, j: int) -> float:
        inner = np.flatnonzero(self.hist[j, 1:-1])
        return min(float(self.share_min[j]), self._edge(j, inner[0]) if inner.size else np.inf)

    def _high_bound(self, j: int) -> float:
        inner = np.flatnonzero(self.hist[j, 1:-1])
        return max(float(self.share_max[j]), self._edge(j, inner[-1] + 1) if inner.size else -np.inf)

    def _binned_quantile(self, j: int, q: float) -> float:
        counts = self.hist[j]
        target = q * self.draws
        cum = np.cumsum(counts)
        idx = int(np.searchsorted(cum, target, side="left"))
        nbins = counts.shape[0] - 2
        if idx == 0:
            return max(self._edge(j, 0), 0.0)
        if idx >= nbins + 1:
            return min(self._edge(j, nbins), 1.0)
        before = cum[idx - 1]
        frac = (target - before) / counts[idx] if counts[idx] else 0.0
        return min(max(self._edge(j, idx - 1 + frac), 0.0), 1.0)


def _symmetric(pairs: np.ndarray) -> np.ndarray:
    """Runoff pair counts (upper triangle) as a symmetric matrix."""
    return pairs + pairs.T


#: Outputs that are counts (or extremes): exact whatever the grouping of blocks, so they
#: accumulate in one slot per chunk of blocks, across rounds.  ``share_sum`` is per block.
_SLOTTED = ("wins", "outright", "advance", "first", "pairs", "runoffs", "recounts", "share_min", "share_max", "hist")


def _slots(count: int, k: int, nbins: int) -> dict:
    """Zeroed counting accumulators for ``count`` slots."""
    return {
        "wins": np.zeros((count, k), np.int64),
        "outright": np.zeros((count, k), np.int64),
        "advance": np.zeros((count, k), np.int64),
        "first": np.zeros((count, k), np.int64),
        "pairs": np.zeros((count, k, k), np.int64),
        "runoffs": np.zeros(count, np.int64),
        "recounts": np.zeros(count, np.int64),
        "share_min": np.full((count, k + 1), np.inf),
        "share_max": np.full((count, k + 1), -np.inf),
        "hist": np.zeros((count, k + 1, nbins + 2), np.int64),
    }


def _run_blocks(arrays, states, block_draws, hist_low, hist_scale, slots, threads, first_slot=0, chunks=None):
    """Run the kernel on the given blocks, for ``arrays`` of either model (lump or units).

    Counts are added into ``slots`` (one slot per chunk of blocks: ``first_slot``,
    ``first_slot + 1``, ... for at most ``chunks`` chunks).  At one thread the blocks run
    here; otherwise they are handed to the pool.  Returns the blocks' share sums,
    float64[B, K + 1], and the pool's jobs: the sums are complete once every job is done.
    """
    from . import _kernel

    nb, k = states.shape[0], arrays.order.shape[0]
    race = (arrays.rule, arrays.seats, arrays.threshold, arrays.threshold_num, arrays.threshold_den,
            arrays.recount_margin, arrays.yes_index, *arrays.margin_pair)
    share_sum = np.zeros((nb, k + 1))
    counts = [slots[name] for name in _SLOTTED]
    if hasattr(arrays, "unit_sigma"):  # simulate.model.units.StrataArrays (not imported: keeps imports light)
        from . import _units_kernel

        model = (arrays.counted, *arrays.kernel, arrays.race_sigma, arrays.type_sigma, arrays.types,
                 arrays.pool_ballots, arrays.tail_df)

        def run(slot, lo, hi):
            _units_kernel.simulate_unit_blocks(
                states[lo:hi], block_draws[lo:hi], *model, *race, hist_low, hist_scale,
                slot, *counts[:7], share_sum[lo:hi], *counts[7:],
            )
    else:
        model = (arrays.counted, arrays.centre, arrays.spread, arrays.tail_df, arrays.remaining_exact,
                 arrays.remaining_median, arrays.sigma_low, arrays.sigma_high)

        def run(slot, lo, hi):
            _kernel.simulate_blocks(
                states[lo:hi], block_draws[lo:hi], *model, *race, hist_low, hist_scale,
                slot, *counts[:7], share_sum[lo:hi], *counts[7:],
            )

    chunks = min(len(counts[5]) if chunks is None else chunks, nb) if threads > 1 else 1
    if chunks <= 1:
        run(first_slot, 0, nb)
        return share_sum, []
    step = -(-nb // chunks)
    jobs = [_pool(threads).submit(run, first_slot + c, lo, min(lo + step, nb)) for c, lo in enumerate(range(0, nb, step))]
    return share_sum, jobs


#: Chunks of blocks per worker thread in a round (some balance if a core is busy elsewhere).
CHUNKS_PER_THREAD = 4
_POOLS: dict = {}


def _pool(threads: int):
    """A process-wide pool of ``threads`` worker threads (the kernel releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    pool = _POOLS.get(threads)
    if pool is None:
        pool = _POOLS.setdefault(threads, ThreadPoolExecutor(max_workers=threads, thread_name_prefix="racecall"))
    return pool


def histogram_range(arrays, seed: int):
    """Per-row histogram origin and bins per unit share: from the model, else from a pilot run."""
    from ..model.share_range import model_range

    bounds = model_range(arrays, HIST_BINS)
    return bounds if bounds is not None else pilot_range(arrays, seed)


def pilot_range(arrays, seed: int):
    """Per-row histogram origin and scale, from a pilot run on its own stream."""
    k = arrays.order.shape[0] + 1  # candidates and the margin row
    states = streams.block_states(seed, 0, 1, streams.PILOT)
    slots = _slots(1, k - 1, HIST_BINS)
    _run_blocks(arrays, states, np.array([PILOT_DRAWS]), np.zeros(k), np.full(k, float(HIST_BINS)), slots, 1)  # runs here
    hist = slots["hist"][0]
    low = np.empty(k)
    scale = np.empty(k)
    width = 1.0 / HIST_BINS
    for j in range(k):
        used = np.nonzero(hist[j])[0]
        lo = (max(used[0], 1) - 1) * width
        hi = min(used[-1], HIST_BINS) * width
        span = max(hi - lo, width)
        lo, hi = max(lo - span, 0.0), min(hi + span, 1.0)
        low[j] = lo
        scale[j] = HIST_BINS / max(hi - lo, 1e-12)
    return low, scale


def accumulate(
    arrays,
    seed: int,
    draws: int,
    *,
    start: "Tally | None" = None,
    progress: Callable[[int, int], None] | None = None,
    hist_range: tuple[np.ndarray, np.ndarray] | None = None,
) -> Tally:
    """Simulate ``draws`` final counts (continuing ``start`` if given) and return the totals.

    Continuing a tally of ``n`` draws with ``m`` more gives exactly the tally of
    ``n + m`` draws in one go, as long as ``n`` is a whole number of blocks.
    """
    k = arrays.order.shape[0]
    if start is None:
        hist_low, hist_scale = histogram_range(arrays, seed) if hist_range is None else hist_range
        done = 0
        totals = {
            "wins": np.zeros(k, np.int64), "outright": np.zeros(k, np.int64),
            "advance": np.zeros(k, np.int64), "first": np.zeros(k, np.int64),
            "pairs": np.zeros((k, k), np.int64), "runoffs": 0, "recounts": 0,
            "share_sum": np.zeros(k + 1), "share_min": np.full(k + 1, np.inf), "share_max": np.full(k + 1, -np.inf),
            "hist": np.zeros((k + 1, HIST_BINS + 2), np.int64),
        }
    else:
        if start.draws % BLOCK_DRAWS:
            raise ValueError("can only continue a tally that ends on a block boundary")
        hist_low, hist_scale, done = start.hist_low, start.hist_scale, start.draws
        totals = {name: getattr(start, name).copy() if isinstance(getattr(start, name), np.ndarray) else getattr(start, name)
                  for name in _TOTALS}
    target = done + draws
    threads = threads_in_use()
    chunks = CHUNKS_PER_THREAD * threads if threads > 1 else 1
    slots = _slots(2 * chunks, k, HIST_BINS)  # two rounds in flight, each with its own slots
    pending: list = []  # rounds started and not yet reduced, oldest first

    def finish_round():
        share_sum, jobs, end = pending.pop(0)
        for job in jobs:
            job.result()
        totals["share_sum"] = totals["share_sum"] + share_sum.sum(axis=0)  # in block order, round by round
        if progress is not None:
            progress(end, target)

    rounds = 0
    while done < target:
        first_block = done // BLOCK_DRAWS
        n_blocks = min(ROUND_BLOCKS, -(-(target - done) // BLOCK_DRAWS))
        sizes = np.array([min(BLOCK_DRAWS, target - done - i * BLOCK_DRAWS) for i in range(n_blocks)], np.int64)
        states = streams.block_states(seed, first_block, n_blocks)
        # the next round is queued before this one is waited for, so the workers never
        # idle at a round's end; memory stays that of two rounds
        share_sum, jobs = _run_blocks(arrays, states, sizes, hist_low, hist_scale, slots, threads,
                                      first_slot=(rounds % 2) * chunks, chunks=chunks)
        done += int(sizes.sum())
        pending.append((share_sum, jobs, done))
        rounds += 1
        if len(pending) > 1:
            finish_round()
    while pending:
        finish_round()
    for name, value in slots.items():
        if name == "share_min":
            totals[name] = np.minimum(totals[name], value.min(axis=0))
        elif name == "share_max":
            totals[name] = np.maximum(totals[name], value.max(axis=0))
        else:
            totals[name] = totals[name] + value.sum(axis=0)
    return Tally(draws=target, hist_low=hist_low, hist_scale=hist_scale,
                 runoffs=int(totals.pop("runoffs")), recounts=int(totals.pop("recounts")), **totals)
