"""RL evaluation statistics against the worked examples of methods.md §7.1."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import trim_mean

from mathgym.metrics import rl_stats


def test_iqm_worked_example_and_outlier_robustness() -> None:
    assert rl_stats.iqm([1, 2, 3, 4, 5, 6, 7, 8]) == pytest.approx(4.5)
    assert rl_stats.iqm([1, 2, 3, 4, 5, 6, 7, 1000]) == pytest.approx(4.5)
    x = np.random.default_rng(0).random((7, 5))
    assert rl_stats.iqm(x) == pytest.approx(trim_mean(x, 0.25, axis=None))  # pooled over runs and tasks


def test_probability_of_improvement_worked_example() -> None:
    assert rl_stats.probability_of_improvement([3, 3], [1, 3]) == pytest.approx(0.75)
    assert rl_stats.probability_of_improvement([[1, 5], [2, 6]], [[1, 5], [2, 6]]) == pytest.approx(0.5)
    # per task, then averaged: task 1 X always wins (1.0), task 2 X always loses (0.0)
    assert rl_stats.probability_of_improvement([[9, 0], [9, 0]], [[1, 5], [1, 5]]) == pytest.approx(0.5)
    point, low, high = rl_stats.probability_of_improvement_ci([3, 3], [1, 3], reps=500)
    assert point == pytest.approx(0.75) and low <= 0.75 <= high


def test_stratified_bootstrap_keeps_runs_per_task_and_collapses_on_constant_scores() -> None:
    idx = rl_stats.bootstrap_indices(np.random.default_rng(0), runs=4, tasks=3, reps=10)
    assert idx.shape == (10, 4, 3) and idx.min() >= 0 and idx.max() < 4
    # each task resamples its own runs: the columns are not all equal
    assert any(not np.array_equal(idx[r, :, 0], idx[r, :, 1]) for r in range(10))
    assert rl_stats.stratified_bootstrap_ci(np.full((5, 3), 0.7), "iqm", reps=1000) == pytest.approx(
        (0.7, 0.7, 0.7)
    )
    x = np.random.default_rng(1).random((10, 4))
    point, low, high = rl_stats.stratified_bootstrap_ci(x, "mean", reps=2000, seed=3)
    assert low < point < high and point == pytest.approx(x.mean())
    assert rl_stats.stratified_bootstrap_ci(x, "mean", reps=2000, seed=3) == (point, low, high)  # seeded
    # a custom statistic (not vectorised) gives the same interval as the built-in one
    custom = rl_stats.stratified_bootstrap_ci(x, lambda m: float(m.mean(axis=0).mean()), reps=2000, seed=3)
    assert custom == pytest.approx((point, low, high))


def test_aggregates_and_normalisation() -> None:
    x = np.array([[0.0, 1.0], [0.5, 1.0]])
    metrics = rl_stats.aggregate_metrics(x)
    assert metrics["mean"] == pytest.approx(0.625) and metrics["median"] == pytest.approx(0.625)
    assert metrics["optimality_gap"] == pytest.approx(1 - 0.625)
    assert rl_stats.normalize([[5.0, 20.0]], random=[0.0, 10.0], reference=[10.0, 30.0]).tolist() == [
        [0.5, 0.5]
    ]
    with pytest.raises(ValueError, match="coincide"):
        rl_stats.normalize([[1.0]], 1.0, 1.0)
    with pytest.raises(ValueError, match="NaN"):
        rl_stats.iqm([[np.nan]])


def test_performance_profile() -> None:
    x = np.array([[0.1, 0.6], [0.4, 0.9]])
    point, low, high = rl_stats.performance_profile(x, [0.0, 0.5, 1.0], reps=500)
    assert point.tolist() == [1.0, 0.5, 0.0]
    assert np.all(low <= point) and np.all(point <= high)


def test_plots_write_pngs(tmp_path) -> None:
    from mathgym.metrics import rl_plots

    x = {"a": np.random.default_rng(0).random((4, 3)), "b": np.random.default_rng(1).random((4, 3))}
    est = rl_stats.interval_estimates(x, reps=200)
    taus = np.linspace(0, 1, 11)
    paths = [
        rl_plots.plot_interval_estimates(est, tmp_path / "i.png"),
        rl_plots.plot_performance_profiles(
            {k: rl_stats.performance_profile(v, taus, reps=100) for k, v in x.items()},
            taus,
            tmp_path / "p.png",
        ),
        rl_plots.plot_per_task(
            {
                k: [rl_stats.stratified_bootstrap_ci(v[:, [j]], "mean", reps=100) for j in range(3)]
                for k, v in x.items()
            },
            ["t0", "t1", "t2"],
            tmp_path / "t.png",
        ),
        rl_plots.plot_probability_of_improvement(
            {"a > b": rl_stats.probability_of_improvement_ci(x["a"], x["b"], reps=100)}, tmp_path / "poi.png"
        ),
        rl_plots.plot_learning_curve(
            [
                {"timesteps": 1, "mean_reward": 0.1, "success_rate": 0.2},
                {"timesteps": 2, "mean_reward": 0.5, "success_rate": 0.7},
            ],
            tmp_path / "c.png",
        ),
    ]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
