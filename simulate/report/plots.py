"""Figures for backtests and replays (matplotlib, the optional ``racecall[plot]`` extra).

matplotlib is imported inside each function, with the non-interactive Agg
backend, so importing this module needs nothing beyond the core dependencies.
Each figure is rendered to bytes and then written atomically
(:func:`simulate.files.write_bytes`): a failed write leaves the previous file
whole.  Each function returns the paths it wrote.

Readability: the chance-of-winning axis is on a logit scale (from 0.1% to
99.9%, ticks at 0.1%, 1%, 10%, 50%, 90%, 99%, 99.9%, the call level
99.5% dashed), so the 99-99.9% band a
decision desk calls in is as wide as 50-90%; release times keep their UTC
offset (in the axis label); legends sit outside the axes; call marks are
labelled once in the legend, not over each other.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

FORMATS = ("png", "svg")
#: Formats a plot file may have (matplotlib's Agg and vector backends).
PLOT_SUFFIXES = (".png", ".svg", ".pdf")
MAX_CANDIDATES = 8
LOGIT_CLIP = 0.001
CHANCE_TICKS = (0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999)


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        from ..errors import RacecallError

        raise RacecallError("plots need matplotlib: pip install 'racecall[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def check_plot_path(file, option: str = "--plot") -> Path:
    """Raise :class:`~simulate.errors.RacecallError` unless ``file`` is a plot file that can be written.

    Checked before any work: the suffix (.png, .svg, .pdf), the folder (exists,
    is a folder, writable) and that the file itself is not a folder.
    """
    from ..errors import RacecallError

    path = Path(file)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise RacecallError(f"{file}: {option}: the file must end in {', '.join(PLOT_SUFFIXES)}, got {path.suffix or 'no suffix'!r}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise RacecallError(f"{file}: {option}: no folder {str(folder)!r} to write into")
    if path.is_dir():
        raise RacecallError(f"{file}: {option}: is a folder")
    _probe(folder, file, option)
    return path


def _probe(folder: Path, file, option: str) -> None:
    """Create and remove a file in ``folder``: the only sure test that a file can be written there."""
    import tempfile

    from ..errors import RacecallError

    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".racecall-probe.", suffix=".tmp")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise RacecallError(f"{file}: {option}: cannot write here ({exc.strerror or exc})") from None


def check_plot_dir(directory, option: str = "--plot") -> Path:
    """As :func:`check_plot_path` for a folder of plots (created later if missing)."""
    from ..errors import RacecallError

    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise RacecallError(f"{directory}: {option}: is a file, not a folder")
    parent = path if path.exists() else next((p for p in path.absolute().parents if p.exists()), Path("/"))
    _probe(parent, directory, option)
    return path


def _write(fig, path: Path, fmt: str | None = None) -> Path:
    from ..files import write_bytes

    buf = io.BytesIO()
    fig.savefig(buf, format=fmt or path.suffix.lstrip(".").lower(), dpi=120, bbox_inches="tight")
    return write_bytes(path, buf.getvalue())


def _save(fig, directory, stem: str) -> list[Path]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return [_write(fig, directory / f"{stem}.{fmt}", fmt) for fmt in FORMATS]


def _title(report) -> str:
    s = report.settings
    return (f"{report.contests} contests, {report.snapshots} snapshots; uncertainty {s['uncertainty']}, "
            f"tail_df {s['tail_df']}, call level {s['call_confidence']}")


def reliability_diagram(report, directory) -> list[Path]:
    """Predicted probability against observed frequency per bin, with each bin's count.

    Writes ``reliability.png`` and ``reliability.svg`` into ``directory``.
    """
    plt = _pyplot()
    bins = [(n, mp, my) for n, mp, my in report.reliability if n]
    fig, (ax, axn) = plt.subplots(2, 1, figsize=(6, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1, label="perfect calibration")
    ax.plot([b[1] for b in bins], [b[2] for b in bins], marker="o", color="C0",
            label=f"model (ECE {report.ece:.3f}, Brier {report.brier:.4f})")
    for k, (n, mp, my) in enumerate(bins):  # alternate above/below so neighbouring counts never collide
        ax.annotate(f"{n:,}", (mp, my), textcoords="offset points", xytext=(4, -12 if k % 2 else 6), fontsize=8)
    ax.set_ylabel("observed frequency")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title(_title(report), fontsize=9)
    width = 1.0 / len(report.reliability)
    axn.bar([(i + 0.5) * width for i in range(len(report.reliability))], [n for n, _, _ in report.reliability],
            width=width * 0.9, color="C0", label="predictions in the bin")
    axn.set_yscale("log")
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axn.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axn.yaxis.set_minor_formatter(NullFormatter())
    axn.set_ylabel("predictions")
    axn.set_xlabel("predicted probability of being among the winners")
    axn.legend(loc="upper center", fontsize=8)
    paths = _save(fig, directory, "reliability")
    plt.close(fig)
    return paths


def called_by_release(report, directory) -> list[Path]:
    """The fraction of contests called at each release; writes ``called_by_release.png/.svg``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    releases = list(range(1, len(report.called_by_release) + 1))
    ax.bar(releases, [100 * x for x in report.called_by_release], color="C2",
           label=f"contests called at level {report.settings['call_confidence']}")
    ax.set_xticks(releases)
    ax.set_xlabel("release (snapshot)")
    ax.set_ylabel("contests called (%)")
    ax.set_ylim(0, 105)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(f"{_title(report)}\nwrong calls: {len(report.wrong_calls)}", fontsize=9)
    paths = _save(fig, directory, "called_by_release")
    plt.close(fig)
    return paths


def _probability(result, cand) -> float:
    return cand.p_advance if result.rule in ("majority", "top_two") else cand.p_win


def offsets(times) -> str:
    """The UTC offsets of ISO times, for an axis label: ``UTC-08:00`` (several listed in order)."""
    seen = []
    for t in times:
        tail = (t or "")[19:]
        if tail.endswith("Z"):
            tail = "+00:00"
        tail = tail[max(tail.find("+"), tail.find("-")):] if ("+" in tail or "-" in tail) else ""
        if tail and tail not in seen:
            seen.append(tail)
    return ", ".join(f"UTC{o}" for o in seen) or "time zone not given"


def _short(as_of: str | None, i: int) -> str:
    if not as_of:
        return str(i + 1)
    return as_of[5:16].replace("T", " ") if len(as_of) >= 16 else as_of


def replay_plot(replay, file) -> Path:
    """Each candidate's chance (logit axis) and 90% final-share interval by snapshot, calls marked.

    The format follows the suffix of ``file`` (``.png``, ``.svg``, ``.pdf``).  At
    most the eight candidates with the most votes in the last snapshot are drawn.
    A single snapshot is drawn as points with the interval as error bars.
    """
    plt = _pyplot()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    snaps = replay.snapshots
    last = snaps[-1]
    ids = [c.id for c in sorted(last.candidates, key=lambda c: (-c.counted, c.id))][:MAX_CANDIDATES]
    names = {c.id: c.name for c in last.candidates}
    x = list(range(len(snaps)))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7.5), sharex=True)
    label = "chance of advancing" if last.rule in ("majority", "top_two") else "chance of winning"
    clip = lambda p: min(max(p, LOGIT_CLIP), 1 - LOGIT_CLIP)  # noqa: E731
    for k, cid in enumerate(ids):
        colour = f"C{k % 10}"
        cands = [s.candidate(cid) for s in snaps]
        top.plot(x, [clip(_probability(s, c)) for s, c in zip(snaps, cands)], marker="o", color=colour, label=names[cid])
        lows, highs, means = ([c.share_final.low for c in cands], [c.share_final.high for c in cands],
                              [c.share_final.mean for c in cands])
        if len(snaps) == 1:
            dx = (k - (len(ids) - 1) / 2) * 0.04
            bottom.errorbar([dx], means, yerr=[[means[0] - lows[0]], [highs[0] - means[0]]], fmt="o", color=colour,
                            capsize=4, linewidth=2)
        else:
            bottom.fill_between(x, lows, highs, color=colour, alpha=0.22, linewidth=0)
            bottom.plot(x, means, color=colour)
    called = retracted = False
    for i, s in enumerate(snaps):
        if s.call.status in ("called", "runoff"):
            bad = bool(s.extra.get("flags"))
            top.axvspan(i - 0.3, i + 0.3, color="red" if bad else "green", alpha=0.12, linewidth=0)
            called, retracted = called or not bad, retracted or bad
    top.set_yscale("logit")
    top.set_ylim(LOGIT_CLIP * 0.8, 1 - LOGIT_CLIP * 0.8)
    top.set_yticks(CHANCE_TICKS)
    top.set_yticklabels([f"{100 * t:g}%" for t in CHANCE_TICKS])
    top.minorticks_off()
    top.axhspan(0.99, 0.999, color="0.85", alpha=0.5, linewidth=0, zorder=0)
    level = last.call.level
    top.axhline(level, color="0.3", linestyle="--", linewidth=0.8)
    top.set_ylabel(f"{label} (logit scale)")
    extra = [Patch(color="0.85", label="99–99.9%: where calls are made"),
             Line2D([], [], color="0.3", linestyle="--", linewidth=0.8, label=f"call level {100 * level:g}%")]
    if called:
        extra.append(Patch(color="green", alpha=0.25, label="race called at this snapshot"))
    if retracted:
        extra.append(Patch(color="red", alpha=0.25, label="call later retracted/flagged"))
    handles, _ = top.get_legend_handles_labels()
    top.legend(handles=handles + extra, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    top.set_title(replay.race, fontsize=10)
    from matplotlib.ticker import PercentFormatter

    bottom.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    bottom.set_ylabel("final share: mean and 90% interval")
    bottom.legend(handles=[Line2D([], [], color="0.3", label="mean"), Patch(color="0.3", alpha=0.22, label="90% interval")],
                  fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    step = max(1, -(-len(snaps) // 16))  # at most 16 time labels: they never overlap
    bottom.set_xticks(x[::step])
    bottom.set_xticklabels([_short(snaps[i].as_of, i) for i in x[::step]], rotation=45, ha="right", fontsize=8)
    if len(snaps) == 1:
        bottom.set_xlim(-0.5, 0.5)
    bottom.set_xlabel(f"snapshot time ({offsets(s.as_of for s in snaps)})")
    path = Path(file)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = _write(fig, path)
    plt.close(fig)
    return written
