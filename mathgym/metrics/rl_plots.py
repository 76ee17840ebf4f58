"""PNG plots for RL evaluations: learning curves, interval estimates, performance profiles, per-task bars
and probabilities of improvement (the figures of rliable, drawn with matplotlib's Agg backend)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

Interval = tuple[float, float, float]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def plot_learning_curve(curve: Sequence[Mapping[str, float]], path: str | Path, *, title: str = "Learning curve",
                        reference: Mapping[str, float] | None = None) -> Path:
    """Held-out success rate and mean return against training steps.

    :param curve: rows with ``timesteps``, ``success_rate`` (optional) and ``mean_reward``.
    :param reference: horizontal lines to draw on the success panel, ``{label: success_rate}``.
    """
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    steps = [row["timesteps"] for row in curve]
    if any("success_rate" in row for row in curve):
        axes[0].plot(steps, [row.get("success_rate", np.nan) for row in curve], marker="o", label="trained agent")
    for (label, value), style in zip((reference or {}).items(), ("--", ":", "-.")):
        axes[0].axhline(value, linestyle=style, color="grey", label=label)
    axes[0].set(xlabel="environment steps", ylabel="held-out solve rate", ylim=(-0.02, 1.02), title=title)
    axes[0].legend(loc="lower right", fontsize=8)
    axes[1].plot(steps, [row["mean_reward"] for row in curve], marker="o", color="tab:orange")
    axes[1].set(xlabel="environment steps", ylabel="mean episode return", title="Return")
    for ax in axes:
        ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_interval_estimates(estimates: Mapping[str, Mapping[str, Interval]], path: str | Path, *,
                            metrics: Sequence[str] = ("iqm", "mean", "median", "optimality_gap"),
                            xlabel: str = "score") -> Path:
    """One panel per metric; each algorithm's point estimate with its confidence interval."""
    plt = _pyplot()
    algorithms = list(estimates)
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 0.5 + 0.45 * len(algorithms) + 1),
                             squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric in zip(axes[0], metrics):
        for row, name in enumerate(algorithms):
            point, low, high = estimates[name][metric]
            ax.barh(row, high - low, left=low, height=0.6, color=colors[row % len(colors)], alpha=0.6)
            ax.plot([point, point], [row - 0.3, row + 0.3], color="black", linewidth=2)
        ax.set_yticks(range(len(algorithms)), algorithms if ax is axes[0][0] else [""] * len(algorithms))
        ax.set_title(metric.replace("_", " ").upper() if metric == "iqm" else metric.replace("_", " ").title())
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def plot_performance_profiles(profiles: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
                              taus: Sequence[float], path: str | Path, *, xlabel: str = "score τ") -> Path:
    """``F(τ)`` = fraction of runs with score > τ, per algorithm, with bootstrap bands."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for name, (point, low, high) in profiles.items():
        line, = ax.plot(taus, point, label=name)
        ax.fill_between(taus, low, high, color=line.get_color(), alpha=0.2)
    ax.set(xlabel=xlabel, ylabel="fraction of runs with score > τ", ylim=(-0.02, 1.02), title="Performance profiles")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_per_task(per_task: Mapping[str, Sequence[Interval]], task_names: Sequence[str], path: str | Path, *,
                  ylabel: str = "solve rate", title: str = "Per task") -> Path:
    """Grouped bars: one group per task, one bar per algorithm, with its interval as an error bar."""
    plt = _pyplot()
    algorithms = list(per_task)
    width = 0.8 / max(len(algorithms), 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(task_names) + 2), 3.8))
    x = np.arange(len(task_names))
    for k, name in enumerate(algorithms):
        values = np.array(per_task[name], dtype=float)
        points, lows, highs = values[:, 0], values[:, 1], values[:, 2]
        ax.bar(x + (k - (len(algorithms) - 1) / 2) * width, points, width,
               yerr=[points - lows, highs - points], capsize=3, label=name)
    ax.set_xticks(x, task_names)
    ax.set(ylabel=ylabel, ylim=(0, 1.05), title=title)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(algorithms))
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def plot_probability_of_improvement(pairs: Mapping[str, Interval], path: str | Path) -> Path:
    """``P(X > Y)`` with its interval for each labelled pair (``"PPO > random"``)."""
    plt = _pyplot()
    labels = list(pairs)
    fig, ax = plt.subplots(figsize=(6, 0.6 + 0.5 * len(labels) + 0.6))
    for row, label in enumerate(labels):
        point, low, high = pairs[label]
        ax.barh(row, high - low, left=low, height=0.5, color="tab:blue", alpha=0.5)
        ax.plot([point, point], [row - 0.25, row + 0.25], color="black", linewidth=2)
    ax.axvline(0.5, color="grey", linestyle="--")
    ax.set_yticks(range(len(labels)), labels)
    ax.set(xlim=(0, 1), xlabel="P(X > Y)", title="Probability of improvement")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)
