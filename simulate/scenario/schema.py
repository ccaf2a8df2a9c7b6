"""The scenario schema: every key, its type, its bounds and its default, in one place.

The loader (:mod:`simulate.scenario.loader`) checks a scenario against these
declarations and nothing else; a key not declared here is rejected.
"""

from __future__ import annotations

# Top-level sections: name -> required?
SECTIONS = {
    "race": True,
    "candidates": True,
    "count": True,
    "model": False,
    "simulation": False,
    "snapshots": False,
    "final": False,
}

RACE_KEYS = ("name", "date", "rule", "threshold", "seats", "recount_margin")
CANDIDATE_KEYS = ("id", "name", "party")
COUNT_KEYS = ("as_of", "counted", "remaining", "units", "units_csv", "corrected", "fresh_votes")
UNIT_KEYS = ("id", "type", "counted", "remaining", "baseline")
UNIT_ID_PATTERN = r"^[A-Za-z0-9_./ -]+$"
PRIOR_KEYS = ("shares", "uncertainty")
FINAL_KEYS = ("as_of", "counted")
REMAINING_KEYS = ("estimate", "low", "high")
MODEL_KEYS = ("calibration", "shift", "uncertainty", "tail_df", "early_count", "type_uncertainty", "unit_uncertainty", "unit_prior_ballots", "unit_count_bias", "prior", "late_swing")
SIMULATION_KEYS = ("draws", "seed", "call_confidence", "min_counted_fraction", "precision", "max_draws",
                   "correction_hold_hours", "fresh_hold_hours")

DEFAULTS = {
    "race.threshold": 0.5,
    "race.seats": 1,
    "race.recount_margin": 0.005,
    # The share model's defaults, fitted on the late shifts of five elections at once --
    # LA County 2024 primary and general, North Carolina 2020, Minnesota 2020 and 2022 --
    # as the spread to expect in an election not seen yet (simulate.model.late_shift_fit;
    # `racecall calibrate-pooled`, scenarios/calibration/pooled-5-elections.yaml; the
    # README gives each election's figures held out):
    # - uncertainty: the standard deviation of a 50% candidate's share of the
    #   remaining vote in a two-way race (simulate.model.lump has the full definition),
    #   set so the typical election's 90% intervals hold;
    # - tail_df: Student-t degrees of freedom of the share errors, set so a call at
    #   99.5% survives the count orders seen in any of the elections;
    # - early_count: the spread grows by sqrt(1 + early_count / f) when only a
    #   fraction f of the expected vote is counted: an early count is rarely a fair sample.
    # (scenarios/calibration/la-county-2024-primary.yaml keeps LA County's own, sharper fit.)
    "model.uncertainty": 0.0465,
    "model.tail_df": 2.9,
    "model.early_count": 0.066,
    # No call rests on a count that a late swing against the leader of this many logits would
    # overturn, whatever the simulated probability: the largest late swing of the same five
    # elections at a release that could be called (Minnesota 2020's absentee ballots;
    # simulate.model.late_swing). 0 turns the check off.
    "model.late_swing": 1.378,
    # Units (simulate.model.units): spread of each vote type's and each unit's remaining
    # shares around the race-wide error.
    "model.type_uncertainty": 0.03,
    "model.unit_uncertainty": 0.05,
    # A unit's centre (simulate.model.unit_weighting): its fallback is worth
    # unit_prior_ballots ballots, its own count C of them lambda*C, lambda = 1/(1 + 4
    # unit_count_bias^2 * remaining estimate), so a sliver of a unit leans on its fallback.
    # Fitted together on North Carolina 2020 by county x vote type (67 snapshots, every
    # unit with votes left: the remaining-ballot-weighted log-likelihood of the centres,
    # unit_weighting.fit_unit_weighting; tests/test_unit_weighting.py refits them).  A
    # scenario that sets unit_prior_ballots and not unit_count_bias keeps the former
    # fixed rule (unit_count_bias 0: the own count at full weight); the former default
    # was 200 ballots.
    "model.unit_prior_ballots": 357.0,
    "model.unit_count_bias": 0.0072,
    "simulation.draws": 1_000_000,
    "simulation.seed": 0,
    "simulation.call_confidence": 0.995,
    "simulation.min_counted_fraction": 0.05,
    # Optional: keep drawing until every reported probability's standard error is
    # at most this (or the call is settled either way), up to max_draws.
    "simulation.precision": None,
    "simulation.max_draws": 100_000_000,
    # A count corrected downward (a candidate's votes fell between releases) is a count
    # its office is still fixing: no new call until it has stood this many hours without
    # another correction (simulate.scenario.corrections).
    "simulation.correction_hold_hours": 24.0,
    # Votes published less than this many hours ago do not decide a call alone: most
    # corrections come within the hour (simulate.scenario.corrections).
    "simulation.fresh_hold_hours": 1.0,
}

# Bounds that keep a run meaningful and a machine alive.
MAX_VOTES = 10_000_000_000
MAX_DRAWS = 1_000_000_000
MAX_CANDIDATES = 200
MAX_SNAPSHOTS = 10_000
MAX_UNITS = 100_000
SHARE_SUM_TOLERANCE = 1e-3
MAX_FILE_BYTES = 20_000_000
MAX_SEED = 2**63 - 1
SHIFT_SUM_TOLERANCE = 1e-6
# The smallest non-zero spread of shares (model.uncertainty, model.prior.uncertainty): below it the
# model's precision weights (spread ** -2) would overflow, and the spread means nothing anyway.
MIN_UNCERTAINTY = 1e-6
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
MEASURE_IDS = ("yes", "no")
