"""The centre of the remaining vote's shares, as a scenario states it.

The counted shares (with a pseudo-count of one ballot spread over the
candidates), weighed against the race's ``model.prior`` by precision, plus the
scenario's ``model.shift``.  The loader checks with it that a shift leaves every
share positive; :mod:`simulate.model.lump` builds the share model around it
(the math is written out there).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ScenarioError
from .records import Count, Scenario


def canonical_order(ids: tuple[str, ...]) -> np.ndarray:
    """Positions of the candidates sorted by id: the order the kernel sees them in."""
    return np.array(sorted(range(len(ids)), key=lambda j: ids[j]), dtype=np.int64)


def counted_fraction(count: Count) -> float:
    """Share of the expected vote counted, C / (C + remaining estimate)."""
    total = sum(count.counted)
    expected = total + count.remaining.estimate
    return total / expected if expected else 1.0


def count_spread(scenario: Scenario, count: Count) -> float:
    """:math:`u_c`: the spread of the remaining vote's shares around the counted shares."""
    u = scenario.model.uncertainty
    return u * math.sqrt(1.0 + scenario.model.early_count / max(counted_fraction(count), 1e-3))


def centre_shares(scenario: Scenario, count: Count) -> np.ndarray:
    """The centre :math:`m` of the remaining vote's shares, in the kernel's (id) order.

    Raises :class:`ScenarioError` if a shift makes a share negative.
    """
    order = canonical_order(scenario.ids)
    counted = np.asarray(count.counted, dtype=np.float64)[order]
    k, total = len(counted), counted.sum()
    if scenario.model.uncertainty > 0.0:
        base = (counted + 1.0 / k) / (total + 1.0)
    else:
        base = counted / total if total > 0 else np.full(k, 1.0 / k)
    prior = scenario.model.prior
    if prior is not None and scenario.model.uncertainty > 0.0:
        w_count, w_prior = count_spread(scenario, count) ** -2, prior.uncertainty**-2
        base = (w_count * base + w_prior * np.asarray(prior.shares)[order]) / (w_count + w_prior)
    centre = base + np.asarray(scenario.model.shift)[order]
    for j, value in zip(order, centre):
        if value < 0.0:
            cid = scenario.ids[j]
            raise ScenarioError(
                scenario.source, f"model.shift.{cid}",
                f"leaves {cid} a share of the remaining vote of {value:.4f}; shares must stay positive",
            )
    return centre / centre.sum()
