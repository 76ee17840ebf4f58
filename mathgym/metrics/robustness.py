"""Robustness metrics (DynaMath, UGMathBench, GSM-Symbolic, MathCheck, DIA-Bench) with bootstrap intervals.

Most functions take a correctness matrix ``a`` of shape ``(N seeds/templates, M variants)`` with entries
0/1 (``NaN`` for a missing cell is not allowed: build complete matrices with :func:`correctness_matrix`).

* DynaMath: :func:`dynamath` -> average-case ``A_avg``, worst-case ``A_wst``, reasoning robustness ``RR``.
* UGMathBench: :func:`ugmath` -> ``AAcc``, effective accuracy ``EAcc``, reasoning gap ``Delta``, ``RE``.
* GSM-Symbolic: :func:`accuracy_distribution` -> accuracy of each sampled dataset (one per variant
  index), its mean/std/range, and the drop from variant 0 (the original questions).
* GSM-NoOp and other perturbations: :func:`perturbation_drop` (matched accuracy difference).
* MathCheck: :func:`macro_f1`, :func:`mathcheck_grid` (4 tasks x 4 robustness types).
* DIA-Bench: :func:`dia` -> ``RS@k``, ``TSR@k``, ``Conf@k``, ``NMS@k``.
* :func:`bootstrap_ci` resamples seeds (rows) with replacement for any of the statistics above.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

ArrayLike = Sequence[Sequence[float]] | np.ndarray


def _matrix(a: ArrayLike) -> np.ndarray:
    m = np.asarray(a, dtype=float)
    if m.ndim != 2 or m.size == 0:
        raise ValueError(f"expected a non-empty (seeds x variants) matrix, got shape {m.shape}")
    if np.isnan(m).any():
        raise ValueError("the correctness matrix has missing cells (NaN); drop incomplete seeds first")
    return m


# ------------------------------------------------------------------------------------------ DynaMath
def dynamath(a: ArrayLike) -> dict[str, float]:
    """``A_avg = mean(a)``, ``A_wst = mean_i min_j a_ij``, ``RR = A_wst / A_avg`` (0 when ``A_avg`` is 0)."""
    m = _matrix(a)
    avg = float(m.mean())
    worst = float(m.min(axis=1).mean())
    return {"A_avg": avg, "A_wst": worst, "RR": worst / avg if avg > 0 else 0.0}


# -------------------------------------------------------------------------------------- UGMathBench
def ugmath(a: ArrayLike) -> dict[str, float]:
    """``AAcc`` (mean of per-version accuracies), ``EAcc`` (solved in every version), ``Delta = AAcc - EAcc``
    and robustness efficiency ``RE = Delta / EAcc`` (``inf`` when ``EAcc`` is 0 and ``Delta`` is not)."""
    m = _matrix(a)
    aacc = float(m.mean(axis=0).mean())
    eacc = float(np.prod(m, axis=1).mean())
    delta = aacc - eacc
    re = delta / eacc if eacc > 0 else (0.0 if delta == 0 else float("inf"))
    return {"AAcc": aacc, "EAcc": eacc, "Delta": delta, "RE": re}


# ------------------------------------------------------------------------------------- GSM-Symbolic
def accuracy_distribution(a: ArrayLike, *, original_column: int | None = 0) -> dict[str, Any]:
    """GSM-Symbolic's view: variant index ``j`` across all templates is one sampled dataset.

    :param a: ``(templates x variants)`` correctness.
    :param original_column: the column holding the original questions (variant 0); it is left out of the
        distribution and ``drop`` is its accuracy minus the mean of the others. ``None``: no original.
    :returns: ``per_dataset`` accuracies, their ``mean``, ``std`` (population), ``min``, ``max``, and
        ``original`` / ``drop`` when an original column is given.
    """
    m = _matrix(a)
    columns = list(range(m.shape[1]))
    if original_column is not None:
        columns.remove(original_column)
    if not columns:
        raise ValueError("need at least one sampled variant besides the original")
    per = m[:, columns].mean(axis=0)
    out: dict[str, Any] = {
        "per_dataset": per.tolist(),
        "mean": float(per.mean()),
        "std": float(per.std()),
        "min": float(per.min()),
        "max": float(per.max()),
    }
    if original_column is not None:
        original = float(m[:, original_column].mean())
        out["original"] = original
        out["drop"] = original - out["mean"]
    return out


def perturbation_drop(base: Sequence[float], perturbed: Sequence[float]) -> dict[str, float]:
    """Accuracy on the unperturbed items minus accuracy on their perturbed counterparts (GSM-NoOp drop).

    The two sequences are matched item by item (same family and variant)."""
    b, p = np.asarray(base, dtype=float), np.asarray(perturbed, dtype=float)
    if b.shape != p.shape or b.size == 0:
        raise ValueError("base and perturbed must be non-empty and matched item by item")
    return {"base": float(b.mean()), "perturbed": float(p.mean()), "drop": float(b.mean() - p.mean())}


# ---------------------------------------------------------------------------------------- MathCheck
def macro_f1(y_true: Sequence[Any], y_pred: Sequence[Any], labels: Sequence[Any] = ("yes", "no")) -> float:
    """Unweighted mean of the per-class F1 over ``labels`` (a prediction outside ``labels`` counts as wrong).

    A class with no true and no predicted items gets F1 = 1 when every other item is also right, matching
    the convention that a perfect classifier scores 1; otherwise 0."""
    if len(y_true) != len(y_pred) or not y_true:
        raise ValueError("y_true and y_pred must be non-empty and of equal length")
    scores = []
    for label in labels:
        tp = sum(1 for t, p in zip(y_true, y_pred) if t == label and p == label)
        fp = sum(1 for t, p in zip(y_true, y_pred) if t != label and p == label)
        fn = sum(1 for t, p in zip(y_true, y_pred) if t == label and p != label)
        if tp + fp + fn == 0:
            scores.append(1.0 if all(t == p for t, p in zip(y_true, y_pred)) else 0.0)
        else:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


MATHCHECK_TASKS = ("solve", "answerable", "outcome", "process")
MATHCHECK_ROBUSTNESS = ("original", "understanding", "disturbance", "scenario")
_F1_TASKS = {"answerable", "outcome"}


def mathcheck_grid(items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The MathCheck 4x4 checklist.

    :param items: one mapping per judged item with ``task`` (solve / answerable / outcome / process),
        ``robustness`` (original / understanding / disturbance / scenario), and ``correct`` (bool) for
        solve/process or ``gold`` and ``pred`` (labels ``"yes"``/``"no"``) for answerable/outcome.
    :returns: ``grid[task][robustness]`` (accuracy, or macro-F1 for the two judging tasks; ``None`` for
        an empty cell), ``task_means``, ``robustness_means`` and ``overall`` (means over non-empty cells).
    """
    cells: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for item in items:
        task, robust = item["task"], item["robustness"]
        if task not in MATHCHECK_TASKS or robust not in MATHCHECK_ROBUSTNESS:
            raise ValueError(f"unknown MathCheck cell ({task!r}, {robust!r})")
        cells.setdefault((task, robust), []).append(item)
    grid: dict[str, dict[str, float | None]] = {t: {} for t in MATHCHECK_TASKS}
    for task in MATHCHECK_TASKS:
        for robust in MATHCHECK_ROBUSTNESS:
            group = cells.get((task, robust))
            if not group:
                grid[task][robust] = None
            elif task in _F1_TASKS:
                grid[task][robust] = macro_f1([g["gold"] for g in group], [g.get("pred") for g in group])
            else:
                grid[task][robust] = float(np.mean([bool(g["correct"]) for g in group]))

    def mean(values: Iterable[float | None]) -> float | None:
        vals = [v for v in values if v is not None]
        return float(np.mean(vals)) if vals else None

    return {
        "grid": grid,
        "task_means": {t: mean(grid[t].values()) for t in MATHCHECK_TASKS},
        "robustness_means": {r: mean(grid[t][r] for t in MATHCHECK_TASKS) for r in MATHCHECK_ROBUSTNESS},
        "overall": mean(v for t in MATHCHECK_TASKS for v in grid[t].values()),
    }


# ---------------------------------------------------------------------------------------- DIA-Bench
DIA_SCORES = {"correct": 1, "skip": 0, "wrong": -2}


def dia(outcomes: Sequence[Sequence[str]] | np.ndarray, near_miss: float = 0.8) -> dict[str, Any]:
    """DIA-Bench's four metrics over ``T`` templates with ``k`` instances each.

    :param outcomes: ``T x k`` entries ``"correct"``, ``"skip"`` or ``"wrong"`` (or their scores 1, 0, -2).
    :param near_miss: NMS counts templates with at least this fraction right but not all.
    :returns: ``RS`` (reliability score: total score / k, +1 right, 0 skip, -2 wrong), ``TSR`` (per-template
        success rates) and ``TSR_mean``, ``Conf`` (templates with every instance right) and ``Conf_rate``,
        ``NMS`` (near misses).
    """
    rows = [[DIA_SCORES[o] if isinstance(o, str) else int(o) for o in row] for row in outcomes]
    if not rows or any(len(r) != len(rows[0]) for r in rows) or not rows[0]:
        raise ValueError("outcomes must be a non-empty T x k table")
    m = np.asarray(rows, dtype=float)
    if not np.isin(m, [1, 0, -2]).all():
        raise ValueError("DIA scores are 1 (correct), 0 (skip) and -2 (wrong)")
    k = m.shape[1]
    right = (m == 1).sum(axis=1)
    tsr = right / k
    conf = int((right == k).sum())
    nms = int(((right >= near_miss * k) & (right < k)).sum())
    return {
        "RS": float(m.sum() / k),
        "TSR": tsr.tolist(),
        "TSR_mean": float(tsr.mean()),
        "Conf": conf,
        "Conf_rate": conf / m.shape[0],
        "NMS": nms,
        "k": k,
    }


# ----------------------------------------------------------------------------------------- bootstrap
def bootstrap_ci(
    statistic: Callable[[np.ndarray], float],
    a: ArrayLike,
    *,
    reps: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic(a)``, resampling rows (seeds/templates) with replacement.

    :param statistic: maps a matrix with the same columns to a number (``lambda m: dynamath(m)["A_wst"]``).
    :param reps: bootstrap replicates.
    :param alpha: 1 - confidence level.
    :param seed: seed of the resampling (results are deterministic).
    """
    m = np.asarray(a, dtype=float)
    if m.ndim == 1:
        m = m[:, None]
    rng = np.random.default_rng(seed)
    n = m.shape[0]
    values = np.empty(reps)
    for r in range(reps):
        values[r] = statistic(m[rng.integers(0, n, size=n)])
    lo, hi = np.quantile(values, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def with_ci(
    metric: Callable[[np.ndarray], Mapping[str, float]],
    a: ArrayLike,
    *,
    reps: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
    keys: Sequence[str] | None = None,
) -> dict[str, dict[str, float]]:
    """``{name: {"value", "lo", "hi"}}`` for each scalar output of ``metric`` (one shared resampling)."""
    m = _matrix(a)
    point = metric(m)
    names = [k for k in (keys or point) if isinstance(point[k], (int, float)) and np.isfinite(point[k])]
    rng = np.random.default_rng(seed)
    n = m.shape[0]
    samples: dict[str, list[float]] = {k: [] for k in names}
    for _ in range(reps):
        res = metric(m[rng.integers(0, n, size=n)])
        for k in names:
            samples[k].append(float(res[k]))
    out = {}
    for k in names:
        vals = np.asarray(samples[k])
        vals = vals[np.isfinite(vals)]
        lo, hi = np.quantile(vals, [alpha / 2, 1 - alpha / 2]) if vals.size else (np.nan, np.nan)
        out[k] = {"value": float(point[k]), "lo": float(lo), "hi": float(hi)}
    return out


def correctness_matrix(
    rows: Iterable[Mapping[str, Any]],
    *,
    seed_key: str = "family",
    variant_key: str = "variant",
    value_key: str = "correct",
    complete: bool = True,
) -> tuple[np.ndarray, list[Any], list[Any]]:
    """Pivot records into a ``seeds x variants`` 0/1 matrix.

    Several records for one cell (repeated seeds) are averaged, so a cell holds the mean correctness.
    Seeds missing a variant are dropped when ``complete`` (default), so worst-case metrics stay honest.
    """
    cells: dict[tuple[Any, Any], list[float]] = {}
    for r in rows:
        if r.get(value_key) is None:
            continue
        cells.setdefault((r[seed_key], r[variant_key]), []).append(float(bool(r[value_key])))
    seeds = sorted({s for s, _ in cells}, key=str)
    variants = sorted({v for _, v in cells})
    if complete:
        seeds = [s for s in seeds if all((s, v) in cells for v in variants)]
    m = np.full((len(seeds), len(variants)), np.nan)
    for i, s in enumerate(seeds):
        for j, v in enumerate(variants):
            if (s, v) in cells:
                m[i, j] = float(np.mean(cells[(s, v)]))
    return m, seeds, variants
