"""Helpers of the command-line tests: run ``mathgym`` in this process (fast) or in a fresh one (plugins)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import Outcome


@pytest.fixture
def mathgym(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``mathgym(*args)`` runs the real ``mathgym`` app in-process, from ``tmp_path`` (so default result
    folders land there) and returns an :class:`Outcome`."""
    from typer.testing import CliRunner

    from mathgym.cli import app

    monkeypatch.chdir(tmp_path)
    # the command sets these for its libraries (and -v sets MATHGYM_DEBUG): keep them out of later tests
    for name in (
        "VLLM_LOGGING_LEVEL",
        "MATHGYM_DEBUG",
        "TRANSFORMERS_VERBOSITY",
        "TORCH_CPP_LOG_LEVEL",
        "TOKENIZERS_PARALLELISM",
        "MATHGYM_IMPORT",
    ):
        monkeypatch.setenv(name, os.environ.get(name, ""))
        if not os.environ[name]:
            monkeypatch.delenv(name)

    def run(*args: str) -> Outcome:
        result = CliRunner().invoke(app, list(args), prog_name="mathgym")
        return Outcome(result.exit_code, result.output)

    return run


@pytest.fixture
def mathgym_process(tmp_path: Path):
    """``mathgym_process(*args, env=..., cwd=...)`` runs ``python -m mathgym`` in a fresh interpreter."""

    def run(
        *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 300
    ) -> Outcome:
        proc = subprocess.run(
            [sys.executable, "-m", "mathgym", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd or tmp_path,
            env={**os.environ, **(env or {})},
        )
        return Outcome(proc.returncode, proc.stdout + proc.stderr)

    return run
