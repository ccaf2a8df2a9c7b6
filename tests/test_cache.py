"""The on-disk kernel cache cannot go stale: every compiled function is stamped by all compiled sources."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


from simulate.engine import _numba

PACKAGE = Path(_numba.__file__).resolve().parent
COMPILES = re.compile(r"@jit\b|\bnjit\b|from \.+_numba import[^\n]*\bjit\b|numba\.(jit|vectorize|guvectorize|cfunc)\b")


def test_compiled_sources_cover_every_module_with_compiled_code():
    compiled = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
                if COMPILES.search(p.read_text(encoding="utf-8"))}
    assert compiled <= set(_numba.COMPILED_SOURCES), compiled - set(_numba.COMPILED_SOURCES)


def test_digest_changes_when_any_compiled_source_changes(tmp_path):
    for name in _numba.COMPILED_SOURCES:
        shutil.copy(PACKAGE / name, tmp_path / name)
    before = _numba.sources_digest(tmp_path)
    assert before == _numba.sources_digest(tmp_path)
    for name in _numba.COMPILED_SOURCES:
        path = tmp_path / name
        text = path.read_text(encoding="utf-8")
        stat = path.stat()
        path.write_text(text.replace("\n", "\n ", 1), encoding="utf-8")
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same time stamp: only the content says it changed
        assert _numba.sources_digest(tmp_path) != before, name
        path.write_text(text, encoding="utf-8")


def test_kernels_use_the_sources_stamped_locator():
    from simulate.engine import _kernel
    from simulate.engine import _rng

    for fn in (_kernel.simulate_blocks, _kernel._rank_by_lot, _rng.fill_normals, _rng.gamma):
        locator = fn._cache._impl.locator
        assert isinstance(locator, _numba._SourcesStamp)
        assert locator.get_source_stamp() == ("racecall-compiled-sources", _numba.sources_digest())


PROBE = """
import numpy as np
import simulate
from simulate.engine import _score
assert simulate.__file__.startswith({root!r}), simulate.__file__
st = (np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(4))
order = np.zeros(4, np.int64)
st = _score._rank_by_lot(st, np.zeros(4), order, 3)  # all tied: draws uniforms from _rng's generator
print([int(x) for x in st], order.tolist())
"""


def _probe(root: Path, cache_dir: Path | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["PYTHONPATH"] = str(root)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    out = subprocess.run([sys.executable, "-c", PROBE.format(root=str(root))], cwd=root, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_edit_to_rng_alone_reaches_a_cached_kernel(tmp_path):
    """A compiled function of _score.py cached in __pycache__ is recompiled when only _rng.py changes."""
    root = tmp_path / "checkout"
    shutil.copytree(PACKAGE.parent, root / "simulate", ignore=shutil.ignore_patterns("__pycache__"))
    engine = root / "simulate" / "engine"
    first = _probe(root, None)
    assert list((engine / "__pycache__").glob("_score._rank_by_lot*.nbi"))
    assert _probe(root, None) == first  # served from the cache, unchanged
    rng = engine / "_rng.py"
    kernel = engine / "_score.py"
    kernel_stat = kernel.stat()
    text = rng.read_text(encoding="utf-8")
    assert "t = s1 << np.uint64(17)" in text
    rng.write_text(text.replace("t = s1 << np.uint64(17)", "t = s1 << np.uint64(18)"), encoding="utf-8")
    assert kernel.stat().st_mtime_ns == kernel_stat.st_mtime_ns  # _score.py itself untouched
    edited = _probe(root, None)
    assert edited != first
    assert edited == _probe(root, tmp_path / "fresh-cache")  # what a fresh compile gives


def _run_in_fresh_process(code: str) -> str:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    return out.stdout.strip()


def test_the_command_line_loads_the_kernel_without_scipy_linalg():
    # Numba's BLAS probe imports scipy.linalg (0.3 s of a warm run); the command's kernels need no BLAS.
    code = (
        "import io, sys, contextlib\n"
        "from simulate.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    status = main(['run', 'scenarios/la-da-2020-primary.yaml', '--draws', '20000'])\n"
        "print(status, 'scipy.linalg' in sys.modules)\n"
        "import scipy.linalg\n"
        "print(scipy.linalg.norm([3.0, 4.0]))\n"
    )
    assert _run_in_fresh_process(code).split() == ["0", "False", "5.0"]


def test_a_library_caller_keeps_numba_blas():
    # Without the command line, a caller's own Numba code may still compile np.dot after a run.
    code = (
        "import numpy as np, simulate\n"
        "simulate.run(simulate.load_scenario('scenarios/la-da-2020-primary.yaml'), draws=20000)\n"
        "import numba\n"
        "print(numba.njit(lambda a: np.dot(a, a))(np.arange(3.0)))\n"
    )
    assert _run_in_fresh_process(code) == "5.0"


def test_the_command_line_skips_the_collectors_last_passes():
    # The process's own command line ends with gc.freeze(): the interpreter's final collections over
    # Numba's objects took 0.3 s of a warm run. A caller passing argv (a test, a script) keeps its collector.
    code = (
        "import gc, io, sys, contextlib\n"
        "from simulate.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['run', 'scenarios/la-da-2020-primary.yaml', '--draws', '20000'])\n"
        "    print(gc.get_freeze_count(), file=sys.stderr)\n"
        "    sys.argv = ['racecall', 'run', 'scenarios/la-da-2020-primary.yaml', '--draws', '20000']\n"
        "    main()\n"
        "print(gc.get_freeze_count() > 10_000)\n"
    )
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    assert out.stderr.strip() == "0" and out.stdout.strip() == "True"
