r"""Calls that stay made: the call standing after each release of a count, and when it is retracted.

A decision desk that calls a race does not drop the call at the next release
because the probability dipped from 0.996 to 0.993, and never silently.  The
rule, applied release by release by :func:`advance` (in replays, backtests and
live runs alike):

Entry
    A race is called when a release's own call (:func:`simulate.outcome.calls.make_call`)
    is ``called`` or ``runoff`` -- the outcome's probability, less its Monte Carlo
    bound, at or above the call level.  ``entry`` (optional) raises the bar: the
    call must also have ``confidence >= entry(counted_fraction)``.
Standing
    Once made, the call stands while its probability under the latest release
    (:func:`probability`; computed from the release's reported probabilities,
    no Monte Carlo bound) stays at or above the retraction level
    :math:`\min(\text{retract\_level}, \text{level})`, the call's own level capping
    it.  The release's own status does not matter: a ``too_close`` or
    ``too_early`` release leaves a call standing if its probability holds.
Retraction (event ``"retracted"``)
    The standing call is dropped when its probability falls below the retraction
    level, or when the release claims something incompatible with it
    (:func:`compatible`: "A wins" then "B wins", "runoff, A in it" then "A wins
    outright").  When the release itself makes a new call, that call stands
    from then on; otherwise no call stands.  A retraction is meant to be loud:
    callers flag it, name the race and the release, and count it.
Change (event ``"changed"``)
    A standing call is replaced by a compatible, different call of the release:
    a refinement ("runoff, A in it" then "runoff: A vs B") -- never a reversal.

Probability of a standing call under a result ``r`` (:func:`probability`)
    ``winner`` of a plurality race with winners :math:`W`: the Bonferroni bound
    :math:`1 - \sum_{k\in W}(1 - p_{\text{win},k})` (clipped at 0); ``winner`` of a
    majority/top_two race: :math:`p_{\text{outright}}` of the winner; ``passes`` /
    ``fails``: :math:`P(\text{yes passes})` / its complement; a runoff between
    exactly A and B: that pair's probability in ``runoff_pairs``; a runoff with
    the members :math:`M` sure of a place (status ``runoff``):
    :math:`1 - (1 - p_{\text{runoff}}) - \sum_{k\in M}(1 - p_{\text{in runoff},k})`,
    with :math:`p_{\text{in runoff},k} = p_{\text{advance},k} - p_{\text{outright},k}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..outcome.results import RaceResult

#: Default retraction level: a standing call is dropped when its probability falls below it.
RETRACT_LEVEL = 0.98

CALLED = "called"
RETRACTED = "retracted"
CHANGED = "changed"


@dataclass(frozen=True)
class Claim:
    """What a call says about the final outcome.

    ``kind``: winner | runoff | passes | fails; ``members``: the ids named;
    ``exact``: whether ``members`` is the whole outcome (else: members sure of a
    place); ``places``: size of an exact outcome of this kind, when known.
    """

    kind: str
    members: frozenset
    exact: bool
    places: int | None


def compatible(a: Claim, b: Claim) -> bool:
    """Whether some final outcome satisfies both claims.

    The same kind of outcome, and: when both are exact, the same set; when one
    is, the other's set inside it; when neither is, their union no larger than
    the number of places (when known).
    """
    if a.kind != b.kind:
        return False
    if a.exact and b.exact:
        return a.members == b.members
    if a.exact or b.exact:
        exact, partial = (a, b) if a.exact else (b, a)
        return partial.members <= exact.members
    places = a.places if a.places is not None else b.places
    return places is None or len(a.members | b.members) <= places


def claim_of(status: str, outcome: str | None, winners, rule: str, seats: int | None = None) -> Claim | None:
    """The claim made by a call (its ``status``, ``outcome``, ``winners``), or ``None``.

    ``called``: exactly ``winners`` (the winner(s), the runoff pair, yes/no);
    ``runoff``: a runoff with ``winners`` in it; ``too_close`` of a plurality race
    with ``winners``: those seats decided (of ``seats``); anything else claims nothing.
    """
    members = frozenset(winners)
    if status == "called":
        return Claim(outcome, members, True, len(members))
    if status == "runoff":
        return Claim("runoff", members, False, 2)
    if status == "too_close" and rule == "plurality" and members:
        return Claim("winner", members, False, seats)
    return None


@dataclass(frozen=True)
class StandingCall:
    """A call that stands: made at release ``release`` (0-based) dated ``as_of``.

    ``status`` (``called`` or ``runoff``), ``outcome``, ``winners`` and ``level``
    are those of the call when it was made; ``confidence`` is its probability
    under the latest release (:func:`probability`).
    """

    status: str
    outcome: str | None
    winners: tuple[str, ...]
    confidence: float
    level: float
    as_of: str | None
    release: int

    def claim(self) -> Claim:
        return claim_of(self.status, self.outcome, self.winners, "")


def probability(standing: StandingCall, result: RaceResult) -> float:
    """The probability of ``standing``'s claim under ``result`` (see the module docstring)."""
    cands = {c.id: c for c in result.candidates}
    members = [w for w in standing.winners if w in cands]
    if len(members) != len(standing.winners):
        return 0.0
    if standing.outcome in ("passes", "fails"):
        yes = cands["yes"]
        p_pass = yes.p_outright if yes.p_outright is not None else yes.p_win
        return float(p_pass if standing.outcome == "passes" else 1.0 - p_pass)
    if standing.status == "called" and standing.outcome == "winner":
        if result.rule == "plurality":
            return max(1.0 - sum(1.0 - cands[w].p_win for w in members), 0.0)
        return float(cands[members[0]].p_outright)
    if standing.status == "called":  # a runoff between exactly two
        pair = frozenset(members)
        return float(sum(p for a, b, p in result.runoff_pairs if frozenset((a, b)) == pair))
    p_runoff = result.p_runoff or 0.0
    missing = (1.0 - p_runoff) + sum(1.0 - (cands[w].p_advance - cands[w].p_outright) for w in members)
    return max(1.0 - missing, 0.0)


def _new_call(result: RaceResult, release: int, entry) -> StandingCall | None:
    call = result.call
    if call.status not in ("called", "runoff"):
        return None
    if entry is not None and call.confidence < entry(result.counted_fraction):
        return None
    return StandingCall(call.status, call.outcome, tuple(call.winners), float(call.confidence), float(call.level),
                        result.as_of, int(release))


def advance(standing: StandingCall | None, result: RaceResult, release: int, *, retract_level: float = RETRACT_LEVEL,
            entry: Callable[[float], float] | None = None, seats: int | None = None) -> tuple[StandingCall | None, str | None]:
    """The call standing after release ``release`` (``result``), and what happened.

    Parameters
    ----------
    standing : StandingCall or None
        The call standing before this release (``None``: the race is not called).
    result : RaceResult
        This release's simulation.
    release : int
        This release's index (0-based), recorded in a new call.
    retract_level : float
        A standing call whose probability falls below ``min(retract_level, level)`` is retracted.
    entry : callable, optional
        ``entry(counted_fraction)``: the least confidence a new call needs (on top of the
        release's own call); ``None``: the release's call alone decides.
    seats : int, optional
        The plurality race's seats, to read a ``too_close`` call's decided seats.

    Returns
    -------
    (StandingCall or None, str or None)
        The call that stands now, and the event: ``None`` (nothing changed),
        ``"called"``, ``"retracted"`` or ``"changed"``.
    """
    fresh = _new_call(result, release, entry)
    if standing is None:
        return (fresh, CALLED) if fresh is not None else (None, None)
    mine = standing.claim()
    theirs = claim_of(result.call.status, result.call.outcome, result.call.winners, result.rule, seats)
    if theirs is not None and not compatible(mine, theirs):
        return fresh, RETRACTED
    p = probability(standing, result)
    if p < min(retract_level, standing.level):
        return None, RETRACTED
    if fresh is not None and (fresh.status, fresh.outcome, frozenset(fresh.winners)) != \
            (standing.status, standing.outcome, frozenset(standing.winners)):
        return fresh, CHANGED
    return StandingCall(standing.status, standing.outcome, standing.winners, p, standing.level,
                        standing.as_of, standing.release), None


def follow(results, *, retract_level: float = RETRACT_LEVEL, entry=None, seats: int | None = None):
    """:func:`advance` over a count's releases in order: the (standing call, event) after each."""
    standing, out = None, []
    for i, result in enumerate(results):
        standing, event = advance(standing, result, i, retract_level=retract_level, entry=entry, seats=seats)
        out.append((standing, event))
    return tuple(out)


#: Why a release's own call was not made again while a call stood (:func:`withdrawal_cause`).
CAUSES = ("held", "late_swing", "monte_carlo", "below_level")


def withdrawal_cause(result, probability: float) -> str:
    """Why ``result``'s release did not make the call again, ``probability`` the call's under it:
    ``held`` (``too_early``: too little counted, or a hold on a corrected or fresh count),
    ``late_swing`` (the probability at the level, but a late swing no larger than
    ``model.late_swing`` would overturn the count: :mod:`simulate.model.late_swing`),
    ``monte_carlo`` (the probability still at the level, withheld only by the bound on the
    simulation's error: more draws would make it) or ``below_level`` (it fell under the level;
    the call stands above the retraction level all the same)."""
    if result.call.status == "too_early":
        return "held"
    if probability < result.call.level:
        return "below_level"
    return "late_swing" if result.extra.get("late_swing_check") else "monte_carlo"
