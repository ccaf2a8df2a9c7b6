"""Numba settings, in one place.

Kernels are cached on disk next to their module (``cache=True``) so only the
first run after an install compiles them.  ``fastmath`` stays off: results
must be the same bit for bit on every machine and thread count.  Importing
this module does not import numba; :func:`jit` does, when a kernel module is
first imported (lazily, by the engine).
"""

from __future__ import annotations

OPTIONS = {"cache": True, "nogil": True, "fastmath": False, "error_model": "numpy"}


def jit(*args, **overrides):
    """``numba.njit`` with the project's options; ``parallel=True`` for the block-parallel entry points."""
    import numba

    return numba.njit(*args, **{**OPTIONS, **overrides})


def set_threads(threads: int | None) -> int:
    """Set the number of worker threads for parallel kernels; returns the number in use."""
    import numba

    if threads is not None:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    return numba.get_num_threads()
