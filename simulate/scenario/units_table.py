"""The units CSV: counting units (counties, precincts, vote types), one row each.

The one reader for a scenario's ``count.units_csv`` and for ``racecall import units``
(:mod:`simulate.feeds.units_csv`).  The layout:

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
file's lines, the header being row 1.
"""
from __future__ import annotations

import csv
import io
import math
import re

from ..errors import ScenarioError
from .schema import ID_PATTERN, MAX_CANDIDATES, MAX_FILE_BYTES, MAX_UNITS, MAX_VOTES, SHARE_SUM_TOLERANCE, UNIT_ID_PATTERN
from .yaml_text import read_capped

__all__ = ["read_units_csv", "read_units_rows", "MAX_CSV_BYTES"]
#: The largest units CSV read (bytes).
MAX_CSV_BYTES = MAX_FILE_BYTES
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
    ids, rows = read_units_rows(path, candidates, unit_column=unit_column, type_column=type_column,
                                source=source)
    return ids, [unit for _, unit in rows]


def read_units_rows(path, candidates=None, *, unit_column="unit", type_column="type",
                    source=None) -> tuple[tuple[str, ...], list[tuple[int, dict]]]:
    """:func:`read_units_csv` with each unit's row number: ``(ids, [(row, unit), ...])``.

    At most :data:`MAX_CSV_BYTES` bytes are read (a larger file, or a device such as
    ``/dev/zero``, fails before it is read whole) and at most ``MAX_UNITS`` rows are
    kept (one more is an error at once, before the rest is looked at).
    """
    source = str(path) if source is None else source
    data = read_capped(path, source, MAX_CSV_BYTES, "units CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _fail(source, "", f"file is not UTF-8 text (byte {exc.start})")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        header = next(reader, None)
        if header is None:
            _fail(source, "", "file is empty (expected a header row)")
        table = _Table(source, header, None if candidates is None else tuple(candidates),
                       unit_column, type_column)
        for cells in reader:
            if not cells:
                continue
            if len(rows) >= MAX_UNITS:
                _fail(source, f"row {reader.line_num}", f"more than {MAX_UNITS:,} units (rows)")
            rows.append((reader.line_num, _row(table, reader.line_num, cells)))
    except csv.Error as exc:
        _fail(source, f"row {reader.line_num + 1}", f"malformed CSV ({exc})")
    if not rows:
        _fail(source, "", "no units: the file has a header but no rows")
    return table.ids, list(zip((n for n, _ in rows), _with_ids(source, table, rows)))


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
