"""Plain-text rendering of results for the terminal: one race's table, a summary of many, a replay.

Wording rules: a candidate *leads* only when ahead in counted votes; chances are
about who *is favoured*.  The hurdle names both candidates and says plainly when
even every remaining ballot would not be enough.  P(leader overtaken) is shown
only for single-winner races between candidates (not for vote-for-N races or
measures, where "the leader" decides nothing).  Names are printed with control
characters (terminal escape codes) replaced.
"""

from __future__ import annotations

import csv
import io
import re

from ..outcome.results import RaceResult

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text) -> str:
    """``text`` with control characters (escape codes, newlines) shown as ``?``: safe on a terminal."""
    return _CONTROL.sub("?", str(text))


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


def seats(result: RaceResult) -> int:
    """Seats of a plurality race (each draw elects exactly that many: the chances add up to it); else 1."""
    if result.rule != "plurality":
        return 1
    return max(1, round(sum(c.p_win for c in result.candidates)))


def remaining(result: RaceResult, scenario=None) -> dict | None:
    """The remaining ballots as the model used them: the result's own ``remaining``, else the scenario's."""
    data = getattr(result, "remaining", None)
    if data is None:
        data = result.extra.get("remaining")
    if data is None and scenario is not None:
        r = scenario.count.remaining
        data = {"estimate": r.estimate, "low": r.low, "high": r.high}
    if data is not None and not isinstance(data, dict):
        data = {"estimate": data.estimate, "low": data.low, "high": data.high}
    return data


def ballots_left(result: RaceResult, scenario=None) -> str:
    r = remaining(result, scenario)
    if r is None:
        return "-"
    if r.get("low") is None or r.get("high") is None:
        return f"{r['estimate']:,}"
    return f"{r['estimate']:,} ({r['low']:,}-{r['high']:,})"


def hurdle_sentence(result: RaceResult) -> str | None:
    """What the trailing side needs, in words, naming the candidates."""
    h = result.hurdle
    if h.candidate is None or h.needs_share_of_remaining is None:
        return None
    names = {c.id: clean(c.name) for c in result.candidates}
    needs = h.needs_share_of_remaining
    if result.rule == "measure":
        side = "yes" if h.candidate == "yes" else "no"
        goal = "to pass it" if side == "yes" else "to defeat it"
        if needs > 1:
            return f"Even every remaining vote for {side} would not be enough {goal}."
        return f"{side.capitalize()} needs {_pct(max(needs, 0.0))} of the remaining votes {goal}."
    ranked = sorted(result.candidates, key=lambda c: (-c.counted, c.id))
    k = seats(result)
    target = ranked[k - 1].id if len(ranked) >= k else None
    who, whom = names[h.candidate], names.get(target, "the leader")
    where = f"pass {whom}" if k == 1 else f"pass {whom} for the last of the {k} seats"
    if needs > 1:
        return f"Even every remaining vote would not be enough for {who} to {where}."
    return f"{who} needs {_pct(max(needs, 0.0))} of the remaining votes to {where}."


def leader_sentence(result: RaceResult) -> str | None:
    h = result.hurdle
    if h.leader_needs_share_of_remaining is None or result.leader is None:
        return None
    name = clean(result.candidate(result.leader).name)
    need = h.leader_needs_share_of_remaining
    if need <= 0:
        return f"{name} stays above the threshold whatever the remaining votes do."
    return f"{name} needs {_pct(need)} of the remaining votes to stay above the threshold."


def race_table(result: RaceResult, scenario=None) -> str:
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
        row = [clean(c.name), f"{c.counted:,}", _pct(c.share_counted), _prob(c.p_win)]
        if runoff or result.rule == "measure":
            row.append(_prob(c.p_outright))
        if runoff:
            row.append(_prob(c.p_advance))
        row.append(f"{_pct(c.share_final.low)} - {_pct(c.share_final.high)}")
        rows.append(row)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    fmt = lambda r: "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths)))  # noqa: E731
    lines = [clean(result.race) + (f"  (as of {result.as_of})" if result.as_of else ""), "", fmt(head), fmt(["-" * w for w in widths])]
    lines += [fmt(r) for r in rows]
    lines.append("")
    lines.append(f"{_pct(result.counted_fraction)} of expected votes counted; ballots left {ballots_left(result, scenario)}; "
                 f"{result.draws:,} draws, seed {result.seed}")
    lines += [s for s in (hurdle_sentence(result), leader_sentence(result)) if s]
    chances = []
    if result.rule != "measure" and seats(result) == 1 and len(result.candidates) > 1:
        chances.append(f"P(leader overtaken) {_prob(result.p_leader_overtaken)}")
    if len(result.candidates) > 1:
        chances.append(f"P(recount margin) {_prob(result.p_recount)}")
    if chances:
        lines.append(", ".join(chances))
    lines += ["", clean(result.call.sentence)]
    return "\n".join(lines)


def favourite(result: RaceResult) -> tuple[str, float]:
    """The most likely outcome and its chance: a candidate; for majority/top_two a candidate outright or
    a runoff; for N seats the N leading candidates together (the call's Bonferroni bound); yes or no."""
    if result.rule == "measure":
        yes = result.candidate("yes").p_outright
        return ("yes", yes) if yes >= 0.5 else ("no", 1 - yes)
    if result.rule in ("majority", "top_two"):
        best = max(result.candidates, key=lambda c: (c.p_outright, c.counted))
        if result.p_runoff is not None and result.p_runoff > best.p_outright:
            return "runoff", result.p_runoff
        return f"{clean(best.name)} outright", best.p_outright
    k = seats(result)
    if k > 1:
        return f"these {k} seats", result.call.confidence
    best = max(result.candidates, key=lambda c: (c.p_win, c.counted))
    return clean(best.name), best.p_win


def _summary_rows(results, scenarios):
    for r, s in zip(results, scenarios):
        leader = clean(r.candidate(r.leader).name) if r.leader else "-"
        fav, p = favourite(r)
        yield [clean(r.race), leader, _pct(r.counted_fraction, 0), ballots_left(r, s), f"{fav} {_prob(p)}",
               r.call.status.replace("_", " "), clean(r.call.sentence)]


def summary_table(results, scenarios) -> str:
    """One line per contest: contest, leader, counted, ballots left, the favourite's chance, status, call."""
    head = ["contest", "leader", "counted", "ballots left", "favourite", "status", "call"]
    rows = list(_summary_rows(results, scenarios))
    cut = lambda v, n: v if len(v) <= n else v[: n - 1] + "…"  # noqa: E731
    rows = [[cut(r[0], 48), cut(r[1], 24), r[2], r[3], cut(r[4], 32), r[5], r[6]] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head[:-1])]
    fmt = lambda r: "  ".join(v.ljust(w) if i in (0, 1, 4, 5) else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths))) + "  " + r[-1]  # noqa: E731
    called = sum(r.call.status == "called" for r in results)
    lines = [fmt(head), fmt(["-" * w for w in widths] + ["-" * 4]), *(fmt(r) for r in rows), "",
             f"{len(results)} contests: {called} called, {len(results) - called} not called."]
    return "\n".join(lines)


def summary_csv(results, scenarios, files) -> str:
    """One CSV row per contest (the summary's fields, as numbers)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["file", "contest", "rule", "as_of", "leader", "counted_fraction", "remaining", "remaining_low",
                "remaining_high", "favourite", "favourite_chance", "status", "outcome", "winners", "confidence", "call"])
    for r, s, f in zip(results, scenarios, files):
        rem = remaining(r, s) or {}
        fav, p = favourite(r)
        w.writerow([str(f), r.race, r.rule, r.as_of or "", r.leader or "", round(r.counted_fraction, 6),
                     rem.get("estimate", ""), rem.get("low") if rem.get("low") is not None else "",
                     rem.get("high") if rem.get("high") is not None else "", fav, round(p, 6), r.call.status,
                     r.call.outcome or "", " ".join(r.call.winners), round(r.call.confidence, 6), r.call.sentence])
    return out.getvalue()


def _chance(result: RaceResult, c) -> str:
    """A candidate's chance as the rule reads it: elected (plurality, measure) or advancing, and outright."""
    if result.rule in ("majority", "top_two"):
        outright = f" out {_prob(c.p_outright)}" if c.p_outright else ""
        return f"adv {_prob(c.p_advance)}{outright}"
    return f"p_win {_prob(c.p_win)}"


def replay_table(replay) -> str:
    """One line per snapshot: counted share and chance of the four leading candidates, then the call."""
    lines = [clean(replay.race), ""]
    for snap in replay.snapshots:
        cands = sorted(snap.candidates, key=lambda c: (-c.counted, c.id))[:4]
        parts = [f"{clean(c.name)} {_pct(c.share_counted)} {_chance(snap, c)}" for c in cands]
        flags = "".join(f" [{f}]" for f in snap.extra.get("flags", ()))
        lines.append(f"{snap.as_of or '-':<26} {_pct(snap.counted_fraction):>6} counted  " + "; ".join(parts)
                     + f"  | {clean(snap.call.sentence)}{flags}")
    return "\n".join(lines)
