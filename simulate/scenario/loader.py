"""Read a scenario file, check it completely against :mod:`simulate.scenario.schema`, build frozen dataclasses.

Every problem raises :class:`~simulate.errors.ScenarioError` naming the file
and the dotted path of the field (``count.counted.rossi``).  YAML is read with
the safe loader only, and aliases are refused before anything is built, so a
"billion laughs" file fails at once instead of eating memory.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import ScenarioError, ScenarioWarning
from . import corrections, schema
from .centre import centre_shares
from .loader_units import UnitsMixin
from .records import RULES, Candidate, Count, Model, Prior, Race, Remaining, Scenario, Simulation
from .yaml_text import kind as _kind
from .yaml_text import read_yaml_file


def load_scenario(path: str | Path, source: str | None = None) -> Scenario:
    """Load and validate the scenario file at ``path``.

    ``source`` names the file in errors (default: ``path``); files the scenario
    refers to are still found relative to ``path``.  At most
    ``schema.MAX_FILE_BYTES`` bytes are read, and parsing is bounded
    (:mod:`simulate.scenario.yaml_text`).
    """
    source = str(path) if source is None else source
    data = read_yaml_file(path, source, schema.MAX_FILE_BYTES)
    checker = _Checker(source)
    checker.base = Path(path).parent
    return checker.scenario(data)


def load_scenario_dict(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate an already-parsed scenario mapping (as from YAML) and build a :class:`Scenario`."""
    return _Checker(source).scenario(data)


class _Checker(UnitsMixin):
    """Validation helpers that know the source name, so every error carries it."""

    def __init__(self, source: str):
        self.source = source
        self.base: Path | None = None  # folder of the scenario file, for the files it names

    def fail(self, path: str, message: str):
        raise ScenarioError(self.source, path, message)

    # -- generic shapes -------------------------------------------------
    def mapping(self, value: Any, path: str, allowed: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            self.fail(path, f"must be a mapping, got {_kind(value)}")
        for key in value:
            if not isinstance(key, str):
                self.fail(path, f"keys must be text, got {key!r}")
            if key not in allowed:
                self.fail(_join(path, key), f"unknown key (allowed: {', '.join(allowed)})")
        return value

    def text(self, value: Any, path: str) -> str:
        """Non-empty text; dates as ISO text.  Control characters (terminal escape codes)
        are replaced by their visible escapes, so printing a name cannot drive the terminal."""
        if isinstance(value, (_dt.date, _dt.datetime)):
            return value.isoformat()
        if isinstance(value, bool):
            key = path.rsplit(".", 1)[-1]
            self.fail(path, f"must be text, got {_kind(value)}: YAML reads a bare yes, no, on, off, true or false "
                            f'as a boolean; quote it (e.g. {key}: "Yes")')
        if isinstance(value, (int, float)):
            self.fail(path, f"must be non-empty text, got {_kind(value)}: quote it to mean the text")
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"must be non-empty text, got {_kind(value)}")
        if _SURROGATE.search(value):
            self.fail(path, f"holds characters that are not valid Unicode (a lone surrogate) in {value!r}")
        return _CONTROL.sub(_visible, value)

    def count(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"must be a whole number of votes, got {_kind(value)}")
        if isinstance(value, float):
            if not math.isfinite(value):
                self.fail(path, f"must be a finite whole number, got {value}")
            if value != int(value):
                self.fail(path, f"must be a whole number of votes, got {value}")
            value = int(value)
        if value < 0:
            self.fail(path, f"must not be negative, got {value}")
        if value > schema.MAX_VOTES:
            self.fail(path, f"is absurdly large ({value:,} > {schema.MAX_VOTES:,})")
        return value

    def number(self, value: Any, path: str, low: float, high: float, *, open_low=False, open_high=False) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"must be a number, got {_kind(value)}")
        if isinstance(value, int) and abs(value) > 10**300:
            self.fail(path, f"must be in [{_fmt(low)}, {_fmt(high)}], got {_kind(value)}")
        value = float(value)
        ok = math.isfinite(value)
        ok = ok and (value > low if open_low else value >= low) and (value < high if open_high else value <= high)
        if not ok:
            lb = "(" if open_low else "["
            rb = ")" if open_high else "]"
            self.fail(path, f"must be in {lb}{_fmt(low)}, {_fmt(high)}{rb}, got {value}")
        return value

    def integer(self, value: Any, path: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"must be an integer, got {_kind(value)}")
        if not low <= value <= high:
            self.fail(path, f"must be between {low:,} and {high:,}, got {value:,}")
        return value

    def candidate_key(self, key: Any) -> Any:
        # YAML 1.1 reads bare yes/no as booleans; in a race they are candidate ids.
        return {True: "yes", False: "no"}.get(key, key) if isinstance(key, bool) else key

    def per_candidate(self, value: Any, path: str, ids: tuple[str, ...], *, complete: bool) -> dict:
        if not isinstance(value, dict):
            self.fail(path, f"must be a mapping of candidate id to value, got {_kind(value)}")
        out = {}
        for key, item in value.items():
            key = self.candidate_key(key)
            if key not in ids:
                self.fail(_join(path, str(key)), f"unknown candidate id (candidates: {', '.join(ids)})")
            out[key] = item
        if complete:
            missing = [i for i in ids if i not in out]
            if missing:
                self.fail(path, f"missing candidate(s): {', '.join(missing)}")
        return out

    # -- sections -------------------------------------------------------
    def scenario(self, data: Any) -> Scenario:
        if data is None:
            self.fail("", "file is empty")
        doc = self.mapping(data, "", tuple(schema.SECTIONS))
        for key, required in schema.SECTIONS.items():
            if required and key not in doc:
                self.fail(key, "is required")
        race = self.race(doc["race"])
        candidates = self.candidates(doc["candidates"], race)
        ids = tuple(c.id for c in candidates)
        count = self.count_section(doc["count"], "count", ids)
        simulation = self.simulation(doc.get("simulation"))
        snapshots = self.snapshots(doc.get("snapshots"), ids)
        if snapshots:  # corrections and fresh votes along the history; the count as it stands comes last
            *snapshots, count = corrections.fresh(corrections.derive(snapshots + (count,)), simulation.fresh_hold_hours)
            snapshots = tuple(snapshots)
        final = self.final(doc.get("final"), ids)
        scenario = Scenario(
            source=self.source,
            race=race,
            candidates=candidates,
            count=count,
            model=self.model(doc.get("model"), ids),
            simulation=simulation,
            snapshots=snapshots,
            final=final,
        )
        for c in (count, *snapshots):  # the shift must leave every share of the remaining vote >= 0
            centre_shares(scenario, c)
        if final is not None:
            self.final_against(final, (count, *snapshots))
        return scenario

    def final_against(self, final: Count, counts: tuple[Count, ...]) -> None:
        """A final count of nothing after votes were counted is an error; one below an earlier
        count is kept as published (counts do go backwards) but said, as a warning."""
        import warnings

        total = sum(final.counted)
        most, where = max((sum(c.counted), c.as_of or "count") for c in counts)
        if total == 0 and most > 0:
            self.fail("final.counted", f"adds up to 0 votes, but {most:,} were already counted (at {where})")
        if total < most:
            warnings.warn(ScenarioWarning(f"{self.source}: final.counted: {total:,} votes in all, fewer than the "
                                          f"{most:,} already counted at {where} (kept as published)"), stacklevel=2)

    def race(self, value: Any) -> Race:
        race = self.mapping(value, "race", schema.RACE_KEYS)
        for key in ("name", "rule"):
            if key not in race:
                self.fail(f"race.{key}", "is required")
        rule = race["rule"]
        if rule not in RULES:
            self.fail("race.rule", f"must be one of {', '.join(RULES)}, got {rule!r}")
        seats = self.integer(race.get("seats", schema.DEFAULTS["race.seats"]), "race.seats", 1, schema.MAX_CANDIDATES)
        if seats != 1 and rule != "plurality":
            self.fail("race.seats", f"applies to plurality races only (rule is {rule})")
        if "threshold" in race and rule == "plurality":
            self.fail("race.threshold", "does not apply to plurality races")
        threshold, exact = self.threshold(race.get("threshold", schema.DEFAULTS["race.threshold"]), "race.threshold")
        margin = self.number(race.get("recount_margin", schema.DEFAULTS["race.recount_margin"]), "race.recount_margin", 0.0, 0.5)
        date = self.text(race["date"], "race.date") if race.get("date") is not None else None
        return Race(self.text(race["name"], "race.name"), date, rule, threshold, seats, margin, threshold_exact=exact)

    def threshold(self, value: Any, path: str) -> tuple[float, Fraction]:
        """A share in (0, 1): a number (``0.55``), a fraction (``2/3``) or a percentage (``"55%"``).

        Returns the float and the exact fraction it was written as (a decimal such
        as ``0.55`` is taken as the decimal it reads, 11/20).
        """
        problem = f"must be a share in (0, 1): a number, a fraction such as 2/3 or a percentage such as 55%, got {_kind(value)}"
        if isinstance(value, bool):
            self.fail(path, problem)
        if isinstance(value, str):
            text = value.strip()
            try:
                if text.endswith("%"):
                    exact = Fraction(text[:-1].strip()) / 100
                elif re.fullmatch(r"\s*\d+\s*/\s*\d+\s*", text):
                    num, den = text.split("/")
                    exact = Fraction(int(num), int(den))
                else:
                    exact = Fraction(text)
            except (ValueError, ZeroDivisionError):
                self.fail(path, problem)
            if len(text) > 40:
                self.fail(path, problem)
        elif isinstance(value, int):
            if abs(value) > 10**300:
                self.fail(path, problem)
            exact = Fraction(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                self.fail(path, problem)
            exact = Fraction(repr(value))
        else:
            self.fail(path, problem)
        if not 0 < exact < 1:
            self.fail(path, f"must be in (0, 1), got {value if isinstance(value, str) else float(exact)}")
        return float(exact), exact

    def candidates(self, value: Any, race: Race) -> tuple[Candidate, ...]:
        if not isinstance(value, list):
            self.fail("candidates", f"must be a list, got {_kind(value)}")
        if not value:
            self.fail("candidates", "must list at least one candidate")
        if len(value) > schema.MAX_CANDIDATES:
            self.fail("candidates", f"has {len(value)} entries, more than the {schema.MAX_CANDIDATES} allowed")
        out, seen = [], set()
        for i, item in enumerate(value):
            path = f"candidates[{i}]"
            entry = self.mapping(item, path, schema.CANDIDATE_KEYS)
            if "id" not in entry:
                self.fail(f"{path}.id", "is required")
            cid = self.candidate_key(entry["id"])
            if not isinstance(cid, str) or not re.match(schema.ID_PATTERN, cid):
                self.fail(f"{path}.id", f"must be lower-case letters, digits and _ starting with a letter, got {cid!r}")
            if cid in seen:
                self.fail(f"{path}.id", f"duplicate candidate id {cid!r}")
            seen.add(cid)
            name = self.text(entry["name"], f"{path}.name") if "name" in entry else cid
            out.append(Candidate(cid, name))
        if race.rule == "measure" and sorted(seen) != sorted(schema.MEASURE_IDS):
            self.fail("candidates", "a measure has exactly two candidates, with ids yes and no")
        if race.rule == "plurality" and race.seats > len(out):
            self.fail("race.seats", f"is {race.seats} but only {len(out)} candidate(s) are listed")
        return tuple(out)

    def counted(self, value: Any, path: str, ids: tuple[str, ...]) -> tuple[int, ...]:
        votes = self.per_candidate(value, path, ids, complete=True)
        return tuple(self.count(votes[i], f"{path}.{i}") for i in ids)

    def count_section(self, value: Any, path: str, ids: tuple[str, ...]) -> Count:
        section = self.mapping(value, path, schema.COUNT_KEYS)
        as_of = self.text(section["as_of"], f"{path}.as_of") if section.get("as_of") is not None else None
        corrected = self.text(section["corrected"], f"{path}.corrected") if section.get("corrected") is not None else None
        fresh = self.count(section["fresh_votes"], f"{path}.fresh_votes") if section.get("fresh_votes") is not None else None
        if "units" in section or "units_csv" in section:
            units = self.units(section, path, ids)
            return Count(as_of, _sum_counted(units, len(ids)), _sum_remaining(units), units, corrected, fresh)
        for key in ("counted", "remaining"):
            if key not in section:
                self.fail(f"{path}.{key}", "is required")
        counted = self.counted(section["counted"], f"{path}.counted", ids)
        return Count(as_of, counted, self.remaining(section["remaining"], f"{path}.remaining"), corrected=corrected,
                     fresh_votes=fresh)

    def remaining(self, value: Any, path: str) -> Remaining:
        if not isinstance(value, dict):
            # A bare number is an exact remaining count.
            return Remaining(self.count(value, path))
        section = self.mapping(value, path, schema.REMAINING_KEYS)
        if "estimate" not in section:
            self.fail(f"{path}.estimate", "is required")
        estimate = self.count(section["estimate"], f"{path}.estimate")
        if ("low" in section) != ("high" in section):
            self.fail(path, "give both low and high (a 90% interval), or neither for an exact count")
        if "low" not in section:
            return Remaining(estimate)
        low = self.count(section["low"], f"{path}.low")
        high = self.count(section["high"], f"{path}.high")
        if not low <= estimate <= high:
            self.fail(path, f"needs low <= estimate <= high, got {low:,} / {estimate:,} / {high:,}")
        if low == high:
            return Remaining(estimate)
        return Remaining(estimate, low, high)

    def snapshots(self, value: Any, ids: tuple[str, ...]) -> tuple[Count, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail("snapshots", f"must be a list, got {_kind(value)}")
        if len(value) > schema.MAX_SNAPSHOTS:
            self.fail("snapshots", f"has {len(value):,} entries, more than the {schema.MAX_SNAPSHOTS:,} allowed")
        return tuple(self.count_section(item, f"snapshots[{i}]", ids) for i, item in enumerate(value))

    def final(self, value: Any, ids: tuple[str, ...]) -> Count | None:
        if value is None:
            return None
        section = self.mapping(value, "final", schema.FINAL_KEYS)
        if "counted" not in section:
            self.fail("final.counted", "is required")
        as_of = self.text(section["as_of"], "final.as_of") if section.get("as_of") is not None else None
        return Count(as_of, self.counted(section["counted"], "final.counted", ids), Remaining(0))

    def model(self, value: Any, ids: tuple[str, ...]) -> Model:
        section = {} if value is None else self.mapping(value, "model", schema.MODEL_KEYS)
        shifts = self.per_candidate(section.get("shift", {}), "model.shift", ids, complete=False)
        shift = tuple(self.number(shifts.get(i, 0.0), f"model.shift.{i}", -1.0, 1.0) for i in ids)
        if abs(sum(shift)) > schema.SHIFT_SUM_TOLERANCE:
            self.fail("model.shift", f"shifts must add up to 0 (shares of the remaining vote still sum to 1), they add up to {sum(shift):+.6g}")
        # Precedence: the scenario's own keys, then its calibration file, then the schema's defaults.
        fitted = self.calibration(section["calibration"]) if "calibration" in section else {}
        setting = lambda key: section.get(key, fitted.get(key, schema.DEFAULTS[f"model.{key}"]))  # noqa: E731
        uncertainty = self.number(setting("uncertainty"), "model.uncertainty", 0.0, 0.5)
        if 0.0 < uncertainty < schema.MIN_UNCERTAINTY:
            self.fail("model.uncertainty", f"must be 0 (the naive model) or at least {schema.MIN_UNCERTAINTY:g}, got {uncertainty:g}")
        tail_df = self.number(setting("tail_df"), "model.tail_df", 0.0, 1000.0)
        if 0.0 < tail_df < 2.0:
            self.fail("model.tail_df", f"must be 0 (normal errors) or at least 2, got {tail_df}")
        return Model(
            shift, uncertainty, tail_df,
            early_count=self.number(setting("early_count"), "model.early_count", 0.0, 1.0),
            type_uncertainty=self.number(section.get("type_uncertainty", schema.DEFAULTS["model.type_uncertainty"]), "model.type_uncertainty", 0.0, 0.5),
            unit_uncertainty=self.number(section.get("unit_uncertainty", schema.DEFAULTS["model.unit_uncertainty"]), "model.unit_uncertainty", 0.0, 0.5),
            unit_prior_ballots=self.number(section.get("unit_prior_ballots", schema.DEFAULTS["model.unit_prior_ballots"]), "model.unit_prior_ballots", 0.0, 1e9),
            prior=self.prior(section.get("prior"), ids),
            # The two unit weights are fitted together: unit_prior_ballots alone keeps its former rule (schema.py).
            unit_count_bias=self.number(section.get("unit_count_bias", 0.0 if "unit_prior_ballots" in section else schema.DEFAULTS["model.unit_count_bias"]), "model.unit_count_bias", 0.0, 0.5),
            late_swing=self.number(setting("late_swing"), "model.late_swing", 0.0, 10.0),
        )

    def calibration(self, value: Any) -> dict:
        """The model settings of the calibration file ``value`` names (relative to this scenario's file)."""
        from .calibration_file import read_calibration

        file = self.relative_file(self.text(value, "model.calibration"))
        try:
            return read_calibration(file).model_overrides()
        except ScenarioError as exc:
            self.fail("model.calibration", f"{file}: {exc.path + ': ' if exc.path else ''}{exc.message}")

    def relative_file(self, name: str) -> Path:
        """``name`` resolved against the scenario file's folder (the working folder for an in-memory scenario)."""
        if "\0" in name:
            self.fail("", f"a file name holds a NUL character: {name!r}")
        if self.base is not None:
            return self.base / name
        base = Path(self.source).parent if self.source and not self.source.startswith("<") else Path(".")
        return base / name

    def prior(self, value: Any, ids: tuple[str, ...]) -> Prior | None:
        if value is None:
            return None
        section = self.mapping(value, "model.prior", schema.PRIOR_KEYS)
        for key in ("shares", "uncertainty"):
            if key not in section:
                self.fail(f"model.prior.{key}", "is required")
        shares = self.per_candidate(section["shares"], "model.prior.shares", ids, complete=True)
        values = tuple(self.number(shares[i], f"model.prior.shares.{i}", 0.0, 1.0) for i in ids)
        if abs(sum(values) - 1.0) > schema.SHARE_SUM_TOLERANCE:
            self.fail("model.prior.shares", f"shares must add up to 1, they add up to {sum(values):.6g}")
        return Prior(values, self.number(section["uncertainty"], "model.prior.uncertainty", schema.MIN_UNCERTAINTY, 0.5))

    def simulation(self, value: Any) -> Simulation:
        section = {} if value is None else self.mapping(value, "simulation", schema.SIMULATION_KEYS)
        d = schema.DEFAULTS
        precision = section.get("precision", d["simulation.precision"])
        if precision is not None:
            precision = self.number(precision, "simulation.precision", 1e-6, 0.1)
        return Simulation(
            draws=self.integer(section.get("draws", d["simulation.draws"]), "simulation.draws", 1, schema.MAX_DRAWS),
            seed=self.integer(section.get("seed", d["simulation.seed"]), "simulation.seed", 0, schema.MAX_SEED),
            call_confidence=self.number(section.get("call_confidence", d["simulation.call_confidence"]), "simulation.call_confidence", 0.5, 1.0, open_high=True),
            min_counted_fraction=self.number(section.get("min_counted_fraction", d["simulation.min_counted_fraction"]), "simulation.min_counted_fraction", 0.0, 1.0, open_high=True),
            precision=precision,
            max_draws=self.integer(section.get("max_draws", d["simulation.max_draws"]), "simulation.max_draws", 1, schema.MAX_DRAWS),
            correction_hold_hours=self.number(section.get("correction_hold_hours", d["simulation.correction_hold_hours"]),
                                              "simulation.correction_hold_hours", 0.0, 24.0 * 366),
            fresh_hold_hours=self.number(section.get("fresh_hold_hours", d["simulation.fresh_hold_hours"]),
                                         "simulation.fresh_hold_hours", 0.0, 24.0 * 366),
        )


def _sum_counted(units, k: int) -> tuple[int, ...]:
    return tuple(sum(u.counted[j] for u in units) for j in range(k))


def _sum_remaining(units) -> Remaining:
    estimate = sum(u.remaining.estimate for u in units)
    if all(u.remaining.exact for u in units):
        return Remaining(estimate)
    low = sum(u.remaining.estimate if u.remaining.exact else u.remaining.low for u in units)
    high = sum(u.remaining.estimate if u.remaining.exact else u.remaining.high for u in units)
    return Remaining(estimate, low, high) if low < high else Remaining(estimate)


_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _visible(match: "re.Match") -> str:
    ch = match.group(0)
    return " " if ch in "\t\n\r" else f"\\x{ord(ch):02x}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _fmt(x: float) -> str:
    return f"{x:g}"
