"""Import a CSV of counting units (counties, precincts, vote types) as a scenario.

One row per unit, or per unit and vote type::

    unit,type,biden,trump,other,remaining,remaining_low,remaining_high,baseline_biden,baseline_trump,baseline_other
    wake,absentee,1234,1000,50,5000,4000,6250,0.55,0.43,0.02
    wake,election_day,800,900,20,300,,,,,

Columns:

* ``unit`` (the unit's name; letters, digits, spaces and ``_ . / -``) and, optionally,
  ``type`` (its vote type, same characters; empty = not split by type). Other names for
  these two columns can be given.
* One column per candidate, named by the candidate id, holding the votes counted: a
  whole number >= 0.
* ``remaining``: the unit's votes not yet counted, a whole number >= 0; optional
  ``remaining_low`` and ``remaining_high`` give its 90% interval (both or neither,
  ``low <= remaining <= high``; empty cells = the estimate is exact).
* Optional ``baseline_<id>`` columns, one for every candidate or none: the unit's shares in
  a comparable past election (each in [0, 1], adding up to 1 within 0.001; a row may
  leave them all empty).

Unit ids: a unit name found on one row is the id; a name on several rows (one per vote
type) gives ``<name>/<type>`` ids. The same name and type twice is an error.

Every problem raises :class:`~simulate.errors.ScenarioError` naming the file and the
place: ``header``, ``row 12`` or ``row 12, column trump``. Rows are numbered as the
file's lines, the header being row 1. Bad arguments (an unknown rule, seats for a
majority race) raise ``ValueError``.
"""
from __future__ import annotations

import csv
import io
import math
import os
import re
import secrets
from pathlib import Path

import yaml

from ..errors import ScenarioError
from ..scenario.records import RULES
from ..scenario.schema import ID_PATTERN, MAX_CANDIDATES, MAX_VOTES, MEASURE_IDS, SHARE_SUM_TOLERANCE, UNIT_ID_PATTERN

__all__ = ["scenario_from_units_csv", "read_units_csv", "units_csv_text", "write_scenario"]
_REMAINING = ("remaining", "remaining_low", "remaining_high")
_BASELINE = "baseline_"


class _Table:
    """The header's meaning: which column holds what."""

    def __init__(self, source, header, ids, unit_column, type_column):
        fail = lambda message: _fail(source, "header", message)  # noqa: E731
        names = [h.strip() for h in header]
        for i, name in enumerate(names):
            if not name:
                fail(f"column {i + 1} has no name")
            if name in names[:i]:
                fail(f"column {name!r} appears twice")
        if unit_column not in names:
            fail(f"no {unit_column!r} column (the unit names)")
        if "remaining" not in names:
            fail("no 'remaining' column (the votes not yet counted in each unit)")
        for have, lack in (("remaining_low", "remaining_high"), ("remaining_high", "remaining_low")):
            if have in names and lack not in names:
                fail(f"has {have!r} but no {lack!r} (give both columns, or neither)")
        reserved = {unit_column, type_column, *_REMAINING}
        votes = [n for n in names if n not in reserved and not n.startswith(_BASELINE)]
        if ids is None:
            for name in votes:
                if not re.match(ID_PATTERN, name):
                    fail(f"column {name!r} is not a candidate id (lower-case letters, digits "
                         "and _ starting with a letter)")
            ids = tuple(votes)
        else:
            for cid in ids:
                if cid not in names:
                    fail(f"no column for candidate {cid!r}")
            for name in votes:
                if name not in ids:
                    fail(f"column {name!r} is not a candidate (candidates: {', '.join(ids)})")
        if not ids:
            fail("no candidate columns")
        if len(ids) > MAX_CANDIDATES:
            fail(f"has {len(ids)} candidate columns, more than the {MAX_CANDIDATES} allowed")
        baseline = [n for n in names if n.startswith(_BASELINE)]
        for name in baseline:
            if name[len(_BASELINE):] not in ids:
                fail(f"column {name!r} names no candidate (candidates: {', '.join(ids)})")
        if baseline and len(baseline) != len(ids):
            missing = [i for i in ids if _BASELINE + i not in baseline]
            fail(f"no baseline column for {', '.join(missing)} (give a baseline_<id> column "
                 "for every candidate, or none)")
        self.source, self.ids, self.width = source, ids, len(names)
        self.col = {name: i for i, name in enumerate(names)}
        self.unit_column, self.type_column = unit_column, type_column
        self.has_type = type_column in self.col
        self.has_interval = "remaining_low" in self.col
        self.has_baseline = bool(baseline)


def _fail(source, path, message):
    raise ScenarioError(source, path, message)


def _whole(source, where, text) -> int:
    """A vote count cell as an int in [0, MAX_VOTES]."""
    s = text.strip()
    if not s:
        _fail(source, where, "is empty (write 0 for no votes)")
    try:
        value = int(s)
    except ValueError:
        try:
            number = float(s)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and number == int(number)):
            _fail(source, where, f"must be a whole number of votes, got {s!r}")
        value = int(number)
    if value < 0:
        _fail(source, where, f"must not be negative, got {value}")
    if value > MAX_VOTES:
        _fail(source, where, f"is absurdly large ({value:,} > {MAX_VOTES:,})")
    return value


def _name(source, where, text, what) -> str:
    s = text.strip()
    if not re.match(UNIT_ID_PATTERN, s):
        _fail(source, where, f"{what} must use only letters, digits, spaces and _ . / -, got {s!r}")
    return s


def _row(t: _Table, n: int, cells: list[str]) -> dict:
    """One data row as a unit mapping (without its id)."""
    src = t.source
    at = lambda column: f"row {n}, column {column}"  # noqa: E731
    if len(cells) != t.width:
        _fail(src, f"row {n}", f"has {len(cells)} fields, the header has {t.width}")
    cell = lambda column: cells[t.col[column]]  # noqa: E731
    if not cell(t.unit_column).strip():
        _fail(src, at(t.unit_column), "is empty (every row needs a unit name)")
    unit = {"name": _name(src, at(t.unit_column), cell(t.unit_column), "a unit name")}
    if t.has_type and cell(t.type_column).strip():
        unit["type"] = _name(src, at(t.type_column), cell(t.type_column), "a vote type")
    unit["counted"] = {cid: _whole(src, at(cid), cell(cid)) for cid in t.ids}
    estimate = _whole(src, at("remaining"), cell("remaining"))
    unit["remaining"] = estimate
    if t.has_interval:
        low_text, high_text = cell("remaining_low").strip(), cell("remaining_high").strip()
        if bool(low_text) != bool(high_text):
            empty = "remaining_low" if not low_text else "remaining_high"
            _fail(src, at(empty), "is empty but the other end of the interval is given "
                                  "(give both, or neither for an exact count)")
        if low_text:
            low = _whole(src, at("remaining_low"), low_text)
            high = _whole(src, at("remaining_high"), high_text)
            if not low <= estimate <= high:
                _fail(src, f"row {n}", f"needs remaining_low <= remaining <= remaining_high, "
                                       f"got {low} / {estimate} / {high}")
            if low < high:
                unit["remaining"] = {"estimate": estimate, "low": low, "high": high}
    if t.has_baseline:
        texts = {cid: cell(_BASELINE + cid).strip() for cid in t.ids}
        given = [cid for cid in t.ids if texts[cid]]
        if given and len(given) < len(t.ids):
            empty = next(cid for cid in t.ids if not texts[cid])
            _fail(src, at(_BASELINE + empty), "is empty but other baseline shares are given "
                                              "(give all, or none for no baseline)")
        if given:
            unit["baseline"] = {cid: _share(src, at(_BASELINE + cid), texts[cid]) for cid in t.ids}
            total = sum(unit["baseline"].values())
            if abs(total - 1) > SHARE_SUM_TOLERANCE:
                _fail(src, f"row {n}", f"baseline shares must add up to 1, they add up to {total:.6g}")
    return unit


def _share(source, where, text) -> float:
    try:
        value = float(text)
    except ValueError:
        _fail(source, where, f"must be a share between 0 and 1, got {text!r}")
    if not 0 <= value <= 1:  # also rejects nan
        _fail(source, where, f"must be a share between 0 and 1, got {text!r}")
    return value


def read_units_csv(path, candidates=None, *, unit_column="unit", type_column="type",
                   source=None) -> tuple[tuple[str, ...], list[dict]]:
    """Read and check a units CSV (module docstring).

    Returns the candidate ids (``candidates`` if given, else the candidate columns in
    file order) and one unit mapping per row -- ``id``, ``type`` (when given), ``counted``,
    ``remaining`` (a bare number when exact) and ``baseline`` (when given) -- in file order.
    ``source`` names the file in errors (default: ``path``).
    """
    source = str(path) if source is None else source
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                _fail(source, "", "file is empty (expected a header row)")
            table = _Table(source, header, None if candidates is None else tuple(candidates),
                           unit_column, type_column)
            rows = [(reader.line_num, _row(table, reader.line_num, cells))
                    for cells in reader if cells]
    except OSError as exc:
        _fail(source, "", f"cannot read the file ({exc.strerror or exc})")
    except UnicodeDecodeError:
        _fail(source, "", "file is not UTF-8 text")
    except csv.Error as exc:
        _fail(source, "", f"malformed CSV ({exc})")
    if not rows:
        _fail(source, "", "no units: the file has a header but no rows")
    return table.ids, _with_ids(source, table, rows)


def _with_ids(source, table, rows) -> list[dict]:
    seen, names = {}, {}
    for n, unit in rows:
        key = (unit["name"], unit.get("type"))
        label = unit["name"] + (f" ({unit['type']})" if "type" in unit else "")
        if key in seen:
            _fail(source, f"row {n}, column {table.unit_column}",
                  f"duplicate unit {label!r}: already on row {seen[key]}")
        seen[key] = n
        names[unit["name"]] = names.get(unit["name"], 0) + 1
    ids, out = {}, []
    for n, unit in rows:
        name = unit.pop("name")
        uid = name if names[name] == 1 or "type" not in unit else f"{name}/{unit['type']}"
        if uid in ids:
            _fail(source, f"row {n}, column {table.unit_column}",
                  f"unit id {uid!r} is also the id of the unit on row {ids[uid]}")
        ids[uid] = n
        out.append({"id": uid, **unit})
    return out


def scenario_from_units_csv(csv_path, *, name, rule, candidates=None, threshold=None, seats=None,
                            unit_column="unit", type_column="type", as_of=None, date=None) -> dict:
    """A scenario (plain dict, scenario-file layout) whose ``count`` lists the CSV's units.

    ``candidates``: ids, or mappings with ``id`` and optionally ``name`` and ``party``;
    by default the CSV's candidate columns, in order, named by their ids. ``threshold``
    (majority, top_two, measure) and ``seats`` (plurality) go into ``race`` when given;
    ``as_of`` and ``date`` too.
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(RULES)}, got {rule!r}")
    if seats is not None and rule != "plurality":
        raise ValueError(f"seats applies to plurality races only (rule is {rule})")
    if threshold is not None and rule == "plurality":
        raise ValueError("threshold does not apply to plurality races")
    if threshold is not None and not 0 < threshold < 1:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold!r}")
    if seats is not None and (isinstance(seats, bool) or not isinstance(seats, int) or seats < 1):
        raise ValueError(f"seats must be a whole number >= 1, got {seats!r}")
    entries = None
    if candidates is not None:
        entries = [dict(c) if isinstance(c, dict) else {"id": c} for c in candidates]
        for entry in entries:
            if not isinstance(entry.get("id"), str) or not re.match(ID_PATTERN, entry["id"]):
                raise ValueError(f"candidate id must be lower-case letters, digits and _ "
                                 f"starting with a letter, got {entry.get('id')!r}")
        if len({e["id"] for e in entries}) != len(entries):
            raise ValueError("candidate ids must be unique")
    source = str(csv_path)
    ids, units = read_units_csv(csv_path, None if entries is None else [e["id"] for e in entries],
                                unit_column=unit_column, type_column=type_column)
    if rule == "measure" and sorted(ids) != sorted(MEASURE_IDS):
        _fail(source, "header", f"a measure has exactly two candidate columns, yes and no; "
                                f"found {', '.join(ids)}")
    if seats is not None and seats > len(ids):
        _fail(source, "header", f"seats is {seats} but there are only {len(ids)} candidate column(s)")
    race = {"name": name}
    if date is not None:
        race["date"] = date
    race["rule"] = rule
    if seats is not None:
        race["seats"] = seats
    if threshold is not None:
        race["threshold"] = threshold
    count = {"as_of": as_of} if as_of is not None else {}
    count["units"] = units
    return {"race": race, "candidates": entries if entries is not None else [{"id": i} for i in ids],
            "count": count}


def write_scenario(scenario: dict, path, *, units_csv: bool = False) -> Path:
    """Write one scenario as YAML to ``path`` (parent directories created).

    With ``units_csv``, the ``units`` of ``count`` and of each snapshot go to CSV files in
    ``<name>.units/`` next to the YAML file (``count.csv``, ``snapshot-001.csv``, ...), which
    the scenario refers to as ``units_csv``: a units scenario loads much faster so. Every
    file is written to a temporary file in its directory and renamed, so none is ever
    half-written; the YAML file comes last.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if units_csv:
        scenario = _units_to_csv(scenario, out)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: units files are big
    _atomic_write(out, yaml.dump(scenario, Dumper=dumper, sort_keys=False, allow_unicode=True,
                                 default_flow_style=None))
    return out


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "x", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _units_to_csv(scenario: dict, out: Path) -> dict:
    """A copy of ``scenario`` whose units are in CSV files (written here) next to ``out``."""
    ids = [c["id"] for c in scenario["candidates"]]
    folder = out.parent / f"{out.stem}.units"
    sections = [("count", scenario["count"])]
    sections += [(f"snapshot-{i + 1:03d}", s) for i, s in enumerate(scenario.get("snapshots") or ())]
    replaced = {}
    for name, section in sections:
        if "units" in section:
            folder.mkdir(exist_ok=True)
            _atomic_write(folder / f"{name}.csv", units_csv_text(section["units"], ids))
            rest = {k: v for k, v in section.items() if k != "units"}
            replaced[name] = {**rest, "units_csv": f"{folder.name}/{name}.csv"}
    scenario = dict(scenario)
    scenario["count"] = replaced.get("count", scenario["count"])
    if scenario.get("snapshots"):
        scenario["snapshots"] = [replaced.get(f"snapshot-{i + 1:03d}", s)
                                 for i, s in enumerate(scenario["snapshots"])]
    return scenario


def units_csv_text(units, ids) -> str:
    """Units (mappings as in a scenario) as CSV text in this module's format; the ``unit``
    column holds each unit's id, so it reads back with the same ids."""
    baseline = any(u.get("baseline") for u in units)
    header = ["unit", "type", *ids, *_REMAINING]
    header += [_BASELINE + i for i in ids] if baseline else []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for u in units:
        rem = u["remaining"]
        interval = [rem["estimate"], rem.get("low", ""), rem.get("high", "")] if isinstance(rem, dict) \
            else [rem, "", ""]
        row = [u["id"], u.get("type", ""), *(u["counted"][i] for i in ids), *interval]
        if baseline:
            row += [u["baseline"][i] if u.get("baseline") else "" for i in ids]
        writer.writerow(row)
    return buf.getvalue()
