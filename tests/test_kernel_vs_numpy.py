"""The compiled kernel against the plain-NumPy program of the same model (``benchmarks/numpy_reference.py``).

The two share no code and no random numbers: they agree when every probability
differs by no more than Monte Carlo error.  With up to 4 K probabilities per
case, a largest pooled z of 4.5 is a false failure about once in 10,000 runs.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

import simulate
from simulate.model import lump as model

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import numpy_reference  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DRAWS = 200_000


@pytest.mark.parametrize("path", ["scenarios/la-da-2020-primary.yaml", "scenarios/santa-monica-council-2024.yaml",
                                  "scenarios/pasadena-usd-measure-2024.yaml"])
@pytest.mark.parametrize("tail_df", [0.0, 6.0])
def test_kernel_agrees_with_numpy(path, tail_df):
    s = simulate.load_scenario(ROOT / path)
    s = dataclasses.replace(s, model=dataclasses.replace(s.model, tail_df=tail_df))
    ref = numpy_reference.reference_probabilities(model.prepare(s, s.count), draws=DRAWS, seed=7)
    res = simulate.run(s, draws=DRAWS, seed=1)
    mine = {"draws": DRAWS, "p_win": [c.p_win for c in res.candidates],
            "p_outright": [c.p_outright or 0.0 for c in res.candidates],
            "p_advance": [c.p_advance or 0.0 for c in res.candidates],
            "p_first": [c.p_first for c in res.candidates]}
    assert numpy_reference.max_z_difference(ref, mine) <= 4.5
