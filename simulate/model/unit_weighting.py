r"""How much a unit's own count is worth against its fallback, and the fit of that weighting.

A unit (a county's early in-person vote, a precinct's mail) that has counted :math:`C_u` of
its ballots, with :math:`\hat R_u` left as the scenario estimates it (the estimate, not the
final), has counted the fraction :math:`f_u = C_u / (C_u + \hat R_u)`.  Its counted shares
:math:`p_u = c_u / C_u` are a sample of *its first ballots*, not of its remaining ones: a
county reports its first precincts, a vote type its first batches.  So, for a candidate
of share :math:`p` (:math:`s^2 = p(1-p)`),

* the own count estimates the unit's remaining shares with variance
  :math:`v_u = s^2 / C_u + v_b(f_u)`: the ballot noise of :math:`C_u` ballots plus a bias
  variance :math:`v_b(f) = 4\kappa^2 s^2 (1 - f)/f`, large for a sliver of the unit and
  gone when it is all in (:math:`\kappa`, ``model.unit_count_bias``, is the standard
  deviation of a 50% candidate's counted share from the unit's remaining share, bias only,
  when half the unit is in);
* the fallback :math:`g_u` (baseline moved by swing, or the vote type's counted shares)
  has variance :math:`v_g = s^2 / n_0`: it is worth :math:`n_0` ballots
  (``model.unit_prior_ballots``), as before.

Weighing the two by precision, and since :math:`C_u (1 - f_u)/f_u = \hat R_u`, the own count
is worth

.. math:: \lambda_u C_u \text{ ballots},\qquad \lambda_u = \frac{1}{1 + 4\kappa^2 \hat R_u},

the same for every candidate (:math:`s^2` cancels), and the unit's centre is

.. math:: m_u = \frac{\lambda_u c_u + n_0 g_u + \pi/K}{\lambda_u C_u + n_0 + \pi},

:math:`\pi` the lump model's pseudo-ballot (1 with share errors, 0 without).  Limits:
:math:`f_u \to 0` (:math:`\hat R_u \gg 1/4\kappa^2` against :math:`C_u`) gives the
fallback, :math:`f_u \to 1` (:math:`\hat R_u \to 0`) the own count at full weight, and
:math:`\kappa = 0` the former fixed rule (own count at full weight whatever is left).  A
unit whose own shares equal its fallback's (a count split into identical units) keeps
them, whatever :math:`\lambda_u`.

**The sampling term keeps** :math:`C_u + n_0 + 1` **ballots.**  The lump model's sampling
term :math:`1/((C_u + n_0 + 1) m_{uk})` (:mod:`simulate.model.units`) stays the ballot noise
of the ballots the centre is made of -- the unit's :math:`C_u` and its fallback's
:math:`n_0` -- and does not take the bias variance in as well
(:math:`\lambda_u C_u + n_0 + 1`, the weighting's own precision).  The bias is the
order of the count, and that order is shared: every county's first election-day precincts
are its quick ones, every vote type's first batches its early ones.  The model carries it
in errors shared across units (the race-wide one, widened while little is counted, and the
vote type's); made an independent per-unit error it would average away over many units
and make a count split into identical units wider than the lump model (two units of 2,000
counted and 30,000 left each: the trailing candidate's chance 0.018% against the lump
model's 0.002%, :math:`z = -5`).

**The fit** (:func:`fit_unit_weighting`).  Rows are units at snapshots with votes left:
the counted votes, the fallback and the remaining estimate as known then, and the votes in
fact left, :math:`x_u` = final minus counted
(:func:`simulate.history.unit_weighting.rows_from_scenario`).  The constants
maximise the remaining-ballot-weighted multinomial log-likelihood of the centres,

.. math:: \bar\ell(n_0, \kappa) = \frac{\sum_u \sum_k x_{uk} \log m_{uk}}{\sum_u \sum_k x_{uk}},

a proper score (in expectation it is largest at the true remaining shares), with every
remaining ballot counting once per snapshot; ``criterion="squared"`` uses
:math:`-\sum_u X_u \lVert m_u - x_u/X_u \rVert^2 / \sum_u X_u` instead.  Only the products
of :math:`n_0` with :math:`\kappa^2` are well identified by large units (their own count's
ballot noise is negligible); small units and the pseudo-ballot pin :math:`n_0` itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The rule the fit is compared with: the former fixed weight, 200 ballots, own count in full.
REFERENCE = (200.0, 0.0)
#: Starting points of the fit, (n0, kappa): the likelihood has one ridge, started from both sides.
_STARTS = ((20.0, 0.03), (300.0, 0.005), (3000.0, 0.05))


@dataclass(frozen=True)
class WeightingRows:
    """Units at snapshots with votes left (N rows, K candidates in any fixed order)."""

    counted: np.ndarray  # float64[N, K]: c_u, the unit's counted votes then
    fallback: np.ndarray  # float64[N, K]: g_u, the unit's fallback shares then
    remaining: np.ndarray  # float64[N]: R_u, the remaining estimate as the scenario gave it
    left: np.ndarray  # float64[N, K]: x_u, the votes in fact counted later (final - counted)
    group: np.ndarray  # str[N]: what held-out splits keep together (a county)

    def subset(self, mask: np.ndarray) -> "WeightingRows":
        return WeightingRows(self.counted[mask], self.fallback[mask], self.remaining[mask], self.left[mask], self.group[mask])


@dataclass(frozen=True)
class WeightingFit:
    """The fitted constants and the criterion at them and at :data:`REFERENCE`."""

    prior_ballots: float  # n0
    count_bias: float  # kappa
    score: float  # the criterion at the fit (per remaining ballot; higher is better)
    reference: float  # the criterion at REFERENCE, on the same rows
    criterion: str
    rows: int
    ballots: float


def count_discount(remaining, count_bias: float):
    r""":math:`\lambda_u = 1 / (1 + 4\kappa^2 \hat R_u)`, the share of its ballots the own count
    is worth (1 with nothing left or :math:`\kappa = 0`)."""
    return 1.0 / (1.0 + 4.0 * count_bias * count_bias * np.maximum(np.asarray(remaining, dtype=np.float64), 0.0))


def effective_ballots(counted_total, remaining, count_bias: float):
    r""":math:`\lambda_u C_u`: what the unit's own count is worth, in ballots."""
    return np.asarray(counted_total, dtype=np.float64) * count_discount(remaining, count_bias)


def weighed_centre(counted, fallback, remaining, prior_ballots: float, count_bias: float, pseudo: float = 1.0) -> np.ndarray:
    r""":math:`m_u = (\lambda_u c_u + n_0 g_u + \pi/K) / (\lambda_u C_u + n_0 + \pi)` for every row of
    ``counted`` and ``fallback`` (float64[N, K]); a row of weight 0 is its fallback."""
    counted = np.asarray(counted, dtype=np.float64)
    fallback = np.asarray(fallback, dtype=np.float64)
    k = counted.shape[-1]
    lam = count_discount(remaining, count_bias)
    own = counted * lam[..., None] if count_bias else counted
    weight = own.sum(axis=-1) + prior_ballots + pseudo
    safe = np.where(weight > 0, weight, 1.0)
    centre = (own + prior_ballots * fallback + pseudo / k) / safe[..., None]
    return np.where((weight > 0)[..., None], centre, fallback)


def score(rows: WeightingRows, prior_ballots: float, count_bias: float, pseudo: float = 1.0, criterion: str = "loglik") -> float:
    """The fit's criterion (module docstring) per remaining ballot: higher is better."""
    m = weighed_centre(rows.counted, rows.fallback, rows.remaining, prior_ballots, count_bias, pseudo)
    ballots = rows.left.sum()
    if criterion == "loglik":
        with np.errstate(divide="ignore"):
            logs = np.where(rows.left > 0, np.log(np.where(rows.left > 0, m, 1.0)), 0.0)
        return float((rows.left * logs).sum() / ballots)
    if criterion == "squared":
        total = rows.left.sum(axis=1)
        return float(-(total[:, None] * (m - rows.left / total[:, None]) ** 2).sum() / ballots)
    raise ValueError(f"criterion must be 'loglik' or 'squared', got {criterion!r}")


def fit_unit_weighting(rows: WeightingRows, *, pseudo: float = 1.0, criterion: str = "loglik") -> WeightingFit:
    r"""The :math:`(n_0, \kappa)` that maximise the criterion on ``rows`` (Nelder--Mead on
    :math:`(\log n_0, \kappa)`, :math:`\kappa` entering squared; the best of :data:`_STARTS`)."""
    from scipy import optimize

    def loss(theta):
        return -score(rows, float(np.exp(theta[0])), float(theta[1]), pseudo, criterion)

    best = None
    for n0, kappa in _STARTS:
        found = optimize.minimize(loss, [np.log(n0), kappa], method="Nelder-Mead",
                                  options={"xatol": 1e-7, "fatol": 1e-13, "maxiter": 4000})
        if best is None or found.fun < best.fun:
            best = found
    n0, kappa = float(np.exp(best.x[0])), abs(float(best.x[1]))
    return WeightingFit(n0, kappa, -float(best.fun), score(rows, *REFERENCE, pseudo, criterion), criterion,
                        len(rows.remaining), float(rows.left.sum()))


def held_out(rows: WeightingRows, train: np.ndarray, **options) -> tuple[WeightingFit, float, float]:
    """Fit on ``rows[train]``; the criterion on the other rows at the fit and at :data:`REFERENCE`."""
    fit = fit_unit_weighting(rows.subset(train), **options)
    test = rows.subset(~train)
    pseudo, criterion = options.get("pseudo", 1.0), options.get("criterion", "loglik")
    return fit, score(test, fit.prior_ballots, fit.count_bias, pseudo, criterion), score(test, *REFERENCE, pseudo, criterion)
