"""The LLM scripts of ``examples/`` run in their fast mode on the tiny local model (no download)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
VLLM_GROUP = pytest.mark.xdist_group("vllm")


def _run(name: str, *args: str, cwd: Path) -> str:
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, cwd=cwd, timeout=900
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout


@pytest.mark.slow
def test_trl_grpo_example(tiny_model_dir, tmp_path) -> None:
    text = _run("trl_grpo.py", "--model", str(tiny_model_dir), "--max-steps", "1", cwd=tmp_path)
    assert "reward" in text


@VLLM_GROUP
@pytest.mark.slow
def test_robustness_sweep_of_an_openai_endpoint(vllm_server, tmp_path) -> None:
    text = _run(
        "robustness_sweep_openai.py",
        "--url",
        vllm_server,
        "--model",
        "tiny",
        "--fast",
        "--out",
        str(tmp_path / "sweep"),
        cwd=tmp_path,
    )
    assert "0 errors" in text and (tmp_path / "sweep" / "report" / "report.md").is_file()
