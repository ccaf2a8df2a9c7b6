"""Fit the model's default ``uncertainty``, ``tail_df`` (and ``early_count``) on count histories with known results.

Two stages.  The tails first, by the method of moments: ``tail_df`` is the
Student-t whose kurtosis matches that of the late shifts pooled over the
history (:mod:`simulate.model.late_shift`) -- a moment the backtest's scores barely
see (the log loss is nearly flat in ``tail_df``) but that decides how often a
"safe" lead is overturned.  Then the scale: :func:`calibrate` runs :func:`simulate.history.backtest.backtest` at every point of a
grid and keeps the point with the lowest log loss (or Brier score) among those
that make no wrong call at the call level -- neither a wrong ``called`` /
``runoff`` call, nor a wrongly decided seat, nor a wrong *near call* (one a run
with a million draws would make: see :mod:`simulate.history.backtest`; without it the
constraint would hinge on Monte Carlo luck at 20,000 draws) -- and whose 90%
final-share intervals contain the final share at least ``min_coverage`` of the
time (default 0.88: nominal 0.90 less a margin for a history's own noise).  If no
point qualifies, the point with the fewest wrong calls (then the lowest score)
is kept and the file says ``feasible: false``.

Why ``min_coverage``: the probabilities scored are mostly of candidates far
from the decision, so the lowest log loss can come from a spread too narrow for
the shares (coverage well under 90%) kept out of wrong calls by heavy tails.

The result is written as a calibration file (:mod:`simulate.scenario.calibration_file`),
which ``racecall backtest --calibration FILE`` and a scenario's
``model.calibration`` read.  ``early_count`` is only searched when a grid for
it is given (the default keeps each scenario's).  ``late_swing`` is the history's own
(:func:`simulate.model.late_swing.fit_late_swing` on its late swings alone), used at every
grid point; with fewer than 20 usable swings each scenario keeps its own.
"""

from __future__ import annotations

import math

from ..errors import RacecallError
from ..scenario.calibration_file import Calibration, check_overrides
from .backtest import DEFAULT_DRAWS, BacktestReport, backtest

UNCERTAINTY_GRID = tuple(round(0.02 + 0.01 * i, 2) for i in range(9))  # 0.02 .. 0.10
TAIL_DF_GRID = None  # None: the method-of-moments estimate (simulate.model.late_shift)
MIN_COVERAGE = 0.88
EARLY_COUNT_GRID = (None,)  # None: keep each scenario's early_count
CRITERIA = ("log_loss", "brier")


def _metrics(report: BacktestReport) -> dict:
    r = lambda x: None if x is None or math.isnan(x) else round(float(x), 6)  # noqa: E731
    return {"brier": r(report.brier), "brier_naive": r(report.brier_naive), "log_loss": r(report.log_loss),
            "ece": r(report.ece), "coverage90": r(report.coverage90), "predictions": report.predictions,
            "calls": report.calls, "wrong_calls": len(report.wrong_calls), "wrong_seats": len(report.wrong_seats),
            "near_calls": report.near_calls, "wrong_near_calls": len(report.wrong_near_calls),
            "called_by_release": [r(x) for x in report.called_by_release]}


def calibrate(scenarios, *, fitted_on=(), criterion: str = "log_loss", uncertainties=UNCERTAINTY_GRID,
              tail_dfs=TAIL_DF_GRID, early_counts=EARLY_COUNT_GRID, draws: int = DEFAULT_DRAWS, seed: int = 0,
              call_confidence: float = 0.995, min_coverage: float | None = MIN_COVERAGE, workers: int | None = None,
              progress=None, scheduler: str | None = None, _client=None) -> Calibration:
    """Grid search (see the module docstring); ``progress(point_dict)`` is called after each point.

    Every point uses the same seeds, so points differ by the model only, not by Monte Carlo luck.
    """
    if scheduler is not None:  # one cluster for the whole grid
        from .distributed import connect

        with connect(scheduler, workers) as client:
            return calibrate(scenarios, fitted_on=fitted_on, criterion=criterion, uncertainties=uncertainties,
                             tail_dfs=tail_dfs, early_counts=early_counts, draws=draws, seed=seed,
                             call_confidence=call_confidence, min_coverage=min_coverage, workers=workers,
                             progress=progress, _client=client)
    if criterion not in CRITERIA:
        raise RacecallError(f"criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    scenarios = tuple(scenarios)
    tail_df_from = None
    if tail_dfs is None:
        from ..model.late_shift import tail_estimate

        try:
            estimate = tail_estimate(scenarios)
        except ValueError as exc:
            raise RacecallError(f"cannot estimate tail_df: {exc}; give --tail-df values") from None
        tail_dfs, tail_df_from = (estimate.tail_df,), estimate.describe()
    swing = _late_swing(scenarios)
    grid, best, best_key = [], None, None
    for early in early_counts:
        for tail_df in tail_dfs:
            for u in uncertainties:
                overrides = check_overrides({"uncertainty": u, "tail_df": tail_df,
                                             **({} if early is None else {"early_count": early}),
                                             **({} if swing is None else {"late_swing": swing})})
                report = backtest(scenarios, draws=draws, seed=seed, call_confidence=call_confidence,
                                  model_overrides=overrides, workers=workers, naive=False, scheduler=_client)
                point = _point(overrides, report)
                grid.append(point)
                if progress is not None:
                    progress(point)
                short = min_coverage is not None and report.coverage90 < min_coverage
                key = (point["wrong_calls"] > 0 or short, point["wrong_calls"], short, getattr(report, criterion))
                if best_key is None or key < best_key:
                    best, best_key = (overrides, report), key
    overrides, report = best
    return Calibration(uncertainty=overrides["uncertainty"], tail_df=overrides["tail_df"],
                       early_count=overrides.get("early_count"), late_swing=swing, fitted_on=tuple(str(f) for f in fitted_on),
                       criterion=criterion, call_confidence=call_confidence, min_coverage=min_coverage,
                       draws=draws, seed=seed, tail_df_from=tail_df_from,
                       feasible=not best_key[0], metrics=_metrics(report), grid=tuple(grid))


def _late_swing(scenarios) -> float | None:
    """The history's own late swing (:func:`simulate.model.late_swing.fit_late_swing`), or None
    (the scenarios' own setting) when it has too few usable swings."""
    from ..model.late_swing import fit_late_swing, late_swings

    try:
        return fit_late_swing({"history": late_swings(scenarios)})
    except ValueError:
        return None


def _point(overrides: dict, report: BacktestReport) -> dict:
    """One grid point's record; ``wrong_calls`` counts wrong calls, wrongly decided seats and wrong near calls."""
    return {**overrides, "brier": round(report.brier, 6), "log_loss": round(report.log_loss, 6),
            "ece": round(report.ece, 6), "coverage90": round(report.coverage90, 6), "calls": report.calls,
            "wrong_calls": len(report.wrong_calls) + len(report.wrong_seats) + len(report.wrong_near_calls),
            "seconds": round(report.seconds, 1)}
