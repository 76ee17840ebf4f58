"""``report.md`` of a reward-design run: fitness per iteration, the final comparison, every candidate.

:func:`write_report` reads only the run directory (``summary.json`` and the candidates' files), so
``mathgym report DIR`` renders any finished run again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STATUS_COLOURS = {
    "trained": "tab:blue",
    "failed": "tab:red",
    "filtered": "tab:orange",
    "rejected": "tab:gray",
}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_fitness(summary: dict[str, Any], path: Path) -> Path:
    """Each trained candidate's fitness by iteration (flagged ones crossed), the best so far as a step line,
    and the sparse and hand-written baselines' IQM as reference lines."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    best, best_so_far = [], float("nan")
    for row in summary["iterations"]:
        i = row["iteration"]
        for c in row["candidates"]:
            if c["fitness"] is None:
                continue
            ax.scatter(
                i,
                c["fitness"],
                marker="x" if c["flagged"] else "o",
                alpha=0.7,
                color="tab:red" if c["flagged"] else "tab:blue",
                zorder=3,
            )
        if row["best_fitness"] is not None:
            best_so_far = (
                max(row["best_fitness"], best_so_far) if best_so_far == best_so_far else row["best_fitness"]
            )
        best.append(best_so_far)
    iterations = [row["iteration"] for row in summary["iterations"]]
    ax.step(iterations, best, where="post", color="black", label="best so far")
    for name, style in (("sparse", ":"), ("hand", "--")):
        entry = (summary.get("baselines") or {}).get(name)
        if entry:
            ax.axhline(entry["iqm"], linestyle=style, color="gray", label=f"{name} reward (final IQM)")
    ax.set_xlabel("iteration")
    ax.set_ylabel("held-out success rate (fitness)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xticks(iterations)
    ax.set_title(f"{summary['env_id']}: fitness of trained candidates")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_final(final: dict[str, Any], path: Path) -> Path:
    """Success IQM of sparse, hand-written and best rewards with 95 % bootstrap intervals and per-seed dots."""
    plt = _pyplot()
    names = [n for n in ("sparse", "hand", "best") if n in final]
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for x, name in enumerate(names):
        entry = final[name]
        low, high = entry["ci"]
        ax.bar(x, entry["iqm"], color=["tab:gray", "tab:green", "tab:blue"][x], alpha=0.6, width=0.6)
        ax.errorbar(
            x, entry["iqm"], yerr=[[entry["iqm"] - low], [high - entry["iqm"]]], color="black", capsize=6
        )
        scores = final["scores"][name]
        ax.scatter([x + 0.18] * len(scores), scores, s=12, color="black", zorder=3)
    ax.set_xticks(
        range(len(names)),
        [{"sparse": "sparse (success)", "hand": "hand-written", "best": "designed (best)"}[n] for n in names],
    )
    ax.set_ylabel("held-out success rate")
    ax.set_ylim(0, 1.05)
    hns = final.get("hns")
    ax.set_title("Final comparison (IQM, 95 % CI)" + (f"; HNS = {hns:.2f}" if hns is not None else ""))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def write_report(run_dir: str | Path, *, plots: bool = True) -> Path:
    """Write ``report.md`` (and ``fitness.png``, ``final.png``) into a run directory; returns its path."""
    root = Path(run_dir)
    summary_path = root / "summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(
            f"no summary.json in {root}: not a finished reward-design run "
            "(rerun `mathgym design-reward` with the same arguments to finish it)"
        )
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    final = summary.get("final") or {}
    lines = [
        f"# Reward design on {summary['env_id']}",
        "",
        f"Proposer `{summary['proposer']}`: {summary['candidates']} candidates in "
        f"{len(summary['iterations'])} iterations; execute rate {summary['execute_rate']:.0%}; "
        f"{summary['rl_runs']} RL runs, {summary['filtered']} candidates stopped by the pre-filter; "
        f"flagged as reward hacking: {', '.join(summary['flagged']) or 'none'}.",
        "",
    ]
    if plots:
        plot_fitness(summary, root / "fitness.png")
        lines += ["![fitness per iteration](fitness.png)", ""]
    lines += ["## Final comparison", ""]
    if any(n in final for n in ("sparse", "hand", "best")):
        lines += ["| reward | success IQM | 95 % CI | mean | seeds |", "|---|---|---|---|---|"]
        for name in ("sparse", "hand", "best"):
            if name in final:
                e = final[name]
                lines.append(
                    f"| {name} | {e['iqm']:.3f} | [{e['ci'][0]:.3f}, {e['ci'][1]:.3f}] | {e['mean']:.3f} | "
                    f"{e['seeds']} |"
                )
        lines += [
            "",
            f"Human-normalised score of the best reward, (R − R_sparse) / (R_hand − R_sparse): "
            f"**{_fmt(final.get('hns'), 2)}**"
            + (
                " (undefined: the hand-written reward does not beat the sparse one)"
                if final.get("hns") is None
                else ""
            ),
            "",
        ]
        if plots:
            plot_final(final, root / "final.png")
            lines += ["![final comparison](final.png)", ""]
    else:
        lines += [final.get("note", "no final comparison"), ""]
    lines += ["## Candidates", "", "| id | status | fitness | reason |", "|---|---|---|---|"]
    for row in summary["iterations"]:
        for c in row["candidates"]:
            reason = (c["reason"] or "").splitlines()[0][:120].replace("|", "\\|") if c["reason"] else ""
            status = c["status"] + (" (flagged)" if c["flagged"] else "")
            lines.append(f"| {c['id']} | {status} | {_fmt(c['fitness'])} | {reason} |")
    best = summary.get("best")
    if best:
        code = (root / best["code_path"]).read_text(encoding="utf-8")
        lines += [
            "",
            f"## Best reward ({best['id']}, fitness {_fmt(best['fitness'])})",
            "",
            "```python",
            code.rstrip(),
            "```",
        ]
    path = root / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
