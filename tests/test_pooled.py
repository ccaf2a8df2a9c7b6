"""The pooled calibration: each election weighs the same; a fold never looks at the election it holds out."""

from __future__ import annotations

from pathlib import Path

from simulate.history.pooled import Election, Figures, Point, choose, pooled_fit
from simulate.history.sources import load_history

GENERAL = Path(__file__).parent / "data" / "la-county-2024" / "general" / "timeframes.json"


def figures(log_loss, failures=0, coverage=0.9):
    return Figures(brier=log_loss / 3, brier_naive=None, log_loss=log_loss, ece=0.0, coverage90=coverage,
                   predictions=10, calls=1, failures=failures, called_by_release=())


def test_each_election_weighs_the_same_and_failures_disqualify():
    # a: best on the big election x alone; b: best on the mean over x and y; c: lowest scores but a wrong call on y
    a = Point({"uncertainty": 0.03}, {"x": figures(0.10), "y": figures(0.50)})
    b = Point({"uncertainty": 0.05}, {"x": figures(0.12), "y": figures(0.30)})
    c = Point({"uncertainty": 0.02}, {"x": figures(0.05), "y": figures(0.20, failures=1)})
    assert choose([a, b, c], ["x", "y"], "log_loss", 0.88) == (b, True)
    assert choose([a, b, c], ["x"], "log_loss", 0.88) == (c, True)  # y's wrong call is not seen when y is held out
    short = Point({"uncertainty": 0.01}, {"x": figures(0.01, coverage=0.80), "y": figures(0.01, coverage=0.95)})
    assert choose([a, b, short], ["x", "y"], "log_loss", 0.88)[0] == b
    assert choose([a, b, short], ["x", "y"], "log_loss", None)[0] == short
    assert choose([c], ["x", "y"], "log_loss", 0.88) == (c, False)  # nothing admissible: says so


def test_pooled_fit_folds_score_the_held_out_election_at_the_others_choice():
    scenarios = load_history(GENERAL, "general").scenarios
    elections = [Election("first", scenarios[:8]), Election("second", scenarios[8:16])]
    fit = pooled_fit(elections, uncertainties=(0.02, 0.06), tail_dfs=(0.0,), early_counts=(0.15,), draws=1_000,
                     workers=1)
    assert len(fit.points) == 2 and [f.held_out for f in fit.folds] == ["first", "second"]
    for fold in fit.folds:
        other = "second" if fold.held_out == "first" else "first"
        chosen, _ = choose(fit.points, [other], "log_loss", 0.88)
        assert fold.chosen == chosen.overrides and fold.figures == chosen.figures[fold.held_out]
    best, feasible = choose(fit.points, ["first", "second"], "log_loss", 0.88)
    assert fit.calibration.uncertainty == best.overrides["uncertainty"] and fit.calibration.feasible == feasible
    assert set(fit.calibration.metrics) == {"first", "second"}


def write(tmp_path, text):
    path = tmp_path / "elections.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_elections_file_errors_name_the_key(tmp_path, capsys):
    from simulate.cli.main import main

    cases = {
        "elections: []\n": "elections: must be a non-empty list, got a list",
        "elections:\n  - {name: a}\n": "elections[0].history: is required (a string), got nothing",
        "elections:\n  - {name: A B, history: x}\n": "elections[0].name: must be lower-case letters, digits, _ . - (at most 64)",
        "elections:\n  - {name: a, history: x}\n  - {name: a, history: y}\n": "elections[1].name: duplicate election name 'a'",
        "elections:\n  - {name: a, history: x, kind: local}\n": "elections[0].kind: must be primary or general, got str 'local'",
        "elections:\n  - {name: a, history: x, colour: red}\n": "elections[0].colour: unknown key (allowed: name, history, kind, pass_rates)",
        "remaining: later\nelections:\n  - {name: a, history: x}\n": "remaining: must be as_known or hindsight, got str 'later'",
    }
    for text, message in cases.items():
        path = write(tmp_path, text)
        assert main(["calibrate-pooled", str(path), "--out", str(tmp_path / "fit.yaml")]) == 2
        assert capsys.readouterr().err == f"racecall: error: {path}: {message}\n"
    assert not (tmp_path / "fit.yaml").exists()


def test_calibrate_pooled_writes_the_choice_and_prints_the_folds(tmp_path, capsys):
    import yaml

    from simulate.cli.main import main

    primary = GENERAL.parent.parent / "primary" / "timeframes.json"
    path = write(tmp_path, f"elections:\n  - {{name: general, history: {GENERAL}, kind: general}}\n"
                           f"  - {{name: primary, history: {primary}, kind: primary}}\n")
    out = tmp_path / "fit.yaml"
    assert main(["calibrate-pooled", str(path), "--out", str(out), "--fit", "grid", "--draws", "500", "--uncertainty", "0.03,0.05",
                 "--early-count", "0.15", "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    fit = yaml.safe_load(out.read_text())
    assert fit["fitted_on"] == ["general", "primary"] and fit["uncertainty"] in (0.03, 0.05)
    assert "left out (scored at the point chosen on the others):" in printed
    assert printed.count("u 0.0") == 2  # one fold per election


def test_a_retracted_or_wrong_standing_call_makes_a_point_inadmissible():
    import dataclasses

    from simulate.history.backtest import backtest

    report = backtest(load_history(GENERAL, "general").scenarios[:2], draws=500, workers=1, naive=False)
    base = Figures.of(report).failures
    event = object()
    assert Figures.of(dataclasses.replace(report, retracted=(event,))).failures == base + 1
    assert Figures.of(dataclasses.replace(report, wrong_standing=(event, event))).failures == base + 2


def test_calibrate_pooled_by_late_shifts_fits_each_fold_on_the_others(tmp_path, capsys):
    import yaml

    from simulate.cli.main import main
    from simulate.model.late_shift_fit import fit_elections, shift_records

    primary = GENERAL.parent.parent / "primary" / "timeframes.json"
    path = write(tmp_path, f"elections:\n  - {{name: general, history: {GENERAL}, kind: general}}\n"
                           f"  - {{name: primary, history: {primary}, kind: primary}}\n"
                           f"remaining: hindsight\n")
    out = tmp_path / "fit.yaml"
    assert main(["calibrate-pooled", str(path), "--out", str(out), "--no-backtest", "--cache", "off"]) == 0
    printed = capsys.readouterr().out
    fit = yaml.safe_load(out.read_text())
    general = load_history(GENERAL, "general", remaining="hindsight").scenarios
    primary_s = load_history(primary, "primary", remaining="hindsight").scenarios
    expected = fit_elections({"general": shift_records(general), "primary": shift_records(primary_s)})
    assert (fit["uncertainty"], fit["tail_df"], fit["early_count"]) == (
        expected.uncertainty, expected.tail_df, expected.early_count)
    assert fit["fitted_on"] == ["general", "primary"] and "(not backtested" in printed
    assert "election scales general" in fit["tail_df_from"]


def test_pooled_shift_fit_scores_each_election_at_the_fit_without_it():
    from simulate.history.pooled import pooled_shift_fit
    from simulate.model.late_shift_fit import fit_elections, shift_records
    from simulate.model.late_swing import fit_late_swing, late_swings

    scenarios = load_history(GENERAL, "general", remaining="hindsight").scenarios
    primary = load_history(GENERAL.parent.parent / "primary" / "timeframes.json", "primary",
                           remaining="hindsight").scenarios
    elections = [Election("first", scenarios[:10]), Election("second", scenarios[10:]), Election("third", primary)]
    calibration, folds, pooled = pooled_shift_fit(elections, draws=500, workers=1)
    for fold, held in zip(folds, ("first", "second", "third")):
        alone = fit_elections({e.name: shift_records(e.scenarios) for e in elections if e.name != held})
        swing = fit_late_swing({e.name: late_swings(e.scenarios) for e in elections if e.name != held})
        assert fold.held_out == held and fold.chosen == {"uncertainty": alone.uncertainty, "tail_df": alone.tail_df,
                                                         "early_count": alone.early_count, "late_swing": swing}
    assert calibration.uncertainty == pooled.uncertainty and set(pooled.scales) == {"first", "second", "third"}
    assert calibration.late_swing == fit_late_swing({e.name: late_swings(e.scenarios) for e in elections}) > 0


def test_folds_text_gives_the_calls_by_night_day_1_and_day_7():
    from simulate.cli.pooled import _by_day

    assert _by_day((("night", 0.24), ("day 1", 0.32), ("day 2", 0.4), ("day 7", 0.7), ("day 8", 0.8))) == "24% 32% 70%"
    assert _by_day((("night", 0.5), ("day 1", 0.75))) == "50% 75% 75%"  # the count ended on day 1: calls stand
    assert _by_day(()) == "-"
