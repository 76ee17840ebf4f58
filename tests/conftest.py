"""Shared fixtures. Data comes from ``<repo>/../shared/data`` (never committed into the project)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MATHGYM_TEST_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The benchmark data folder (GSM8K, MATH-500, GSM-Symbolic, miniF2F)."""
    if not (SHARED_DATA / "gsm8k").is_dir():
        pytest.fail(f"test data not found at {SHARED_DATA}; set MATHGYM_TEST_DATA to the shared/data folder")
    return SHARED_DATA


@pytest.fixture(autouse=True, scope="session")
def _data_dir_env() -> None:
    # Envs built by gym.make inside tests (and vector-env workers) find the data without arguments.
    os.environ.setdefault("MATHGYM_DATA_DIR", str(SHARED_DATA))
