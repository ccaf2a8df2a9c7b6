"""Frozen result objects and their JSON form (the contract's keys)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ShareInterval:
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class CandidateResult:
    id: str
    name: str
    counted: int
    share_counted: float
    p_win: float
    p_win_se: float
    p_outright: float | None
    p_advance: float | None
    p_first: float
    share_final: ShareInterval


@dataclass(frozen=True)
class Call:
    """The decision at ``level``.

    status: ``called`` (the whole outcome is decided), ``runoff`` (a runoff is
    decided but not both of its candidates), ``too_close`` or ``too_early``.
    outcome: ``winner``, ``runoff``, ``passes``, ``fails`` or ``None``.
    winners: the ids decided at ``level``.  confidence: probability of the
    called outcome (for too_close/too_early: of the most likely outcome).
    """

    status: str
    outcome: str | None
    winners: tuple[str, ...]
    confidence: float
    level: float
    sentence: str


@dataclass(frozen=True)
class Hurdle:
    candidate: str | None
    needs_share_of_remaining: float | None
    leader_needs_share_of_remaining: float | None = None


@dataclass(frozen=True)
class RaceResult:
    race: str
    rule: str
    as_of: str | None
    draws: int
    seed: int
    leader: str | None
    candidates: tuple[CandidateResult, ...]
    p_leader_overtaken: float
    hurdle: Hurdle
    p_recount: float
    p_runoff: float | None
    runoff_pairs: tuple[tuple[str, str, float], ...]
    counted_fraction: float
    call: Call
    remaining: dict | None = None  # the ballots left as the model used them: estimate, low, high (and exact)
    extra: dict = field(default_factory=dict, compare=False)

    def candidate(self, cid: str) -> CandidateResult:
        return next(c for c in self.candidates if c.id == cid)

    def __repr__(self) -> str:
        counted = f"{100 * self.counted_fraction:.1f}% counted"
        return (f"<RaceResult {self.race!r} as of {self.as_of or '?'}: {counted}, {self.draws:,} draws; "
                f"{self.call.status}: {self.call.sentence}>")

    def to_frame(self):
        """The candidates as a pandas DataFrame, one row per candidate (index ``id``), most votes first.

        Columns: ``name, counted, share_counted, p_win, p_win_se, p_outright,
        p_advance, p_first, share_mean, share_low, share_high, decided`` (in the
        call's ``winners``).  Needs pandas (``pip install 'racecall[pandas]'``).
        """
        try:
            import pandas as pd
        except ImportError:
            from ..errors import RacecallError

            raise RacecallError("to_frame needs pandas: pip install 'racecall[pandas]'") from None
        rows = [{"id": c.id, "name": c.name, "counted": c.counted, "share_counted": c.share_counted, "p_win": c.p_win,
                 "p_win_se": c.p_win_se, "p_outright": c.p_outright, "p_advance": c.p_advance, "p_first": c.p_first,
                 "share_mean": c.share_final.mean, "share_low": c.share_final.low, "share_high": c.share_final.high,
                 "decided": c.id in self.call.winners}
                for c in sorted(self.candidates, key=lambda c: (-c.counted, c.id))]
        return pd.DataFrame(rows).set_index("id")

    def to_dict(self) -> dict:
        """The contract's JSON object."""
        hurdle = {"candidate": self.hurdle.candidate, "needs_share_of_remaining": _r(self.hurdle.needs_share_of_remaining)}
        if self.hurdle.leader_needs_share_of_remaining is not None:
            hurdle["leader_needs_share_of_remaining"] = _r(self.hurdle.leader_needs_share_of_remaining)
        return {
            "race": self.race,
            "rule": self.rule,
            "as_of": self.as_of,
            "draws": self.draws,
            "seed": self.seed,
            "leader": self.leader,
            "counted_fraction": _r(self.counted_fraction),
            **({"remaining": dict(self.remaining)} if self.remaining is not None else {}),
            "candidates": [
                {
                    "id": c.id,
                    "name": c.name,
                    "counted": c.counted,
                    "share_counted": _r(c.share_counted),
                    "p_win": _r(c.p_win),
                    "p_win_se": _r(c.p_win_se),
                    "p_outright": _r(c.p_outright),
                    "p_advance": _r(c.p_advance),
                    "p_first": _r(c.p_first),
                    "share_final": {"mean": _r(c.share_final.mean), "low": _r(c.share_final.low), "high": _r(c.share_final.high)},
                }
                for c in self.candidates
            ],
            "p_leader_overtaken": _r(self.p_leader_overtaken),
            "hurdle": hurdle,
            "p_recount": _r(self.p_recount),
            "p_runoff": _r(self.p_runoff),
            "runoff_pairs": [{"candidates": [a, b], "p": _r(p)} for a, b, p in self.runoff_pairs],
            "call": {
                "status": self.call.status,
                "outcome": self.call.outcome,
                "winners": list(self.call.winners),
                "confidence": _r(self.call.confidence),
                "level": self.call.level,
                "sentence": self.call.sentence,
            },
            **self.extra,
        }


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 7)
