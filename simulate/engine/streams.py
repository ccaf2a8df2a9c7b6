"""Seeds into random streams: one independent xoshiro256++ state per block of draws.

A block's state depends only on the seed, a purpose tag and the block's index,
never on how many blocks or threads a run uses, so the same seed gives the
same numbers on any machine and thread count.

The seed and purpose are turned into a 128-bit key by NumPy's ``SeedSequence``
(once per seed and purpose); word ``w`` of block ``i``'s state is then
SplitMix64 of the counter ``4 i + w + 1`` under that key,
``mix(mix(key_0 + (4 i + w + 1) * golden) ^ key_1)`` with ``mix`` SplitMix64's
finaliser (a bijection of 64-bit words): the way xoshiro's authors recommend
seeding it, and vectorised, so a round's 64 states cost microseconds rather
than the milliseconds of one ``SeedSequence`` per block.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

#: Purpose tags, so that pilot and main runs never share a stream.
MAIN = 0
PILOT = 1

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on uint64 words (arithmetic modulo 2**64)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@lru_cache(maxsize=64)
def _key(seed: int, purpose: int) -> tuple[int, int]:
    words = np.random.SeedSequence(seed, spawn_key=(purpose,)).generate_state(2, dtype=np.uint64)
    return int(words[0]), int(words[1])


def block_states(seed: int, first_block: int, count: int, purpose: int = MAIN) -> np.ndarray:
    """xoshiro256++ states for blocks ``first_block .. first_block + count - 1``.

    Returns
    -------
    numpy.ndarray
        uint64 array of shape ``(count, 4)``, every row non-zero.
    """
    k0, k1 = _key(seed, purpose)
    blocks = np.arange(first_block, first_block + count, dtype=np.uint64)
    counter = blocks[:, None] * np.uint64(4) + np.arange(1, 5, dtype=np.uint64)
    with np.errstate(over="ignore"):
        states = _mix(_mix(np.uint64(k0) + counter * _GOLDEN) ^ np.uint64(k1))
    states[~states.any(axis=1), 0] = 1  # all-zero is xoshiro's one forbidden state
    return np.ascontiguousarray(states)
