r"""The units model of :mod:`simulate.model.units`, written as plain vectorised NumPy.

The counterpart of ``numpy_reference.py`` for a race counted by units, and like it
shares no simulation code with ``simulate/``: it takes only the per-unit parameters
``simulate.model.units.prepare_strata(scenario, count)[0]`` returns and draws the
documented model unit by unit, every unit exactly (no pooling), vectorised over a
chunk of draws:

* :math:`\tau = \sqrt{\nu/\chi^2_\nu}` (``tail_df`` :math:`\nu > 0`) or 1; the race-wide
  errors :math:`\tau\sigma_r z_r` and one :math:`\sigma_t z_t` per vote type;
* per unit, its remaining votes :math:`R_u = \max(0, \operatorname{round}(M_u
  e^{\sigma_\pm z}) - 1)` (or exact), its shares :math:`q_u = \operatorname{softmax}(\log m_u
  + \tau\sigma_r z_r + \sigma_t z_{t(u)} + \sigma_u \circ z_u)` and its tallies
  :math:`\operatorname{Multinomial}(R_u, q_u)`;
* the final tallies :math:`T = \text{counted} + \sum_u x_u`.

Ranking, tie-break, accumulators and the share histogram are
``numpy_reference.score_chunk``.  Per chunk of :data:`CHUNK` draws, single-threaded
NumPy (PCG64).
"""

from __future__ import annotations

import numpy as np

import numpy_reference

CHUNK = 16_384


def _chunk(rng: np.random.Generator, a, n: int, tally: dict) -> None:
    k = a.counted.shape[0]
    tau = np.sqrt(a.tail_df / rng.chisquare(a.tail_df, n))[:, None] if a.tail_df > 0.0 else 1.0
    race = tau * a.race_sigma * rng.standard_normal((n, k))
    shared = [race + a.type_sigma * rng.standard_normal((n, k)) for _ in range(a.types)]
    final = np.broadcast_to(a.counted, (n, k)).copy()
    with np.errstate(divide="ignore"):
        log_centre = np.log(a.centre)
    for u in range(a.centre.shape[0]):
        x = log_centre[u] + shared[a.unit_type[u]] + a.unit_sigma[u] * rng.standard_normal((n, k))
        x -= x.max(axis=1, keepdims=True)
        q = np.exp(x)
        q /= q.sum(axis=1, keepdims=True)
        med = a.remaining_median[u]
        if a.remaining_exact[u]:
            r = np.full(n, med - 1.0)
        else:
            z = rng.standard_normal(n)
            r = np.maximum(np.floor(med * np.exp(z * np.where(z < 0.0, a.sigma_low[u], a.sigma_high[u])) + 0.5) - 1.0, 0.0)
        final += rng.multinomial(r.astype(np.int64), q)
    numpy_reference.score_chunk(rng, a, final, tally)


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
