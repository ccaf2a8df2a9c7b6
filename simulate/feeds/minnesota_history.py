"""Count histories from a Minnesota feed: one scenario per contest with ``snapshots`` and ``final``.

``final`` is the certified folder (the first at or after :data:`~simulate.feeds.minnesota.CERTIFIED`);
a feed with no certified folder uses its last folder and says so in a warning. A
snapshot is kept for every release before certification at which the contest's count
differs from its previous snapshot (a feed fetched every ten minutes repeats itself).

``remaining``:

* ``"as_known"`` (default): the precinct-based estimate of the release
  (:func:`simulate.feeds.minnesota.raw_estimate`) through the error table fitted on
  the other election -- what was known then;
* ``"hindsight"``: final total minus counted, interval 0.8-1.25 times that (as the LA
  importer's replay), for comparison.

:func:`estimate_records` gives ``(counted, raw estimate, true remaining)`` for every
contest and kept snapshot, to fit and to report the source's error.

Walking a year's archive (thousands of folders) takes minutes; ``cache`` (a directory)
keeps the walk's result -- every contest's changed counts with their raw estimates, and
the certified folder -- in a pickle named by the source's absolute path, size and
modification time, the certification moment and :data:`CACHE_VERSION`, so the next
history of the same archive reads it in a second. A stale or unreadable cache file is
rebuilt; the file is written atomically (:func:`simulate.files.write_bytes`).
"""
from __future__ import annotations

import bisect
import copy
import hashlib
import math
import os
import pickle
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from ..model.expected_vote import AGE_EDGES, ErrorTable, remaining_interval
from ..scenario.corrections import FRESH_SHARE, fresh, material
from ..scenario.records import Count, Remaining
from ..scenario.schema import DEFAULTS
from .minnesota import _slug, _walk, error_table, raw_estimate, scenario
from .minnesota_growth import LateGrowth
from .minnesota_registration import lift

REMAINING_SOURCES = ("as_known", "hindsight")

#: Bump when what :func:`_collect` returns changes, so old cache files are not read.
CACHE_VERSION = 4


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/racecall`` (``~/.cache/racecall`` without it)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "racecall"


def _cache_file(cache, source, certified_at) -> Path:
    src = Path(source).resolve()
    st = src.stat()
    if src.is_dir():  # a folder of fetch folders: its entries' count and latest change
        kids = [c.stat() for c in src.iterdir()]
        size, mtime = len(kids), max([k.st_mtime_ns for k in kids] + [st.st_mtime_ns])
    else:
        size, mtime = st.st_size, st.st_mtime_ns
    ident = f"{CACHE_VERSION}|{src}|{size}|{mtime}|{certified_at}".encode()
    return Path(cache) / f"minnesota-{src.name.split('.')[0]}-{hashlib.sha256(ident).hexdigest()[:16]}.pickle"


def _collect(source, certified_at):
    """``(series, final folder, last folder, election)`` from one walk of the feed."""
    series: dict = {}
    final_folder = election = None
    last = None
    for folder, as_of, final, contests, geo, election, floor in _walk(source, certified_at):
        last = (folder, as_of, contests)
        if final:
            final_folder = last
            break
        for key, c in contests.items():
            if sum(c.votes) == 0:
                continue
            s = series.setdefault(key, [])
            if s and s[-1][1].votes == c.votes and s[-1][1].names == c.names:
                continue
            s.append((as_of, c, raw_estimate(c, geo), floor.get(key)))
    if last is not None and last is not final_folder:
        last = (last[0], last[1], dict(last[2]))
    return series, final_folder, last, election


def _collect_cached(source, certified_at, cache):
    if cache is None:
        return _collect(source, certified_at)
    from ..files import write_bytes

    path = _cache_file(cache, source, certified_at)
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        pass
    result = _collect(source, certified_at)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a cache that cannot be written only costs time
    return result


@dataclass(frozen=True)
class MinnesotaHistory:
    scenarios: tuple  # (slug, scenario mapping)
    skipped: tuple  # (contest, reason)
    warnings: tuple
    records: tuple  # (counted, raw, truth)
    election: str
    late_records: tuple = ()  # (age, counted, late): fit_late_floor's


def _hindsight(counted: int, final: int) -> dict:
    est = final - counted
    if est <= 0:
        return {"estimate": 0, "low": 0, "high": max(1, math.ceil(0.01 * counted))}
    return {"estimate": est, "low": math.floor(0.8 * est), "high": math.ceil(1.25 * est)}


def _contested(names) -> bool:
    real = [n for n in names if n.upper() != "WRITE-IN"]
    return len(real) >= 2


def _tables_by_release(series: dict, table: ErrorTable):
    """``({as_of: table}, {key: when first complete}, release times)``: ``table`` with tonight's
    late-ballot growth up to the release before (:mod:`simulate.feeds.minnesota_growth`), from
    the contests' changed counts, and when each contest first showed every precinct in."""
    by_time: dict = {}
    for key, snaps in series.items():
        for as_of, c, _, _ in snaps:
            by_time.setdefault(as_of, {})[key] = c
    growth, out = LateGrowth(a for a, _, _, _ in table.floor_ages), {}
    times = sorted(by_time, key=_moment)
    for as_of in times:
        out[as_of] = growth.table(table)
        growth.observe(by_time[as_of], _moment(as_of))
    return out, growth.since, times


def _age(since, as_of: str) -> float | None:
    """Hours from ``since`` (None: never complete) to ``as_of``; None before ``since``."""
    if since is None or _moment(as_of) < since:
        return None
    return (_moment(as_of) - since).total_seconds() / 3600.0


def _aged(snaps: list, since, times: list, moments: list, until: str, ages) -> list:
    """``snaps`` with one more for each age of the floor a contest reaches unchanged: at the
    first of ``times`` (``moments``: the same as datetimes) at or after that age and before
    ``until`` (the final count), the contest as it stood. A contest unchanged since 22:00 is
    seen again in the morning with the morning's floor, as a desk watching the feed would see
    it (the caller keeps it only where its remaining vote then differs)."""
    if since is None:
        return snaps
    have = {s[0] for s in snaps}
    extra = []
    for a in ages:
        i = bisect.bisect_left(moments, since + timedelta(hours=a))
        at = times[i] if i < len(times) else None
        if a <= 0 or at is None or _moment(at) >= _moment(until) or at in have:
            continue
        stood = _standing_at(snaps, _moment(at))
        if stood is not None:
            extra.append((at,) + stood[1:])
            have.add(at)
    return sorted(snaps + extra, key=lambda s: _moment(s[0]))


def _late_records(snaps: list, since, until: str, total: int, ages) -> list:
    """``(age, counted, late)`` of one contest at each age of the floor it reached before
    ``until``: its votes then, and the ballots still to come
    (:func:`simulate.model.expected_vote.fit_late_floor`)."""
    if since is None:
        return []
    out = []
    for a in ages:
        due = since + timedelta(hours=a)
        if due >= _moment(until):
            break
        stood = _standing_at(snaps, due)
        if stood is not None:
            counted = sum(stood[1].votes)
            out.append((a, counted, max(total - counted, 0)))
    return out


def _hold_looks(built: list, times: list, moments: list, until: str, hours: float, fresh_hours: float) -> list:
    """``built`` (a contest's counts, in time order) with one more where a hold ends unseen
    (:mod:`simulate.scenario.corrections`): a count materially corrected downward is not
    called for ``hours``, and a count mostly of votes that came within ``fresh_hours`` is not
    called until they have stood that long. If the contest does not change by then it is seen again, as it stood, at the first
    of ``times`` (``moments``) past the hold, as a desk watching the feed would."""
    out, corrected, changed = [], None, None
    mostly = _mostly_fresh(built, fresh_hours)
    for i, c in enumerate(built):
        if not out or c["counted"] != out[-1]["counted"]:
            changed = _moment(c["as_of"]) if mostly[i] else None
        if out and material(list(out[-1]["counted"].values()), list(c["counted"].values())):
            corrected = _moment(c["as_of"])
        out.append(c)
        here = _moment(c["as_of"])
        upto = _moment(built[i + 1]["as_of"] if i + 1 < len(built) else until)
        dues = [t + timedelta(hours=h) for t, h in ((corrected, hours), (changed, fresh_hours)) if t is not None and h > 0]
        looks = sorted({bisect.bisect_left(moments, due) for due in dues if here < due})
        for j in looks:
            if j < len(times) and moments[j] < upto and moments[j] > _moment(out[-1]["as_of"]):
                out.append({**copy.deepcopy(c), "as_of": times[j]})
    return out


def _mostly_fresh(built: list, hours: float) -> list[bool]:
    """Per count of ``built``: whether more than half of its votes came within ``hours`` before
    it (:func:`simulate.scenario.corrections.fresh`), so that the fresh-votes hold may apply."""
    counts = fresh(tuple(Count(c["as_of"], tuple(c["counted"].values()), Remaining(0)) for c in built), hours)
    return [bool(c.fresh_votes) and c.fresh_votes > FRESH_SHARE * sum(c.counted) for c in counts]


def _standing_at(snaps: list, when: datetime):
    """The last of a contest's ``snaps`` (in time order) at or before ``when``; None before the first."""
    stood = None
    for s in snaps:
        if _moment(s[0]) > when:
            break
        stood = s
    return stood


@lru_cache(maxsize=65536)
def _moment(as_of: str) -> datetime:
    return datetime.fromisoformat(as_of)


def minnesota_history(source, remaining: str = "as_known", *, certified_at=None,
                      table: ErrorTable | None = None, min_candidates: int = 2,
                      cache=None) -> MinnesotaHistory:
    """Build the count histories (module docstring). ``min_candidates``: contests with fewer
    candidates on the ballot (write-ins not counted) are skipped; 0 keeps all. ``cache``:
    a directory to keep the parsed feed in (module docstring), None for none."""
    if remaining not in REMAINING_SOURCES:
        raise ValueError(f"remaining must be one of {', '.join(REMAINING_SOURCES)}, got {remaining!r}")
    series, final_folder, last, election = _collect_cached(source, certified_at, cache)
    series = {k: list(v) for k, v in series.items()}
    warnings = []
    if final_folder is None:
        final_folder = last
        warnings.append(("", f"no certified folder; the last one ({last[0]}) is taken as final"))
        for s in series.values():  # the last folder is the truth, not a snapshot
            if s and s[-1][0] == last[1]:
                s.pop()
    table = table or error_table(election)
    tables, since, times = _tables_by_release(series, table)
    ages = sorted({a for a, _, _, _ in table.floor_ages})
    moments = [_moment(t) for t in times]
    _, final_as_of, final_contests = final_folder
    out, skipped, records, late = [], [], [], []
    for key in sorted(series):
        title = f"{key[3]} ({key[2] or key[0] or 'statewide'})"
        fc = final_contests.get(key)
        if fc is None:
            skipped.append((title, "not in the certified folder"))
            continue
        if min_candidates and len([n for n in fc.names if n.upper() != "WRITE-IN"]) < min_candidates:
            skipped.append((title, f"fewer than {min_candidates} candidates on the ballot"))
            continue
        snaps = [s for s in series[key] if s[1].names == fc.names]
        if not snaps:
            skipped.append((title, "no count before certification"))
            continue
        total = sum(fc.votes)
        for as_of, c, raw, _ in snaps:
            records.append((sum(c.votes), raw, max(total - sum(c.votes), 0)))
        late.extend(_late_records(snaps, since.get(key), final_as_of, total, AGE_EDGES))
        if remaining == "as_known":
            snaps = _aged(snaps, since.get(key), times, moments, final_as_of, ages)
        built = []
        for as_of, c, raw, floor in snaps:
            counted = sum(c.votes)
            rem = (lift(remaining_interval(raw, counted, tables[as_of], age=_age(since.get(key), as_of)), floor)
                   if remaining == "as_known" else _hindsight(counted, total))
            count = scenario(c, as_of, election, rem)["count"]
            if built and count["counted"] == built[-1]["counted"] and rem == built[-1]["remaining"]:
                continue  # seen again with nothing new (its floor had not stepped down): not a release of it
            built.append(count)
        built = _hold_looks(built, times, moments, final_as_of, DEFAULTS["simulation.correction_hold_hours"],
                            DEFAULTS["simulation.fresh_hold_hours"])
        data = scenario(fc, final_as_of, election, {"estimate": 0})
        data["count"] = copy.deepcopy(built[-1])
        data["snapshots"] = built
        data["final"] = {"as_of": final_as_of, "counted": dict(zip(data["count"]["counted"], fc.votes))}
        out.append((_slug(key), data))
    return MinnesotaHistory(tuple(out), tuple(skipped), tuple(warnings), tuple(records), election or "",
                            tuple(late))
