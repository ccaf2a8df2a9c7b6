"""Results as pandas DataFrames (pandas is the optional ``racecall[pandas]`` extra).

* :func:`candidates_frame` -- one row per contest and candidate (many results);
* :func:`summary_frame` -- one row per contest: leader, counted, ballots left, status, call;
* :func:`replay_frame` -- one row per snapshot and candidate of a :class:`simulate.Replay`.

One result's candidates: ``result.to_frame()``.  pandas is imported inside each
function, so importing this module needs nothing beyond the core dependencies.
"""

from __future__ import annotations


def _pandas():
    try:
        import pandas as pd
    except ImportError:
        from ..errors import RacecallError

        raise RacecallError("DataFrames need pandas: pip install 'racecall[pandas]'") from None
    return pd


def candidates_frame(results):
    """One row per contest and candidate: ``race, as_of`` and the columns of ``RaceResult.to_frame``."""
    pd = _pandas()
    frames = []
    for r in results:
        f = r.to_frame().reset_index()
        f.insert(0, "as_of", r.as_of)
        f.insert(0, "race", r.race)
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def summary_frame(results):
    """One row per contest (index ``race``): rule, as_of, leader, counted_fraction, remaining
    (estimate, low, high), status, outcome, winners, confidence, sentence."""
    pd = _pandas()
    rows = []
    for r in results:
        rem = r.remaining or r.extra.get("remaining") or {}
        rows.append({"race": r.race, "rule": r.rule, "as_of": r.as_of, "leader": r.leader,
                     "counted_fraction": r.counted_fraction, "remaining": rem.get("estimate"),
                     "remaining_low": rem.get("low"), "remaining_high": rem.get("high"),
                     "status": r.call.status, "outcome": r.call.outcome, "winners": list(r.call.winners),
                     "confidence": r.call.confidence, "sentence": r.call.sentence})
    return pd.DataFrame(rows).set_index("race") if rows else pd.DataFrame()


def replay_frame(replay):
    """One row per snapshot and candidate, with the snapshot's ``snapshot`` number (0-based) and ``status``."""
    pd = _pandas()
    frames = []
    for i, snap in enumerate(replay.snapshots):
        f = snap.to_frame().reset_index()
        f.insert(0, "status", snap.call.status)
        f.insert(0, "counted_fraction", snap.counted_fraction)
        f.insert(0, "as_of", snap.as_of)
        f.insert(0, "snapshot", i)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)
