"""Tonight's late ballots raise the remaining-vote floor (simulate.feeds.minnesota_growth)."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.feeds.minnesota import Contest
from simulate.feeds.minnesota_growth import LEVEL, MIN_CONTESTS, LateGrowth
from simulate.model.expected_vote import Band, ErrorTable, remaining_interval

TABLE = ErrorTable("precincts", (Band(1.0, 1.0, 0.5, 2.0),), 0.0, 0.01, "test", 0.0, ((5000.0, 0.0, 0.2),))


def contest(i: int, votes: int, reporting: int = 4, total: int = 4) -> tuple:
    key = ("", f"{9000 + i}", "", f"Town Supervisor {i}")
    return key, Contest(key, ("A", "B"), ("NP", "NP"), (votes // 2, votes - votes // 2), reporting, total)


def release(votes: list[int], reporting: int = 4) -> dict:
    return dict(contest(i, v, reporting) for i, v in enumerate(votes))


def test_growth_after_every_precinct_in_raises_the_floor_of_its_size_class():
    growth = LateGrowth()
    n = MIN_CONTESTS + 5
    assert growth.table(TABLE) is TABLE  # nothing seen yet
    growth.observe(release([100] * n))  # every precinct in, 100 votes each
    assert growth.table(TABLE) == TABLE  # no growth yet: the table's floor stands
    grown = [100 + 10 * i for i in range(n)]  # 0% to 240% more
    growth.observe(release(grown))
    night = growth.table(TABLE)
    expected = float(np.quantile([g / 100 - 1 for g in grown], LEVEL))
    assert night.floor(100) == (0.0, pytest.approx(expected))
    assert night.floor(50_000) == TABLE.floor(50_000)  # the large class saw nothing
    rem = remaining_interval(0.0, 1000, night)
    assert rem["high"] == pytest.approx(expected * 1000, abs=1)


def test_too_few_contests_or_less_growth_than_the_table_leave_it():
    growth = LateGrowth()
    growth.observe(release([100] * (MIN_CONTESTS - 1)))
    growth.observe(release([300] * (MIN_CONTESTS - 1)))
    assert growth.table(TABLE) is TABLE
    growth = LateGrowth()
    growth.observe(release([100] * MIN_CONTESTS))
    growth.observe(release([110] * MIN_CONTESTS))  # 10% < the table's 20%
    assert growth.table(TABLE).floor(100) == TABLE.floor(100)


def test_only_contests_showing_every_precinct_count_and_from_their_first_complete_release():
    growth = LateGrowth()
    growth.observe(release([100] * MIN_CONTESTS, reporting=3))  # not complete: no growth counts
    growth.observe(release([200] * MIN_CONTESTS))  # first complete at 200
    growth.observe(release([260] * MIN_CONTESTS))
    assert growth.floors()[0] == pytest.approx(0.3)
