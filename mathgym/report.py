"""Reports of a results store: Markdown + HTML with PNG plots.

``write_report("results/sweep.sqlite", "results/report")`` writes ``report.md``, ``report.html`` and
``plots/*.png``. A sweep run (rows with variant indices) gets the robustness report: accuracy across
variants per agent (GSM-Symbolic's distribution, with the original questions marked), average- vs
worst-case accuracy (DynaMath) with effective accuracy (UGMathBench), the accuracy drop of every
perturbation, and, when the sweep has MathCheck task variants, the checklist grid; every metric comes with a
95% bootstrap interval over families (``reps`` replicates, fixed seed). A plain evaluation (``mathgym
eval`` rows, or any rows without variants) gets accuracy by agent and env, by level and by seed, with
intervals over episodes. The row schema is in ``docs/results.md``.
"""

from __future__ import annotations

import html
import json
import math
import numbers
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from mathgym.metrics import robustness as R  # noqa: N812  (R.statistic reads as a namespace)

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    title: str
    text: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)  # (relative path, caption)


def _ci(c: dict[str, float], pct: bool = True) -> str:
    if c is None or any(math.isnan(c.get(k, float("nan"))) for k in ("value", "lo", "hi")):
        return "–"
    f = (lambda v: f"{100 * v:.1f}") if pct else (lambda v: f"{v:.2f}")
    return f"{f(c['value'])} [{f(c['lo'])}, {f(c['hi'])}]"


def _load(store: str | os.PathLike[str], run_id: str | None):  # noqa: ANN202
    from mathgym.store import Store

    with Store(store) as s:
        runs = s.runs()
        if not runs:
            raise ValueError(f"{store} holds no runs")
        if run_id is None:
            run_id = runs[-1]["run_id"]
        run = next((r for r in runs if r["run_id"] == run_id), None)
        if run is None:
            raise KeyError(f"no run {run_id!r} in {store}; runs: {', '.join(r['run_id'] for r in runs)}")
        df = s.dataframe(run_id)
    if df.empty:
        raise ValueError(f"run {run_id} has no episodes yet")
    for column, default in (
        ("chain", []),
        ("base_family", None),
        ("task", "solve"),
        ("robustness", "original"),
        ("skipped", False),
        ("error", None),
    ):
        if column not in df:
            df[column] = [default] * len(df)
    df["chain_name"] = df["chain"].map(lambda c: "+".join(c) if isinstance(c, list) and c else "none")
    df["base_family"] = [b if isinstance(b, str) else f for b, f in zip(df["base_family"], df["family"])]
    df = df[df["error"].isna() & df["correct"].notna()].copy()
    df["correct"] = df["correct"].astype(float)
    return run, df


def _suite(env: str) -> str:
    """Group rows by benchmark: one GSM-Symbolic configuration, or all program families together."""
    name = env.split("/")[-1].removesuffix("-v0")
    return "Dynamic programs" if name.startswith("Dynamic") else name


def _matrix(frame: pd.DataFrame) -> np.ndarray:
    m, _, _ = R.correctness_matrix(frame.to_dict("records"), seed_key="family", variant_key="variant")
    return m


def is_plain_evaluation(df: pd.DataFrame, run: dict[str, Any]) -> bool:
    """A run without variants: ``mathgym eval`` rows, or rows a user wrote without variant indices."""
    return run.get("kind") == "eval" or bool((df["variant"] < 0).all())


def _episode_ci(values: npt.ArrayLike, reps: int) -> dict[str, float]:
    """Mean of 0/1 outcomes with a percentile bootstrap interval over episodes."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return {"value": float(x.mean()) if len(x) else math.nan, "lo": math.nan, "hi": math.nan}
    lo, hi = R.bootstrap_ci(lambda m: float(m.mean()), x, reps=reps)
    return {"value": float(x.mean()), "lo": lo, "hi": hi}


def build_eval_sections(
    df: pd.DataFrame, run: dict[str, Any], *, reps: int = 1000, plots_dir: Path | None = None
) -> list[Section]:
    """Sections of a plain evaluation: accuracy by agent and env, by level, by seed.

    :param df: the run's rows (:func:`_load`).
    :param run: the run's record (``Store.runs()``).
    :param reps: bootstrap replicates per interval.
    :param plots_dir: where to draw ``accuracy_by_level.png`` (``None``: no plot).
    """
    if "level" not in df:
        df = df.assign(level=[None] * len(df))
    levels = df["level"].map(lambda v: int(v) if isinstance(v, numbers.Real) and not math.isnan(v) else None)
    df = df.assign(level=levels)
    seeds = sorted(int(s) for s in df["seed"].unique())
    head = Section(
        "Run",
        [
            f"Run `{run['run_id']}`: {len(df)} episodes, agents {', '.join(sorted(df['agent'].unique()))}, "
            f"envs {', '.join(sorted(df['env'].unique()))}, seeds {', '.join(map(str, seeds))}.",
            f"Versions: {', '.join(f'{k} {v}' for k, v in run['versions'].items())}.",
            f"Accuracy intervals are 95% percentile bootstrap intervals over episodes ({reps} replicates).",
        ],
    )
    overall = Table(["agent", "env", "episodes", "accuracy", "mean reward", "mean steps"], [])
    for (agent, env), frame in df.groupby(["agent", "env"]):
        overall.rows.append(
            [
                agent,
                env,
                str(len(frame)),
                _ci(_episode_ci(frame["correct"], reps)),
                f"{frame['reward'].mean():.3f}" if frame["reward"].notna().any() else "–",
                f"{frame['steps'].mean():.1f}" if frame["steps"].notna().any() else "–",
            ]
        )
    head.tables.append(overall)
    sections = [head]

    known = sorted({lv for lv in df["level"] if lv is not None})
    by_level = Section(
        "Accuracy by level",
        [
            "Rows: agent and env; columns: the problems' difficulty level "
            "(procedural `level`, variant `difficulty`); cells: "
            "accuracy (%) "
            "[95% CI] over the episodes of that level."
        ],
    )
    level_cis: dict[str, dict[int, dict[str, float]]] = {}
    if known:
        t = Table(["agent", "env", *[f"level {lv}" for lv in known]], [])
        for (agent, env), frame in df.groupby(["agent", "env"]):
            cells = []
            for lv in known:
                part = frame[frame["level"] == lv]["correct"]
                ci = _episode_ci(part, reps) if len(part) else None
                if ci is not None:
                    level_cis.setdefault(f"{agent} ({env.split('/')[-1]})", {})[lv] = ci
                cells.append(f"{_ci(ci)} (n={len(part)})" if ci is not None else "–")
            t.rows.append([agent, env, *cells])
        by_level.tables.append(t)
    else:
        by_level.text.append("No row carries a level.")
    sections.append(by_level)

    by_seed = Section(
        "Accuracy by seed",
        [
            "Accuracy (%) of each run seed; a spread across seeds that "
            "exceeds the "
            "intervals above means the seed's problem stream matters."
        ],
    )
    t = Table(["agent", "env", *[f"seed {s}" for s in seeds]], [])
    for (agent, env), frame in df.groupby(["agent", "env"]):
        cells = []
        for seed in seeds:
            part = frame[frame["seed"] == seed]["correct"]
            cells.append(f"{100 * part.mean():.1f} (n={len(part)})" if len(part) else "–")
        t.rows.append([agent, env, *cells])
    by_seed.tables.append(t)
    sections.append(by_seed)
    if plots_dir is not None and level_cis:
        head.images.append(_plot_levels(plots_dir, level_cis))
    return sections


def _plot_levels(plots_dir: Path, cis: dict[str, dict[int, dict[str, float]]]) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots_dir.mkdir(parents=True, exist_ok=True)
    levels = sorted({lv for per in cis.values() for lv in per})
    names = list(cis)
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(levels) + 2.5), 3.6), dpi=100)
    for k, name in enumerate(names):
        xs = np.arange(len(levels)) + (k - (len(names) - 1) / 2) * width
        vals = [100 * cis[name].get(lv, {}).get("value", np.nan) for lv in levels]
        lo = [100 * (cis[name][lv]["value"] - cis[name][lv]["lo"]) if lv in cis[name] else 0 for lv in levels]
        hi = [100 * (cis[name][lv]["hi"] - cis[name][lv]["value"]) if lv in cis[name] else 0 for lv in levels]
        # a nested list, not an array: matplotlib converts a (2, 1) yerr array to a scalar (numpy deprecation)
        yerr = np.nan_to_num(np.clip(np.array([lo, hi], dtype=float), 0, None)).tolist()
        ax.bar(xs, vals, width, yerr=yerr, capsize=3, label=name)
    ax.set_xticks(range(len(levels)), [f"level {lv}" for lv in levels])
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 105)
    ax.set_title("Accuracy by level (95% bootstrap CI over episodes)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=min(3, len(names)))
    fig.tight_layout()
    fig.savefig(plots_dir / "accuracy_by_level.png")
    plt.close(fig)
    return "plots/accuracy_by_level.png", "Accuracy by level, per agent and env"


def build_sections(
    df: pd.DataFrame, run: dict[str, Any], *, reps: int = 1000, plots_dir: Path | None = None
) -> list[Section]:
    """Sections of a sweep run: one per benchmark, each from its own builder below.

    :param df: the run's rows (:func:`_load`).
    :param run: the run's record (``Store.runs()``).
    :param reps: bootstrap replicates per interval (over families).
    :param plots_dir: where to draw the plots (``None``: no plots).
    """
    agents = sorted(df["agent"].unique())
    base = df[df["chain_name"] == "none"]
    head = _run_section(df, base, run, agents, reps)
    robust, bars = _average_vs_worst_section(base, agents, reps)
    dist, per_agent_dist = _variant_distribution_section(base, agents, reps)
    pert, drops = _perturbation_section(df, agents, reps)
    mathcheck = _mathcheck_section(df, agents)
    dia = _dia_section(base, agents)
    sections = [s for s in (head, robust, dist, pert, mathcheck, dia) if s is not None]
    if plots_dir is not None:
        images = _plots(plots_dir, per_agent_dist, bars, drops)
        sections[0].images.extend(images)
    return sections


def _run_section(
    df: pd.DataFrame, base: pd.DataFrame, run: dict[str, Any], agents: list[str], reps: int
) -> Section:
    """The run's summary and overall accuracy per agent (interval over families)."""
    cfg = run["config"]
    head = Section(
        "Run",
        [
            f"Run `{run['run_id']}`: {len(df)} episodes, agents {', '.join(agents)}, "
            f"{df['family'].nunique()} families ({base['family'].nunique()} unperturbed), "
            f"{cfg.get('n_variants', '?')} variants, seeds {cfg.get('seeds', '?')}, mode "
            f"{cfg.get('mode', 'single')}.",
            f"Versions: {', '.join(f'{k} {v}' for k, v in run['versions'].items())}.",
            f"Intervals are 95% percentile bootstrap intervals over families ({reps} replicates).",
        ],
    )
    overall = Table(
        ["agent", "episodes", "accuracy (all)", "accuracy (variant 0)", "accuracy (variants ≥ 1)"], []
    )
    for agent in agents:
        a = df[df["agent"] == agent]
        b = base[base["agent"] == agent]
        per_family = a.groupby("family")["correct"].mean().to_numpy()
        ci = (
            R.bootstrap_ci(lambda m: float(m.mean()), per_family, reps=reps)
            if len(per_family) > 1
            else (math.nan,) * 2
        )
        v0 = b[b["variant"] == 0]["correct"].mean()
        rest = b[b["variant"] > 0]["correct"].mean()
        overall.rows.append(
            [
                agent,
                str(len(a)),
                _ci({"value": a["correct"].mean(), "lo": ci[0], "hi": ci[1]}),
                f"{100 * v0:.1f}" if not math.isnan(v0) else "–",
                f"{100 * rest:.1f}" if not math.isnan(rest) else "–",
            ]
        )
    head.tables.append(overall)
    return head


def _average_vs_worst_section(
    base: pd.DataFrame,
    agents: list[str],
    reps: int,
) -> tuple[Section, dict[str, dict[str, dict[str, float]]]]:
    """DynaMath + UGMathBench on unperturbed families, per agent and suite; also the per-agent bars to plot."""
    robust = Section(
        "Average vs worst case (DynaMath, UGMathBench)",
        [
            "A_avg: mean accuracy over all variants; A_wst: share of families solved in every variant; "
            "RR = A_wst / A_avg. AAcc / EAcc: UGMathBench's average and effective accuracy, "
            "Δ = AAcc − EAcc (reasoning gap), RE = Δ / EAcc. Unperturbed families only."
        ],
    )
    t = Table(["agent", "suite", "families", "A_avg", "A_wst", "RR", "EAcc", "Δ", "RE"], [])
    bars: dict[str, dict[str, dict[str, float]]] = {}
    for agent in agents:
        for suite, frame in base[base["agent"] == agent].groupby(base["env"].map(_suite)):
            m = _matrix(frame)
            if m.shape[0] < 1 or m.shape[1] < 1:
                continue
            dm = R.with_ci(R.dynamath, m, reps=reps)
            ug = R.with_ci(R.ugmath, m, reps=reps)
            t.rows.append(
                [
                    agent,
                    suite,
                    str(m.shape[0]),
                    _ci(dm["A_avg"]),
                    _ci(dm["A_wst"]),
                    _ci(dm.get("RR"), pct=False) if "RR" in dm else "–",
                    _ci(ug["EAcc"]),
                    _ci(ug["Delta"]),
                    _ci(ug.get("RE"), pct=False) if "RE" in ug else "–",
                ]
            )
        m_all = _matrix(base[base["agent"] == agent])
        if m_all.size:
            dm = R.with_ci(R.dynamath, m_all, reps=reps)
            ug = R.with_ci(R.ugmath, m_all, reps=reps)
            bars[agent] = {"A_avg": dm["A_avg"], "A_wst": dm["A_wst"], "EAcc": ug["EAcc"]}
    robust.tables.append(t)
    return robust, bars


def _variant_distribution_section(
    base: pd.DataFrame,
    agents: list[str],
    reps: int,
) -> tuple[Section, dict[str, tuple[list[float], float]]]:
    """GSM-Symbolic: distribution across sampled datasets and drop from the originals."""
    dist = Section(
        "Accuracy across variants (GSM-Symbolic)",
        [
            "Each variant index j ≥ 1 is one sampled dataset (variant j of every family); variant 0 holds "
            "the originals. Drop = accuracy on the originals − mean accuracy over the sampled datasets."
        ],
    )
    t = Table(["agent", "suite", "original", "mean ± std", "range", "drop"], [])
    per_agent_dist: dict[str, tuple[list[float], float]] = {}
    for agent in agents:
        frames = [(s, f) for s, f in base[base["agent"] == agent].groupby(base["env"].map(_suite))]
        frames.append(("all", base[base["agent"] == agent]))
        for suite, frame in frames:
            m = _matrix(frame)
            if m.shape[1] < 2:
                continue
            d = R.accuracy_distribution(m)
            drop = R.with_ci(lambda x: {"drop": R.accuracy_distribution(x)["drop"]}, m, reps=reps)["drop"]
            t.rows.append(
                [
                    agent,
                    suite,
                    f"{100 * d['original']:.1f}",
                    f"{100 * d['mean']:.1f} ± {100 * d['std']:.1f}",
                    f"{100 * d['min']:.1f}–{100 * d['max']:.1f}",
                    _ci(drop),
                ]
            )
            if suite == "all":
                per_agent_dist[agent] = (d["per_dataset"], d["original"])
    dist.tables.append(t)
    return dist, per_agent_dist


def _perturbation_section(
    df: pd.DataFrame,
    agents: list[str],
    reps: int,
) -> tuple[Section | None, dict[str, dict[str, dict[str, float]]]]:
    """Perturbations: matched drops (``None`` when the sweep has no perturbation chains)."""
    chains = sorted(c for c in df["chain_name"].unique() if c != "none")
    drops: dict[str, dict[str, dict[str, float]]] = {}
    if not chains:
        return None, drops
    pert = Section(
        "Perturbation drops (GSM-NoOp and friends)",
        [
            "Accuracy on a family's variants minus accuracy on the same variants after the perturbation "
            "(matched by family, variant and seed). Positive = the perturbation hurts."
        ],
    )
    t = Table(["agent", "perturbation", "items", "base", "perturbed", "drop"], [])
    for agent in agents:
        a = df[df["agent"] == agent]
        ref = a[a["chain_name"] == "none"].set_index(["family", "variant", "seed"])["correct"]
        for chain in chains:
            p = a[a["chain_name"] == chain]
            keys = list(zip(p["base_family"], p["variant"], p["seed"]))
            matched = [(ref.get(k), c, k[0]) for k, c in zip(keys, p["correct"]) if k in ref.index]
            if not matched:
                continue
            diffs: dict[str, list[float]] = {}
            for b, c, fam in matched:
                diffs.setdefault(fam, []).append(float(b) - float(c))
            per_family = np.array([np.mean(v) for v in diffs.values()])
            lo, hi = (
                R.bootstrap_ci(lambda m: float(m.mean()), per_family, reps=reps)
                if len(per_family) > 1
                else (math.nan, math.nan)
            )
            res = R.perturbation_drop([b for b, _, _ in matched], [c for _, c, _ in matched])
            drops.setdefault(chain, {})[agent] = {"value": res["drop"], "lo": lo, "hi": hi}
            t.rows.append(
                [
                    agent,
                    chain,
                    str(len(matched)),
                    f"{100 * res['base']:.1f}",
                    f"{100 * res['perturbed']:.1f}",
                    _ci(drops[chain][agent]),
                ]
            )
    pert.tables.append(t)
    return pert, drops


def _mathcheck_section(df: pd.DataFrame, agents: list[str]) -> Section | None:
    """MathCheck grid (``None`` when every row is a plain solve task)."""
    if not (df["task"] != "solve").any():
        return None
    mc = Section(
        "MathCheck checklist",
        [
            "Accuracy for solving and process judging, macro-F1 for answerable and "
            "outcome judging; rows are tasks, columns robustness types."
        ],
    )
    task_families = set(df[df["task"] != "solve"]["base_family"])
    for agent in agents:
        a = df[(df["agent"] == agent) & df["base_family"].isin(task_families)]
        items = [
            {
                "task": r.task,
                "robustness": r.robustness,
                "correct": bool(r.correct),
                "gold": r.gold,
                "pred": r.extracted.strip().lower() if isinstance(r.extracted, str) else "",
            }
            for r in a.itertuples()
        ]
        grid = R.mathcheck_grid(items)
        tab = Table([f"{agent}: task \\ robustness", *R.MATHCHECK_ROBUSTNESS, "mean"], [])
        for task in R.MATHCHECK_TASKS:
            cells = [grid["grid"][task][r] for r in R.MATHCHECK_ROBUSTNESS]
            tab.rows.append(
                [
                    task,
                    *[f"{100 * c:.1f}" if c is not None else "–" for c in cells],
                    f"{100 * grid['task_means'][task]:.1f}" if grid["task_means"][task] is not None else "–",
                ]
            )
        tab.rows.append(
            [
                "overall",
                *["" for _ in R.MATHCHECK_ROBUSTNESS],
                f"{100 * grid['overall']:.1f}" if grid["overall"] is not None else "–",
            ]
        )
        mc.tables.append(tab)
    return mc


def _dia_section(base: pd.DataFrame, agents: list[str]) -> Section:
    """DIA-Bench reliability."""
    dia = Section(
        "Reliability and confidence (DIA-Bench)",
        [
            "Templates are the unperturbed families and k their variants × seeds. RS@k: (+1 right, 0 no "
            "answer, −2 wrong) summed over templates, divided by k; Conf@k: templates right in every "
            "instance; NMS@k: templates right in at least 80% but not all; TSR: mean per-template success."
        ],
    )
    t = Table(["agent", "templates", "k", "RS@k", "TSR", "Conf@k", "NMS@k"], [])
    for agent in agents:
        b = base[base["agent"] == agent].sort_values(["family", "variant", "seed"])
        outcomes = []
        for _, frame in b.groupby("family"):
            outcomes.append(
                [
                    "correct" if c else ("skip" if s is True else "wrong")
                    for c, s in zip(frame["correct"], frame["skipped"])
                ]
            )
        k = min((len(o) for o in outcomes), default=0)
        if not k:
            continue
        res = R.dia([o[:k] for o in outcomes])
        t.rows.append(
            [
                agent,
                str(len(outcomes)),
                str(k),
                f"{res['RS']:.1f}",
                f"{100 * res['TSR_mean']:.1f}",
                f"{res['Conf']} ({100 * res['Conf_rate']:.1f}%)",
                str(res["NMS"]),
            ]
        )
    dia.tables.append(t)
    return dia


def _plots(
    plots_dir: Path,
    dist: dict[str, tuple[list[float], float]],
    bars: dict[str, dict[str, dict[str, float]]],
    drops: dict[str, dict[str, dict[str, float]]],
) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots_dir.mkdir(parents=True, exist_ok=True)
    out: list[tuple[str, str]] = []
    agents = sorted(set(dist) | set(bars))
    colors = {a: plt.get_cmap("tab10")(i) for i, a in enumerate(agents)}

    if dist:
        fig, ax = plt.subplots(figsize=(6.4, 3.4), dpi=100)
        names = list(dist)
        parts = ax.violinplot([np.array(dist[a][0]) * 100 for a in names], showmeans=True, showextrema=True)
        for body, a in zip(parts["bodies"], names):
            body.set_facecolor(colors[a])
            body.set_alpha(0.5)
        for i, a in enumerate(names, 1):
            xs = np.random.default_rng(i).normal(i, 0.04, len(dist[a][0]))
            ax.scatter(xs, np.array(dist[a][0]) * 100, s=8, color=colors[a], zorder=3)
            ax.scatter(
                [i],
                [dist[a][1] * 100],
                marker="*",
                s=120,
                color="black",
                zorder=4,
                label="variant 0 (original)" if i == 1 else None,
            )
        ax.set_xticks(range(1, len(names) + 1), names)
        ax.set_ylabel("accuracy per sampled dataset (%)")
        ax.set_ylim(-3, 103)
        ax.set_title("Accuracy across variants (one point per variant index)")
        ax.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        fig.savefig(plots_dir / "accuracy_distribution.png")
        plt.close(fig)
        out.append(("plots/accuracy_distribution.png", "Accuracy distribution across variants, per agent"))

    if bars:
        fig, ax = plt.subplots(figsize=(6.4, 3.4), dpi=100)
        metrics = ["A_avg", "A_wst", "EAcc"]
        width = 0.8 / len(metrics)
        for j, metric in enumerate(metrics):
            vals = [bars[a][metric]["value"] * 100 for a in agents if a in bars]
            err = [
                [(bars[a][metric]["value"] - bars[a][metric]["lo"]) * 100 for a in agents if a in bars],
                [(bars[a][metric]["hi"] - bars[a][metric]["value"]) * 100 for a in agents if a in bars],
            ]
            xs = np.arange(len(vals)) + (j - 1) * width
            ax.bar(xs, vals, width, yerr=np.clip(err, 0, None), capsize=3, label=metric)
        ax.set_xticks(range(len([a for a in agents if a in bars])), [a for a in agents if a in bars])
        ax.set_ylabel("%")
        ax.set_ylim(0, 105)
        ax.set_title("Average- vs worst-case accuracy (95% bootstrap CI)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(plots_dir / "average_vs_worst.png")
        plt.close(fig)
        out.append(("plots/average_vs_worst.png", "Average-case vs worst-case accuracy per agent"))

    if drops:
        fig, ax = plt.subplots(figsize=(7.2, 3.8), dpi=100)
        chains = list(drops)
        present = [a for a in agents if any(a in drops[c] for c in chains)]
        width = 0.8 / max(1, len(present))
        for j, agent in enumerate(present):
            vals = [drops[c].get(agent, {}).get("value", np.nan) * 100 for c in chains]
            lo = [
                (drops[c][agent]["value"] - drops[c][agent]["lo"]) * 100 if agent in drops[c] else 0
                for c in chains
            ]
            hi = [
                (drops[c][agent]["hi"] - drops[c][agent]["value"]) * 100 if agent in drops[c] else 0
                for c in chains
            ]
            xs = np.arange(len(chains)) + (j - (len(present) - 1) / 2) * width
            ax.bar(
                xs,
                vals,
                width,
                yerr=np.nan_to_num(np.clip([lo, hi], 0, None)),
                capsize=3,
                label=agent,
                color=colors.get(agent),
            )
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(range(len(chains)), chains, rotation=30, ha="right")
        ax.set_ylabel("accuracy drop (points)")
        ax.set_title("Drop caused by each perturbation (95% CI)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(plots_dir / "perturbation_drops.png")
        plt.close(fig)
        out.append(("plots/perturbation_drops.png", "Accuracy drop per perturbation and agent"))
    return out


# ------------------------------------------------------------------------------------------ render
def _md_table(t: Table) -> str:
    cell = lambda s: str(s).replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(cell(h) for h in t.header) + " |", "|" + "---|" * len(t.header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in t.rows]
    return "\n".join(lines)


def render_markdown(sections: Sequence[Section], title: str) -> str:
    parts = [f"# {title}"]
    for s in sections:
        parts.append(f"## {s.title}")
        parts += s.text
        parts += [f"![{cap}]({path})" for path, cap in s.images]
        parts += [_md_table(t) for t in s.tables]
    return "\n\n".join(parts) + "\n"


def render_html(sections: Sequence[Section], title: str) -> str:
    e = html.escape
    body = [f"<h1>{e(title)}</h1>"]
    for s in sections:
        body.append(f"<h2>{e(s.title)}</h2>")
        body += [f"<p>{e(p).replace('`', '')}</p>" for p in s.text]
        body += [
            f'<figure><img src="{e(path)}" alt="{e(cap)}"><figcaption>{e(cap)}</figcaption></figure>'
            for path, cap in s.images
        ]
        for t in s.tables:
            head = "".join(f"<th>{e(h)}</th>" for h in t.header)
            rows = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in t.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    style = (
        "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;"
        "text-align:right}th{background:#f4f4f4}figure{display:inline-block;margin:.5rem}img{max-width:100%}"
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(title)}</title><style>{style}</style>"
        f"</head><body>{''.join(body)}</body></html>\n"
    )


def write_report(
    store: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    run_id: str | None = None,
    reps: int = 1000,
    plots: bool = True,
) -> dict[str, Path]:
    """Write ``report.md``, ``report.html``, ``plots/*.png`` and ``metrics.json`` for a sweep or eval run.

    :param store: the SQLite store a sweep or ``mathgym eval`` wrote.
    :param out_dir: output folder (created; default: ``report-<run id>`` next to the store, so reports of
        different runs never overwrite each other).
    :param run_id: which run (default: the most recent).
    :param reps: bootstrap replicates per interval.
    :param plots: draw the PNG plots (needs matplotlib).
    """
    run, df = _load(store, run_id)
    out = Path(out_dir) if out_dir is not None else Path(store).parent / f"report-{run['run_id']}"
    out.mkdir(parents=True, exist_ok=True)
    plain = is_plain_evaluation(df, run)
    build = build_eval_sections if plain else build_sections
    sections = build(df, run, reps=reps, plots_dir=out / "plots" if plots else None)
    title = f"mathgym {'evaluation' if plain else 'robustness'} report — {run['run_id']}"
    paths = {"markdown": out / "report.md", "html": out / "report.html", "metrics": out / "metrics.json"}
    paths["markdown"].write_text(render_markdown(sections, title), encoding="utf-8")
    paths["html"].write_text(render_html(sections, title), encoding="utf-8")
    tables = {s.title: [dict(zip(t.header, row)) for t in s.tables for row in t.rows] for s in sections}
    paths["metrics"].write_text(
        json.dumps({"run": run["run_id"], "tables": tables}, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    for path, _ in sections[0].images:
        paths[Path(path).stem] = out / path
    return paths
