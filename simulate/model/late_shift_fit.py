r"""The share model's defaults fitted on the late shifts of several elections at once.

Counts run in different orders in different places, so late ballots stray from
counted ones by a different amount in each election: a county that counts mail
first, a state that counts in-person votes first, a township that reports in one
batch.  The defaults must hold in an election not seen yet, so they are fitted as
the *predictive* spread for a new election, learned from how much elections
differ.

Records
    Every contest, snapshot and candidate of a history with a ``final`` count gives a
    late shift :math:`d = \operatorname{logit} q - \operatorname{logit} p`
    (:mod:`simulate.model.late_shift`: :math:`p` the share counted, :math:`q` the
    share of the ballots counted later), the fraction counted :math:`f`, its
    binomial noise :math:`n` and :math:`H = \sum_{j \ne k} w_j^2`, the
    concentration of the other candidates' counted shares :math:`w`.

The lump model's shift (:mod:`simulate.model.lump`)
    Logistic-normal log-shares with spread :math:`\sigma^2 = 8u_c^2`,
    :math:`u_c = u\sqrt{1 + f_0/f}`, scaled by a Student-t factor
    :math:`\tau = \sqrt{\nu/\chi^2_\nu}`, move a candidate's logit by
    :math:`\tau\sqrt{8u_c^2(1 + H)}` times a standard normal (exactly for two
    candidates, :math:`H = 1`, to first order otherwise).  So a late shift is, in the
    model, :math:`d = s\, t_\nu` with :math:`s^2 = 8u_c^2(1 + H) + n^2`.

Stage 1: one scale per election.
    For each :math:`\nu` of :data:`TAIL_DF_GRID` the log-likelihood
    :math:`\sum_e \bar\ell_e` is maximised over :math:`f_0` (shared) and one
    :math:`u_e` per election, :math:`\bar\ell_e` the mean over contests of the mean
    over the contest's records of :math:`\log t_\nu(d/s) - \log s` (each contest
    weighs the same within its election, each election the same whatever its size);
    the best :math:`\nu` is kept (:math:`\nu_w`, the tails *within* an election).

Stage 2: the new election.
    The elections' scales are a sample of how count orders differ:
    :math:`\log u_e \sim N(\mu, \omega^2)`, :math:`\mu` their mean, :math:`\omega`
    their standard deviation, widened to :math:`\omega\sqrt{1 + 1/E}` for the
    error of :math:`\mu` from :math:`E` elections.  A new election's shift, in units
    of :math:`\sqrt{8(1+H)}`, is then :math:`Z = \lambda t_{\nu_w}`,
    :math:`\log\lambda \sim N(\mu, \omega^2(1 + 1/E))`, whose tail
    :math:`P(|Z| > x) = E_v[2\,\bar F_{\nu_w}(x e^{-\mu - \omega' v})]` is integrated
    by Gauss--Hermite quadrature.

    The kernel draws one Student-t, so the defaults are the Student-t :math:`u\, t_\nu`
    whose 90% two-sided quantile is the *typical* election's,
    :math:`x_{0.90} = e^{\mu} t_{\nu_w}^{-1}(0.95)` (the interval the report prints
    should hold 90% of final shares where counts run as they usually do), and whose
    99% two-sided quantile -- a shift against the leader with probability 0.5%, the call
    level's -- is the new election's, :math:`x_{0.99}` from :math:`P(|Z| > x) = 0.01`
    (a call at 99.5% must survive the count orders seen anywhere):
    :math:`\nu` solves :math:`t_\nu^{-1}(0.995) / t_\nu^{-1}(0.95) = x_{0.99}/x_{0.90}`
    (0, normal, when the ratio is at most the normal's; at least 2, the smallest
    ``tail_df`` a scenario takes) and :math:`u = x_{0.90} / t_\nu^{-1}(0.95)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .late_shift import MAX_NOISE, SHARE_RANGE

__all__ = ["ShiftRecords", "ShiftFit", "shift_records", "fit_elections", "TAIL_DF_GRID"]

#: Student-t degrees of freedom tried within an election (0: normal).
TAIL_DF_GRID = (3.0, 4.0, 5.0, 6.0, 8.0, 12.0, 20.0, 50.0, 0.0)
#: Two-sided levels matched by the single Student-t of the defaults.
BODY, TAIL = 0.90, 0.99
#: Bounds of a fitted election's scale and of the early-count setting.
U_BOUNDS = (0.002, 0.5)
EARLY_BOUNDS = (0.0, 2.0)
MIN_F = 1e-3
#: The smallest ``tail_df`` a scenario accepts.
MIN_TAIL_DF = 2.0
MAX_TAIL_DF = 1000.0


@dataclass(frozen=True)
class ShiftRecords:
    """One election's late shifts as flat arrays (module docstring), ``contest`` an index per record."""

    f: np.ndarray
    d: np.ndarray
    noise: np.ndarray
    h: np.ndarray
    contest: np.ndarray

    @property
    def size(self) -> int:
        return int(self.d.size)

    @property
    def contests(self) -> int:
        return int(np.unique(self.contest).size)


@dataclass(frozen=True)
class ShiftFit:
    """Stage 1's per-election scales and the stage-2 defaults (module docstring)."""

    uncertainty: float
    tail_df: float
    early_count: float
    within_tail_df: float
    scales: dict  # election name -> u_e
    log_mean: float
    log_sd: float
    quantiles: tuple  # (x_0.90 of the typical election, x_0.99 of a new one)
    records: dict  # election name -> (records, contests)

    def to_dict(self) -> dict:
        return {"uncertainty": self.uncertainty, "tail_df": self.tail_df, "early_count": self.early_count,
                "within_tail_df": self.within_tail_df,
                "scales": {k: round(v, 5) for k, v in self.scales.items()},
                "log_mean": round(self.log_mean, 5), "log_sd": round(self.log_sd, 5),
                "quantiles": [round(q, 5) for q in self.quantiles],
                "records": {k: {"shifts": a, "contests": b} for k, (a, b) in self.records.items()}}


def shift_records(scenarios) -> ShiftRecords:
    """The usable late shifts of every snapshot of every scenario with ``final`` (module docstring);
    a snapshot repeating the count before it (a feed seen again, hours on) adds none."""
    lo, hi = SHARE_RANGE
    cols = ([], [], [], [], [])
    for index, scenario in enumerate(scenarios):
        if scenario.final is None:
            continue
        final = np.asarray(scenario.final.counted, dtype=float)
        previous = None
        for count in scenario.snapshots or (scenario.count,):
            if count.counted == previous:  # the same count seen again later: no new shift
                continue
            previous = count.counted
            counted = np.asarray(count.counted, dtype=float)
            late = final - counted
            c, n = counted.sum(), late.sum()
            if c <= 0 or n <= 0 or (late < 0).any() or counted.size < 2:
                continue
            p, q = counted / c, late / n
            noise = np.sqrt((1.0 / n + 1.0 / c) / np.maximum(p * (1.0 - p), 1e-300))
            keep = np.nonzero((p > lo) & (p < hi) & (q > lo) & (q < hi) & (noise < MAX_NOISE))[0]
            for k in keep:
                others = np.delete(p, k)
                w = others / others.sum()
                cols[0].append(c / (c + n))
                cols[1].append(math.log(q[k] / (1.0 - q[k])) - math.log(p[k] / (1.0 - p[k])))
                cols[2].append(noise[k])
                cols[3].append(float(w @ w))
                cols[4].append(index)
    f, d, noise, h, contest = (np.asarray(c, dtype=float) for c in cols)
    return ShiftRecords(f, d, noise, h, contest.astype(np.int64))


def _log_t(x: np.ndarray, nu: float) -> np.ndarray:
    from scipy.special import gammaln

    if nu <= 0:
        return -0.5 * x * x - 0.5 * math.log(2.0 * math.pi)
    return (gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * math.log(nu * math.pi)
            - (nu + 1) / 2 * np.log1p(x * x / nu))


def _contest_weights(r: ShiftRecords) -> np.ndarray:
    _, inverse, counts = np.unique(r.contest, return_inverse=True, return_counts=True)
    w = 1.0 / counts[inverse]
    return w / w.sum()


def _mean_loglik(r: ShiftRecords, w: np.ndarray, u: float, early: float, nu: float) -> float:
    f = np.maximum(r.f, MIN_F)
    s = np.sqrt(8.0 * u * u * (1.0 + early / f) * (1.0 + r.h) + r.noise**2)
    return float(w @ (_log_t(r.d / s, nu) - np.log(s)))


def _stage1(records: list[ShiftRecords], nus) -> tuple[float, float, np.ndarray]:
    from scipy.optimize import minimize

    weights = [_contest_weights(r) for r in records]
    bounds = [EARLY_BOUNDS] + [tuple(math.log(b) for b in U_BOUNDS)] * len(records)
    best = None
    for nu in nus:
        def objective(x, nu=nu):
            return -sum(_mean_loglik(r, w, math.exp(lu), x[0], nu)
                        for r, w, lu in zip(records, weights, x[1:])) / len(records)

        start = [0.1] + [math.log(0.05)] * len(records)
        res = minimize(objective, start, bounds=bounds, method="L-BFGS-B")
        if best is None or res.fun < best[0]:
            best = (res.fun, nu, float(res.x[0]), np.exp(res.x[1:]))
    return best[1], best[2], best[3]


def _tail(x: float, nu: float, mu: float, omega: float) -> float:
    """``P(|Z| > x)`` for ``Z = lambda t_nu``, ``log lambda ~ N(mu, omega^2)`` (Gauss--Hermite)."""
    from scipy import stats

    v, wv = np.polynomial.hermite_e.hermegauss(64)
    scale = np.exp(mu + omega * v)
    dist = stats.t(nu) if nu > 0 else stats.norm
    return float(wv @ (2.0 * dist.sf(x / scale)) / math.sqrt(2.0 * math.pi))


def _t_ppf(q: float, nu: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(q, nu) if nu > 0 else stats.norm.ppf(q))


def _quantile(level: float, nu: float, mu: float, omega: float) -> float:
    from scipy.optimize import brentq

    target = 1.0 - level
    hi = math.exp(mu + 12.0 * omega) * 1e3
    return float(brentq(lambda x: _tail(x, nu, mu, omega) - target, 1e-12, hi, xtol=1e-12, rtol=1e-10))


def _single_t(x_body: float, x_tail: float) -> tuple[float, float]:
    """The Student-t ``u t_nu`` with the same two-sided BODY and TAIL quantiles (module docstring)."""
    from scipy import stats
    from scipy.optimize import brentq

    pb, pt = 0.5 + BODY / 2, 0.5 + TAIL / 2
    ratio = x_tail / x_body
    normal = stats.norm.ppf(pt) / stats.norm.ppf(pb)
    if ratio <= normal * (1 + 1e-9):
        return x_body / stats.norm.ppf(pb), 0.0
    if ratio >= stats.t.ppf(pt, MIN_TAIL_DF) / stats.t.ppf(pb, MIN_TAIL_DF):
        nu = MIN_TAIL_DF  # the scenario's smallest tail_df: match the body, tails as heavy as allowed
    else:
        nu = brentq(lambda n: stats.t.ppf(pt, n) / stats.t.ppf(pb, n) - ratio, MIN_TAIL_DF, 1e6, xtol=1e-8)
        if nu > MAX_TAIL_DF:  # indistinguishable from normal, and beyond what a scenario takes
            return x_body / stats.norm.ppf(pb), 0.0
    return x_body / stats.t.ppf(pb, nu), nu


def fit_elections(records: dict, nus=TAIL_DF_GRID) -> ShiftFit:
    """Fit the defaults on ``{election name: ShiftRecords}`` (module docstring); at least two elections."""
    names = [n for n, r in records.items() if r.size > 0]
    if len(names) < 2:
        raise ValueError(f"need late shifts from at least two elections, got {len(names)}")
    nu_w, early, scales = _stage1([records[n] for n in names], nus)
    logs = np.log(scales)
    mu, omega = float(logs.mean()), float(logs.std(ddof=1))
    omega_new = omega * math.sqrt(1.0 + 1.0 / len(names))
    x_body = math.exp(mu) * _t_ppf(0.5 + BODY / 2, nu_w)
    x_tail = _quantile(TAIL, nu_w, mu, omega_new)
    u, nu = _single_t(x_body, x_tail)
    return ShiftFit(uncertainty=round(float(u), 4), tail_df=round(float(nu), 1), early_count=round(float(early), 3),
                    within_tail_df=float(nu_w),
                    scales={n: float(s) for n, s in zip(names, scales)}, log_mean=mu, log_sd=omega,
                    quantiles=(x_body, x_tail), records={n: (records[n].size, records[n].contests) for n in names})
