"""Fixtures for the verifier tests: the labeled cases built from the shared data (once per session)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import verifier_cases


@pytest.fixture(scope="session")
def labeled_cases(data_dir: Path) -> list[dict]:
    """Hand-labeled cases plus rule-made rewrites and near-misses of GSM8K and MATH-500 answers."""
    return verifier_cases.all_cases(data_dir)
