r"""The units model of :mod:`simulate.model.units`, written as the strongest straightforward
vectorised NumPy.

The counterpart of ``numpy_reference.py`` for a race counted by units, and like it
shares no simulation code with ``simulate/``: it takes only the per-unit parameters
``simulate.model.units.prepare_strata(scenario, count)[0]`` returns and draws the
documented model unit by unit, every unit exactly (no pooling: the model itself, not
the kernel's approximation of it), vectorised over a chunk of draws, candidate-major
``(K, n)`` arrays:

* :math:`\tau = \sqrt{\nu/\chi^2_\nu}` (``tail_df`` :math:`\nu > 0`) or 1; the race-wide
  errors :math:`\tau\sigma_r z_r`, and per vote type :math:`E_t = \exp(\tau\sigma_r z_r +
  \sigma_t z_t)` once (``types`` x K exponentials per draw, not one set per unit);
* per unit, its remaining votes :math:`R_u = \max(0, \operatorname{round}(M_u
  e^{\sigma_\pm z}) - 1)` (or exact), its shares :math:`q_{uk} \propto m_{uk} E_{t(u)k}
  e^{\sigma_{uk} z_{uk}}` and its tallies as conditional binomials, each drawn as the
  kernel draws a binomial (``numpy_reference.binomials``: the rounded Cornish-Fisher normal
  at a variance of at least 1,000, the exact ``Generator.binomial`` for the others only);
* the final tallies :math:`T = \text{counted} + \sum_u x_u`.

Ranking, tie-break, accumulators and the share histogram are
``numpy_reference.score_columns``.  Per chunk of :data:`CHUNK` draws, single-threaded
NumPy (PCG64).  (``numpy_naive.py`` style, row-major with an exact binomial for every
element, ran 1.5-2x slower on the benchmark cases.)
"""

from __future__ import annotations

import numpy as np

import numpy_reference

CHUNK = 16_384


def _chunk(rng: np.random.Generator, a, n: int, tally: dict) -> None:
    k = a.counted.shape[0]
    race = rng.standard_normal((k, n))
    race *= a.race_sigma[:, None]
    if a.tail_df > 0.0:
        race *= np.sqrt(a.tail_df / rng.chisquare(a.tail_df, n))
    shared = []
    for _ in range(a.types):
        e = rng.standard_normal((k, n))
        e *= a.type_sigma
        e += race
        shared.append(np.exp(e, out=e))
    final = np.repeat(a.counted[:, None], n, axis=1)
    v = np.empty((k, n))
    suffix = np.empty((k, n))
    p = np.empty(n)
    for u in range(a.centre.shape[0]):
        z = rng.standard_normal((k, n))
        z *= a.unit_sigma[u][:, None]
        np.exp(z, out=v)
        v *= shared[a.unit_type[u]]
        v *= a.centre[u][:, None]
        med = a.remaining_median[u]
        if a.remaining_exact[u]:
            left = np.full(n, med - 1.0)
        else:
            y = rng.standard_normal(n)
            y *= np.where(y < 0.0, a.sigma_low[u], a.sigma_high[u])
            left = np.exp(y, out=y)
            left *= med
            left += 0.5
            np.floor(left, out=left)
            left -= 1.0
            np.maximum(left, 0.0, out=left)
        suffix[k - 1] = v[k - 1]
        for j in range(k - 2, -1, -1):
            np.add(suffix[j + 1], v[j], out=suffix[j])
        for j in range(k - 1):  # p_j = v_j / sum_{i >= j} v_i
            np.divide(v[j], suffix[j], out=p, where=suffix[j] > 0.0)
            p[suffix[j] <= 0.0] = 0.0
            x = numpy_reference.binomials(rng, left, p)
            final[j] += x
            left -= x
        final[k - 1] += left
    numpy_reference.score_columns(rng, a, final, tally)


def simulate(arrays, draws: int, seed: int, chunk: int = CHUNK) -> dict:
    """Simulate ``draws`` final counts of the units model in ``arrays``; the raw tally of
    ``numpy_reference.simulate`` (candidates in the order of ``arrays``)."""
    if draws < 1:
        raise ValueError("draws must be positive")
    rng = np.random.default_rng(seed)
    tally = numpy_reference._new_tally(arrays.counted.shape[0])
    done = 0
    while done < draws:
        n = min(chunk, draws - done)
        _chunk(rng, arrays, n, tally)
        done += n
    return tally


def reference_probabilities(arrays, draws: int, seed: int) -> dict:
    """``numpy_reference.reference_probabilities`` for a race counted by units."""
    return numpy_reference.reference_probabilities(arrays, draws, seed, simulate_fn=simulate)
