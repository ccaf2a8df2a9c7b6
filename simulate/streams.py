"""Seeds into random streams: one independent xoshiro256++ state per block of draws.

A block's state depends only on the seed, a purpose tag and the block's index,
never on how many blocks or threads a run uses, so the same seed gives the
same numbers on any machine and thread count.
"""

from __future__ import annotations

import numpy as np

#: Purpose tags, so that pilot and main runs never share a stream.
MAIN = 0
PILOT = 1


def block_states(seed: int, first_block: int, count: int, purpose: int = MAIN) -> np.ndarray:
    """xoshiro256++ states for blocks ``first_block .. first_block + count - 1``.

    Returns
    -------
    numpy.ndarray
        uint64 array of shape ``(count, 4)``, every row non-zero.
    """
    states = np.empty((count, 4), dtype=np.uint64)
    for i in range(count):
        seq = np.random.SeedSequence(seed, spawn_key=(purpose, first_block + i))
        states[i] = seq.generate_state(4, dtype=np.uint64)
        if not states[i].any():  # all-zero is xoshiro's one forbidden state
            states[i, 0] = 1
    return states
