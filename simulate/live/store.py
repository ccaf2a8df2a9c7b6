"""The state of a watched feed in SQLite: releases, results, standing calls and events.

One database file, ``racecall.sqlite``, in the output directory, in WAL mode with
``synchronous=FULL``.  Each release is written in **one transaction**: its row,
every re-simulated contest's result (the contract's JSON object), each contest's
standing call and the events.  A process killed at any moment leaves the
database as it was after the last committed release; a restart skips every
release whose ``key`` is already stored, so nothing is lost or doubled.

Tables
------
``releases(seq, key UNIQUE, as_of, final, contests, simulated, seconds, recorded_at)``
    one row per release, ``seq`` 1, 2, ... in the order processed.
``results(slug, seq, digest, status, result)``
    a contest's result at the releases where its count changed (a contest whose
    scenario is unchanged keeps its last result, which the same seed would
    reproduce bit for bit).  ``result`` is the JSON object.
``contests(slug PRIMARY KEY, race, digest, seq, standing)``
    each contest's latest input fingerprint, last release it changed, and the
    standing call (JSON, or null).
``events(id, seq, slug, kind, text, data)``
    ``kind``: called, retracted, changed, leader, too_close.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

FILE = "racecall.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS releases (
    seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, as_of TEXT, final INTEGER NOT NULL,
    contests INTEGER NOT NULL, simulated INTEGER NOT NULL, seconds REAL, recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    slug TEXT NOT NULL, seq INTEGER NOT NULL REFERENCES releases(seq), digest TEXT NOT NULL,
    status TEXT NOT NULL, result TEXT NOT NULL, PRIMARY KEY (slug, seq));
CREATE TABLE IF NOT EXISTS contests (
    slug TEXT PRIMARY KEY, race TEXT NOT NULL, digest TEXT NOT NULL, seq INTEGER NOT NULL, standing TEXT);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL REFERENCES releases(seq), slug TEXT NOT NULL,
    kind TEXT NOT NULL, text TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_seq ON events (seq);
CREATE INDEX IF NOT EXISTS events_slug ON events (slug);
"""


@dataclass(frozen=True)
class Contest:
    """A contest's latest state: its slug, fingerprint, last result (dict) and standing call (dict or None)."""

    slug: str
    digest: str
    seq: int
    result: dict
    standing: dict | None


class Store:
    """The database of one watched feed (see the module docstring)."""

    def __init__(self, directory):
        self.path = Path(directory) / FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(_SCHEMA)
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def set_meta(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    def meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    # -- reading -------------------------------------------------------------------------
    def keys(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM releases")}

    def releases(self) -> list[dict]:
        cols = ("seq", "key", "as_of", "final", "contests", "simulated", "seconds", "recorded_at")
        rows = self.db.execute(f"SELECT {', '.join(cols)} FROM releases ORDER BY seq")
        return [dict(zip(cols, r)) for r in rows]

    def last_seq(self) -> int:
        return self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM releases").fetchone()[0]

    def contests(self) -> dict[str, Contest]:
        """Every contest's latest state, by slug, in the order first seen."""
        rows = self.db.execute(
            "SELECT c.slug, c.digest, c.seq, r.result, c.standing FROM contests c "
            "JOIN results r ON r.slug = c.slug AND r.seq = c.seq ORDER BY c.rowid")
        return {s: Contest(s, d, q, json.loads(r), json.loads(st) if st else None) for s, d, q, r, st in rows}

    def history(self, slug: str) -> list[tuple[int, dict]]:
        """A contest's results at each release its count changed: ``(seq, result)``, oldest first."""
        rows = self.db.execute("SELECT seq, result FROM results WHERE slug = ? ORDER BY seq", (slug,))
        return [(q, json.loads(r)) for q, r in rows]

    def back(self, slug: str):
        """A contest's results, newest first, read a few at a time (the caller stops when it has
        enough; every query is read to its end, so no statement stays open)."""
        done = 0
        for limit in (8, 64, -1):
            rows = self.db.execute("SELECT result FROM results WHERE slug = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
                                   (slug, limit, done)).fetchall()
            for (r,) in rows:
                yield json.loads(r)
            done += len(rows)
            if limit > 0 and len(rows) < limit:
                return

    def histories(self, slugs) -> dict[str, list[tuple[int, dict]]]:
        """:meth:`history` of many contests in one pass."""
        slugs = list(slugs)
        if len(slugs) < 200:
            return {s: self.history(s) for s in slugs}
        wanted, out = set(slugs), {s: [] for s in slugs}
        for slug, q, r in self.db.execute("SELECT slug, seq, result FROM results ORDER BY slug, seq"):
            if slug in wanted:
                out[slug].append((q, json.loads(r)))
        return out

    def events(self, limit: int | None = None, slug: str | None = None, slugs=None) -> list[dict]:
        """Events, newest first (of one contest ``slug``, or of the contests ``slugs``)."""
        sql = "SELECT e.id, e.seq, r.as_of, e.slug, e.kind, e.text, e.data FROM events e JOIN releases r USING (seq)"
        args: tuple = ()
        if slug is not None:
            sql, args = sql + " WHERE e.slug = ?", (slug,)
        elif slugs is not None:
            slugs = list(slugs)
            if len(slugs) < 500:
                sql, args = sql + f" WHERE e.slug IN ({', '.join('?' * len(slugs))})", tuple(slugs)
        sql += " ORDER BY e.id DESC" + (f" LIMIT {int(limit)}" if limit else "")
        cols = ("id", "seq", "as_of", "slug", "kind", "text", "data")
        return [dict(zip(cols, r), data=json.loads(r[6])) for r in self.db.execute(sql, args)]

    # -- writing -------------------------------------------------------------------------
    def record(self, release, changed, standing: dict, events, seconds: float) -> int:
        """Store one release in one transaction; returns its ``seq``.

        ``changed``: ``(slug, digest, result dict)`` for each contest re-simulated;
        ``standing``: ``{slug: standing call dict or None}`` for every contest whose
        call may have moved; ``events``: ``(slug, kind, text, data)``.
        """
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            seq = self.last_seq() + 1
            db.execute("INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (seq, release.key, release.as_of, int(release.final), len(release.contests), len(changed),
                        round(seconds, 3), time.strftime("%Y-%m-%dT%H:%M:%S%z")))
            db.executemany("INSERT INTO results VALUES (?, ?, ?, ?, ?)",
                           [(slug, seq, d, r["call"]["status"], json.dumps(r, ensure_ascii=False, separators=(",", ":")))
                            for slug, d, r in changed])
            db.executemany(
                "INSERT INTO contests VALUES (?, ?, ?, ?, NULL) ON CONFLICT(slug) DO UPDATE SET "
                "race = excluded.race, digest = excluded.digest, seq = excluded.seq",
                [(slug, r["race"], d, seq) for slug, d, r in changed])
            db.executemany("UPDATE contests SET standing = ? WHERE slug = ?",
                           [(json.dumps(s) if s else None, slug) for slug, s in standing.items()])
            db.executemany("INSERT INTO events (seq, slug, kind, text, data) VALUES (?, ?, ?, ?, ?)",
                           [(seq, slug, kind, text, json.dumps(data, ensure_ascii=False)) for slug, kind, text, data in events])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return seq


def connect_readonly(directory) -> sqlite3.Connection:
    """A read-only connection (for scripts and tests) to the database in ``directory``."""
    path = Path(directory) / FILE
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
