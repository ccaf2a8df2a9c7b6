"""Benchmark the Monte Carlo kernel against plain NumPy and against the random-variate floor.

Usage::

    python benchmarks/run.py [--quick] [--out benchmarks/results/latest.json]
                             [--cases simple-3,simple-12,...] [--threads 1,2] [--package-cache]

For every case (see ``benchmarks/cases.py``) and thread count, after a warm-up
that loads or compiles the kernel:

* ``kernel_draws_per_s``: ``simulate.engine.driver.accumulate(prepare(scenario), seed, N)``
  -- the engine and compiled kernel, including the share histogram's range (from
  the model) and the block/round bookkeeping, excluding ``prepare`` and the
  summary (for the units cases ``prepare_strata``).
* ``run_draws_per_s``: ``simulate.run(scenario, draws=N, seed=1, threads=t)`` -- what a
  user calls: prepare + engine + summary and call; ``run_1m_s`` (units cases): the
  wall time of ``simulate.run`` at 1,000,000 draws.
* ``numpy_draws_per_s``: ``benchmarks/numpy_reference.py`` (``numpy_strata.py`` for the
  units cases; single-threaded NumPy): the strongest straightforward vectorised NumPy.
  Lump cases also: ``numpy_naive_draws_per_s`` (``numpy_naive.py``, the first, naive
  version, exact binomials) and ``numba_baseline_draws_per_s`` per thread count
  (``numba_baseline.py``, careful plain Numba, ``prange`` over blocks), with
  ``ratio_vs_numba_baseline`` (kernel / baseline at each thread count).
* ``ratio_vs_numpy``: kernel draws/s at the highest thread count / NumPy draws/s
  (``ratio_vs_numpy_1thread`` at one thread).
* ``floor_ratio``: kernel seconds per draw at the highest thread count / floor seconds per
  draw, where the floor is the time to generate just the random variates one draw
  consumes (see README.md), with the fastest generator measured, and perfect
  scaling assumed across threads (single-thread floor / threads).
* ``agreement_max_z``: the largest |p_kernel - p_numpy| / se over p_win, p_outright,
  p_advance and p_first from the timed runs -- a benchmark of two programs is only
  meaningful if they compute the same thing.

``batch-373``: every simulable contest of the November 2024 general through
``simulate.run_many`` at 100,000 draws each (``threads`` contests at a time, one kernel
thread each); total wall time and contests/s; ``one_by_one_wall_s``: the same contests
through ``simulate.run`` one after another at ``threads`` kernel threads.  The NumPy
reference runs on 20 evenly spaced contests only, and its total is extrapolated
(time x simulated contests / 20).  With ``--quick`` every 4th contest is timed and the
wall time extrapolated, and NumPy runs on 10 contests.

Every figure is the median of the repeats (5 by default; 3 with ``--quick``; 3 and 1
for the batch).  The load average before and after is recorded: the figures are wall
times, and another busy process on a 2-core machine halves them.

Kernels are compiled into a Numba cache keyed by the package's sources
(``benchmarks/numba_cache.py``), so a stale ``simulate/__pycache__`` is never timed;
``--package-cache`` uses the package's own cache instead.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import cases  # noqa: E402  (puts the repository root on sys.path)
import numba_cache  # noqa: E402
import numpy as np  # noqa: E402
import numpy_naive  # noqa: E402
import numpy_reference  # noqa: E402
import numpy_strata  # noqa: E402

import simulate  # noqa: E402
from simulate.engine import _numba  # noqa: E402
from simulate.engine import driver as engine  # noqa: E402
from simulate.model import lump as model  # noqa: E402
from simulate.outcome.runner import run_many  # noqa: E402

SEED = 1

FULL = {
    "repeats": 5,
    "kernel_draws": {"simple-3": 4_000_000, "simple-12": 2_000_000, "seats-7": 1_000_000,
                     "strata-58x3x3": 4_000_000, "strata-2000x2": 4_000_000},
    "numpy_draws": {"simple-3": 1_048_576, "simple-12": 524_288, "seats-7": 262_144,
                    "strata-58x3x3": 65_536, "strata-2000x2": 16_384},  # the units reference draws every unit
    "baseline_draws": {"simple-3": 2_097_152, "simple-12": 1_048_576, "seats-7": 524_288},
    "naive_draws": {"simple-3": 524_288, "simple-12": 262_144, "seats-7": 131_072},
    "batch_draws": 100_000,
    "batch_repeats": 3,
    "batch_stride": 1,
    "batch_numpy_contests": 20,
    "floor_variates": 4_000_000,
}
QUICK = {
    "repeats": 3,
    "kernel_draws": {"simple-3": 1_000_000, "simple-12": 262_144, "seats-7": 131_072,
                     "strata-58x3x3": 1_000_000, "strata-2000x2": 1_000_000},
    "numpy_draws": {"simple-3": 262_144, "simple-12": 131_072, "seats-7": 65_536,
                    "strata-58x3x3": 32_768, "strata-2000x2": 16_384},
    "baseline_draws": {"simple-3": 524_288, "simple-12": 262_144, "seats-7": 131_072},
    "naive_draws": {"simple-3": 131_072, "simple-12": 65_536, "seats-7": 32_768},
    "batch_draws": 100_000,
    "batch_repeats": 1,
    "batch_stride": 4,
    "batch_numpy_contests": 10,
    "floor_variates": 1_000_000,
}


# -- helpers -------------------------------------------------------------------

def timed(fn, repeats: int):
    """Median wall time of ``repeats`` calls of ``fn``, all the times, and the last result (warm up first)."""
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict:
    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel region has run yet
        layer = None
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "numba_max_threads": numba.config.NUMBA_NUM_THREADS,
        "numba_threading_layer": layer,
        "platform": platform.platform(),
    }


def versions() -> dict:
    import numba

    return {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
            "racecall": simulate.__version__}


def source_info() -> dict:
    """The commit the sources are at, and whether the package's files differ from it (read-only git)."""
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=cases.ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": git("rev-parse", "HEAD"), "package_modified": bool(git("status", "--porcelain", "--", "simulate"))}


def tally_probabilities(t: engine.Tally) -> dict:
    n = t.draws
    return {"draws": n, "p_win": (t.wins / n).tolist(), "p_outright": (t.outright / n).tolist(),
            "p_advance": (t.advance / n).tolist(), "p_first": (t.first / n).tolist()}


def tally_numpy(t: dict) -> dict:
    n = t["draws"]
    return {"draws": n, "p_win": (t["wins"] / n).tolist(), "p_outright": (t["outright"] / n).tolist(),
            "p_advance": (t["advance"] / n).tolist(), "p_first": (t["first"] / n).tolist()}


# -- the floor -----------------------------------------------------------------

def measure_floor(n: int, repeats: int) -> dict:
    """Seconds per standard normal and per uniform double, for each generator; the fastest of each."""
    from simulate.engine import _rng
    from simulate.engine import streams

    out = np.empty(n)
    state = streams.block_states(SEED, 0, 1)[0].copy()
    _rng.fill_normals(state, out[:1000])  # warm-up: load/compile
    _rng.fill_uniforms(state, out[:1000])
    rng = np.random.default_rng(SEED)
    normal = {
        "simulate.engine._rng.fill_normals": timed(lambda: _rng.fill_normals(state, out), repeats)[0] / n,
        "numpy.standard_normal(out=)": timed(lambda: rng.standard_normal(out=out), repeats)[0] / n,
    }
    uniform = {
        "simulate.engine._rng.fill_uniforms": timed(lambda: _rng.fill_uniforms(state, out), repeats)[0] / n,
        "numpy.random(out=)": timed(lambda: rng.random(out=out), repeats)[0] / n,
    }
    return {
        "s_per_normal": normal, "s_per_uniform": uniform,
        "normal_s": min(normal.values()), "uniform_s": min(uniform.values()),
        "normal_source": min(normal, key=normal.get), "uniform_source": min(uniform, key=uniform.get),
    }


def words_drawn(arrays) -> float:
    """64-bit words the kernel actually takes from its generator per draw, over one block: the
    block's xoshiro256++ state is stepped from its start until it reaches the state the kernel
    left (every variate, exact binomial, rejection and tie-break included)."""
    from simulate.engine import streams

    k = arrays.order.shape[0]
    states = streams.block_states(SEED, 0, 1)
    start = states[0].copy()
    hist_low, hist_scale = engine.histogram_range(arrays, SEED)
    engine._run_blocks(arrays, states, np.array([engine.BLOCK_DRAWS]), hist_low, hist_scale,
                       engine._slots(1, k, engine.HIST_BINS), 1)
    return _steps_between(start, states[0].copy()) / engine.BLOCK_DRAWS


def _steps_between(start, end, limit=1 << 32):
    import numba

    from simulate.engine import _rng

    @numba.njit
    def steps(row, target, limit):
        st = _rng.load(row)
        for i in range(limit):
            if st[0] == target[0] and st[1] == target[1] and st[2] == target[2] and st[3] == target[3]:
                return i
            _, st = _rng.next_u64(st)
        return -1

    return steps(start, end, limit)


def variates_per_draw(arrays) -> dict:
    """Random variates one kernel draw consumes (binomials counted as the one normal they take when large;
    a units draw: K race-wide normals, K per vote type, per unit drawn exactly K plus one for an
    uncertain remaining count (and K - 1 binomials with few units), K for the pooled normal)."""
    if hasattr(arrays, "unit_sigma"):  # simulate.model.units.StrataArrays
        k = arrays.counted.shape[0]
        exact = ~arrays.pooled
        normals = k * (1 + arrays.types) + int(exact.sum()) * k + int((exact & ~arrays.remaining_exact).sum())
        if arrays.pool_ballots or arrays.pooled.any():
            normals += k
        else:
            normals += int(exact.sum()) * (k - 1)
    else:
        k = arrays.counted.shape[0]
        normals = (0 if arrays.remaining_exact else 1) + k + (k - 1)
    uniforms = 0  # the tie-break draws uniforms only at an exact tie (rare; counted by words_drawn)
    if arrays.tail_df > 0.0:  # one gamma: at least one normal and one uniform
        normals += 1
        uniforms += 1
    return {"normal": normals, "uniform": uniforms}


# -- the cases -----------------------------------------------------------------

def bench_single(name: str, scenario, settings: dict, threads: list[int]) -> dict:
    units = len(scenario.count.units) > 1
    if units:
        from simulate.model.units import prepare_strata

        arrays = prepare_strata(scenario, scenario.count)[0]
        reference = numpy_strata
    else:
        arrays = model.prepare(scenario, scenario.count)
        reference = numpy_reference
    k = arrays.order.shape[0]
    reps = settings["repeats"]
    n_kernel = settings["kernel_draws"][name]
    n_numpy = settings["numpy_draws"][name]
    res = {
        "K": k, "rule": scenario.race.rule, "seats": scenario.race.seats,
        "draws": {"kernel": n_kernel, "numpy": n_numpy}, "repeats": reps,
        "kernel_draws_per_s": {}, "run_draws_per_s": {}, "times_s": {"kernel": {}, "run": {}},
    }
    if units:
        res["units"] = len(scenario.count.units)
        res["vote_types"] = len({u.type for u in scenario.count.units})
    else:
        res["remaining_exact"] = bool(arrays.remaining_exact)
    tally = None
    for t in threads:
        used = _numba.set_threads(t)
        engine.accumulate(arrays, SEED, engine.BLOCK_DRAWS)  # warm-up at this thread count
        med, times, tally = timed(lambda: engine.accumulate(arrays, SEED, n_kernel), reps)
        res["kernel_draws_per_s"][str(used)] = n_kernel / med
        res["times_s"]["kernel"][str(used)] = times
        simulate.run(scenario, draws=engine.BLOCK_DRAWS, seed=SEED, threads=t)
        med, times, _ = timed(lambda: simulate.run(scenario, draws=n_kernel, seed=SEED, threads=t), reps)
        res["run_draws_per_s"][str(used)] = n_kernel / med
        res["times_s"]["run"][str(used)] = times
    if units:  # the target: a million draws of the units race, what a user waits for
        res["run_1m_s"] = {}
        for t in threads:
            used = _numba.set_threads(t)
            res["run_1m_s"][str(used)] = timed(lambda: simulate.run(scenario, draws=1_000_000, seed=SEED, threads=t), reps)[0]
    reference.simulate(arrays, 1_000, SEED)  # warm-up
    med, times, ref = timed(lambda: reference.simulate(arrays, n_numpy, SEED), reps)
    res["numpy_draws_per_s"] = n_numpy / med
    res["times_s"]["numpy"] = times
    if not units:
        import numba_baseline  # imports numba: only after the cache is chosen

        numpy_naive.simulate(arrays, 1_000, SEED)
        n_naive = settings["naive_draws"][name]
        med, times, naive = timed(lambda: numpy_naive.simulate(arrays, n_naive, SEED), reps)
        res["numpy_naive_draws_per_s"] = n_naive / med
        res["times_s"]["numpy_naive"] = times
        res["agreement_max_z_naive"] = numpy_reference.max_z_difference(tally_numpy(naive), tally_probabilities(tally))
        res["numba_baseline_draws_per_s"], res["times_s"]["numba_baseline"] = {}, {}
        n_base = settings["baseline_draws"][name]
        for t in threads:
            used = _numba.set_threads(t)
            numba_baseline.simulate(arrays, numba_baseline.BLOCK * used, SEED)  # warm-up (compiles once)
            med, times, base = timed(lambda: numba_baseline.simulate(arrays, n_base, SEED), reps)
            res["numba_baseline_draws_per_s"][str(used)] = n_base / med
            res["times_s"]["numba_baseline"][str(used)] = times
        res["ratio_vs_numba_baseline"] = {t: res["kernel_draws_per_s"][t] / v for t, v in res["numba_baseline_draws_per_s"].items()}
        res["agreement_max_z_numba_baseline"] = numpy_reference.max_z_difference(tally_numpy(base), tally_probabilities(tally))
        res["words_per_draw"] = words_drawn(arrays)
    top = max(res["kernel_draws_per_s"], key=int)
    res["ratio_vs_numpy"] = res["kernel_draws_per_s"][top] / res["numpy_draws_per_s"]
    if "1" in res["kernel_draws_per_s"]:
        res["ratio_vs_numpy_1thread"] = res["kernel_draws_per_s"]["1"] / res["numpy_draws_per_s"]
    res["agreement_max_z"] = numpy_reference.max_z_difference(tally_numpy(ref), tally_probabilities(tally))
    res["variates_per_draw"] = variates_per_draw(arrays)
    return res


def add_floor(res: dict, floor: dict) -> None:
    v = res["variates_per_draw"]
    per_draw_1 = v["normal"] * floor["normal_s"] + v["uniform"] * floor["uniform_s"]
    res["floor_s_per_draw"] = {t: per_draw_1 / int(t) for t in res["kernel_draws_per_s"]}
    res["floor_draws_per_s"] = {t: 1.0 / s for t, s in res["floor_s_per_draw"].items()}
    top = max(res["kernel_draws_per_s"], key=int)
    res["floor_ratio"] = (1.0 / res["kernel_draws_per_s"][top]) / res["floor_s_per_draw"][top]
    res["floor_ratio_threads"] = int(top)
    # the same with NumPy's generators (the floor of a program that draws its variates with NumPy)
    numpy_1 = (v["normal"] * floor["s_per_normal"]["numpy.standard_normal(out=)"]
               + v["uniform"] * floor["s_per_uniform"]["numpy.random(out=)"])
    res["floor_ratio_numpy_variates"] = (1.0 / res["kernel_draws_per_s"][top]) / (numpy_1 / int(top))


def bench_batch(settings: dict, threads: list[int], quick: bool) -> dict:
    draws = settings["batch_draws"]
    t0 = time.perf_counter()
    batch = cases.batch_373(draws=draws, seed=SEED)
    build_s = time.perf_counter() - t0
    everything = [s for _, s in batch.scenarios]
    stride = settings["batch_stride"]
    scen = everything[::stride]
    scale = len(everything) / len(scen)  # 1 unless --quick
    res = {
        "contests": batch.contests, "simulated": len(everything), "skipped": len(batch.skipped),
        "skipped_reasons": dict(Counter(r for _, r in batch.skipped)),
        "draws_per_contest": draws, "build_s": build_s, "repeats": settings["batch_repeats"],
        "timed_contests": len(scen),
        "wall_s": {}, "contests_per_s": {}, "kernel_draws_per_s": {}, "one_by_one_wall_s": {}, "times_s": {},
    }
    if stride > 1:
        res["note"] = (f"--quick: every {stride}th contest timed ({len(scen)} of {len(everything)}); "
                       f"wall_s is extrapolated to all {len(everything)} (x {scale:.2f})")
    for t in (threads[-1:] if quick else threads):
        used = _numba.set_threads(t)
        simulate.run(scen[0], draws=engine.BLOCK_DRAWS, seed=SEED, threads=t)  # warm-up
        run_many(scen[:4], draws=engine.BLOCK_DRAWS, seed=SEED, threads=t)
        med, times, _ = timed(lambda: run_many(scen, draws=draws, seed=SEED, threads=t), settings["batch_repeats"])
        res["wall_s"][str(used)] = med * scale
        res["times_s"][str(used)] = times
        res["contests_per_s"][str(used)] = len(scen) / med
        res["kernel_draws_per_s"][str(used)] = len(scen) * draws / med  # main draws only, via run_many

        def one_by_one():
            for s in scen:
                simulate.run(s, draws=draws, seed=SEED, threads=t)

        med, times, _ = timed(one_by_one, settings["batch_repeats"])
        res["one_by_one_wall_s"][str(used)] = med * scale
        res["times_s"][f"one_by_one_{used}"] = times
    m = settings["batch_numpy_contests"]
    subset = [everything[i * len(everything) // m] for i in range(m)]
    arrays = [model.prepare(s, s.count) for s in subset]
    numpy_reference.simulate(arrays[0], 1_000, SEED)

    def numpy_subset():
        for a in arrays:
            numpy_reference.reference_probabilities(a, draws, SEED)

    med, times, _ = timed(numpy_subset, settings["batch_repeats"])
    top = max(res["wall_s"], key=int)
    res["numpy_subset"] = {
        "contests": m, "wall_s": med, "times_s": times,
        "extrapolated_wall_s": med * len(everything) / m,
        "note": f"NumPy reference on {m} evenly spaced contests at {draws:,} draws each, "
                f"extrapolated to all {len(everything)} (x {len(everything) / m:.2f}); single-threaded",
    }
    res["ratio_vs_numpy"] = res["numpy_subset"]["extrapolated_wall_s"] / res["wall_s"][top]
    return res


# -- output --------------------------------------------------------------------

def _m(x) -> str:
    return f"{x / 1e6:7.2f}" if x is not None else "      -"


def fmt_load(load) -> str:
    return "/".join(f"{x:.1f}" for x in load)


def print_table(report: dict) -> None:
    c = report["cases"]
    threads = [str(t) for t in report["threads"]]
    top = threads[-1]
    print()
    print(f"{report['machine']['cpu']}, {report['machine']['cores']} cores; python {report['versions']['python']}, "
          f"numpy {report['versions']['numpy']}, numba {report['versions']['numba']}"
          f"{'  [--quick]' if report['quick'] else ''}")
    head = (f"{'case':11s} {'K':>3s} " + " ".join(f"kern {t}t" for t in threads)
            + f" {'run() ' + top + 't':>8s} {'numpy':>7s} {'x numpy':>7s} {'floor ' + top + 't':>8s} {'/floor':>6s} {'agree z':>7s}")
    print(head)
    print("  (M draws/s; kernel = engine.accumulate; run() = simulate.run; numpy single-threaded; floor = variates only)")
    for name in cases.CASE_NAMES:
        r = c.get(name)
        if r is None:
            continue
        if name == "batch-373":
            continue
        kern = " ".join(f"{_m(r['kernel_draws_per_s'].get(t)):>7s}" for t in threads)
        print(f"{name:11s} {r['K']:3d} {kern} {_m(r['run_draws_per_s'].get(top)):>8s} {_m(r['numpy_draws_per_s'])} "
              f"{r['ratio_vs_numpy']:6.1f}x {_m(r['floor_draws_per_s'].get(top)):>8s} {r['floor_ratio']:5.2f}x "
              f"{r['agreement_max_z']:7.2f}")
    lump = [name for name in cases.CASE_NAMES if "numba_baseline_draws_per_s" in c.get(name, {})]
    if lump:
        print("  the lump cases against the other programs (M draws/s; kernel / program at 1 thread and at "
              f"{top}; agreement z; 64-bit words drawn per draw)")
        for name in lump:
            r = c[name]
            base = r["numba_baseline_draws_per_s"]
            print(f"  {name:11s} numpy {_m(r['numpy_draws_per_s'])} ({r.get('ratio_vs_numpy_1thread', 0):.1f}x at 1t), "
                  f"naive numpy {_m(r['numpy_naive_draws_per_s'])} "
                  f"({r['kernel_draws_per_s'].get('1', 0) / r['numpy_naive_draws_per_s']:.1f}x at 1t, z {r['agreement_max_z_naive']:.2f}), "
                  f"plain Numba " + "/".join(_m(base[t]).strip() for t in threads if t in base)
                  + " (" + "/".join(f"{r['ratio_vs_numba_baseline'][t]:.2f}x" for t in threads if t in base)
                  + f", z {r['agreement_max_z_numba_baseline']:.2f}), words {r['words_per_draw']:.2f}")
    b = c.get("batch-373")
    if b:
        walls = ", ".join(f"{t} thread(s) {w:.2f} s ({b['contests_per_s'][t]:.0f} contests/s; one by one "
                          f"{b['one_by_one_wall_s'][t]:.2f} s)" for t, w in b["wall_s"].items())
        ns = b["numpy_subset"]
        print(f"batch-373   {b['simulated']} of {b['contests']} contests simulated ({b['skipped']} skipped: "
              f"{', '.join(f'{v} {k}' for k, v in b['skipped_reasons'].items())}), {b['draws_per_contest']:,} draws each")
        print(f"            run_many: {walls}" + (f"\n            ({b['note']})" if "note" in b else ""))
        print(f"            numpy: {ns['wall_s']:.2f} s for {ns['contests']} contests -> ~{ns['extrapolated_wall_s']:.1f} s "
              f"extrapolated (kernel/numpy speed {b['ratio_vs_numpy']:.1f}x)")
    f = report["floor"]
    print(f"load average (1, 5, 15 min) before {fmt_load(report['load_average_before'])}, "
          f"after {fmt_load(report['load_average_after'])} on {report['machine']['cores']} cores")
    print(f"floor       normal {f['normal_s'] * 1e9:.2f} ns ({f['normal_source']}), "
          f"uniform {f['uniform_s'] * 1e9:.2f} ns ({f['uniform_source']}); "
          f"{top}-thread floor = 1-thread / {top} (perfect scaling assumed)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the racecall kernel.")
    parser.add_argument("--quick", action="store_true", help="fewer draws and repeats (under a minute)")
    parser.add_argument("--out", type=Path, default=None,
                        help="results file (default results/latest.json; with --quick results/quick.json, untracked)")
    parser.add_argument("--cases", default=",".join(cases.CASE_NAMES), help="comma-separated case names")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--package-cache", action="store_true",
                        help="use the package's own Numba cache (may be stale; see numba_cache.py)")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = HERE / "results" / ("quick.json" if args.quick else "latest.json")
    cache = {"cache": "the package's own (simulate/__pycache__)"} if args.package_cache else numba_cache.use_private_cache()
    settings = QUICK if args.quick else FULL
    wanted = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = set(wanted) - set(cases.CASE_NAMES)
    if unknown:
        parser.error(f"unknown case(s) {', '.join(sorted(unknown))}; choose from {', '.join(cases.CASE_NAMES)}")
    threads = sorted({int(t) for t in args.threads.split(",")})
    started = time.perf_counter()

    t0 = time.perf_counter()
    simulate.run(cases.simple_3(), draws=engine.BLOCK_DRAWS, seed=SEED, threads=threads[-1])
    warmup_s = time.perf_counter() - t0
    threads = sorted({_numba.set_threads(t) for t in threads})

    report = {
        "generated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine_info(),
        "versions": versions(),
        "threads": threads,
        "seed": SEED,
        "settings": settings,
        "warmup_s": warmup_s,
        "sources": {**source_info(), **cache},
        "load_average_before": os.getloadavg(),
        "cases": {},
    }
    print(f"warm-up (load or compile the kernel): {warmup_s:.2f} s; Numba cache: {cache['cache']}", flush=True)
    floor = measure_floor(settings["floor_variates"], settings["repeats"])
    report["floor"] = floor
    for name in wanted:
        print(f"running {name} ...", flush=True)
        if name == "batch-373":
            report["cases"][name] = bench_batch(settings, threads, args.quick)
        else:
            build = cases.SINGLE_CASES.get(name) or cases.STRATA_CASES[name]
            res = bench_single(name, build(), settings, threads)
            add_floor(res, floor)
            report["cases"][name] = res
    report["total_s"] = time.perf_counter() - started
    report["load_average_after"] = os.getloadavg()
    print_table(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.out} ({report['total_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
