"""Refit the expected-vote error tables from the feeds' histories and print them as Python.

``python -m simulate.feeds.refit la PRIMARY_TIMEFRAMES GENERAL_TIMEFRAMES
[--pass-rates PRIMARY_RESULTS GENERAL_RESULTS]`` prints ``simulate/feeds/la_tables.py``:
the apportioning error of each 2024 election (the true countywide remaining apportioned,
:func:`simulate.feeds.la_expected.apportion_records`), each fitted with its count-noise
dispersion (:func:`simulate.model.expected_vote.fit_error_table`), keyed ``"not general"``
(fitted on the primary: used to score the general), ``"not primary"`` and ``"pooled"``.

``python -m simulate.feeds.refit minnesota ARCHIVE_2020 ARCHIVE_2022 [--cache DIR]`` prints
``simulate/feeds/minnesota_tables.py`` the same way from the precinct-based records of
:func:`simulate.feeds.minnesota_history.minnesota_history` (keys ``"not 2022-11-08"``,
fitted on 2020, ``"not 2020-11-03"`` and ``"pooled"``).

``--summary`` prints instead each history's error (estimate ÷ truth by share counted,
median and 90% range: :func:`simulate.model.expected_vote.error_summary`), the figures the
README quotes. Redirect the output over the tables module and review the diff.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import replace

import numpy as np

from ..model.expected_vote import error_summary, fit_error_table, fit_late_floor

#: Minnesota's floor (late ballots once every precinct has reported): the 99th percentile,
#: for contests of up to 5,000 votes counted and above (README, "Expected vote").
MN_FLOOR_QUANTILE = 0.99
MN_FLOOR_SIZES = (5000,)
# Minnesota's tables have no count-noise dispersion: its small contests' errors are not
# clumped ballots but precincts "reporting" before their absentee ballots (a contest at
# 1 vote counted and 100% in, then 199), and the moment estimator is then ~10^5 ballots.

_HEADER = {
    "la": '''"""Apportioning error tables for Los Angeles County: truth ÷ apportioned estimate by share counted.

Fitted with :func:`simulate.model.expected_vote.fit_error_table` (with the count-noise
dispersion) on :func:`simulate.feeds.la_expected.apportion_records` of the 2024 timeframes
files (the true countywide remaining apportioned: the apportioning error alone); the floor
is the last release-to-release step as a share of the count (median, 95th percentile). A
backtest of one election uses the table of the other ("not general" is fitted on the
primary). Written by ``python -m simulate.feeds.refit la`` (:mod:`simulate.feeds.refit`).
"""''',
    "minnesota": '''"""Error tables of the Minnesota precinct-based remaining-vote estimate: truth ÷ raw estimate by share counted.

Fitted with :func:`simulate.model.expected_vote.fit_error_table` (with the count-noise
dispersion) on the records of :func:`simulate.feeds.minnesota_history.minnesota_history`
(every contest, every release before certification at which its count changed). The floor
(late ballots once every precinct has reported) is the 99th percentile of late ballots as a
share of the count, for contests of up to 5,000 votes and above: absentee ballots keep
arriving after 100% of precincts report. ``floor_ages`` is the same floor by hours since
the contest first showed every precinct in (one record per contest and age,
:func:`~simulate.model.expected_vote.fit_late_floor`). A backtest of one election uses the table fitted
on the other ("not 2022-11-08" is fitted on 2020); live imports use the pooled one. Written by ``python -m simulate.feeds.refit minnesota``
(:mod:`simulate.feeds.refit`).
"""''',
}


def la_records(primary, general, pass_rates=(None, None)) -> dict:
    """``{"primary": records, "general": records}`` of the apportioning error."""
    from .la_county import measure_overrides_from_results, scenarios_from_timeframes
    from .la_expected import apportion_records, last_steps

    out = {}
    for kind, path, rates in (("primary", primary, pass_rates[0]), ("general", general, pass_rates[1])):
        overrides = measure_overrides_from_results(rates) if rates else None
        report = scenarios_from_timeframes(path, kind, overrides)
        out[kind] = (apportion_records(report), last_steps(report))
    return out


def minnesota_records(a2020, a2022, cache=None) -> dict:
    """``{"2020-11-03": {"records": ..., "late": ...}, "2022-11-08": ...}``: the precinct-based
    estimate's records and the late ballots by age of every contest complete before certification."""
    from .minnesota_history import minnesota_history

    out = {}
    for date, src in (("2020-11-03", a2020), ("2022-11-08", a2022)):
        history = minnesota_history(src, min_candidates=0, cache=cache)
        out[date] = {"records": list(history.records), "late": list(history.late_records)}
    return out


def _table_source(name: str, table) -> str:
    bands = "".join(f"        Band({b.upto}, {b.median}, {b.low}, {b.high}, {b.n}),\n" for b in table.bands)
    return (f"    {name!r}: ErrorTable({table.source!r}, (\n{bands}    ), {table.floor_median}, "
            f"{table.floor_high}, {table.fitted_on!r}, {table.dispersion}, {table.floor_sizes!r}"
            f"{_ages_source(table.floor_ages)}),\n")


def _ages_source(ages) -> str:
    """``floor_ages=(...)`` as source (``INF`` for the unbounded size class), or nothing."""
    if not ages:
        return ""
    rows = "".join(f"        ({a}, {'INF' if u == float('inf') else u}, {m}, {h}),\n" for a, u, m, h in ages)
    return f",\n        floor_ages=(\n{rows}    )"


def _fit(records, source, label):
    """A table with dispersion; LA's records come with their last steps, which give the floor."""
    if isinstance(records, tuple):
        records, steps = records
        table = fit_error_table(records, source, label, dispersion=True)
        f50, f95 = (float(np.quantile(steps, q)) for q in (0.5, 0.95)) if steps else (0.0, 0.0)
        return replace(table, floor_median=round(f50, 6), floor_high=round(f95, 6))
    table = fit_error_table(records["records"], source, label, dispersion=False, floor_quantile=MN_FLOOR_QUANTILE,
                            floor_size_edges=MN_FLOOR_SIZES)
    return replace(table, floor_ages=fit_late_floor(records["late"], MN_FLOOR_QUANTILE, MN_FLOOR_SIZES))


def worst_floor_ages(*tables) -> tuple:
    """Per age and size class, the highest floor of the elections' ``floor_ages``.

    The pooled table serves elections not seen yet, and late ballots vary from one election
    to the next far more than from one contest to the next (2020's absentee ballots under a
    seven-day receipt deadline: 0.64 of a small contest's count still to come six hours after
    every precinct was in, 2022's 0.03), so the floor for an unseen election is the worst
    election's, not a quantile over contests dominated by the election with most of them."""
    by_class: dict = {}
    for ages in tables:
        for age, upto, median, high in ages:
            old = by_class.get((age, upto), (0.0, 0.0))
            by_class[age, upto] = (max(old[0], median), max(old[1], high))
    return tuple((age, upto, *by_class[age, upto]) for age, upto in sorted(by_class))


def _pool(a, b):
    if isinstance(a, tuple):
        return (list(a[0]) + list(b[0]), list(a[1]) + list(b[1]))
    return {k: list(a[k]) + list(b[k]) for k in a}


def tables_module(feed: str, records: dict) -> str:
    """The source of the tables module of ``feed`` (``la`` or ``minnesota``) from ``records``
    (LA: ``(records, last steps)`` per election)."""
    (a, ra), (b, rb) = records.items()
    if feed == "la":
        names, source, label = {a: "not general", b: "not primary"}, "apportioned", "LA County 2024 {}"
    else:
        names, source, label = {a: f"not {b}", b: f"not {a}"}, "precincts", "Minnesota {} general"
    body, fitted = "", []
    for key, recs in ((a, ra), (b, rb)):
        fitted.append(_fit(recs, source, label.format(key[:4] if feed != "la" else key)))
        body += _table_source(names[key], fitted[-1])
    both = label.format(f"{a[:4]} and {b[:4]}" if feed != "la" else f"{a} and {b}")
    pooled = _fit(_pool(ra, rb), source, both)
    if pooled.floor_ages:
        pooled = replace(pooled, floor_ages=worst_floor_ages(*(t.floor_ages for t in fitted)))
    body += _table_source("pooled", pooled)
    head = "import math\n\nfrom ..model.expected_vote import Band, ErrorTable\n\nINF = math.inf\n" if "INF" in body else \
        "from ..model.expected_vote import Band, ErrorTable\n"
    return f"{_HEADER[feed]}\n{head}\nTABLES = {{\n{body}}}\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulate.feeds.refit", description=__doc__.split("\n")[0])
    parser.add_argument("feed", choices=("la", "minnesota"))
    parser.add_argument("first", help="LA: the primary's timeframes.json; Minnesota: the 2020 archive")
    parser.add_argument("second", help="LA: the general's timeframes.json; Minnesota: the 2022 archive")
    parser.add_argument("--pass-rates", nargs=2, metavar=("PRIMARY_RESULTS", "GENERAL_RESULTS"), default=(None, None))
    parser.add_argument("--cache", metavar="DIR", help="Minnesota: keep the parsed feeds here")
    parser.add_argument("--summary", action="store_true", help="print each history's error instead (JSON)")
    args = parser.parse_args(argv)
    if args.feed == "la":
        records = la_records(args.first, args.second, args.pass_rates)
    else:
        records = minnesota_records(args.first, args.second, args.cache)
    if args.summary:
        print(json.dumps({k: error_summary(v[0] if isinstance(v, tuple) else v["records"]) for k, v in records.items()},
                         indent=2))
    else:
        print(tables_module(args.feed, records), end="")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
