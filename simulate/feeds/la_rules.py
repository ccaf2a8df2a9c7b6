"""How a Los Angeles County contest is decided: the rule mapping used by the importers.

The county's files say what a contest is (its title, ``Type``, ``VoteFor`` and, for
measures, ``MeasurePassRate``) but not how it is decided. :func:`contest_rule` maps
those fields to a scenario's ``race.rule`` / ``threshold`` / ``seats``. The mapping is
explicit: a contest that matches none of the rows below is *not* guessed, it raises
:class:`UnmappableContest` and the importer reports it as skipped with the reason.

Rows are tried in this order; the first that applies wins.

========================================  ==========  ==========================  =========
contest                                    election    rule                        seats
========================================  ==========  ==========================  =========
title in ``overrides`` (exact title)       any         the override's keys win over the row below
``Type`` Measure                           any         ``measure``, threshold from  1
                                                       ``MeasurePassRate`` (below)
``VoteFor`` N > 1                          any         ``plurality``               N
``Type`` Presidential, ``PRESIDENT AND     any         ``plurality``               ``VoteFor``
VICE PRESIDENT``, ``PRESIDENTIAL                                                   (default 1)
(CANDIDATE) PREFERENCE - <party>``,
``... COUNTY CENTRAL COMMITTEE ...``
title says ``PRIMARY NOMINATING            any         ``top_two`` threshold 0.5   1
ELECTION`` or ``CITY PRIMARY ELECTION``                (majority wins outright,
                                                       else a runoff)
US Senator, US Representative, State       primary     ``plurality`` (California   2
Senator, Member of the State Assembly,                 top-two primary: the two
statewide partisan offices                             highest advance whatever
                                                       their share)
Supervisor, District Attorney, Assessor,   primary     ``top_two`` threshold 0.5   1
Sheriff, Judge of the Superior Court,
Superintendent of Public Instruction,
Los Angeles Unified School District
``<city> GENERAL MUNICIPAL ELECTION``,     primary     ``plurality``               1
``<city> SPECIAL MUNICIPAL ELECTION``
any other single-seat candidate contest    general     ``plurality``               1
any other single-seat candidate contest    primary     not mapped: reported, override it
``Type`` Judicial (retention, yes/no)     any         ``measure`` threshold 0.5    1
``Type`` not Candidate/Measure/Presidential any         not mapped: reported, override it
========================================  ==========  ==========================  =========

``threshold`` is 0.5 for plurality rows (the schema's default; plurality ignores it).

Measure pass rates (``MeasurePassRate``, compared after collapsing spaces, ignoring case):

* ``Majority of votes cast`` -> 0.5; ``<N>% of votes cast`` -> N/100 (``55%`` -> 0.55);
  ``<a>/<b> of votes cast`` -> a/b (``2/3`` -> the float ``2/3``).
* ``2/3 votes, 55% if prop 5 passes`` (three November 2024 measures) is conditional on
  Proposition 5, a statewide measure whose statewide result is not in the county's files
  (the county's own count of STATE MEASURE 5 is not it). It maps to 2/3 with a warning
  naming the condition; an override with threshold 0.55 chooses the other branch.
* Any other text, including an empty pass rate (the March 2024 ``timeframes.json`` has
  none), is not mapped.

Notes on the rows: the 2024 files confirm the runoff rows (for example, the November
file carries runoffs for Los Angeles City Council districts 2, 10, 14 and for LAUSD
districts 1, 3 and 5 from the March primary nominating elections). Inglewood holds its
primary nominating election in November, so the ``PRIMARY NOMINATING ELECTION`` row
applies in a general election too. Other school, college and special-district contests
consolidated with a primary differ by district charter, so they are reported rather
than guessed.
"""
from __future__ import annotations

import re
import unicodedata

RULES = ("plurality", "majority", "top_two", "measure")

PROP5_CONDITION = "2/3 votes, 55% if prop 5 passes"
PROP5_WARNING = (
    "pass rate '2/3 votes, 55% if prop 5 passes' depends on whether Proposition 5 "
    "passes statewide, which this file does not say; using 2/3; override the "
    "threshold to 0.55 if Proposition 5 passed"
)
# Conditional pass rates that are understood, with the threshold used and the warning.
CONDITIONAL_PASS_RATES = {PROP5_CONDITION.casefold(): (2 / 3, PROP5_WARNING)}

_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}

_TOP_TWO_PARTISAN = re.compile(
    r"^(UNITED STATES SENATOR|UNITED STATES REPRESENTATIVE|STATE SENATOR|"
    r"MEMBER OF THE STATE ASSEMBLY|GOVERNOR|LIEUTENANT GOVERNOR|SECRETARY OF STATE|"
    r"CONTROLLER|TREASURER|ATTORNEY GENERAL|INSURANCE COMMISSIONER|"
    r"MEMBER,? STATE BOARD OF EQUALIZATION)\b")
_COUNTY_NONPARTISAN = re.compile(
    r"^(SUPERVISOR|DISTRICT ATTORNEY|ASSESSOR|SHERIFF|JUDGE OF THE SUPERIOR COURT|"
    r"SUPERINTENDENT OF PUBLIC INSTRUCTION|LOS ANGELES UNIFIED SCHOOL DISTRICT)\b")
_PRESIDENTIAL_OR_PARTY = re.compile(
    r"^PRESIDENT AND VICE PRESIDENT\b|^PRESIDENTIAL (CANDIDATE )?PREFERENCE\b|"
    r"\bCOUNTY CENTRAL COMMITTEE\b")
_RUNOFF_CITY = re.compile(r"\bPRIMARY NOMINATING ELECTION\b|\bCITY PRIMARY ELECTION\b")
_PLURALITY_CITY = re.compile(r"\b(GENERAL|SPECIAL) MUNICIPAL ELECTION\b")


class UnmappableContest(ValueError):
    """A contest whose rule the mapping cannot tell; the message is the reason."""


def _norm(text) -> str:
    """Upper-case ASCII with single spaces, for matching titles."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.upper().split())


def parse_vote_for(vote_for) -> int:
    """``VoteFor`` as an int: ``""``/None -> 1, ``3``/``"3"`` -> 3,
    ``"Vote for no more than seven"`` -> 7. Anything else raises UnmappableContest."""
    if vote_for is None or (isinstance(vote_for, str) and not vote_for.strip()):
        return 1
    if isinstance(vote_for, bool):
        raise UnmappableContest(f"vote-for value not understood: {vote_for!r}")
    if isinstance(vote_for, int):
        n = vote_for
    else:
        m = re.fullmatch(r"(?:vote for (?:no more than |up to )?)?(\w+)",
                         " ".join(str(vote_for).lower().split()))
        word = m.group(1) if m else ""
        n = int(word) if word.isdigit() else _WORDS.get(word, -1)
    if n < 1:
        raise UnmappableContest(f"vote-for value not understood: {vote_for!r}")
    return n


def parse_threshold(text) -> float:
    """A threshold written by a person: ``0.55``, ``55%``, ``2/3``. Raises ValueError."""
    s = str(text).strip()
    if m := re.fullmatch(r"(\d+)\s*/\s*(\d+)", s):
        value = int(m.group(1)) / int(m.group(2)) if int(m.group(2)) else -1.0
    elif m := re.fullmatch(r"(\d+(?:\.\d*)?)\s*%", s):
        value = float(m.group(1)) / 100
    else:
        value = float(s)
    if not 0 < value < 1:
        raise ValueError(f"threshold must be between 0 and 1, got {text!r}")
    return value


def measure_threshold(pass_rate) -> tuple[float, str | None]:
    """Threshold for a ``MeasurePassRate`` text, and a warning if it is conditional."""
    text = " ".join(str(pass_rate or "").split()).casefold()
    if not text:
        raise UnmappableContest(
            "measure pass rate missing from the file; give the threshold with an override")
    if text in CONDITIONAL_PASS_RATES:
        return CONDITIONAL_PASS_RATES[text]
    if text == "majority of votes cast":
        return 0.5, None
    m = re.fullmatch(r"(\d+(?:\.\d+)?%|\d+/\d+) of (?:the )?votes cast", text)
    if m:
        try:
            return parse_threshold(m.group(1)), None
        except ValueError:
            pass
    raise UnmappableContest(
        f"measure pass rate not understood: {pass_rate!r}; give the threshold with an override")


def _mapped(title, contest_type, vote_for, pass_rate, kind, warnings):
    ctype = _norm(contest_type)
    if ctype == "MEASURE":
        threshold, warning = measure_threshold(pass_rate)
        if warning:
            warnings.append(warning)
        return {"rule": "measure", "threshold": threshold, "seats": 1}
    if ctype == "JUDICIAL":  # retention: "Shall judge X be elected?" yes/no, a majority retains
        return {"rule": "measure", "threshold": 0.5, "seats": 1}
    if ctype not in ("CANDIDATE", "PRESIDENTIAL"):
        raise UnmappableContest(f"unknown contest type {contest_type!r}")
    seats = parse_vote_for(vote_for)
    plurality = {"rule": "plurality", "threshold": 0.5, "seats": seats}
    t = _norm(title)
    if seats > 1 or ctype == "PRESIDENTIAL" or _PRESIDENTIAL_OR_PARTY.search(t):
        return plurality
    if _RUNOFF_CITY.search(t):
        return {"rule": "top_two", "threshold": 0.5, "seats": 1}
    if kind == "general":
        return plurality
    if _TOP_TWO_PARTISAN.search(t):
        return {"rule": "plurality", "threshold": 0.5, "seats": 2}
    if _COUNTY_NONPARTISAN.search(t):
        return {"rule": "top_two", "threshold": 0.5, "seats": 1}
    if _PLURALITY_CITY.search(t):
        return plurality
    raise UnmappableContest(
        "contest kind not in the primary mapping (plurality or majority-else-runoff "
        "cannot be told from the title); give the rule with an override")


def _check_override(title, override) -> dict:
    if not isinstance(override, dict) or set(override) - {"rule", "threshold", "seats"}:
        raise UnmappableContest(
            f"override for {title!r} must be a mapping of rule/threshold/seats, got {override!r}")
    out = dict(override)
    if "rule" in out and out["rule"] not in RULES:
        raise UnmappableContest(f"override rule {out['rule']!r} is not one of {', '.join(RULES)}")
    if "threshold" in out:
        t = out["threshold"]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t < 1:
            raise UnmappableContest(f"override threshold {t!r} must be between 0 and 1")
        out["threshold"] = float(t)
    if "seats" in out:
        s = out["seats"]
        if isinstance(s, bool) or not isinstance(s, int) or s < 1:
            raise UnmappableContest(f"override seats {s!r} must be a positive integer")
    return out


def contest_rule(contest_title, contest_type, vote_for, measure_pass_rate,
                 election_kind, overrides=None, warnings=None) -> dict:
    """``{"rule", "threshold", "seats"}`` for one contest (see the module docstring).

    ``election_kind`` is ``"primary"`` or ``"general"``. ``overrides`` maps an exact
    contest title to a partial rule dict whose keys win over the mapping; with an
    override that names the rule, a contest the mapping cannot tell is still imported.
    Warnings (a conditional pass rate the override did not settle) are appended to the
    list ``warnings`` if one is given. Raises :class:`UnmappableContest` with the reason
    when the contest cannot be mapped, and ValueError for an unknown ``election_kind``.
    """
    if election_kind not in ("primary", "general"):
        raise ValueError(f"election_kind must be 'primary' or 'general', got {election_kind!r}")
    override = (overrides or {}).get(contest_title)
    override = _check_override(contest_title, override) if override is not None else {}
    found: list[str] = []
    try:
        rule = _mapped(contest_title, contest_type, vote_for, measure_pass_rate,
                       election_kind, found)
    except UnmappableContest:
        if "rule" not in override:
            raise
        rule = {"rule": override["rule"], "threshold": 0.5, "seats": 1}
        try:
            rule["seats"] = parse_vote_for(vote_for)
        except UnmappableContest:
            pass
        found = []
    if "threshold" in override:
        found = []  # the override settles a conditional pass rate
    rule.update(override)
    if warnings is not None:
        warnings.extend(found)
    return rule
