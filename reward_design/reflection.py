"""Reward reflection (Eureka's feedback text), the standard tips, and the reward-hacking guard.

After a candidate trains, every tracked series (each component's episode sum, the candidate's return,
the true success rate as ``task_score``, the episode length) is listed at every ``max(T // 10, 1)``-th
epoch with its maximum, mean and minimum, followed by diagnoses: success near zero (rewrite the reward),
a flat component (rescale or drop it), a dominating component (rescale it). A candidate that failed gets
the error instead. The text is what the next iteration's proposer reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: success rate below which the reward is judged not to work at all
NEAR_ZERO_SUCCESS = 0.05
#: a component whose range over training is below this share of its mean magnitude counts as flat
FLAT_RELATIVE_RANGE = 0.02
#: a component whose mean magnitude exceeds this many times every other one dominates
DOMINANCE_FACTOR = 10.0

ERROR_FEEDBACK = (
    "The reward function above could not be used: {reason}\nFix the problem and write a new reward function."
)
REFLECTION_INTRO = (
    "A policy was trained with the reward function above. Below, each reward component (summed "
    "over an episode), the total reward, the true success rate (task_score) and the episode "
    "length are listed every {freq} epoch(s), followed by their maximum, mean and minimum:"
)
STANDARD_TIPS = """Read these statistics, then write an improved reward function. How to read them:
    (1) task_score near zero throughout: the reward does not lead to the task; write a new one from scratch.
    (2) A component that barely changes during training gives the policy nothing to improve on: change its scale
        or temperature, write it differently, or remove it.
    (3) A component much larger in magnitude than the others drowns them out: scale it down.
Go through the components one by one with these rules before writing the new code."""


def format_series(name: str, values: Sequence[float]) -> str:
    """One tracked series, Eureka style: every ``max(T // 10, 1)``-th value, then Max, Mean, Min.

    ``format_series("x", range(25))`` lists 13 values ``0.00, 2.00, …, 24.00`` and ``Max: 24.00, Mean:
    12.00, Min: 0.00``.
    """
    values = [float(v) for v in values]
    if not values:
        return f"{name}: no data"
    freq = max(len(values) // 10, 1)
    listed = ", ".join(f"{v:.2f}" for v in values[::freq])
    return (
        f"{name}: [{listed}], Max: {max(values):.2f}, Mean: {float(np.mean(values)):.2f}, "
        f"Min: {min(values):.2f}"
    )


def epoch_series(epochs: Sequence[Mapping[str, Any]]) -> dict[str, list[float]]:
    """Series over the epochs that ended episodes: each component, ``total`` (candidate return),
    ``task_score`` (success rate) and ``episode_length``."""
    rows = [e for e in epochs if e.get("episodes")]
    names = sorted({k for e in rows for k in e.get("components", {})})
    series = {name: [float(e["components"].get(name, 0.0)) for e in rows] for name in names}
    series["total"] = [float(e["proxy_return"]) for e in rows]
    series["task_score"] = [float(e["success_rate"]) for e in rows]
    series["episode_length"] = [float(e["episode_length"]) for e in rows]
    return series


@dataclass(frozen=True)
class Finding:
    """One diagnosis behind the standard tips.

    :param kind: ``no_success``, ``inactive`` (always 0), ``flat`` or ``dominant``.
    :param component: the component it is about (``None`` for ``no_success``).
    :param text: one line for the reflection.
    """

    kind: str
    component: str | None
    text: str


def diagnose(series: Mapping[str, Sequence[float]]) -> list[Finding]:
    """Concrete findings behind the standard tips."""
    notes = []
    success = series.get("task_score", [])
    if success and max(success) < NEAR_ZERO_SUCCESS:
        notes.append(
            Finding(
                "no_success",
                None,
                f"task_score never exceeded {NEAR_ZERO_SUCCESS:.2f}: the reward "
                "does not lead to the task; rewrite it.",
            )
        )
    components = {
        k: np.asarray(v, dtype=float)
        for k, v in series.items()
        if k not in ("task_score", "episode_length", "total") and len(v)
    }
    scale = {k: float(np.mean(np.abs(v))) for k, v in components.items()}
    for name, values in components.items():
        if scale[name] == 0.0:
            notes.append(
                Finding(
                    "inactive", name, f"component {name!r} is always 0: it never acts; rewrite or discard it."
                )
            )
        elif float(np.ptp(values)) <= FLAT_RELATIVE_RANGE * scale[name]:
            notes.append(
                Finding(
                    "flat",
                    name,
                    f"component {name!r} stays near {values.mean():.3g} throughout: RL "
                    "cannot optimise it as written; rescale, rewrite or discard it.",
                )
            )
    active = {k: v for k, v in scale.items() if v > 0}
    if len(active) > 1:
        top = max(active, key=active.__getitem__)
        rest = max(v for k, v in active.items() if k != top)
        if active[top] > DOMINANCE_FACTOR * rest:
            notes.append(
                Finding(
                    "dominant",
                    top,
                    f"component {top!r} is {active[top] / rest:.0f}x larger than any other: rescale it.",
                )
            )
    return notes


def reflection_text(
    epochs: Sequence[Mapping[str, Any]], fitness: float | None, *, prefilter_accuracy: float | None = None
) -> str:
    """The feedback for a candidate that trained: tracked series, held-out success, diagnoses, tips."""
    series = epoch_series(epochs)
    freq = max(len(series.get("total", [])) // 10, 1)
    lines = [REFLECTION_INTRO.format(freq=freq)]
    lines += [format_series(name, values) for name, values in series.items()]
    if fitness is not None:
        lines.append(f"held-out success rate of the trained policy (the fitness): {fitness:.2f}")
    if prefilter_accuracy is not None:
        lines.append(
            f"share of (successful, failed) recorded episodes ordered correctly by the reward's return: "
            f"{prefilter_accuracy:.2f}"
        )
    notes = diagnose(series)
    if notes:
        lines.append("Findings:\n" + "\n".join(f"- {n.text}" for n in notes))
    lines.append(STANDARD_TIPS)
    return "\n".join(lines)


def error_feedback(reason: str) -> str:
    """Eureka's feedback for a candidate that did not run."""
    return ERROR_FEEDBACK.format(reason=reason.strip())


def hacking_check(
    epochs: Sequence[Mapping[str, Any]], windows: int = 8, threshold: float = -0.5
) -> dict[str, Any]:
    """Whether the candidate's return rose while true success fell over training.

    The epochs are pooled into ``windows`` consecutive checkpoints (mean proxy return, mean success). The
    candidate is flagged when the Spearman correlation between proxy return and success across the
    checkpoints is at most ``threshold``, the return's trend over time is positive and success's is
    negative.

    :returns: ``{"flagged", "rho", "return_trend", "success_trend", "checkpoints"}`` (``rho`` is ``None``
        with fewer than 3 checkpoints or a constant series).
    """
    from scipy.stats import spearmanr

    rows = [e for e in epochs if e.get("episodes")]
    chunks = (
        [c for c in np.array_split(np.arange(len(rows)), min(windows, len(rows))) if c.size] if rows else []
    )
    proxy = [float(np.mean([rows[i]["proxy_return"] for i in c])) for c in chunks]
    success = [float(np.mean([rows[i]["success_rate"] for i in c])) for c in chunks]
    out: dict[str, Any] = {
        "flagged": False,
        "rho": None,
        "return_trend": None,
        "success_trend": None,
        "checkpoints": [{"proxy_return": p, "success_rate": s} for p, s in zip(proxy, success)],
    }
    if len(chunks) < 3 or np.ptp(proxy) == 0 or np.ptp(success) == 0:
        return out
    time_axis = np.arange(len(chunks))
    rho = float(spearmanr(proxy, success).statistic)
    return_trend = float(spearmanr(time_axis, proxy).statistic)
    success_trend = float(spearmanr(time_axis, success).statistic)
    out.update(
        rho=rho,
        return_trend=return_trend,
        success_trend=success_trend,
        flagged=bool(rho <= threshold and return_trend > 0 and success_trend < 0),
    )
    return out
