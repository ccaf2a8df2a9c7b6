"""Ranking and scoring of one draw, shared by the kernels (private).

:func:`score_draw` ranks and scores one draw of final tallies (the units kernel's; the lump
kernel, :mod:`simulate.engine._kernel`, scores a mini-batch at a time with the same rules);
:func:`_rank_by_lot` breaks exact ties uniformly at random; :func:`_above` decides "more than the
threshold" exactly; :func:`tail_factor` is the Student-t factor of a draw.  The outputs are those
of :mod:`simulate.engine._kernel`.
"""

from __future__ import annotations

import math

import numpy as np

from ._numba import jit
from ._rng import gamma, uniform

PLURALITY, RUNOFF_RULE, MEASURE = 0, 1, 2


@jit(inline="always")
def tail_factor(st, tail_df):
    if tail_df > 0.0:
        g, st = gamma(st, 0.5 * tail_df)
        return math.sqrt(tail_df / (2.0 * g)), st
    return 1.0, st


#: Above this many votes in all, num * total could overflow int64 (den <= 10^6): float comparison.
_EXACT_TOTAL = 9.0e12
#: Whole numbers below 2^53 and their products below it are exact in float64.
_EXACT_PRODUCT = 2.0**53


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



@jit(inline="always")
def rank_top(order, t, k, head):
    """Put the ``head`` largest of ``t`` first in ``order`` (descending), the rest after.

    Only the top depth + 1 positions need to be in order (the last of them the highest of the
    rest): insertion sort of them from the previous draw's order, then each other candidate
    against the lowest of them -- about K well-predicted comparisons."""
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


@jit
def score_draw(st, t, order, k, depth, head, nbins, rule, seats, threshold, threshold_num, threshold_den,
               recount_margin, yes_index, margin_a, margin_b, hist_low, hist_scale, slot, b,
               wins, outright, advance, first, pairs, runoffs, recounts, share_sum, share_min, share_max, hist):
    """Rank and score one draw of final tallies ``t`` (the units kernel's; the lump kernel has
    the same code written out in its loop, where a call per draw would cost more than the draw)."""
    rank_top(order, t, k, head)
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
