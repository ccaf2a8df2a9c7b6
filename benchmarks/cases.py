"""The benchmark cases, as scenarios validated by ``simulate.load_scenario_dict``.

* ``simple-3``   -- ``scenarios/la-da-2020-primary.yaml`` (3 candidates, top two, remaining an estimate).
* ``simple-12``  -- LA County District Attorney, March 2024 primary, at its first release
  (12 candidates, top two).
* ``seats-7``    -- LA County Democratic central committee, 52nd Assembly District, March 2024
  primary, at its first release (20 candidates, plurality, 7 seats).
* ``batch-373``  -- every contest of the LA County November 2024 general at its first release
  (:func:`batch_373`; contests that cannot be simulated are counted, not dropped silently).
* ``strata-58x3x3`` -- a race counted by units (:func:`strata_58x3x3`): 58 counties x 3 vote
  types = 174 units, 3 candidates, plurality; synthetic, from a seeded generator.
* ``strata-2000x2`` -- 2,000 precincts, 2 candidates, plurality (:func:`strata_2000x2`); synthetic.

The LA County cases are built from ``benchmarks/data/la-county-2024.json`` (see
``benchmarks/data/PROVENANCE.md``).  The data say nothing about how many ballots were
still uncounted, so ``remaining`` is hindsight: ``estimate`` = votes at the final
release minus votes at the first release, with the 90% interval
``floor(0.8 * estimate)`` .. ``ceil(1.25 * estimate)``.  Candidate ids are ``c01``,
``c02``, ... in the feed's order (names are kept as names); a measure's choices are
``yes`` and ``no``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing racecall
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import simulate  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "la-county-2024.json"
SIMPLE_3 = ROOT / "scenarios" / "la-da-2020-primary.yaml"

#: The remaining estimate's 90% interval, as multiples of the estimate.
LOW_FACTOR, HIGH_FACTOR = 0.8, 1.25
#: County contest ids of the primary cases.
DA_PRIMARY_ID = 9054
SEATS_7_ID = 9315

#: Measure pass rates in the feed -> threshold the "yes" share must exceed.
MEASURE_THRESHOLDS = {
    "Majority of votes cast": 0.5,
    "55% of votes cast": 0.55,
    "2/3 of votes cast": 2 / 3,
    # Proposition 5 (55% for some local bonds) failed statewide in November 2024, so 2/3 applied.
    "2/3 votes, 55% if prop 5 passes": 2 / 3,
}



@lru_cache(maxsize=1)
def load_data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def remaining(first_total: int, final_total: int) -> dict | int:
    """Hindsight remaining votes: final - first, with a 0.8x / 1.25x 90% interval (exact 0 if none)."""
    estimate = max(final_total - first_total, 0)
    if estimate == 0:
        return 0
    return {"estimate": estimate, "low": math.floor(LOW_FACTOR * estimate), "high": math.ceil(HIGH_FACTOR * estimate)}


def contest_dict(contest: dict, rule: str, *, seats: int = 1, threshold: float | None = None,
                 as_of: str = "first release", draws: int = 100_000, seed: int = 1) -> dict:
    """A scenario mapping for ``contest`` (a record of the data file) at its first release."""
    if rule == "measure":
        names = [n.strip().lower() for n in contest["candidates"]]
        ids = names  # validated below: exactly yes and no
        if sorted(ids) != ["no", "yes"]:
            raise ValueError(f"measure {contest['name']!r} has choices {contest['candidates']}")
    else:
        ids = [f"c{i + 1:02d}" for i in range(len(contest["candidates"]))]
    race = {"name": contest["name"], "rule": rule}
    if rule == "plurality" and seats != 1:
        race["seats"] = seats
    if threshold is not None:
        race["threshold"] = threshold
    return {
        "race": race,
        "candidates": [{"id": i, "name": n} for i, n in zip(ids, contest["candidates"])],
        "count": {
            "as_of": as_of,
            "counted": dict(zip(ids, contest["first"])),
            "remaining": remaining(sum(contest["first"]), sum(contest["final"])),
        },
        "final": {"as_of": "final release", "counted": dict(zip(ids, contest["final"]))},
        "simulation": {"draws": draws, "seed": seed},
    }


def _primary_contest(contest_id: int) -> dict:
    for contest in load_data()["primary"]["contests"]:
        if contest["id"] == contest_id:
            return contest
    raise KeyError(contest_id)


def _as_of(election: str) -> str:
    rel = load_data()[election]["first_release"]
    return f"{rel['date']} release {rel['release']}"


def simple_3() -> simulate.Scenario:
    return simulate.load_scenario(SIMPLE_3)


def simple_12() -> simulate.Scenario:
    contest = _primary_contest(DA_PRIMARY_ID)
    data = contest_dict(contest, "top_two", threshold=0.5, as_of=_as_of("primary"))
    return simulate.load_scenario_dict(data, "benchmarks:simple-12")


def seats_7() -> simulate.Scenario:
    contest = _primary_contest(SEATS_7_ID)
    data = contest_dict(contest, "plurality", seats=contest["seats"], as_of=_as_of("primary"))
    assert contest["seats"] == 7
    return simulate.load_scenario_dict(data, "benchmarks:seats-7")


def rule_for(contest: dict) -> tuple[str, int, float | None]:
    """(rule, seats, threshold) of a general-election contest, or raise ValueError."""
    if contest["type"] == "Measure":
        rate = contest.get("measure_pass_rate") or ""
        if rate not in MEASURE_THRESHOLDS:
            raise ValueError(f"unknown measure pass rate {rate!r}")
        return "measure", 1, MEASURE_THRESHOLDS[rate]
    seats = int(contest["seats"])
    return "plurality", seats, None


@dataclass
class Batch:
    """The batch case: scenarios to simulate and the contests skipped, with reasons."""

    scenarios: list = field(default_factory=list)  # (name, Scenario)
    skipped: list = field(default_factory=list)  # (name, reason)

    @property
    def contests(self) -> int:
        return len(self.scenarios) + len(self.skipped)


def batch_373(draws: int = 100_000, seed: int = 1) -> Batch:
    """Every contest of the November 2024 general at its first release."""
    batch = Batch()
    as_of = _as_of("general")
    for contest in load_data()["general"]["contests"]:
        name = contest["name"]
        if len(contest["candidates"]) < 2:
            batch.skipped.append((name, f"{len(contest['candidates'])} candidate(s)"))
            continue
        if sum(contest["first"]) == 0 or sum(contest["final"]) == 0:
            batch.skipped.append((name, "no votes"))
            continue
        try:
            rule, seats, threshold = rule_for(contest)
            if seats > len(contest["candidates"]):
                raise ValueError(f"{seats} seats but {len(contest['candidates'])} candidates")
            data = contest_dict(contest, rule, seats=seats, threshold=threshold, as_of=as_of, draws=draws, seed=seed)
            scenario = simulate.load_scenario_dict(data, f"benchmarks:batch-373:{contest['id']}")
        except (ValueError, simulate.ScenarioError) as exc:
            batch.skipped.append((name, str(exc)))
            continue
        batch.scenarios.append((name, scenario))
    return batch


# -- races counted by units (synthetic) ----------------------------------------------------------

#: Vote types of the county case: share of a county's ballots, counted fraction at the
#: release (mean, sd across counties) and the Democratic candidate's lean by type.
VOTE_TYPES = {"mail": (0.60, 0.70, 0.15, +0.05), "early": (0.15, 0.95, 0.04, -0.02), "day": (0.25, 0.45, 0.30, -0.08)}


def _units_scenario(name: str, ids: list[str], units: list[dict], draws: int, seed: int) -> simulate.Scenario:
    data = {
        "race": {"name": name, "rule": "plurality"},
        "candidates": [{"id": i} for i in ids],
        "count": {"as_of": "synthetic release", "units": units},
        "simulation": {"draws": draws, "seed": seed},
    }
    return simulate.load_scenario_dict(data, f"benchmarks:{name}")


def _unit(uid: str, utype: str, ids: list[str], shares, expected: int, fraction: float, baseline, rng) -> dict:
    """One unit: ``expected`` ballots in all, ``fraction`` of them counted at ``shares``
    (multinomial), the rest an estimate with the cases' 0.8x / 1.25x interval."""
    counted_total = int(round(expected * fraction))
    counted = rng.multinomial(counted_total, shares)
    rest = expected - counted_total
    unit = {"id": uid, "type": utype, "counted": dict(zip(ids, map(int, counted))),
            "remaining": remaining(counted_total, expected)}
    if baseline is not None:
        unit["baseline"] = dict(zip(ids, (round(float(x), 6) for x in baseline[:-1])))
        unit["baseline"][ids[-1]] = round(1.0 - sum(unit["baseline"].values()), 6)
    assert rest >= 0
    return unit


def strata_58x3x3(draws: int = 100_000, seed: int = 1) -> simulate.Scenario:
    """58 counties (California's number) x 3 vote types, 3 candidates, at a mid-count release.

    Seeded generator (``numpy.random.default_rng(58)``): county sizes log-normal (median
    60,000 ballots, log-sd 1.3, 2,000 to 4,000,000), Democratic share by county N(0.55, 0.12)
    clipped to [0.2, 0.85], a third candidate at 3%; vote types as in :data:`VOTE_TYPES`
    (type share of ballots, counted fraction ~ N(mean, sd) clipped to [0, 1], lean); counted
    votes a multinomial sample of the unit's shares; a baseline (the last election's shares:
    this one's minus a 2-point swing, plus noise) for every unit.
    """
    rng = np.random.default_rng(58)
    ids = ["dem", "rep", "third"]
    units = []
    for c in range(58):
        size = float(np.clip(np.exp(rng.normal(math.log(60_000), 1.3)), 2_000, 4_000_000))
        lean = float(np.clip(rng.normal(0.55, 0.12), 0.2, 0.85))
        for utype, (part, mean_frac, sd_frac, tilt) in VOTE_TYPES.items():
            dem = min(max(lean + tilt, 0.05), 0.93)
            shares = np.array([dem, 0.97 - dem, 0.03])
            fraction = float(np.clip(rng.normal(mean_frac, sd_frac), 0.0, 1.0))
            base = np.clip(shares + np.array([-0.02, 0.02, 0.0]) + rng.normal(0, 0.01, 3), 0.01, None)
            units.append(_unit(f"county-{c + 1:02d}/{utype}", utype, ids, shares, int(size * part), fraction,
                               base / base.sum(), rng))
    return _units_scenario("strata-58x3x3", ids, units, draws, seed)


def strata_2000x2(draws: int = 100_000, seed: int = 1) -> simulate.Scenario:
    """2,000 precincts, 2 candidates, one vote type, at a mid-count release.

    Seeded generator (``numpy.random.default_rng(2000)``): precinct sizes uniform on
    300..3,000 ballots, the first candidate's share N(0.5, 0.15) clipped to [0.05, 0.95],
    counted fraction: 30% of precincts complete, 20% not started, the rest uniform on
    (0, 1); no baselines.
    """
    rng = np.random.default_rng(2000)
    ids = ["a", "b"]
    units = []
    for i in range(2000):
        share = float(np.clip(rng.normal(0.5, 0.15), 0.05, 0.95))
        u = rng.random()
        fraction = 1.0 if u < 0.3 else (0.0 if u < 0.5 else float(rng.random()))
        units.append(_unit(f"p{i + 1:04d}", "all", ids, np.array([share, 1 - share]), int(rng.integers(300, 3001)),
                           fraction, None, rng))
    return _units_scenario("strata-2000x2", ids, units, draws, seed)


#: Single-race cases, in table order.
SINGLE_CASES = {"simple-3": simple_3, "simple-12": simple_12, "seats-7": seats_7}
STRATA_CASES = {"strata-58x3x3": strata_58x3x3, "strata-2000x2": strata_2000x2}
CASE_NAMES = ("simple-3", "simple-12", "seats-7", "batch-373", "strata-58x3x3", "strata-2000x2")


if __name__ == "__main__":
    for name, build in SINGLE_CASES.items():
        s = build()
        print(f"{name:10s} K={len(s.candidates):2d} rule={s.race.rule} seats={s.race.seats} "
              f"counted={sum(s.count.counted):,} remaining={s.count.remaining}")
    b = batch_373()
    print(f"batch-373  {b.contests} contests: {len(b.scenarios)} simulated, {len(b.skipped)} skipped")
    for name, build in STRATA_CASES.items():
        s = build()
        units = s.count.units
        print(f"{name:10s} K={len(s.candidates):2d} units={len(units)} types={len({u.type for u in units})} "
              f"counted={sum(sum(u.counted) for u in units):,} remaining={sum(u.remaining.estimate for u in units):,}")
