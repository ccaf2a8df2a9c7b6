"""The results pages in a real browser: headless Chromium driven over the DevTools protocol.

The pages are built by ``racecall watch`` from a real feed extract (the LA County
2024 general's timeframes in tests/data).  Chromium is found on the PATH
(``chromium``, ``chromium-browser``, ``google-chrome``) or in ``RACECALL_BROWSER``;
without one the tests are skipped (``.ci/run`` installs Debian's ``chromium``).
The protocol runs over ``--remote-debugging-pipe`` (file descriptors 3 and 4,
NUL-separated JSON), so no WebSocket library is needed.  Screenshots are saved in
the test's temporary folder and, when ``RACECALL_SCREENSHOTS`` names a folder, there too.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulate.cli.main import main

FEED = Path(__file__).parent / "data" / "la-county-2024" / "general" / "timeframes.json"
ROOT = Path(__file__).resolve().parents[1]


def browser() -> str | None:
    for name in (os.environ.get("RACECALL_BROWSER"), "chromium", "chromium-browser", "google-chrome", "chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


pytestmark = pytest.mark.skipif(browser() is None, reason="no Chromium found (apt-get install chromium)")


class Chromium:
    """A headless Chromium and one page, over the DevTools protocol on a pipe."""

    def __init__(self, profile: Path):
        to_r, self._to_w = os.pipe()
        self._from_r, from_w = os.pipe()

        def fds():  # the child reads commands on fd 3 and writes replies on fd 4
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)

        self.proc = subprocess.Popen(
            [browser(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
        self._buf, self._id, self.events = b"", 0, []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_w)
        os.close(self._from_r)

    def _read(self, timeout: float) -> dict:
        end = time.time() + timeout
        while b"\0" not in self._buf:
            left = end - time.time()
            if left <= 0 or not select.select([self._from_r], [], [], left)[0]:
                raise TimeoutError("no reply from the browser")
            chunk = os.read(self._from_r, 1 << 20)
            if not chunk:
                raise RuntimeError("the browser closed the pipe")
            self._buf += chunk
        message, self._buf = self._buf.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: bool = False, timeout: float = 60, **params):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_w, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read(timeout)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        seen = next((e for e in self.events if e.get("method") == method), None)
        while seen is None:
            event = self._read(timeout)
            self.events.append(event)
            seen = event if event.get("method") == method else None
        self.events.remove(seen)
        return seen

    def open(self, url: str) -> None:
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.call("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads reported so far."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(json.dumps(p["exceptionDetails"])[:300])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(json.dumps(p.get("args"))[:300])
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.append(p["entry"].get("text", "")[:300])
        return out

    def screenshot(self, path: Path, width: int, height: int, mobile: bool = False) -> Path:
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=mobile)
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        keep = os.environ.get("RACECALL_SCREENSHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        return path


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("night")
    assert main(["watch", str(FEED), "--out", str(out), "--once", "--draws", "4000", "--quiet",
                 "--title", "Los Angeles County, 5 November 2024 general"]) == 0
    return out


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    c = Chromium(tmp_path_factory.mktemp("profile"))
    yield c
    c.close()


def contests_in(site) -> list[dict]:
    import sqlite3

    db = sqlite3.connect(site / "racecall.sqlite")
    rows = db.execute("SELECT c.slug, c.race, c.standing FROM contests c").fetchall()
    db.close()
    return [{"slug": s, "race": r, "standing": json.loads(st) if st else None} for s, r, st in rows]


def test_index_loads_without_errors_and_shows_every_contest(site, chromium, tmp_path):
    chromium.open((site / "index.html").as_uri())
    assert chromium.errors() == []
    contests = contests_in(site)
    shown = chromium.js("Array.from(document.querySelectorAll('.contest h2 a')).map(a => a.textContent)")
    assert sorted(shown) == sorted(c["race"] for c in contests)
    called = [c for c in contests if c["standing"] and c["standing"]["status"] == "called"]
    assert called
    badges = chromium.js("Array.from(document.querySelectorAll('.contest .badge')).map(b => b.textContent)")
    assert badges.count("Called") + badges.count("Uncontested") >= len(called)
    # the status filter hides the others, and says how many it shows
    n = chromium.js("document.querySelector('.filters button[data-status=called]').click();"
                    "document.querySelectorAll('.contest:not(.hidden)').length")
    assert n == badges.count("Called") == int(chromium.js("document.getElementById('shown').textContent"))
    chromium.js("document.querySelector('.filters button[data-status=all]').click()")
    chromium.screenshot(tmp_path / "index-desktop.png", 1200, 1400)
    # readable on a phone: nothing wider than the screen
    chromium.screenshot(tmp_path / "index-phone.png", 390, 844, mobile=True)
    assert chromium.js("document.documentElement.scrollWidth") <= 392
    assert (tmp_path / "index-phone.png").stat().st_size > 10_000
    assert chromium.errors() == []


def test_a_called_race_has_its_badge_and_history_chart(site, chromium, tmp_path):
    contests = contests_in(site)
    called = next(c for c in contests if c["standing"] and c["standing"]["status"] == "called"
                  and "DISTRICT ATTORNEY" in c["race"])
    chromium.open((site / "index.html").as_uri())
    href = chromium.js(f"Array.from(document.querySelectorAll('.contest h2 a')).find(a => a.textContent === "
                       f"{json.dumps(called['race'])}).getAttribute('href')")
    chromium.open((site / href).as_uri())
    assert chromium.errors() == []
    assert chromium.js("document.querySelector('.badge').textContent") == "Called"
    assert chromium.js("document.querySelectorAll('svg.chart-chance polyline').length") >= 2
    assert chromium.js("document.querySelectorAll('svg.chart-share polygon').length") >= 2
    assert chromium.js("document.querySelectorAll('svg.chart-chance .called-mark').length") == 1
    box = chromium.js("JSON.stringify(document.querySelector('svg.chart-chance').getBoundingClientRect())")
    assert json.loads(box)["width"] > 300
    chromium.screenshot(tmp_path / "contest-desktop.png", 1000, 1400)
    chromium.screenshot(tmp_path / "contest-phone.png", 390, 844, mobile=True)
    assert chromium.js("document.documentElement.scrollWidth") <= 392


def test_the_pages_behind_racecall_serve(site, chromium):
    proc = subprocess.Popen([sys.executable, "-m", "simulate", "serve", str(site), "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        assert url.startswith("http://127.0.0.1:")
        chromium.open(url)
        assert chromium.errors() == []
        assert chromium.js("document.querySelectorAll('.contest').length") == len(contests_in(site))
        chromium.js("document.querySelector('.contest h2 a').click()")
        chromium.wait_for("Page.loadEventFired")
        assert chromium.js("document.querySelectorAll('svg.chart-chance').length") == 1
        assert chromium.errors() == []
    finally:
        proc.terminate()
        proc.wait(timeout=10)
