"""Import a CSV of counting units (counties, precincts, vote types) as a scenario.

The CSV is read by :mod:`simulate.scenario.units_table`, the same reader a scenario's
``count.units_csv`` goes through, so a file one accepts the other accepts too.

The layout (one row per unit, or per unit and vote type; a column per candidate id;
``remaining``, ``remaining_low``, ``remaining_high``; optional ``baseline_<id>``) and the
unit ids are documented there.

Every problem raises :class:`~simulate.errors.ScenarioError` naming the file and the
place: ``header``, ``row 12`` or ``row 12, column trump``. Rows are numbered as the
file's lines, the header being row 1. Bad arguments (an unknown rule, seats for a
majority race) raise ``ValueError``.
"""
from __future__ import annotations

import csv
import io
import hashlib
import re
import shutil
from pathlib import Path

import yaml

from .. import files
from ..errors import ScenarioError
from ..scenario.records import RULES
from ..scenario.schema import ID_PATTERN, MEASURE_IDS
from ..scenario.units_table import _BASELINE, _REMAINING, read_units_csv

__all__ = ["scenario_from_units_csv", "read_units_csv", "units_csv_text", "write_scenario"]


def _fail(source, path, message):
    raise ScenarioError(source, path, message)


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
    """Write one scenario as YAML to ``path`` (parent directories created), checked and whole.

    The file is written beside ``path`` under a temporary name, read back with the
    scenario loader -- a scenario the loader would reject is never kept: the
    loader's :class:`~simulate.errors.ScenarioError` is raised, naming ``path`` and
    the field -- and only then renamed into place.

    With ``units_csv``, the ``units`` of ``count`` and of each snapshot go to CSV files
    (``count.csv``, ``snapshot-001.csv``, ...) in a folder ``<name>.units.<hash>/`` next
    to the YAML file, named by a hash of its content, which the scenario refers to as
    ``units_csv``: a units scenario loads much faster so.  The folder is built aside and
    renamed into place whole (:func:`simulate.files.new_directory`) before the YAML file
    that names it replaces the old one; older ``<name>.units*`` folders are removed only
    after that.  A process killed at any moment leaves the old YAML file with the old
    folder it names, or the new file with the new folder: never a mix.
    """
    from ..scenario.loader import load_scenario

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    check = lambda tmp: load_scenario(tmp, source=str(out))  # noqa: E731
    if not units_csv:
        _write_text(out, scenario, check)
        return out
    csvs, scenario = _units_to_csv(scenario, out)
    folder = None
    if csvs:
        digest = hashlib.sha256("\0".join(f"{n}\0{t}" for n, t in sorted(csvs.items())).encode()).hexdigest()[:12]
        folder = out.parent / f"{out.stem}.units.{digest}"
        scenario = _point_at(scenario, folder.name)
        with files.new_directory(folder) as tmp:
            for name, text in csvs.items():
                files.write_text(tmp / name, text)
    try:
        _write_text(out, scenario, check)
    except BaseException:
        if folder is not None and not _names(out, folder.name):
            shutil.rmtree(folder, ignore_errors=True)
        raise
    _remove_stale_folders(out, keep=None if folder is None else folder.name)
    return out


def _yaml_text(scenario: dict) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: units files are big
    return yaml.dump(scenario, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=None)


def _write_text(out: Path, scenario: dict, check) -> None:
    try:
        data = _yaml_text(scenario).encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start:exc.end]
        raise ScenarioError(str(out), "", f"would hold text that is not valid Unicode ({bad!r}, a lone "
                                          "surrogate: was a name given in another encoding?)") from None
    files.write_bytes(out, data, check)


def _names(out: Path, folder: str) -> bool:
    """Whether the YAML file at ``out`` refers to ``folder`` (a cheap text search)."""
    try:
        return folder in out.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _remove_stale_folders(out: Path, keep: str | None) -> None:
    """Remove the ``<name>.units`` and ``<name>.units.<hash>`` folders ``out`` no longer names."""
    pattern = re.compile(re.escape(out.stem) + r"\.units(\.[0-9a-f]{12})?")
    for entry in out.parent.iterdir():
        if entry.name != keep and pattern.fullmatch(entry.name) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def _units_to_csv(scenario: dict, out: Path) -> tuple[dict, dict]:
    """The CSV texts (``{file name: text}``) of the units of ``scenario``, and a copy of it
    whose sections name those files (folder still to be filled in, see :func:`_point_at`)."""
    ids = [c["id"] for c in scenario["candidates"]]
    sections = [("count", scenario["count"])]
    sections += [(f"snapshot-{i + 1:03d}", s) for i, s in enumerate(scenario.get("snapshots") or ())]
    replaced, csvs = {}, {}
    for name, section in sections:
        if "units" in section:
            csvs[f"{name}.csv"] = units_csv_text(section["units"], ids)
            rest = {k: v for k, v in section.items() if k != "units"}
            replaced[name] = {**rest, "units_csv": f"{{folder}}/{name}.csv"}
    scenario = dict(scenario)
    scenario["count"] = replaced.get("count", scenario["count"])
    if scenario.get("snapshots"):
        scenario["snapshots"] = [replaced.get(f"snapshot-{i + 1:03d}", s)
                                 for i, s in enumerate(scenario["snapshots"])]
    return csvs, scenario


def _point_at(scenario: dict, folder: str) -> dict:
    def fix(section):
        if isinstance(section, dict) and "units_csv" in section:
            return {**section, "units_csv": section["units_csv"].replace("{folder}", folder, 1)}
        return section

    out = dict(scenario)
    out["count"] = fix(out["count"])
    if out.get("snapshots"):
        out["snapshots"] = [fix(s) for s in out["snapshots"]]
    return out


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
