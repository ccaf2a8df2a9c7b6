"""racecall run over many scenarios: files, folders and globs; one table, a JSON list, a CSV."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from simulate.cli.main import main

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FILES = ["la-da-2020-general.yaml", "santa-monica-council-2024.yaml", "pasadena-usd-measure-2024.yaml"]


def out_of(capsys, *args) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_json_is_a_list_in_input_order_equal_to_single_runs(capsys):
    paths = [str(SCENARIOS / f) for f in FILES]
    many = json.loads(out_of(capsys, "run", *paths, "--json", "--draws", "20000", "--quiet"))
    assert [m["race"] for m in many] == [json.loads(out_of(capsys, "run", p, "--json", "--draws", "20000", "--quiet"))["race"]
                                         for p in paths]
    for path, m in zip(paths, many):
        one = json.loads(out_of(capsys, "run", path, "--json", "--draws", "20000", "--quiet"))
        assert m == one  # side by side or alone: the same numbers bit for bit
        assert {"estimate", "low", "high"} <= set(m["remaining"])


def test_the_summary_table_has_one_line_per_contest(capsys):
    text = out_of(capsys, "run", *[str(SCENARIOS / f) for f in FILES], "--draws", "20000", "--quiet")
    lines = text.splitlines()
    assert lines[0].split() == ["contest", "leader", "counted", "ballots", "left", "favourite", "status", "call"]
    body = lines[2:5]
    assert "George Gascón" in body[0] and "618,200 (560,000-1,000,000)" in body[0] and "Too close to call:" in body[0]
    assert "these 4 seats" in body[1]
    assert body[2].split()[0] == "Pasadena" and ("yes" in body[2] or "no" in body[2])
    assert lines[-1].startswith("3 contests:")


def test_folders_and_globs_expand_sorted_and_csv_has_one_row_each(tmp_path, capsys):
    for f in FILES:
        shutil.copy(SCENARIOS / f, tmp_path / f)
    (tmp_path / "notes.txt").write_text("not a scenario")
    rows = list(csv.DictReader(io.StringIO(out_of(capsys, "run", str(tmp_path), "--csv", "--draws", "20000", "--quiet"))))
    assert [Path(r["file"]).name for r in rows] == sorted(FILES)
    assert all(0 <= float(r["favourite_chance"]) <= 1 and r["status"] for r in rows)
    by_glob = list(csv.DictReader(io.StringIO(out_of(capsys, "run", str(tmp_path / "*.yaml"), "--csv", "--draws", "20000",
                                                      "--quiet"))))
    assert by_glob == rows
    # a folder of one is still "many": a list
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(SCENARIOS / FILES[0], one / FILES[0])
    assert isinstance(json.loads(out_of(capsys, "run", str(one), "--json", "--draws", "20000", "--quiet")), list)


def test_one_bad_file_among_many_is_one_error_and_nothing_else(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text((SCENARIOS / FILES[0]).read_text().replace("counted: {", "counted: {zzz: 5, ", 1))
    assert main(["run", str(SCENARIOS / FILES[0]), str(bad), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "bad.yaml" in captured.err
    assert main(["run", str(tmp_path / "nothing-*.yaml")]) == 2
    assert "no file matches" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["run", str(empty)]) == 2
    assert "no scenario files" in capsys.readouterr().err
