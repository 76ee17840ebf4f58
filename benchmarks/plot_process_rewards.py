"""Figures of the process-rewards benchmark, drawn from its ``summary.json``.

    python benchmarks/plot_process_rewards.py [--summary results/process_rewards/summary.json] [--out DIR]

* ``search.png``: accuracy against generated tokens per problem for every search method (majority vote,
  PRM best-of-N and weighted vote, beam search, MCTS; trained and oracle PRM), so methods are compared at
  equal cost, as the benchmark's matched table does;
* ``grpo.png``: held-out accuracy of GRPO with the outcome reward and with outcome + clipped process reward,
  mean over seeds with the 95% bootstrap interval;
* ``f1.png``: ProcessBench-style F1 of each step judge on the held-out families.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def plot_search(search: dict[str, Any], out: Path) -> Path:
    """Accuracy against tokens, one line per method (trained PRM solid, oracle PRM dashed)."""
    fig, ax = plt.subplots(figsize=(8, 5))
    methods = list(dict.fromkeys(p["method"] for p in search["points"]))
    for method in methods:
        points = sorted((p for p in search["points"] if p["method"] == method), key=lambda p: p["tokens"])
        style = "--" if "oracle" in method else ("-" if "PRM" in method else ":")
        width = 2.5 if method == "majority" else 1.5
        ax.plot(
            [p["tokens"] for p in points],
            [100 * p["accuracy"] for p in points],
            style,
            marker="o",
            linewidth=width,
            label=method,
        )
    ax.set_xscale("log")
    ax.set_xlabel("generated tokens per problem (log scale)")
    ax.set_ylabel("accuracy (%)")
    ax.set_title(f"Search with the tiny SFT policy: {search['problems']} problems x {search['seeds']} seeds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    path = out / "search.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_grpo(grpo: dict[str, Any], out: Path) -> Path:
    """Held-out accuracy per GRPO update, mean and 95% bootstrap interval over seeds."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, rows in grpo["curves"].items():
        updates = [r[0] for r in rows]
        ax.plot(updates, [100 * r[1] for r in rows], marker="o", label=name)
        ax.fill_between(updates, [100 * r[2] for r in rows], [100 * r[3] for r in rows], alpha=0.2)
    ax.set_xlabel("GRPO update")
    ax.set_ylabel("held-out accuracy (%)")
    ax.set_title(f"GRPO on the tiny SFT policy, {grpo['seeds']} seeds (95% bootstrap CI)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    path = out / "grpo.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_f1(f1: dict[str, Any], out: Path) -> Path:
    """ProcessBench-style F1 per step judge, with the issue's target for the trained PRM."""
    rows = f1["rows"]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    names = [r["method"] for r in rows]
    ax.barh(names, [r["f1"] for r in rows], color="tab:blue")
    ax.axvline(85, color="tab:red", linestyle="--", label="target for the trained PRM (85)")
    for y, r in enumerate(rows):
        ax.text(r["f1"] + 1, y, f"{r['f1']:.1f}", va="center", fontsize=8)
    ax.set_xlim(0, 110)
    ax.invert_yaxis()
    ax.set_xlabel(f"F1 on held-out families ({', '.join(f1['held_out'])})")
    ax.legend(fontsize=8, loc="lower right")
    path = out / "f1.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--summary", type=Path, default=Path("results/process_rewards/summary.json"))
    parser.add_argument(
        "--out", type=Path, default=None, help="folder of the figures (default: beside --summary)"
    )
    args = parser.parse_args()
    if not args.summary.is_file():
        raise SystemExit(f"{args.summary} does not exist: run benchmarks/process_rewards.py first")
    summary = json.loads(args.summary.read_text())
    out = args.out or args.summary.parent
    out.mkdir(parents=True, exist_ok=True)
    for key, draw in (("search", plot_search), ("grpo", plot_grpo), ("f1", plot_f1)):
        if key in summary:
            print(draw(summary[key], out))
        else:
            print(f"{key}: not in {args.summary} (run that part of the benchmark)")


if __name__ == "__main__":
    main()
