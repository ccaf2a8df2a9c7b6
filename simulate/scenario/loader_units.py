"""The loader's part for units: ``count.units`` inline or ``count.units_csv`` from a file.

Mixed into :class:`simulate.scenario.loader._Checker`; same rules, same error style.
"""

from __future__ import annotations

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
        """The rows of the units CSV ``value`` names, read by :mod:`simulate.scenario.units_table`
        (the reader ``racecall import units`` uses): ``[(where, unit mapping), ...]``."""
        from ..errors import ScenarioError
        from .units_table import read_units_rows

        name = self.text(value, path)
        file = self.relative_file(name)
        try:
            _, rows = read_units_rows(file, ids, source=name)
        except ScenarioError as exc:
            self.fail(path, f"{exc.source}: {exc.path + ': ' if exc.path else ''}{exc.message}")
        return [(f"{path} ({name} row {n})", unit) for n, unit in rows], file
