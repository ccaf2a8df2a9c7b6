r"""A registration check on Minnesota's precincts reporting: a count too small for its electorate is not in.

"All precincts reporting" says every precinct has sent *something*; in 2020 some
counties sent their polling-place votes on election night and their absentee
ballots (more than half the vote that year) hours later, so a contest could show
14 of 14 precincts and half its ballots.  What the feed also says is how many
voters each precinct had registered at 7 am (``pctstats.txt``, fixed before the
polls open), and, through the by-precinct files, which precincts make up each
district contest.

For a contest with registered voters :math:`G` (the sum over its precincts) and
votes counted :math:`v`, the turnout so far is :math:`\rho = v / G`.  The
reference :math:`\bar\rho` is the median :math:`\rho` of the contests of the same
office that show every precinct in, in the same release (at least
:data:`MIN_REFERENCE` of them): what a complete count of such a contest looks
like tonight.  Contests' final turnouts spread around their office's median by
the factors :math:`a_{lo}, a_{hi}` (5th and 95th percentiles of final
:math:`\rho` ÷ the office's median, :data:`SPREAD`, fitted on the other
election), so a contest is expected to end with at least :math:`G\bar\rho a_{lo}`
and at most :math:`G\bar\rho a_{hi}` votes: the remaining vote's estimate is at
least :math:`(G\bar\rho a_{lo} - v)^+` and its high end at least
:math:`(G\bar\rho a_{hi} - v)^+` (:func:`lift`).

**Counties.**  Most county offices have no by-precinct file (the 2020 feed's lists six
counties of 87), but every county's ballots show in its statewide contests
(``allracesbycounty.txt``): the county's ballots so far :math:`V_X` are the votes of its
statewide contest with the most (:func:`county_ballots`), its electorate :math:`G_X` the
registration of all its precincts.  With :math:`\bar\rho` now the median turnout of the
counties showing every precinct in (again at least :data:`MIN_REFERENCE`) and
:data:`COUNTY_SPREAD` the counties' spread, the county is short
:math:`E_X = (G_X\bar\rho a_{lo} - V_X)^+` ballots, and at most
:math:`H_X = (G_X\bar\rho a_{hi} - V_X)^+`.  A county contest without a precinct list,
having counted :math:`v`, is taken to be as far from complete as its county: floors
:math:`v E_X / V_X` and :math:`v H_X / V_X` (its county's missing ballots may all lie in
other districts, so this errs towards calling later); a statewide contest gets the
counties' shortfall in proportion, :math:`v \sum_X E_X / \sum_X V_X` (and the same with
:math:`H`).  Contests with neither a precinct list nor a county, or offices without enough
complete contests, get no floor.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from .minnesota_files import FeedFormatError, is_county_office

__all__ = ["Floor", "registration_7am", "membership", "floors", "lift", "spread_for", "SPREAD", "is_precinct_file",
           "county_ballots", "COUNTY_SPREAD"]

#: Complete contests of an office needed for tonight's reference turnout.
MIN_REFERENCE = 5
#: (a_lo, a_hi): 5th and 95th percentiles of a contest's final turnout ÷ its office's median,
#: by the election it is *not* fitted on (a backtest never learns from its own election);
#: "pooled" (the wider of each) for live imports. Fitted by :func:`spread_of` on the
#: certified folders (state house, state senate, U.S. House districts).
SPREAD = {
    "not 2020-11-03": (0.78, 1.09),
    "not 2022-11-08": (0.86, 1.03),
    "pooled": (0.78, 1.09),
}

#: The same for counties: a county's final ballots (its statewide contest with the most votes)
#: per registered voter ÷ the median county's, all 87 counties of the certified folder
#: (:func:`county_spread_of`); 2020: 0.962-1.028, 2022: 0.912-1.070.
COUNTY_SPREAD = {
    "not 2020-11-03": (0.91, 1.07),
    "not 2022-11-08": (0.96, 1.03),
    "pooled": (0.91, 1.07),
}


@dataclass(frozen=True)
class Floor:
    """Lower bounds of the remaining vote's estimate and high end (module docstring)."""

    estimate: float
    high: float


def is_precinct_file(name: str) -> bool:
    """A by-precinct contest file (``sthousepct.txt``, ``StateSenateByPct.txt``, ``allracesbyprecinct.txt``)."""
    stem = name[:-4].lower() if name.endswith(".txt") else ""
    return ("pct" in stem and stem != "pctstats") or stem == "allracesbyprecinct"


def registration_7am(data: bytes, where: str = "pctstats.txt") -> dict:
    """``{(county, precinct): voters registered at 7 am}`` from ``pctstats.txt``."""
    out = {}
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        f = line.split(";")
        if not line.strip():
            continue
        if len(f) < 12:
            raise FeedFormatError(f"{where} line {n}: {len(f)} fields, expected 12")
        try:
            out[(f[1].strip(), f[2].strip())] = int(f[5] or 0)
        except ValueError:
            raise FeedFormatError(f"{where} line {n}: registered_at_7am is not a whole number") from None
    return out


def membership(data: bytes, where: str) -> dict:
    """``{(office id, district, office name): frozenset of (county, precinct)}`` from a by-precinct
    file, and the same per county under ``(county, office id, district, office name)`` (a county
    office's contest is one county's). Rows of fewer than 16 fields are skipped: only the
    geography is read, and a copy cut short in transfer (the 2020 feed's first
    ``allracesbyprecinct.txt`` ends mid-row) still gives every whole row's."""
    acc: dict = {}
    for line in data.decode("utf-8", "replace").splitlines():
        f = line.split(";")
        if len(f) < 16:
            continue
        county, precinct = f[1].strip(), f[2].strip()
        office = (f[3].strip(), f[5].strip(), f[4].strip())
        acc.setdefault(office, set()).add((county, precinct))
        acc.setdefault((county, *office), set()).add((county, precinct))
    return {k: frozenset(v) for k, v in acc.items()}


def _electorate(contests: dict, members: dict, registered: dict) -> dict:
    """``{contest key: registered voters}`` for the contests with a precinct list (district
    contests by office, county contests by county and office)."""
    out = {}
    for key in contests:
        precincts = members.get(key[1:] if not key[0] else key)
        if precincts:
            g = sum(registered.get(p, 0) for p in precincts)
            if g > 0:
                out[key] = g
    return out


def _office(key) -> str:
    """The office a district contest is one of: its name without the district (office ids
    differ by district: State Representative 10B is 0207, 52B is 0291; "County Commissioner
    District 4" has district ``04``)."""
    if not key[2]:
        return key[3]
    code = re.escape(key[2].lstrip("0") or key[2])
    return " ".join(re.sub(rf"\b0*{code}\b", " ", key[3]).split())


def floors(contests: dict, members: dict, registered: dict, spread: tuple[float, float],
           counties: dict | None = None, county_spread: tuple[float, float] | None = None) -> dict:
    """``{contest key: Floor}`` for one release (module docstring); ``counties`` the release's
    :func:`county_ballots`, for the contests without a precinct list."""
    if not registered:
        return {}
    out = _district_floors(contests, members, registered, spread) if members else {}
    short = _county_shortfalls(counties or {}, registered, county_spread or spread)
    if not short:
        return out
    state_votes = sum(v for v, _, _ in short.values())
    state = (sum(e for _, e, _ in short.values()) / state_votes, sum(h for _, _, h in short.values()) / state_votes)
    for key, c in contests.items():
        if key in out:
            continue
        if key[0]:
            county = short.get(key[0])
            ratio = None if county is None else (county[1] / county[0], county[2] / county[0])
        else:
            ratio = state if not key[2] else None  # statewide; a district without a list: unknown
        v = sum(c.votes)
        if ratio is not None and v > 0 and ratio[1] > 0:
            out[key] = Floor(v * ratio[0], v * ratio[1])
    return out


def _district_floors(contests: dict, members: dict, registered: dict, spread: tuple[float, float]) -> dict:
    electorate = _electorate(contests, members, registered)
    complete: dict = {}
    for key, g in electorate.items():
        c = contests[key]
        if c.total > 0 and c.reporting >= c.total:
            complete.setdefault(_office(key), []).append(sum(c.votes) / g)
    reference = {office: statistics.median(r) for office, r in complete.items() if len(r) >= MIN_REFERENCE}
    lo, hi = spread
    out = {}
    for key, g in electorate.items():
        rho = reference.get(_office(key))
        if rho is None:
            continue
        v = sum(contests[key].votes)
        est, high = max(g * rho * lo - v, 0.0), max(g * rho * hi - v, 0.0)
        if high > 0:
            out[key] = Floor(est, high)
    return out


def county_ballots(by_county: dict) -> dict:
    """``{county: (ballots so far, precincts reporting, precincts)}``: each county's statewide
    contest with the most votes, from ``allracesbycounty.txt`` read county by county
    (``{(county, office id, district, office): Contest}``)."""
    out: dict = {}
    for key, c in by_county.items():
        county, office_id, district = key[0], key[1], key[2]
        if not county or district or is_county_office(office_id):
            continue
        v = sum(c.votes)
        if v > out.get(county, (0,))[0]:
            out[county] = (v, c.reporting, c.total)
    return out


def _electorates_by_county(registered: dict) -> dict:
    out: dict = {}
    for (county, _), g in registered.items():
        out[county] = out.get(county, 0) + g
    return out


def _county_shortfalls(counties: dict, registered: dict, spread: tuple[float, float]) -> dict:
    """``{county: (V, E, H)}`` (module docstring) for the counties with ballots counted."""
    electorate = _electorates_by_county(registered)
    known = {x: (v, r, t, electorate[x]) for x, (v, r, t) in counties.items() if v > 0 and electorate.get(x)}
    complete = [v / g for v, r, t, g in known.values() if t > 0 and r >= t]
    if len(complete) < MIN_REFERENCE:
        return {}
    rho = statistics.median(complete)
    lo, hi = spread
    return {x: (v, max(g * rho * lo - v, 0.0), max(g * rho * hi - v, 0.0)) for x, (v, r, t, g) in known.items()}


def lift(remaining: dict, floor: Floor | None) -> dict:
    """``remaining`` (estimate, low, high) with its estimate and high end raised to ``floor`` (whole ballots)."""
    if floor is None:
        return remaining
    estimate = max(remaining["estimate"], round(floor.estimate))
    high = max(remaining["high"], round(floor.high), estimate)
    return {"estimate": estimate, "low": min(remaining["low"], estimate), "high": high}


def spread_for(election: str | None, table: dict = SPREAD) -> tuple[float, float]:
    """:data:`SPREAD` (or :data:`COUNTY_SPREAD`) for ``election``: fitted without it when it is
    one of the history's, else pooled."""
    return table.get(f"not {election}", table["pooled"])


def spread_of(contests: dict, members: dict, registered: dict, level=(0.05, 0.95)) -> tuple[float, float]:
    """``(a_lo, a_hi)`` from a certified release: quantiles of final turnout ÷ its office's median."""
    import numpy as np

    electorate = _electorate(contests, members, registered)
    by_office: dict = {}
    for key, g in electorate.items():
        by_office.setdefault(_office(key), []).append(sum(contests[key].votes) / g)
    ratios = [r / statistics.median(rs) for rs in by_office.values() if len(rs) >= MIN_REFERENCE for r in rs]
    return tuple(float(q) for q in np.quantile(ratios, level))


def county_spread_of(counties: dict, registered: dict, level=(0.05, 0.95)) -> tuple[float, float]:
    """:data:`COUNTY_SPREAD` from a certified release's :func:`county_ballots`."""
    import numpy as np

    electorate = _electorates_by_county(registered)
    rho = [v / electorate[x] for x, (v, _, _) in counties.items() if electorate.get(x)]
    med = statistics.median(rho)
    return tuple(float(q) for q in np.quantile([r / med for r in rho], level))
