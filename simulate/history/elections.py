"""The list of elections a pooled calibration is fitted on, read from a small YAML file.

::

    elections:
      - name: la-2024-primary
        history: la/primary/timeframes.json     # relative to this file
        kind: primary                           # LA County timeframes only
        pass_rates: la/primary/results.json     # optional
      - name: mn-2022
        history: minnesota-2022.tar.xz
      - name: nc-2020-lump
        history: nc-lump/                       # a folder of scenarios with final
    remaining: as_known                          # optional, for every history that supports it

Every problem is one :class:`~simulate.errors.ScenarioError` naming the file and the key.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ScenarioError
from ..scenario.yaml_text import kind, parse_yaml
from .pooled import Election
from .sources import load_history

FILE_KEYS = ("elections", "remaining")
ENTRY_KEYS = ("name", "history", "kind", "pass_rates")
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
MAX_BYTES = 1_000_000
MAX_ELECTIONS = 200


def read_elections(path) -> list[dict]:
    """The checked entries of an elections file (paths resolved against the file's folder)."""
    source = str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(source, "", f"cannot read the file ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise ScenarioError(source, "", f"file is larger than {MAX_BYTES:,} bytes")
    try:
        doc = parse_yaml(data.decode("utf-8"), source)
    except UnicodeDecodeError:
        raise ScenarioError(source, "", "file is not UTF-8 text") from None
    if not isinstance(doc, dict):
        raise ScenarioError(source, "", f"must be a mapping with an elections list, got {kind(doc)}")
    for key in doc:
        if key not in FILE_KEYS:
            raise ScenarioError(source, str(key), f"unknown key (allowed: {', '.join(FILE_KEYS)})")
    entries = doc.get("elections")
    if not isinstance(entries, list) or not entries:
        raise ScenarioError(source, "elections", f"must be a non-empty list, got {kind(entries)}")
    if len(entries) > MAX_ELECTIONS:
        raise ScenarioError(source, "elections", f"at most {MAX_ELECTIONS} elections, got {len(entries)}")
    remaining = doc.get("remaining")
    if remaining is not None and remaining not in ("as_known", "hindsight"):
        raise ScenarioError(source, "remaining", f"must be as_known or hindsight, got {kind(remaining)}")
    base, names, out = Path(path).parent, set(), []
    for i, entry in enumerate(entries):
        where = f"elections[{i}]"
        if not isinstance(entry, dict):
            raise ScenarioError(source, where, f"must be a mapping, got {kind(entry)}")
        for key in entry:
            if key not in ENTRY_KEYS:
                raise ScenarioError(source, f"{where}.{key}", f"unknown key (allowed: {', '.join(ENTRY_KEYS)})")
        for key in ("name", "history"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise ScenarioError(source, f"{where}.{key}", f"is required (a string), got {kind(entry.get(key))}")
        if not NAME.match(entry["name"]):
            raise ScenarioError(source, f"{where}.name", "must be lower-case letters, digits, _ . - (at most 64)")
        if entry["name"] in names:
            raise ScenarioError(source, f"{where}.name", f"duplicate election name {entry['name']!r}")
        names.add(entry["name"])
        if entry.get("kind") not in (None, "primary", "general"):
            raise ScenarioError(source, f"{where}.kind", f"must be primary or general, got {kind(entry['kind'])}")
        if entry.get("pass_rates") is not None and not isinstance(entry["pass_rates"], str):
            raise ScenarioError(source, f"{where}.pass_rates", f"must be a path, got {kind(entry['pass_rates'])}")
        out.append({"name": entry["name"], "history": base / entry["history"], "kind": entry.get("kind"),
                    "pass_rates": base / entry["pass_rates"] if entry.get("pass_rates") else None,
                    "remaining": remaining})
    return out


def load_elections(path, cache=None) -> list[Election]:
    """The elections of an elections file, each loaded as a count history (``cache``: see
    :func:`~simulate.history.sources.load_history`)."""
    out = []
    for entry in read_elections(path):
        history = load_history(entry["history"], entry["kind"], entry["pass_rates"], entry["remaining"] or "as_known",
                               cache)
        out.append(Election(entry["name"], tuple(history.scenarios)))
    return out
