"""The refitted Minnesota tables module: valid source, each election's floor by age, and the
pooled table at the worse election's floor at each age."""

from __future__ import annotations

import math

import numpy as np

from simulate.feeds.refit import tables_module, worst_floor_ages
from simulate.model.expected_vote import AGE_EDGES, fit_late_floor


def _election(rng, late_scale):
    records = [(int(c), float(c * rng.uniform(0.1, 1.0)), int(c * rng.uniform(0.1, 1.2)))
               for c in rng.integers(100, 20_000, 400)]
    records += [(int(c), 0.0, int(c * late_scale * rng.uniform(0, 1))) for c in rng.integers(100, 20_000, 200)]
    late = [(a, int(c), int(c * late_scale * rng.uniform(0, 1) / (1 + a)))
            for c in rng.integers(100, 20_000, 300) for a in AGE_EDGES]
    return {"records": records, "late": late}


def test_pooled_floor_by_age_is_the_worse_election_and_the_module_loads():
    rng = np.random.default_rng(3)
    records = {"2020-11-03": _election(rng, 2.0), "2022-11-08": _election(rng, 0.1)}
    source = tables_module("minnesota", records)
    space: dict = {}
    exec(compile(source.replace("from ..model.expected_vote", "from simulate.model.expected_vote"), "t", "exec"), space)
    tables = space["TABLES"]
    assert set(tables) == {"not 2022-11-08", "not 2020-11-03", "pooled"}
    for key, date in (("not 2022-11-08", "2020-11-03"), ("not 2020-11-03", "2022-11-08")):
        assert tables[key].floor_ages == fit_late_floor(records[date]["late"], 0.99, (5000,))
    pooled = tables["pooled"].floor_ages
    assert pooled == worst_floor_ages(tables["not 2022-11-08"].floor_ages, tables["not 2020-11-03"].floor_ages)
    for (age, upto, median, high), a, b in zip(pooled, tables["not 2022-11-08"].floor_ages,
                                               tables["not 2020-11-03"].floor_ages):
        assert (age, upto) == a[:2] == b[:2]
        assert high == max(a[3], b[3]) and median == max(a[2], b[2])
    assert any(u == math.inf for _, u, _, _ in pooled)
    assert tables["pooled"].floor(100, 7.0) == tables["not 2022-11-08"].floor(100, 7.0)  # 2020 is the worse
