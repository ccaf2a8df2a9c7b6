"""The Monte Carlo kernels (private): draws of the final count, accumulated per block.

Every array is preallocated by :mod:`simulate.engine.driver`; a kernel only reads
its inputs and adds into its outputs, so blocks are independent and the
results are the same bits for any number of threads and any grouping of
blocks into calls.  The models are documented in
:mod:`simulate.model.lump` (one lump) and :mod:`simulate.model.units` (units).

One compiled function, :func:`simulate_blocks`, simulates blocks of either
model in turn; the engine spreads blocks over threads (the function releases
the GIL).  A single entry point is compiled once: thin wrappers around it
(a ``prange`` loop, a serial loop) each had the whole of it inlined and
optimised again, tripling the first compile.  The per-draw code is written out
in its loop rather than in helpers that take arrays: an inlined helper's array
arguments are reference-counted on every call, and those atomic counts cost
more than the draw itself.  The variates (:mod:`simulate.engine._rng`) take and return
the generator state as a tuple, which stays in registers for the whole block.

Outputs (``B`` blocks, ``S`` slots, ``K`` candidates, ``H`` histogram bins); row
``K`` of the share arrays holds the final margin between the two candidates
of ``margin_pair``, stored as ``(margin + 1) / 2``.  Counts go to the call's
``slot``; share sums, whose floating-point total depends on the order of
addition, go to each block's own row and are reduced in block order:

wins, outright, advance, first : int64[S, K]
    elected; cleared the threshold; advanced or won outright; finished first.
pairs : int64[S, K, K]
    runoffs between i and j (i < j) when no one wins outright.
runoffs, recounts : int64[S]
    draws going to a runoff; draws within the recount margin.
share_sum : float64[B, K + 1]
    sum of final shares.
share_min, share_max : float64[S, K + 1]
    minimum and maximum of the final shares that fall outside the histogram's
    range (start at +inf/-inf; in range, the bins bound them).
hist : int64[S, K + 1, H + 2]
    final-share histogram with under- and overflow bins at 0 and H + 1,
    bin origin ``hist_low`` and bins per unit share ``hist_scale`` (float64[K + 1]).
"""

from __future__ import annotations

import math

import numpy as np

from ._numba import jit
from ._rng import binomial, exp, gamma, load, normal, store, uniform

PLURALITY, RUNOFF_RULE, MEASURE = 0, 1, 2


@jit(inline="always")
def tail_factor(st, tail_df):
    if tail_df > 0.0:
        g, st = gamma(st, 0.5 * tail_df)
        return math.sqrt(tail_df / (2.0 * g)), st
    return 1.0, st


#: Above this many votes in all, num * total could overflow int64 (den <= 10^6): float comparison.
_EXACT_TOTAL = 9.0e12


@jit(inline="always")
def _above(votes, total, threshold, num, den):
    """``votes / total > num / den`` exactly (tallies are whole numbers held in float64,
    exact below 2^53; products in int64), or in floating point beyond 9 * 10^12 votes."""
    if total <= 0.0:
        return False
    if total < _EXACT_TOTAL:
        return np.int64(votes) * np.int64(den) > np.int64(num) * np.int64(total)
    return votes > threshold * total


@jit
def _rank_by_lot(st, final, order, depth):
    """Selection of the ``depth`` highest tallies into ``order`` with exact ties broken
    uniformly at random (reservoir choice: each tied index equally likely); a
    uniform is drawn only at a tie."""
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
                u, st = uniform(st)
                if u * ties < 1.0:
                    best = j
        order[i], order[best] = order[best], order[i]
    return st


@jit
def simulate_blocks(
    states, block_draws, counted, centre, sigma, tail_df,
    remaining_exact, remaining_median, sigma_low, sigma_high,
    rule, seats, threshold, threshold_num, threshold_den, recount_margin, yes_index, margin_a, margin_b,
    hist_low, hist_scale, scratch, order_scratch, slot,
    wins, outright, advance, first, pairs, runoffs, recounts, share_sum, share_min, share_max, hist,
):
    """Simulate blocks of draws, one after the other, adding their outcomes into the outputs.

    Draws are made two at a time (the second skipped at the end of an odd block):
    their binomial chains are interleaved, and the shares of the pair after next
    are drawn before them, so that the processor always has independent work
    while a serial chain waits on its arithmetic.

    Parameters
    ----------
    states : uint64[B, 4]
        xoshiro256++ state of each block (advanced in place).
    block_draws : int64[B]
        Draws in each block.
    counted, centre : float64[K]
        Counted votes and the centre of the remaining vote's shares (sums to 1).
    sigma : float64[K]
        The log-scale spread of each candidate's share of the remaining vote.
    tail_df : float
        Student-t degrees of freedom of the share errors (0: normal).
    remaining_exact, remaining_median, sigma_low, sigma_high
        The remaining-vote distribution (lump).
    rule, seats, threshold, threshold_num, threshold_den, recount_margin, yes_index
        The race's rule code (0 plurality, 1 majority/top_two, 2 measure) and parameters;
        the threshold also as the exact fraction ``threshold_num / threshold_den``.
    margin_a, margin_b : int
        The pair whose final margin is recorded in row K.
    hist_low, hist_scale : float64[K + 1]
        Histogram origin and bins per unit share of each row.
    scratch : float64[B, 7, max(K, 4)]; order_scratch : uint64[B, K]
        Work space of each block.
    slot : int
        The row of the counting outputs (all but ``share_sum``) that this call adds to:
        counts are exact whatever the grouping, so each worker thread can have its own.
    The outputs are described in the module docstring.
    """
    k = counted.shape[0]
    depth = min(k, max(seats + 1, 3))
    head = min(depth + 1, k)  # positions kept in order
    nbins = hist.shape[2] - 2
    for b in range(states.shape[0]):
        st = load(states[b])
        # rows of w: 0, the remaining votes of the pairs in flight (columns 0-3); 1-2 and 3-4, two
        # pairs' conditional probabilities; 5-6, the current pair's tallies
        w = scratch[b]
        order = order_scratch[b]
        for j in range(k):
            order[j] = j
        n = block_draws[b]
        # Lump model, pipelined: each iteration draws the shares of the pair after next...
        # i.e. of draws g = d + 2, g + 1, then runs the binomial chains of draws d, d + 1,
        # so the processor always has independent work while a chain waits on its arithmetic.
        for d in range(-2, n, 2):
            g = d + 2
            if g < n:
                base = 1 + 2 * ((g // 2) % 2)
                for f in range(2 if g + 1 < n else 1):
                    factor, st = tail_factor(st, tail_df)
                    # remaining votes: the two-piece log-normal
                    r = remaining_median - 1.0
                    if not remaining_exact:
                        z, st = normal(st)
                        r = max(np.floor(remaining_median * exp(z * (sigma_low if z < 0.0 else sigma_high)) + 0.5) - 1.0, 0.0)
                    w[0, base - 1 + f] = r
                    # logistic-normal shares q_j proportional to m_j exp(tau sigma_j z_j) (simulate.model.lump),
                    # turned at once into the chain's conditional probabilities p_j = q_j / sum_{i >= j} q_i,
                    # which do not depend on the tallies drawn before j (nor on normalising q)
                    tail = 0.0
                    for j in range(k - 1, -1, -1):
                        z, st = normal(st)
                        v = centre[j] * exp(factor * sigma[j] * z)
                        tail += v
                        w[base + f, j] = v / tail if tail > 0.0 else 0.0
            if d < 0:
                continue
            pair = 2 if d + 1 < n else 1
            # the remaining tallies as conditional binomials, the two draws' chains interleaved;
            # the last candidate takes the rest
            base = 1 + 2 * ((d // 2) % 2)
            left0, left1 = w[0, base - 1], w[0, base]
            for j in range(k - 1):
                x = 0.0
                if left0 > 0.0:
                    x, st = binomial(st, left0, w[base, j])
                w[5, j] = counted[j] + x
                left0 -= x
                if pair == 2:
                    x = 0.0
                    if left1 > 0.0:
                        x, st = binomial(st, left1, w[base + 1, j])
                    w[6, j] = counted[j] + x
                    left1 -= x
            w[5, k - 1] = counted[k - 1] + left0
            w[6, k - 1] = counted[k - 1] + left1

            for f in range(pair):
                fr = 5 + f
                # rank: only the top depth + 1 positions need to be in order (the last of them the
                # highest of the rest).  Insertion sort of them from the previous draw's order, then
                # each other candidate against the lowest of them: about K well-predicted comparisons.
                for i in range(1, head):
                    cur = order[i]
                    v = w[fr, cur]
                    j = i - 1
                    while j >= 0 and w[fr, order[j]] < v:
                        order[j + 1] = order[j]
                        j -= 1
                    order[j + 1] = cur
                for i in range(head, k):
                    cur = order[i]
                    v = w[fr, cur]
                    if v > w[fr, order[head - 1]]:
                        order[i] = order[head - 1]
                        j = head - 2
                        while j >= 0 and w[fr, order[j]] < v:
                            order[j + 1] = order[j]
                            j -= 1
                        order[j + 1] = cur
                # an exact tie among the top depth + 1 is broken by lot
                for i in range(min(depth, k - 1)):
                    if w[fr, order[i]] == w[fr, order[i + 1]]:
                        st = _rank_by_lot(st, w[fr, :k], order, depth)
                        break

                # score the draw
                total = 0.0
                for j in range(k):
                    total += w[fr, j]
                inv = 1.0 / total if total > 0.0 else 0.0
                top = order[0]
                first[slot, top] += 1
                if rule == PLURALITY:
                    for i in range(seats):
                        wins[slot, order[i]] += 1
                    if k > seats and (w[fr, order[seats - 1]] - w[fr, order[seats]]) * inv <= recount_margin:
                        recounts[slot] += 1
                elif rule == RUNOFF_RULE:
                    lead = w[fr, top] * inv
                    if k == 1 or _above(w[fr, top], total, threshold, threshold_num, threshold_den):
                        wins[slot, top] += 1
                        outright[slot, top] += 1
                        advance[slot, top] += 1
                        if lead - threshold <= recount_margin:
                            recounts[slot] += 1
                    else:
                        second = order[1]
                        runoffs[slot] += 1
                        advance[slot, top] += 1
                        advance[slot, second] += 1
                        pairs[slot, min(top, second), max(top, second)] += 1
                        close = threshold - lead <= recount_margin
                        if k > 2 and (w[fr, second] - w[fr, order[2]]) * inv <= recount_margin:
                            close = True
                        if close:
                            recounts[slot] += 1
                else:
                    yes = w[fr, yes_index] * inv
                    winner = yes_index if _above(w[fr, yes_index], total, threshold, threshold_num, threshold_den) else 1 - yes_index
                    wins[slot, winner] += 1
                    outright[slot, winner] += 1
                    if abs(yes - threshold) <= recount_margin:
                        recounts[slot] += 1
                for j in range(k + 1):
                    if j < k:
                        share = w[fr, j] * inv
                    else:
                        share = 0.5 * ((w[fr, margin_a] - w[fr, margin_b]) * inv + 1.0)
                    share_sum[b, j] += share
                    pos = (share - hist_low[j]) * hist_scale[j]
                    if pos >= 0.0 and pos < nbins:
                        hist[slot, j, np.uint64(pos) + np.uint64(1)] += 1
                    else:
                        share_min[slot, j] = min(share_min[slot, j], share)
                        share_max[slot, j] = max(share_max[slot, j], share)
                        hist[slot, j, 0 if pos < 0.0 else nbins + 1] += 1
        store(states[b], st)


@jit
def score_draw(st, t, order, k, depth, head, nbins, rule, seats, threshold, threshold_num, threshold_den,
               recount_margin, yes_index, margin_a, margin_b, hist_low, hist_scale, slot, b,
               wins, outright, advance, first, pairs, runoffs, recounts, share_sum, share_min, share_max, hist):
    """Rank and score one draw of final tallies ``t`` (the units kernel's; the lump kernel has
    the same code written out in its loop, where a call per draw would cost more than the draw)."""
    # rank: only the top depth + 1 positions need to be in order (the last of them the
    # highest of the rest).  Insertion sort of them from the previous draw's order, then
    # each other candidate against the lowest of them: about K well-predicted comparisons.
    for i in range(1, head):
        cur = order[i]
        v = t[cur]
        j = i - 1
        while j >= 0 and t[order[j]] < v:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = cur
    for i in range(head, k):
        cur = order[i]
        v = t[cur]
        if v > t[order[head - 1]]:
            order[i] = order[head - 1]
            j = head - 2
            while j >= 0 and t[order[j]] < v:
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = cur
    # an exact tie among the top depth + 1 is broken by lot
    for i in range(min(depth, k - 1)):
        if t[order[i]] == t[order[i + 1]]:
            st = _rank_by_lot(st, t[:k], order, depth)
            break

    # score the draw
    total = 0.0
    for j in range(k):
        total += t[j]
    inv = 1.0 / total if total > 0.0 else 0.0
    top = order[0]
    first[slot, top] += 1
    if rule == PLURALITY:
        for i in range(seats):
            wins[slot, order[i]] += 1
        if k > seats and (t[order[seats - 1]] - t[order[seats]]) * inv <= recount_margin:
            recounts[slot] += 1
    elif rule == RUNOFF_RULE:
        lead = t[top] * inv
        if k == 1 or _above(t[top], total, threshold, threshold_num, threshold_den):
            wins[slot, top] += 1
            outright[slot, top] += 1
            advance[slot, top] += 1
            if lead - threshold <= recount_margin:
                recounts[slot] += 1
        else:
            second = order[1]
            runoffs[slot] += 1
            advance[slot, top] += 1
            advance[slot, second] += 1
            pairs[slot, min(top, second), max(top, second)] += 1
            close = threshold - lead <= recount_margin
            if k > 2 and (t[second] - t[order[2]]) * inv <= recount_margin:
                close = True
            if close:
                recounts[slot] += 1
    else:
        yes = t[yes_index] * inv
        winner = yes_index if _above(t[yes_index], total, threshold, threshold_num, threshold_den) else 1 - yes_index
        wins[slot, winner] += 1
        outright[slot, winner] += 1
        if abs(yes - threshold) <= recount_margin:
            recounts[slot] += 1
    for j in range(k + 1):
        if j < k:
            share = t[j] * inv
        else:
            share = 0.5 * ((t[margin_a] - t[margin_b]) * inv + 1.0)
        share_sum[b, j] += share
        pos = (share - hist_low[j]) * hist_scale[j]
        if pos >= 0.0 and pos < nbins:
            hist[slot, j, np.uint64(pos) + np.uint64(1)] += 1
        else:
            share_min[slot, j] = min(share_min[slot, j], share)
            share_max[slot, j] = max(share_max[slot, j], share)
            hist[slot, j, 0 if pos < 0.0 else nbins + 1] += 1
    return st
