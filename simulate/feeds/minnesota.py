"""Import the Minnesota Secretary of State's results feed: releases, live scenarios, count histories.

Which files hold contests (read by principle from the file names and columns):

* *contest files*: every media file except ``pctstats.txt`` and the breakdowns --
  names with ``pct``/``Pct`` (by precinct), ending in ``Cty``/``cty`` (by county),
  ``CG``/``cg``/``LG`` (by congressional or legislative district), and
  ``allracesby...``. One contest per (county when the file fills it, office id,
  district, office name): office ids repeat across townships and school districts,
  and one district code can hold two school-board contests.
* ``allracesbycounty.txt`` supplies the contests no contest file holds (the 2020 feed
  has no county or judicial files): county offices (ids 0391-0440, the range of the
  2022 county-races file) one per county, every other office summed over counties.

A contest: rule ``measure`` (threshold 0.5) when its choices are YES and NO, else
``plurality`` with ``seats`` N from "(Elect N)" in the office name (at most the number
of candidates). ``WRITE-IN`` rows are a candidate, id ``write_in``. Contests with no
vote counted yet are left out of a release.

``remaining``: precincts reporting with the registration of comparable precincts
(:func:`simulate.model.expected_vote.precinct_estimate`; the contest's county in
``pctstats.txt``, else the state; the latest ``pctstats.txt`` published by then), through
the error table fitted on the *other* election (:data:`ERROR_TABLES`), so a 2022
backtest never learns from 2022. ``{"estimate": 0}`` only once the count is certified
(:data:`CERTIFIED`, the State Canvassing Board's dates; nothing in the files says it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..model.expected_vote import Band, ErrorTable, precinct_estimate, remaining_interval
from .la_county import slugify, unique_slugs
from .minnesota_files import FeedFormatError, feed_folders, folder_time, parse_pctstats, parse_results
from .release import Release

__all__ = ["releases", "Contest", "CERTIFIED", "ERROR_TABLES", "FeedFormatError", "is_contest_file",
           "contests_of", "raw_estimates"]

#: When the State Canvassing Board certified each general election (US Central time).
CERTIFIED = {"2020-11-03": "2020-11-24T12:40:00-06:00", "2022-11-08": "2022-11-23T15:50:00-06:00"}

COUNTY_OFFICES = (391, 440)
_BREAKDOWN = re.compile(r"pct|Cty$|cty$|CG$|cg$|LG$|^allracesby", re.IGNORECASE)
_ELECT = re.compile(r"\(\s*elect\s+(\d+)\s*\)", re.IGNORECASE)


def is_contest_file(name: str) -> bool:
    """A media file whose rows are whole contests (module docstring)."""
    stem = name[:-4] if name.endswith(".txt") else name
    return name.endswith(".txt") and stem != "pctstats" and not _BREAKDOWN.search(stem)


def _wanted(name: str) -> bool:
    return is_contest_file(name) or name in ("pctstats.txt", "allracesbycounty.txt")


@dataclass(frozen=True)
class Contest:
    """One contest as a release shows it."""
    key: tuple[str, str, str, str]  # (county or "", office id, district, office name)
    names: tuple[str, ...]
    parties: tuple[str, ...]
    votes: tuple[int, ...]
    reporting: int
    total: int

    @property
    def county(self) -> str:
        return self.key[0]

    @property
    def title(self) -> str:
        return self.key[3]


def _county_office(office_id: str) -> bool:
    return office_id.isdigit() and COUNTY_OFFICES[0] <= int(office_id) <= COUNTY_OFFICES[1]


def _group(rows, summed: bool) -> dict:
    """``{key: Contest}`` from rows; ``summed``: by-county rows added up per contest."""
    acc: dict = {}
    for r in rows:
        county = r.county if (not summed or _county_office(r.office_id)) else ""
        key = (county, r.office_id, r.district, r.office)
        c = acc.setdefault(key, {"cands": {}, "units": {}})
        cand = c["cands"].setdefault((r.order, r.candidate), [r.party, 0])
        cand[1] += r.votes
        c["units"][r.county if summed else ""] = (r.reporting, r.total)
    out = {}
    for key, c in acc.items():
        items = sorted(c["cands"].items())
        reporting = sum(u[0] for u in c["units"].values())
        total = sum(u[1] for u in c["units"].values())
        out[key] = Contest(key, tuple(n for (_, n), _ in items), tuple(p for _, (p, _) in items),
                           tuple(v for _, (_, v) in items), reporting, total)
    return out


class _Parsed:
    """Parses each file once per identity (unchanged files are not re-read)."""

    def __init__(self):
        self.cache: dict = {}

    def get(self, name, ref, parse):
        hit = self.cache.get(name)
        if hit is not None and hit[0] == ref.identity:
            return hit[1]
        value = parse(ref.read(), name)
        self.cache[name] = (ref.identity, value)
        return value


def contests_of(files: dict, parsed: _Parsed | None = None) -> dict:
    """``{key: Contest}`` of one folder (module docstring for which files count)."""
    parsed = parsed or _Parsed()
    out: dict = {}
    for name in sorted(n for n in files if is_contest_file(n)):
        for key, c in parsed.get(name, files[name], lambda b, n: _group(parse_results(b, n), False)).items():
            out.setdefault(key, c)
    if "allracesbycounty.txt" in files:
        extra = parsed.get("allracesbycounty.txt", files["allracesbycounty.txt"],
                           lambda b, n: _group(parse_results(b, n), True))
        for key, c in extra.items():
            out.setdefault(key, c)
    return out


def _geography(stats) -> dict:
    """``{county or "": (reg reported, n reported, reg unreported, n unreported)}``."""
    acc: dict = {}
    for s in stats:
        for g in (s.county, ""):
            a = acc.setdefault(g, [0, 0, 0, 0])
            if s.reported:
                a[0] += s.registered
                a[1] += 1
            else:
                a[2] += s.registered
                a[3] += 1
    return {g: tuple(a) for g, a in acc.items()}


def raw_estimate(c: Contest, geo: dict | None) -> float:
    """Raw precinct-based estimate of a contest's remaining vote (module docstring)."""
    g = (geo or {}).get(c.county) or (geo or {}).get("")
    if g:
        return precinct_estimate(sum(c.votes), c.reporting, c.total, g[0], g[2], g[3], g[1])
    return precinct_estimate(sum(c.votes), c.reporting, c.total)


# Truth ÷ raw estimate, fitted with simulate.feeds.minnesota_calibration.fit on the
# other election's archive (README "Expected vote"): a backtest of one year uses the
# other year's table; live imports of a new election use the pooled one.
ERROR_TABLES: dict = {}


def error_table(election_date: str | None) -> ErrorTable:
    """The table for a backtest of ``election_date`` (fitted on other elections)."""
    from .minnesota_tables import TABLES

    for key in (f"not {election_date}", "pooled"):
        if key in TABLES:
            return TABLES[key]
    raise KeyError("no Minnesota error table")


def _election_date(first_as_of: str) -> str:
    """The general election of the fetch's year: the Tuesday after the first Monday of November."""
    from datetime import date, timedelta

    nov1 = date(int(first_as_of[:4]), 11, 1)
    monday = nov1 + timedelta(days=(0 - nov1.weekday()) % 7)
    return (monday + timedelta(days=1)).isoformat()


def _slug(key) -> str:
    county, office_id, district, office = key
    parts = [slugify(office, "contest", 80), office_id]
    if county:
        parts.append(f"c{county}")
    if district:
        parts.append(f"d{slugify(district, 'x', 20)}")
    return "_".join(parts)


def _ids(names) -> list[str]:
    ids, used = [], set()
    for n in names:
        base = "write_in" if n.upper() == "WRITE-IN" else ("yes" if n.upper() == "YES" else
                                                           "no" if n.upper() == "NO" else None)
        base = base or unique_slugs([n], taken=used)[0]
        slug, k = base, 1
        while slug in used:
            k += 1
            slug = f"{base}_{k}"
        used.add(slug)
        ids.append(slug)
    return ids


def scenario(c: Contest, as_of: str, election: str, remaining: dict) -> dict:
    """The scenario mapping of one contest at one release."""
    ids = _ids(c.names)
    measure = sorted(i for i in ids if i != "write_in") == ["no", "yes"] and "write_in" not in ids
    race = {"name": f"{c.title} (Minnesota, {election})", "date": election}
    if measure:
        race.update(rule="measure", threshold=0.5)
    else:
        m = _ELECT.search(c.title)
        race.update(rule="plurality", seats=max(1, min(int(m.group(1)) if m else 1, len(ids))))
    cands = []
    for i, n, p in zip(ids, c.names, c.parties):
        cand = {"id": i, "name": n}
        if p and not measure and p not in ("WI", "NP"):
            cand["party"] = p
        cands.append(cand)
    return {"race": race, "candidates": cands,
            "count": {"as_of": as_of, "counted": dict(zip(ids, c.votes)), "remaining": remaining}}


def _walk(source, certified_at=None):
    """``(folder, as_of, final, contests, geography, election date)`` per folder, in order."""
    folders = feed_folders(source, wanted=None)
    parsed, geo = _Parsed(), None
    election, certified = None, certified_at
    for folder, files in folders:
        files = {n: r for n, r in files.items() if _wanted(n)}
        as_of = folder_time(folder)
        if election is None:
            election = _election_date(as_of)
            certified = certified or CERTIFIED.get(election)
        if "pctstats.txt" in files:
            geo = parsed.get("pctstats.txt", files["pctstats.txt"],
                             lambda b, n: _geography(parse_pctstats(b, n)))
        final = certified is not None and _after(as_of, certified)
        yield folder, as_of, final, contests_of(files, parsed), geo, election


def _after(as_of: str, moment: str) -> bool:
    from datetime import datetime

    return datetime.fromisoformat(as_of) >= datetime.fromisoformat(moment)


def releases(source, *, certified_at: str | None = None, table: ErrorTable | None = None) -> Iterator[Release]:
    """Every release of a Minnesota feed (archive, folder of folders, or one folder), in order.

    ``certified_at`` (ISO time) overrides :data:`CERTIFIED` for when the count became
    final; ``table`` the error table of the remaining-vote estimate.
    """
    for folder, as_of, final, contests, geo, election in _walk(source, certified_at):
        t = table or error_table(election)
        out = []
        for key in sorted(contests):
            c = contests[key]
            counted = sum(c.votes)
            if counted == 0 or not c.names:
                continue
            rem = {"estimate": 0} if final else remaining_interval(raw_estimate(c, geo), counted, t)
            out.append((_slug(key), scenario(c, as_of, election, rem)))
        yield Release(as_of=as_of, key=folder, final=final, contests=tuple(out))


def raw_estimates(source, certified_at: str | None = None):
    """``(folder, as_of, final, {key: (counted, raw)})`` per folder, for fitting error tables."""
    for folder, as_of, final, contests, geo, election in _walk(source, certified_at):
        yield folder, as_of, final, {k: (sum(c.votes), raw_estimate(c, geo)) for k, c in contests.items()}
