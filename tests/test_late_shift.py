"""The late-shift tail estimate: method of moments against histories drawn from known distributions."""

from __future__ import annotations

import numpy as np
import pytest

import simulate
from simulate.model.late_shift import late_shifts, tail_estimate


def history(shift_sampler, contests=400, seed=3):
    """Two-candidate contests, one snapshot each: 60,000 counted at 50%, 40,000 late ballots whose
    logit share is moved by a drawn shift (large counts, so the ballot noise is negligible)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(contests):
        d = shift_sampler(rng)
        q = 1.0 / (1.0 + np.exp(-d))
        late_a = int(round(40_000 * q))
        data = {
            "race": {"name": f"R{i}", "rule": "plurality"},
            "candidates": [{"id": "a"}, {"id": "b"}],
            "count": {"counted": {"a": 30_000, "b": 30_000}, "remaining": 40_000},
            "final": {"counted": {"a": 30_000 + late_a, "b": 30_000 + 40_000 - late_a}},
        }
        out.append(simulate.load_scenario_dict(data, f"r{i}"))
    return out


def test_shifts_are_the_logit_differences():
    scenarios = history(lambda rng: 0.3, contests=3)
    # each contest gives one shift per candidate: +0.3 for a, -0.3 for b (up to rounding to whole votes)
    assert np.allclose(np.sort(late_shifts(scenarios)), [-0.3] * 3 + [0.3] * 3, atol=1e-3)


def test_normal_shifts_give_normal_tails():
    est = tail_estimate(history(lambda rng: 0.2 * rng.standard_normal(), contests=2_000))
    assert est.tail_df == 0.0 and est.rms == pytest.approx(0.2, rel=0.05)


def test_student_t_shifts_give_their_degrees_of_freedom():
    # t with 7 degrees of freedom: kurtosis 3 + 6/3 = 5.  The sample kurtosis of a t_7 converges
    # slowly (its 8th moment is infinite), so the check is loose: heavy, and not absurdly so.
    est = tail_estimate(history(lambda rng: 0.2 * rng.standard_t(7), contests=6_000, seed=11))
    assert 5.0 <= est.tail_df <= 14.0
    assert est.kurtosis > 3.5


def test_too_few_shifts_is_an_error():
    with pytest.raises(ValueError, match="too few"):
        tail_estimate(history(lambda rng: 0.1, contests=5))
