"""A calibration pooled over elections, validated by leaving one election out at a time.

One county's count runs in one order; the defaults must hold where counts run
in another.  So the model's settings are chosen on several *elections* (count
histories of different places and years) at once, each weighing the same
whatever its number of contests:

* every grid point (``uncertainty``, ``tail_df``, ``early_count``) is
  backtested on every election, with the same seeds;
* a point is *admissible* on a set of elections when on each of them it makes
  no wrong call, no wrongly decided seat, no wrong near call and no retracted
  call, and its 90% final-share intervals hold the final share at least
  ``min_coverage`` of the time;
* among the admissible points the one with the lowest mean, over the
  elections, of the per-election score (log loss or Brier) is chosen; if none
  is admissible, the one with the fewest failures (then the lowest score), and
  the fit says ``feasible: false``.

Leaving one election out costs no extra simulation: the choice for the fold
that holds election *e* out uses only the other elections' backtests, and
*e*'s figures at the chosen point are already computed.  :func:`pooled_fit`
returns the pooled choice (all elections) and every fold's held-out figures.

:func:`pooled_shift_fit` fits the same settings without a grid, from the late
shifts themselves (:mod:`simulate.model.late_shift_fit`: one scale per
election, and the defaults as the predictive spread for an election not seen
yet); each fold is fitted on the other elections' shifts and backtested on the
one left out, the pooled fit on all of them is the calibration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product
from typing import Callable, Sequence

from ..errors import RacecallError
from ..scenario.calibration_file import Calibration, check_overrides
from .backtest import DEFAULT_DRAWS, BacktestReport, backtest


@dataclass(frozen=True)
class Election:
    """A count history: its name (``la-2024-general``) and scenarios with snapshots and ``final``."""

    name: str
    scenarios: tuple


@dataclass(frozen=True)
class Figures:
    """One election's backtest figures at one grid point."""

    brier: float
    brier_naive: float | None
    log_loss: float
    ece: float
    coverage90: float
    predictions: int
    calls: int
    failures: int  # wrong calls, seats and near calls; standing calls that were wrong or retracted
    called_by_release: tuple[float, ...]
    called_by_day: tuple[tuple[str, float], ...] = ()

    @classmethod
    def of(cls, report: BacktestReport) -> "Figures":
        failures = (len(report.wrong_calls) + len(report.wrong_seats) + len(report.wrong_near_calls)
                    + len(report.wrong_standing) + len(report.retracted))
        return cls(report.brier, report.brier_naive, report.log_loss, report.ece, report.coverage90,
                   report.predictions, report.calls, failures, tuple(report.called_by_release),
                   tuple(report.standing_called_by_day))

    def to_dict(self) -> dict:
        r = lambda x: None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)  # noqa: E731
        return {"brier": r(self.brier), "brier_naive": r(self.brier_naive), "log_loss": r(self.log_loss),
                "ece": r(self.ece), "coverage90": r(self.coverage90), "predictions": self.predictions,
                "calls": self.calls, "failures": self.failures,
                "called_by_release": [r(x) for x in self.called_by_release],
                "called_by_day": [{"by": label, "called": r(x)} for label, x in self.called_by_day]}


@dataclass(frozen=True)
class Point:
    """A grid point and its figures on every election."""

    overrides: dict
    figures: dict  # election name -> Figures

    def key(self, names: Sequence[str], criterion: str, min_coverage: float | None) -> tuple:
        """Sort key: admissible first, then fewest failures, then the mean score over ``names``."""
        figs = [self.figures[n] for n in names]
        failures = sum(f.failures for f in figs)
        short = sum(min_coverage is not None and not (f.coverage90 >= min_coverage) for f in figs)
        score = sum(getattr(f, criterion) for f in figs) / len(figs)
        return (failures > 0 or short > 0, failures, short, score)


@dataclass(frozen=True)
class Fold:
    """Election ``held_out`` scored at the point chosen on the others."""

    held_out: str
    chosen: dict
    feasible: bool
    figures: Figures

    def to_dict(self) -> dict:
        return {"held_out": self.held_out, "chosen": dict(self.chosen), "feasible": self.feasible,
                **self.figures.to_dict()}


@dataclass(frozen=True)
class PooledFit:
    calibration: Calibration
    points: tuple[Point, ...]
    folds: tuple[Fold, ...]

    def to_dict(self) -> dict:
        return {"calibration": self.calibration.to_dict(), "folds": [f.to_dict() for f in self.folds],
                "grid": [{**p.overrides, **{n: f.to_dict() for n, f in p.figures.items()}} for p in self.points]}


def pooled_shift_fit(elections: Sequence[Election], *, draws: int = DEFAULT_DRAWS, seed: int = 0,
                     call_confidence: float = 0.995, workers: int | None = None, scheduler=None,
                     score_pooled: bool = False, backtest_folds: bool = True,
                     progress: Callable[[dict], None] | None = None):
    """The late-shift fit (module docstring): ``(calibration, folds, shift fit on all)``.

    ``score_pooled`` also backtests every election at the pooled fit (the calibration's
    ``metrics``; in-sample figures, for comparison with the held-out ones);
    ``backtest_folds`` False fits only; the folds are empty then, and with fewer than three
    elections (a fold fits on the others, and a fit needs two)."""
    from ..model.late_shift_fit import fit_elections, shift_records
    from ..model.late_swing import fit_late_swing, late_swings

    names = [e.name for e in elections]
    if len(set(names)) != len(names) or len(names) < 2:
        raise RacecallError(f"a late-shift fit needs at least two elections with distinct names, got {names}")
    records = {e.name: shift_records(e.scenarios) for e in elections}
    swings = {e.name: late_swings(e.scenarios) for e in elections}
    try:
        fits = {None: _Fitted(fit_elections(records), fit_late_swing(swings))}
        for held in names if len(names) >= 3 and backtest_folds else ():  # a fold fits on two or more
            fits[held] = _Fitted(fit_elections({n: r for n, r in records.items() if n != held}),
                                   fit_late_swing({n: s for n, s in swings.items() if n != held}))
    except ValueError as exc:
        raise RacecallError(f"cannot fit the late shifts: {exc}") from None

    def figures(e: Election, fit) -> Figures:
        overrides = check_overrides(fit.overrides)
        report = backtest(e.scenarios, draws=draws, seed=seed, call_confidence=call_confidence,
                          model_overrides=overrides, workers=workers, naive=True, scheduler=scheduler)
        out = Figures.of(report)
        if progress is not None:
            progress({"election": e.name, **overrides, **out.to_dict()})
        return out

    folds = tuple(Fold(e.name, fits[e.name].overrides, True, figures(e, fits[e.name]))
                  for e in elections if e.name in fits)
    metrics = {e.name: figures(e, fits[None]).to_dict() for e in elections} if score_pooled else {}
    pooled = fits[None].shifts
    calibration = Calibration(
        uncertainty=pooled.uncertainty, tail_df=pooled.tail_df, early_count=pooled.early_count,
        late_swing=fits[None].late_swing,
        fitted_on=tuple(names), criterion="late-shift likelihood", call_confidence=call_confidence, min_coverage=None,
        draws=draws, seed=seed, tail_df_from=(f"predictive Student-t of a new election: within-election tail_df "
                                              f"{pooled.within_tail_df:g}, election scales "
                                              + ", ".join(f"{n} {u:.4f}" for n, u in pooled.scales.items())),
        feasible=bool(folds) and all(f.figures.failures == 0 for f in folds), metrics=metrics)
    return calibration, folds, pooled


@dataclass(frozen=True)
class _Fitted:
    """A fold's settings: the late-shift fit and the late swing (:mod:`simulate.model.late_swing`)."""

    shifts: object  # simulate.model.late_shift_fit.ShiftFit
    late_swing: float

    @property
    def overrides(self) -> dict:
        s = self.shifts
        return {"uncertainty": s.uncertainty, "tail_df": s.tail_df, "early_count": s.early_count,
                "late_swing": self.late_swing}


def grid_points(uncertainties, tail_dfs, early_counts) -> list[dict]:
    """Every combination, as checked model overrides."""
    return [check_overrides({"uncertainty": u, "tail_df": t, "early_count": e})
            for e, t, u in product(early_counts, tail_dfs, uncertainties)]


def choose(points: Sequence[Point], names: Sequence[str], criterion: str, min_coverage: float | None) -> tuple[Point, bool]:
    """The best point on the elections ``names``, and whether it is admissible there."""
    best = min(points, key=lambda p: p.key(names, criterion, min_coverage))
    return best, not best.key(names, criterion, min_coverage)[0]


def pooled_fit(elections: Sequence[Election], *, uncertainties, tail_dfs, early_counts, criterion: str = "log_loss",
               draws: int = DEFAULT_DRAWS, seed: int = 0, call_confidence: float = 0.995,
               min_coverage: float | None = 0.88, workers: int | None = None, scheduler=None,
               progress: Callable[[dict], None] | None = None) -> PooledFit:
    """Backtest every grid point on every election; the pooled choice and the leave-one-out folds."""
    if criterion not in ("log_loss", "brier"):
        raise RacecallError(f"criterion must be log_loss or brier, got {criterion!r}")
    names = [e.name for e in elections]
    if len(set(names)) != len(names) or not names:
        raise RacecallError(f"elections need distinct names, got {names}")
    points = []
    for overrides in grid_points(uncertainties, tail_dfs, early_counts):
        figures = {}
        for e in elections:
            report = backtest(e.scenarios, draws=draws, seed=seed, call_confidence=call_confidence,
                              model_overrides=overrides, workers=workers, naive=True, scheduler=scheduler)
            figures[e.name] = Figures.of(report)
        points.append(Point(overrides, figures))
        if progress is not None:
            progress({**overrides, **{n: f.to_dict() for n, f in figures.items()}})
    folds = []
    if len(names) > 1:
        for held in names:
            chosen, feasible = choose(points, [n for n in names if n != held], criterion, min_coverage)
            folds.append(Fold(held, chosen.overrides, feasible, chosen.figures[held]))
    best, feasible = choose(points, names, criterion, min_coverage)
    calibration = Calibration(
        uncertainty=best.overrides["uncertainty"], tail_df=best.overrides["tail_df"],
        early_count=best.overrides.get("early_count"), fitted_on=tuple(names), criterion=criterion,
        call_confidence=call_confidence, min_coverage=min_coverage, draws=draws, seed=seed, tail_df_from=None,
        feasible=feasible, metrics={n: f.to_dict() for n, f in best.figures.items()},
        grid=tuple({**p.overrides, "score": round(p.key(names, criterion, min_coverage)[3], 6),
                    "failures": p.key(names, criterion, min_coverage)[1]} for p in points))
    return PooledFit(calibration, tuple(points), tuple(folds))
