"""Import the Los Angeles County Registrar-Recorder/County Clerk's result files as scenarios.

Two formats, one scenario (a plain dict in the scenario-file layout) per contest:

* ``results.json`` -- the county's official results file
  (``Election.ContestGroups[].Contests[].Candidates[]{Name, Party, Votes}``), read by
  :func:`scenarios_from_results`. It is a final count: ``count.remaining`` is
  ``{"estimate": 0}`` and ``count.as_of`` is ``Election.Date`` (the file's
  ``Timestamp`` only when there is no date).
* ``timeframes.json`` -- every release of the count, cumulative per candidate, read by
  :func:`scenarios_from_timeframes` into a replayable history (``snapshots``).

How the timeframes history is built, and what is hindsight in it:

* One snapshot per release except the last; ``count`` is the last of them (the
  second-to-last release) and the last release is kept as ``final: {as_of, counted}``
  for backtests. The last release is close to, not exactly, the certified result.
* The files never say how many ballots were still uncounted (the county published that
  separately), so ``remaining`` is **hindsight**: ``estimate`` = final-release total
  minus the snapshot's total (totals are the sums of the candidates' votes), with a 90%
  interval ``low = floor(interval[0] * estimate)``, ``high = ceil(interval[1] * estimate)``
  (default interval 0.8-1.25). A replay of these scenarios therefore knows the size of
  the remaining vote far better than anyone did on the night.
* Counts that go backwards between releases (corrections) are kept as published and
  reported as warnings. When the final total is at or below a snapshot's total the
  estimate floors at 0 with ``low`` 0 and ``high`` at least 1% of the counted total
  (at least 1 vote), so such a snapshot is uncertain rather than certain.
* Release times are not in the data, only dates and release numbers. Releases on the
  election date become 20:00, 21:00, ... in file order; releases on later days 17:00
  (then 18:00, ...), Pacific time with the offset of that date.

Candidate ids are ASCII slugs of the names (accents stripped, lower case, runs of other
characters -> ``_``, ``c_`` before a leading digit, ``_2``, ``_3`` for repeats); a
measure's two choices (YES/NO in any case) become ``yes`` and ``no``; other candidates
keep the registrar's spelling as ``name`` and its party label as ``party``. Scenario slugs
(file names) are slugs of the contest titles, made unique the same way.

Nothing in a file's contests raises: a contest that cannot be imported is listed in
``ImportReport.skipped`` with its reason (no candidates, no votes counted, a rule the
mapping in :mod:`simulate.feeds.la_rules` cannot tell, bad vote counts, ...). Only a
file that cannot be read or is not the expected format raises :class:`ImportFormatError`.
"""
from __future__ import annotations

import copy
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

from .la_rules import UnmappableContest, contest_rule, measure_threshold

__all__ = ["ImportReport", "ImportFormatError", "contest_rule", "slugify", "unique_slugs",
           "scenarios_from_results", "scenarios_from_timeframes",
           "measure_overrides_from_results", "release_times", "write_scenarios"]

_TRANSLIT = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l",
                           "Ł": "L", "đ": "d", "Đ": "D", "œ": "oe", "Œ": "OE", "þ": "th"})


@dataclass(frozen=True)
class ImportReport:
    """What an import produced: ``(slug, scenario)`` pairs, and ``(contest, text)`` pairs
    for the contests skipped (text = reason) and for warnings."""
    scenarios: tuple = ()
    skipped: tuple = ()
    warnings: tuple = ()


class ImportFormatError(ValueError):
    """The input file cannot be read or is not in the expected format."""


def slugify(text, fallback: str = "candidate", max_len: int = 120) -> str:
    """ASCII id matching ``^[a-z][a-z0-9_]*$`` for any text (see the module docstring)."""
    text = unicodedata.normalize("NFKD", str(text).translate(_TRANSLIT))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    slug = re.sub(r"[^a-z0-9]+", "_", text.encode("ascii", "ignore").decode().lower())
    slug = slug[:max_len].strip("_") or fallback
    return "c_" + slug if slug[0].isdigit() else slug


def unique_slugs(texts, fallback: str = "candidate", taken=()) -> list[str]:
    """One slug per text, made unique with ``_2``, ``_3``, ... (also against ``taken``)."""
    used, out = set(taken), []
    for text in texts:
        base = slug = slugify(text, fallback)
        n = 1
        while slug in used:
            n += 1
            slug = f"{base}_{n}"
        used.add(slug)
        out.append(slug)
    return out


MAX_FEED_CHARS = 200_000_000  # a results/timeframes file is a few MB; /dev/zero must not be read whole


def _load_json(path) -> dict:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read(MAX_FEED_CHARS + 1)
        if len(text) > MAX_FEED_CHARS:
            raise ImportFormatError(f"{path}: larger than {MAX_FEED_CHARS:,} characters")
        data = json.loads(text)
    except ImportFormatError:
        raise
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:  # ValueError: NUL in the path
        raise ImportFormatError(f"{path}: cannot read JSON: {exc}") from None
    except RecursionError:
        raise ImportFormatError(f"{path}: cannot read JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise ImportFormatError(f"{path}: expected a JSON object at the top level")
    return data


def _count(value, name) -> int:
    """A vote count as an int >= 0, else raises _Skip naming the candidate."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Skip(f"vote count for {name!r} is not a whole number >= 0: {value!r}")
    return value


class _Skip(Exception):
    """Internal: this contest is skipped, the message is the reason."""


def _pacific_offset(day: date) -> str:
    """UTC offset of Los Angeles in the evening of ``day`` (US daylight time since 2007:
    second Sunday of March to first Sunday of November)."""
    march, nov = date(day.year, 3, 1), date(day.year, 11, 1)
    start = march + timedelta(days=(6 - march.weekday()) % 7 + 7)
    end = nov + timedelta(days=(6 - nov.weekday()) % 7)
    return "-07:00" if start <= day < end else "-08:00"


def release_times(dates) -> list[str]:
    """ISO ``as_of`` for each ``[date, release]`` (2024) or plain date string (other years)
    of a timeframes file (module docstring)."""
    days, per_day, out = [], {}, []
    for item in dates:
        if isinstance(item, str):  # other years: a plain date string per release
            item = [item, None]
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            raise ImportFormatError(f"'dates' entry is not a date or [date, release]: {item!r}")
        try:
            days.append(date.fromisoformat(str(item[0])[:10]))
        except ValueError:
            raise ImportFormatError(f"'dates' entry has a bad date: {item!r}") from None
    for day in days:
        k = per_day[day] = per_day.get(day, -1) + 1
        t = datetime(day.year, day.month, day.day, 20 if day == days[0] else 17) + timedelta(hours=k)
        out.append(t.strftime("%Y-%m-%dT%H:%M:%S") + _pacific_offset(t.date()))
    return out


def _remaining(counted_total: int, final_total: int, interval) -> dict:
    estimate = final_total - counted_total
    if estimate <= 0:
        return {"estimate": 0, "low": 0, "high": max(1, math.ceil(0.01 * counted_total))}
    return {"estimate": estimate, "low": math.floor(interval[0] * estimate),
            "high": math.ceil(interval[1] * estimate)}


class _Builder:
    """Collects scenarios, skips and warnings; makes contest slugs unique."""

    def __init__(self, kind, overrides, date_):
        if kind not in ("primary", "general"):
            raise ValueError(f"election_kind must be 'primary' or 'general', got {kind!r}")
        self.kind, self.overrides, self.date = kind, dict(overrides or {}), date_
        self.scenarios, self.skipped, self.warnings, self.slugs = [], [], [], set()
        self.seen_titles = set()

    def contest(self, title, ctype, vote_for, pass_rate, names, parties):
        """Race dict, candidate list, ids and warnings for a contest, or raises _Skip."""
        self.seen_titles.add(title)
        if not names:
            raise _Skip("no candidates")
        bad = [n for n in names if not isinstance(n, str) or not n.strip()]
        if bad:
            raise _Skip(f"candidate without a name: {bad[0]!r}")
        found: list[str] = []
        try:
            rule = contest_rule(title, ctype, vote_for, pass_rate, self.kind,
                                self.overrides, warnings=found)
        except UnmappableContest as exc:
            raise _Skip(str(exc)) from None
        if rule["rule"] == "measure":
            ids = [n.strip().casefold() for n in names]
            if sorted(ids) != ["no", "yes"]:
                raise _Skip(f"measure choices are not Yes and No: {names!r}")
        else:
            ids = unique_slugs(names)
        race = {"name": f"{title} (Los Angeles County {self.kind}, {self.date})",
                "date": self.date, "rule": rule["rule"]}
        if rule["rule"] == "plurality":
            seats = rule["seats"]
            if seats > len(names):
                found.append(f"seats reduced from {seats} to {len(names)}: only "
                             f"{len(names)} candidate(s) on the ballot")
                seats = len(names)
            race["seats"] = seats
        else:
            race["threshold"] = rule["threshold"]
        candidates = [{"id": i, "name": n} for i, n in zip(ids, names)]
        for cand, party in zip(candidates, parties):
            if rule["rule"] != "measure" and isinstance(party, str) and party.strip():
                cand["party"] = party
        return race, candidates, ids, found

    def add(self, title, scenario, warnings):
        """Keep an imported contest and its warnings (a skipped contest's are dropped)."""
        slug = unique_slugs([title], fallback="contest", taken=self.slugs)[0]
        self.slugs.add(slug)
        self.scenarios.append((slug, scenario))
        self.warnings.extend((title, w) for w in warnings)

    def report(self) -> ImportReport:
        for title in self.overrides:
            if title not in self.seen_titles:
                self.warnings.append((title, "override matches no contest in the file"))
        return ImportReport(tuple(self.scenarios), tuple(self.skipped), tuple(self.warnings))


def _title(raw, i) -> str:
    return raw if isinstance(raw, str) and raw.strip() else f"<contest {i + 1}>"


def _results_contests(path, data) -> list:
    """The contests of a results.json, across its contest groups."""
    election = data.get("Election")
    groups = election.get("ContestGroups") if isinstance(election, dict) else None
    if not isinstance(groups, list):
        raise ImportFormatError(f"{path}: no Election.ContestGroups list (not a results.json?)")
    return [c for g in groups if isinstance(g, dict) and isinstance(g.get("Contests"), list)
            for c in g["Contests"]]


def scenarios_from_results(path, election_kind, overrides=None) -> ImportReport:
    """One final-count scenario per contest of an official ``results.json``."""
    data = _load_json(path)
    contests = _results_contests(path, data)
    as_of = data["Election"].get("Date") or data.get("Timestamp")
    if not isinstance(as_of, str) or not re.match(r"\d{4}-\d\d-\d\d", as_of):
        raise ImportFormatError(f"{path}: no Election.Date or Timestamp to date the count")
    b = _Builder(election_kind, overrides, as_of[:10])
    for i, c in enumerate(contests):
        title = _title(c.get("Title") if isinstance(c, dict) else None, i)
        try:
            if not isinstance(c, dict) or not isinstance(c.get("Candidates"), list):
                raise _Skip("no Candidates list")
            cands = [x if isinstance(x, dict) else {} for x in c["Candidates"]]
            names = [x.get("Name") for x in cands]
            race, candidates, ids, found = b.contest(
                title, c.get("Type"), c.get("VoteFor"), c.get("MeasurePassRate"), names,
                [x.get("Party") for x in cands])
            votes = [_count(x.get("Votes"), x.get("Name")) for x in cands]
            if sum(votes) == 0:
                raise _Skip("no votes counted")
            b.add(title, {"race": race, "candidates": candidates, "count": {
                "as_of": as_of, "counted": dict(zip(ids, votes)), "remaining": {"estimate": 0}}},
                  found)
        except _Skip as exc:
            b.skipped.append((title, str(exc)))
    return b.report()


def scenarios_from_timeframes(path, election_kind, overrides=None,
                              interval=(0.8, 1.25)) -> ImportReport:
    """One replayable scenario per contest of a ``timeframes.json`` (module docstring)."""
    lo, hi = interval
    if not 0 <= lo <= 1 <= hi:
        raise ValueError(f"interval must satisfy 0 <= low <= 1 <= high, got {interval!r}")
    data = _load_json(path)
    dates, contests = data.get("dates"), data.get("contests")
    if not isinstance(dates, list) or not dates or not isinstance(contests, list):
        raise ImportFormatError(f"{path}: no 'dates' and 'contests' lists (not a timeframes.json?)")
    try:
        times = release_times(dates)
    except ImportFormatError as exc:
        raise ImportFormatError(f"{path}: {exc}") from None
    b = _Builder(election_kind, overrides, times[0][:10])
    n = len(times)
    for i, c in enumerate(contests):
        title = _title(c.get("name") if isinstance(c, dict) else None, i)
        try:
            if not isinstance(c, dict) or not isinstance(c.get("candidates"), list):
                raise _Skip("no candidates list")
            cands = [x if isinstance(x, dict) else {} for x in c["candidates"]]
            names = [x.get("name") for x in cands]
            race, candidates, ids, found = b.contest(
                title, c.get("type"), c.get("vote_for"), c.get("measure_pass_rate"), names,
                [x.get("party") for x in cands])
            votes = []
            for x in cands:
                v = x.get("votes")
                if not isinstance(v, list) or len(v) != n:
                    raise _Skip(f"{x.get('name')!r} has {len(v) if isinstance(v, list) else 'no'}"
                                f" vote counts for {n} releases")
                votes.append([_count(k, x.get("name")) for k in v])
            if n < 2:
                raise _Skip("only one release: no count before the final one")
            totals = [sum(col) for col in zip(*votes)]
            if totals[-1] == 0:
                raise _Skip("no votes counted")
            back = [f"{nm} {v[j - 1]} -> {v[j]} at {times[j]}" for nm, v in zip(names, votes)
                    for j in range(1, n) if v[j] < v[j - 1]]
            if back:
                found.append(f"count went backwards {len(back)} time(s), kept as "
                             f"published: {'; '.join(back[:3])}")
            snaps = [{"as_of": times[j], "counted": {k: v[j] for k, v in zip(ids, votes)},
                      "remaining": _remaining(totals[j], totals[-1], (lo, hi))}
                     for j in range(n - 1)]
            b.add(title, {"race": race, "candidates": candidates,
                          "count": copy.deepcopy(snaps[-1]), "snapshots": snaps,
                          "final": {"as_of": times[-1],
                                    "counted": {k: v[-1] for k, v in zip(ids, votes)}}},
                  found)
        except _Skip as exc:
            b.skipped.append((title, str(exc)))
    return b.report()


def measure_overrides_from_results(path) -> dict:
    """``{title: {"rule": "measure", "threshold": t}}`` for the measures of a
    ``results.json`` whose pass rate is unconditional, to supply the thresholds a
    ``timeframes.json`` lacks (the March 2024 one has no pass rates). Conditional or
    unreadable pass rates are left out, so the mapping reports them."""
    out = {}
    for c in _results_contests(path, _load_json(path)):
        if isinstance(c, dict) and str(c.get("Type", "")).casefold() == "measure":
            try:
                threshold, warning = measure_threshold(c.get("MeasurePassRate"))
            except UnmappableContest:
                continue
            if warning is None and isinstance(c.get("Title"), str):
                out[c["Title"]] = {"rule": "measure", "threshold": threshold}
    return out


def write_scenarios(report: ImportReport, out_dir, notes: list | None = None) -> list[Path]:
    """Write one ``<slug>.yaml`` per scenario into ``out_dir``, all of them or none.

    The files are written into a new hidden directory beside ``out_dir`` that is
    renamed into place when complete (:func:`simulate.files.new_directory`): a
    process killed half-way leaves the old directory exactly as it was, never a mix
    of old and new files.  An existing ``out_dir`` is replaced only when it holds
    nothing but ``*.yaml`` files (as an earlier import left it); anything else there
    raises ``FileExistsError`` and is left alone.

    Each file is read back with the scenario loader before it is kept; one the loader
    rejects is left out, and ``(title, "not written: <the loader's message>")`` is
    appended to ``notes`` (when a list is given), as are the loader's warnings and a
    note for each candidate name listed twice in a contest (its rows get ids
    ``x`` and ``x_2``).  Returns the paths written, in report order.
    """
    import warnings as _warnings

    from ..errors import ScenarioError
    from ..files import new_directory, write_text
    from ..scenario.loader import load_scenario

    out = Path(out_dir)
    if out.exists():
        if not out.is_dir():
            raise FileExistsError(f"{out} exists and is not a directory")
        foreign = [p.name for p in out.iterdir() if not (p.suffix == ".yaml" and p.is_file())]
        if foreign:
            raise FileExistsError(f"{out} holds files an import did not write ({', '.join(sorted(foreign)[:3])}"
                                  f"{', ...' if len(foreign) > 3 else ''}); choose a new or empty directory")
    notes = [] if notes is None else notes
    names = []
    with new_directory(out) as tmp:
        for slug, scenario in report.scenarios:
            title = scenario.get("race", {}).get("name", slug)
            listed = [c.get("name") for c in scenario.get("candidates", ())]
            for name in sorted({n for n in listed if listed.count(n) > 1 and isinstance(n, str)}):
                ids = [c["id"] for c in scenario["candidates"] if c.get("name") == name]
                notes.append((title, f"candidate {name!r} is listed {len(ids)} times; "
                                     f"kept as {', '.join(ids)}"))
            text = yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True)
            final = out / f"{slug}.yaml"
            try:
                with _warnings.catch_warnings(record=True) as caught:
                    _warnings.simplefilter("always")
                    write_text(tmp / f"{slug}.yaml", text, check=lambda path, final=final: load_scenario(path, source=str(final)))
                notes.extend((title, str(w.message)) for w in caught)
            except ScenarioError as exc:
                notes.append((title, f"not written: {exc}"))
                continue
            except UnicodeEncodeError:
                notes.append((title, "not written: holds text that is not valid Unicode (a lone surrogate)"))
                continue
            names.append(final)
    return names
