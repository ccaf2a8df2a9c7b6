r"""A careful plain-Numba version of the race model of :mod:`simulate.model.lump`: the baseline.

What a competent Numba user would write in an afternoon, to measure what racecall's
kernel adds over it: one ``@njit(parallel=True)`` function, ``prange`` over blocks of
:data:`BLOCK` draws, each block with its own ``numpy.random.Generator`` (PCG64, from
``SeedSequence(seed).spawn``) passed in (a typed list), no allocation in the draw loop
(per-block work arrays allocated once), an insertion sort of the candidates by tally,
per-block accumulators.  The model is the one of ``numpy_reference.py`` (and of the
kernel): the two-piece log-normal remaining vote, logistic-normal shares with the
Student-t factor ``sqrt(nu / chi2_nu)``, the conditional binomials as the rounded
Cornish-Fisher normal at variance >= 1,000 and ``Generator.binomial`` below, ties
broken at random.  It shares no code with ``simulate/``; it takes the flat
``ModelArrays`` of ``simulate.model.lump.prepare`` and returns the same raw tally as
``numpy_reference.simulate`` (without the share histogram).

Not racecall's tricks: no hand-inlined variates, no generator state in registers, no
interleaved chains or mini-batches, ``math.exp``; results depend on the block size, not
on the number of threads.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import prange
from numba.typed import List

import numpy_reference

BLOCK = 16_384
NORMAL_MIN_VARIANCE = numpy_reference.NORMAL_MIN_VARIANCE
PLURALITY, RUNOFF_RULE, MEASURE = 0, 1, 2


@numba.njit(parallel=True, cache=True)
def _blocks(rngs, sizes, counted, centre, spread, tail_df, remaining_exact, median, sigma_low, sigma_high,
            rule, seats, threshold, recount_margin, yes_index, out_counts, out_pairs, out_shares):
    """out_counts: int64[B, 4, K] (wins, outright, advance, first); out_pairs: int64[B, K + 2, K]
    (pairs, then runoffs and recounts in column 0 of rows K and K + 1); out_shares: float64[B, K]."""
    k = counted.shape[0]
    depth = min(k, max(seats + 1, 3))
    for b in prange(sizes.shape[0]):
        rng = rngs[b]
        p = np.empty(k)
        t = np.empty(k)
        order = np.empty(k, np.int64)
        keys = np.empty(k)
        counts = out_counts[b]
        pairs = out_pairs[b]
        shares = out_shares[b]
        for _ in range(sizes[b]):
            left = median - 1.0
            if not remaining_exact:
                z = rng.standard_normal()
                left = max(math.floor(median * math.exp(z * (sigma_low if z < 0.0 else sigma_high)) + 0.5) - 1.0, 0.0)
            tau = math.sqrt(tail_df / rng.chisquare(tail_df)) if tail_df > 0.0 else 1.0
            tail = 0.0
            for j in range(k - 1, -1, -1):
                v = centre[j] * math.exp(tau * spread[j] * rng.standard_normal())
                tail += v
                p[j] = v / tail if tail > 0.0 else 0.0
            for j in range(k - 1):
                x = 0.0
                pj = p[j]
                if left > 0.0 and pj > 0.0:
                    var = left * pj * (1.0 - pj)
                    if var >= NORMAL_MIN_VARIANCE:
                        z = rng.standard_normal()
                        x = min(max(math.floor(left * pj + math.sqrt(var) * z + (1.0 - 2.0 * pj) * (z * z - 1.0) / 6.0 + 0.5), 0.0), left)
                    else:
                        x = float(rng.binomial(np.int64(left), min(pj, 1.0)))
                t[j] = counted[j] + x
                left -= x
            t[k - 1] = counted[k - 1] + left
            # insertion sort, highest first
            for i in range(k):
                order[i] = i
            for i in range(1, k):
                cur = order[i]
                v = t[cur]
                j = i - 1
                while j >= 0 and t[order[j]] < v:
                    order[j + 1] = order[j]
                    j -= 1
                order[j + 1] = cur
            tied = False
            for i in range(min(depth, k - 1)):
                if t[order[i]] == t[order[i + 1]]:
                    tied = True
            if tied:  # ties broken at random: sort again by tally + 0.25 u
                for i in range(k):
                    keys[i] = t[i] + 0.25 * rng.random()
                    order[i] = i
                for i in range(1, k):
                    cur = order[i]
                    v = keys[cur]
                    j = i - 1
                    while j >= 0 and keys[order[j]] < v:
                        order[j + 1] = order[j]
                        j -= 1
                    order[j + 1] = cur
            total = 0.0
            for j in range(k):
                total += t[j]
            inv = 1.0 / total if total > 0.0 else 0.0
            top = order[0]
            counts[3, top] += 1
            if rule == PLURALITY:
                for i in range(seats):
                    counts[0, order[i]] += 1
                if k > seats and (t[order[seats - 1]] - t[order[seats]]) * inv <= recount_margin:
                    pairs[k + 1, 0] += 1
            elif rule == RUNOFF_RULE:
                lead = t[top] * inv
                if k == 1 or lead > threshold:
                    counts[0, top] += 1
                    counts[1, top] += 1
                    counts[2, top] += 1
                    if lead - threshold <= recount_margin:
                        pairs[k + 1, 0] += 1
                else:
                    second = order[1]
                    pairs[k, 0] += 1
                    counts[2, top] += 1
                    counts[2, second] += 1
                    pairs[min(top, second), max(top, second)] += 1
                    close = threshold - lead <= recount_margin
                    if k > 2 and (t[second] - t[order[2]]) * inv <= recount_margin:
                        close = True
                    if close:
                        pairs[k + 1, 0] += 1
            else:
                yes = t[yes_index] * inv
                winner = yes_index if yes > threshold else 1 - yes_index
                counts[0, winner] += 1
                counts[1, winner] += 1
                if abs(yes - threshold) <= recount_margin:
                    pairs[k + 1, 0] += 1
            for j in range(k):
                shares[j] += t[j] * inv


def generators(seed: int, blocks: int):
    """One PCG64 generator per block, as a typed list (what ``_blocks`` takes)."""
    out = List()
    for child in np.random.SeedSequence(seed).spawn(blocks):
        out.append(np.random.default_rng(child))
    return out


def simulate(arrays, draws: int, seed: int) -> dict:
    """``draws`` simulated final counts of the race in ``arrays`` (a ``ModelArrays``), on
    ``numba.get_num_threads()`` threads; the raw tally of ``numpy_reference.simulate``
    without ``hist``."""
    if draws < 1:
        raise ValueError("draws must be positive")
    k = arrays.counted.shape[0]
    nb = -(-draws // BLOCK)
    sizes = np.full(nb, BLOCK, np.int64)
    sizes[-1] = draws - BLOCK * (nb - 1)
    counts = np.zeros((nb, 4, k), np.int64)
    pairs = np.zeros((nb, k + 2, k), np.int64)
    shares = np.zeros((nb, k))
    a = arrays
    _blocks(generators(seed, nb), sizes, a.counted, a.centre, a.spread, float(a.tail_df), bool(a.remaining_exact),
            float(a.remaining_median), float(a.sigma_low), float(a.sigma_high), int(a.rule), int(a.seats),
            float(a.threshold), float(a.recount_margin), int(a.yes_index), counts, pairs, shares)
    c = counts.sum(axis=0)
    pr = pairs.sum(axis=0)
    return {"draws": draws, "wins": c[0], "outright": c[1], "advance": c[2], "first": c[3], "pairs": pr[:k],
            "runoffs": int(pr[k, 0]), "recounts": int(pr[k + 1, 0]), "share_sum": shares.sum(axis=0)}


def reference_probabilities(arrays, draws: int, seed: int) -> dict:
    """The probabilities of ``numpy_reference.reference_probabilities`` (no share quantiles)."""
    k = arrays.counted.shape[0]

    def with_hist(a, n, s):
        t = simulate(a, n, s)
        return {**t, "hist": np.ones((k, numpy_reference.HIST_BINS), np.int64)}

    out = numpy_reference.reference_probabilities(arrays, draws, seed, simulate_fn=with_hist)
    del out["share_low"], out["share_high"]
    return out
