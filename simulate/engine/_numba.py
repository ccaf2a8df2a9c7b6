"""Numba settings, in one place, and the on-disk cache that keeps compiled kernels fresh.

Kernels are cached on disk (``cache=True``) so only the first run after an
install or a change compiles them.  ``fastmath`` stays off: results must be
the same bit for bit on every machine and thread count.  Importing this module
does not import numba; :func:`jit` does, when a kernel module is first
imported (lazily, by the engine).

**Cache freshness.**  Numba validates a cached function by a stamp of the one
file that defines it.  The kernels of ``_kernel.py`` inline the variates of
``_rng.py``, so a change to ``_rng.py`` alone would leave them running the old
code.  Here every compiled function of the package is stamped instead with
:func:`sources_digest`, the SHA-256 of all of :data:`COMPILED_SOURCES`: a
change to any of them invalidates every cached kernel (one recompile).  The
stamp is set by cache locators that take precedence over Numba's own for the
package's files (in ``__pycache__``, in ``NUMBA_CACHE_DIR`` or the user-wide
cache, as Numba would choose); ``tests/test_cache.py`` checks that the list
covers every module with compiled code and that an edit to ``_rng.py`` reaches
a cached kernel.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

OPTIONS = {"cache": True, "nogil": True, "fastmath": False, "error_model": "numpy"}

PACKAGE = Path(__file__).resolve().parent
#: The package's modules with compiled code (whose code a cached kernel may contain).
COMPILED_SOURCES = ("_numba.py", "_rng.py", "_score.py", "_kernel.py", "_units_pooled.py", "_units_kernel.py")

_installed = False
_skip_blas_probe = False


def jit(*args, **overrides):
    """``numba.njit`` with the project's options (``nogil``: the engine runs kernels on several threads)."""
    import numba

    _install_cache_locators()
    return numba.njit(*args, **{**OPTIONS, **overrides})


def skip_blas_probe() -> None:
    """Let the first kernel load skip Numba's probe for SciPy's BLAS (for a process the command line owns).

    Numba's NumPy support (``numba.np.arraymath``) imports ``scipy.linalg`` when
    it is first loaded, only to learn whether ``np.dot`` and ``np.linalg`` can
    be compiled: about 0.3 s of a 1 s ``racecall run``.  The package's kernels
    use neither.  After this call, the first :func:`jit` loads that module with
    SciPy's BLAS hidden, so Numba records "no BLAS" for the rest of the
    process; SciPy itself imports normally afterwards.  A library caller's
    process is left alone (its own Numba code may want ``np.dot``): only the
    command line calls this, and only when ``scipy.linalg`` is not loaded yet.
    """
    global _skip_blas_probe
    _skip_blas_probe = True


def set_threads(threads: int | None) -> int:
    """Set the number of worker threads of runs started from this thread; returns the number in use.

    Kept as Numba's per-thread setting (``numba.set_num_threads``), which callers may read.
    """
    import numba

    if threads is not None:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    return numba.get_num_threads()


def threads_in_use() -> int:
    """Worker threads a run started from this thread uses (:func:`set_threads`)."""
    import numba

    return numba.get_num_threads()


def sources_digest(package: Path = PACKAGE) -> str:
    """SHA-256 (hex) of the compiled sources in ``package``, in :data:`COMPILED_SOURCES` order."""
    stats = tuple((name, *_stat(package / name)) for name in COMPILED_SOURCES)
    return _digest(str(package), stats)


def _stat(path: Path) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return (None, None)
    return (st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=8)
def _digest(package: str, stats: tuple) -> str:
    # Keyed by the files' times and sizes, so an edit made while running is seen.
    h = hashlib.sha256()
    for name, *_ in stats:
        h.update(name.encode())
        h.update(b"\0")
        try:
            h.update(Path(package, name).read_bytes())
        except OSError:
            h.update(b"<missing>")
        h.update(b"\0")
    return h.hexdigest()


class _SourcesStamp:
    """Mixin for Numba cache locators: the package's files, stamped by all compiled sources."""

    @classmethod
    def from_function(cls, py_func, py_file):
        if Path(py_file).resolve().parent != PACKAGE:
            return None
        return super().from_function(py_func, py_file)

    def get_source_stamp(self):
        return ("racecall-compiled-sources", sources_digest())


def _install_cache_locators() -> None:
    """Put the sources-stamped locators ahead of Numba's own (once per process)."""
    global _installed
    if _installed:
        return
    from numba.core import caching

    if _skip_blas_probe:
        _load_array_math_without_blas()
    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl")
    ours = []
    for name in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator"):
        base = getattr(caching, name, None) or getattr(caching, "_" + name)
        ours.append(type("Sources" + name, (_SourcesStamp, base), {"__module__": __name__}))
    impl._locator_classes = ours + [c for c in impl._locator_classes if not issubclass(c, _SourcesStamp)]
    _installed = True


def _load_array_math_without_blas() -> None:
    import sys

    blas = "scipy.linalg.cython_blas"
    if "scipy.linalg" in sys.modules or blas in sys.modules:
        return
    sys.modules[blas] = None  # import fails fast, without loading scipy.linalg
    try:
        import numba.np.arraymath  # noqa: F401 - its probe runs now, once
    finally:
        del sys.modules[blas]
