"""PNG plots for RL evaluations: learning curves, interval estimates, performance profiles, per-task bars
and probabilities of improvement (the figures of rliable, drawn with matplotlib's Agg backend)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

Interval = tuple[float, float, float]


def _pyplot() -> Any:  # the matplotlib.pyplot module
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str | Path, *, tight: bool = True) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if tight:
        fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def _as_runs(curves: Any) -> list[Sequence[Mapping[str, float]]]:
    """One run's rows, or a list of runs' rows, as a list of runs."""
    curves = list(curves)
    if curves and isinstance(curves[0], Mapping):
        return [curves]
    return [list(run) for run in curves]


def plot_learning_curve(
    curves: Sequence[Mapping[str, float]] | Sequence[Sequence[Mapping[str, float]]],
    path: str | Path,
    *,
    title: str = "Learning curve",
    reference: Mapping[str, float] | None = None,
) -> Path:
    """Held-out success rate and mean return against training steps, over one run or several.

    With several runs (seeds) each panel shows their mean, a band from the lowest to the highest run and
    each run as a thin line, so a reader sees both the trend and how much seeds disagree.

    :param curves: one run's rows, or one list of rows per run; rows have ``timesteps``, ``mean_reward`` and
        optionally ``success_rate``. Runs are aligned on the steps they share.
    :param path: the PNG to write.
    :param title: title of the success panel.
    :param reference: horizontal lines on the success panel, ``{label: success_rate}``.
    """
    plt = _pyplot()
    runs = [run for run in _as_runs(curves) if run]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.0))
    steps = sorted(set.intersection(*({row["timesteps"] for row in run} for run in runs))) if runs else []
    panels = (
        (axes[0], "success_rate", "held-out solve rate"),
        (axes[1], "mean_reward", "mean episode return"),
    )
    for ax, key, label in panels:
        table = np.array(
            [
                [next((row.get(key, np.nan) for row in run if row["timesteps"] == t), np.nan) for t in steps]
                for run in runs
            ],
            dtype=float,
        )
        if table.size == 0 or np.all(np.isnan(table)):
            continue
        mean = np.nanmean(table, axis=0)
        name = "trained agent" if len(runs) == 1 else f"trained agent (mean of {len(runs)} seeds)"
        (line,) = ax.plot(steps, mean, marker="o", linewidth=2, label=name)
        if len(runs) > 1:
            ax.fill_between(
                steps,
                np.nanmin(table, axis=0),
                np.nanmax(table, axis=0),
                color=line.get_color(),
                alpha=0.2,
                label="lowest to highest seed",
            )
            for row in table:
                ax.plot(steps, row, color=line.get_color(), alpha=0.35, linewidth=0.8)
        ax.set(xlabel="environment steps", ylabel=label)
        ax.grid(alpha=0.3)
    for (label, value), style in zip((reference or {}).items(), ("--", ":", "-.")):
        axes[0].axhline(value, linestyle=style, color="grey", label=label)
    axes[0].set(ylim=(-0.03, 1.05), title=title)
    # below the axes: inside, the legend would cover the band where the seeds still disagree
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8, frameon=False)
    axes[1].set(title="Return")
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return _save(fig, path, tight=False)


#: x-axis label of each aggregate metric when scores are solve rates (the gap is 1 minus the score)
METRIC_LABELS = {
    "iqm": "solve rate",
    "mean": "solve rate",
    "median": "solve rate",
    "optimality_gap": "gap to 1 (lower is better)",
}


def plot_interval_estimates(
    estimates: Mapping[str, Mapping[str, Interval]],
    path: str | Path,
    *,
    metrics: Sequence[str] = ("iqm", "mean", "median", "optimality_gap"),
    xlabel: str | Mapping[str, str] = "score",
    limits: tuple[float, float] | None = None,
) -> Path:
    """One panel per metric; each algorithm's point estimate (a dot) with its confidence interval (a bar).

    The dot stays visible when the interval collapses to a point (a perfect score with no spread), and the
    axis runs a little past ``limits`` so that points on the bounds are not hidden by the frame.

    :param estimates: ``{algorithm: {metric: (point, low, high)}}``.
    :param path: the PNG to write.
    :param metrics: the panels, in order.
    :param xlabel: one label for every panel, or one per metric (:data:`METRIC_LABELS` for solve rates).
    :param limits: the axis range every panel shows (e.g. ``(0, 1)`` for rates; default: fit the data).
    """
    plt = _pyplot()
    algorithms = list(estimates)
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(3.3 * len(metrics), 1.2 + 0.55 * len(algorithms)), squeeze=False
    )
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric in zip(axes[0], metrics):
        for row, name in enumerate(algorithms):
            point, low, high = estimates[name][metric]
            color = colors[row % len(colors)]
            ax.plot([low, high], [row, row], color=color, linewidth=9, alpha=0.45, solid_capstyle="butt")
            ax.plot([point], [row], marker="o", color="black", markersize=6, zorder=3)
        ax.set_yticks(range(len(algorithms)), algorithms if ax is axes[0][0] else [""] * len(algorithms))
        ax.set_ylim(-0.6, len(algorithms) - 0.4)
        ax.invert_yaxis()  # first algorithm on top, as in the tables
        if limits is not None:
            span = limits[1] - limits[0]
            ax.set_xlim(limits[0] - 0.04 * span, limits[1] + 0.04 * span)
            ax.set_xticks(np.linspace(limits[0], limits[1], 5))
        ax.set_title(
            metric.replace("_", " ").upper() if metric == "iqm" else metric.replace("_", " ").title()
        )
        ax.set_xlabel(xlabel if isinstance(xlabel, str) else xlabel.get(metric, "score"))
        ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def plot_performance_profiles(
    profiles: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    taus: Sequence[float] | np.ndarray,
    path: str | Path,
    *,
    xlabel: str = "score τ",
) -> Path:
    """``F(τ)`` = fraction of runs with score > τ, per algorithm, with bootstrap bands.

    Profiles are step functions (a perfect agent stays at 1 up to τ = 1 instead of sloping down), drawn
    with distinct line styles and widths so that identical profiles remain visible on top of each other,
    and the legend sits outside the axes.

    :param profiles: ``{algorithm: (F, low, high)}`` over ``taus``.
    :param taus: the thresholds.
    :param path: the PNG to write.
    :param xlabel: the x-axis label.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    styles = ("-", "--", ":", "-.")
    names = list(profiles)
    for k, name in enumerate(names):
        point, low, high = profiles[name]
        # later curves are thinner and dashed, so an identical earlier curve still shows around them
        (line,) = ax.step(
            taus,
            point,
            where="post",
            linestyle=styles[k % len(styles)],
            linewidth=max(1.2, 3.6 - 1.1 * k),
            label=name,
        )
        ax.fill_between(taus, low, high, step="post", color=line.get_color(), alpha=0.15)
    ax.set(
        xlabel=xlabel,
        ylabel="fraction of runs with score > τ",
        ylim=(-0.03, 1.08),
        title="Performance profiles",
    )
    ax.set_xlim(min(taus), max(taus))
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_per_task(
    per_task: Mapping[str, Sequence[Interval]],
    task_names: Sequence[str],
    path: str | Path,
    *,
    ylabel: str = "solve rate",
    title: str = "Per task",
) -> Path:
    """Grouped bars: one group per task, one bar per algorithm, with its interval as an error bar."""
    plt = _pyplot()
    algorithms = list(per_task)
    width = 0.8 / max(len(algorithms), 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(task_names) + 2), 3.8))
    x = np.arange(len(task_names))
    for k, name in enumerate(algorithms):
        values = np.array(per_task[name], dtype=float)
        points, lows, highs = values[:, 0], values[:, 1], values[:, 2]
        ax.bar(
            x + (k - (len(algorithms) - 1) / 2) * width,
            points,
            width,
            yerr=[points - lows, highs - points],
            capsize=3,
            label=name,
        )
    ax.set_xticks(x, task_names)
    ax.set(ylabel=ylabel, ylim=(0, 1.05), title=title)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(algorithms))
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def plot_probability_of_improvement(pairs: Mapping[str, Interval], path: str | Path) -> Path:
    """``P(X > Y)`` with its interval for each labelled pair (``"PPO > random"``), values written in.

    :param pairs: ``{label: (point, low, high)}``.
    :param path: the PNG to write.
    """
    plt = _pyplot()
    labels = list(pairs)
    fig, ax = plt.subplots(figsize=(8, 1.4 + 0.8 * len(labels)))
    for row, label in enumerate(labels):
        point, low, high = pairs[label]
        ax.plot([low, high], [row, row], color="tab:blue", linewidth=12, alpha=0.45, solid_capstyle="butt")
        ax.plot([point], [row], marker="o", color="black", markersize=7, zorder=3)
        ax.annotate(
            f"{point:.2f} [{low:.2f}, {high:.2f}]",
            (point, row),
            xytext=(0, 12),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.axvline(0.5, color="grey", linestyle="--", linewidth=1)
    ax.text(0.5, len(labels) - 0.45, "no difference", ha="center", va="bottom", fontsize=8, color="grey")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(-0.6, len(labels) - 0.2)
    ax.invert_yaxis()
    ax.set(
        xlim=(-0.08, 1.08),
        xlabel="P(X > Y): chance that a run of X beats a run of Y on a level",
        title="Probability of improvement (95% CI)",
    )
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)
