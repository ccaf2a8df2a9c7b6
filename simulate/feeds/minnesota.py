"""Import the Minnesota Secretary of State's results feed: releases, live scenarios, count histories.

Which files hold contests (read by principle from the file names and columns):

* *contest files*: every media file except ``pctstats.txt`` and the breakdowns --
  names with ``pct``/``Pct`` (by precinct), ending in ``Cty``/``cty`` (by county),
  ``CG``/``cg``/``LG`` (by congressional or legislative district), and
  ``allracesby...``. One contest per (county when the file fills it, office id,
  district, office name): office ids repeat across townships and school districts,
  and one district code can hold two school-board contests.
* ``allracesbycounty.txt`` supplies, in a feed without a county-races file
  (``cntyRace*``), the contests no contest file holds (the 2020 feed has no county or
  judicial files): county offices (ids 0391-0440, the range of the
  2022 county-races file) one per county, every other office summed over counties.

A contest: rule ``measure`` (threshold 0.5) when its choices are YES and NO, else
``plurality`` with ``seats`` N from "(Elect N)" in the office name (at most the number
of candidates). ``WRITE-IN`` rows are a candidate, id ``write_in``. Contests with no
vote counted yet are left out of a release, and a county's rows that are a tabulator test
deck (:func:`is_test_deck`) count as not reported.

``remaining``: precincts reporting with the registration of comparable precincts
(:func:`simulate.model.expected_vote.precinct_estimate`; the contest's county in
``pctstats.txt``, else the state; the latest ``pctstats.txt`` published by then), through
the error table fitted on the *other* election (:func:`error_table`), so a 2022
backtest never learns from 2022, its floor raised to tonight's late ballots so far
(:mod:`simulate.feeds.minnesota_growth`). ``{"estimate": 0}`` only once the count is certified
(:data:`CERTIFIED`, the State Canvassing Board's dates; nothing in the files says it).
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from ..model.expected_vote import Band, ErrorTable, precinct_estimate, remaining_interval
from .la_county import slugify, unique_slugs
from .minnesota_files import FeedFormatError, feed_folders, folder_time, is_county_office, parse_pctstats
from .minnesota_registration import (COUNTY_SPREAD, county_ballots, floors, is_precinct_file, lift, membership,
                                    registration_7am, spread_for)
from .minnesota_growth import LateGrowth
from .release import Release

__all__ = ["releases", "Contest", "CERTIFIED", "error_table", "FeedFormatError", "is_contest_file",
           "contests_of", "raw_estimates", "is_test_deck"]

#: When the State Canvassing Board certified each general election (US Central time).
CERTIFIED = {"2020-11-03": "2020-11-24T12:40:00-06:00", "2022-11-08": "2022-11-23T15:50:00-06:00"}

_BREAKDOWN = re.compile(r"pct|Cty$|cty$|CG$|cg$|LG$|^allracesby", re.IGNORECASE)
_ELECT = re.compile(r"\(\s*elect\s+(\d+)\s*\)", re.IGNORECASE)


def is_contest_file(name: str) -> bool:
    """A media file whose rows are whole contests (module docstring)."""
    stem = name[:-4] if name.endswith(".txt") else name
    return name.endswith(".txt") and stem != "pctstats" and not _BREAKDOWN.search(stem)


def _wanted():
    """The files a walk reads: contest files, ``pctstats.txt``, ``allracesbycounty.txt``, and each
    by-precinct file once (its first copy: only its list of precincts is read, and a year's
    copies would hold hundreds of megabytes)."""
    seen: set = set()

    def wanted(name: str) -> bool:
        if is_precinct_file(name):
            if name in seen:
                return False
            seen.add(name)
            return True
        return is_contest_file(name) or name in ("pctstats.txt", "allracesbycounty.txt")

    return wanted


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


def is_test_deck(rows) -> bool:
    """A county's rows of a contest that are a logic-and-accuracy test deck, not returns.

    Before an election every tabulator is tested with a deck marked in a known pattern:
    one vote for the first name on the ballot, two for the second, and so on. When a
    county's feed carries the test results (the 2020 feed did at 22:00 for a whole county:
    92 of 92 precincts "reporting", 328, 656, 984, ... votes for the ten presidential
    tickets), the count says nothing about the returns. ``rows`` are ``(name, votes)`` in
    ballot order (the file's); they are a test deck when the first has votes ``b > 0``, every
    name other than a write-in has ``i * b`` (``i`` its place), and at least three names do
    (a 1:2 pair happens by chance in small counts; 1:2:3 does not). A write-in row may differ
    (write-ins are tallied by hand).
    """
    base = rows[0][1] if rows else 0
    if base <= 0 or len(rows) < 3:
        return False
    exact = 0
    for i, (name, votes) in enumerate(rows, 1):
        if votes == i * base:
            exact += 1
        elif name.upper() != "WRITE-IN":
            return False
    return exact >= 3


def _group(data: bytes, where: str, summed: bool) -> dict:
    """``{key: Contest}`` from a media file's bytes; ``summed``: by-county rows added up per
    contest. A county's rows that are a test deck (:func:`is_test_deck`) count as not reported:
    no votes, none of its precincts in. (One pass over the lines; :func:`parse_results` is the
    row-by-row reader.)"""
    acc: dict = {}
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        f = line.split(";")
        if len(f) < 16:
            if line.strip():
                raise FeedFormatError(f"{where} line {n}: {len(f)} fields, expected 16")
            continue
        county, office_id = f[1].strip(), f[3].strip()
        if summed and not is_county_office(office_id):
            county_key = ""
        else:
            county_key = county
        key = (county_key, office_id, f[5].strip(), f[4].strip())
        try:
            reporting, total, votes = int(f[11] or 0), int(f[12] or 0), int(f[13] or 0)
        except ValueError:
            raise FeedFormatError(f"{where} line {n}: precincts or votes not a whole number") from None
        part = acc.setdefault(key, {}).setdefault(county if summed else "", [[], reporting, total])
        part[0].append(((f[6].strip(), f[7].strip()), f[10].strip(), votes))
        part[1], part[2] = reporting, total
    return {key: _contest(key, parts) for key, parts in acc.items()}


def _contest(key, parts: dict) -> Contest:
    """One contest from its counties' rows (``{county: [rows, reporting, total]}``)."""
    cands: dict = {}
    reporting = total = 0
    for rows, units_in, units in parts.values():
        deck = is_test_deck([(cand[1], votes) for cand, _, votes in rows])
        for cand, party, votes in rows:
            prev = cands.get(cand)
            cands[cand] = (party, (0 if deck else votes) + (prev[1] if prev else 0))
        reporting += 0 if deck else units_in
        total += units
    items = sorted(cands.items())
    return Contest(key, tuple(nm for (_, nm), _ in items), tuple(p for _, (p, _) in items),
                   tuple(v for _, (_, v) in items), reporting, total)


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
        for key, c in parsed.get(name, files[name], lambda b, n: _group(b, n, False)).items():
            out.setdefault(key, c)
    if "allracesbycounty.txt" in files and not any(n.startswith("cntyRace") for n in files):
        extra = parsed.get("allracesbycounty.txt", files["allracesbycounty.txt"],
                           lambda b, n: _group(b, n, True))
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


def error_table(election_date: str | None) -> ErrorTable:
    """The table for ``election_date``: for an election of the history (:data:`CERTIFIED`) the
    table fitted without it (so a backtest never learns from its own election), else the pooled one."""
    from .minnesota_tables import TABLES

    key = f"not {election_date}" if election_date in CERTIFIED else "pooled"
    return TABLES.get(key, UNINFORMED)


#: Used when no table was fitted without the election at hand: a wide band, no history.
UNINFORMED = ErrorTable("precincts", tuple(Band(u, 1.0, 0.25, 4.0) for u in (0.5, 0.8, 0.9, 0.95, 0.98, 1.0)),
                        0.002, 0.02, "none (uninformed default)")


def _election_date(as_of: str) -> str:
    """The election a feed's first release with votes belongs to: its local date, or the day
    before for a release fetched before noon (an archive whose first votes come after midnight).
    Polls close at 20:00 and counts come that night, so this holds for a general election, a
    primary or a special one alike."""
    from datetime import timedelta

    moment = datetime.fromisoformat(as_of)
    day = moment.date() - timedelta(days=1) if moment.hour < 12 else moment.date()
    return day.isoformat()


@lru_cache(maxsize=65536)
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


@lru_cache(maxsize=65536)
def _static(title: str, names: tuple, parties: tuple, election: str):
    """Race, candidates and ids of a contest (the part that does not change by release)."""
    ids = _ids(names)
    measure = sorted(ids) == ["no", "yes"]
    race = {"name": f"{title} (Minnesota, {election})", "date": election}
    if measure:
        race.update(rule="measure", threshold=0.5)
    else:
        m = _ELECT.search(title)
        race.update(rule="plurality", seats=max(1, min(int(m.group(1)) if m else 1, len(ids))))
    cands = []
    for i, n, p in zip(ids, names, parties):
        cand = {"id": i, "name": n}
        if p and not measure and p not in ("WI", "NP"):
            cand["party"] = p
        cands.append(cand)
    return race, tuple(cands), tuple(ids)


def scenario(c: Contest, as_of: str, election: str, remaining: dict) -> dict:
    """The scenario mapping of one contest at one release (module docstring)."""
    race, cands, ids = _static(c.title, c.names, c.parties, election)
    return {"race": dict(race), "candidates": [dict(x) for x in cands],
            "count": {"as_of": as_of, "counted": dict(zip(ids, c.votes)), "remaining": remaining}}


def _geography_known(folders) -> tuple[dict, dict]:
    """What is fixed before the polls open, from the first file that carries it wherever it
    falls in the feed (the 2020 and 2022 feeds publish them the next day): voters registered at
    7 am by precinct (the first ``pctstats.txt``; nothing else of it is read ahead of its time)
    and the precincts of each district contest (the by-precinct files' rows, not their votes)."""
    registered, members = {}, {}
    for folder, files in folders:
        if not registered and "pctstats.txt" in files:
            registered = registration_7am(files["pctstats.txt"].read(), f"{folder}/pctstats.txt")
        for name in sorted(n for n in files if is_precinct_file(n)):
            for key, precincts in membership(files[name].read(), f"{folder}/{name}").items():
                members.setdefault(key, precincts)
    return registered, members


def _walk(source, certified_at=None, only=None):
    """``(folder, as_of, final, contests, geography, election date, floors)`` per folder, in
    order; ``only``: just that folder key (``"latest"``: the last one). ``floors``: the
    registration check of :mod:`simulate.feeds.minnesota_registration`."""
    folders = feed_folders(source, wanted=_wanted())
    if only == "latest":
        only = folders[-1][0]
    parsed, stats_ref = _Parsed(), None
    election, certified = None, certified_at
    registered, members = _geography_known(folders)
    for folder, files in folders:
        as_of = folder_time(folder)
        stats_ref = files.get("pctstats.txt", stats_ref)  # the latest published by then
        wanted = only is None or folder == only
        if not wanted and election is not None:
            continue
        contests = contests_of(files, parsed)
        if election is None and any(sum(c.votes) for c in contests.values()):
            election = _election_date(as_of)  # the first release with votes says which election
            certified = certified or CERTIFIED.get(election)
        if not wanted:
            continue
        geo = None if stats_ref is None else parsed.get(
            "pctstats.txt", stats_ref, lambda b, n: _geography(parse_pctstats(b, n)))
        final = certified is not None and _after(as_of, certified)
        yield (folder, as_of, final, contests, geo, election,
               {} if final else floors(contests, members, registered, spread_for(election),
                                       _counties(files, parsed), spread_for(election, COUNTY_SPREAD)))


def _counties(files: dict, parsed: _Parsed) -> dict:
    """The release's :func:`~simulate.feeds.minnesota_registration.county_ballots`."""
    ref = files.get("allracesbycounty.txt")
    if ref is None:
        return {}
    return parsed.get("allracesbycounty.txt#counties", ref, lambda b, n: county_ballots(_group(b, n, False)))


def _after(as_of: str, moment: str) -> bool:
    return datetime.fromisoformat(as_of) >= datetime.fromisoformat(moment)


def releases(source, *, certified_at: str | None = None, table: ErrorTable | None = None,
             only: str | None = None) -> Iterator[Release]:
    """Every release of a Minnesota feed (archive, folder of folders, or one folder), in order.

    ``certified_at`` (ISO time) overrides :data:`CERTIFIED` for when the count became
    final; ``table`` the error table of the remaining-vote estimate; ``only`` one
    release's key (``"latest"`` for the last), the others not parsed.
    """
    growth = None
    for folder, as_of, final, contests, geo, election, floor in _walk(source, certified_at, only):
        base = table or error_table(election)
        growth = growth or LateGrowth(a for a, _, _, _ in base.floor_ages)
        moment = datetime.fromisoformat(as_of)
        t = growth.table(base)
        growth.observe(contests, moment)
        out = []
        for key in sorted(contests):
            c = contests[key]
            counted = sum(c.votes)
            if counted == 0 or not c.names:
                continue
            rem = {"estimate": 0} if final else lift(
                remaining_interval(raw_estimate(c, geo), counted, t, age=growth.age(key, moment)), floor.get(key))
            out.append((_slug(key), scenario(c, as_of, election, rem)))
        yield Release(as_of=as_of, key=folder, final=final, contests=tuple(out))


def raw_estimates(source, certified_at: str | None = None):
    """``(folder, as_of, final, {key: (counted, raw)})`` per folder, for fitting error tables."""
    for folder, as_of, final, contests, geo, election, _ in _walk(source, certified_at):
        yield folder, as_of, final, {k: (sum(c.votes), raw_estimate(c, geo)) for k, c in contests.items()}
