"""Give the benchmarks their own Numba cache, keyed by the package's compiled sources.

Numba's on-disk cache validates a cached function by the file that defines it only, while
``simulate/engine/_kernel.py``'s kernel contains ``simulate/engine/_rng.py``'s code; the package now
stamps every compiled function with the digest of all its compiled sources
(``simulate/_numba.py``, tested in ``tests/test_cache.py``), so its own cache no longer
goes stale.  The benchmark scripts still compile into a directory of their own,
``benchmarks/.numba-cache/<digest>/`` (``<digest>``: the SHA-256 of the package's source
files with compiled code), so that timing runs never share or disturb the package's
``__pycache__``, and the JSON can name the exact sources timed.  A change to any of them
compiles afresh (once); older digests' directories are removed.  A ``NUMBA_CACHE_DIR``
already set in the environment is respected.  Call :func:`use_private_cache` before
anything imports numba.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PACKAGE = ROOT / "simulate"
CACHE_ROOT = HERE / ".numba-cache"


def jitted_sources() -> list[Path]:
    """The package's source files with compiled code: ``_numba.py`` and every file using ``@jit``."""
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.name == "_numba.py" or "@jit" in text or "numba.njit" in text:
            files.append(path)
    return files


def sources_digest() -> str:
    h = hashlib.sha256()
    for path in jitted_sources():
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def use_private_cache() -> dict:
    """Point Numba's cache at a directory keyed by the sources; returns what was done (for the JSON)."""
    digest = sources_digest()
    if "numba" in sys.modules:
        return {"cache": "unchanged (numba was already imported)", "sources_sha256": digest}
    if os.environ.get("NUMBA_CACHE_DIR"):
        return {"cache": "NUMBA_CACHE_DIR from the environment", "sources_sha256": digest}
    target = CACHE_ROOT / digest[:16]
    if CACHE_ROOT.is_dir():
        for old in CACHE_ROOT.iterdir():
            if old.is_dir() and old.name != target.name:
                shutil.rmtree(old, ignore_errors=True)
    target.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(target)
    return {"cache": target.relative_to(ROOT).as_posix(), "sources_sha256": digest,
            "sources": [p.relative_to(ROOT).as_posix() for p in jitted_sources()]}
