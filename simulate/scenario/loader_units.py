"""The loader's part for units: ``count.units`` inline or ``count.units_csv`` from a file.

Mixed into :class:`simulate.scenario.loader._Checker`; same rules, same error style.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from . import schema
from .records import Unit
from .yaml_text import kind as _kind


class UnitsMixin:
    def units(self, section: dict, path: str, ids: tuple[str, ...]) -> tuple[Unit, ...]:
        if "units" in section and "units_csv" in section:
            self.fail(path, "give units or units_csv, not both")
        if "counted" in section or "remaining" in section:
            self.fail(path, "with units, counted and remaining are the units' sums: do not give them too")
        if "units_csv" in section:
            rows, where = self.units_csv(section["units_csv"], f"{path}.units_csv", ids)
        else:
            value = section["units"]
            if not isinstance(value, list):
                self.fail(f"{path}.units", f"must be a list, got {_kind(value)}")
            rows = [(f"{path}.units[{i}]", item) for i, item in enumerate(value)]
        if not rows:
            self.fail(f"{path}.units", "must list at least one unit")
        if len(rows) > schema.MAX_UNITS:
            self.fail(f"{path}.units", f"has {len(rows):,} units, more than the {schema.MAX_UNITS:,} allowed")
        units, seen = [], set()
        for where, item in rows:
            unit = self.unit(item, where, ids)
            if unit.id in seen:
                self.fail(f"{where}.id", f"duplicate unit id {unit.id!r}")
            seen.add(unit.id)
            units.append(unit)
        return tuple(units)

    def unit(self, value: Any, path: str, ids: tuple[str, ...]) -> Unit:
        entry = self.mapping(value, path, schema.UNIT_KEYS)
        for key in ("id", "counted", "remaining"):
            if key not in entry:
                self.fail(f"{path}.{key}", "is required")
        uid = entry["id"]
        uid = str(uid) if isinstance(uid, int) and not isinstance(uid, bool) else uid
        if not isinstance(uid, str) or not re.match(schema.UNIT_ID_PATTERN, uid):
            self.fail(f"{path}.id", f"must be letters, digits, spaces and _ . / -, got {uid!r}")
        utype = entry.get("type", "all")
        if not isinstance(utype, str) or not re.match(schema.UNIT_ID_PATTERN, utype):
            self.fail(f"{path}.type", f"must be letters, digits, spaces and _ . / -, got {utype!r}")
        counted = self.counted(entry["counted"], f"{path}.counted", ids)
        remaining = self.remaining(entry["remaining"], f"{path}.remaining")
        baseline = None
        if entry.get("baseline") is not None:
            shares = self.per_candidate(entry["baseline"], f"{path}.baseline", ids, complete=True)
            baseline = tuple(self.number(shares[i], f"{path}.baseline.{i}", 0.0, 1.0) for i in ids)
            if abs(sum(baseline) - 1.0) > schema.SHARE_SUM_TOLERANCE:
                self.fail(f"{path}.baseline", f"shares must add up to 1, they add up to {sum(baseline):.6g}")
        return Unit(uid, utype, counted, remaining, baseline)

    def units_csv(self, value: Any, path: str, ids: tuple[str, ...]):
        name = self.text(value, path)
        file = self.relative_file(name)
        try:
            text = file.read_text(encoding="utf-8-sig")
        except OSError as exc:
            self.fail(path, f"cannot read {file} ({exc.strerror or exc})")
        reader = csv.DictReader(io.StringIO(text))
        columns = reader.fieldnames or []
        needed = ["unit", *ids, "remaining"]
        missing = [c for c in needed if c not in columns]
        if missing:
            self.fail(path, f"{name}: missing column(s): {', '.join(missing)}")
        known = {"unit", "type", "remaining", "remaining_low", "remaining_high", *ids, *(f"baseline_{i}" for i in ids)}
        unknown = [c for c in columns if c not in known]
        if unknown:
            self.fail(path, f"{name}: unknown column(s): {', '.join(unknown)}")
        rows = []
        for line, row in enumerate(reader, start=2):
            where = f"{path} ({name} line {line})"
            item = {
                "id": row["unit"],
                "counted": {i: _number(row[i]) for i in ids},
                "remaining": _remaining(row),
            }
            if row.get("type"):
                item["type"] = row["type"]
            if any(row.get(f"baseline_{i}") for i in ids):
                item["baseline"] = {i: _number(row.get(f"baseline_{i}") or "") for i in ids}
            rows.append((where, item))
        return rows, file


def _number(text: str) -> Any:
    """CSV cell to int/float where it is one, else the text (the checker names the problem)."""
    text = (text or "").strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _remaining(row: dict) -> Any:
    low, high = (row.get("remaining_low") or "").strip(), (row.get("remaining_high") or "").strip()
    value = {"estimate": _number(row["remaining"])}
    if low or high:
        value["low"], value["high"] = _number(low), _number(high)
    return value
