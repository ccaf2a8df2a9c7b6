r"""Race calls: what is decided at a confidence level, with the Monte Carlo error counted against it.

A call is made only when the *lower* Wilson score bound (one-sided, 99.9%) of
the outcome's simulated probability is at or above the level, so a short run
cannot call a race on luck: with ``n`` draws that all agree the bound is about
``1 - 9.5/n``.

Repeated looks
--------------
A run with a precision target (:func:`simulate.outcome.runner.run`) looks at its
tally after each round of draws and may stop at any look, so a call could be
made at the first look where the bound happens to clear the level.  The
overall chance of a false call is kept at :data:`ALPHA` = 0.001 by spending it
across looks (a union bound): look :math:`i = 1, 2, \dots` uses the one-sided
level :math:`\alpha_i = \alpha\,2^{-i}`, i.e. :math:`z_i = \Phi^{-1}(1 - \alpha 2^{-i})`
(:func:`look_z`: 3.29, 3.48, 3.66, 3.83, ...).  Whatever rule decides when to
stop, :math:`P(\text{false call}) \le P(\bigcup_i \{\text{bound}_i \ge \text{level}\})
\le \sum_i \alpha_i < \alpha` when the true probability is at the level.
A run of a fixed number of draws looks once, with :math:`z = \Phi^{-1}(1-\alpha)`
= 3.09 (:data:`Z_CALL`).

Statuses
--------
``too_early``
    Fewer than ``min_counted_fraction`` of the expected votes are counted (or none):
    no call, however lopsided the first returns; or the count is held: corrected
    downward too recently, or resting mostly on votes published within the hour
    (:mod:`simulate.scenario.corrections`).
``called``
    The whole outcome is decided: the winner, the ``seats`` winners (their joint
    probability bounded below by Bonferroni), a runoff between two named
    candidates, or a measure passing or failing.
``runoff``
    (majority/top_two) no one will clear the threshold, but the pair is not
    settled; ``winners`` lists the candidates sure to be in the runoff.
``too_close``
    Anything else; for plurality races ``winners`` lists seats already decided.
"""

from __future__ import annotations

import math

import numpy as np

from .results import Call

ALPHA = 0.001  # overall one-sided chance of a false call when the true probability is at the level
Z_CALL = 3.090232306167813  # one-sided 99.9% normal quantile: a single look


def look_z(look: int | None) -> float:
    r"""The normal quantile of the Wilson bound at look ``look`` (1, 2, ...) of an
    adaptive run, :math:`\Phi^{-1}(1 - \alpha 2^{-look})`; ``None``: one look, :data:`Z_CALL`."""
    if look is None:
        return Z_CALL
    if look < 1:
        raise ValueError(f"looks are numbered from 1, got {look}")
    from statistics import NormalDist

    return NormalDist().inv_cdf(1.0 - ALPHA * 2.0 ** -look)


def lower_bound(p: float, n: int, z: float = Z_CALL) -> float:
    """Wilson score lower bound of a proportion ``p`` observed in ``n`` draws."""
    if n == math.inf:
        return p
    if n <= 0:
        return 0.0
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(max(p * (1 - p), 0.0) / n + z2 / (4 * n * n))
    return max((centre - spread) / (1 + z2 / n), 0.0)


def make_call(rule, seats, ids, names, tally, level, too_early, settled=False, z: float = Z_CALL) -> Call:
    """Decide the race at ``level`` from a :class:`simulate.engine.driver.Tally`.

    ``too_early``: true (or the reason, a sentence) for a ``too_early`` call.
    ``settled``: nothing is left to count, so the outcome is not a Monte Carlo
    estimate (only exact ties are random) and no error bound is subtracted.
    ``z``: the Wilson bound's normal quantile (:func:`look_z` for a look of an adaptive run).
    """
    if rule != "measure" and len(ids) <= (seats if rule == "plurality" else 1):
        who = _join(names)
        text = f"Uncontested: {who} {'is' if len(ids) == 1 else 'are'} elected unopposed."
        if all(str(n).strip().upper().replace(" ", "-") in ("WRITE-IN", "WRITE-INS") for n in names):
            text = "Uncontested: no candidate on the ballot; a write-in is elected."
        return Call("called", "winner", tuple(ids), 1.0, level, text)
    n = math.inf if settled else tally.draws
    bound = lambda p, n: lower_bound(p, n, z)  # noqa: E731
    if rule == "plurality":
        call = _plurality(seats, ids, names, tally.wins / tally.draws, n, level, bound)
    elif rule == "measure":
        call = _measure(ids, tally.wins / tally.draws, n, level, bound)
    else:
        call = _runoff(ids, names, tally, n, level, bound)
    if too_early:
        return Call("too_early", None, (), call.confidence, level,
                    too_early if isinstance(too_early, str) else "Too early to call: too little of the vote is counted.")
    if settled and call.status != "called":
        return _tied(call, rule, names, tally)
    return call


def withhold(call: Call, reason: str) -> Call:
    """``call`` (``called`` or ``runoff``) not made whatever its probability: ``too_close``,
    saying ``reason`` (:func:`simulate.model.late_swing.swing_hold`), the probability kept."""
    return Call("too_close", None, (), call.confidence, call.level, reason)


def _tied(call: Call, rule, names, tally) -> Call:
    """Nothing is left to count and still no call: an exact tie, settled only by lot or a recount."""
    d = tally.draws
    chances = tally.wins / d if rule == "plurality" else tally.advance / d
    tied = [names[j] for j in range(len(names)) if 0.0 < chances[j] < 1.0]
    if rule != "plurality" and not tied:
        tied = [names[j] for j in range(len(names)) if 0.0 < tally.outright[j] / d < 1.0]
    who = _join(tied) if tied else "the leading candidates"
    text = f"Tied: {who} finished level with nothing left to count; decided by lot or a recount."
    return Call(call.status, call.outcome, call.winners, call.confidence, call.level, text)


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%" if p < 0.999 else f"{100 * p:.2f}%" if p < 0.9999 else ">99.99%"


def _join(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _ranked(values, ids) -> list[int]:
    """Indices by value, highest first, ties by id (so candidate order never matters)."""
    return sorted(range(len(ids)), key=lambda j: (-values[j], ids[j]))


def _plurality(seats, ids, names, p, n, level, bound=lower_bound) -> Call:
    order = _ranked(p, ids)
    decided, missing_lb = [], 0.0
    for j in order[:seats]:
        gap = 1.0 - bound(p[j], n)
        if 1.0 - (missing_lb + gap) < level:
            break
        decided.append(int(j))
        missing_lb += gap
    top = list(order[:seats])
    confidence = max(1.0 - float(np.sum(1.0 - p[top])), 0.0)
    winners = tuple(ids[j] for j in decided)
    who = _join(names[j] for j in decided) if decided else ""
    if len(decided) == seats:
        conf = max(1.0 - float(np.sum(1.0 - p[decided])), 0.0)
        what = f"{who} wins" if seats == 1 else f"{who} win the {seats} seats"
        return Call("called", "winner", winners, conf, level, f"Called: {what}, {_pct(conf)} confident.")
    if decided:
        text = f"Too close to call: {len(decided)} of {seats} seats decided ({who})."
    else:
        text = f"Too close to call: {names[order[0]]} is favoured, with a {_pct(p[order[0]])} chance." if seats == 1 else \
            "Too close to call: no seat decided yet."
    return Call("too_close", None, winners, confidence, level, text)


def _measure(ids, p, n, level, bound=lower_bound) -> Call:
    yes = ids.index("yes")
    p_pass = float(p[yes])
    if bound(p_pass, n) >= level:
        return Call("called", "passes", ("yes",), p_pass, level, f"Called: the measure passes, {_pct(p_pass)} confident.")
    if bound(1 - p_pass, n) >= level:
        return Call("called", "fails", ("no",), 1 - p_pass, level, f"Called: the measure fails, {_pct(1 - p_pass)} confident.")
    return Call("too_close", None, (), max(p_pass, 1 - p_pass), level,
                f"Too close to call: the measure passes with a {_pct(p_pass)} chance.")


def _runoff(ids, names, tally, n, level, bound=lower_bound) -> Call:
    d = tally.draws
    outright = tally.outright / d
    best = _ranked(outright, ids)[0]
    if bound(outright[best], n) >= level:
        p = float(outright[best])
        return Call("called", "winner", (ids[best],), p, level, f"Called: {names[best]} wins outright, {_pct(p)} confident.")
    if len(ids) < 2:  # a lone candidate: no runoff pair exists, only the bound stood in the way
        p = float(outright[best])
        return Call("too_close", None, (), p, level, f"Too close to call: {names[best]} wins outright with a {_pct(p)} chance.")
    pairs = tally.pairs / d
    a, b = min(zip(*np.triu_indices(len(ids), 1)), key=lambda ab: (-pairs[ab], ids[ab[0]], ids[ab[1]]))
    in_runoff = (tally.advance - tally.outright) / d
    first, second = sorted((int(a), int(b)), key=lambda j: (-in_runoff[j], ids[j]))
    p_pair = float(pairs[a, b])
    if bound(p_pair, n) >= level:
        return Call("called", "runoff", (ids[first], ids[second]), p_pair, level,
                    f"Runoff: {names[first]} vs {names[second]}, {_pct(p_pair)} confident.")
    p_runoff = tally.runoffs / d
    if bound(p_runoff, n) >= level:
        sure = [j for j in _ranked(in_runoff, ids) if bound(in_runoff[j], n) >= level]
        who = f"{_join(names[j] for j in sure)} in it, second place still open" if sure else "both places still open"
        return Call("runoff", "runoff", tuple(ids[j] for j in sure), p_runoff, level,
                    f"Runoff, {_pct(p_runoff)} confident: {who}.")
    confidence = max(float(outright[best]), p_pair)
    if outright[best] >= p_pair:
        text = f"Too close to call: {names[best]} wins outright with a {_pct(outright[best])} chance, a runoff {_pct(p_runoff)}."
    else:
        text = f"Too close to call: a runoff ({_pct(p_runoff)}), most likely {names[first]} vs {names[second]}."
    return Call("too_close", None, (), confidence, level, text)
