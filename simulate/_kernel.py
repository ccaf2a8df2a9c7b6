"""The Monte Carlo kernels (private): draws of the final count, accumulated per block.

Every array is preallocated by :mod:`simulate.engine`; a kernel only reads
its inputs and adds into its block's rows of the outputs, so blocks are
independent and the reduction over blocks (done by the caller, in block order)
gives the same bits for any number of threads.  The models are documented in
:mod:`simulate.model` (one lump) and :mod:`simulate.strata` (units).

Shared outputs (``B`` blocks, ``K`` candidates, ``H`` histogram bins); row
``K`` of the share arrays holds the final margin between the two candidates
of ``margin_pair``, stored as ``(margin + 1) / 2``:

wins, outright, advance, first : int64[B, K]
    elected; cleared the threshold; advanced or won outright; finished first.
pairs : int64[B, K, K]
    runoffs between i and j (i < j) when no one wins outright.
runoffs, recounts : int64[B]
    draws going to a runoff; draws within the recount margin.
share_sum, share_min, share_max : float64[B, K + 1]
    sum, minimum and maximum of final shares (min/max start at +inf/-inf).
hist : int64[B, K + 1, H + 2]
    final-share histogram with under- and overflow bins at 0 and H + 1,
    bin origin ``hist_low`` and bins per unit share ``hist_scale`` (float64[K + 1]).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from ._numba import jit
from ._rng import binomial, gamma, normal, uniform

PLURALITY, RUNOFF_RULE, MEASURE = 0, 1, 2


@jit(inline="always")
def _draw_remaining(s, exact, median, sigma_low, sigma_high):
    if exact:
        return median - 1.0
    z = normal(s)
    r = math.floor(median * math.exp(z * (sigma_low if z < 0.0 else sigma_high)) + 0.5) - 1.0
    return max(r, 0.0)


@jit(inline="always")
def _tail_factor(s, tail_df):
    if tail_df > 0.0:
        return math.sqrt(tail_df / (2.0 * gamma(s, 0.5 * tail_df)))
    return 1.0


@jit(inline="always")
def _draw_shares(s, centre, root, scale, q):
    k = centre.shape[0]
    common = 0.0  # sum_j sqrt(m_j) z_j
    for j in range(k):
        q[j] = root[j] * normal(s)
        common += q[j]
    total = 0.0
    for j in range(k):
        v = max(centre[j] + scale * (q[j] - centre[j] * common), 0.0)
        q[j] = v
        total += v
    for j in range(k):
        q[j] /= total


@jit(inline="always")
def _draw_final(s, counted, q, remaining, final):
    k = counted.shape[0]
    left = remaining
    mass = 1.0
    for j in range(k - 1):
        x = 0.0
        if left > 0.0 and mass > 0.0:
            x = binomial(s, left, min(q[j] / mass, 1.0))
        final[j] = counted[j] + x
        left -= x
        mass -= q[j]
    final[k - 1] = counted[k - 1] + left


@jit(inline="always")
def _rank(s, final, order, depth):
    """Put the indices of the ``depth`` highest final tallies, highest first, in ``order``.

    Exact ties are broken uniformly at random (by lot); a uniform is drawn only
    when a tie occurs, so the common case costs no random numbers.
    """
    k = final.shape[0]
    for j in range(k):
        order[j] = j
    for i in range(depth):
        best = i
        ties = 1.0
        for j in range(i + 1, k):
            a, b = final[order[j]], final[order[best]]
            if a > b:
                best = j
                ties = 1.0
            elif a == b:
                ties += 1.0
                if uniform(s) * ties < 1.0:  # reservoir choice: each tied index equally likely
                    best = j
        order[i], order[best] = order[best], order[i]


@jit(inline="always")
def _score(b, final, order, k, rule, seats, threshold, recount_margin, yes_index, margin_a, margin_b,
           hist_low, hist_scale, wins, outright, advance, first, pairs, runoffs, recounts,
           share_sum, share_min, share_max, hist):
    """Add one draw's outcome (final tallies ranked in ``order``) to block ``b``'s accumulators."""
    nbins = hist.shape[2] - 2
    total = 0.0
    for j in range(k):
        total += final[j]
    inv = 1.0 / total if total > 0.0 else 0.0
    top = order[0]
    first[b, top] += 1
    if rule == PLURALITY:
        for i in range(seats):
            wins[b, order[i]] += 1
        if k > seats and (final[order[seats - 1]] - final[order[seats]]) * inv <= recount_margin:
            recounts[b] += 1
    elif rule == RUNOFF_RULE:
        lead = final[top] * inv
        if lead > threshold or k == 1:
            wins[b, top] += 1
            outright[b, top] += 1
            advance[b, top] += 1
            if lead - threshold <= recount_margin:
                recounts[b] += 1
        else:
            second = order[1]
            runoffs[b] += 1
            advance[b, top] += 1
            advance[b, second] += 1
            pairs[b, min(top, second), max(top, second)] += 1
            close = threshold - lead <= recount_margin
            if k > 2 and (final[second] - final[order[2]]) * inv <= recount_margin:
                close = True
            if close:
                recounts[b] += 1
    else:
        yes = final[yes_index] * inv
        winner = yes_index if yes > threshold else 1 - yes_index
        wins[b, winner] += 1
        outright[b, winner] += 1
        if abs(yes - threshold) <= recount_margin:
            recounts[b] += 1
    for j in range(k + 1):
        if j < k:
            share = final[j] * inv
        else:
            share = 0.5 * ((final[margin_a] - final[margin_b]) * inv + 1.0)
        share_sum[b, j] += share
        share_min[b, j] = min(share_min[b, j], share)
        share_max[b, j] = max(share_max[b, j], share)
        pos = (share - hist_low[j]) * hist_scale[j]
        idx = 0 if pos < 0.0 else (nbins + 1 if pos >= nbins else int(pos) + 1)
        hist[b, j, idx] += 1


@jit(parallel=True)
def simulate_blocks(
    states, block_draws, counted, centre, scale, tail_df,
    remaining_exact, remaining_median, sigma_low, sigma_high,
    rule, seats, threshold, recount_margin, yes_index, margin_a, margin_b,
    hist_low, hist_scale, scratch, order_scratch,
    wins, outright, advance, first, pairs, runoffs, recounts, share_sum, share_min, share_max, hist,
):
    """Simulate blocks of draws of the single-lump model (:mod:`simulate.model`).

    Parameters
    ----------
    states : uint64[B, 4]
        xoshiro256++ state of each block (advanced in place).
    block_draws : int64[B]
        Draws in each block.
    counted, centre : float64[K]
        Counted votes; centre of the remaining vote's shares (sums to 1).
    scale, tail_df : float
        Spread of the remaining shares and Student-t degrees of freedom (0: normal).
    remaining_exact, remaining_median, sigma_low, sigma_high
        The remaining-vote distribution.
    rule, seats, threshold, recount_margin, yes_index
        The race's rule code (0 plurality, 1 majority/top_two, 2 measure) and parameters.
    margin_a, margin_b : int
        The pair whose final margin is recorded in row K.
    The outputs are described in the module docstring.
    """
    k = counted.shape[0]
    depth = min(k, max(seats + 1, 3))
    for b in prange(states.shape[0]):
        s = states[b]
        root = scratch[b, 0]
        q = scratch[b, 1]
        final = scratch[b, 2]
        order = order_scratch[b]
        for j in range(k):
            root[j] = math.sqrt(centre[j])
        for _ in range(block_draws[b]):
            remaining = _draw_remaining(s, remaining_exact, remaining_median, sigma_low, sigma_high)
            _draw_shares(s, centre, root, scale * _tail_factor(s, tail_df), q)
            _draw_final(s, counted, q, remaining, final)
            _rank(s, final, order, depth)
            _score(b, final, order, k, rule, seats, threshold, recount_margin, yes_index, margin_a, margin_b,
                   hist_low, hist_scale, wins, outright, advance, first, pairs, runoffs, recounts,
                   share_sum, share_min, share_max, hist)


@jit(parallel=True)
def simulate_strata_blocks(
    states, block_draws, mean, shared, independent, tail_df,
    rule, seats, threshold, recount_margin, yes_index, margin_a, margin_b,
    hist_low, hist_scale, scratch, order_scratch,
    wins, outright, advance, first, pairs, runoffs, recounts, share_sum, share_min, share_max, hist,
):
    """Simulate blocks of draws of the units model (:mod:`simulate.strata`).

    Parameters
    ----------
    mean : float64[K]
        Expected final tallies.
    shared : float64[M, K, K]
        Loadings of the shared errors: row 0 race-wide (scaled by the Student-t
        factor), rows 1.. one per vote type.
    independent : float64[K, K]
        Root of the covariance of the summed unit-level terms.
    The other arguments and the outputs are those of :func:`simulate_blocks`.
    """
    k = mean.shape[0]
    m = shared.shape[0]
    depth = min(k, max(seats + 1, 3))
    for b in prange(states.shape[0]):
        s = states[b]
        z = scratch[b, 0]
        final = scratch[b, 2]
        order = order_scratch[b]
        for _ in range(block_draws[b]):
            for j in range(k):
                final[j] = mean[j]
            for level in range(m + 1):
                factor = _tail_factor(s, tail_df) if level == 0 else 1.0
                for i in range(k):
                    z[i] = normal(s) * factor
                for j in range(k):
                    acc = 0.0
                    for i in range(k):
                        acc += (shared[level, j, i] if level < m else independent[j, i]) * z[i]
                    final[j] += acc
            for j in range(k):
                final[j] = max(final[j], 0.0)
            _rank(s, final, order, depth)
            _score(b, final, order, k, rule, seats, threshold, recount_margin, yes_index, margin_a, margin_b,
                   hist_low, hist_scale, wins, outright, advance, first, pairs, runoffs, recounts,
                   share_sum, share_min, share_max, hist)
