"""Results as pandas DataFrames: the same numbers as the JSON, one row per candidate / contest / snapshot."""

from __future__ import annotations

import pytest

import simulate

pd = pytest.importorskip("pandas")
from simulate.report.frames import candidates_frame, replay_frame, summary_frame  # noqa: E402


@pytest.fixture(scope="module")
def results():
    names = ["la-da-2020-primary", "santa-monica-council-2024", "pasadena-usd-measure-2024"]
    return simulate.run_many([simulate.load_scenario(f"scenarios/{n}.yaml") for n in names], draws=20_000)


def test_to_frame_holds_the_json_numbers(results):
    for r in results:
        f, d = r.to_frame(), r.to_dict()
        assert list(f.index) == [c["id"] for c in sorted(d["candidates"], key=lambda c: (-c["counted"], c["id"]))]
        for c in d["candidates"]:
            row = f.loc[c["id"]]
            assert row["counted"] == c["counted"] and row["p_win"] == pytest.approx(c["p_win"], abs=1e-7)
            assert row["share_low"] == pytest.approx(c["share_final"]["low"], abs=1e-7)
            assert bool(row["decided"]) == (c["id"] in d["call"]["winners"])


def test_many_results_and_a_replay(results):
    cands = candidates_frame(results)
    assert len(cands) == sum(len(r.candidates) for r in results)
    assert set(cands["race"]) == {r.race for r in results}
    summary = summary_frame(results)
    assert list(summary.index) == [r.race for r in results]
    assert list(summary["status"]) == [r.call.status for r in results]
    assert summary.loc[results[0].race, "remaining"] == 722_142
    rp = simulate.replay(simulate.load_scenario("scenarios/la-da-2024-primary-replay.yaml"), draws=20_000)
    frame = replay_frame(rp)
    assert len(frame) == sum(len(s.candidates) for s in rp.snapshots)
    assert frame.groupby("snapshot")["p_first"].sum().round(6).eq(1.0).all()  # one first place per draw


def test_repr_is_one_readable_line(results):
    text = repr(results[0])
    assert "\n" not in text and results[0].race in text and results[0].call.sentence in text and "counted" in text
