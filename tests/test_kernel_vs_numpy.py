"""The compiled kernel against the other programs of the same model in ``benchmarks/``.

``numpy_reference.py`` (the vectorised NumPy the benchmarks compare against),
``numpy_naive.py`` (its first version, with exact binomials everywhere, so agreement
also checks the kernel's corrected-normal switch) and ``numba_baseline.py`` (plain
Numba).  They share no code and no random numbers with the kernel: they agree when
every probability differs by no more than Monte Carlo error.  With up to 4 K
probabilities per case, a largest pooled z of 4.5 is a false failure about once in
10,000 runs; the benchmark cases use 4.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

import simulate
from simulate.model import lump as model

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import cases  # noqa: E402
import numpy_naive  # noqa: E402
import numpy_reference  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DRAWS = 200_000


def _kernel_probabilities(s, draws, seed=1):
    res = simulate.run(s, draws=draws, seed=seed)
    return {"draws": draws, "p_win": [c.p_win for c in res.candidates],
            "p_outright": [c.p_outright or 0.0 for c in res.candidates],
            "p_advance": [c.p_advance or 0.0 for c in res.candidates],
            "p_first": [c.p_first for c in res.candidates]}


@pytest.mark.parametrize("path", ["scenarios/la-da-2020-primary.yaml", "scenarios/santa-monica-council-2024.yaml",
                                  "scenarios/pasadena-usd-measure-2024.yaml"])
@pytest.mark.parametrize("tail_df", [0.0, 6.0])
def test_kernel_agrees_with_numpy(path, tail_df):
    s = simulate.load_scenario(ROOT / path)
    s = dataclasses.replace(s, model=dataclasses.replace(s.model, tail_df=tail_df))
    ref = numpy_reference.reference_probabilities(model.prepare(s, s.count), draws=DRAWS, seed=7)
    assert numpy_reference.max_z_difference(ref, _kernel_probabilities(s, DRAWS)) <= 4.5


@pytest.fixture(scope="module")
def benchmark_runs():
    """The kernel's probabilities on each benchmark case (400,000 draws)."""
    out = {}
    for name, build in cases.SINGLE_CASES.items():
        s = build()
        out[name] = (s, model.prepare(s, s.count), _kernel_probabilities(s, 2 * DRAWS))
    return out


@pytest.mark.parametrize("name", list(cases.SINGLE_CASES))
@pytest.mark.parametrize("program", ["numpy_reference", "numpy_naive", "numba_baseline"])
def test_benchmark_programs_agree_with_kernel(benchmark_runs, name, program):
    """Each program the benchmarks time computes what the kernel computes, at |z| <= 4."""
    if program == "numba_baseline":
        import numba_baseline as module
    else:
        module = {"numpy_reference": numpy_reference, "numpy_naive": numpy_naive}[program]
    s, arrays, mine = benchmark_runs[name]
    draws = DRAWS if program != "numpy_naive" else DRAWS // 2
    ref = module.reference_probabilities(arrays, draws=draws, seed=11)
    assert numpy_reference.max_z_difference(ref, mine) <= 4.0


def test_reference_binomials_switch_at_the_kernels_variance():
    """The reference draws the corrected normal exactly where the kernel does (same switch)."""
    assert numpy_reference.NORMAL_MIN_VARIANCE == model.NORMAL_MIN_VARIANCE


def test_heavy_tails_mixing_exact_and_corrected_normal_binomials():
    """seats-7 with Student-t errors at 2.9 degrees of freedom: a batch mixes binomials drawn exactly
    (p near 0 or 1) with corrected-normal ones whose n shrinks below the switch once drawn; each
    binomial's path must be decided on its own n (a kernel that re-decided it on the n left after
    the draw drew some twice, z = 85 here)."""
    s = cases.SINGLE_CASES["seats-7"]()
    s = dataclasses.replace(s, model=dataclasses.replace(s.model, tail_df=2.9))
    ref = numpy_reference.reference_probabilities(model.prepare(s, s.count), draws=DRAWS, seed=5)
    assert numpy_reference.max_z_difference(ref, _kernel_probabilities(s, DRAWS)) <= 4.0
