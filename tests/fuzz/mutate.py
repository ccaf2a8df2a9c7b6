"""Inputs for the bad-input fuzzing: mutated scenarios, feed extracts and command lines.

Shared by the suite's bounded test (``tests/test_fuzz.py``, driven by hypothesis)
and the on-demand campaign (``tests/fuzz/campaign.py``, driven by a seed).  Every
generator takes a :class:`random.Random` and a scratch folder, writes the files
it needs there and returns the command line to run (``racecall`` arguments).
"""

from __future__ import annotations

import csv
import io
import random
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
NC = ROOT / "tests" / "data" / "nc-2020" / "president-by-county-and-vote-type.csv"

#: Values that have broken parsers somewhere: put anywhere in a scenario.
NASTY = [
    -1, 0, 1, 2, 10**10 + 1, 10**19, 10**400, -(10**30), 0.5, 1.0, 1e-200, 1e300, float("inf"), float("-inf"),
    float("nan"), True, False, None, "", " ", "2/3", "55%", "3/2", "1/0", "0x1F", "1e400", "Yes", "no",
    "2020-02-30", "9999-12-31T23:59:59-12:00", "0000-01-01", "\x1b[31mred\x1b[0m", "\u202eevil", "a#b", "\ud800",
    "../../etc/passwd", "/dev/zero", "a\0b", "x" * 5000, [], {}, [1, 2, 3], {"a": 1}, [[[[[]]]]],
    "plurality", "majority", "top_two", "measure", "yes", "zz_unknown",
]
#: Raw text snippets to splice into a YAML file.
YAML_SNIPPETS = [
    "\n  a: 1\n  a: 2\n", "&x [1]", "*x", "!!python/object:os.system", "!!binary aGk=", "{", "}", "[", "]", ": ", "- ",
    "\t", "\x00", "\ufeff", "---\n", "...\n", "? ", "%YAML 1.1\n", "'", '"', "#", "9" * 400, "1" * 5000, "2020-13-01",
    "+99:00", "\x1b]0;owned\x07", "\udcff", "<<: {race: 1}\n", "\n" * 3, "  " * 40, "[" * 200,
]
CSV_SNIPPETS = [",", "\n", '"', '""', "\r", "\x00", "-1", "1e400", "nan", "9" * 5000, "\xe9", "\udcff", "wake", "absentee",
                "remaining", "baseline_a", " ", ",,,,", "x" * 140_000]
UNITS_CSV = ("unit,type,a,b,remaining,remaining_low,remaining_high\n"
             "wake,absentee,120,60,20,15,30\nwake,election_day,80,90,50,40,60\ndurham,absentee,70,30,10,,\n")


def _plausible(rng: random.Random):
    """A value a real file might hold: small counts, shares, a date -- to get past the first check."""
    return rng.choice([rng.randint(0, 10), rng.randint(0, 10**6), round(rng.random(), 3), rng.choice([0.5, 0.55]),
                       "2020-11-04T06:00:00Z", rng.randint(1, 5)])


def _nasty(rng: random.Random):
    return rng.choice(NASTY) if rng.random() < 0.5 else _plausible(rng)


def _splice(rng: random.Random, text: str, snippets) -> str:
    """One random text edit: delete, duplicate or swap lines, insert a snippet, change a number, cut."""
    op = rng.randrange(7)
    if not text:
        return rng.choice(snippets)
    i, j = sorted(rng.randrange(len(text) + 1) for _ in range(2))
    lines = text.splitlines(keepends=True)
    if op == 0:
        return text[:i] + text[j:j + rng.randrange(1, 40)] if j > i else text[:i]
    if op == 1 and lines:
        k = rng.randrange(len(lines))
        return "".join(lines[:k + 1] + [lines[k]] + lines[k + 1:])
    if op == 2 and len(lines) > 1:
        a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[a], lines[b] = lines[b], lines[a]
        return "".join(lines)
    if op == 3:
        numbers = list(re.finditer(r"\d+(\.\d+)?", text))
        if numbers:
            m = rng.choice(numbers)
            return text[:m.start()] + str(_nasty(rng)) + text[m.end():]
    if op == 4:
        return text[:i]
    return text[:i] + rng.choice(snippets) + text[i:]


def _leaves(value, path=()):
    if isinstance(value, dict):
        yield path, value
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        yield path, value
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))


def _set_nasty(rng: random.Random, data):
    """Replace, add or delete one random entry of the parsed scenario."""
    containers = [c for _, c in _leaves(data)]
    if not containers:
        return rng.choice(NASTY)
    target = rng.choice(containers)
    value = _nasty(rng)
    if isinstance(target, dict):
        keys = list(target)
        op = rng.randrange(3)
        if keys and op == 0:
            target[rng.choice(keys)] = value
        elif keys and op == 1:
            del target[rng.choice(keys)]
        else:
            target[rng.choice(["id", "name", "threshold", "seats", "units_csv", "calibration", "prior", "zz",
                               "low", "high", "estimate", "counted", "shift", "draws", "seed", "units"])] = value
    elif target:
        k = rng.randrange(len(target))
        if rng.random() < 0.5:
            target[k] = value
        else:
            target.append(value if rng.random() < 0.5 else target[k])
    return data


def _bytes(text: str) -> bytes:
    """``text`` as bytes, lone surrogates included (as the raw bytes they stand for, or as invalid UTF-8)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _dump(data) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError, TypeError):
        return yaml.safe_dump(str(data))


def scenario_case(rng: random.Random, folder: Path) -> list[str]:
    """A bundled scenario, mutated as text or as data; ``run`` (or ``replay``) on it at few draws."""
    source = rng.choice(SCENARIOS)
    text = source.read_text(encoding="utf-8")
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        if rng.random() < 0.4:
            text = _splice(rng, text, YAML_SNIPPETS)
        else:
            try:
                data = yaml.safe_load(text)
            except (yaml.YAMLError, ValueError, OverflowError, RecursionError):  # PyYAML's own crashes on bad dates
                continue
            text = _dump(_set_nasty(rng, data))
    if rng.random() < 0.2:  # a units CSV beside it
        (folder / "u.csv").write_text(UNITS_CSV.replace("a,b", "lacey,gascon", 1), encoding="utf-8")
    path = folder / "s.yaml"
    path.write_bytes(_bytes(text) if rng.random() < 0.5 else text.encode("utf-8", "replace"))
    command = "replay" if ("snapshots" in text and rng.random() < 0.5) else "run"
    return [command, str(path), "--draws", str(rng.choice([1, 7, 100, 300])), "--quiet",
            *(["--json"] if rng.random() < 0.5 else [])]


def units_case(rng: random.Random, folder: Path) -> list[str]:
    """The README's units CSV, mutated; ``import units`` or a scenario naming it in ``count.units_csv``."""
    text = UNITS_CSV
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        text = _splice(rng, text, CSV_SNIPPETS)
    (folder / "u.csv").write_bytes(_bytes(text) if rng.random() < 0.8
                                   else text.encode("latin-1", "replace"))
    if rng.random() < 0.5:
        (folder / "s.yaml").write_text("race: {name: R, rule: %s}\ncandidates: [{id: a}, {id: b}]\n"
                                       "count: {units_csv: u.csv}\n" % rng.choice(["plurality", "majority", "top_two"]),
                                       encoding="utf-8")
        return ["run", str(folder / "s.yaml"), "--draws", str(rng.choice([1, 50, 300])), "--quiet"]
    rule = rng.choice(["plurality", "majority", "top_two", "measure"])
    argv = ["import", "units", str(folder / "u.csv"), "--name", rng.choice(["R", "\x1b[1mR", "caf\udce9", "Yes"]),
            "--rule", rule, "--out", str(folder / "o.yaml")]
    if rule != "plurality" and rng.random() < 0.5:
        argv += ["--threshold", rng.choice(["2/3", "55%", "0.5", "1.5", "nan", "0"])]
    if rule == "plurality" and rng.random() < 0.5:
        argv += ["--seats", rng.choice(["1", "2", "0", "99999999", "²"])]
    return argv


_NC_CACHE: list[str] = []


def _nc_extract() -> str:
    """The STATE rows and three counties of the bundled NC extract (a few hundred rows)."""
    if not _NC_CACHE:
        rows = list(csv.reader(io.StringIO(NC.read_text(encoding="utf-8"))))
        counties = sorted({r[1] for r in rows[1:]} - {"STATE"})[:3]
        keep = [rows[0]] + [r for r in rows[1:] if r[1] in ("STATE", *counties)]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(keep)
        _NC_CACHE.append(buf.getvalue())
    return _NC_CACHE[0]


def nc_case(rng: random.Random, folder: Path) -> list[str]:
    """A small NC 2020 extract, mutated; ``import nc-2020`` in lump or units mode."""
    text = _nc_extract()
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        text = _splice(rng, text, CSV_SNIPPETS + ["NC,", "total", "2020-11-04T01:20:19.239", "#"])
    (folder / "nc.csv").write_bytes(_bytes(text))
    argv = ["import", "nc-2020", str(folder / "nc.csv"), "--mode", rng.choice(["units", "lump"]),
            "--out", str(folder / "nc.yaml")]
    if rng.random() < 0.3:
        argv.append("--units-csv")
    if rng.random() < 0.2:
        argv += ["--first-timestamp", rng.choice(["2020-11-04T02:00", "2020-02-30", "x", "9999-12-31T23:59"])]
    return argv


OPTION_VALUES = ["-1", "0", "1", "nan", "inf", "1e400", "9" * 30, "²", "", "2/3", "0:1:1e-12", "0.01,0.02", "\x1b[2J",
                 "/dev/zero", "a\0b", "caf\udce9"]


def argv_case(rng: random.Random, folder: Path) -> list[str]:
    """A command line with random option values (files that mostly do not exist: the options are checked first)."""
    scenario = str(rng.choice(SCENARIOS))
    base = rng.choice([
        ["run", scenario], ["replay", scenario], ["backtest", str(folder)], ["calibrate", str(folder), "--out", str(folder / "c.yaml")],
        ["import", "units", "x.csv", "--name", "N", "--rule", "plurality", "--out", str(folder / "o.yaml")],
        ["import", "nc-2020", "x.csv", "--out", str(folder / "o.yaml")], [],
    ])
    options = {"run": ["--draws", "--seed", "--threads", "--precision"], "replay": ["--draws", "--seed", "--threads"],
               "backtest": ["--draws", "--seed", "--workers", "--confidence", "--calibration"],
               "calibrate": ["--draws", "--seed", "--uncertainty", "--tail-df", "--early-count", "--min-coverage",
                             "--confidence"],
               "import": ["--threshold", "--seats", "--mode", "--first-timestamp"]}.get(base[0] if base else "", ["--x"])
    argv = list(base)
    for _ in range(rng.randint(1, 3)):
        argv += [rng.choice(options), rng.choice(OPTION_VALUES)]
    if rng.random() < 0.1:
        argv.append(rng.choice(["--bogus", "-", "--", "--help-me"]))
    if base[:1] in (["run"], ["replay"]) and "--draws" not in argv:
        argv += ["--draws", "100"]
    return argv


CASES = (scenario_case, units_case, nc_case, argv_case)


def run_in_process(argv: list[str]) -> tuple[int, str, str]:
    """``racecall argv`` in this process: exit status, stdout, stderr (argparse's exit included)."""
    import contextlib

    from simulate.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()
