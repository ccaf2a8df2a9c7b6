"""The results pages: ``index.html`` with every contest, and one page per contest with its history.

Self-contained HTML (inline CSS, inline SVG charts, a few lines of inline
script for the status filters and search; no external assets), so the pages
work opened from the file system and behind ``racecall serve``.  Every page is
written atomically (:func:`simulate.files.write_text`).

Badges
------
``called`` (a call stands), ``runoff`` (a runoff stands, its pair still open),
``too close``, ``too early``, and ``uncontested`` (no more candidates than
seats: called at once).  A call stands once made until it is retracted
(:mod:`simulate.history.standing`), so the badge follows the standing call,
not only the latest release's own call.

Inputs are plain data: each contest's latest result (the contract's JSON
object, with ``remaining``), its standing call (a dict or ``None``) and, for a
contest page, its history ``[(as_of, result), ...]``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from . import svg

STATUSES = ("called", "runoff", "too_close", "too_early", "uncontested")
LABELS = {"called": "Called", "runoff": "Runoff", "too_close": "Too close", "too_early": "Too early",
          "uncontested": "Uncontested"}
MAX_ROWS = 6  # candidates shown per contest on the index page

_e = html.escape

CSS = """
*{box-sizing:border-box}body{font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#f6f6f4}
header,main,footer{max-width:1100px;margin:0 auto;padding:0 12px}header h1{font-size:1.4em;margin:14px 0 2px}
.meta{color:#555;font-size:.9em}a{color:#0b4f9c}h2{font-size:1.05em;margin:0 0 4px}
.filters{display:flex;flex-wrap:wrap;gap:6px;margin:10px 0}.filters button{font:inherit;border:1px solid #bbb;background:#fff;border-radius:16px;padding:3px 11px;cursor:pointer}
.filters button[aria-pressed=true]{background:#1b1b1b;color:#fff;border-color:#1b1b1b}#q{font:inherit;padding:4px 8px;border:1px solid #bbb;border-radius:6px;min-width:12em;flex:1}
.contest{background:#fff;border:1px solid #ddd;border-radius:8px;padding:10px 12px;margin:8px 0}
.badge{display:inline-block;font-size:.75em;font-weight:600;letter-spacing:.03em;text-transform:uppercase;border-radius:4px;padding:1px 7px;margin-right:6px;vertical-align:2px}
.b-called{background:#1d7a3a;color:#fff}.b-runoff{background:#7a4b1d;color:#fff}.b-too_close{background:#f2c230;color:#1b1b1b}
.b-too_early{background:#ddd;color:#333}.b-uncontested{background:#4a6fa5;color:#fff}
.sentence{margin:4px 0}.facts{color:#555;font-size:.88em}table{border-collapse:collapse;width:100%;font-size:.9em;margin-top:6px}
th,td{padding:3px 6px;text-align:right;border-bottom:1px solid #eee;white-space:nowrap}th:first-child,td:first-child{text-align:left;white-space:normal}
th{font-weight:600;color:#444;font-size:.85em}.win td:first-child{font-weight:600}.more{font-size:.85em;color:#555}
.scroll{overflow-x:auto}.events{font-size:.9em;padding-left:1.1em}.events li{margin:2px 0}.k{font-weight:600;text-transform:uppercase;font-size:.8em}
.k-retracted{color:#b00020}.k-called{color:#1d7a3a}figure{margin:12px 0}figcaption{font-size:.85em;color:#555}svg{max-width:100%;height:auto;background:#fff}
.hidden{display:none}footer{color:#666;font-size:.8em;padding:20px 12px}
@media (max-width:600px){body{font-size:14px}.hide-narrow{display:none}th,td{padding:3px 4px}}
"""

SCRIPT = """
(function(){var on='all',q=document.getElementById('q');var items=document.querySelectorAll('.contest');
function apply(){var t=(q.value||'').toLowerCase(),n=0;items.forEach(function(el){var ok=(on==='all'||el.dataset.status===on)&&
(!t||el.dataset.name.indexOf(t)>=0);el.classList.toggle('hidden',!ok);if(ok)n++;});document.getElementById('shown').textContent=n;}
document.querySelectorAll('.filters button').forEach(function(b){b.addEventListener('click',function(){on=b.dataset.status;
document.querySelectorAll('.filters button').forEach(function(x){x.setAttribute('aria-pressed',x===b?'true':'false');});apply();});});
q.addEventListener('input',apply);var h=location.hash.slice(1);if(h){var b=document.querySelector('.filters button[data-status="'+h+'"]');if(b)b.click();}})();
"""


def badge(result: dict, standing: dict | None) -> str:
    """The contest's status for its badge (see the module docstring)."""
    call = result["call"]
    if result["rule"] != "measure" and call["status"] == "called" and len(call["winners"]) >= len(result["candidates"]):
        return "uncontested"
    if standing:
        return standing["status"]
    return call["status"] if call["status"] in ("too_close", "too_early") else "too_close"


def pct(x, digits: int = 1) -> str:
    return "–" if x is None else f"{100 * x:.{digits}f}%"


def chance(x) -> str:
    if x is None:
        return "–"
    if 0 < x < 0.001:
        return "<0.1%"
    if 0.999 < x < 1:
        return ">99.9%"
    return pct(x)


def chance_of(result: dict, c: dict):
    """The chance shown for a candidate: of advancing (majority/top_two), else of winning."""
    return c["p_advance"] if result["rule"] in ("majority", "top_two") else c["p_win"]


def ballots_left(result: dict) -> str:
    r = result.get("remaining") or {}
    est = r.get("estimate")
    if est is None:
        return "ballots left: unknown"
    if r.get("low") is None or r.get("high") is None:
        return f"ballots left: {est:,}" + (" (count complete)" if est == 0 else "")
    return f"ballots left: about {est:,} ({r['low']:,}–{r['high']:,})"


def called_when(standing: dict | None) -> str:
    return f"called at {_e(standing['as_of'])}" if standing and standing.get("as_of") else ""


def candidates_table(result: dict, limit: int | None = None) -> str:
    runoff = result["rule"] in ("majority", "top_two")
    cands = sorted(result["candidates"], key=lambda c: (-c["counted"], c["id"]))
    winners = set(result["call"]["winners"])
    shown = cands if limit is None else cands[:limit]
    head = ("<tr><th>candidate</th><th>votes</th><th>share</th><th>" + ("advance" if runoff else "chance")
            + "</th>" + ("<th class='hide-narrow'>outright</th>" if runoff else "") + "<th>final share, 90%</th></tr>")
    rows = []
    for c in shown:
        f = c["share_final"]
        rows.append(f"<tr{' class=win' if c['id'] in winners else ''}><td>{_e(c['name'])}</td><td>{c['counted']:,}</td>"
                    f"<td>{pct(c['share_counted'])}</td><td>{chance(chance_of(result, c))}</td>"
                    + (f"<td class='hide-narrow'>{chance(c['p_outright'])}</td>" if runoff else "")
                    + f"<td>{pct(f['low'])}–{pct(f['high'])}</td></tr>")
    more = ""
    if len(cands) > len(shown):
        more = f"<div class=more>and {len(cands) - len(shown)} more candidates</div>"
    return f"<div class=scroll><table>{head}{''.join(rows)}</table></div>{more}"


def contest_file(slug: str) -> str:
    """The contest page's path relative to the output directory (a safe file name)."""
    return "contests/" + re.sub(r"[^A-Za-z0-9_.-]", "_", slug)[:150] + ".html"


def _card(c: dict) -> str:
    result, standing = c["result"], c["standing"]
    status = badge(result, standing)
    facts = [f"{pct(result['counted_fraction'], 0)} counted", ballots_left(result)]
    if called_when(standing):
        facts.append(called_when(standing))
    name = result["race"]
    return (f"<section class=contest data-status={status} data-name=\"{_e(name.lower())}\">"
            f"<h2><span class='badge b-{status}'>{LABELS[status]}</span><a href=\"{contest_file(c['slug'])}\">{_e(name)}</a></h2>"
            f"<p class=sentence>{_e(result['call']['sentence'])}</p><div class=facts>{' · '.join(facts)}</div>"
            f"{candidates_table(result, MAX_ROWS)}</section>")


def _events(events) -> str:
    if not events:
        return "<p class=meta>No events yet.</p>"
    items = [f"<li><span class='k k-{_e(e['kind'])}'>{_e(e['kind'].replace('_', ' '))}</span> "
             f"<span class=meta>{_e(e['as_of'] or '')}</span> {_e(e['text'])}</li>" for e in events]
    return f"<ul class=events>{''.join(items)}</ul>"


def _doc(title: str, body: str, script: str = "") -> str:
    return ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
            "<link rel=icon href=\"data:,\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>{body}"
            + (f"<script>{script}</script>" if script else "") + "</body></html>\n")


def index_html(contests, releases, events, title: str | None = None) -> str:
    """``index.html``: every contest with its badge, filters by status, the latest events."""
    last = releases[-1]
    title = title or "Election results"
    counts = {s: 0 for s in STATUSES}
    for c in contests:
        counts[badge(c["result"], c["standing"])] += 1
    buttons = [f"<button data-status=all aria-pressed=true>All ({len(contests)})</button>"]
    buttons += [f"<button data-status={s} aria-pressed=false>{LABELS[s]} ({counts[s]})</button>" for s in STATUSES]
    body = (f"<header><h1>{_e(title)}</h1><div class=meta>As of {_e(last['as_of'] or '?')} · release {last['seq']}"
            f"{' (final)' if last['final'] else ''} · {len(contests)} contests · showing <span id=shown>{len(contests)}</span></div>"
            f"<div class=filters role=group aria-label='filter by status'>{''.join(buttons)}"
            "<input id=q type=search placeholder='Find a contest' aria-label='find a contest'></div></header>"
            f"<main><details open><summary>Latest events</summary>{_events(events[:10])}</details>"
            f"{''.join(_card(c) for c in contests)}</main>"
            "<footer>racecall: chances from Monte Carlo simulation of the ballots left to count; a call stands "
            "until it is retracted. 90% intervals of each candidate's final share.</footer>")
    return _doc(title, body, SCRIPT)


def contest_html(slug: str, history, standing: dict | None, events) -> str:
    """A contest's page: the latest result, its standing call and its count's history as charts."""
    as_of, result = history[-1]
    status = badge(result, standing)
    facts = [f"{pct(result['counted_fraction'], 0)} counted", ballots_left(result), f"{result['draws']:,} draws"]
    if called_when(standing):
        facts.append(called_when(standing))
    rows = "".join(
        f"<tr><td>{_e(a or '')}</td><td>{pct(r['counted_fraction'], 0)}</td><td>{_e(LABELS.get(r['call']['status'], r['call']['status']))}</td>"
        f"<td style='text-align:left;white-space:normal'>{_e(r['call']['sentence'])}</td></tr>" for a, r in reversed(history))
    body = (f"<header><p><a href=\"../index.html\">← all contests</a></p><h1>{_e(result['race'])}</h1>"
            f"<div class=meta>As of {_e(as_of or '?')}</div></header><main><section class=contest data-status={status}>"
            f"<h2><span class='badge b-{status}'>{LABELS[status]}</span>{_e(result['call']['sentence'])}</h2>"
            f"<div class=facts>{' · '.join(facts)}</div>{candidates_table(result)}</section>"
            f"{svg.history_charts(history, standing, events)}"
            f"<h2>Events</h2>{_events(events)}"
            f"<h2>Releases</h2><div class=scroll><table><tr><th>as of</th><th>counted</th><th>status</th>"
            f"<th style='text-align:left'>call</th></tr>{rows}</table></div></main>")
    return _doc(result["race"], body)


def write_index(out, contests, releases, events, title: str | None = None) -> Path:
    """Write ``index.html`` atomically (readable by a web server running as another user)."""
    import os

    from ..files import write_text

    path = write_text(Path(out) / "index.html", index_html(contests, releases, events, title))
    os.chmod(path, 0o644)
    return path


def write_contests(out, pages, writers: int = 8) -> list[Path]:
    """Write each contest page (``(slug, HTML)`` pairs, an iterator is fine) atomically, ``writers`` at a time.

    Each page goes through :func:`simulate.files.write_text` (written aside,
    synced, renamed into place), so a reader sees a page whole, from one release
    or the next.  The syncs wait on the disk, not the processor, so a few
    threads keep several in flight.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    from ..files import write_text

    folder = Path(out) / "contests"
    folder.mkdir(parents=True, exist_ok=True)

    def write(item):
        slug, text = item
        path = write_text(Path(out) / contest_file(slug), text)
        os.chmod(path, 0o644)
        return path

    with ThreadPoolExecutor(max_workers=max(1, writers)) as pool:
        return list(pool.map(write, pages.items() if isinstance(pages, dict) else pages))
