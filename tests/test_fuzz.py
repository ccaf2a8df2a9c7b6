"""Fuzzing, bounded for CI: every mutated input ends in success or in exit 2 with one line.

Hypothesis draws a random generator seed and one of the input families of
``tests/fuzz/mutate.py`` (the bundled scenarios mutated as text and as data, the
README's units CSV, a small NC 2020 extract, command lines with hostile option
values), runs ``racecall`` in-process at few draws and asserts the promise: exit
0, or exit 2 with exactly one line on stderr (``racecall: error: ...``), and never
an exception escaping ``main``.  The longer campaign (``tests/fuzz/campaign.py``,
README "Bad input") runs the same families in subprocesses under a 3 GB
address-space limit and a timeout.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))
import mutate  # noqa: E402


run_in_process = mutate.run_in_process


def check_promise(argv, code: int, err: str) -> None:
    lines = err.splitlines()
    assert "Traceback" not in err, (argv, err)
    if code == 2:
        assert len(lines) == 1, (argv, err)
        assert lines[0].startswith(("racecall: error: ", "racecall import: error: ")), (argv, err)
    else:
        assert code == 0, (argv, code, err)
        # notices (a warning, the kernel compiling once) are racecall lines, never an error
        assert all(line.startswith("racecall: ") and not line.startswith("racecall: error") for line in lines), (argv, err)


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(mutate.CASES), seed=st.integers(0, 2**32 - 1))
def test_mutated_inputs_end_in_success_or_one_clean_line(case, seed):
    with tempfile.TemporaryDirectory() as folder:
        argv = case(random.Random(seed), Path(folder))
        code, _, err = run_in_process(argv)
    check_promise(argv, code, err)


@pytest.mark.parametrize("case", mutate.CASES, ids=lambda c: c.__name__)
def test_each_family_produces_both_outcomes_somewhere(case):
    """The generators are not all-errors or all-successes: the fuzzing reaches past the first check."""
    codes = set()
    for seed in range(40):
        with tempfile.TemporaryDirectory() as folder:
            argv = case(random.Random(seed), Path(folder))
            code, _, err = run_in_process(argv)
        check_promise(argv, code, err)
        codes.add(code)
    assert 2 in codes
    if case is not mutate.argv_case:
        assert 0 in codes
