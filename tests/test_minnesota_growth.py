"""Tonight's late ballots raise the remaining-vote floor (simulate.feeds.minnesota_growth)."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from simulate.feeds.minnesota import Contest
from simulate.feeds.minnesota_growth import LEVEL, MEDIAN, MIN_CONTESTS, LateGrowth
from simulate.model.expected_vote import Band, ErrorTable, remaining_interval

TABLE = ErrorTable("precincts", (Band(1.0, 1.0, 0.5, 2.0),), 0.0, 0.01, "test", 0.0, ((5000.0, 0.0, 0.2),))


def contest(i: int, votes: int, reporting: int = 4, total: int = 4) -> tuple:
    key = ("", f"{9000 + i}", "", f"Town Supervisor {i}")
    return key, Contest(key, ("A", "B"), ("NP", "NP"), (votes // 2, votes - votes // 2), reporting, total)


def release(votes: list[int], reporting: int = 4) -> dict:
    return dict(contest(i, v, reporting) for i, v in enumerate(votes))


CLOSE = datetime(2022, 11, 8, 21, 0)


def at(hours: float) -> datetime:
    return CLOSE + timedelta(hours=hours)


def test_growth_after_every_precinct_in_raises_the_floor_of_its_size_class():
    growth = LateGrowth()
    n = MIN_CONTESTS + 5
    assert growth.table(TABLE) is TABLE  # nothing seen yet
    growth.observe(release([100] * n), at(0))  # every precinct in, 100 votes each
    assert growth.table(TABLE) == TABLE  # no growth yet: the table's floor stands
    grown = [100 + 10 * i for i in range(n)]  # 0% to 240% more
    growth.observe(release(grown), at(1))
    night = growth.table(TABLE)
    expected = float(np.quantile([g / 100 - 1 for g in grown], LEVEL))
    median = float(np.quantile([g / 100 - 1 for g in grown], MEDIAN))
    assert median == pytest.approx(1.2)  # 0% to 240%: half grew by more than 120%
    assert night.floor(100) == (pytest.approx(median), pytest.approx(expected))
    assert night.floor(50_000) == TABLE.floor(50_000)  # the large class saw nothing
    rem = remaining_interval(0.0, 1000, night)
    assert rem["high"] == pytest.approx(expected * 1000, abs=1)
    assert rem["estimate"] == pytest.approx(median * 1000, abs=1)  # tonight's typical late ballots


def test_too_few_contests_or_less_growth_than_the_table_leave_it():
    growth = LateGrowth()
    growth.observe(release([100] * (MIN_CONTESTS - 1)), at(0))
    growth.observe(release([300] * (MIN_CONTESTS - 1)), at(1))
    assert growth.table(TABLE) is TABLE
    growth = LateGrowth()
    growth.observe(release([100] * MIN_CONTESTS), at(0))
    growth.observe(release([110] * MIN_CONTESTS), at(1))  # 10%: under the table's high 20%, over its median 0
    assert growth.table(TABLE).floor(100) == (pytest.approx(0.1), 0.2)
    wide = ErrorTable("precincts", (Band(1.0, 1.0, 0.5, 2.0),), 0.0, 0.01, "test", 0.0, ((5000.0, 0.15, 0.2),))
    assert growth.table(wide).floor(100) == (0.15, 0.2)  # under both: the table stands


def test_only_contests_showing_every_precinct_count_and_from_their_first_complete_release():
    growth = LateGrowth()
    growth.observe(release([100] * MIN_CONTESTS, reporting=3), at(0))  # not complete: no growth counts
    growth.observe(release([200] * MIN_CONTESTS), at(1))  # first complete at 200
    growth.observe(release([260] * MIN_CONTESTS), at(2))
    assert growth.floors()[0.0, 5000.0] == pytest.approx((0.3, 0.3))


AGED = ErrorTable("precincts", (Band(1.0, 1.0, 0.5, 2.0),), 0.0, 0.01, "test", 0.0, ((5000.0, 0.0, 4.0),),
                  floor_ages=((0.0, 5000.0, 0.0, 4.0), (0.0, float("inf"), 0.0, 0.01),
                              (6.0, 5000.0, 0.0, 0.05), (6.0, float("inf"), 0.0, 0.01)))


def test_the_floor_steps_down_with_the_hours_since_every_precinct_was_in():
    assert AGED.floor(100) == (0.0, 4.0)  # not complete (no age): by size alone
    assert AGED.floor(100, 0.0) == (0.0, 4.0)
    assert AGED.floor(100, 5.99) == (0.0, 4.0)
    assert AGED.floor(100, 6.0) == (0.0, 0.05)
    assert AGED.floor(100, 500.0) == (0.0, 0.05)
    assert AGED.floor(50_000, 7.0) == (0.0, 0.01)
    assert remaining_interval(0.0, 1000, AGED, age=7.0)["high"] == 50
    assert remaining_interval(0.0, 1000, AGED, age=1.0)["high"] == 4000


def test_growth_since_an_age_is_measured_from_the_votes_at_that_age():
    growth = LateGrowth((0.0, 6.0))
    n = MIN_CONTESTS
    growth.observe(release([100] * n), at(0))  # complete at 21:00
    assert growth.age(contest(0, 100)[0], at(2.5)) == pytest.approx(2.5)
    assert growth.age(("", "1", "", "never seen"), at(2.5)) is None
    growth.observe(release([150] * n), at(5))  # +50% before the sixth hour
    growth.observe(release([180] * n), at(7))  # votes at six hours: 150 (the count then)
    growth.observe(release([195] * n), at(8))
    floors = growth.floors()
    assert floors[0.0, 5000.0] == pytest.approx((0.95, 0.95))  # 195 / 100 - 1
    assert floors[6.0, 5000.0] == pytest.approx((0.30, 0.30))  # 195 / 150 - 1, not 195 / 180 - 1
    raised = growth.table(AGED)
    assert raised.floor(100, 7.0) == pytest.approx((0.30, 0.30))  # 0.05 raised to tonight's 0.30
    assert raised.floor(100, 1.0) == (pytest.approx(0.95), 4.0)  # 4.0 already above tonight's 0.95
    assert raised.floor(50_000, 7.0) == (0.0, 0.01)  # no large contest seen
