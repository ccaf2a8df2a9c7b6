"""The units model's own-count weighting fitted on a count history (:mod:`simulate.model.unit_weighting`)."""

from __future__ import annotations

import numpy as np

from ..model.unit_weighting import WeightingRows
from ..model.units import unit_fallbacks
from ..scenario.centre import canonical_order

__all__ = ["rows_from_scenario"]


def rows_from_scenario(scenario, finals: dict, group=lambda unit_id: unit_id.split("/")[0]) -> WeightingRows:
    """Every unit of every snapshot of a units ``scenario`` with votes left and a final count.

    ``finals`` maps a unit id to its final votes (scenario candidate order).  A row is kept
    when the remaining estimate and the votes in fact left are positive and no candidate's
    count fell later (votes moved between units).  Fallbacks are the model's
    (:func:`simulate.model.units.unit_fallbacks`), candidates in the kernel's order.
    """
    order = canonical_order(scenario.ids)
    out = {"counted": [], "fallback": [], "remaining": [], "left": [], "group": []}
    for snapshot in scenario.snapshots:
        counted, fallback = unit_fallbacks(snapshot.units, order)
        for unit, c, g in zip(snapshot.units, counted, fallback):
            if unit.id not in finals or unit.remaining.estimate <= 0:
                continue
            left = np.asarray(finals[unit.id], dtype=np.float64)[order] - c
            if left.sum() <= 0 or (left < 0).any():
                continue
            for key, value in zip(out, (c, g, float(unit.remaining.estimate), left, group(unit.id))):
                out[key].append(value)
    k = len(order)
    return WeightingRows(np.array(out["counted"]).reshape(-1, k), np.array(out["fallback"]).reshape(-1, k),
                         np.array(out["remaining"], dtype=np.float64), np.array(out["left"]).reshape(-1, k),
                         np.array(out["group"], dtype=str))
