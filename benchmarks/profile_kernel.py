"""Where the kernel spends its time: per-variate costs and per-draw costs by case.

Usage::

    python benchmarks/profile_kernel.py [--quick]

Single-thread figures use the thread's CPU time (``time.thread_time``), so they stay
meaningful when another process shares the machine; the thread-scaling line uses
wall time.  Nothing here is part of the benchmark JSON; it backs the suggestions in
README.md.

Printed:

* ns per variate of ``simulate.engine._rng``: uniform, normal, gamma, and binomials along
  the three paths of ``binomial`` (inversion for n p < 10, BTRS up to variance
  ``NORMAL_MIN_VARIANCE``, corrected normal above it);
* for each case (and the units cases, which have no binomials), ns per draw of
  ``engine.accumulate`` at one thread, how many of its
  K - 1 conditional binomials take the exact (BTRS/inversion) path at the centre of
  the model, and the same case with every count multiplied by 100 (all binomials on
  the normal path) -- the difference is the price of the exact binomials;
* kernel ns/draw against K on synthetic races with large counts (the K-dependence
  of shares, binomials, ranking and histogram);
* wall-time speed-up from 1 to 2 threads, and the fixed wall-time cost of one
  ``engine.accumulate`` call at 1 and 2 threads (the engine's thread pool).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numba_cache  # noqa: E402

CACHE = numba_cache.use_private_cache()  # before simulate.engine._rng imports numba

import cases  # noqa: E402
import numpy as np  # noqa: E402

import simulate  # noqa: E402
from simulate.engine import _numba  # noqa: E402
from simulate.engine import _rng  # noqa: E402
from simulate.engine import driver as engine  # noqa: E402
from simulate.model import lump as model  # noqa: E402
from simulate.engine import streams  # noqa: E402


def cpu_ns(fn, units: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.thread_time()
        fn()
        times.append(time.thread_time() - t0)
    return statistics.median(times) / units * 1e9


def wall_s(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def exact_binomials(arrays: model.ModelArrays) -> int:
    """Conditional binomials (of K - 1) below NORMAL_MIN_VARIANCE at q = centre and the median remaining."""
    r = arrays.remaining_median - 1.0
    m = arrays.centre
    tail = np.cumsum(m[::-1])[::-1]  # sum_{i >= j} m_i
    count = 0
    left = r
    for j in range(len(m) - 1):
        p = min(m[j] / tail[j], 1.0)
        if left * p * (1 - p) < model.NORMAL_MIN_VARIANCE:
            count += 1
        left -= left * p
    return count


def scaled(scenario, factor: int):
    """The same race with every count (counted and remaining) multiplied by ``factor``."""
    c = scenario.count
    rem = c.remaining
    remaining = simulate.Remaining(rem.estimate * factor, None if rem.low is None else rem.low * factor,
                                   None if rem.high is None else rem.high * factor)
    count = dataclasses.replace(c, counted=tuple(v * factor for v in c.counted), remaining=remaining)
    return dataclasses.replace(scenario, count=count)


def synthetic(k: int):
    """A top-two race with K candidates, large counts (all binomials on the normal path)."""
    ids = [f"c{i:02d}" for i in range(k)]
    weights = np.linspace(2.0, 1.0, k)
    counted = (weights / weights.sum() * 5_000_000).astype(int)
    data = {
        "race": {"name": f"synthetic K={k}", "rule": "top_two"},
        "candidates": [{"id": i} for i in ids],
        "count": {"counted": dict(zip(ids, map(int, counted))),
                  "remaining": {"estimate": 20_000_000, "low": 16_000_000, "high": 25_000_000}},
    }
    return simulate.load_scenario_dict(data, f"synthetic-{k}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Profile the kernel's parts.")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    print(f"Numba cache: {CACHE['cache']}")
    n = 200_000 if args.quick else 1_000_000
    reps = 3 if args.quick else 5
    draws = 65_536 if args.quick else 262_144

    s = streams.block_states(1, 0, 1)[0].copy()
    out = np.empty(n)
    _rng.fill_normals(s, out[:10])
    _rng.fill_binomials(s, 10.0, 0.3, out[:10])
    _rng.fill_gammas(s, 2.0, out[:10])
    rng = np.random.default_rng(1)
    _rng.fill_uniforms(s, out[:10])
    print("ns per variate (one thread, CPU time)")
    print(f"  numpy random(out=)           {cpu_ns(lambda: rng.random(out=out), n, reps):7.2f}")
    print(f"  numpy standard_normal(out=)  {cpu_ns(lambda: rng.standard_normal(out=out), n, reps):7.2f}")
    print(f"  _rng.fill_uniforms           {cpu_ns(lambda: _rng.fill_uniforms(s, out), n, reps):7.2f}")
    print(f"  _rng.fill_normals            {cpu_ns(lambda: _rng.fill_normals(s, out), n, reps):7.2f}")
    print(f"  _rng.fill_gammas(shape 2)    {cpu_ns(lambda: _rng.fill_gammas(s, 2.0, out), n, reps):7.2f}")
    switch = model.NORMAL_MIN_VARIANCE
    for var in (5.0, 75.0, 0.5 * switch, 0.99 * switch, 1.01 * switch, 100.0 * switch):
        bp = 0.25
        bn = float(round(var / (bp * (1 - bp))))
        path = "inversion" if bn * bp < 10 else ("BTRS" if var < switch else "normal")
        ns = cpu_ns(lambda: _rng.fill_binomials(s, bn, bp, out), n, reps)
        print(f"  _rng.fill_binomials n={bn:>11,.0f} p={bp} var {var:>9,.0f} ({path:9s}) {ns:7.2f}")

    _numba.set_threads(1)
    print("\nkernel ns per draw, engine.accumulate, one thread (CPU time)")
    print(f"  {'case':12s} {'K':>3s} {'exact binom':>11s} {'ns/draw':>8s} {'counts x100':>11s} {'exact share':>11s}")
    for name, build in cases.SINGLE_CASES.items():
        sc = build()
        a = model.prepare(sc, sc.count)
        big = scaled(sc, 100)
        b = model.prepare(big, big.count)
        engine.accumulate(a, 1, engine.BLOCK_DRAWS)
        t1 = cpu_ns(lambda: engine.accumulate(a, 1, draws), draws, reps)
        t2 = cpu_ns(lambda: engine.accumulate(b, 1, draws), draws, reps)
        k = len(sc.candidates)
        print(f"  {name:12s} {k:3d} {exact_binomials(a):5d} of {k - 1:<3d} {t1:8.0f} {t2:11.0f} {1 - t2 / t1:10.0%}")
    from simulate.model.units import prepare_strata

    for name, build in cases.STRATA_CASES.items():
        sc = build()
        a = prepare_strata(sc, sc.count)[0]
        engine.accumulate(a, 1, engine.BLOCK_DRAWS)
        t1 = cpu_ns(lambda: engine.accumulate(a, 1, draws), draws, reps)
        print(f"  {name:12s} {len(sc.candidates):3d} {'-':>11s} {t1:8.0f}   ({len(sc.count.units)} units)")
    print("\nkernel ns per draw against K (synthetic top-two races, large counts: no exact binomials)")
    for k in (2, 3, 6, 12, 20, 40):
        sc = synthetic(k)
        a = model.prepare(sc, sc.count)
        engine.accumulate(a, 1, engine.BLOCK_DRAWS)
        t = cpu_ns(lambda: engine.accumulate(a, 1, draws), draws, reps)
        print(f"  K={k:3d} {t:7.0f} ns/draw  {t / (2 * k):6.1f} ns per (normal + binomial) pair")

    print("\nthread scaling (wall time, simple-3)")
    sc = cases.simple_3()
    a = model.prepare(sc, sc.count)
    walls = {}
    for t in (1, 2):
        _numba.set_threads(t)
        engine.accumulate(a, 1, engine.BLOCK_DRAWS)
        walls[t] = wall_s(lambda: engine.accumulate(a, 1, 4 * draws), reps)
    print(f"  1 thread {4 * draws / walls[1] / 1e6:.2f} M draws/s, 2 threads {4 * draws / walls[2] / 1e6:.2f} M draws/s "
          f"(speed-up {walls[1] / walls[2]:.2f}x)")

    print("\nfixed cost of one engine.accumulate call (16 draws), wall time")
    for t in (1, 2):
        _numba.set_threads(t)
        engine.accumulate(a, 1, 16)
        print(f"  {t} thread(s): {wall_s(lambda: engine.accumulate(a, 1, 16), reps) * 1e3:7.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
