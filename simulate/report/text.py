"""Plain-text rendering of results for the terminal."""

from __future__ import annotations

from ..outcome.results import RaceResult


def _pct(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "-"
    return f"{100 * x:.{digits}f}%"


def _prob(x: float | None) -> str:
    if x is None:
        return "-"
    if 0 < x < 0.001:
        return "<0.1%"
    if 0.999 < x < 1:
        return ">99.9%"
    return _pct(x)


def race_table(result: RaceResult) -> str:
    """The table of candidates and the call, as printed by ``racecall run``."""
    runoff = result.rule in ("majority", "top_two")
    head = ["candidate", "counted", "share", "p_win"]
    if runoff or result.rule == "measure":
        head.append("p_outright")
    if runoff:
        head.append("p_advance")
    head.append("final share (90%)")
    rows = []
    for c in sorted(result.candidates, key=lambda c: (-c.counted, c.id)):
        row = [c.name, f"{c.counted:,}", _pct(c.share_counted), _prob(c.p_win)]
        if runoff or result.rule == "measure":
            row.append(_prob(c.p_outright))
        if runoff:
            row.append(_prob(c.p_advance))
        row.append(f"{_pct(c.share_final.low)} - {_pct(c.share_final.high)}")
        rows.append(row)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    fmt = lambda r: "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths)))  # noqa: E731
    lines = [result.race + (f"  (as of {result.as_of})" if result.as_of else ""), "", fmt(head), fmt(["-" * w for w in widths])]
    lines += [fmt(r) for r in rows]
    lines.append("")
    details = [f"{_pct(result.counted_fraction)} of expected votes counted", f"{result.draws:,} draws, seed {result.seed}"]
    if result.hurdle.candidate is not None:
        details.append(f"{result.hurdle.candidate} needs {_pct(result.hurdle.needs_share_of_remaining)} of the remaining votes")
    if result.hurdle.leader_needs_share_of_remaining is not None:
        details.append(f"the leader needs {_pct(result.hurdle.leader_needs_share_of_remaining)} to stay above the threshold")
    details.append(f"P(leader overtaken) {_prob(result.p_leader_overtaken)}, P(recount margin) {_prob(result.p_recount)}")
    lines += details
    lines += ["", result.call.sentence]
    return "\n".join(lines)


def _chance(result: RaceResult, c) -> str:
    """A candidate's chance as the rule reads it: elected (plurality, measure) or advancing, and outright."""
    if result.rule in ("majority", "top_two"):
        outright = f" out {_prob(c.p_outright)}" if c.p_outright else ""
        return f"adv {_prob(c.p_advance)}{outright}"
    return f"p_win {_prob(c.p_win)}"


def replay_table(replay) -> str:
    """One line per snapshot: counted share and chance of the four leading candidates, then the call."""
    lines = [replay.race, ""]
    for snap in replay.snapshots:
        cands = sorted(snap.candidates, key=lambda c: (-c.counted, c.id))[:4]
        parts = [f"{c.name} {_pct(c.share_counted)} {_chance(snap, c)}" for c in cands]
        flags = "".join(f" [{f}]" for f in snap.extra.get("flags", ()))
        lines.append(f"{snap.as_of or '-':<26} {_pct(snap.counted_fraction):>6} counted  " + "; ".join(parts)
                     + f"  | {snap.call.sentence}{flags}")
    return "\n".join(lines)
