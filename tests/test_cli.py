"""The command line: exit codes, one-line errors, the contract's JSON keys, the founding races."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from simulate.cli.main import main

CONTRACT_KEYS = {"race", "as_of", "draws", "seed", "leader", "candidates", "p_leader_overtaken", "hurdle", "p_recount", "call"}
CANDIDATE_KEYS = {"id", "counted", "p_win", "p_win_se", "p_outright", "p_advance", "share_final"}


def run_json(capsys, *args):
    assert main(["run", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_primary_is_not_called_for_lacey(capsys):
    out = run_json(capsys, "scenarios/la-da-2020-primary.yaml")
    assert CONTRACT_KEYS <= out.keys()
    for cand in out["candidates"]:
        assert CANDIDATE_KEYS <= cand.keys() and {"mean", "low", "high"} <= cand["share_final"].keys()
    assert {"status", "outcome", "winners", "confidence", "level"} <= out["call"].keys()
    assert {"candidate", "needs_share_of_remaining", "leader_needs_share_of_remaining"} <= out["hurdle"].keys()
    assert out["leader"] == "lacey" and out["draws"] == 1_000_000 and out["seed"] == 2020
    assert not (out["call"]["status"] == "called" and out["call"]["outcome"] == "winner")
    lacey = next(c for c in out["candidates"] if c["id"] == "lacey")
    assert 0.2 < lacey["p_outright"] < 0.9  # an honest model is not sure either way
    assert lacey["share_final"]["low"] < 0.487 < lacey["share_final"]["high"]  # her final share


def with_la_calibration(tmp_path, name="la-da-2020-general.yaml", late_swing=None):
    """The scenario with LA County's own fit (``model.calibration``) instead of the pooled defaults
    (and ``model.late_swing`` when given)."""
    from pathlib import Path

    root = Path("scenarios").resolve()
    text = (root / name).read_text(encoding="utf-8")
    path = tmp_path / name
    extra = "" if late_swing is None else f"  late_swing: {late_swing}\n"
    path.write_text(text + f"model:\n  calibration: {root / 'calibration' / 'la-county-2024-primary.yaml'}\n{extra}",
                    encoding="utf-8")
    return str(path)


def test_general_favours_gascon_and_la_county_fit_is_sure_but_the_late_swing_check_waits(tmp_path, capsys):
    # The pooled defaults hedge for count orders seen elsewhere (a 16-point swing in North
    # Carolina 2020): on the morning after, Lacey needing 67% of the rest is not yet 99.5% out.
    out = run_json(capsys, "scenarios/la-da-2020-general.yaml")
    gascon = next(c for c in out["candidates"] if c["id"] == "gascon")
    assert out["call"]["status"] == "too_close" and out["leader"] == "gascon"
    assert 0.97 < gascon["p_outright"] < 0.995
    # LA County's own fit (its 2024 primary) is sharper on an LA count: 99.5% sure. But with the
    # remaining vote at its high end (1,000,000) Lacey needs 60.6% of it, a swing of 0.58 logits,
    # within the 0.665 LA's own late ballots reached: no call yet, the probability kept
    out = run_json(capsys, with_la_calibration(tmp_path))
    assert out["call"]["status"] == "too_close" and out["call"]["confidence"] >= 0.995
    assert "late swing of 0.58 logits" in out["call"]["sentence"] and out["late_swing_check"] is True
    # without the check the same fit calls it
    out = run_json(capsys, with_la_calibration(tmp_path, late_swing=0))
    assert out["call"]["status"] == "called" and out["call"]["winners"] == ["gascon"]
    assert out["call"]["level"] == 0.995 and out["call"]["confidence"] >= 0.995 and "late_swing_check" not in out


def test_draws_and_seed_override(capsys):
    out = run_json(capsys, "scenarios/la-da-2020-general.yaml", "--draws", "20000", "--seed", "5")
    assert out["draws"] == 20_000 and out["seed"] == 5


def test_table_and_sentence(tmp_path, capsys):
    assert main(["run", "scenarios/la-da-2020-general.yaml", "--draws", "50000"]) == 0
    text = capsys.readouterr().out
    assert "George Gascón" in text and "p_win" in text and "final share (90%)" in text
    assert "Too close to call: George Gascón wins outright with a 9" in text
    assert main(["run", with_la_calibration(tmp_path, late_swing=0), "--draws", "50000"]) == 0
    assert "Called: George Gascón wins outright" in capsys.readouterr().out


def test_bad_scenario_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("race: {name: x, rule: plurality}\ncandidates: [{id: a}]\ncount: {counted: {a: -5}, remaining: 0}\n")
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err == f"racecall: error: {bad}: count.counted.a: must not be negative, got -5\n"


def test_no_traceback_from_the_console(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("race: [\n")
    proc = subprocess.run([sys.executable, "-m", "simulate", "run", str(bad), "--json"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr and str(bad) in proc.stderr


def test_bad_option_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "scenarios/la-da-2020-general.yaml", "--draws", "-3"])
    assert info.value.code == 2


def test_import_compiles_nothing():
    code = "import sys, simulate; print('numba' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


def test_precision_draws_until_target(tmp_path, capsys):
    # a level just above Lacey's chance of winning outright cannot settle the call: only precision stops it
    first = run_json(capsys, "scenarios/la-da-2020-primary.yaml", "--draws", "1048576")
    level = round(next(c["p_win"] for c in first["candidates"] if c["id"] == "lacey") + 0.0005, 6)
    text = open("scenarios/la-da-2020-primary.yaml").read().replace("call_confidence: 0.995", f"call_confidence: {level}")
    path = tmp_path / "near.yaml"
    path.write_text(text)
    out = run_json(capsys, str(path), "--precision", "0.0003")
    assert out["draws"] % 16_384 == 0 and out["precision"]["reached"]
    assert all(c["p_win_se"] <= 0.0003 for c in out["candidates"])
    fewer = out["draws"] / 1.25
    assert fewer ** -0.5 * max(c["p_win"] * (1 - c["p_win"]) for c in out["candidates"]) ** 0.5 > 0.0003  # no overspending


def test_precision_stops_when_the_call_is_settled(tmp_path, capsys):
    out = run_json(capsys, with_la_calibration(tmp_path, late_swing=0), "--precision", "0.00001", "--until-called")
    assert out["draws"] == 1_048_576 and out["call"]["status"] == "called"
    assert out["precision"]["stopped"] in ("called", "precision")


def test_precision_cap_warns_on_stderr(tmp_path, capsys):
    text = open("scenarios/la-da-2020-primary.yaml").read().replace("simulation:", "simulation:\n  max_draws: 200000", 1)
    path = tmp_path / "capped.yaml"
    path.write_text(text)
    assert main(["run", str(path), "--precision", "0.0001", "--json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["draws"] == 200_000 and out["precision"]["reached"] is False and out["precision"]["max_se"] > 0.0001
    assert "precision 0.0001 not reached at max_draws (200,000 draws)" in captured.err


def test_progress_bar_only_after_delay():
    import io

    from simulate.report.progress import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream, delay=0.0)
    bar(50, 100)
    bar.close()
    assert "50/100 draws" in stream.getvalue()
    quiet = io.StringIO()
    ProgressBar(quiet, delay=60.0)(50, 100)
    assert quiet.getvalue() == ""
