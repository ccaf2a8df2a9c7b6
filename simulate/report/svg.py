"""Inline SVG charts of a contest's count history, for the results pages (no external assets).

Two charts share the x axis (one point per release at which the contest's count
changed, evenly spaced, labelled with the release time):

* the chance of winning (of advancing, for majority/top_two races) of the
  leading candidates, releases with a call marked;
* each candidate's final share: the mean and the 90% interval as a band
  (at a single release: a bar with whiskers).
"""

from __future__ import annotations

import html

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
MAX_LINES = 6
W, H = 640, 250
LEFT, RIGHT, TOP, BOTTOM = 62, 40, 14, 42
MAX_LABELS = 6

_e = html.escape


def _x(i: int, n: int) -> float:
    inner = W - LEFT - RIGHT
    return LEFT + (inner / 2 if n == 1 else inner * i / (n - 1))


def _y(v: float, lo: float, hi: float) -> float:
    return TOP + (H - TOP - BOTTOM) * (1 - (v - lo) / (hi - lo if hi > lo else 1))


def time_label(as_of: str | None, i: int) -> str:
    """``11-05 20:00`` from an ISO time (the offset goes in the caption, once)."""
    if not as_of or len(as_of) < 16:
        return str(i + 1)
    return as_of[5:10] + " " + as_of[11:16]


def zone(history) -> str:
    """The UTC offset the release times carry, as ``UTC−08:00`` (or several, listed)."""
    offsets = []
    for as_of, _ in history:
        tail = (as_of or "")[19:]
        tail = tail[tail.find("+"):] if "+" in tail else tail[tail.find("-"):] if "-" in tail else ("+00:00" if tail.endswith("Z") else "")
        if tail and tail not in offsets:
            offsets.append(tail)
    return ", ".join("UTC" + o.replace("-", "−") for o in offsets) or "local time"


def _axes(n: int, history, lo: float, hi: float, ticks, fmt) -> list[str]:
    parts = [f"<rect x={LEFT} y={TOP} width={W - LEFT - RIGHT} height={H - TOP - BOTTOM} fill=none stroke='#ccc'/>"]
    for t in ticks:
        y = _y(t, lo, hi)
        parts.append(f"<line x1={LEFT} x2={W - RIGHT} y1={y:.1f} y2={y:.1f} stroke='#eee'/>"
                     f"<text x={LEFT - 4} y={y + 4:.1f} text-anchor=end font-size=13 fill='#555'>{fmt(t)}</text>")
    step = max(1, -(-n // MAX_LABELS))
    for i in range(0, n, step):
        x = _x(i, n)
        parts.append(f"<text x={x:.1f} y={H - BOTTOM + 16} text-anchor=middle font-size=13 fill='#555'>"
                     f"{_e(time_label(history[i][0], i))}</text>")
    return parts


def _ids(history) -> list[str]:
    last = history[-1][1]
    return [c["id"] for c in sorted(last["candidates"], key=lambda c: (-c["counted"], c["id"]))][:MAX_LINES]


def _candidate(result: dict, cid: str) -> dict | None:
    return next((c for c in result["candidates"] if c["id"] == cid), None)


def chance_chart(history, standing: dict | None, retracted=()) -> str:
    n = len(history)
    runoff = history[-1][1]["rule"] in ("majority", "top_two")
    parts = _axes(n, history, 0, 1, (0, 0.25, 0.5, 0.75, 1), lambda t: f"{100 * t:.0f}%")
    for i, (as_of, r) in enumerate(history):
        if r["call"]["status"] in ("called", "runoff"):
            parts.append(f"<rect x={_x(i, n) - 5:.1f} y={TOP} width=10 height={H - TOP - BOTTOM} fill='#1d7a3a' opacity=.12>"
                         f"<title>{_e(r['call']['sentence'])}</title></rect>")
        if as_of in retracted:
            parts.append(f"<line class=retracted-mark x1={_x(i, n):.1f} x2={_x(i, n):.1f} y1={TOP} y2={H - BOTTOM} "
                         f"stroke='#b00020' stroke-width=2 stroke-dasharray='2 3'/><text x={_x(i, n) + 4:.1f} y={TOP + 26} "
                         f"font-size=13 fill='#b00020'>retracted</text>")
        if standing and as_of == standing.get("as_of"):
            parts.append(f"<line class=called-mark x1={_x(i, n):.1f} x2={_x(i, n):.1f} y1={TOP} y2={H - BOTTOM} stroke='#1d7a3a' "
                         f"stroke-width=2 stroke-dasharray='4 3'/><text x={_x(i, n) + 4:.1f} y={TOP + 12} font-size=13 "
                         f"fill='#1d7a3a'>called</text>")
    for k, cid in enumerate(_ids(history)):
        colour = COLOURS[k % len(COLOURS)]
        pts = []
        for i, (_, r) in enumerate(history):
            c = _candidate(r, cid)
            if c is not None:
                p = c["p_advance"] if runoff else c["p_win"]
                pts.append((_x(i, n), _y(p, 0, 1), p))
        if len(pts) > 1:
            parts.append(f"<polyline fill=none stroke='{colour}' stroke-width=2 points='"
                         + " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in pts) + "'/>")
        parts += [f"<circle cx={x:.1f} cy={y:.1f} r=3 fill='{colour}'><title>{100 * p:.1f}%</title></circle>" for x, y, p in pts]
    return _svg("chance", parts, "chance of advancing" if runoff else "chance of winning")


def share_chart(history) -> str:
    n = len(history)
    bands = []
    for cid in _ids(history):
        bands += [c["share_final"] for _, r in history if (c := _candidate(r, cid))]
    hi = min(1.0, max((b["high"] for b in bands), default=1) * 1.1 + 0.01)
    ticks = [t / 100 for t in range(0, 101, 10 if hi > 0.5 else 5) if t / 100 <= hi]
    parts = _axes(n, history, 0, hi, ticks, lambda t: f"{100 * t:.0f}%")
    for k, cid in enumerate(_ids(history)):
        colour = COLOURS[k % len(COLOURS)]
        rows = [(i, c["share_final"]) for i, (_, r) in enumerate(history) if (c := _candidate(r, cid))]
        if n == 1 or len(rows) == 1:
            for i, f in rows:
                x = _x(i, n) + (k - len(_ids(history)) / 2) * 8
                parts.append(f"<line x1={x:.1f} x2={x:.1f} y1={_y(f['low'], 0, hi):.1f} y2={_y(f['high'], 0, hi):.1f} "
                             f"stroke='{colour}' stroke-width=4 opacity=.6/><circle cx={x:.1f} cy={_y(f['mean'], 0, hi):.1f} r=3 "
                             f"fill='{colour}'/>")
            continue
        upper = [f"{_x(i, n):.1f},{_y(f['high'], 0, hi):.1f}" for i, f in rows]
        lower = [f"{_x(i, n):.1f},{_y(f['low'], 0, hi):.1f}" for i, f in reversed(rows)]
        parts.append(f"<polygon fill='{colour}' opacity=.18 points='{' '.join(upper + lower)}'/>")
        parts.append(f"<polyline fill=none stroke='{colour}' stroke-width=2 points='"
                     + " ".join(f"{_x(i, n):.1f},{_y(f['mean'], 0, hi):.1f}" for i, f in rows) + "'/>")
    return _svg("share", parts, "final share (90% interval)")


def _svg(kind: str, parts, label: str) -> str:
    return (f"<svg class='chart chart-{kind}' viewBox='0 0 {W} {H}' width={W} height={H} style='width:100%;max-width:{W * 1.4:.0f}px;height:auto' role=img aria-label='{_e(label)}' "
            f"xmlns='http://www.w3.org/2000/svg'><text x=8 y={H // 2} font-size=13 fill='#555' "
            f"transform='rotate(-90 8 {H // 2})' text-anchor=middle dominant-baseline=hanging>{_e(label)}</text>"
            + "".join(parts) + "</svg>")


def legend(history) -> str:
    last = history[-1][1]
    names = {c["id"]: c["name"] for c in last["candidates"]}
    return "<div class=legend style='display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.85em'>" + "".join(
        f"<span><span style='display:inline-block;width:12px;height:12px;border-radius:2px;background:{COLOURS[k % len(COLOURS)]};"
        f"vertical-align:-1px;margin-right:4px'></span>{_e(names[cid])}</span>" for k, cid in enumerate(_ids(history))) + "</div>"


def history_charts(history, standing: dict | None, events=()) -> str:
    """Both charts with their legend and caption, as an HTML ``<figure>``; retractions in ``events`` marked."""
    retracted = {e.get("as_of") for e in events if e.get("kind") == "retracted"}
    return (f"<figure class=history><h2>The count's history</h2>{legend(history)}{chance_chart(history, standing, retracted)}"
            f"{share_chart(history)}<figcaption>One point per release at which this contest's count changed; "
            f"times in {_e(zone(history))}. Shaded columns: releases whose own call was made; dashed line: "
            f"when the standing call was made; red: a call retracted.</figcaption></figure>")
