"""Every script in ``examples/`` runs in its fast mode (the LLM ones: ``tests/llm/test_llm_examples.py``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mathgym.testing import require

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
#: examples that need a language model or a server: run with the LLM fixtures
LLM_EXAMPLES = {"trl_grpo.py", "robustness_sweep_openai.py"}


def run_example(name: str, *args: str, cwd: Path, timeout: float = 900) -> str:
    """Run ``examples/<name>`` with ``args`` from ``cwd``; its output (a non-zero exit fails the test)."""
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout


def test_every_example_has_a_test() -> None:
    tested = {
        "custom_reward.py",
        "sb3_equation_solve.py",
        "reward_design_loop.py",
        "verl_reward.py",
        "openrlhf_reward.py",
    } | LLM_EXAMPLES
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_custom_reward(tmp_path) -> None:
    text = run_example("custom_reward.py", "--fast", cwd=tmp_path)
    assert "'brevity': 0.2" in text and "'brevity': 0.0" in text


def test_sb3_on_equation_solve(tmp_path) -> None:
    require("torch")
    assert "MaskablePPO after 1,024 steps" in run_example("sb3_equation_solve.py", "--fast", cwd=tmp_path)


@pytest.mark.slow
def test_reward_design_loop(tmp_path) -> None:
    require("torch")
    text = run_example("reward_design_loop.py", "--fast", "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert "candidates" in text and (tmp_path / "run" / "report.md").is_file()


def test_verl_reward(tmp_path) -> None:
    text = run_example(
        "verl_reward.py", "--train", "8", "--test", "4", "--out", str(tmp_path / "verl"), cwd=tmp_path
    )
    assert "compute_score" in text and (tmp_path / "verl" / "train.parquet").is_file()


def test_openrlhf_reward(tmp_path) -> None:
    text = run_example("openrlhf_reward.py", "--n", "8", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert "--remote_rm_url" in text and (tmp_path / "o" / "prompts.jsonl").is_file()
