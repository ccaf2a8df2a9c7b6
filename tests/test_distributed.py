"""Backtests on a Dask cluster give the single-process numbers, bit for bit."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulate.history import backtest as bt
from simulate.history.distributed import GUIDED_MIN, GUIDED_SPLIT, guided_chunks, run_chunks
from simulate.history.sources import load_history

GENERAL = Path(__file__).parent / "data" / "la-county-2024" / "general" / "timeframes.json"


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=300), st.integers(1, 20))
def test_guided_chunks_cover_the_tasks_in_order(costs, threads):
    runs = guided_chunks(costs, threads)
    assert [i for r in runs for i in r] == list(range(len(costs)))
    assert all(len(r) for r in runs)
    # each chunk but the last reaches its target: at most about GUIDED_SPLIT x threads x ln(GUIDED_MIN) + GUIDED_MIN x threads
    assert len(runs) <= GUIDED_MIN * threads + GUIDED_SPLIT * threads * 3 + 1


def test_guided_chunks_shrink_from_half_a_thread_share_to_the_floor():
    runs = guided_chunks([1.0] * 1000, 2)  # 2 threads: each chunk a quarter of what is left, at least 1/32 of all
    sizes = [len(r) for r in runs]
    assert sizes[:4] == [250, 188, 141, 106]
    assert min(sizes[:-1]) == 1000 // (GUIDED_MIN * 2) + 1 and sizes == sorted(sizes, reverse=True)
    assert len(guided_chunks([100.0] + [1.0] * 100, 2)[0]) == 1  # one heavy contest: a chunk by itself


def test_local_cluster_matches_one_process():
    pytest.importorskip("distributed")
    scenarios = tuple(bt.prepare(s, {}, 0.995) for s in load_history(GENERAL, "general").scenarios[:6])
    tasks = [(i, s, 2_000, 7, 1, True) for i, s in enumerate(scenarios)]
    here = [bt._simulate_contest(t) for t in tasks]
    there = run_chunks(bt._simulate_contest, tasks, [len(s.snapshots) for s in scenarios], workers=2)
    assert there.chunks >= 2 and there.workers == 2
    assert [[[r.to_dict() for r in runs] for runs in contest] for contest in there.results] == \
           [[[r.to_dict() for r in runs] for runs in contest] for contest in here]


def test_backtest_command_on_a_local_cluster_gives_the_same_report(tmp_path, capsys):
    pytest.importorskip("distributed")
    import json

    from simulate.cli.main import main

    argv = ["backtest", str(GENERAL), "--kind", "general", "--draws", "1000", "--json"]
    assert main(argv) == 0
    alone = json.loads(capsys.readouterr().out)
    assert main([*argv, "--scheduler", "local", "--workers", "2"]) == 0
    dask = json.loads(capsys.readouterr().out)
    assert dask["settings"].pop("dask")["workers"] == 2
    for report in (alone, dask):
        report.pop("seconds")
    assert dask == alone
