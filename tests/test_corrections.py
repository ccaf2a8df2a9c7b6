"""Counts corrected downward hold calls (simulate.scenario.corrections), in replays and live."""

from __future__ import annotations

from dataclasses import replace

import pytest

import simulate
from simulate.errors import ScenarioError
from simulate.feeds.minnesota_history import _hold_looks, _moment
from simulate.live import sources
from simulate.live.watch import Settings, Watcher, carry_correction
from simulate.scenario import corrections as cr
from simulate.scenario.records import Count, Remaining

# Wood Lake Township, Town Supervisor Seat A, Minnesota 2022 (the feed's figures): complete at
# 23:00, corrected at 23:10, unchanged overnight, then two candidates' figures swapped at 11:10.
IDS = ("kvendru", "torke", "peterson", "write_in")
WOOD_LAKE = [
    ("2022-11-08T23:00:06-06:00", (17, 12, 86, 1)),
    ("2022-11-08T23:10:07-06:00", (16, 10, 84, 0)),
    ("2022-11-09T11:00:22-06:00", (16, 10, 84, 0)),
    ("2022-11-09T11:10:12-06:00", (16, 84, 10, 0)),
]


def count(as_of, votes, remaining=Remaining(6, 0, 20), corrected=None) -> Count:
    return Count(as_of, tuple(votes), remaining, corrected=corrected)


def scenario_data(releases, remaining=None, **simulation):
    remaining = remaining or {"estimate": 6, "low": 0, "high": 20}
    snaps = [{"as_of": t, "counted": dict(zip(IDS, v)), "remaining": remaining} for t, v in releases]
    return {"race": {"name": "Town Supervisor Seat A (Wood Lake Township)", "rule": "plurality"},
            "candidates": [{"id": i, "name": i.title()} for i in IDS],
            "count": dict(snaps[-1]), "snapshots": snaps, "simulation": {"draws": 20_000, **simulation}}


def test_a_material_correction_takes_away_one_percent_of_the_count():
    assert cr.material((17, 12, 86, 1), (16, 10, 84, 0))  # 6 of 116 votes
    assert cr.material((50, 50), (49, 50))  # exactly 1%
    assert not cr.material((500, 500), (499, 500))  # 0.1%: a typo fixed in a big count
    assert not cr.material((10, 20), (10, 25))  # votes added, none taken away
    assert cr.material((16, 10, 84, 0), (16, 84, 10, 0))  # a swap takes 74 from one candidate


def test_derive_marks_the_last_correction_and_carries_it():
    counts = [count(t, v) for t, v in WOOD_LAKE]
    marked = cr.derive(counts)
    assert [c.corrected for c in marked] == [None, WOOD_LAKE[1][0], WOOD_LAKE[1][0], WOOD_LAKE[3][0]]
    small = cr.derive([count("t1", (5000, 5000)), count("t2", (4999, 5001))])
    assert [c.corrected for c in small] == [None, None]
    given = cr.derive([count("t1", (10, 10), corrected="earlier"), count("t2", (11, 10))])
    assert [c.corrected for c in given] == ["earlier", "earlier"]
    unnamed = cr.derive([count(None, (10, 10)), count(None, (5, 10))])
    assert unnamed[1].corrected == "release 2"


def test_the_hold_lasts_until_the_count_has_stood_the_hours():
    at = "2022-11-08T23:10:07-06:00"
    assert cr.hold(count("2022-11-09T11:00:22-06:00", (1, 2), corrected=at), 24.0)
    assert cr.hold(count("2022-11-09T23:10:06-06:00", (1, 2), corrected=at), 24.0)
    assert cr.hold(count("2022-11-09T23:10:07-06:00", (1, 2), corrected=at), 24.0) is None
    assert cr.hold(count("2022-11-09T11:00:22-06:00", (1, 2), corrected=at), 11.0) is None
    assert cr.hold(count("2022-11-09T11:00:22-06:00", (1, 2), corrected=at), 0.0) is None
    assert cr.hold(count("2022-11-09T11:00:22-06:00", (1, 2), Remaining(0), corrected=at), 24.0) is None
    assert cr.hold(count("2022-11-09T11:00:22-06:00", (1, 2)), 24.0) is None
    # times that cannot be compared (no as_of, no offset on one side) keep the hold
    assert cr.hold(count(None, (1, 2), corrected=at), 24.0)
    assert cr.hold(count("2022-11-10T11:00:22", (1, 2), corrected=at), 24.0)


def test_wood_lake_is_not_called_on_the_corrected_count():
    sc = simulate.load_scenario_dict(scenario_data(WOOD_LAKE[:3]), "wood-lake")
    assert sc.count.corrected == WOOD_LAKE[1][0]
    result = simulate.run(sc, draws=20_000)
    assert result.call.status == "too_early"
    assert "corrected at 2022-11-08T23:10:07-06:00" in result.call.sentence
    assert result.to_dict()["count_corrected"] == WOOD_LAKE[1][0]
    # the same count without the hold is called for the candidate who lost
    free = simulate.run(replace(sc, simulation=replace(sc.simulation, correction_hold_hours=0.0)), draws=20_000)
    assert free.call.status == "called" and free.call.winners == ("peterson",)
    # uncorrected and an hour old, the same figures are called: the hold comes from the correction
    clean = simulate.load_scenario_dict(scenario_data([("2022-11-09T10:00:00-06:00", (0, 0, 0, 0)),
                                                       ("2022-11-09T11:00:22-06:00", WOOD_LAKE[2][1])]), "clean")
    assert clean.count.corrected is None and clean.count.fresh_votes == 110
    aged = replace(clean, count=replace(clean.count, fresh_votes=0))
    assert simulate.run(aged, draws=20_000).call.status == "called"


def test_the_hold_hours_are_validated():
    with pytest.raises(ScenarioError, match="simulation.correction_hold_hours"):
        simulate.load_scenario_dict(scenario_data(WOOD_LAKE[:2], correction_hold_hours=-1), "bad")
    data = scenario_data(WOOD_LAKE[:1])
    data["count"]["corrected"] = ["not", "a", "time"]
    with pytest.raises(ScenarioError, match="count.corrected"):
        simulate.load_scenario_dict(data, "bad")


def test_a_minnesota_history_looks_again_when_the_hold_ends():
    times = [f"2022-11-{d:02d}T{h:02d}:00:00-06:00" for d in (8, 9, 10) for h in range(0, 24)]
    moments = [_moment(t) for t in times]
    built = [{"as_of": t, "counted": dict(zip(IDS, v)), "remaining": {"estimate": 0}} for t, v in
             [("2022-11-08T23:00:00-06:00", WOOD_LAKE[0][1]), ("2022-11-09T00:00:00-06:00", WOOD_LAKE[1][1])]]
    until = "2022-11-20T00:00:00-06:00"
    looked = _hold_looks(built, times, moments, until, 24.0, 0.0)
    assert [c["as_of"] for c in looked] == [built[0]["as_of"], built[1]["as_of"], "2022-11-10T00:00:00-06:00"]
    assert looked[2]["counted"] == built[1]["counted"]
    # a later change before the hold ends is seen anyway: no extra look
    busy = built + [{"as_of": "2022-11-09T12:00:00-06:00", "counted": dict(zip(IDS, (16, 10, 90, 0))),
                     "remaining": {"estimate": 0}}]
    assert [c["as_of"] for c in _hold_looks(busy, times, moments, until, 24.0, 0.0)] == \
        [c["as_of"] for c in busy] + ["2022-11-10T00:00:00-06:00"]
    assert _hold_looks(built[:1], times, moments, until, 24.0, 0.0) == built[:1]
    # fresh votes: a count mostly of votes from the last hour is seen again an hour on, unless it changes first
    assert [c["as_of"] for c in _hold_looks(built[:1], times, moments, until, 24.0, 1.0)] == \
        [built[0]["as_of"], "2022-11-09T00:00:00-06:00"]
    assert [c["as_of"][11:16] for c in _hold_looks(busy, times, moments, until, 24.0, 1.0)] == \
        ["23:00", "00:00", "12:00", "00:00"]  # the later counts add few votes: no look
    grown = busy[:2] + [{**busy[2], "counted": dict(zip(IDS, (40, 30, 200, 0)))}]  # 160 of 270 new at 12:00
    assert [c["as_of"][11:16] for c in _hold_looks(grown, times, moments, until, 24.0, 1.0)] == \
        ["23:00", "00:00", "12:00", "13:00", "00:00"]


def test_carry_correction_marks_a_live_release():
    first = simulate.run(simulate.load_scenario_dict(scenario_data(WOOD_LAKE[:1]), "w"), draws=2000).to_dict()
    later = simulate.load_scenario_dict(scenario_data(WOOD_LAKE[1:2]), "w")
    later = replace(later, count=replace(later.count, corrected=None))
    marked = carry_correction(later, first)
    assert marked.count.corrected == WOOD_LAKE[1][0]
    held = simulate.run(marked, draws=2000).to_dict()
    same = carry_correction(simulate.load_scenario_dict(scenario_data(WOOD_LAKE[2:3]), "w"), held)
    assert same.count.corrected == WOOD_LAKE[1][0]  # carried while nothing falls
    assert carry_correction(later, None) is later


def test_the_watcher_calls_a_held_contest_when_its_hold_ends(tmp_path):
    def release(as_of, votes, key):
        data = scenario_data([(as_of, votes)])
        del data["snapshots"]
        return sources.Release(as_of, key, False, (("wood-lake", data),))

    watcher = Watcher(tmp_path, Settings(draws=20_000, seed=1))
    watcher.process(release(*WOOD_LAKE[0], "1"))
    watcher.process(release(*WOOD_LAKE[1], "2"))
    assert watcher.latest["wood-lake"].result["call"]["status"] == "too_early"
    unchanged = watcher.process(release("2022-11-09T11:00:22-06:00", WOOD_LAKE[1][1], "3"))
    assert unchanged.simulated == 0  # still held: nothing new to simulate
    ended = watcher.process(release("2022-11-09T23:20:00-06:00", WOOD_LAKE[1][1], "4"))
    assert ended.simulated == 1
    assert watcher.latest["wood-lake"].result["call"]["status"] == "called"
    watcher.close()


def test_fresh_votes_are_those_added_within_the_hour():
    counts = [count("2024-11-05T20:00:00-08:00", (100, 50)), count("2024-11-05T20:30:00-08:00", (130, 60)),
              count("2024-11-05T21:10:00-08:00", (160, 70)), count("2024-11-06T09:00:00-08:00", (161, 70))]
    assert [c.fresh_votes for c in cr.fresh(counts, 1.0)] == [150, 190, 80, 1]
    # 21:10 against 20:00 (the last count at least an hour older); 09:00 against 21:10
    assert [c.fresh_votes for c in cr.fresh(counts, 0.0)] == [None] * 4
    assert cr.fresh([count(None, (1, 2)), count("2024-11-05T21:00:00-08:00", (3, 2))], 1.0)[1].fresh_votes is None
    assert cr.fresh([count("t", (1, 2), corrected=None)], 1.0)[0].fresh_votes is None  # not a time
    kept = cr.fresh([replace(count("2024-11-05T20:00:00-08:00", (1, 2)), fresh_votes=0)], 1.0)
    assert kept[0].fresh_votes == 0


@pytest.mark.parametrize("rule, seats, threshold, counted, gap", [
    ("plurality", 1, 0.5, (86, 12, 17, 1), 69),
    ("plurality", 2, 0.5, (86, 12, 17, 1), 5),
    ("plurality", 4, 0.5, (86, 12, 17, 1), float("inf")),
    ("majority", 1, 0.5, (60, 30, 10), 10),  # 60 of 100 is 10 votes above half
    ("top_two", 1, 0.5, (45, 30, 25), 5),  # second and third 5 apart
    ("measure", 1, 2 / 3, (700, 300), 700 - 2000 / 3),
])
def test_the_decisive_gap(rule, seats, threshold, counted, gap):
    ids = ("yes", "no") if rule == "measure" else ()
    assert cr.decisive_gap(rule, seats, threshold, counted, ids) == pytest.approx(gap)


def test_a_measures_gap_is_its_yes_votes_whatever_the_order():
    assert cr.decisive_gap("measure", 1, 0.55, (300, 700), ("no", "yes")) == pytest.approx(700 - 550)


def test_fresh_votes_as_many_as_the_gap_hold_the_call():
    c = replace(count("2022-11-08T23:00:06-06:00", (17, 12, 86, 1)), fresh_votes=116)
    assert "published within the last 1 hour(s)" in cr.hold(c, 24.0, 1.0, 69)
    assert cr.hold(replace(c, fresh_votes=68), 24.0, 1.0, 69) is None
    assert cr.hold(replace(c, fresh_votes=69), 24.0, 1.0, 69)
    # fresh votes as many as the gap but under half the count: the call rests on checked votes
    big = replace(count("2022-11-08T23:00:06-06:00", (170, 24, 172, 2)), fresh_votes=184)
    assert cr.hold(big, 24.0, 1.0, 2) is None and cr.hold(replace(big, fresh_votes=185), 24.0, 1.0, 2)
    assert cr.hold(c, 24.0, 0.0, 69) is None  # the rule off
    assert cr.hold(replace(c, remaining=Remaining(0)), 24.0, 1.0, 69) is None  # complete
    sc = simulate.load_scenario_dict(scenario_data([WOOD_LAKE[0]]), "first-count")
    assert sc.count.fresh_votes == 116
    first = simulate.run(sc, draws=20_000)
    assert first.call.status == "too_early" and "116 of the votes" in first.call.sentence
