r"""The model of the remaining vote, written out once, and its translation into flat arrays.

Notation: :math:`K` candidates, counted votes :math:`c_k`, :math:`C = \sum_k c_k`.

1. **How many votes remain.**  An exact ``remaining`` is used as is.  An estimate
   with a 90% interval ``low``/``high`` becomes a *two-piece log-normal* on
   :math:`R + 1` with median ``estimate + 1``: below the median its log-scale
   spread is :math:`\sigma_- = \ln\frac{e+1}{l+1} / z_{0.95}`, above it
   :math:`\sigma_+ = \ln\frac{h+1}{e+1} / z_{0.95}` (:math:`z_{0.95} = 1.6449`),
   so that ``low`` and ``high`` are exactly its 5% and 95% quantiles, an
   asymmetric interval stays asymmetric (ballots keep arriving by mail), and an
   estimate of 0 with ``high`` > 0 is allowed.  Each draw takes
   :math:`R = \max(0, \operatorname{round}(e^{\ldots}) - 1)`.

2. **How the remaining votes split.**  The centre of the remaining vote's shares is

   .. math:: m_k = \frac{c_k + 1/K}{C + 1} + \text{shift}_k ,

   the counted shares (with one pseudo-ballot spread evenly over the candidates, so
   that a candidate with no votes yet is not certain to get none) plus the
   scenario's ``shift``.  The shares of the remaining vote are *logistic-normal*
   around it:

   .. math:: q_k = \frac{m_k\, e^{\tau \sigma_k z_k}}{\sum_j m_j\, e^{\tau \sigma_j z_j}},
             \qquad z \sim N(0, I_K),
             \qquad \sigma_k^2 = 8u_c^2 + \frac{1}{(C + 1)\, m_k},
             \qquad u_c = u\sqrt{1 + f_0 / f},

   so the shares are always positive and sum to one, and a candidate's share
   moves by about :math:`\tau\sigma\, q_k(1 - q_k)`: proportionally to
   :math:`p(1-p)`, as late ballots do.  (On the LA County 2024 primary, the
   difference between a candidate's share of the ballots counted after a
   release and of those counted up to it, divided by :math:`p(1-p)`, had about
   the same spread for shares of 2% and of 50% -- a root-mean-square of 0.18 to
   0.25 -- whereas divided by :math:`\sqrt{p(1-p)}` it was 2.5 times smaller
   for small candidates than for leading ones.)  :math:`u` is the scenario's
   ``uncertainty``: in a two-candidate race at 50%, the logit of the share
   moves by :math:`\tau(\sigma_1 z_1 - \sigma_2 z_2)`, standard deviation
   :math:`4u_c`, so :math:`u_c` is the standard deviation of a 50%
   candidate's share of the remaining vote -- how much late ballots differ from
   counted ones.  :math:`f` is the fraction of the expected vote counted
   (:math:`C / (C + \text{estimate})`, at least 0.001) and :math:`f_0` the
   ``early_count`` setting: an early count is rarely a fair sample, so its
   spread is wider (with 0.05: x1.4 at 5% counted, x2.4 at 1%, x1.05 at half).
   :math:`1/((C+1)m_k)` is the sampling error of the log of a share counted
   from :math:`C` ballots (it matters only in tiny contests and for
   candidates with few votes).

   With a ``prior`` (shares :math:`\pi` expected before the count, with their
   own ``uncertainty`` :math:`u_p`), the counted shares and the prior are
   weighed by their precisions: the centre becomes
   :math:`(p/u_c^2 + \pi/u_p^2) / (1/u_c^2 + 1/u_p^2)` (plus ``shift``) and
   :math:`u_c` is replaced by :math:`(1/u_c^2 + 1/u_p^2)^{-1/2}`, so the prior
   dominates a small early count and the count dominates as more is in.
   :math:`\tau = 1` for normal errors; with ``tail_df`` :math:`\nu > 0`,
   :math:`\tau = \sqrt{\nu / \chi^2_\nu}` is drawn once per draw, making the
   log-share errors multivariate Student-t.

   **The gap between the prior and the count is evidence** (:func:`prior_conflict`).
   The same :math:`\tau` scales the late ballots' error and the prior's, so the
   gap between the counted log-shares and the prior's,
   :math:`\delta_k = \log p_k - \log \pi_k`, is :math:`\tau` times a normal:
   centred over the :math:`K'` candidates with a prior share
   (:math:`\delta_k - \bar\delta`), each of variance
   :math:`8(u_c^2 + u_p^2) + 1/((C+1)p_k)`, their standardised squares add up to
   :math:`Q = \tau^2 \chi^2_{K'-1}`.  Given :math:`Q`, :math:`1/\tau^2` is
   Gamma with shape :math:`(\nu + K' - 1)/2` and rate :math:`(\nu + Q)/2` (the
   Student-t factor's conjugate update), so the draws use a Student-t factor of
   :math:`\nu' = \nu + K' - 1` degrees of freedom and the spread times
   :math:`\rho = \sqrt{(\nu + Q)/(\nu + K' - 1)}`: a count far from its prior (an
   early count that is a biased sample, or a prior that was wrong) widens the
   shares, one that agrees narrows them, and the centre (the precision-weighted
   one, whose weights :math:`\tau` leaves alone) does not move.

3. **Ballot-level noise.**  Given :math:`R` and :math:`q`, the remaining tallies
   are multinomial, drawn as conditional binomials
   :math:`x_k \sim \operatorname{Bin}(R - \sum_{j<k} x_j,\; q_k / \sum_{j\ge k} q_j)`.
   Each binomial is exact (inversion, or Hörmann's BTRS rejection sampler)
   when its variance :math:`npq` is below :data:`NORMAL_MIN_VARIANCE`; above it,
   a skewness-corrected normal (Cornish–Fisher) rounded to an integer,
   :math:`\lfloor np + \sqrt{npq}\,(z + \gamma (z^2 - 1)/6) + 1/2 \rfloor` with
   :math:`\gamma = (1 - 2p)/\sqrt{npq}`.  Its distribution function is computed
   exactly and compared with the binomial's (``tests/test_rng.py``): the
   largest gap is about :math:`0.011/(npq)`, so at most :math:`1.2 \times 10^{-5}`
   above the switch at :math:`npq = 1000` — far below the Monte Carlo error of
   any probability racecall reports.

4. **Final tallies** are :math:`c_k + x_k`; shares are of their sum.  Exact ties
   are broken uniformly at random, as by lot.  A share "more than the threshold"
   :math:`\theta` is decided exactly: :math:`\theta` is read as the fraction
   :math:`a/b` nearest it with :math:`b \le 10^6` (2/3, not 0.666...6) and a tally
   :math:`T_k` of :math:`T` passes when :math:`b\,T_k > a\,T` in 64-bit integers.

With ``uncertainty`` 0 the share model is switched off entirely (:math:`\sigma = 0`,
:math:`m_k = c_k / C + \text{shift}_k`, no pseudo-ballot): with an exact
remaining count the remaining ballots are then a multinomial sample at the
counted shares, the "naive" model that backtests compare against.

The kernel always sees the candidates sorted by id (``ModelArrays.order``), so
the order in which a scenario lists them cannot change any number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..scenario.centre import canonical_order, centre_shares, count_spread
from ..scenario.records import Count, Scenario

Z95 = 1.6448536269514722
#: Binomials with variance n p (1 - p) at or above this use the corrected normal.
NORMAL_MIN_VARIANCE = 1_000.0

RULE_CODES = {"plurality": 0, "majority": 1, "top_two": 1, "measure": 2}


@dataclass(frozen=True)
class ModelArrays:
    """Flat inputs of the Monte Carlo kernel for one count of one race."""

    counted: np.ndarray  # float64[K]
    centre: np.ndarray  # float64[K], sums to 1
    spread: np.ndarray  # float64[K]: sigma_k in the module docstring (0 with uncertainty 0)
    tail_df: float
    remaining_exact: bool
    remaining_median: float  # of R + 1
    sigma_low: float
    sigma_high: float
    rule: int
    seats: int
    threshold: float
    threshold_num: int  # the threshold as an exact fraction num / den (den <= 10^6)
    threshold_den: int
    recount_margin: float
    yes_index: int  # measure only, else -1
    order: np.ndarray  # int64[K]: kernel position i holds scenario candidate order[i]
    margin_pair: tuple[int, int]  # kernel positions of the counted leader and runner-up


def prepare(scenario: Scenario, count: Count) -> ModelArrays:
    """Translate a scenario and one of its counts into the kernel's flat inputs."""
    race, remaining = scenario.race, count.remaining
    counted = np.asarray(count.counted, dtype=np.float64)
    total = float(counted.sum())
    centre = centre_shares(scenario, count)
    spread = np.zeros(len(centre))
    rho, tail_df = prior_conflict(scenario, count)
    if scenario.model.uncertainty > 0.0:
        u = count_spread(scenario, count)
        if scenario.model.prior is not None:
            u = rho * (u**-2 + scenario.model.prior.uncertainty**-2) ** -0.5
        # a candidate whose centre a shift has brought to exactly 0 gets none of the remaining vote
        sampling = np.divide(1.0, (total + 1.0) * centre, out=np.zeros_like(centre), where=centre > 0.0)
        spread = np.where(centre > 0.0, np.sqrt(8.0 * u * u + sampling), 0.0)
    median = remaining.estimate + 1.0
    if remaining.exact:
        sigma_low = sigma_high = 0.0
    else:
        sigma_low = math.log(median / (remaining.low + 1.0)) / Z95
        sigma_high = math.log((remaining.high + 1.0) / median) / Z95
    order = canonical_order(scenario.ids)
    num, den = threshold_fraction(race.threshold)
    return ModelArrays(
        counted=counted[order],
        centre=centre,
        spread=spread,
        tail_df=tail_df,
        remaining_exact=remaining.exact,
        remaining_median=median,
        sigma_low=sigma_low,
        sigma_high=sigma_high,
        rule=RULE_CODES[race.rule],
        seats=race.seats,
        threshold=race.threshold,
        threshold_num=num,
        threshold_den=den,
        recount_margin=race.recount_margin,
        yes_index=int(np.nonzero(order == scenario.ids.index("yes"))[0][0]) if race.rule == "measure" else -1,
        order=order,
        margin_pair=margin_pair(scenario, count, order),
    )


def prior_conflict(scenario: Scenario, count: Count) -> tuple[float, float]:
    r"""``(rho, tail_df)``: the spread's multiplier and the Student-t factor's degrees of freedom
    given the gap between the count and ``model.prior`` (module docstring); ``(1, tail_df)``
    without a prior, share errors or Student-t tails."""
    model = scenario.model
    nu = model.tail_df
    if model.prior is None or model.uncertainty <= 0.0 or nu <= 0.0:
        return 1.0, nu
    counted = np.asarray(count.counted, dtype=np.float64)
    total, k = counted.sum(), counted.size
    shares = (counted + 1.0 / k) / (total + 1.0)
    prior = np.asarray(model.prior.shares, dtype=np.float64)
    keep = prior > 0.0
    dof = int(keep.sum()) - 1
    if dof < 1:
        return 1.0, nu
    gap = np.log(shares[keep]) - np.log(prior[keep])
    variance = 8.0 * (count_spread(scenario, count) ** 2 + model.prior.uncertainty**2) + 1.0 / ((total + 1.0) * shares[keep])
    q = float(((gap - gap.mean()) ** 2 / variance).sum())
    return math.sqrt((nu + q) / (nu + dof)), nu + dof


def threshold_fraction(threshold: float) -> tuple[int, int]:
    """The threshold as an exact fraction ``num/den`` with ``den`` at most 10^6 (2/3 is read
    as 2/3, not as the float 0.6666...): "more than the threshold" is then decided exactly,
    in integers, as ``votes * den > num * total``."""
    f = Fraction(threshold).limit_denominator(1_000_000)
    return f.numerator, f.denominator


def margin_pair(scenario: Scenario, count: Count, order: np.ndarray) -> tuple[int, int]:
    """Kernel positions of the counted leader and runner-up (ties by id); the final
    margin reported is the leader's share minus the runner-up's."""
    standing = sorted(range(len(order)), key=lambda j: (-count.counted[order[j]], scenario.ids[order[j]]))
    return standing[0], standing[1] if len(standing) > 1 else standing[0]
