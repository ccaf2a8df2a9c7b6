"""Import the North Carolina 2020 presidential count history (by county and vote type).

The input is ``president-by-county-and-vote-type.csv`` from the
ericleigh007/election2020-timeseries-data collection (archived copies of a national
newspaper's live results pages), or an extract of it with the columns
``state,county,timestamp,vote_type,votes,votes_biden,votes_trump,votes_jorgensen,votes_other``
(:func:`extract` writes one). Each row is one county (or ``STATE``) and one vote type
(``absentee``, ``early``, ``electionday``, ``provisional`` or ``total``) at one timestamp
(UTC, no offset in the file), with cumulative counts.

:func:`scenario_from_nc` turns it into ONE replayable scenario for the race:

* Candidates ``biden``, ``trump``, ``jorgensen`` and ``other`` (everyone else, write-ins
  included), as the file has them; ``keep_jorgensen=False`` folds Jorgensen into ``other``.
  Rule plurality, one seat (the state's electors go to the plurality winner).
* One snapshot per timestamp except the last, oldest first, skipping timestamps at which
  nothing is counted statewide (the file opens with an all-zero pre-election page) and,
  with ``first_timestamp``, those before it. ``as_of`` is the file's timestamp with
  ``+00:00``. ``count`` is a copy of the last snapshot; ``final`` is the last timestamp's
  statewide count (the ``STATE``/``total`` row), for backtests.
* ``mode="units"``: each snapshot lists 400 ``units``, county x vote type
  (``<county>/<type>``, types ``absentee``, ``early``, ``election_day``, ``provisional``;
  the ``total`` rows are checks, not units), each with its counted votes at that timestamp.
* ``mode="lump"``: each snapshot has the race-level ``counted`` (the ``STATE``/``total``
  row) and ``remaining``.

The file never says how many votes were still to be counted, so ``remaining`` is
**hindsight**, per unit (units mode) or statewide (lump mode): ``estimate`` = the last
timestamp's total minus the total counted at the snapshot, with a 90% interval
``low = floor(interval[0] * estimate)``, ``high = ceil(interval[1] * estimate)`` (default
0.8-1.25). A unit whose count already equals its final one has ``remaining: 0`` (exact).
A unit (or the state) whose count at a snapshot is above its final one -- the count went
backwards later, as when votes were moved between vote types -- gets ``estimate`` 0,
``low`` 0 and ``high`` = 1% of its counted votes (at least 1): uncertain, not certain.
A replay of these scenarios knows the size of the remaining vote far better than anyone
did on the night. Where votes moved between vote types after a snapshot (Haywood and
Rockingham counties did this in 2020), they are counted in one unit and remaining in
another; within each county the positive remainders are therefore scaled down to add up
to the county's own final minus counted, and the importer warns where units still add up
to more than the statewide remaining.

A units scenario is large (about 1 MB of YAML for 20 snapshots); ``racecall import nc-2020
--units-csv`` writes each snapshot's units to a CSV file that the scenario names with
``units_csv`` (see :func:`simulate.feeds.units_csv.write_scenario`), which loads much
faster.

Nothing in the counts raises: the importer checks, at every timestamp of the file, that
the county x vote-type rows add up to the ``STATE`` rows and to each county's ``total`` row,
that ``votes`` is the sum of the candidates, and that counts never go backwards, and lists
what it finds as warnings (:func:`import_nc` returns them in an
:class:`~simulate.feeds.la_county.ImportReport`). A file that cannot be read, lacks a
column, holds a non-integer count or has no timestamp with votes raises
:class:`~simulate.feeds.la_county.ImportFormatError`.
"""
from __future__ import annotations

import copy
import csv
import io
import math
from datetime import datetime, timezone

from .la_county import ImportFormatError, ImportReport

__all__ = ["scenario_from_nc", "import_nc", "extract", "EXTRACT_COLUMNS",
           "VOTE_TYPES", "SLUG"]

#: The columns an extract keeps (and the importer needs).
EXTRACT_COLUMNS = ("state", "county", "timestamp", "vote_type", "votes", "votes_biden",
                   "votes_trump", "votes_jorgensen", "votes_other")
#: The file's vote types that are units -> the unit type written in the scenario.
VOTE_TYPES = {"absentee": "absentee", "early": "early", "electionday": "election_day",
              "provisional": "provisional"}
_COLUMNS = ("votes", "votes_biden", "votes_trump", "votes_jorgensen", "votes_other")
_STATE, _TOTAL = "STATE", "total"
SLUG = "nc-2020-president"
RACE = {"name": "President of the United States, North Carolina, 2020 general election",
        "date": "2020-11-03", "rule": "plurality", "seats": 1}
_CANDIDATES = [{"id": "biden", "name": "Joe Biden", "party": "DEM"},
               {"id": "trump", "name": "Donald Trump", "party": "REP"},
               {"id": "jorgensen", "name": "Jo Jorgensen", "party": "LIB"},
               {"id": "other", "name": "Other candidates and write-ins"}]
_MAX_LISTED = 5
#: The largest file read (the whole 2020 history is 3 MB); a larger one, or a device, fails before it is read whole.
MAX_FILE_BYTES = 200_000_000


def _read(path) -> tuple[list[str], dict]:
    """Sorted timestamps and ``{(county, vote_type, timestamp): (votes, biden, trump,
    jorgensen, other)}``; raises ImportFormatError for a file not in the expected format."""
    try:
        with open(path, "rb") as raw:
            data = raw.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ImportFormatError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
        with io.StringIO(data.decode("utf-8-sig"), newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in EXTRACT_COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise ImportFormatError(f"{path}: no column(s) {', '.join(missing)} "
                                        "(not a president-by-county-and-vote-type.csv?)")
            table, states = {}, set()
            for row in reader:
                where = f"{path}: line {reader.line_num}"
                vote_type = row["vote_type"]
                if vote_type not in VOTE_TYPES and vote_type != _TOTAL:
                    raise ImportFormatError(f"{where}: unknown vote_type {vote_type!r}")
                try:
                    values = tuple(int(row[c]) for c in _COLUMNS)
                except (TypeError, ValueError):
                    raise ImportFormatError(f"{where}: a vote count is not a whole number: "
                                            f"{[row[c] for c in _COLUMNS]}") from None
                if min(values) < 0:
                    raise ImportFormatError(f"{where}: negative vote count: {list(values)}")
                try:
                    aware = datetime.fromisoformat(row["timestamp"]).tzinfo is not None
                except (TypeError, ValueError):
                    aware = True
                if aware:
                    raise ImportFormatError(f"{where}: timestamp {row['timestamp']!r} is not an "
                                            "ISO date and time without offset (UTC)")
                key = (row["county"], vote_type, row["timestamp"])
                if key in table:
                    raise ImportFormatError(f"{where}: second row for {key[0]} {key[1]} at {key[2]}")
                table[key] = values
                states.add(row["state"])
    except ImportFormatError:
        raise
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{path}: cannot read CSV: {exc}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise ImportFormatError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFormatError(f"{path}: cannot read CSV: {exc}") from None
    if len(states) > 1:
        raise ImportFormatError(f"{path}: rows from more than one state: {sorted(states)}")
    if not table:
        raise ImportFormatError(f"{path}: no rows")
    times = sorted({k[2] for k in table}, key=datetime.fromisoformat)
    return times, table


def _utc(when) -> datetime:
    """``when`` (datetime or ISO text; naive = UTC) as a naive UTC datetime."""
    if not isinstance(when, datetime):
        try:
            when = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"first_timestamp {when!r} is not an ISO date and time") from None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when


def _as_of(timestamp: str) -> str:
    return timestamp + "+00:00"


def _remaining(counted: int, final: int, interval) -> int | dict:
    """Hindsight remaining votes of one unit (or the state); see the module docstring."""
    estimate = final - counted
    if estimate == 0:
        return 0
    if estimate < 0:
        return {"estimate": 0, "low": 0, "high": max(1, math.ceil(0.01 * counted))}
    return {"estimate": estimate, "low": math.floor(interval[0] * estimate),
            "high": math.ceil(interval[1] * estimate)}


def _estimate(remaining) -> int:
    return remaining["estimate"] if isinstance(remaining, dict) else remaining


def _listed(items) -> str:
    more = f"; ... and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    return "; ".join(items[:_MAX_LISTED]) + more


def _checks(times, table, counties) -> list[str]:
    """Warnings: sums that disagree with the STATE and county total rows, counts going backwards."""
    warnings, sums, back = [], [], []
    zero = (0,) * len(_COLUMNS)
    for t in times:
        for vote_type in (*VOTE_TYPES, _TOTAL):
            rows = [table.get((c, vote_type, t)) for c in counties]
            if any(r is None for r in rows) or (_STATE, vote_type, t) not in table:
                missing = [c for c, r in zip(counties, rows) if r is None]
                if (_STATE, vote_type, t) not in table:
                    missing.append(_STATE)
                warnings.append(f"{len(missing)} {vote_type} row(s) missing at {_as_of(t)} "
                                f"(counted as 0): {', '.join(missing[:_MAX_LISTED])}")
            got = tuple(map(sum, zip(zero, *(r or zero for r in rows))))
            want = table.get((_STATE, vote_type, t), zero)
            if got != want:
                sums.append(f"{vote_type} at {_as_of(t)}: counties {list(got)}, STATE {list(want)}")
        for county in (*counties, _STATE):
            got = tuple(map(sum, zip(zero, *(table.get((county, v, t), zero) for v in VOTE_TYPES))))
            want = table.get((county, _TOTAL, t), zero)
            if got != want:
                sums.append(f"{county} at {_as_of(t)}: vote types {list(got)}, total {list(want)}")
    if sums:
        warnings.append(f"{len(sums)} sum(s) disagree ([votes, biden, trump, jorgensen, other]): "
                        f"{_listed(sums)}")
    bad_votes = [f"{k[0]} {k[1]} at {_as_of(k[2])}" for k, v in table.items() if v[0] != sum(v[1:])]
    if bad_votes:
        warnings.append(f"'votes' is not the sum of the candidates in {len(bad_votes)} row(s): "
                        f"{_listed(bad_votes)}")
    for county in (*counties, _STATE):
        for vote_type in (*VOTE_TYPES, _TOTAL):
            for a, b in zip(times, times[1:]):
                va, vb = table.get((county, vote_type, a)), table.get((county, vote_type, b))
                if va and vb and any(x > y for x, y in zip(va, vb)):
                    back.append(f"{county} {vote_type} {va[0]} -> {vb[0]} votes at {_as_of(b)}")
    if back:
        back.sort(key=lambda item: item.rsplit(" at ", 1)[1])
        warnings.append(f"count went backwards {len(back)} time(s), kept as published: {_listed(back)}")
    return warnings


def _counted(values, keep_jorgensen: bool) -> dict:
    _, biden, trump, jorgensen, other = values
    if keep_jorgensen:
        return {"biden": biden, "trump": trump, "jorgensen": jorgensen, "other": other}
    return {"biden": biden, "trump": trump, "other": jorgensen + other}


class _History:
    """The file's counts, with the look-ups the scenario is built from."""

    def __init__(self, times, table):
        self.times, self.table = times, table
        self.counties = sorted({k[0] for k in table} - {_STATE})
        self.zero = (0,) * len(_COLUMNS)

    def unit(self, county, vote_type, t) -> tuple:
        return self.table.get((county, vote_type, t), self.zero)

    def state(self, t) -> tuple:
        """The STATE/total row, or the sum of the units when it is missing (warned)."""
        if (_STATE, _TOTAL, t) in self.table:
            return self.table[(_STATE, _TOTAL, t)]
        return tuple(map(sum, zip(self.zero, *(self.unit(c, v, t) for c in self.counties
                                               for v in VOTE_TYPES))))


def _units(h: _History, t, interval, keep_jorgensen, floored) -> list[dict]:
    """One snapshot's units; counts a unit in ``floored`` when it is above its final count.

    Votes moved between a county's vote types after ``t`` show up as a unit counted
    above its final count and another with too much remaining; within each county
    the positive remainders are scaled down so they add up to the county's own
    final minus counted (at least 0), the only total the hindsight knows.
    """
    out = []
    for c in h.counties:
        rows = []
        for v, unit_type in VOTE_TYPES.items():
            uid, counted, final = f"{c}/{unit_type}", h.unit(c, v, t), h.unit(c, v, h.times[-1])[0]
            rows.append((uid, unit_type, counted, final))
        gaps = [final - counted[0] for _, _, counted, final in rows]
        positive = sum(g for g in gaps if g > 0)
        scale = min(1.0, max(sum(gaps), 0) / positive) if positive else 1.0
        for (uid, unit_type, counted, final), gap in zip(rows, gaps):
            if gap < 0:
                n, most = floored.get(uid, (0, 0, 0))[:2]
                floored[uid] = (n + 1, max(most, counted[0]), final)
                remaining = _remaining(counted[0], final, interval)
            else:
                remaining = _remaining(0, round(gap * scale), interval)
            out.append({"id": uid, "type": unit_type, "counted": _counted(counted, keep_jorgensen),
                        "remaining": remaining})
    return out


def _build(csv_path, mode, interval, first_timestamp, keep_jorgensen) -> tuple[dict, list[str]]:
    if mode not in ("units", "lump"):
        raise ValueError(f"mode must be 'units' or 'lump', got {mode!r}")
    if not 0 <= interval[0] <= 1 <= interval[1]:
        raise ValueError(f"interval must satisfy 0 <= low <= 1 <= high, got {interval!r}")
    start = None if first_timestamp is None else _utc(first_timestamp)
    h = _History(*_read(csv_path))
    warnings = _checks(h.times, h.table, h.counties)
    last, final_total = h.times[-1], h.state(h.times[-1])[0]
    kept = [t for t in h.times[:-1] if h.state(t)[0] > 0
            and (start is None or datetime.fromisoformat(t) >= start)]
    if not kept:
        raise ImportFormatError(f"{csv_path}: no timestamp with votes counted before the last one"
                                + (f" at or after {first_timestamp}" if start else ""))
    snapshots, floored = [], {}
    for t in kept:
        counted = h.state(t)
        if mode == "units":
            snapshots.append({"as_of": _as_of(t),
                              "units": _units(h, t, interval, keep_jorgensen, floored)})
            continue
        if counted[0] > final_total:
            n, most = floored.get(_STATE, (0, 0, 0))[:2]
            floored[_STATE] = (n + 1, max(most, counted[0]), final_total)
        snapshots.append({"as_of": _as_of(t), "counted": _counted(counted, keep_jorgensen),
                          "remaining": _remaining(counted[0], final_total, interval)})
    if mode == "units":
        gaps = [(sum(_estimate(u["remaining"]) for u in snap["units"])
                 - (final_total - h.state(t)[0]), snap["as_of"]) for t, snap in zip(kept, snapshots)]
        gap, where = max(gaps)
        if gap:
            warnings.append(f"the units' remaining estimates add up to more than the statewide "
                            f"final minus counted at {sum(g != 0 for g, _ in gaps)} snapshot(s), "
                            f"by up to {gap} votes (at {where}): votes that moved between vote "
                            "types later are counted in one unit and remaining in another")
    if floored:
        listed = [f"{u} at {n} snapshot(s), up to {most} counted, {final} final"
                  for u, (n, most, final) in floored.items()]
        warnings.append(f"remaining floored at 0 for {len(floored)} unit(s) counted above their "
                        f"final count: {_listed(listed)}")
    other = {"id": "other", "name": "Other candidates (Jorgensen included) and write-ins"}
    scenario = {"race": dict(RACE),
                "candidates": copy.deepcopy(_CANDIDATES if keep_jorgensen else
                                            [*_CANDIDATES[:2], other]),
                "count": copy.deepcopy(snapshots[-1]), "snapshots": snapshots,
                "final": {"as_of": _as_of(last), "counted": _counted(h.state(last), keep_jorgensen)}}
    return scenario, warnings


def scenario_from_nc(csv_path, mode="units", interval=(0.8, 1.25), first_timestamp=None, *,
                     keep_jorgensen=True, warnings=None) -> dict:
    """The NC 2020 presidential scenario (module docstring). ``mode`` is ``"units"`` or
    ``"lump"``; ``first_timestamp`` (ISO text or datetime, UTC when naive) drops earlier
    snapshots; the data checks' warnings are appended to ``warnings`` when it is a list."""
    scenario, found = _build(csv_path, mode, interval, first_timestamp, keep_jorgensen)
    if warnings is not None:
        warnings.extend(found)
    return scenario


def import_nc(csv_path, mode="units", interval=(0.8, 1.25), first_timestamp=None, *,
              keep_jorgensen=True) -> ImportReport:
    """:func:`scenario_from_nc` as an :class:`ImportReport` (one scenario, slug ``SLUG``)."""
    scenario, found = _build(csv_path, mode, interval, first_timestamp, keep_jorgensen)
    title = scenario["race"]["name"]
    return ImportReport(scenarios=((SLUG, scenario),), warnings=tuple((title, w) for w in found))


def extract(src_csv, dst_csv, min_step=0.01) -> list[str]:
    """Write the test extract of ``src_csv`` to ``dst_csv``; returns the kept timestamps.

    Keeps the columns :data:`EXTRACT_COLUMNS`, every row (all counties, ``STATE``, every
    vote type) of the kept timestamps, in the source's row order, numbers unchanged. Kept
    timestamps: the first one in the file, each one at which the statewide total
    (``STATE``/``total`` ``votes``) has grown by at least ``min_step`` x the last
    timestamp's total since the previously kept one, and the last one.
    """
    times, table = _read(src_csv)
    total = {t: table.get((_STATE, _TOTAL, t), (0,))[0] for t in times}
    kept, since = [times[0]], total[times[0]]
    for t in times[1:-1]:
        if total[t] - since >= min_step * total[times[-1]]:
            kept.append(t)
            since = total[t]
    kept.append(times[-1])
    keep = set(kept)
    with open(src_csv, newline="", encoding="utf-8-sig") as src, \
            open(dst_csv, "w", newline="", encoding="utf-8") as dst:
        writer = csv.writer(dst, lineterminator="\n")
        writer.writerow(EXTRACT_COLUMNS)
        for row in csv.DictReader(src):
            if row["timestamp"] in keep:
                writer.writerow([row[c] for c in EXTRACT_COLUMNS])
    return kept
