"""``mathgym eval --policy``: the same table as ``--agent`` runs, sampling options, quiet vLLM (issue 16)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from mathgym.testing import require

VLLM_GROUP = pytest.mark.xdist_group("vllm")  # one worker at a time starts a vLLM engine


def _header(output: str) -> list[str]:
    """The column names of the first rich table in ``output``."""
    line = next(line for line in output.splitlines() if "episodes" in line and "accuracy" in line)
    return [cell.strip() for cell in line.strip("┃│ ").replace("┃", "│").split("│")]


def test_policy_and_agent_runs_print_the_same_table(tiny_model_dir, tmp_path, monkeypatch) -> None:
    from mathgym.cli import app

    monkeypatch.chdir(tmp_path)
    agent = CliRunner().invoke(app, ["eval", "Arithmetic-v0", "-n", "3", "--no-progress"])
    policy = CliRunner().invoke(
        app, ["eval", "Arithmetic-v0", "--policy", f"hf:{tiny_model_dir}", "-n", "3", "--max-tokens", "6"]
    )
    assert agent.exit_code == 0 and policy.exit_code == 0, agent.output + policy.output
    assert _header(agent.output) == _header(policy.output)
    assert "generation" in policy.output and "store:" in policy.output
    latest = tmp_path / "results" / "eval" / "latest"
    rows = [json.loads(line) for line in (latest / "episodes.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and all(r["extra"]["tokens"] <= 6 for r in rows)  # --max-tokens reached the sampler
    assert all(r["gold"] and r["level"] is not None for r in rows)


def test_sampled_answers_per_problem(tiny_model_dir, tmp_path, monkeypatch) -> None:
    from mathgym.cli import app

    monkeypatch.chdir(tmp_path)
    args = [
        "eval",
        "Arithmetic-v0",
        "--policy",
        f"hf:{tiny_model_dir}",
        "-n",
        "2",
        "--samples",
        "3",
        "--temperature",
        "1.0",
        "--max-tokens",
        "5",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "pass@3" in result.output
    rows = [
        json.loads(line)
        for line in (tmp_path / "results" / "eval" / "latest" / "episodes.jsonl").read_text().splitlines()
    ]
    assert [r["episode"] for r in rows] == list(range(6))
    assert [(r["extra"]["problem_index"], r["extra"]["sample"]) for r in rows] == [
        (i, k) for i in range(2) for k in range(3)
    ]
    assert len({r["problem_id"] for r in rows if r["extra"]["problem_index"] == 0}) == 1
    again = CliRunner().invoke(app, args)  # seeded sampling: the same answers again
    rows_again = [
        json.loads(line)
        for line in (tmp_path / "results" / "eval" / "latest" / "episodes.jsonl").read_text().splitlines()
    ]
    assert again.exit_code == 0 and [r["actions"] for r in rows_again] == [r["actions"] for r in rows]


@VLLM_GROUP
@pytest.mark.slow
def test_vllm_runs_are_quiet_unless_verbose(tiny_model_dir, tmp_path) -> None:
    """vLLM logs ~45 lines while it starts; by default only the table and the paths are printed."""
    require("vllm")
    cmd = [
        sys.executable,
        "-m",
        "mathgym",
        "eval",
        "Arithmetic-v0",
        "--policy",
        f"vllm:{tiny_model_dir}",
        "-n",
        "2",
        "--max-tokens",
        "4",
    ]
    out = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "VLLM_LOGGING_LEVEL"},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout + out.stderr
    assert "INFO" not in text and "WARNING" not in text, text
    assert len([line for line in text.splitlines() if line.strip()]) <= 12, text
