r"""The units model of :mod:`simulate.model.units`, written as plain vectorised NumPy.

The counterpart of ``numpy_reference.py`` for a race counted by units, and like it
shares no code with ``simulate/``: it takes only the flat parameters
``simulate.model.units.prepare_strata(scenario, count)[0]`` returns (``mean`` :math:`\mu`,
``shared`` :math:`A_r, A_1, \dots` and ``independent`` :math:`L`, ``tail_df`` and the
race's rule), i.e. the model's final tallies

.. math:: T = \mu + \tau A_r z_r + \sum_t A_t z_t + L\varepsilon

with independent standard normal vectors and :math:`\tau = \sqrt{\nu/\chi^2_\nu}`
(``tail_df`` :math:`\nu > 0`) or 1, clipped at 0.  Like the kernel it draws the
Gaussian terms at once: their sum is one Gaussian with covariance
:math:`\sum_t A_t A_t^\top + L L^\top` (plus :math:`A_r A_r^\top` when
:math:`\tau = 1`), drawn as :math:`B\eta` with :math:`B` a root of it from
``numpy.linalg.eigh``: K normals per draw (2K with ``tail_df``), so that both
programs do the same arithmetic and the comparison is of the programs, not of the
algebra.  Ranking, tie-break, accumulators and the share histogram are
``numpy_reference.score_chunk``.  Per chunk of :data:`CHUNK` draws, single-threaded
NumPy (PCG64).
"""

from __future__ import annotations

import numpy as np

import numpy_reference

CHUNK = numpy_reference.CHUNK


def loadings(arrays):
    """(``race``, ``root``): the race-wide loading kept apart (None with normal errors) and B."""
    student = arrays.tail_df > 0.0
    cov = arrays.independent @ arrays.independent.T
    for i, a in enumerate(arrays.shared):
        if i == 0 and student:
            continue
        cov = cov + a @ a.T
    values, vectors = np.linalg.eigh(cov)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    return (arrays.shared[0] if student else None), root


def _add_product(final: np.ndarray, z: np.ndarray, loading: np.ndarray) -> None:
    """``final += z @ loading.T``, column by column: a BLAS matrix product would run on every
    core (and spin its threads), and the reference is single-threaded like the NumPy a user runs."""
    for i in range(z.shape[1]):
        final += z[:, i : i + 1] * loading[:, i]


def simulate(arrays, draws: int, seed: int, chunk: int = CHUNK) -> dict:
    """Simulate ``draws`` final counts of the units model in ``arrays``; the raw tally of
    ``numpy_reference.simulate`` (candidates in the order of ``arrays``)."""
    if draws < 1:
        raise ValueError("draws must be positive")
    rng = np.random.default_rng(seed)
    k = arrays.mean.shape[0]
    race, root = loadings(arrays)
    tally = numpy_reference._new_tally(k)
    done = 0
    while done < draws:
        n = min(chunk, draws - done)
        final = np.broadcast_to(arrays.mean, (n, k)).copy()
        _add_product(final, rng.standard_normal((n, k)), root)
        if race is not None:
            tau = np.sqrt(arrays.tail_df / rng.chisquare(arrays.tail_df, n))
            _add_product(final, rng.standard_normal((n, k)) * tau[:, None], race)
        np.maximum(final, 0.0, out=final)
        numpy_reference.score_chunk(rng, arrays, final, tally)
        done += n
    return tally


def reference_probabilities(arrays, draws: int, seed: int) -> dict:
    """``numpy_reference.reference_probabilities`` for a race counted by units."""
    return numpy_reference.reference_probabilities(arrays, draws, seed, simulate_fn=simulate)
