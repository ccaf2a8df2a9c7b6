"""What people read: call sentences, the hurdle, ballots left, the summary of many races, plots' paths."""

from __future__ import annotations

import json

import pytest

import simulate
from simulate.cli.main import main
from simulate.report.text import clean, hurdle_sentence, race_table

from conftest import scenario_dict


def run_dict(data, **options):
    return simulate.run(simulate.load_scenario_dict(data, "t.yaml"), **options)


def test_one_candidate_is_uncontested_and_called_at_once():
    data = scenario_dict(candidates=[{"id": "a", "name": "Alice"}],
                         count={"counted": {"a": 3}, "remaining": {"estimate": 100000}})
    r = run_dict(data)
    assert (r.call.status, r.call.outcome, r.call.winners) == ("called", "winner", ("a",))
    assert r.call.sentence == "Uncontested: Alice is elected unopposed."


def test_a_race_with_only_write_ins_says_so():
    data = scenario_dict(candidates=[{"id": "write_in", "name": "WRITE-IN"}],
                         count={"counted": {"write_in": 12}, "remaining": {"estimate": 10}})
    assert run_dict(data).call.sentence == "Uncontested: no candidate on the ballot; a write-in is elected."


def test_as_many_candidates_as_seats_is_uncontested():
    data = scenario_dict(race={"name": "Board", "rule": "plurality", "seats": 2},
                         count={"counted": {"a": 0, "b": 0}, "remaining": {"estimate": 500}})
    r = run_dict(data)
    assert r.call.status == "called" and set(r.call.winners) == {"a", "b"}
    assert r.call.sentence == "Uncontested: Alice and Bob are elected unopposed."
    three = scenario_dict(race={"name": "Board", "rule": "plurality", "seats": 2},
                          candidates=[{"id": "a", "name": "A"}, {"id": "b", "name": "B"}, {"id": "c", "name": "C"}],
                          count={"counted": {"a": 10, "b": 5, "c": 4}, "remaining": {"estimate": 500}})
    assert not run_dict(three).call.sentence.startswith("Uncontested")


def test_an_exact_tie_with_nothing_left_says_tie():
    data = scenario_dict(count={"counted": {"a": 500, "b": 500}, "remaining": 0})
    r = run_dict(data)
    assert r.call.status == "too_close"
    assert r.call.sentence == "Tied: Alice and Bob finished level with nothing left to count; decided by lot or a recount."
    # by lot: each wins half the draws, within Monte Carlo error
    assert abs(r.candidate("a").p_win - 0.5) <= 4 * (0.25 / r.draws) ** 0.5


def test_not_a_tie_when_something_is_left():
    data = scenario_dict(count={"counted": {"a": 500, "b": 500}, "remaining": {"estimate": 10}})
    assert not run_dict(data).call.sentence.startswith("Tied")


def test_favoured_is_about_chances_leads_about_votes():
    data = scenario_dict(count={"counted": {"a": 520, "b": 480}, "remaining": {"estimate": 4000}})
    r = run_dict(data)
    assert r.call.status == "too_close"
    assert "is favoured, with a" in r.call.sentence and " leads" not in r.call.sentence


def test_the_hurdle_names_both_and_says_when_it_is_impossible():
    data = scenario_dict(count={"counted": {"a": 60000, "b": 1000}, "remaining": {"estimate": 2000}})
    r = run_dict(data, draws=20_000)
    assert r.hurdle.needs_share_of_remaining > 1
    assert hurdle_sentence(r) == "Even every remaining vote would not be enough for Bob to pass Alice."
    text = race_table(r)
    assert "%" not in text.split("Even every")[1].split("\n")[0]  # no "needs 1525.0%"
    # (3000 - 1000 + 1000) / 2000 = 150%: more than every remaining vote
    over = run_dict(scenario_dict(count={"counted": {"a": 3000, "b": 1000}, "remaining": {"estimate": 1000}}))
    assert over.hurdle.needs_share_of_remaining == pytest.approx(1.5)
    assert hurdle_sentence(over) == "Even every remaining vote would not be enough for Bob to pass Alice."
    close = scenario_dict(count={"counted": {"a": 600, "b": 400}, "remaining": {"estimate": 1000}})
    r = run_dict(close)
    # Bob needs (600 - 400 + 1000) / 2000 = 60% of the remaining votes
    assert hurdle_sentence(r) == "Bob needs 60.0% of the remaining votes to pass Alice."


def test_ballots_left_in_the_text_and_no_overtaken_line_for_seats_or_measures():
    r = simulate.run(simulate.load_scenario("scenarios/santa-monica-council-2024.yaml"), draws=20_000)
    text = race_table(r)
    assert "ballots left 46,300 (37,040-57,875)" in text
    assert "P(leader overtaken)" not in text and "for the last of the 4 seats" in text
    m = race_table(simulate.run(simulate.load_scenario("scenarios/pasadena-usd-measure-2024.yaml"), draws=20_000))
    assert "P(leader overtaken)" not in m and "Yes needs" in m or "No needs" in m
    one = race_table(simulate.run(simulate.load_scenario("scenarios/la-da-2020-primary.yaml"), draws=20_000))
    assert "P(leader overtaken)" in one and "George Gascón needs" in one and "to pass Jackie Lacey" in one


def test_names_with_escape_codes_are_printed_safely():
    assert clean("Bob\x1b[2J\nSmith") == "Bob?[2J?Smith"


def test_version_and_help_with_defaults(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"racecall {simulate.__version__}"
    with pytest.raises(SystemExit):
        main(["watch", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: 20000)" in out and "(default: 60.0)" in out
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "else 1,000,000" in out and "(default: None)" not in out


@pytest.mark.parametrize("target", ["x.xyz", "missing-folder/x.png", "folder"])
def test_a_bad_plot_path_is_one_error_before_any_work(tmp_path, capsys, monkeypatch, target):
    import simulate.history.replay as replay_module

    (tmp_path / "folder").mkdir()
    monkeypatch.setattr(replay_module, "replay", lambda *a, **k: pytest.fail("simulated before checking --plot"))
    monkeypatch.chdir(tmp_path)
    path = str(tmp_path.parent / "x" if False else target)
    scenario = str((pytest.importorskip("pathlib").Path(__file__).parents[1] / "scenarios" / "la-da-2020-primary.yaml"))
    assert main(["replay", scenario, "--plot", path]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "--plot" in captured.err


def test_replay_prints_its_results_before_a_failing_plot(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    import simulate.report.plots as plots

    def full_disk(replay, file):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plots, "replay_plot", full_disk)
    out = tmp_path / "r.png"
    assert main(["replay", "scenarios/la-da-2020-primary.yaml", "--draws", "20000", "--plot", str(out), "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["snapshots"]  # the results are whole
    assert "No space left on device" in captured.err and captured.err.count("\n") == 1
    assert not out.exists()


def test_replay_plot_is_written_whole_and_announced(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "r.svg"
    assert main(["replay", "scenarios/la-da-2020-primary.yaml", "--draws", "20000", "--plot", str(out)]) == 0
    captured = capsys.readouterr()
    assert f"wrote {out}" in captured.err
    svg = out.read_text()
    assert svg.startswith("<?xml") and svg.rstrip().endswith("</svg>")
    assert "UTC-08:00" in svg  # the time zone is on the axis
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
