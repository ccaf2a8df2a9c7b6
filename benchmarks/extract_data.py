"""Extract the small LA County 2024 data set the benchmarks use (not run at benchmark time).

Usage::

    python benchmarks/extract_data.py DATA_DIR [--out benchmarks/data]

``DATA_DIR`` is a copy of the LA County 2024 count histories collected by
rdmurphy/scrape-la-county-election-results-2024 (MIT): the folder holding
``LICENSE``, ``primary/timeframes.json``, ``general/timeframes.json`` and the two
``snapshots.csv`` files.  Writes ``la-county-2024.json`` (votes per candidate at the
FIRST and at the FINAL release of each contest) and a copy of ``LICENSE`` into
``--out``.  ``PROVENANCE.md`` there describes the result; the hashes it quotes are
printed by this script.

Kept: every contest of the November 2024 general (all 373, including the ones the
benchmark skips), and from the March 2024 primary the District Attorney contest
(12 candidates, top two) and one vote-for-7 county central committee contest
(:data:`PRIMARY_CONTESTS`).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import sys
from pathlib import Path

#: Primary contests kept, by the county's contest id.
PRIMARY_CONTESTS = {
    9054: "DISTRICT ATTORNEY",
    9315: "MEMBER, COUNTY CENTRAL COMMITTEE, 52ND ASSEMBLY DISTRICT - DEMOCRATIC",
}

_WORDS = {"": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10}


def seats_from_vote_for(vote_for) -> int:
    """Seats from the feed's ``vote_for``: an int (general) or "Vote for no more than seven" (primary)."""
    if isinstance(vote_for, int):
        return vote_for
    text = str(vote_for).strip().lower()
    if text.isdigit():
        return int(text)
    word = text.rsplit(" ", 1)[-1] if text else ""
    if word not in _WORDS:
        raise ValueError(f"cannot read vote_for {vote_for!r}")
    return _WORDS[word]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def release_commits(snapshots_csv: Path, dates: list) -> tuple[str, str]:
    """The scraper repository's results commit for the first and the last release in ``dates``."""
    with snapshots_csv.open(newline="") as fh:
        rows = {(r["date"], int(r["release"])): r["results_commit_sha"] for r in csv.DictReader(fh)}
    first, last = tuple(dates[0]), tuple(dates[-1])
    return rows.get((first[0], int(first[1])), ""), rows.get((last[0], int(last[1])), "")


def contest_record(contest: dict) -> dict:
    votes_first = [c["votes"][0] if c["votes"] else 0 for c in contest["candidates"]]
    votes_final = [c["votes"][-1] if c["votes"] else 0 for c in contest["candidates"]]
    return {
        "id": contest["id"],
        "name": " ".join(str(contest["name"]).split()),
        "type": contest["type"],
        "vote_for": contest["vote_for"],
        "seats": seats_from_vote_for(contest["vote_for"]),
        "measure_pass_rate": contest.get("measure_pass_rate"),
        "candidates": [" ".join(c["name"].split()) for c in contest["candidates"]],
        "first": votes_first,
        "final": votes_final,
    }


def extract(data_dir: Path) -> tuple[dict, dict]:
    out, hashes = {}, {}
    for election in ("primary", "general"):
        path = data_dir / election / "timeframes.json"
        hashes[f"{election}/timeframes.json"] = sha256(path)
        doc = json.loads(path.read_text())
        dates = doc["dates"]
        contests = doc["contests"]
        if election == "primary":
            contests = [c for c in contests if c["id"] in PRIMARY_CONTESTS]
            for c in contests:
                if " ".join(c["name"].split()) != PRIMARY_CONTESTS[c["id"]]:
                    raise ValueError(f"primary contest {c['id']} is {c['name']!r}, expected {PRIMARY_CONTESTS[c['id']]!r}")
            if len(contests) != len(PRIMARY_CONTESTS):
                raise ValueError("a primary contest is missing")
        first_commit, final_commit = release_commits(data_dir / election / "snapshots.csv", dates)
        out[election] = {
            "first_release": {"date": dates[0][0], "release": dates[0][1], "results_commit": first_commit},
            "final_release": {"date": dates[-1][0], "release": dates[-1][1], "results_commit": final_commit},
            "releases": len(dates),
            "contests": [contest_record(c) for c in contests],
        }
    return out, hashes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="folder with LICENSE, primary/ and general/")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "data")
    args = parser.parse_args(argv)
    data, hashes = extract(args.data_dir)
    doc = {
        "source": "rdmurphy/scrape-la-county-election-results-2024 (MIT), timeframes.json; "
                  "see PROVENANCE.md. Votes are cumulative per candidate at the first and the final release.",
        "source_sha256": hashes,
        **data,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "la-county-2024.json"
    # One contest per line: small, and diffs stay readable.
    lines = ["{"]
    head = {k: v for k, v in doc.items() if k not in ("primary", "general")}
    for key, value in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    for i, election in enumerate(("primary", "general")):
        section = doc[election]
        lines.append(f"  {json.dumps(election)}: {{")
        for key in ("first_release", "final_release", "releases"):
            lines.append(f"    {json.dumps(key)}: {json.dumps(section[key])},")
        lines.append('    "contests": [')
        rows = [json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in section["contests"]]
        lines.append(",\n".join(f"      {r}" for r in rows))
        lines.append("    ]")
        lines.append("  }" + ("," if i == 0 else ""))
    lines.append("}")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    json.loads(target.read_text(encoding="utf-8"))  # round-trip check
    shutil.copyfile(args.data_dir / "LICENSE", args.out / "LICENSE")
    print(f"wrote {target} ({target.stat().st_size:,} bytes): "
          f"{len(data['primary']['contests'])} primary + {len(data['general']['contests'])} general contests")
    for name, digest in hashes.items():
        print(f"  sha256 {name}: {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
