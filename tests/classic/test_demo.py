"""The main job (``mathgym demo``): a small run writes the report, its figures and its numbers."""
from __future__ import annotations

import json

from mathgym.testing import require


def test_small_demo_writes_report_figures_and_summary(tmp_path, capsys) -> None:
    require("torch")
    from mathgym.agents.demo import EVAL_LEVELS, run_demo

    report = run_demo(tmp_path, minutes=5, steps=2048, eval_seeds=2, eval_episodes=3, n_envs=4, progress_bar=False)
    assert report == tmp_path / "report.md" and str(report) in capsys.readouterr().out
    text = report.read_text()
    for needle in ("MaskablePPO", "masked-random", "equation-solver (reference)", "depth ≤ 3", "IQM",
                   "Probability of improvement", "learning_curve.png"):
        assert needle in text, needle
    for name in ("learning_curve", "per_level", "aggregates", "performance_profiles", "probability_of_improvement"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["train_steps"] >= 2048 and len(summary["solve_rate"]["MaskablePPO"]) == len(EVAL_LEVELS)
    assert summary["solve_rate"]["equation-solver (reference)"] == {f"L{level}": 1.0 for level in EVAL_LEVELS}
    assert (tmp_path / "train" / "model.zip").exists()
