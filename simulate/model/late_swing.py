r"""The late swing: how far the ballots counted late have turned against the leader, and the check
that no call rests on a count such a swing would overturn.

The share model (:mod:`simulate.model.lump`) draws the remaining vote's shares with a Student-t
spread fitted as the predictive spread of a new election.  A parametric tail is a smoothing of
what has happened: where a count runs in an order no fitted election ran in (in-person votes
first and absentee ballots hours later, as in Minnesota in 2020), a call at 99.5% can rest on an
outcome a count-order reversal of a size already seen elsewhere would undo.  So a call is also
checked against the reversals themselves.

The swing
    At a release of a contest with a final count, with :math:`a` the counted leader and
    :math:`b` the runner-up, the late swing against the leader is

    .. math:: s = \operatorname{logit} p - \operatorname{logit} q,

    :math:`p = c_a / (c_a + c_b)` the leader's share of the two counted so far and
    :math:`q` the same share of the ballots counted after the release (final minus counted).
    Only swings the ballot-level noise cannot explain are used: binomial standard deviation
    :math:`\sqrt{(1/L + 1/C)/(p(1-p))}` (:math:`L`, :math:`C` the two's late and counted
    votes) under :data:`MAX_NOISE`, as for the late shifts (:mod:`simulate.model.late_shift`);
    and only at releases that could be called, with at least :data:`MIN_COUNTED` of the
    contest's final vote counted (the default ``min_counted_fraction``: the first returns of a
    big contest, a few rural precincts, stray further but are never called on).

The fitted swing (:func:`fit_late_swing`)
    The largest swing of any election (:data:`LEVEL` the quantile taken per election, 1: its
    largest): a reversal the corpus has seen.  Fitted on LA County 2024 primary and general,
    North Carolina 2020 and Minnesota 2020 and 2022, it is 1.378 (Minnesota 2020's State House
    51B at 22:20 on election night: 10,576 counted, its absentee ballots then breaking three to
    one against the leader); the others' largest are 0.665 and 0.692 (LA), 0.721 (North
    Carolina) and 1.040 (Minnesota 2022).

The check (:func:`swing_needed`, :func:`overturning_swing`)
    A call's claim rests on inequalities between two groups of votes -- its last winner and
    the first loser (plurality), a share and its threshold (a measure; an outright winner's
    share of all votes; the leader's, for a runoff, staying under it), each candidate named in
    a runoff against the first outsider who would push it out.  For each, with :math:`p` the
    group's counted share of the two sides (half a vote added to each, so that a side with no
    votes yet has a finite logit), :math:`\theta` the share that flips it and :math:`f` the
    fraction of the two sides' votes counted (the remaining vote at its 90% interval's *high*
    end, shared out in proportion to the count), the final share is :math:`f p + (1 - f) q`,
    so the late share that flips it is

    .. math:: q^* = \frac{\theta - f p}{1 - f},

    and the swing needed is :math:`\operatorname{logit} p - \operatorname{logit} q^*` for a
    side above :math:`\theta` (infinite when :math:`q^* \le 0`: no late vote can flip it), the
    mirror image below.  A count whose smallest needed swing is at most the fitted swing is not
    called, whatever the simulated probability (``too_close``, saying so).
"""

from __future__ import annotations

import math

import numpy as np

from ..scenario.schema import DEFAULTS

__all__ = ["late_swings", "fit_late_swing", "swing_needed", "overturning_swing", "swing_hold", "MAX_NOISE", "LEVEL",
           "MIN_SWINGS", "MIN_COUNTED"]

#: Largest binomial standard deviation of a usable swing (as for the late shifts).
MAX_NOISE = 0.05
#: The per-election quantile of the swings taken: 1, the largest seen.
LEVEL = 1.0
#: Releases with less of the final vote counted than this are never called (the default
#: ``simulation.min_counted_fraction``), so their swings do not count.
MIN_COUNTED = DEFAULTS["simulation.min_counted_fraction"]
#: Fewest usable swings an election needs to count in the fit.
MIN_SWINGS = 20


def late_swings(scenarios) -> np.ndarray:
    """The usable late swings against the leader (module docstring) of every snapshot of every
    scenario with ``final``; a snapshot repeating the count before it adds none."""
    out = []
    for scenario in scenarios:
        if scenario.final is None:
            continue
        final = np.asarray(scenario.final.counted, dtype=float)
        previous = None
        for count in scenario.snapshots or (scenario.count,):
            if count.counted == previous:
                continue
            previous = count.counted
            swing = _swing(np.asarray(count.counted, dtype=float), final)
            if swing is not None:
                out.append(swing)
    return np.asarray(out, dtype=float)


def _swing(counted: np.ndarray, final: np.ndarray) -> float | None:
    late = final - counted
    if counted.size < 2 or (late < 0).any() or counted.sum() < MIN_COUNTED * final.sum():
        return None
    order = np.argsort(-counted, kind="stable")
    a, b = order[0], order[1]
    c, n = counted[a] + counted[b], late[a] + late[b]
    if c <= 0 or n <= 0:
        return None
    p, q = counted[a] / c, late[a] / n
    if not (0.0 < p < 1.0 and 0.0 < q < 1.0):
        return None
    if math.sqrt((1.0 / n + 1.0 / c) / (p * (1.0 - p))) >= MAX_NOISE:
        return None
    return _logit(p) - _logit(q)


def fit_late_swing(swings: dict, level: float = LEVEL) -> float:
    """The largest over elections (``{name: late_swings(...)}``) of each one's ``level`` quantile
    (by default its largest swing); elections with fewer than :data:`MIN_SWINGS` usable swings
    are left out.  Raises ``ValueError`` when none is left."""
    per = [float(np.quantile(s, level)) for s in swings.values() if len(s) >= MIN_SWINGS]
    if not per:
        raise ValueError(f"no election has {MIN_SWINGS} usable late swings")
    return round(max(max(per), 0.0), 3)


def _logit(x: float) -> float:
    return math.log(x / (1.0 - x))


def swing_needed(p: float, theta: float, f: float) -> float:
    """The late swing (logits) that takes a side with counted share ``p`` of two across
    ``theta`` when a fraction ``f`` of the two sides' votes is counted (module docstring);
    ``inf`` when no split of the late vote can."""
    if f >= 1.0:
        return math.inf
    q = (theta - f * p) / (1.0 - f)
    if p > theta:
        return math.inf if q <= 0.0 else _logit(p) - _logit(min(q, 1.0 - 1e-15))
    if p < theta:
        return math.inf if q >= 1.0 else _logit(max(q, 1e-15)) - _logit(p)
    return 0.0


def _sides(rule: str, threshold: float, counted, ids, outcome: str, members) -> list[tuple[float, float, float]]:
    """``(votes of one side, votes of both sides, share that flips it)`` of each inequality the
    claim rests on (module docstring): ``outcome`` ``winner``, ``runoff``, ``passes`` or
    ``fails``, ``members`` the ids it names (the winners; a runoff's pair, or those sure to be in
    it)."""
    c = [float(v) for v in counted]
    total = sum(c)
    if outcome in ("passes", "fails"):
        return [(c[list(ids).index("yes")], total, threshold)]
    inside = [list(ids).index(m) for m in members]
    outside = sorted((j for j in range(len(c)) if j not in inside), key=lambda j: -c[j])
    if outcome == "winner":
        if rule != "plurality":
            return [(c[inside[0]], total, threshold)]  # outright: the winner's share of all votes
        if not outside:
            return []
        weakest = min(inside, key=lambda j: c[j])  # the last winner against the first loser
        return [(c[weakest], c[weakest] + c[outside[0]], 0.5)]
    top = max(range(len(c)), key=lambda j: c[j])
    sides = [(c[top], total, threshold)]  # no one clears the threshold
    rivals = 2 - len(inside)  # outsiders that may pass a member and leave it in the runoff
    if len(outside) > rivals:
        threat = outside[rivals]
        sides += [(c[j], c[j] + c[threat], 0.5) for j in inside]
    return sides


def overturning_swing(rule: str, threshold: float, counted, ids, remaining_high: float, outcome: str,
                      members=()) -> float:
    """The smallest late swing that would undo the claim (``outcome``, ``members``: see
    :func:`_sides`), with ``remaining_high`` votes still to come shared out in proportion to the
    count (module docstring)."""
    total = float(sum(counted))
    if total <= 0 or remaining_high <= 0:
        return math.inf
    f = total / (total + remaining_high)  # each side's votes: counted / (counted + its share of the remaining)
    need = [swing_needed((v + 0.5) / (both + 1.0), theta, f)
            for v, both, theta in _sides(rule, threshold, counted, ids, outcome, members)]
    return min(need, default=math.inf)


def swing_hold(scenario, count, outcome: str, members=()) -> str | None:
    """Why the claim (``outcome``, ``members``) on ``scenario``'s ``count`` is not to be called
    whatever its probability (a late swing no larger than ``model.late_swing`` would undo it), or
    None; never with nothing left to count or with ``late_swing`` 0."""
    limit = scenario.model.late_swing
    remaining = count.remaining
    if limit <= 0.0 or (remaining.exact and remaining.estimate == 0):
        return None
    high = remaining.estimate if remaining.exact else remaining.high
    need = overturning_swing(scenario.race.rule, scenario.race.threshold, count.counted, scenario.ids, high, outcome, members)
    if need > limit:
        return None
    return (f"Too close to call: a late swing of {need:.2f} logits against the count would overturn it, "
            f"within the {limit:.2f} that late ballots have swung in past counts (model.late_swing).")
