"""Frozen dataclasses describing a race: what the loader produces and the engine consumes."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

RULES = ("plurality", "majority", "top_two", "measure")


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str


@dataclass(frozen=True)
class Remaining:
    """Votes in this race not yet counted.

    ``low``/``high`` bound a 90% interval; when both are ``None`` the estimate
    is taken as exact.
    """

    estimate: int
    low: int | None = None
    high: int | None = None

    @property
    def exact(self) -> bool:
        return self.low is None


@dataclass(frozen=True)
class Unit:
    """One stratum of the count: a county, precinct, vote type or county x vote type."""

    id: str
    type: str
    counted: tuple[int, ...]
    remaining: Remaining
    baseline: tuple[float, ...] | None = None  # shares in a comparable past election


@dataclass(frozen=True)
class Count:
    """The count at one moment: votes counted per candidate (in candidate order).

    With ``units``, ``counted`` and ``remaining.estimate`` are their sums (and
    ``remaining.low``/``high`` the sums of theirs, for display only).
    ``corrected``: when this count was last corrected downward (a candidate's votes
    fell from one release to the next), as the ``as_of`` of that release; ``None``:
    never (:mod:`simulate.scenario.corrections`). ``fresh_votes``: the votes added within
    ``simulation.fresh_hold_hours`` before this count (``None``: not known).
    """

    as_of: str | None
    counted: tuple[int, ...]
    remaining: Remaining
    units: tuple[Unit, ...] = ()
    corrected: str | None = None
    fresh_votes: int | None = None  # votes added within simulation.fresh_hold_hours (None: unknown)


@dataclass(frozen=True)
class Race:
    """How the race is decided.  ``threshold`` is the share to beat (strictly more);
    ``threshold_exact`` is the same share as the scenario wrote it, exactly (2/3, 11/20
    for ``0.55``), when known -- ``None`` for a race built in code."""

    name: str
    date: str | None
    rule: str
    threshold: float
    seats: int
    recount_margin: float
    threshold_exact: Fraction | None = None


@dataclass(frozen=True)
class Prior:
    """Shares expected before the count (last comparable election, polls), and how far off they may be."""

    shares: tuple[float, ...]
    uncertainty: float


@dataclass(frozen=True)
class Model:
    """How the remaining vote may split (see :mod:`simulate.model.lump` and :mod:`simulate.model.units`)."""

    shift: tuple[float, ...]
    uncertainty: float
    tail_df: float  # 0 means normal errors; otherwise Student-t with this many degrees of freedom
    early_count: float  # f0: the spread grows by sqrt(1 + f0 / counted fraction)
    type_uncertainty: float
    unit_uncertainty: float
    unit_prior_ballots: float
    prior: Prior | None  # defaults: simulate.scenario.schema.DEFAULTS, applied by the loader
    unit_count_bias: float = 0.0  # kappa of simulate.model.unit_weighting; 0: the own count at full weight
    late_swing: float = 0.0  # no call a late swing this large (logits) would overturn: simulate.model.late_swing; 0: off


@dataclass(frozen=True)
class Simulation:
    draws: int
    seed: int
    call_confidence: float
    min_counted_fraction: float
    precision: float | None = None
    max_draws: int = 100_000_000
    correction_hold_hours: float = 24.0  # no call until a corrected count has stood this long
    fresh_hold_hours: float = 1.0  # votes younger than this do not decide a call alone


@dataclass(frozen=True)
class Scenario:
    source: str
    race: Race
    candidates: tuple[Candidate, ...]
    count: Count
    model: Model
    simulation: Simulation
    snapshots: tuple[Count, ...] = ()
    final: Count | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.candidates)

    def at(self, count: Count) -> "Scenario":
        """The same race with another count in place of ``count`` (used by replay)."""
        from dataclasses import replace

        return replace(self, count=count)
