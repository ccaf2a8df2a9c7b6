"""Releases of a results feed: what ``racecall watch`` reads.

A release is the feed at one moment: ``as_of``, a ``key`` that is unique and
sorts in publication order, ``final`` (the count is complete) and ``contests``,
``(slug, scenario mapping)`` pairs loadable by
:func:`simulate.load_scenario_dict`, whose ``count.remaining`` is the remaining
vote as known then.

Feeds come from :mod:`simulate.feeds`: ``minnesota.releases`` for the
Minnesota Secretary of State's media files (an archive of fetch folders, or a
folder of them), ``la_expected.releases`` for a Los Angeles County
``timeframes.json``.  :class:`Release` mirrors :class:`simulate.feeds.release.Release`.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import RacecallError

#: Largest feed document fetched from a URL (bytes).
MAX_FETCH = 256 * 1024 * 1024


@dataclass(frozen=True)
class Release:
    """The feed at one moment (see the module docstring)."""

    as_of: str | None
    key: str
    final: bool
    contests: tuple


def kind_of(source: str) -> str:
    """``url``, ``archive`` (played back once) or ``local`` (a file or folder re-read when it changes)."""
    if source.startswith(("http://", "https://")):
        return "url"
    path = Path(source)
    if not path.exists():
        raise RacecallError(f"{source}: no such file or folder")
    if path.is_file() and path.name.endswith((".tar.xz", ".tar.gz", ".tar", ".tgz", ".txz")):
        return "archive"
    return "local"


def releases(source, *, kind: str = "general", pass_rates=None) -> Iterator[Release]:
    """Every release the source holds now, oldest first."""
    path = Path(source)
    if path.is_dir() and not any(path.glob("*.json")) or path.name.endswith((".tar.xz", ".txz", ".tar", ".tgz", ".tar.gz")):
        yield from _minnesota(path)
        return
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        path = next((f for f in files if f.name == "timeframes.json"), files[0])
    yield from _la_county(path, kind, pass_rates)


def fetch(url: str, into: Path, *, timeout: float = 30.0) -> Path:
    """Download ``url`` to a file in ``into`` (atomically); returns the file."""
    from ..files import write_bytes

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - the user's own feed
            data = response.read(MAX_FETCH + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FeedUnavailable(f"{url}: {getattr(exc, 'reason', exc)}") from None
    if len(data) > MAX_FETCH:
        raise RacecallError(f"{url}: the feed is larger than {MAX_FETCH:,} bytes")
    name = Path(urllib.request.urlparse(url).path).name or "feed.json"
    into.mkdir(parents=True, exist_ok=True)
    return write_bytes(into / name, data)


class FeedUnavailable(RacecallError):
    """The feed could not be read this time (network down, server error); try again later."""


def digest(mapping) -> str:
    """A short, stable fingerprint of a scenario mapping: a contest is re-simulated only when it changes.

    The count's time is left out: a release that leaves a contest's count and
    remaining vote as they were leaves its result (stamped with the time its
    count last changed) standing.
    """
    if isinstance(mapping.get("count"), dict) and "as_of" in mapping["count"]:
        mapping = {**mapping, "count": {k: v for k, v in mapping["count"].items() if k != "as_of"}}
    text = json.dumps(mapping, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def _minnesota(path: Path) -> Iterator[Release]:
    from ..feeds import minnesota
    from ..feeds.minnesota_files import FeedFormatError

    try:
        for release in minnesota.releases(path):
            yield Release(release.as_of, str(release.key), bool(release.final), tuple(release.contests))
    except FeedFormatError as exc:
        raise RacecallError(str(exc)) from None


def _la_county(path: Path, kind: str, pass_rates) -> Iterator[Release]:
    from ..feeds import la_county, la_expected

    try:
        for release in la_expected.releases(path, kind, pass_rates=pass_rates):
            yield Release(release.as_of, str(release.key), bool(release.final), tuple(release.contests))
    except la_county.ImportFormatError as exc:
        raise RacecallError(str(exc)) from None


def scratch_dir(out: Path) -> Path:
    """Where fetched feed documents are kept (inside the output directory)."""
    d = Path(out) / ".feed"
    d.mkdir(parents=True, exist_ok=True)
    return d


__all__ = ["Release", "FeedUnavailable", "digest", "fetch", "kind_of", "releases", "scratch_dir"]
