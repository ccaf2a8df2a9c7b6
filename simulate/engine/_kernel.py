"""The Monte Carlo kernels (private): draws of the final count, accumulated per block.

Every array is preallocated by :mod:`simulate.engine.driver`; a kernel only reads
its inputs and adds into its outputs, so blocks are independent and the
results are the same bits for any number of threads and any grouping of
blocks into calls.  The models are documented in
:mod:`simulate.model.lump` (one lump) and :mod:`simulate.model.units` (units).

One compiled function, :func:`simulate_blocks`, simulates blocks of the lump model in
turn; the engine spreads blocks over threads (the function releases the GIL).  A single
entry point is compiled once: thin wrappers around it (a ``prange`` loop, a serial loop)
each had the whole of it inlined and optimised again, tripling the first compile.  Draws
are made in mini-batches held in structure-of-arrays form, so that everything but the
random variates (one serial loop along the generator's state) is a loop over the batch
that the compiler vectorises; the work is written out in the function rather than in
helpers that take arrays (an inlined helper's array arguments are reference-counted on
every call), except for per-batch helpers (:func:`simulate.engine._rng.exp_rows`).  The
variates (:mod:`simulate.engine._rng`) take and return the generator state as a tuple,
which stays in registers for the whole block.  Ranking and scoring of single draws, shared
with the units kernel, are in :mod:`simulate.engine._score`.

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
from ._rng import _NORMAL_MIN_VARIANCE, _SIXTH, _binomial_exact, exp_rows, gamma_dc, load, normal, store
from ._score import _EXACT_PRODUCT, MEASURE, PLURALITY, RUNOFF_RULE, _above, _rank_by_lot, rank_top, score_draw, tail_factor  # noqa: F401
# (score_draw and tail_factor are the units kernel's, imported from here)

#: Draws per mini-batch, by number of candidates: the batch's work arrays (about 4 K x batch
#: doubles) stay in the first-level cache.
_BATCH_SMALL_K, _BATCH_MID_K, _BATCH_LARGE_K = 256, 128, 64
#: Rank by repeated maximum (branch-free, across the batch) while head * K is at most this
#: (simple-12: 48, seats-7: 180; measured faster than insertion for both); above it, per draw by
#: insertion from the previous draw's order (about K comparisons).
_REPEATED_MAX_WORK = 200


@jit
def simulate_blocks(
    states, block_draws, counted, centre, sigma, tail_df,
    remaining_exact, remaining_median, sigma_low, sigma_high,
    rule, seats, threshold, threshold_num, threshold_den, recount_margin, yes_index, margin_a, margin_b,
    hist_low, hist_scale, slot,
    wins, outright, advance, first, pairs, runoffs, recounts, share_sum, share_min, share_max, hist,
):
    """Simulate blocks of draws, one after the other, adding their outcomes into the outputs.

    Each block is simulated in mini-batches of draws held in structure-of-arrays form
    (row ``j`` of a work array holds candidate ``j`` across the batch's draws):

    1. the batch's variates, in draw order: per draw its gamma (``tail_df`` > 0), the
       remaining vote's normal, K share normals and K - 1 normals for the binomials -- the
       only serial loop, along the generator's state;
    2. the remaining votes, the shares and the chain's conditional probabilities, each a
       loop over the batch that the compiler can vectorise;
    3. the conditional binomials candidate by candidate, every draw of the batch at once
       (independent chains side by side); binomials below the corrected normal's variance
       are drawn exactly afterwards, in draw order, from the same stream;
    4. ranking: the top ``depth + 1`` by a sorting network (K <= 3), by repeated maximum
       with selects across the batch, each pass knocking its maximum out (head x K <= 200), or
       by insertion per draw (larger); an exact tie among them is broken by lot
       (:func:`_rank_by_lot`, uniforms drawn then only);
    5. scoring without data-dependent branches, into counters local to this call (so that
       threads never write to neighbouring memory), added into ``slot`` at the end.

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
    slot : int
        The row of the counting outputs (all but ``share_sum``) that this call adds to:
        counts are exact whatever the grouping, so each worker thread can have its own.
    The outputs are described in the module docstring.
    """
    k = counted.shape[0]
    depth = min(k, max(seats + 1, 3))
    head = min(depth + 1, k)  # positions kept in order
    ties = min(depth, k - 1)  # adjacent pairs among them checked for an exact tie
    nbins = hist.shape[2] - 2
    m = _BATCH_SMALL_K if k <= 4 else (_BATCH_MID_K if k <= 10 else _BATCH_LARGE_K)
    by_max = head * k <= _REPEATED_MAX_WORK
    student = tail_df > 0.0
    gd = 0.5 * tail_df - 1.0 / 3.0
    gc = 1.0 / math.sqrt(9.0 * gd) if student else 0.0
    # work arrays of the batch, once per call: candidate-major, draws along the rows
    zs = np.empty((k, m))  # share normals, then the conditional probabilities p_j
    zb = np.empty((max(k - 1, 1), m))  # the binomials' normals
    t = np.empty((k, m))  # final tallies
    zr = np.empty(m)
    ex = np.empty(m)
    scl = np.empty(m)
    fac = np.empty(m)
    left = np.empty(m)
    inv = np.empty(m)
    tots = np.empty(m)
    rank = np.zeros((head, m), np.uint64)
    rankv = np.empty((head, m))
    bestv = np.empty(m)
    bestk = np.empty(m, np.int64)
    key = np.empty((k, m))
    order = np.arange(k).astype(np.uint64)  # the previous draw's order (insertion ranking)
    need = np.zeros(m, np.int64)  # 0/1: this draw's binomial is drawn exactly
    flag = np.zeros(m, np.int64)  # 0/1 (a bool array keeps the compiler from vectorising)
    sh = np.empty(m)
    bins = np.empty(m, np.int32)
    fbins = float(nbins)
    den_num = float(max(threshold_num, threshold_den))
    l_hist = np.zeros((k + 1, nbins + 2), np.int64)
    o = np.zeros(k, np.uint64)  # this draw's order
    col = np.empty(k)
    # this call's counters (thread-private: no false sharing between worker threads)
    l_wins = np.zeros(k, np.int64)
    l_out = np.zeros(k, np.int64)
    l_adv = np.zeros(k, np.int64)
    l_first = np.zeros(k, np.int64)
    l_pairs = np.zeros((k, k), np.int64)
    l_min = np.full(k + 1, np.inf)
    l_max = np.full(k + 1, -np.inf)
    l_sum = np.zeros(k + 1)
    n_runoffs = 0
    n_recounts = 0
    for b in range(states.shape[0]):
        st = load(states[b])
        n = block_draws[b]
        l_sum[:] = 0.0
        for j in range(k):
            order[j] = j
        for start in range(0, n, m):
            cnt = min(m, n - start)
            # 1. the batch's variates, draw by draw
            for i in range(cnt):
                if student:
                    g, st = gamma_dc(st, gd, gc)
                    fac[i] = g
                if not remaining_exact:
                    z, st = normal(st)
                    zr[i] = z
                for j in range(k):
                    z, st = normal(st)
                    zs[j, i] = z
                for j in range(k - 1):
                    z, st = normal(st)
                    zb[j, i] = z
            # 2. remaining votes (the two-piece log-normal) and the Student-t factor
            if remaining_exact:
                for i in range(cnt):
                    left[i] = remaining_median - 1.0
            else:
                for i in range(cnt):
                    z = zr[i]
                    ex[i] = z * (sigma_low if z < 0.0 else sigma_high)
                exp_rows(ex, scl, cnt)
                for i in range(cnt):
                    left[i] = max(np.floor(remaining_median * ex[i] + 0.5) - 1.0, 0.0)
            if student:
                for i in range(cnt):
                    fac[i] = math.sqrt(tail_df / (2.0 * fac[i]))
            else:
                for i in range(cnt):
                    fac[i] = 1.0
            # logistic-normal shares q_j proportional to m_j exp(tau sigma_j z_j) (simulate.model.lump),
            # turned at once into the chain's conditional probabilities p_j = q_j / sum_{i >= j} q_i
            # (no normalisation needed); inv holds the suffix sums meanwhile
            for i in range(cnt):
                inv[i] = 0.0
            for j in range(k - 1, -1, -1):
                cj, sj = centre[j], sigma[j]
                for i in range(cnt):
                    ex[i] = fac[i] * sj * zs[j, i]
                exp_rows(ex, scl, cnt)
                for i in range(cnt):
                    v = cj * ex[i]
                    tl = inv[i] + v
                    inv[i] = tl
                    zs[j, i] = v / tl if tl > 0.0 else 0.0
            # 3. the remaining tallies as conditional binomials, the batch's chains side by side:
            # the rounded Cornish-Fisher normal where the variance allows, exact afterwards elsewhere
            for j in range(k - 1):
                cj = counted[j]
                exact = 0
                for i in range(cnt):
                    nn = left[i]
                    pj = zs[j, i]
                    var = nn * pj * (1.0 - pj)
                    z = zb[j, i]
                    x = np.floor(nn * pj + math.sqrt(var) * z + (1.0 - 2.0 * pj) * (z * z - 1.0) * _SIXTH + 0.5)
                    big = var >= _NORMAL_MIN_VARIANCE
                    x = min(max(x, 0.0), nn) if big else 0.0
                    todo = (not big) & (nn > 0.0) & (pj > 0.0)
                    need[i] = todo  # decided on this binomial's n, before left is updated
                    exact += todo
                    t[j, i] = cj + x
                    left[i] = nn - x
                if exact:
                    for i in range(cnt):
                        if need[i]:
                            nn = left[i]  # unchanged: x was 0
                            pj = zs[j, i]
                            x = nn
                            if pj < 1.0:
                                x, st = _binomial_exact(st, nn, pj)
                            t[j, i] = cj + x
                            left[i] = nn - x
            for i in range(cnt):
                t[k - 1, i] = counted[k - 1] + left[i]
            # totals (summed in candidate order) and their inverses
            for i in range(cnt):
                tots[i] = 0.0
            for j in range(k):
                for i in range(cnt):
                    tots[i] += t[j, i]
            for i in range(cnt):
                tot = tots[i]
                inv[i] = 1.0 / tot if tot > 0.0 else 0.0
            # 4. rank: the top head positions, with their tallies (rankv, by position: a tie broken
            # by lot permutes tied indices only, so these stay valid)
            if k == 2 or k == 3:  # a sorting network of compare-exchanges, with selects (a tie: by lot below)
                for i in range(cnt):
                    v0, v1 = t[0, i], t[1, i]
                    j0, j1 = np.uint64(0), np.uint64(1)
                    swap = v1 > v0
                    v0, v1 = (v1 if swap else v0), (v0 if swap else v1)
                    j0, j1 = (j1 if swap else j0), (j0 if swap else j1)
                    if k == 3:
                        v2, j2 = t[2, i], np.uint64(2)
                        swap = v2 > v1
                        v1, v2 = (v2 if swap else v1), (v1 if swap else v2)
                        j1, j2 = (j2 if swap else j1), (j1 if swap else j2)
                        swap = v1 > v0
                        v0, v1 = (v1 if swap else v0), (v0 if swap else v1)
                        j0, j1 = (j1 if swap else j0), (j0 if swap else j1)
                        rank[2, i] = j2
                        rankv[2, i] = v2
                    rank[0, i] = j0
                    rank[1, i] = j1
                    rankv[0, i] = v0
                    rankv[1, i] = v1
            elif by_max:  # repeated maximum across the batch, with selects; each pass knocks its maximum out
                for j in range(k):
                    for i in range(cnt):
                        key[j, i] = t[j, i]
                for d in range(head):
                    for i in range(cnt):
                        bestv[i] = key[0, i]
                        bestk[i] = 0
                    for j in range(1, k):
                        for i in range(cnt):
                            v = key[j, i]
                            better = v > bestv[i]
                            bestv[i] = v if better else bestv[i]
                            bestk[i] = j if better else bestk[i]
                    for i in range(cnt):
                        rank[d, i] = bestk[i]
                        rankv[d, i] = bestv[i]
                    if d + 1 < head:
                        for i in range(cnt):
                            key[bestk[i], i] = -1.0
            else:
                # per draw, the single-draw ranking (simulate.engine._score.rank_top) on the draw's column
                for i in range(cnt):
                    for j in range(k):
                        col[j] = t[j, i]
                    rank_top(order, col, k, head)
                    for d in range(head):
                        rank[d, i] = order[d]
                        rankv[d, i] = col[order[d]]
            # an exact tie among the top depth + 1 is broken by lot (uniforms drawn only then)
            tied = 0
            for d in range(ties):
                for i in range(cnt):
                    tied += rankv[d, i] == rankv[d + 1, i]
            if tied:
                for i in range(cnt):
                    eq = False
                    for d in range(ties):
                        eq |= rankv[d, i] == rankv[d + 1, i]
                    if eq:
                        for j in range(k):
                            col[j] = t[j, i]
                        st = _rank_by_lot(st, col, o, depth)
                        for d in range(depth):
                            rank[d, i] = o[d]
            # 5. score: outcome flags across the batch, then the counts by candidate
            if rule == PLURALITY:
                if k > seats:
                    close = 0
                    for i in range(cnt):
                        close += (rankv[seats - 1, i] - rankv[seats, i]) * inv[i] <= recount_margin
                    n_recounts += close
                for i in range(cnt):
                    l_first[rank[0, i]] += 1
                    for a in range(seats):
                        l_wins[rank[a, i]] += 1
            else:
                # "more than the threshold", exactly: votes * den > num * total, in floating point
                # where both products are exact (below 2^53), else by _above
                runoff = rule == RUNOFF_RULE
                row = 0 if runoff else yes_index
                inexact = 0
                for i in range(cnt):
                    votes = rankv[0, i] if runoff else t[row, i]
                    tot = tots[i]
                    flag[i] = (tot > 0.0) & (votes * threshold_den > threshold_num * tot)
                    inexact += tot * den_num >= _EXACT_PRODUCT
                if inexact:
                    for i in range(cnt):
                        if tots[i] * den_num >= _EXACT_PRODUCT:
                            votes = rankv[0, i] if runoff else t[row, i]
                            flag[i] = _above(votes, tots[i], threshold, threshold_num, threshold_den)
                close = 0
                if runoff:
                    for i in range(cnt):
                        won = flag[i] | (k == 1)
                        flag[i] = won
                        lead = rankv[0, i] * inv[i]
                        near = threshold - lead <= recount_margin
                        if k > 2:
                            near |= (rankv[1, i] - rankv[2, i]) * inv[i] <= recount_margin
                        close += (lead - threshold <= recount_margin) if won else near
                else:
                    for i in range(cnt):
                        close += abs(t[row, i] * inv[i] - threshold) <= recount_margin
                n_recounts += close
                if runoff:
                    for i in range(cnt):
                        top = rank[0, i]
                        one = np.int64(flag[i])
                        l_first[top] += 1
                        l_wins[top] += one
                        l_out[top] += one
                        l_adv[top] += 1
                        if k > 1:
                            second = rank[1, i]
                            l_adv[second] += 1 - one
                            l_pairs[min(top, second), max(top, second)] += 1 - one
                            n_runoffs += 1 - one
                else:
                    passed = 0
                    for i in range(cnt):
                        l_first[rank[0, i]] += 1
                        passed += flag[i]
                    l_wins[yes_index] += passed
                    l_out[yes_index] += passed
                    l_wins[1 - yes_index] += cnt - passed
                    l_out[1 - yes_index] += cnt - passed
            # final shares: sums (four partial sums, in a fixed order) and histogram bins
            for j in range(k + 1):
                lo, sc = hist_low[j], hist_scale[j]
                if j < k:
                    for i in range(cnt):
                        sh[i] = t[j, i] * inv[i]
                else:
                    for i in range(cnt):
                        sh[i] = 0.5 * ((t[margin_a, i] - t[margin_b, i]) * inv[i] + 1.0)
                outside = 0
                for i in range(cnt):
                    pos = min(max((sh[i] - lo) * sc, -1.0), fbins)
                    bin_ = np.int32(np.floor(pos)) + 1  # 0: underflow; nbins + 1: overflow
                    bins[i] = bin_
                    outside += (bin_ == 0) | (bin_ == nbins + 1)
                a0 = a1 = a2 = a3 = 0.0
                for i in range(0, cnt - 3, 4):
                    a0 += sh[i]
                    a1 += sh[i + 1]
                    a2 += sh[i + 2]
                    a3 += sh[i + 3]
                for i in range(cnt - cnt % 4, cnt):
                    a0 += sh[i]
                l_sum[j] += (a0 + a1) + (a2 + a3)
                row = l_hist[j]
                for i in range(cnt):
                    row[bins[i]] += 1
                if outside:
                    for i in range(cnt):
                        if bins[i] == 0 or bins[i] == nbins + 1:
                            l_min[j] = min(l_min[j], sh[i])
                            l_max[j] = max(l_max[j], sh[i])
        for j in range(k + 1):
            share_sum[b, j] += l_sum[j]
        store(states[b], st)
    for j in range(k):
        wins[slot, j] += l_wins[j]
        outright[slot, j] += l_out[j]
        advance[slot, j] += l_adv[j]
        first[slot, j] += l_first[j]
        for a in range(k):
            pairs[slot, j, a] += l_pairs[j, a]
    for j in range(k + 1):
        share_min[slot, j] = min(share_min[slot, j], l_min[j])
        share_max[slot, j] = max(share_max[slot, j], l_max[j])
    runoffs[slot] += n_runoffs
    recounts[slot] += n_recounts
    for j in range(k + 1):
        for a in range(nbins + 2):
            hist[slot, j, a] += l_hist[j, a]
