"""Bad input never hurts: every case of issue 11 ends in ONE line on stderr and exit 2.

Each test feeds the command line (in-process, through ``simulate.cli.main.main``)
one of the inputs that used to be accepted with a wrong answer, end in a
traceback, or eat memory, and checks the exact outcome.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from simulate.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

GOOD = """\
race: {name: Test race, date: 2020-03-03, rule: plurality}
candidates: [{id: a, name: Alice}, {id: b, name: Bob}]
count:
  as_of: 2020-03-05T18:00:00-08:00
  counted: {a: 600, b: 400}
  remaining: {estimate: 500, low: 400, high: 700}
simulation: {draws: 2000, seed: 1}
"""


def racecall(argv, capsys):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_error(argv, capsys) -> str:
    """Run; assert exit 2 with exactly one line on stderr; return that line."""
    code, _, err = racecall(argv, capsys)
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(("racecall: error: ", "racecall import: error: ")), err
    return lines[0]


def scenario(tmp_path, text, name="s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- accepted silently before ---------------------------------------------------------

def test_duplicate_key_names_file_path_and_lines(tmp_path, capsys):
    path = scenario(tmp_path, GOOD.replace("counted: {a: 600, b: 400}", "counted: {a: 600, b: 400, a: 1}"))
    assert one_error(["run", path], capsys) == (
        f"racecall: error: {path}: count.counted.a: line 5: duplicate key (first given on line 5)")


def test_duplicate_section_is_an_error(tmp_path, capsys):
    path = scenario(tmp_path, GOOD + "count: {counted: {a: 1, b: 1}, remaining: 0}\n")
    assert one_error(["run", path], capsys) == (
        f"racecall: error: {path}: count: line 8: duplicate key (first given on line 3)")


def test_readme_units_layout_works_in_the_loader_and_the_importer(tmp_path, capsys):
    csv = ("unit,type,a,b,remaining,remaining_low,remaining_high\n"
           "wake,absentee,120,60,20,15,30\nwake,election_day,80,90,50,40,60\ndurham,absentee,70,30,10,,\n")
    (tmp_path / "u.csv").write_text(csv, encoding="utf-8")
    path = scenario(tmp_path, GOOD.replace(
        "  counted: {a: 600, b: 400}\n  remaining: {estimate: 500, low: 400, high: 700}\n", "  units_csv: u.csv\n"))
    code, out, err = racecall(["run", path, "--json"], capsys)
    assert code == 0, err
    out_yaml = tmp_path / "imported.yaml"
    code, _, err = racecall(["import", "units", tmp_path / "u.csv", "--name", "T", "--rule", "plurality",
                             "--out", out_yaml], capsys)
    assert code == 0, err
    import simulate

    loaded, imported = simulate.load_scenario(path), simulate.load_scenario(out_yaml)
    assert [u.id for u in loaded.count.units] == ["wake/absentee", "wake/election_day", "durham"]
    assert loaded.count.units == imported.count.units


@pytest.mark.parametrize("written, exact", [("2/3", (2, 3)), ('"55%"', (11, 20)), ("0.55", (11, 20))])
def test_thresholds_as_the_readme_writes_them(tmp_path, written, exact):
    import simulate

    path = scenario(tmp_path, GOOD.replace("rule: plurality}", f"rule: majority, threshold: {written}}}"))
    race = simulate.load_scenario(path).race
    assert race.threshold == exact[0] / exact[1]
    assert (race.threshold_exact.numerator, race.threshold_exact.denominator) == exact


@pytest.mark.parametrize("written", ["3/2", '"150%"', '"abc"', "0", "1", '"1/0"'])
def test_impossible_thresholds_are_one_line(tmp_path, capsys, written):
    path = scenario(tmp_path, GOOD.replace("rule: plurality}", f"rule: majority, threshold: {written}}}"))
    assert f"{path}: race.threshold: must be" in one_error(["run", path], capsys)


def test_boolean_name_says_how_to_quote_it(tmp_path, capsys):
    path = scenario(tmp_path, GOOD.replace("name: Test race", "name: Yes"))
    line = one_error(["run", path], capsys)
    assert line.startswith(f"racecall: error: {path}: race.name: must be text, got a boolean (true)")
    assert 'quote it (e.g. name: "Yes")' in line


# -- tracebacks before ------------------------------------------------------------------

@pytest.mark.parametrize("old, new, expect", [
    ("date: 2020-03-03", "date: 2020-02-30", "race.date"),
    ("date: 2020-03-03", "date: 2020-13-01", "race.date"),
    ("date: 2020-03-03", "date: 0000-01-01", "race.date"),
    ("as_of: 2020-03-05T18:00:00-08:00", "as_of: 2020-03-05T18:00:00+99:00", "as_of"),
    ("as_of: 2020-03-05T18:00:00-08:00", "as_of: 9999-12-31T23:59:59-08:00", None),
    ("date: 2020-03-03", "date: 9999-12-31", None),
    ("seed: 1}", "seed: 1, call_confidence: " + "9" * 400 + "}", "digits"),
    ("a: 600,", "a: " + "1" * 5000 + ",", "digits"),
    ("a: 600,", "a: 1.0e+400,", "count.counted.a"),
    ("a: 600,", "a: " + "1" + "0" * 99 + ",", "count.counted.a"),
    ("seed: 1}", "seed: 1}\nmodel: {prior: {shares: {a: 0.5, b: 0.5}, uncertainty: 1.0e-200}}", "model.prior.uncertainty"),
    ("seed: 1}", "seed: 1}\nmodel: {uncertainty: 1.0e-300}", "model.uncertainty"),
    ("seed: 1}", "seed: 1}\nmodel: {uncertainty: " + "9" * 50 + "}", "model.uncertainty"),
    ("seed: 1}", "seed: 1}\nx: " + "[" * 5000 + "]" * 5000, "nest"),
    ("seed: 1}", "seed: 1}\nx: !!python/object/apply:os.system [ls]", "tag"),
    ("seed: 1}", "seed: 1}\n---\nrace: {}", "one YAML document"),
])
def test_former_tracebacks_are_one_line(tmp_path, capsys, old, new, expect):
    path = scenario(tmp_path, GOOD.replace(old, new))
    code, _, err = racecall(["run", path], capsys)
    assert "Traceback" not in err
    if expect is None:  # a date in the year 9999 is a date: it runs
        assert code == 0, err
        return
    line = one_error(["run", path], capsys)
    assert line.startswith(f"racecall: error: {path}: ") and expect in line, line


def test_year_zero_and_offsets_name_the_line(tmp_path, capsys):
    path = scenario(tmp_path, GOOD.replace("date: 2020-03-03", "date: 2020-02-30"))
    assert one_error(["run", path], capsys) == (
        f"racecall: error: {path}: race.date: line 1: impossible date or time '2020-02-30' (day is out of range for month)")


def test_units_csv_not_utf8_or_with_a_huge_field(tmp_path, capsys):
    header = "unit,a,b,remaining\n"
    (tmp_path / "latin.csv").write_bytes((header + "Mont\xe9al,1,2,3\n").encode("latin-1"))
    (tmp_path / "huge.csv").write_text(header + '"' + "x" * 200_000 + '",1,2,3\n', encoding="utf-8")
    for name, expect in (("latin.csv", "not UTF-8"), ("huge.csv", "field larger than field limit")):
        path = scenario(tmp_path, GOOD.replace(
            "  counted: {a: 600, b: 400}\n  remaining: {estimate: 500, low: 400, high: 700}\n",
            f"  units_csv: {name}\n"))
        line = one_error(["run", path], capsys)
        assert line.startswith(f"racecall: error: {path}: count.units_csv: {name}: ") and expect in line, line


def test_nul_in_paths(tmp_path, capsys):
    assert "cannot read" in one_error(["run", "a\0b.yaml"], capsys)
    path = scenario(tmp_path, GOOD.replace("  counted: {a: 600, b: 400}\n  remaining: {estimate: 500, low: 400, high: 700}\n",
                                           '  units_csv: "u\\0.csv"\n'))
    assert "count.units_csv: u\\x00.csv: cannot read" in one_error(["run", path], capsys)


@pytest.mark.parametrize("rule", ["top_two", "majority"])
@pytest.mark.parametrize("draws", ["10", "2000"])
def test_one_candidate_runoff_race_at_few_draws(tmp_path, capsys, rule, draws):
    path = scenario(tmp_path, f"""\
        race: {{name: Alone, rule: {rule}}}
        candidates: [{{id: a}}]
        count: {{counted: {{a: 10}}, remaining: {{estimate: 5, low: 1, high: 9}}}}
        """)
    code, out, err = racecall(["run", path, "--draws", draws, "--json"], capsys)
    assert code == 0 and err == ""
    import json

    call = json.loads(out)["call"]
    assert call["status"] in ("too_close", "called") and call["sentence"]


def test_deeply_nested_json_feed(tmp_path, capsys):
    (tmp_path / "results.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    line = one_error(["import", "la-county", tmp_path / "results.json", "--kind", "general", "--out", tmp_path / "o"], capsys)
    assert "nested too deeply" in line


@pytest.mark.parametrize("argv", [
    ["backtest", "HISTORY", "--seed", "-1"],
    ["calibrate", "HISTORY", "--out", "x.yaml", "--seed", "-1"],
    ["backtest", "HISTORY", "--draws", "100000000000000000000"],
    ["backtest", "HISTORY", "--draws", "²"],
    ["backtest", "HISTORY", "--workers", "100000000"],
    ["calibrate", "HISTORY", "--out", "x.yaml", "--uncertainty", "0:1:1e-12"],
    ["calibrate", "HISTORY", "--out", "x.yaml", "--uncertainty", "nan"],
    ["calibrate", "HISTORY", "--out", "x.yaml", "--tail-df", "1"],
    ["calibrate", "HISTORY", "--out", "x.yaml", "--min-coverage", "nan"],
    ["calibrate", "HISTORY", "--out", "x.yaml", "--min-coverage", "2"],
    ["run", "x.yaml", "--draws", "0"],
    ["run"],
    ["nonsense"],
    [],
    ["import", "units", "x.csv", "--name", "T", "--rule", "plurality", "--seats", "9" * 5000, "--out", "o.yaml"],
    ["import", "units", "x.csv", "--rule", "wrong", "--name", "\x1b[31mred", "--out", "o.yaml"],
])
def test_option_errors_are_one_line_before_any_work(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("racecall: error: ") and "\x1b" not in err, err


def test_calibrate_grid_is_bounded_as_a_whole(tmp_path, capsys):
    line = one_error(["calibrate", tmp_path, "--out", tmp_path / "c.yaml", "--uncertainty", "0.01:0.5:0.001",
                      "--tail-df", "0,4,8"], capsys)
    assert "more than the 1,000 allowed" in line


def test_non_utf8_name_is_one_line(tmp_path, capsys):
    (tmp_path / "u.csv").write_text("unit,a,b,remaining\nx,1,2,3\n", encoding="utf-8")
    name = os.fsdecode(b"caf\xe9")  # what Python makes of a Latin-1 argument
    line = one_error(["import", "units", tmp_path / "u.csv", "--name", name, "--rule", "plurality",
                      "--out", tmp_path / "o.yaml"], capsys)
    assert "lone surrogate" in line and not (tmp_path / "o.yaml").exists()


# -- memory and time --------------------------------------------------------------------

def _limited(argv, seconds=60, address_space=3 * 2**30):
    """Run racecall in a subprocess under a 3 GB address-space limit."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    return subprocess.run([PYTHON, "-m", "simulate", *map(str, argv)], capture_output=True, text=True,
                          timeout=seconds, preexec_fn=limit, cwd=ROOT)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_devices_and_sparse_files_fail_at_once(tmp_path):
    sparse = tmp_path / "sparse.yaml"
    with open(sparse, "wb") as fh:
        fh.truncate(3 * 2**30)
    (tmp_path / "cal.yaml").write_text(GOOD.replace("simulation: {draws: 2000, seed: 1}\n", "model: {calibration: /dev/zero}\n"),
                                       encoding="utf-8")
    (tmp_path / "units.yaml").write_text(GOOD.replace(
        "  counted: {a: 600, b: 400}\n  remaining: {estimate: 500, low: 400, high: 700}\n", "  units_csv: /dev/zero\n"),
        encoding="utf-8")
    for argv, expect in (
        (["run", "/dev/zero"], "larger than 20,000,000 bytes"),
        (["run", sparse], "larger than 20,000,000 bytes"),
        (["run", tmp_path / "cal.yaml"], "calibration file is larger than"),
        (["run", tmp_path / "units.yaml"], "units CSV is larger than"),
        (["backtest", tmp_path, "--calibration", "/dev/zero"], "calibration file is larger than"),
        (["import", "units", "/dev/zero", "--name", "T", "--rule", "plurality", "--out", tmp_path / "o.yaml"], "larger than"),
        (["import", "nc-2020", "/dev/zero", "--out", tmp_path / "o.yaml"], "larger than"),
        (["import", "la-county", "/dev/zero", "--kind", "general", "--format", "results", "--out", tmp_path / "o"], "larger than"),
    ):
        done = _limited(argv)
        assert done.returncode == 2, (argv, done.stderr)
        assert len(done.stderr.splitlines()) == 1 and expect in done.stderr, (argv, done.stderr)


def test_too_many_values_are_refused_while_reading():
    """The value cap is checked event by event, before the rest of the file is looked at."""
    from simulate.errors import ScenarioError
    from simulate.scenario.yaml_text import MAX_NODES, parse_yaml

    assert MAX_NODES == 2_500_000
    text = "x: [" + "1," * 50_000 + "1]\ny: [" + "oops " * 10 + "\n"  # malformed after the cap: never reached
    with pytest.raises(ScenarioError) as info:
        parse_yaml(text, "big.yaml", max_nodes=20_000)
    assert str(info.value) == "big.yaml: x[19997]: line 1: more than 20,000 values in one file"


def test_a_long_list_is_parsed_without_a_node_tree():
    """The reader keeps only the Python values (PyYAML's loader holds ~400 bytes of nodes per value)."""
    import tracemalloc

    from simulate.scenario.yaml_text import parse_yaml

    text = "x: [" + "1," * 100_000 + "1]"
    tracemalloc.start()
    try:
        value = parse_yaml(text, "big")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(value["x"]) == 100_001
    assert peak < 10e6, peak  # 100,001 list slots and small ints: about 1 MB, not a node tree of ~40 MB


def test_units_csv_row_limit_is_checked_while_reading(tmp_path, capsys):
    from simulate.scenario.schema import MAX_UNITS

    rows = "".join(f"u{i},1,1,0\n" for i in range(MAX_UNITS + 1))
    (tmp_path / "u.csv").write_text("unit,a,b,remaining\n" + rows, encoding="utf-8")
    line = one_error(["import", "units", tmp_path / "u.csv", "--name", "T", "--rule", "plurality",
                      "--out", tmp_path / "o.yaml"], capsys)
    assert f"row {MAX_UNITS + 2}: more than 100,000 units" in line and not (tmp_path / "o.yaml").exists()


# -- also -------------------------------------------------------------------------------

def test_escape_codes_in_race_names_are_printed_sanitised(tmp_path, capsys):
    path = scenario(tmp_path, GOOD.replace("name: Test race", 'name: "Red \\e[31m race \\e]0;owned\\a"'))
    code, out, err = racecall(["run", path], capsys)
    assert code == 0 and "\x1b" not in out and "\x07" not in out
    assert "Red \\x1b[31m race \\x1b]0;owned\\x07" in out


def test_final_count_of_nothing_is_an_error_and_one_below_is_a_warning(tmp_path, capsys):
    zero = scenario(tmp_path, GOOD + "final: {counted: {a: 0, b: 0}}\n", "zero.yaml")
    assert one_error(["run", zero], capsys) == (
        f"racecall: error: {zero}: final.counted: adds up to 0 votes, but 1,000 were already counted "
        "(at 2020-03-05T18:00:00-08:00)")
    below = scenario(tmp_path, GOOD + "final: {counted: {a: 500, b: 400}}\n", "below.yaml")
    code, _, err = racecall(["run", below], capsys)
    assert code == 0
    assert err == (f"racecall: warning: {below}: final.counted: 900 votes in all, fewer than the 1,000 already "
                   "counted at 2020-03-05T18:00:00-08:00 (kept as published)\n")


def test_nesting_is_bounded_by_the_reader_not_only_by_libyaml():
    from simulate.errors import ScenarioError
    from simulate.scenario.yaml_text import MAX_DEPTH, parse_yaml

    assert parse_yaml("x: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1), "ok.yaml")  # at the bound: read
    with pytest.raises(ScenarioError) as info:
        parse_yaml("x: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH, "deep.yaml")
    assert str(info.value).endswith(f"line 1: nested more than {MAX_DEPTH} levels deep")
