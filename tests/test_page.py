"""The results pages as HTML: badges, self-contained, escaped, well formed; racecall serve."""

from __future__ import annotations

import copy
import html.parser
import re
import subprocess
import sys
import urllib.request
from pathlib import Path


import simulate
from simulate.report import page, svg

from conftest import scenario_dict

ROOT = Path(__file__).resolve().parents[1]
VOID = {"meta", "link", "input", "br", "img", "circle", "line", "rect", "polyline", "polygon", "path"}


class Balance(html.parser.HTMLParser):
    """Every element closed, in order (void and self-closed SVG elements aside)."""

    def __init__(self):
        super().__init__()
        self.stack, self.problems, self.external = [], [], []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value and re.match(r"(https?:)?//", value):
                self.external.append(value)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()


def check(text: str) -> Balance:
    b = Balance()
    b.feed(text)
    b.close()
    assert b.problems == [] and b.stack == [] and b.external == []
    return b


def result(counted, remaining, **sections):
    data = scenario_dict(count={"as_of": "2024-11-05T21:00:00-08:00", "counted": counted, "remaining": remaining}, **sections)
    r = simulate.run(simulate.load_scenario_dict(data, "t.yaml"), draws=20_000)
    d = r.to_dict()
    d.setdefault("remaining", {"estimate": 0, "low": None, "high": None})
    return d


def test_badges_follow_the_standing_call_and_name_uncontested_races():
    close = result({"a": 510, "b": 490}, {"estimate": 5000, "low": 4000, "high": 6000})
    assert page.badge(close, None) == "too_close"
    assert page.badge(close, {"status": "called"}) == "called"  # a call stands although this release is close
    early = result({"a": 5, "b": 1}, {"estimate": 500000})
    assert page.badge(early, None) == "too_early"
    alone = result({"a": 5}, {"estimate": 500000}, candidates=[{"id": "a", "name": "Alice"}])
    assert page.badge(alone, None) == "uncontested"
    runoff = copy.deepcopy(close)
    assert page.badge(runoff, {"status": "runoff"}) == "runoff"


def test_pages_are_self_contained_well_formed_and_escaped():
    evil = [{"id": "a", "name": "<script>alert(1)</script>"}, {"id": "b", "name": "Bob & Co"}]
    r1 = result({"a": 300, "b": 200}, {"estimate": 5000, "low": 4000, "high": 6000}, candidates=evil)
    r2 = result({"a": 3000, "b": 1000}, {"estimate": 100, "low": 50, "high": 200}, candidates=evil)
    standing = {"status": "called", "outcome": "winner", "winners": ["a"], "confidence": 0.999, "level": 0.995,
                "as_of": "2024-11-06T17:00:00-08:00", "release": 2}
    history = [("2024-11-05T21:00:00-08:00", r1), ("2024-11-06T17:00:00-08:00", r2)]
    events = [{"kind": "called", "as_of": "2024-11-06T17:00:00-08:00", "text": "Test: <b>called</b>"}]
    contest = page.contest_html("t", history, standing, events)
    check(contest)
    assert "<script>alert" not in contest and "&lt;script&gt;" in contest and "Bob &amp; Co" in contest
    assert contest.count("<svg") == 2 and "class=called-mark" in contest
    assert "times in UTC−08:00" in contest
    releases = [{"seq": 2, "as_of": "2024-11-06T17:00:00-08:00", "final": 0}]
    index = page.index_html([{"slug": "t", "result": r2, "standing": standing}], releases, events, "Night <1>")
    check(index)
    assert "<title>Night &lt;1&gt;</title>" in index and 'href="contests/t.html"' in index
    assert "data-status=called" in index and "Called (1)" in index and "called at 2024-11-06T17:00:00-08:00" in index


def test_a_single_release_draws_its_interval():
    r = result({"a": 300, "b": 200}, {"estimate": 5000, "low": 4000, "high": 6000})
    chart = svg.share_chart([("2024-11-05T21:00:00-08:00", r)])
    low, high = (r["candidates"][0]["share_final"][k] for k in ("low", "high"))
    assert high > low and chart.count("<line x1=") >= 2  # one whisker per candidate, no band needing two points
    ys = [float(v) for v in re.findall(r"y1=([\d.]+) y2=([\d.]+)", chart)[-1]]
    assert abs(ys[0] - ys[1]) > 5  # the interval is drawn with a visible length


def test_contest_file_names_are_safe():
    assert page.contest_file("../../etc/passwd") == "contests/.._.._etc_passwd.html"
    assert "/" not in page.contest_file("a/b").split("/", 1)[1]


def test_racecall_serve_serves_the_pages_on_localhost(tmp_path):
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>hello")
    proc = subprocess.Popen([sys.executable, "-m", "simulate", "serve", str(tmp_path), "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = proc.stdout.readline().split(" at ", 1)[1].split(" ", 1)[0]
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200 and b"hello" in response.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_refuses_a_missing_directory(tmp_path, capsys):
    from simulate.cli.main import main

    assert main(["serve", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err
