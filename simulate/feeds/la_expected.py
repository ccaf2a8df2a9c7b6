r"""Remaining vote "as known" for Los Angeles County: the registrar's outstanding-ballot figure, apportioned.

The county's files never say how many ballots are still to count; the registrar
publishes a countywide figure separately (after election night; news reports quote
it). Given one, :func:`contest_remaining` shares it among the contests by their share
of the ballots counted (:func:`simulate.model.expected_vote.apportion`; the county's
ballots counted are taken as the largest contest total, the top of the ticket) and
turns it into an interval with the apportioning error table fitted on the *other*
2024 election (:data:`simulate.feeds.la_tables.TABLES`; its count-noise dispersion
widens small contests' intervals, see :mod:`simulate.model.expected_vote`), widened
for the published figure's own error: :data:`PUBLISHED_SPREAD`, the 90% half-width of
``ln(published / true)``, added in quadrature. Its size is documented: in 2020 the
county's estimate rose from 618,200 to 791,200 within two days as mail kept arriving,
so a published figure is taken to be within a factor 791.2 / 618.2 = 1.28 of the truth
nine times in ten (``PUBLISHED_SPREAD = ln 1.28 = 0.247``).

When replaying a history with no published figures (backtests "as known"), the
registrar's figure is stood in for by the true countywide remaining (the file's last
release minus the release's county ballots) times a *random* error factor of exactly
that documented size, unbiased on the log scale:

.. math:: \hat O_j = O_j \, e^{\sigma z_j},\quad z_j \sim N(0, 1),\quad
          \sigma = \text{PUBLISHED\_SPREAD} / 1.645 = 0.150,

one draw per release (the county publishes one figure for all contests), from
``numpy.random.default_rng(STAND_IN_SEED)`` in release order, so a backtest is
reproducible -- then apportioned as above: never a contest's own final total. (The
previous stand-in, a fixed 0.781 times the truth, undershot every release by the
whole documented error and was then widened as if the error were random: 85% of the
general's true remaining fell inside the intervals.)

Published figures (``outstanding``) are given per release: a mapping from the release
number (1-based), its key, or its date (``YYYY-MM-DD``, the latest figure published
that day) to a ballot count; :func:`read_outstanding` reads them from a CSV or YAML file
(``release,outstanding`` or ``date,outstanding`` rows).
"""
from __future__ import annotations

import copy
import csv
import math
from pathlib import Path

import numpy as np
import yaml

from ..model.expected_vote import ErrorTable, apportion, remaining_interval

#: 90% half-width of ln(published / true countywide remaining): the 2020 revision, ln(791.2 / 618.2).
PUBLISHED_SPREAD = math.log(791.2 / 618.2)
#: The seed of the stand-in's error factors (module docstring).
STAND_IN_SEED = 2020


def stand_in_factors(n: int, seed: int = STAND_IN_SEED) -> np.ndarray:
    """``n`` error factors ``exp(sigma z)`` of the stand-in, one per release (module docstring)."""
    sigma = PUBLISHED_SPREAD / 1.6448536269514722
    return np.exp(sigma * np.random.default_rng(seed).standard_normal(n))


class OutstandingError(ValueError):
    """A file of published outstanding-ballot figures cannot be read."""


def read_outstanding(path) -> dict:
    """``{release number | date: ballots}`` from a CSV (header) or YAML mapping (module docstring)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OutstandingError(f"{path}: cannot read: {exc}") from None
    if p.suffix.lower() in (".yaml", ".yml"):
        data = yaml.safe_load(text)
        if not isinstance(data, dict):
            raise OutstandingError(f"{path}: expected a mapping of release or date to ballots")
        rows = [(str(k), v) for k, v in data.items()]
    else:
        reader = csv.DictReader(text.splitlines())
        key = next((k for k in ("release", "date", "key") if k in (reader.fieldnames or ())), None)
        if key is None or "outstanding" not in (reader.fieldnames or ()):
            raise OutstandingError(f"{path}: needs columns release (or date) and outstanding")
        rows = [(r[key], r["outstanding"]) for r in reader]
    out = {}
    for k, v in rows:
        try:
            n = int(str(v).replace(",", "").strip())
        except ValueError:
            raise OutstandingError(f"{path}: outstanding for {k!r} is not a whole number: {v!r}") from None
        if n < 0:
            raise OutstandingError(f"{path}: outstanding for {k!r} is negative: {n}")
        out[int(k) if str(k).strip().isdigit() else str(k).strip()] = n
    return out


def published(outstanding, release: int, key: str, as_of: str):
    """The figure for this release (1-based number, key, then its date), or None."""
    if outstanding is None:
        return None
    if isinstance(outstanding, (int, float)):
        return outstanding
    for k in (release, key, as_of[:10]):
        if k in outstanding:
            return outstanding[k]
    return None


def contest_remaining(outstanding, contest_votes: int, county_ballots: int, table: ErrorTable) -> dict:
    """``remaining`` for one contest from a countywide figure (module docstring)."""
    raw = apportion(outstanding, contest_votes, county_ballots)
    return remaining_interval(raw, contest_votes, table, spread=PUBLISHED_SPREAD)


def _table(kind: str, table):
    from .la_tables import TABLES

    return table or TABLES.get(f"not {kind}") or TABLES["pooled"]


def county_ballots(counts) -> list[int]:
    """Per release, the county's ballots counted: the largest contest total then."""
    return [max(sum(c.values()) for c in release) if release else 0 for release in counts]


def timeframes_releases(path, kind, pass_rates=None, *, outstanding=None, last_is_final=False,
                        table=None, stand_in=True, seed: int = STAND_IN_SEED):
    """Every release of a ``timeframes.json`` as a :class:`~simulate.feeds.release.Release`.

    ``outstanding``: published countywide figures (module docstring). Without a figure
    for a release and with ``stand_in``, the stand-in (true countywide remaining times
    a random error factor, :func:`stand_in_factors` with ``seed``) is used; the file's last release then has no later one to
    measure by and gets the error table's floor. ``last_is_final``: the last release
    is the certified count (``remaining: 0``); by default nothing in the file says so.
    """
    from .la_county import measure_overrides_from_results, scenarios_from_timeframes
    from .release import Release

    overrides = measure_overrides_from_results(pass_rates) if pass_rates else None
    report = scenarios_from_timeframes(path, kind, overrides)
    t = _table(kind, table)
    contests = [(slug, s) for slug, s in report.scenarios]
    if not contests:
        return
    n = len(contests[0][1]["snapshots"]) + 1
    counts = [[(s["snapshots"][j] if j < n - 1 else s["final"])["counted"] for _, s in contests]
              for j in range(n)]
    ballots = county_ballots(counts)
    factors = stand_in_factors(n, seed)
    for j in range(n):
        as_of = (contests[0][1]["snapshots"][j] if j < n - 1 else contests[0][1]["final"])["as_of"]
        key = f"{j + 1:03d}"
        final = last_is_final and j == n - 1
        figure = published(outstanding, j + 1, key, as_of)
        if figure is None and stand_in:
            figure = factors[j] * max(ballots[-1] - ballots[j], 0)
        out = []
        for (slug, s), counted in zip(contests, counts[j]):
            votes = sum(counted.values())
            if votes == 0:
                continue
            if final:
                rem = {"estimate": 0}
            else:
                rem = contest_remaining(figure or 0, votes, ballots[j], t)
            out.append((slug, {"race": s["race"], "candidates": s["candidates"],
                               "count": {"as_of": as_of, "counted": dict(counted), "remaining": rem}}))
        yield Release(as_of=as_of, key=key, final=final, contests=tuple(out))


def as_known(report, kind: str, *, table=None, outstanding=None, seed: int = STAND_IN_SEED):
    """A timeframes import's scenarios with every snapshot's ``remaining`` as known then.

    Each release's countywide figure is the published one (``outstanding``) or the
    stand-in (module docstring; its factors from ``seed``), apportioned to the contest;
    the final release stays the truth for scoring. Returns a new list of ``(slug, scenario)`` pairs.
    """
    t = _table(kind, table)
    pairs = list(report.scenarios)
    if not pairs:
        return pairs
    n = len(pairs[0][1]["snapshots"]) + 1
    counts = [[(s["snapshots"][j] if j < n - 1 else s["final"])["counted"] for _, s in pairs] for j in range(n)]
    ballots = county_ballots(counts)
    factors = stand_in_factors(n, seed)
    out = []
    for slug, s in pairs:
        snaps = []
        for j, snap in enumerate(s["snapshots"]):
            figure = published(outstanding, j + 1, f"{j + 1:03d}", snap["as_of"])
            if figure is None:
                figure = factors[j] * max(ballots[-1] - ballots[j], 0)
            votes = sum(snap["counted"].values())
            snaps.append({**snap, "remaining": contest_remaining(figure, votes, ballots[j], t)})
        out.append((slug, {**s, "snapshots": snaps, "count": copy.deepcopy(snaps[-1])}))
    return out


def apportion_records(report):
    """``(counted, raw, truth)`` per contest and release with the *true* countywide remaining
    apportioned: the apportioning error alone, to fit and report it."""
    pairs = list(report.scenarios)
    if not pairs:
        return []
    n = len(pairs[0][1]["snapshots"]) + 1
    counts = [[(s["snapshots"][j] if j < n - 1 else s["final"])["counted"] for _, s in pairs] for j in range(n)]
    ballots = county_ballots(counts)
    out = []
    for i in range(len(pairs)):
        final = sum(counts[-1][i].values())
        for j in range(n - 1):
            votes = sum(counts[j][i].values())
            raw = apportion(max(ballots[-1] - ballots[j], 0), votes, ballots[j])
            out.append((votes, raw, max(final - votes, 0)))
    return out


def live_from_results(report, outstanding: int, *, table=None):
    """A ``results.json`` import (remaining 0) with ``remaining`` from a published countywide
    figure ``outstanding``, apportioned with the pooled table. Returns ``(slug, scenario)`` pairs."""
    t = _table("pooled", table)
    pairs = list(report.scenarios)
    ballots = max((sum(s["count"]["counted"].values()) for _, s in pairs), default=0)
    out = []
    for slug, s in pairs:
        votes = sum(s["count"]["counted"].values())
        out.append((slug, {**s, "count": {**s["count"],
                                          "remaining": contest_remaining(outstanding, votes, ballots, t)}}))
    return out


def last_steps(report) -> list[float]:
    """Per contest, the ballots added by the file's last release as a share of the count
    before it: the late ballots the error table's floor is fitted on (median, 95th percentile)."""
    out = []
    for _, s in report.scenarios:
        if not s["snapshots"]:
            continue
        before = sum(s["snapshots"][-1]["counted"].values())
        if before > 0:
            out.append(max(sum(s["final"]["counted"].values()) - before, 0) / before)
    return out


def releases(path, kind, pass_rates=None, *, outstanding=None, last_is_final=False, table=None):
    """Every release of a ``timeframes.json`` as a :class:`~simulate.feeds.release.Release`, with
    ``remaining`` as known then; ``pass_rates`` is a ``results.json`` supplying measure
    thresholds. Raises :class:`~simulate.feeds.la_county.ImportFormatError`."""
    yield from timeframes_releases(path, kind, pass_rates, outstanding=outstanding,
                                   last_is_final=last_is_final, table=table)
