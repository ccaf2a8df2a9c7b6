"""The registration check on Minnesota's precincts reporting: a count too small for its electorate stays open."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulate.feeds.minnesota import Contest
from simulate.feeds.minnesota_files import FeedFormatError
from simulate.feeds.minnesota_registration import (
    Floor, floors, is_precinct_file, lift, membership, registration_7am, spread_for, spread_of)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "minnesota"


def district(n: str, votes, reporting=10, total=10):
    key = ("", f"02{n}", n, f"State Representative District {n}")
    return key, Contest(key, ("A", "B"), ("R", "DFL"), tuple(votes), reporting, total)


def release(turnouts, registered=1000):
    """Districts 10A.. with 10 precincts of ``registered`` voters each and the given turnout."""
    contests, members, reg = {}, {}, {}
    for i, (rho, reporting) in enumerate(turnouts):
        n = f"{10 + i}A"
        v = round(rho * 10 * registered)
        key, c = district(n, (v // 2, v - v // 2), reporting)
        contests[key] = c
        precincts = frozenset(("27", f"{i:02d}{j:02d}") for j in range(10))
        members[key[1:]] = precincts
        reg.update({p: registered for p in precincts})
    return contests, members, reg


def test_a_complete_looking_count_far_below_tonights_turnout_gets_a_floor():
    turnouts = [(0.80, 10), (0.82, 10), (0.78, 10), (0.85, 10), (0.81, 10), (0.40, 10), (0.50, 6)]
    contests, members, reg = release(turnouts)
    out = floors(contests, members, reg, (0.8, 1.1))
    rho = 0.805  # median of the six complete contests' turnouts (0.80 0.82 0.78 0.85 0.81 0.40)
    g = 10_000
    half = ("", "0215A", "15A", "State Representative District 15A")
    assert out[half].estimate == pytest.approx(g * rho * 0.8 - 4000)
    assert out[half].high == pytest.approx(g * rho * 1.1 - 4000)
    partial = ("", "0216A", "16A", "State Representative District 16A")
    assert out[partial].estimate == pytest.approx(g * rho * 0.8 - 5000)
    high_turnout = ("", "0213A", "13A", "State Representative District 13A")
    assert out[high_turnout].estimate == 0.0 and out[high_turnout].high == pytest.approx(g * rho * 1.1 - 8500)


def test_no_floor_without_enough_complete_contests_or_registration():
    contests, members, reg = release([(0.8, 10)] * 4 + [(0.4, 10)])
    assert len(floors(contests, members, reg, (0.8, 1.1))) == 5  # five complete: a reference
    contests, members, reg = release([(0.8, 10)] * 3 + [(0.4, 5)] * 3)
    assert floors(contests, members, reg, (0.8, 1.1)) == {}  # three complete: none
    contests, members, reg = release([(0.8, 10)] * 6)
    assert floors(contests, members, {}, (0.8, 1.1)) == {} and floors(contests, {}, reg, (0.8, 1.1)) == {}


def test_lift_raises_the_estimate_and_high_only():
    rem = {"estimate": 10, "low": 5, "high": 30}
    assert lift(rem, None) is rem
    assert lift(rem, Floor(100.4, 250.6)) == {"estimate": 100, "low": 5, "high": 251}
    assert lift(rem, Floor(0.0, 20.0)) == rem
    assert lift({"estimate": 0, "low": 0, "high": 1}, Floor(0.0, 40.2)) == {"estimate": 0, "low": 0, "high": 40}


def test_spread_of_a_final_release():
    contests, members, reg = release([(0.8, 10), (0.9, 10), (1.0, 10), (0.7, 10), (0.85, 10)])
    lo, hi = spread_of(contests, members, reg, level=(0.0, 1.0))
    assert lo == pytest.approx(0.7 / 0.85) and hi == pytest.approx(1.0 / 0.85)
    assert spread_for("2020-11-03") != spread_for("2022-11-08")
    assert spread_for("2030-11-05") == spread_for(None)


def test_files_and_parse_errors():
    assert is_precinct_file("sthousepct.txt") and is_precinct_file("StateSenateByPct.txt")
    assert not is_precinct_file("pctstats.txt") and is_precinct_file("allracesbyprecinct.txt")
    assert not is_precinct_file("allracesbycounty.txt")
    assert not is_precinct_file("ushouse.txt")
    assert registration_7am(b"MN;27;0005;A;1;1246;73;553;545;0;0;1098\n") == {("27", "0005"): 1246}
    with pytest.raises(FeedFormatError, match="pctstats.txt line 1: 3 fields"):
        registration_7am(b"MN;27;0005\n")
    with pytest.raises(FeedFormatError, match="line 1: registered_at_7am is not a whole number"):
        registration_7am(b"MN;27;0005;A;1;x;73;553;545;0;0;1098\n")
    rows = (b"MN;01;0005;0207;State Representative District 10B;10B;0301;A;;;R;1;1;690;65.03;1061\n"
            b"MN;01;0010;0207;State Representative District 10B;10B;0301;A;;;R;1;1;69;65.03;1061\n")
    both = frozenset({("01", "0005"), ("01", "0010")})
    assert membership(rows, "x") == {("0207", "10B", "State Representative District 10B"): both,
                                     ("01", "0207", "10B", "State Representative District 10B"): both}
    assert membership(rows + b"MN;01;0015;0207;State Repr", "x") == membership(rows, "x")  # cut short


@pytest.mark.skipif(not (SHARED / "minnesota-2020.tar.xz").exists(), reason="needs the full Minnesota feed")
def test_house_52b_2020_all_precincts_in_is_held_open_by_registration():
    """At 22:20 on election night 52B showed 14 of 14 precincts and 12,150 votes; 24,621 were cast."""
    from simulate.feeds.minnesota import releases

    (rel,) = releases(SHARED / "minnesota-2020.tar.xz", only="20201103T222006-0600")
    (data,) = [d for slug, d in rel.contests if d["race"]["name"].startswith("State Representative District 52B")]
    counted = sum(data["count"]["counted"].values())
    rem = data["count"]["remaining"]
    assert counted == 12_150
    assert rem["estimate"] >= 4_000 and rem["high"] >= 24_621 - counted


def test_county_contests_use_their_county_precincts_and_offices_ignore_the_district():
    from simulate.feeds.minnesota_registration import _office

    assert _office(("01", "0394", "04", "County Commissioner District 4")) == "County Commissioner District"
    assert _office(("", "0291", "52B", "State Representative District 52B")) == "State Representative District"
    assert _office(("x", "1", "04", "Ward 14 Council District 4")) == "Ward 14 Council District"
    rows = b"".join(
        f"MN;{c};{p};0394;County Commissioner District 4;04;9001;A;;;NP;1;1;10;50;20\n".encode()
        for c, p in (("01", "0005"), ("01", "0010"), ("02", "0005")))
    m = membership(rows, "allracesbyprecinct.txt")
    assert m[("01", "0394", "04", "County Commissioner District 4")] == frozenset({("01", "0005"), ("01", "0010")})
    assert m[("02", "0394", "04", "County Commissioner District 4")] == frozenset({("02", "0005")})
    contests, members, reg = {}, {}, {}
    for i, rho in enumerate((0.8, 0.8, 0.8, 0.8, 0.8, 0.3)):
        county = f"{i + 1:02d}"
        key = (county, "0394", "04", "County Commissioner District 4")
        v = round(rho * 2000)
        contests[key] = Contest(key, ("A", "B"), ("NP", "NP"), (v // 2, v - v // 2), 2, 2)
        members[key] = frozenset({(county, "0005"), (county, "0010")})
        reg.update({(county, "0005"): 1000, (county, "0010"): 1000})
    out = floors(contests, members, reg, (0.9, 1.1))
    assert out[("06", "0394", "04", "County Commissioner District 4")].estimate == pytest.approx(2000 * 0.8 * 0.9 - 600)


def test_a_county_office_without_a_precinct_list_is_as_far_from_complete_as_its_county():
    """Six counties of 10,000 voters complete at 80% turnout, one showing every precinct in at 40%."""
    from simulate.feeds.minnesota_registration import county_ballots

    reg, by_county = {}, {}
    for i, rho in enumerate((0.8, 0.8, 0.82, 0.78, 0.8, 0.8, 0.4)):
        county = f"{i + 1:02d}"
        reg.update({(county, f"{j:04d}"): 1000 for j in range(10)})
        v = round(rho * 10_000)
        key = (county, "0101", "", "U.S. President & Vice President")
        by_county[key] = Contest(key, ("A", "B"), ("R", "DFL"), (v // 2, v - v // 2), 10, 10)
        small = (county, "0101", "", "Constitutional Amendment")  # fewer votes: not the county's ballots
        by_county[small] = Contest(small, ("YES", "NO"), ("", ""), (10, 10), 10, 10)
    counties = county_ballots(by_county)
    assert counties["07"] == (4000, 10, 10) and counties["01"] == (8000, 10, 10)
    commissioner = ("07", "0391", "01", "County Commissioner District 1")
    governor = ("", "0101", "", "U.S. President & Vice President")
    house = ("", "0291", "52B", "State Representative District 52B")
    contests = {k: Contest(k, ("A", "B"), ("", ""), (600, 400), 5, 5) for k in (commissioner, governor, house)}
    out = floors(contests, {}, reg, (0.8, 1.1), counties, (0.9, 1.1))
    short, high = 10_000 * 0.8 * 0.9 - 4000, 10_000 * 0.8 * 1.1 - 4000  # county 07: 3,200 and 4,800 short
    assert out[commissioner].estimate == pytest.approx(1000 * short / 4000)
    assert out[commissioner].high == pytest.approx(1000 * high / 4000)
    # the state: the counties' shortfalls over their ballots (52,000); at a_hi each county is short
    # 8,800 - V: 800 800 600 1,000 800 800 4,800
    assert out[governor].estimate == pytest.approx(1000 * 3200 / 52_000)
    assert out[governor].high == pytest.approx(1000 * 9600 / 52_000)
    assert house not in out  # a district without a precinct list: unknown
    assert floors(contests, {}, reg, (0.8, 1.1), dict(list(counties.items())[:4]), (0.9, 1.1)) == {}


@pytest.mark.skipif(not (SHARED / "minnesota-2020.tar.xz").exists(), reason="needs the full Minnesota feed")
def test_2020_test_deck_county_and_a_county_office_without_precinct_list():
    """22:00 on election night 2020: one county's feed carried its tabulator test deck (92 of 92
    precincts, 328, 656, 984, ... votes); 00:50: Sherburne's commissioner district 1 showed every
    precinct in with 5,423 votes (8,652 final) while its county's ballots were far short."""
    from simulate.feeds.minnesota import releases

    (rel,) = releases(SHARED / "minnesota-2020.tar.xz", only="20201103T220005-0600")
    names = [d for _, d in rel.contests if d["race"]["name"].startswith("County Commissioner District 1")]
    assert not any(sorted(d["count"]["counted"].values()) == [58, 116, 174] for d in names)
    assert len(names) >= 5  # the other counties' commissioner races are in

    (rel,) = releases(SHARED / "minnesota-2020.tar.xz", only="20201104T005005-0600")
    (data,) = [d for _, d in rel.contests if "Andrew Hulse" in {c["name"] for c in d["candidates"]}]
    assert sum(data["count"]["counted"].values()) == 5_423
    assert data["count"]["remaining"]["high"] >= 1_500  # was 80 on precincts reporting alone
