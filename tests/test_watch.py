"""racecall watch: a feed played release by release into SQLite, pages and events; killed and resumed."""

from __future__ import annotations

import http.server
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from simulate.cli.main import main
from simulate.live import sources
from simulate.live.store import FILE
from simulate.live.watch import Settings, Watcher

FEED = Path(__file__).parent / "data" / "la-county-2024" / "general" / "timeframes.json"
ROOT = Path(__file__).resolve().parents[1]


def releases():
    return list(sources.releases(FEED, kind="general"))


def table(out, sql):
    db = sqlite3.connect(Path(out) / FILE)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def snapshot(out):
    """Everything the database holds that must not depend on interruptions (ids and timings aside)."""
    return (table(out, "SELECT seq, key, as_of, final, contests, simulated FROM releases ORDER BY seq"),
            table(out, "SELECT slug, seq, digest, status, result FROM results ORDER BY slug, seq"),
            table(out, "SELECT slug, race, digest, seq, standing FROM contests ORDER BY slug"),
            table(out, "SELECT seq, slug, kind, text, data FROM events ORDER BY seq, slug, kind"))


def test_feed_releases_are_ordered_and_unique():
    rels = releases()
    keys = [r.key for r in rels]
    assert len(rels) >= 10 and keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(len(r.contests) >= 15 for r in rels)


def test_watch_plays_the_feed_into_the_database_and_pages(tmp_path, capsys):
    out = tmp_path / "night"
    assert main(["watch", str(FEED), "--out", str(out), "--once", "--draws", "4000", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rels = releases()
    stored = table(out, "SELECT key FROM releases ORDER BY seq")
    assert [k for (k,) in stored] == [r.key for r in rels]
    slugs = {s for r in rels for s, _ in r.contests}
    assert {s for (s,) in table(out, "SELECT slug FROM contests")} == slugs
    # a contest is re-simulated exactly when its scenario changed, so the first release simulates all
    assert table(out, "SELECT simulated FROM releases WHERE seq = 1")[0][0] == len(rels[0].contests)
    events = table(out, "SELECT kind, text FROM events ORDER BY id")
    assert len(lines) == len(events) and [line.split(None, 2)[2] for line in lines] == [t for _, t in events]
    assert {k for k, _ in events} >= {"called"}
    index = (out / "index.html").read_text()
    for (race,) in table(out, "SELECT race FROM contests"):
        assert race.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&#x27;") in index
    assert len(list((out / "contests").glob("*.html"))) == len(slugs)


def test_json_events_are_one_object_per_line(tmp_path, capsys):
    out = tmp_path / "night"
    assert main(["watch", str(FEED), "--out", str(out), "--once", "--draws", "4000", "--quiet", "--json",
                 "--max-releases", "3"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events and all({"release", "as_of", "slug", "race", "kind", "text"} <= set(e) for e in events)
    assert len(events) == table(out, "SELECT COUNT(*) FROM events")[0][0]
    assert table(out, "SELECT COUNT(*) FROM releases")[0][0] == 3


def test_a_second_run_adds_nothing_and_resumes_after_the_last_release(tmp_path, capsys):
    out = tmp_path / "night"
    args = ["watch", str(FEED), "--out", str(out), "--once", "--draws", "4000", "--quiet"]
    assert main(args + ["--max-releases", "4"]) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    rest = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == ""  # nothing new, nothing printed, nothing stored twice
    whole = tmp_path / "whole"
    assert main(["watch", str(FEED), "--out", str(whole), "--once", "--draws", "4000", "--quiet"]) == 0
    assert first + rest == capsys.readouterr().out
    assert snapshot(out) == snapshot(whole)


def test_sigkill_mid_way_loses_nothing_committed_and_doubles_nothing(tmp_path):
    """Kill the process while it works (after some releases are committed), restart it: the same database
    as one uninterrupted run, release for release, result for result, event for event."""
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "simulate", "watch", str(FEED), "--out", str(out), "--once", "--draws", "60000",
           "--quiet", "--threads", "1"]
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.time() + 240
    committed = 0
    while time.time() < deadline and proc.poll() is None:
        if (out / FILE).exists():
            try:
                committed = table(out, "SELECT COUNT(*) FROM releases")[0][0]
            except sqlite3.OperationalError:
                committed = 0
        if committed >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    first_out = proc.communicate()[0].decode()
    killed_at = table(out, "SELECT COUNT(*) FROM releases")[0][0]
    total = len(releases())
    assert 3 <= killed_at < total
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert again.returncode == 0, again.stderr
    whole = tmp_path / "whole"
    ref = subprocess.run([*cmd[:6], str(whole), *cmd[7:]], cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert ref.returncode == 0, ref.stderr
    assert snapshot(out) == snapshot(whole)
    assert len(table(out, "SELECT key FROM releases")) == total
    # the printed events: those of the committed releases before the kill, then the rest, none twice
    assert (first_out + again.stdout).count("\n") >= ref.stdout.count("\n") - 50  # output of a killed process may be cut
    assert again.stdout and ref.stdout.endswith(again.stdout)
    assert (out / "index.html").read_text() == (whole / "index.html").read_text().replace(str(whole), str(out))


def test_a_failed_release_is_rolled_back_whole(tmp_path):
    rels = releases()
    watcher = Watcher(tmp_path, Settings(draws=2000))
    watcher.process(rels[0])
    before = snapshot(tmp_path)
    store = watcher.store
    good = ("x", "d", {"race": "X", "call": {"status": "too_close"}})
    bad = ("y", "d", {"race": "Y", "call": {"status": "too_close"}, "oops": {1, 2}})  # not JSON: fails mid-way
    with pytest.raises(TypeError):
        store.record(rels[1], [good, bad], {"x": None}, [], 0.1)
    assert snapshot(tmp_path) == before  # not the release row, not the first result: nothing
    watcher.close()
    resumed = Watcher(tmp_path, Settings(draws=2000))
    assert resumed.process(rels[0]) is None and resumed.process(rels[1]) is not None
    resumed.close()


def test_watch_polls_a_url(tmp_path, capsys):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    handler = lambda *a, **k: Quiet(*a, directory=str(FEED.parent), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{FEED.name}"
        out = tmp_path / "url"
        assert main(["watch", url, "--out", str(out), "--once", "--draws", "2000", "--quiet", "--max-releases", "2"]) == 0
        assert table(out, "SELECT COUNT(*) FROM releases")[0][0] == 2
        bad = f"http://127.0.0.1:{server.server_address[1]}/missing.json"
        assert main(["watch", bad, "--out", str(tmp_path / "bad"), "--once", "--quiet"]) == 0  # retried, not a crash
    finally:
        server.shutdown()
        server.server_close()


def test_a_folder_updated_in_place_is_reread(tmp_path, capsys):
    feed = tmp_path / "feed"
    feed.mkdir()
    data = json.loads(FEED.read_text())
    keep = 4
    cut = {"dates": data["dates"][:keep], "contests": [
        {**c, "cumulative_totals": c.get("cumulative_totals", [])[:keep],
         "candidates": [{**x, "votes": x["votes"][:keep]} for x in c["candidates"]]} for c in data["contests"]]}
    (feed / "timeframes.json").write_text(json.dumps(cut))
    out = tmp_path / "out"
    assert main(["watch", str(feed), "--out", str(out), "--once", "--draws", "2000", "--quiet"]) == 0
    n = table(out, "SELECT COUNT(*) FROM releases")[0][0]
    assert 1 <= n <= keep
    (feed / "timeframes.json").write_text(json.dumps(data))
    assert main(["watch", str(feed), "--out", str(out), "--once", "--draws", "2000", "--quiet"]) == 0
    assert table(out, "SELECT COUNT(*) FROM releases")[0][0] > n


def test_bad_sources_are_one_clean_error(tmp_path, capsys):
    assert main(["watch", str(tmp_path / "nothing.json"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file or folder" in err
    (tmp_path / "file").write_text("x")
    assert main(["watch", str(FEED), "--out", str(tmp_path / "file")]) == 2
    assert "--out must be a directory" in capsys.readouterr().err


def test_worker_processes_give_the_same_numbers(tmp_path, monkeypatch):
    import simulate.live.watch as watch_module

    monkeypatch.setattr(watch_module, "PROCESS_MIN", 1)
    rels = releases()[:3]
    for name, processes in (("one", 1), ("two", 2)):
        watcher = Watcher(tmp_path / name, Settings(draws=4000, processes=processes))
        for release in rels:
            watcher.process(release)
        watcher.close()
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_a_contest_whose_count_did_not_change_is_not_simulated_again(tmp_path):
    rels = releases()
    watcher = Watcher(tmp_path, Settings(draws=2000))
    watcher.process(rels[0])
    held = [slug for slug, c in watcher.latest.items() if c.result.get("held")]
    assert held  # a first count's votes are all fresh: held for an hour (simulate.scenario.corrections)

    def at(when, key):
        return sources.Release(when, key, False, tuple((slug, {**m, "count": {**m["count"], "as_of": when}})
                                                       for slug, m in rels[0].contests))

    timing = watcher.process(at("2099-01-01T00:00:00-08:00", "9999 later"))
    assert timing.simulated == len(held)  # only the time moved: the held contests are looked at again
    assert not any(c.result.get("held") for c in watcher.latest.values())
    timing = watcher.process(at("2099-01-02T00:00:00-08:00", "9999 later still"))
    assert timing.simulated == 0  # only the time moved, nothing held
    moved = dict(rels[0].contests)
    slug = next(iter(moved))
    changed = copy_with_one_more_vote(moved[slug])
    timing = watcher.process(sources.Release(None, "9999 moved", False, ((slug, changed),)))
    assert timing.simulated == 1
    watcher.close()


def copy_with_one_more_vote(mapping):
    import copy

    m = copy.deepcopy(mapping)
    first = next(iter(m["count"]["counted"]))
    m["count"]["counted"][first] += 1
    return m


def test_events_leader_change_too_close_and_retraction():
    import simulate
    from simulate.live import events as ev

    def result(a, b, remaining):
        data = {"race": {"name": "R", "rule": "plurality"},
                "candidates": [{"id": "a", "name": "Alice"}, {"id": "b", "name": "Bob"}],
                "count": {"as_of": "2024-11-05T21:00:00-08:00", "counted": {"a": a, "b": b}, "remaining": remaining}}
        return simulate.run(simulate.load_scenario_dict(data, "r"), draws=20_000)

    ahead_b = result(400, 600, {"estimate": 50})  # Bob far ahead, called for him
    call, found = ev.step("r", None, None, ahead_b, 1, retract_level=0.98)
    assert call is not None and call.winners == ("b",) and [k for _, k, _, _ in found] == ["called"]
    close_a = result(1010, 1000, {"estimate": 20000, "low": 15000, "high": 30000})  # now Alice leads, a toss-up
    new, found = ev.step("r", ahead_b.to_dict(), call, close_a, 2, retract_level=0.98)
    kinds = [k for _, k, _, _ in found]
    assert new is None and kinds == ["retracted", "leader"]
    assert "Alice now leads the count, ahead of Bob" in found[1][2] and "call retracted (Bob wins)" in found[0][2]
    _, found = ev.step("r", result(1000, 400, {"estimate": 500}).to_dict(), None, close_a, 3, retract_level=0.98)
    assert [k for _, k, _, _ in found] == ["too_close"]
    _, found = ev.step("r", close_a.to_dict(), None, close_a, 4, retract_level=0.98)
    assert found == []  # still close: nothing new to say
