r"""NAIVE NumPy: the first NumPy version of the race model of :mod:`simulate.model.lump`.

Kept, labelled naive, as a second reference: it draws every conditional binomial
exactly (``Generator.binomial`` with a different n and p per element, where the
kernel and ``numpy_reference.py`` use the corrected normal above variance 1,000),
so agreement with it also checks that switch; and it shows how much a careful
rewrite (``numpy_reference.py``) gains.  Its costs: the exact binomials, row-major
``(n, K)`` arrays (``argsort`` over rows, row sums), boolean-mask gathers in scoring.  It shares no code with ``simulate/``: the only
thing it takes from the package is the model's parameterisation, the flat
:class:`simulate.model.lump.ModelArrays` returned by ``simulate.model.lump.prepare(scenario,
count)``.  It never imports ``simulate`` itself; any object with the same
attributes works.

Per draw, vectorised over a chunk of draws (:data:`CHUNK` at a time), with
``numpy.random.default_rng(seed)`` (PCG64):

1. remaining votes ``R``: exact, or ``max(0, round(median * exp(z * sigma)) - 1)``
   with ``sigma = sigma_low`` for ``z < 0`` and ``sigma_high`` otherwise (the
   two-piece log-normal);
2. ``tau = sqrt(nu / chi2_nu)`` when ``tail_df = nu > 0``, else 1;
3. shares ``q_j = m_j exp(tau sigma_j z_j) / sum_i m_i exp(tau sigma_i z_i)``,
   ``z ~ N(0, I_K)`` (``sigma`` is ``ModelArrays.spread``);
4. the remaining tallies as conditional binomials
   ``x_k ~ Bin(R - sum_{j<k} x_j, q_k / sum_{j>=k} q_j)`` drawn with
   ``Generator.binomial`` (exact at every size; the kernel switches to a
   corrected normal at variance ``simulate.model.lump.NORMAL_MIN_VARIANCE``), the last
   candidate taking the rest;
5. final tallies ``c + x``, ranked with a random tie-break (``key = final + 0.25 u``;
   tallies are whole numbers), ``argsort`` for small ``K`` and ``argpartition``
   then ``argsort`` of the top ``depth`` for larger ``K``;
6. the kernel's accumulators: wins, outright, advance, first, runoff pairs,
   runoffs, recounts, share sums.

The final-share 90% interval comes from a fixed histogram of every candidate's
final share on [0, 1] with :data:`HIST_BINS` bins (2**14: bins 0.0061 percentage
points wide), read with linear interpolation inside the bin; the kernel instead
uses 2,048 bins over a range set from the model, so the two intervals agree to
within a bin width and Monte Carlo error, not bit for bit.
"""

from __future__ import annotations

import numpy as np

import numpy_reference
from numpy_reference import drive, score_chunk  # noqa: F401 (row-major scoring)

#: Draws simulated together (memory: a few arrays of CHUNK x K doubles).
CHUNK = 65_536


def _chunk(rng: np.random.Generator, a, n: int, tally: dict) -> None:
    """Simulate ``n`` draws and add their outcomes into ``tally``."""
    counted, centre = a.counted, a.centre
    k = counted.shape[0]

    # 1. Remaining votes.
    if a.remaining_exact:
        remaining = np.full(n, max(a.remaining_median - 1.0, 0.0))
    else:
        z = rng.standard_normal(n)
        sigma = np.where(z < 0.0, a.sigma_low, a.sigma_high)
        remaining = np.floor(a.remaining_median * np.exp(z * sigma) + 0.5) - 1.0
        np.maximum(remaining, 0.0, out=remaining)

    # 2-3. Shares of the remaining vote: logistic-normal, q_j proportional to m_j exp(tau sigma_j z_j).
    z = rng.standard_normal((n, k))
    z *= a.spread
    if a.tail_df > 0.0:
        z *= np.sqrt(a.tail_df / rng.chisquare(a.tail_df, n))[:, None]
    q = np.exp(z, out=z)
    q *= centre
    q /= q.sum(axis=1, keepdims=True)

    # 4. Conditional binomials.
    left = remaining.astype(np.int64)
    mass = np.ones(n)
    p = np.empty(n)
    final = np.empty((n, k))
    for j in range(k - 1):
        qj = q[:, j]
        p.fill(0.0)
        np.divide(qj, mass, out=p, where=mass > 0.0)
        np.clip(p, 0.0, 1.0, out=p)
        x = rng.binomial(left, p)
        final[:, j] = x
        left -= x
        mass -= qj
    final[:, k - 1] = left
    final += counted
    score_chunk(rng, a, final, tally)


def simulate(arrays, draws: int, seed: int, chunk: int = CHUNK) -> dict:
    """Simulate ``draws`` final counts of the race described by ``arrays`` (a ``ModelArrays``).

    Candidates are in the order of ``arrays`` (the kernel's order).  Returns the raw tally: ``draws``, ``wins``, ``outright``, ``advance``, ``first``
    (int64[K]), ``pairs`` (int64[K, K], i < j), ``runoffs``, ``recounts`` (ints),
    ``share_sum`` (float64[K]) and ``hist`` (int64[K, HIST_BINS], final shares on [0, 1]).
    """
    return drive(_chunk, arrays, draws, seed, chunk)


def reference_probabilities(arrays, draws: int, seed: int) -> dict:
    """``numpy_reference.reference_probabilities`` computed by this naive simulator."""
    return numpy_reference.reference_probabilities(arrays, draws, seed, simulate_fn=simulate)
