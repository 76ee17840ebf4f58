"""The main job (``mathgym demo``): a small run writes the report, its figures and its numbers, evaluates only
held-out problems, and trains several seeds."""

from __future__ import annotations

import json

from mathgym.testing import require


def test_evaluation_problems_are_held_out_by_key() -> None:
    from mathgym.agents.demo import (
        TRAIN_LEVELS,
        TrainingSource,
        held_out_problems,
        is_held_out,
        problem_key,
        training_overlap,
    )

    problems = held_out_problems(0, 40)
    keys = [problem_key(p) for p in problems]
    assert len(set(keys)) == 40 and all(is_held_out(k) for k in keys)
    assert training_overlap(problems, draws=3000) == 0
    import numpy as np

    source, rng = TrainingSource(TRAIN_LEVELS, seed=1), np.random.default_rng(0)
    assert not any(is_held_out(problem_key(source.sample(rng))) for _ in range(500))


def test_small_demo_writes_report_figures_and_summary(tmp_path, capsys) -> None:
    require("torch")
    from mathgym.agents.demo import EVAL_LEVELS, run_demo

    report = run_demo(tmp_path, steps=1024, seeds=2, episodes=5, n_envs=4, progress_bar=False)
    assert report == tmp_path / "report.md" and str(report) in capsys.readouterr().out
    text = report.read_text()
    for needle in (
        "MaskablePPO",
        "masked-random",
        "equation-solver (reference)",
        "depth ≤ 3",
        "IQM",
        "held-out",
        "Probability of improvement",
        "learning_curve.png",
        "0 of the 10 evaluation equations",
    ):
        assert needle in text, needle
    for name in (
        "learning_curve",
        "per_level",
        "aggregates",
        "performance_profiles",
        "probability_of_improvement",
    ):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [run["timesteps"] for run in summary["training"]] == [1024, 1024]  # whole rollouts: no overshoot
    assert len(summary["solve_rate"]["MaskablePPO"]) == len(EVAL_LEVELS)
    assert summary["solve_rate"]["equation-solver (reference)"] == {f"L{level}": 1.0 for level in EVAL_LEVELS}
    assert (
        len(summary["solve_rate_per_run"]["MaskablePPO"]) == 2
        and summary["train_eval_overlap"]["shared"] == 0
    )
    assert all(len(run["curve"]) >= 1 for run in summary["training"])
    assert (tmp_path / "train" / "seed1" / "model.zip").exists()
