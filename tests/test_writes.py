"""Every output whole or not at all: under a file-size limit and under SIGKILL at random moments.

Each test makes a good output first, then tries to replace it by a different one
in a child process that either hits ``RLIMIT_FSIZE`` (what ``ulimit -f`` sets: a
full disk, as far as the writer can tell) or is killed with ``SIGKILL`` at a
random moment; afterwards the output must be exactly the old one or exactly the
new one, and load.
"""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import simulate
from simulate import files
from simulate.scenario.calibration_file import Calibration, read_calibration, write_calibration

ROOT = Path(__file__).resolve().parent.parent
NC = ROOT / "tests" / "data" / "nc-2020" / "president-by-county-and-vote-type.csv"
TIMEFRAMES = ROOT / "tests" / "data" / "la-county-2024" / "general" / "timeframes.json"
PYTHON = sys.executable


def _fsize_limit(nbytes: int):
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return limit


def racecall_child(argv, **kwargs):
    return subprocess.Popen([PYTHON, "-m", "simulate", *map(str, argv)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def snapshot(path: Path) -> dict:
    """Every file under ``path`` (or the file itself): name -> bytes, hidden leftovers excluded."""
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)}


def test_write_text_keeps_the_old_file_when_the_check_fails(tmp_path):
    target = tmp_path / "a.txt"
    files.write_text(target, "old\n")
    os.chmod(target, 0o640)

    def refuse(tmp):
        assert tmp.read_text() == "new\n" and tmp.parent == target.parent
        raise ValueError("no")

    with pytest.raises(ValueError):
        files.write_text(target, "new\n", check=refuse)
    assert target.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    files.write_text(target, "new\n")
    assert target.read_text() == "new\n" and (target.stat().st_mode & 0o777) == 0o640  # permissions kept
    with pytest.raises(UnicodeEncodeError):
        files.write_text(target, "caf\udce9")
    assert target.read_text() == "new\n"


def test_new_directory_is_an_ordinary_directory(tmp_path):
    with files.new_directory(tmp_path / "d") as tmp:
        files.write_text(tmp / "x.yaml", "a: 1\n")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o777 & ~mask
    assert (tmp_path / "d" / "x.yaml").stat().st_mode & 0o777 == 0o666 & ~mask


def _calibration(points: int) -> Calibration:
    grid = tuple({"uncertainty": 0.01 * i, "tail_df": 8.0, "log_loss": 0.05} for i in range(points))
    return Calibration(0.045, 8.1, 0.15, fitted_on=("h.json",), grid=grid, metrics={"log_loss": 0.05})


def test_calibration_file_survives_a_full_disk(tmp_path):
    out = tmp_path / "fit.yaml"
    write_calibration(_calibration(2), out)
    before = out.read_bytes()
    code = (f"from simulate.scenario.calibration_file import *\nfrom tests.test_writes import _calibration\n"
            f"write_calibration(_calibration(500), {str(out)!r})")
    done = subprocess.run([PYTHON, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          preexec_fn=_fsize_limit(1024))
    assert done.returncode != 0 and "File too large" in done.stderr
    assert out.read_bytes() == before and read_calibration(out).uncertainty == 0.045
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.yaml"]  # no temporary file left behind


def test_nc_units_import_survives_a_full_disk(tmp_path):
    out = tmp_path / "nc.yaml"
    first = ["import", "nc-2020", NC, "--units-csv", "--first-timestamp", "2020-11-04T03:40", "--out", out]
    assert racecall_child(first).wait() == 0
    before = snapshot(tmp_path)
    child = racecall_child(["import", "nc-2020", NC, "--units-csv", "--out", out], preexec_fn=_fsize_limit(8_000))
    _, err = child.communicate(timeout=120)
    assert child.returncode == 1 and "File too large" in err and len(err.splitlines()) == 1, err
    assert snapshot(tmp_path) == before
    assert len(simulate.load_scenario(out).snapshots) == 2


def _kill_at_random(argv, out: Path, seconds: float, rounds: int, seed: int):
    """Run ``argv`` ``rounds`` times, SIGKILLed after a random delay in [0, seconds); yield after each."""
    rng = random.Random(seed)
    for _ in range(rounds):
        child = racecall_child(argv)
        time.sleep(rng.uniform(0.0, seconds))
        child.send_signal(signal.SIGKILL)
        child.wait()
        yield child.returncode


@pytest.mark.parametrize("seed", [1])
def test_nc_units_import_killed_at_random_moments(tmp_path, seed):
    out = tmp_path / "nc.yaml"
    old_argv = ["import", "nc-2020", NC, "--units-csv", "--first-timestamp", "2020-11-04T03:40", "--out", out]
    new_argv = ["import", "nc-2020", NC, "--units-csv", "--out", out]
    assert racecall_child(old_argv).wait() == 0
    old = simulate.load_scenario(out)
    start = time.monotonic()
    assert racecall_child(new_argv).wait() == 0
    took = time.monotonic() - start
    new = simulate.load_scenario(out)
    assert racecall_child(old_argv).wait() == 0
    outcomes = set()
    for code in _kill_at_random(new_argv, out, took * 1.2, rounds=4, seed=seed):
        loaded = simulate.load_scenario(out)  # loads: never a YAML file naming CSVs of another import
        assert loaded.snapshots in (old.snapshots, new.snapshots)
        outcomes.add(len(loaded.snapshots))
        folders = [p for p in tmp_path.iterdir() if p.name.startswith("nc.units")]
        assert 1 <= len(folders) <= 2  # the one in use, and at most one the kill left to remove
    assert outcomes <= {2, 20}


def test_la_county_import_killed_at_random_moments(tmp_path):
    out = tmp_path / "la"
    base = ["import", "la-county", TIMEFRAMES, "--kind", "general", "--final", "--out", out]
    old_argv = [*base, "--override", "CITY OF ARCADIA MEASURE AA=measure:0.6"]
    first = racecall_child(old_argv)
    _, err = first.communicate()
    if first.returncode != 0:
        pytest.skip(f"the importer's options changed: {err.strip()}")
    old = snapshot(out)
    start = time.monotonic()
    assert racecall_child(base).wait() == 0
    took = time.monotonic() - start
    new = snapshot(out)
    assert racecall_child(old_argv).wait() == 0
    for _ in _kill_at_random(base, out, took * 1.2, rounds=4, seed=3):
        now = snapshot(out)
        assert now == old or now == new  # never a directory mixing old and new files
