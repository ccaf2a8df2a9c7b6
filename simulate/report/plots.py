"""Figures for backtests and replays (matplotlib, the optional ``racecall[plot]`` extra).

matplotlib is imported inside each function, with the non-interactive Agg
backend, so importing this module needs nothing beyond the core dependencies.
Each function returns the paths it wrote.
"""

from __future__ import annotations

from pathlib import Path

FORMATS = ("png", "svg")
MAX_CANDIDATES = 8


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        from ..errors import RacecallError

        raise RacecallError("plots need matplotlib: pip install 'racecall[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, directory, stem: str) -> list[Path]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{stem}.{fmt}" for fmt in FORMATS]
    for path in paths:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return paths


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
    for n, mp, my in bins:
        ax.annotate(f"{n:,}", (mp, my), textcoords="offset points", xytext=(4, -12), fontsize=8)
    ax.set_ylabel("observed frequency")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title(_title(report), fontsize=9)
    width = 1.0 / len(report.reliability)
    axn.bar([(i + 0.5) * width for i in range(len(report.reliability))], [n for n, _, _ in report.reliability],
            width=width * 0.9, color="C0")
    axn.set_yscale("log")
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axn.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axn.yaxis.set_minor_formatter(NullFormatter())
    axn.set_ylabel("predictions")
    axn.set_xlabel("predicted probability of being among the winners")
    paths = _save(fig, directory, "reliability")
    plt.close(fig)
    return paths


def called_by_release(report, directory) -> list[Path]:
    """The fraction of contests called at each release; writes ``called_by_release.png/.svg``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    releases = list(range(1, len(report.called_by_release) + 1))
    ax.bar(releases, [100 * x for x in report.called_by_release], color="C2")
    ax.set_xticks(releases)
    ax.set_xlabel("release (snapshot)")
    ax.set_ylabel("contests called (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"{_title(report)}\nwrong calls: {len(report.wrong_calls)}", fontsize=9)
    paths = _save(fig, directory, "called_by_release")
    plt.close(fig)
    return paths


def _probability(result, cand) -> float:
    return cand.p_advance if result.rule in ("majority", "top_two") else cand.p_win


def replay_plot(replay, file) -> Path:
    """Each candidate's probability and 90% final-share interval against the snapshot, calls marked.

    The format follows the suffix of ``file`` (``.png``, ``.svg``, ...).  At most
    the eight candidates with the most votes in the last snapshot are drawn.
    """
    plt = _pyplot()
    snaps = replay.snapshots
    last = snaps[-1]
    ids = [c.id for c in sorted(last.candidates, key=lambda c: -c.counted)][:MAX_CANDIDATES]
    names = {c.id: c.name for c in last.candidates}
    x = list(range(len(snaps)))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    label = "P(advance)" if last.rule in ("majority", "top_two") else "P(win)"
    for k, cid in enumerate(ids):
        color = f"C{k % 10}"
        cands = [s.candidate(cid) for s in snaps]
        top.plot(x, [_probability(s, c) for s, c in zip(snaps, cands)], marker="o", color=color, label=names[cid])
        bottom.fill_between(x, [c.share_final.low for c in cands], [c.share_final.high for c in cands],
                            color=color, alpha=0.25, linewidth=0)
        bottom.plot(x, [c.share_final.mean for c in cands], color=color)
    for i, s in enumerate(snaps):
        flags = s.extra.get("flags", ())
        if s.call.status in ("called", "runoff"):
            colour = "red" if flags else "black"
            top.axvline(i, color=colour, alpha=0.15, linewidth=6)
            top.annotate(s.call.status + ("\n" + ",".join(flags) if flags else ""), (i, 1.04), ha="center",
                         fontsize=7, color=colour, annotation_clip=False)
    top.set_ylim(-0.02, 1.02)
    top.set_ylabel(label)
    top.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    top.set_title(replay.race, fontsize=10, pad=22)
    bottom.set_ylabel("final share, mean and 90% interval")
    bottom.set_xticks(x)
    bottom.set_xticklabels([_short(s.as_of, i) for i, s in enumerate(snaps)], rotation=45, ha="right", fontsize=8)
    bottom.set_xlabel("snapshot")
    path = Path(file)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def _short(as_of: str | None, i: int) -> str:
    if not as_of:
        return str(i + 1)
    return as_of[5:16].replace("T", " ") if len(as_of) >= 16 else as_of
