r"""The race model of :mod:`simulate.model.lump`, written as the strongest straightforward vectorised NumPy.

This is the honest alternative a competent NumPy user would write without
Numba, and the reference the compiled kernel is measured against (speed, in
``run.py``) and checked against (agreement within Monte Carlo error, via
:func:`reference_probabilities`).  It shares no code with ``simulate/``: the only
thing it takes from the package is the model's parameterisation, the flat
:class:`simulate.model.lump.ModelArrays` returned by ``simulate.model.lump.prepare(scenario,
count)``.  It never imports ``simulate`` itself; any object with the same
attributes works.  (``numpy_naive.py`` is the first, weaker version: row-major
arrays, an exact ``Generator.binomial`` for every element, ``argsort``.)

Arrays are candidate-major, ``(K, n)``, so that every per-candidate operation is
a contiguous row.  Per chunk of :data:`CHUNK` draws, with
``numpy.random.default_rng(seed)`` (PCG64):

1. remaining votes ``R``: exact, or ``max(0, round(median * exp(z * sigma)) - 1)``
   with ``sigma = sigma_low`` for ``z < 0`` and ``sigma_high`` otherwise (the
   two-piece log-normal);
2. ``tau = sqrt(nu / chi2_nu)`` when ``tail_df = nu > 0``, else 1;
3. shares ``q_j`` proportional to ``m_j exp(tau sigma_j z_j)``, ``z ~ N(0, I_K)``, and the
   chain's conditional probabilities ``p_j = q_j / sum_{i >= j} q_i`` from suffix sums;
4. the remaining tallies as conditional binomials ``x_j ~ Bin(R - sum_{i<j} x_i, p_j)``,
   the last candidate taking the rest, drawn as the kernel draws them: the rounded
   Cornish-Fisher normal ``floor(n p + sd z + (1 - 2p)(z^2 - 1)/6 + 1/2)`` clipped to
   ``[0, n]`` where the variance ``n p (1 - p)`` is at least :data:`NORMAL_MIN_VARIANCE`,
   and the exact ``Generator.binomial`` for the other elements only;
5. final tallies ``c + x``; the top ``depth`` by repeated maximum over the rows, ties
   broken at random (``key = final + 0.25 u``; tallies are whole numbers);
6. the kernel's accumulators by ``bincount``: wins, outright, advance, first, runoff
   pairs, runoffs, recounts; share sums and a share histogram.

The final-share 90% interval comes from a fixed histogram of every candidate's
final share on [0, 1] with :data:`HIST_BINS` bins (2**14: bins 0.0061 percentage
points wide), read with linear interpolation inside the bin; the kernel instead
uses 2,048 bins over a range set from the model, so the two intervals agree to
within a bin width and Monte Carlo error, not bit for bit.

:func:`score_chunk` (row-major, ``argsort``) is kept for ``numpy_strata.py`` and
``numpy_naive.py``.
"""

from __future__ import annotations

import math

import numpy as np

#: Draws simulated together (memory: a few arrays of K x CHUNK doubles).
CHUNK = 65_536
#: Bins of the final-share histogram on [0, 1].
HIST_BINS = 16_384
#: Above this many candidates, :func:`score_chunk` ranks with argpartition + argsort of the top ``depth``.
ARGPARTITION_MIN_K = 8
#: Binomials with at least this variance are drawn as the corrected normal (the kernel's switch,
#: ``simulate.model.lump.NORMAL_MIN_VARIANCE``, restated: this file does not import ``simulate``).
NORMAL_MIN_VARIANCE = 1_000.0

PLURALITY, RUNOFF_RULE, MEASURE = 0, 1, 2


def _new_tally(k: int) -> dict:
    return {
        "draws": 0,
        "wins": np.zeros(k, np.int64), "outright": np.zeros(k, np.int64),
        "advance": np.zeros(k, np.int64), "first": np.zeros(k, np.int64),
        "pairs": np.zeros((k, k), np.int64), "runoffs": 0, "recounts": 0,
        "share_sum": np.zeros(k), "hist": np.zeros((k, HIST_BINS), np.int64),
    }


def binomials(rng: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Binomial(n, p) draws (float64[m]) as the kernel draws them: the rounded Cornish-Fisher
    normal ``floor(n p + sd z + (1 - 2p)(z^2 - 1)/6 + 1/2)`` where ``n p (1 - p) >=
    NORMAL_MIN_VARIANCE``, exact elsewhere."""
    z = rng.standard_normal(n.shape[0])
    mean = n * p
    var = mean * (1.0 - p)
    x = np.sqrt(var)
    x *= z
    x += mean
    z *= z
    z -= 1.0
    z *= (1.0 - 2.0 * p) / 6.0
    x += z
    x += 0.5
    np.floor(x, out=x)
    np.clip(x, 0.0, n, out=x)
    small = np.flatnonzero(var < NORMAL_MIN_VARIANCE)
    if small.size:
        x[small] = rng.binomial(n[small].astype(np.int64), p[small])
    return x


def draw_finals(rng: np.random.Generator, a, n: int) -> np.ndarray:
    """``n`` draws of the final tallies, float64[K, n] (steps 1-4)."""
    k = a.counted.shape[0]
    if a.remaining_exact:
        left = np.full(n, max(a.remaining_median - 1.0, 0.0))
    else:
        z = rng.standard_normal(n)
        z *= np.where(z < 0.0, a.sigma_low, a.sigma_high)
        left = np.exp(z, out=z)
        left *= a.remaining_median
        left += 0.5
        np.floor(left, out=left)
        left -= 1.0
        np.maximum(left, 0.0, out=left)
    z = rng.standard_normal((k, n))
    z *= a.spread[:, None]
    if a.tail_df > 0.0:
        z *= np.sqrt(a.tail_df / rng.chisquare(a.tail_df, n))
    v = np.exp(z, out=z)
    v *= a.centre[:, None]
    tail = v[k - 1].copy()
    p = np.empty_like(v)
    for j in range(k - 2, -1, -1):  # p_j = v_j / sum_{i >= j} v_i, from the suffix sums
        tail += v[j]
        np.divide(v[j], tail, out=p[j], where=tail > 0.0)
        p[j][tail <= 0.0] = 0.0
    final = np.empty((k, n))
    for j in range(k - 1):
        x = binomials(rng, left, p[j])
        final[j] = x
        left -= x
    final[k - 1] = left
    final += a.counted[:, None]
    return final


def _chunk(rng: np.random.Generator, a, n: int, tally: dict) -> None:
    """Simulate ``n`` draws and add their outcomes into ``tally``."""
    score_columns(rng, a, draw_finals(rng, a, n), tally)


def top_by_repeated_max(rng: np.random.Generator, final: np.ndarray, depth: int):
    """Indices and tallies of the ``depth`` highest of each column of ``final`` (float64[K, n]),
    ties broken uniformly at random: int64[depth, n] and float64[depth, n]."""
    k, n = final.shape
    key = rng.random((k, n))
    key *= 0.25
    key += final
    order = np.empty((depth, n), np.int64)
    value = np.empty((depth, n))
    best = np.empty(n)
    higher = np.empty(n, bool)
    for d in range(depth):
        idx = order[d]
        best[:] = key[0]
        idx[:] = 0
        for j in range(1, k):
            np.greater(key[j], best, out=higher)
            np.copyto(best, key[j], where=higher)
            np.copyto(idx, j, where=higher)
        np.floor(best, out=value[d])  # the tally: 0 <= 0.25 u < 1 and tallies are whole numbers
        if d + 1 < depth:
            for j in range(k):
                np.copyto(key[j], -np.inf, where=idx == j)
    return order, value


def score_columns(rng: np.random.Generator, a, final: np.ndarray, tally: dict) -> None:
    """Rank ``n`` draws' final tallies (float64[K, n]) and add their outcomes into ``tally``
    (steps 5 and 6)."""
    k, n = final.shape
    depth = min(k, max(a.seats + 1, 3))
    order, value = top_by_repeated_max(rng, final, depth)
    total = final.sum(axis=0)
    inv = np.divide(1.0, total, out=np.zeros(n), where=total > 0.0)
    top = order[0]
    tally["first"] += np.bincount(top, minlength=k)
    margin = a.recount_margin
    if a.rule == PLURALITY:
        seats = a.seats
        tally["wins"] += np.bincount(order[:seats].ravel(), minlength=k)
        if k > seats:
            tally["recounts"] += int(np.count_nonzero((value[seats - 1] - value[seats]) * inv <= margin))
    elif a.rule == RUNOFF_RULE:
        lead = value[0] * inv
        outright = lead > a.threshold if k > 1 else np.ones(n, bool)
        winners = np.bincount(top, weights=outright, minlength=k).astype(np.int64)
        tally["wins"] += winners
        tally["outright"] += winners
        tally["advance"] += np.bincount(top, minlength=k)
        close = outright & (lead - a.threshold <= margin)
        if k > 1:
            runoff = ~outright
            tally["runoffs"] += int(np.count_nonzero(runoff))
            second = order[1]
            tally["advance"] += np.bincount(second, weights=runoff, minlength=k).astype(np.int64)
            pair = np.minimum(top, second) * k + np.maximum(top, second)
            tally["pairs"] += np.bincount(pair, weights=runoff, minlength=k * k).astype(np.int64).reshape(k, k)
            near = a.threshold - lead <= margin
            if k > 2:
                near |= (value[1] - value[2]) * inv <= margin
            close |= runoff & near
        tally["recounts"] += int(np.count_nonzero(close))
    else:
        yes = final[a.yes_index] * inv
        passed = yes > a.threshold
        n_pass = int(np.count_nonzero(passed))
        tally["wins"][a.yes_index] += n_pass
        tally["wins"][1 - a.yes_index] += n - n_pass
        tally["outright"][a.yes_index] += n_pass
        tally["outright"][1 - a.yes_index] += n - n_pass
        tally["recounts"] += int(np.count_nonzero(np.abs(yes - a.threshold) <= margin))
    shares = final
    shares *= inv
    tally["share_sum"] += shares.sum(axis=1)
    bins = (shares * HIST_BINS).astype(np.int64)
    np.clip(bins, 0, HIST_BINS - 1, out=bins)
    bins += (np.arange(k) * HIST_BINS)[:, None]
    tally["hist"] += np.bincount(bins.ravel(), minlength=k * HIST_BINS).reshape(k, HIST_BINS)
    tally["draws"] += n


def score_chunk(rng: np.random.Generator, a, final: np.ndarray, tally: dict) -> None:
    """Rank ``n`` draws' final tallies (float64[n, K]) and add their outcomes into ``tally``
    (steps 5 and 6; shared with ``numpy_strata.py``).  ``final`` is overwritten."""
    n, k = final.shape

    # 5. Rank, ties broken at random.
    depth = min(k, max(a.seats + 1, 3))
    key = rng.random((n, k))
    key *= 0.25
    key += final
    np.negative(key, out=key)
    if k < ARGPARTITION_MIN_K or depth >= k:
        order = np.argsort(key, axis=1)[:, :depth]
    else:
        top = np.argpartition(key, depth - 1, axis=1)[:, :depth]
        order = np.take_along_axis(top, np.argsort(np.take_along_axis(key, top, axis=1), axis=1), axis=1)

    # 6. Accumulate.
    total = final.sum(axis=1)
    inv = np.divide(1.0, total, out=np.zeros(n), where=total > 0.0)
    rows = np.arange(n)
    top = order[:, 0]
    tally["first"] += np.bincount(top, minlength=k)
    margin = a.recount_margin
    if a.rule == PLURALITY:
        seats = a.seats
        tally["wins"] += np.bincount(order[:, :seats].ravel(), minlength=k)
        if k > seats:
            gap = (final[rows, order[:, seats - 1]] - final[rows, order[:, seats]]) * inv
            tally["recounts"] += int(np.count_nonzero(gap <= margin))
    elif a.rule == RUNOFF_RULE:
        lead = final[rows, top] * inv
        outright = lead > a.threshold if k > 1 else np.ones(n, bool)
        winners = np.bincount(top[outright], minlength=k)
        tally["wins"] += winners
        tally["outright"] += winners
        tally["advance"] += np.bincount(top, minlength=k)
        close = outright & (lead - a.threshold <= margin)
        runoff = ~outright
        tally["runoffs"] += int(np.count_nonzero(runoff))
        if k > 1:
            second = order[runoff, 1]
            tally["advance"] += np.bincount(second, minlength=k)
            a_, b_ = np.minimum(top[runoff], second), np.maximum(top[runoff], second)
            tally["pairs"] += np.bincount(a_ * k + b_, minlength=k * k).reshape(k, k)
            near = a.threshold - lead[runoff] <= margin
            if k > 2:
                third = order[runoff, 2]
                rr = rows[runoff]
                near |= (final[rr, second] - final[rr, third]) * inv[runoff] <= margin
            close[runoff] = near
        tally["recounts"] += int(np.count_nonzero(close))
    else:
        yes = final[:, a.yes_index] * inv
        passed = yes > a.threshold
        n_pass = int(np.count_nonzero(passed))
        tally["wins"][a.yes_index] += n_pass
        tally["wins"][1 - a.yes_index] += n - n_pass
        tally["outright"][a.yes_index] += n_pass
        tally["outright"][1 - a.yes_index] += n - n_pass
        tally["recounts"] += int(np.count_nonzero(np.abs(yes - a.threshold) <= margin))

    shares = final
    shares *= inv[:, None]
    tally["share_sum"] += shares.sum(axis=0)
    bins = (shares * HIST_BINS).astype(np.int64)
    np.clip(bins, 0, HIST_BINS - 1, out=bins)
    bins += np.arange(k) * HIST_BINS
    tally["hist"] += np.bincount(bins.ravel(), minlength=k * HIST_BINS).reshape(k, HIST_BINS)
    tally["draws"] += n


def simulate(arrays, draws: int, seed: int, chunk: int = CHUNK) -> dict:
    """Simulate ``draws`` final counts of the race described by ``arrays`` (a ``ModelArrays``).

    Candidates are in the order of ``arrays`` (the kernel's order).  Returns the raw tally: ``draws``, ``wins``, ``outright``, ``advance``, ``first``
    (int64[K]), ``pairs`` (int64[K, K], i < j), ``runoffs``, ``recounts`` (ints),
    ``share_sum`` (float64[K]) and ``hist`` (int64[K, HIST_BINS], final shares on [0, 1]).
    """
    return drive(_chunk, arrays, draws, seed, chunk)


def drive(chunk_fn, arrays, draws: int, seed: int, chunk: int = CHUNK) -> dict:
    """``draws`` draws in chunks of ``chunk_fn(rng, arrays, n, tally)`` on one generator of ``seed``."""
    if draws < 1:
        raise ValueError("draws must be positive")
    rng = np.random.default_rng(seed)
    tally = _new_tally(arrays.counted.shape[0])
    done = 0
    while done < draws:
        n = min(chunk, draws - done)
        chunk_fn(rng, arrays, n, tally)
        done += n
    return tally


def share_quantile(hist_row: np.ndarray, q: float) -> float:
    """Quantile ``q`` of a final share from its histogram on [0, 1], linear within a bin."""
    cum = np.cumsum(hist_row)
    target = q * cum[-1]
    idx = int(np.searchsorted(cum, target, side="left"))
    before = cum[idx - 1] if idx else 0
    frac = (target - before) / hist_row[idx] if hist_row[idx] else 0.0
    return float(min(max((idx + frac) / hist_row.shape[0], 0.0), 1.0))


def reference_probabilities(arrays, draws: int, seed: int, simulate_fn=None) -> dict:
    """Outcome probabilities of the race in ``arrays`` by the NumPy reference.

    Parameters
    ----------
    arrays
        ``simulate.model.lump.prepare(scenario, count)``.
    draws, seed
        Number of simulated final counts; seed of ``numpy.random.default_rng``.
    simulate_fn : callable, optional
        The simulator (default :func:`simulate`; ``numpy_strata.simulate`` for a race counted by units).

    Returns
    -------
    dict
        ``draws``; per candidate (lists in the scenario's candidate order, the order of
        ``RaceResult.candidates``: when ``arrays`` has an ``order`` attribute -- kernel
        position i holds scenario candidate ``order[i]`` -- the results are put back in
        scenario order; otherwise they are in the order of ``arrays``): ``p_win``, ``p_outright``,
        ``p_advance``, ``p_first``, ``share_mean``, ``share_low`` and ``share_high``
        (5% and 95% quantiles of the final share); and ``p_runoff``, ``p_recount``,
        ``runoff_pairs`` (``{(i, j): p}`` with i < j, scenario candidate indices).  ``p_outright``
        and ``p_advance`` are all zero under plurality and ``p_advance`` is zero for a
        measure, as in the kernel's tally.  Every probability ``p`` has Monte Carlo
        standard error ``sqrt(p (1 - p) / draws)``.
    """
    t = (simulate if simulate_fn is None else simulate_fn)(arrays, draws, seed)
    n = t["draws"]
    k = t["wins"].shape[0]
    order = getattr(arrays, "order", None)
    order = np.arange(k) if order is None else np.asarray(order)
    back = np.argsort(order)  # scenario candidate c is kernel position back[c]
    pairs = {}
    for i, j in zip(*np.nonzero(t["pairs"])):
        a, b = sorted((int(order[i]), int(order[j])))
        pairs[(a, b)] = pairs.get((a, b), 0.0) + float(t["pairs"][i, j] / n)
    return {
        "draws": n,
        "p_win": (t["wins"][back] / n).tolist(),
        "p_outright": (t["outright"][back] / n).tolist(),
        "p_advance": (t["advance"][back] / n).tolist(),
        "p_first": (t["first"][back] / n).tolist(),
        "p_runoff": t["runoffs"] / n,
        "p_recount": t["recounts"] / n,
        "runoff_pairs": pairs,
        "share_mean": (t["share_sum"][back] / n).tolist(),
        "share_low": [share_quantile(t["hist"][j], 0.05) for j in back],
        "share_high": [share_quantile(t["hist"][j], 0.95) for j in back],
    }


def max_z_difference(ref: dict, probabilities: dict, keys=("p_win", "p_outright", "p_advance", "p_first")) -> float:
    """Largest ``|p_ref - p_other| / se`` over ``keys`` and candidates (se pooled from both sides).

    ``probabilities`` has the same keys (lists in candidate order) and its own ``draws``.
    A difference where both sides are 0 or 1 counts as 0; a difference where the
    pooled se is 0 counts as infinite.
    """
    worst = 0.0
    for key in keys:
        for p1, p2 in zip(ref[key], probabilities[key]):
            var = p1 * (1 - p1) / ref["draws"] + p2 * (1 - p2) / probabilities["draws"]
            diff = abs(p1 - p2)
            if diff == 0.0:
                continue
            worst = max(worst, diff / math.sqrt(var) if var > 0 else math.inf)
    return worst
