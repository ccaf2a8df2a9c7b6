"""The on-demand bad-input fuzzing campaign (not collected by pytest).

    .venv/bin/python tests/fuzz/campaign.py --inputs 20000 [--seed 0] [--timeout 60] [--jobs 2]

Runs the input families of ``mutate.py`` (mutated bundled scenarios, units CSVs,
NC 2020 extracts, hostile command lines) through ``racecall`` in worker
processes limited to a 3 GB address space (``RLIMIT_AS``), each input under a
timeout, and counts every outcome:

* ``success``: exit 0, stderr empty or only ``racecall: ...`` notices (warnings, the kernel compiling);
* ``clean error``: exit 2 with exactly one ``racecall: error:`` line;
* ``crash``: anything else -- an exception escaping ``main``, another exit
  status, a second stderr line, a worker that died;
* ``hang``: no answer within ``--timeout`` seconds;
* ``memory``: ``MemoryError`` under the address-space limit.

Crashes, hangs and memory blow-ups are listed with the seed and family that
reproduce them (``--replay FAMILY:SEED`` reruns one).  The exit status is 1 when
there is any.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

ADDRESS_SPACE = 3 * 2**30


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()


def run_one(family: str, seed: int, timeout: int) -> dict:
    """One input in this process: ``{"outcome": ..., "argv": ..., "detail": ...}``."""
    import mutate
    from mutate import run_in_process

    case = getattr(mutate, family)
    with tempfile.TemporaryDirectory() as folder:
        argv = case(random.Random(seed), Path(folder))
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(timeout)
        try:
            code, _, err = run_in_process(argv)
        except _Hang:
            return {"outcome": "hang", "argv": argv, "detail": f"no answer in {timeout} s"}
        except MemoryError:
            return {"outcome": "memory", "argv": argv, "detail": "MemoryError"}
        except BaseException:  # noqa: BLE001 - a crash is what we are counting
            return {"outcome": "crash", "argv": argv, "detail": traceback.format_exc(limit=-3)}
        finally:
            signal.alarm(0)
    lines = err.splitlines()
    if code == 2 and len(lines) == 1 and lines[0].startswith(("racecall: error: ", "racecall import: error: ")):
        return {"outcome": "clean error", "argv": argv, "detail": lines[0][:200]}
    if code == 0 and all(line.startswith("racecall: ") and not line.startswith("racecall: error") for line in lines):
        return {"outcome": "success", "argv": argv, "detail": ""}
    return {"outcome": "crash", "argv": argv, "detail": f"exit {code}: {err[-2000:]}"}


def worker(first: int, count: int, base_seed: int, timeout: int) -> None:
    """Run inputs ``first .. first + count - 1``; one JSON line each on stdout."""
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    import mutate

    families = [c.__name__ for c in mutate.CASES]
    for i in range(first, first + count):
        family = families[i % len(families)]
        seed = base_seed * 1_000_003 + i
        print(json.dumps({"start": i, "family": family, "seed": seed}), flush=True)
        result = run_one(family, seed, timeout)
        print(json.dumps({"done": i, "family": family, "seed": seed, **{k: _text(v) for k, v in result.items()}}),
              flush=True)


def _text(value):
    return [str(a).encode("utf-8", "backslashreplace").decode() for a in value] if isinstance(value, list) else \
        str(value).encode("utf-8", "backslashreplace").decode()


def campaign(inputs: int, base_seed: int, timeout: int, jobs: int) -> int:
    counts = collections.Counter()
    bad, started = [], time.monotonic()
    per_family = collections.defaultdict(collections.Counter)
    chunks = [(i, min(inputs, i + 500) - i) for i in range(0, inputs, 500)]
    running: list = []

    def launch(first, count):
        p = subprocess.Popen([sys.executable, __file__, "--worker", str(first), str(count), "--seed", str(base_seed),
                              "--timeout", str(timeout)], stdout=subprocess.PIPE, text=True,
                             stderr=subprocess.DEVNULL)
        running.append((p, first, count))

    def collect(p, first, count):
        last_start, seen = None, set()
        for line in p.stdout:
            item = json.loads(line)
            if "start" in item:
                last_start = item
                continue
            seen.add(item["done"])
            counts[item["outcome"]] += 1
            per_family[item["family"]][item["outcome"]] += 1
            if item["outcome"] in ("crash", "hang", "memory"):
                bad.append(item)
                print(f"{item['outcome']}: --replay {item['family']}:{item['seed']} {item['detail'][-300:]}",
                      file=sys.stderr)
        p.wait()
        if p.returncode != 0 and last_start is not None and last_start["start"] not in seen:
            counts["crash"] += 1  # the worker died on this input (a signal, the address-space limit)
            per_family[last_start["family"]]["crash"] += 1
            bad.append({**last_start, "outcome": "crash", "detail": f"worker died ({p.returncode})"})
            rest = first + count - last_start["start"] - 1
            if rest > 0:
                return (last_start["start"] + 1, rest)
        return None

    queue = list(chunks)
    while queue or running:
        while queue and len(running) < jobs:
            launch(*queue.pop(0))
        p, first, count = running.pop(0)
        again = collect(p, first, count)
        if again:
            queue.insert(0, again)
        done = sum(counts.values())
        print(f"{done:,}/{inputs:,} inputs, {time.monotonic() - started:.0f} s: {dict(counts)}", file=sys.stderr)
    total = sum(counts.values())
    print(f"inputs tried {total:,} in {time.monotonic() - started:.0f} s (seed {base_seed}, timeout {timeout} s, "
          f"address space {ADDRESS_SPACE / 2**30:.0f} GB)")
    for outcome in ("success", "clean error", "crash", "hang", "memory"):
        print(f"  {outcome:12s} {counts[outcome]:7,}")
    for family, c in sorted(per_family.items()):
        print(f"  {family:14s} " + ", ".join(f"{k} {v:,}" for k, v in sorted(c.items())))
    for item in bad[:50]:
        print(f"\n{item['outcome']}: --replay {item['family']}:{item['seed']}\n  argv: {item.get('argv')}\n  {item['detail']}")
    return 1 if bad else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--inputs", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=int, default=60)
    p.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    p.add_argument("--worker", nargs=2, type=int, metavar=("FIRST", "COUNT"), help=argparse.SUPPRESS)
    p.add_argument("--replay", metavar="FAMILY:SEED", help="run one input here and print its outcome")
    args = p.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.seed, args.timeout)
        return 0
    if args.replay:
        family, seed = args.replay.split(":")
        print(json.dumps(run_one(family, int(seed), args.timeout), indent=2, ensure_ascii=False))
        return 0
    return campaign(args.inputs, args.seed, args.timeout, args.jobs)


if __name__ == "__main__":
    sys.exit(main())
