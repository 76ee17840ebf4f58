"""Evaluation statistics for RL runs across seeds and tasks (Agarwal et al. 2021, "Deep RL at the Edge of
the Statistical Precipice"; the rliable package's definitions, written with numpy/scipy).

Scores are matrices of shape ``(runs, tasks)``: one row per independent run (training seed, or
evaluation seed), one column per task (environment, difficulty level), ideally normalised per task
with :func:`normalize`. Several algorithms are passed as ``{name: matrix}``.

* Aggregates: :func:`iqm` (25 % trimmed mean of all run×task scores pooled), :func:`aggregate_mean`
  and :func:`aggregate_median` (of per-task means), :func:`optimality_gap`.
* :func:`stratified_bootstrap_ci`: resample runs with replacement independently within each task,
  recompute the aggregate, take percentiles (95 % by default).
* :func:`performance_profile`: ``F(τ)`` = fraction of run×task scores above τ, with bootstrap bands.
* :func:`probability_of_improvement`: mean over tasks of ``P(X > Y)`` (Mann–Whitney U / (n_x n_y)).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

Scores = np.ndarray | Sequence[Sequence[float]]
#: aggregate names usable in :func:`stratified_bootstrap_ci` and :func:`interval_estimates`
AGGREGATES = ("iqm", "mean", "median", "optimality_gap")


def _matrix(scores: Scores) -> np.ndarray:
    x = np.asarray(scores, dtype=float)
    if x.ndim == 1:
        x = x[:, None]  # one task
    if x.ndim != 2 or x.size == 0:
        raise ValueError(f"scores must be a non-empty (runs x tasks) matrix, got shape {x.shape}")
    if np.isnan(x).any():
        raise ValueError("scores contain NaN; drop or fill the missing runs first")
    return x


def normalize(
    scores: Scores, random: Sequence[float] | float, reference: Sequence[float] | float
) -> np.ndarray:
    """``(score − random) / (reference − random)`` per task (columns), so 0 is random and 1 the reference."""
    x = _matrix(scores)
    low = np.broadcast_to(np.asarray(random, dtype=float), (x.shape[1],))
    high = np.broadcast_to(np.asarray(reference, dtype=float), (x.shape[1],))
    span = high - low
    if np.any(span == 0):
        raise ValueError("reference and random scores coincide on some task; normalisation is undefined")
    return (x - low) / span


# -- aggregates (vectorised over leading batch axes: (..., runs, tasks)) ----------------------------------


def _iqm(x: np.ndarray) -> np.ndarray:
    flat = np.sort(x.reshape(*x.shape[:-2], -1), axis=-1)
    n = flat.shape[-1]
    cut = int(0.25 * n)  # as scipy.stats.trim_mean(proportiontocut=0.25)
    return flat[..., cut : n - cut].mean(axis=-1)


def _mean(x: np.ndarray) -> np.ndarray:
    return x.mean(axis=-2).mean(axis=-1)


def _median(x: np.ndarray) -> np.ndarray:
    return np.median(x.mean(axis=-2), axis=-1)


def _optimality_gap(x: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    return gamma - np.minimum(x, gamma).reshape(*x.shape[:-2], -1).mean(axis=-1)


_AGGREGATE_FNS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "iqm": _iqm,
    "mean": _mean,
    "median": _median,
    "optimality_gap": _optimality_gap,
}


def iqm(scores: Scores) -> float:
    """Interquartile mean of all run×task scores pooled: the mean of the middle 50 %."""
    return float(_iqm(_matrix(scores)))


def aggregate_mean(scores: Scores) -> float:
    """Mean over tasks of the per-task mean score."""
    return float(_mean(_matrix(scores)))


def aggregate_median(scores: Scores) -> float:
    """Median over tasks of the per-task mean score."""
    return float(_median(_matrix(scores)))


def optimality_gap(scores: Scores, gamma: float = 1.0) -> float:
    """``γ − mean(min(score, γ))`` over all run×task scores: how far below the target γ runs fall."""
    return float(_optimality_gap(_matrix(scores), gamma))


def aggregate_metrics(scores: Scores) -> dict[str, float]:
    """IQM, mean, median and optimality gap of one score matrix."""
    x = _matrix(scores)
    return {name: float(fn(x)) for name, fn in _AGGREGATE_FNS.items()}


def _statistic(
    statistic: str | Callable[[np.ndarray], float],
) -> tuple[Callable[[np.ndarray], Any], bool]:
    if isinstance(statistic, str):
        if statistic not in _AGGREGATE_FNS:
            raise ValueError(f"unknown aggregate {statistic!r}; choose from {AGGREGATES} or pass a function")
        return _AGGREGATE_FNS[statistic], True
    return statistic, False


def bootstrap_indices(rng: np.random.Generator, runs: int, tasks: int, reps: int) -> np.ndarray:
    """Run indices of shape ``(reps, runs, tasks)``: each task's runs resampled with replacement,
    independently of the other tasks (tasks are the strata)."""
    return rng.integers(0, runs, size=(reps, runs, tasks))


def stratified_bootstrap_ci(
    scores: Scores,
    statistic: str | Callable[[np.ndarray], float] = "iqm",
    *,
    reps: int = 50_000,
    confidence: float = 0.95,
    seed: int = 0,
    chunk: int = 5_000,
) -> tuple[float, float, float]:
    """``(point estimate, low, high)`` of ``statistic`` by the stratified percentile bootstrap.

    :param scores: ``(runs, tasks)`` matrix.
    :param statistic: an aggregate name (:data:`AGGREGATES`) or a function of a ``(runs, tasks)`` matrix.
    :param reps: bootstrap resamples (rliable uses 50 000 for intervals).
    :param confidence: coverage of the interval (0.95: the 2.5 and 97.5 percentiles).
    :param seed: seed of the resampling.
    :param chunk: resamples evaluated at once (bounds memory).
    """
    x = _matrix(scores)
    fn, vectorised = _statistic(statistic)
    point = float(fn(x))
    rng = np.random.default_rng(seed)
    runs, tasks = x.shape
    columns = np.arange(tasks)
    values = []
    for start in range(0, reps, chunk):
        idx = bootstrap_indices(rng, runs, tasks, min(chunk, reps - start))
        resampled = x[idx, columns]  # (chunk, runs, tasks)
        if vectorised:
            values.append(fn(resampled))
        else:
            values.append(np.array([fn(sample) for sample in resampled]))
    values = np.concatenate(values)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(values, [100 * alpha, 100 * (1 - alpha)])
    return point, float(low), float(high)


def interval_estimates(
    score_dict: Mapping[str, Scores],
    metrics: Sequence[str] = AGGREGATES,
    *,
    reps: int = 50_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, dict[str, tuple[float, float, float]]]:
    """``{algorithm: {metric: (point, low, high)}}`` for every algorithm's score matrix."""
    return {
        name: {
            metric: stratified_bootstrap_ci(scores, metric, reps=reps, confidence=confidence, seed=seed)
            for metric in metrics
        }
        for name, scores in score_dict.items()
    }


def performance_profile(
    scores: Scores,
    taus: Sequence[float] | np.ndarray,
    *,
    reps: int = 2_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(F, low, high)`` over ``taus``: ``F(τ)`` is the fraction of run×task scores greater than τ (the
    run-score distribution), with stratified-bootstrap bands."""
    x = _matrix(scores)
    taus = np.asarray(taus, dtype=float)

    def profile(m: np.ndarray) -> np.ndarray:
        flat = m.reshape(*m.shape[:-2], -1)
        return (flat[..., None, :] > taus[:, None]).mean(axis=-1)

    point = profile(x)
    rng = np.random.default_rng(seed)
    runs, tasks = x.shape
    resampled = x[bootstrap_indices(rng, runs, tasks, reps), np.arange(tasks)]
    boot = profile(resampled)  # (reps, len(taus))
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(boot, [100 * alpha, 100 * (1 - alpha)], axis=0)
    return point, low, high


def probability_of_improvement(x_scores: Scores, y_scores: Scores) -> float:
    """``P(X > Y)`` averaged over tasks: per task, the fraction of run pairs in which X beats Y, ties
    counting ½ (the Mann–Whitney U statistic over ``n_x · n_y``). Identical columns give 0.5."""
    from scipy.stats import mannwhitneyu

    x, y = _matrix(x_scores), _matrix(y_scores)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"X and Y must have the same tasks, got {x.shape[1]} and {y.shape[1]} columns")
    terms = []
    for task in range(x.shape[1]):
        a, b = x[:, task], y[:, task]
        with np.errstate(all="ignore"):  # all-tied columns: U is defined, only the p-value is not
            u = mannwhitneyu(a, b, alternative="two-sided", method="asymptotic").statistic
        terms.append(float(u) / (len(a) * len(b)))
    return float(np.mean(terms))


def probability_of_improvement_ci(
    x_scores: Scores, y_scores: Scores, *, reps: int = 2_000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """``(P(X > Y), low, high)``: both score matrices are resampled within each task."""
    x, y = _matrix(x_scores), _matrix(y_scores)
    point = _poi_pairs(x, y)
    rng = np.random.default_rng(seed)
    values = np.empty(reps)
    columns = np.arange(x.shape[1])
    for r in range(reps):
        xs = x[rng.integers(0, x.shape[0], size=x.shape), columns]
        ys = y[rng.integers(0, y.shape[0], size=y.shape), columns]
        values[r] = _poi_pairs(xs, ys)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(values, [100 * alpha, 100 * (1 - alpha)])
    return point, float(low), float(high)


def _poi_pairs(x: np.ndarray, y: np.ndarray) -> float:
    # the same quantity as probability_of_improvement, by direct pair counting (fast for small matrices)
    greater = (x[:, None, :] > y[None, :, :]).mean(axis=(0, 1))
    ties = (x[:, None, :] == y[None, :, :]).mean(axis=(0, 1))
    return float(np.mean(greater + 0.5 * ties))
