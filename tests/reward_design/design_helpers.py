"""Shared constants of the reward-design tests."""

from __future__ import annotations

import pytest

#: envs with a reward view the tests cover, with the kwargs they are made with
VIEW_ENVS = {
    "mathgym/EquationSolve-v0": {},
    "mathgym/Countdown-v0": {},
    "mathgym/SymbolicRegression-Nguyen1-v0": {},
    "mathgym/LinearEquation-v0": {"mode": "step"},
    "mathgym/Arithmetic-v0": {},
}

#: tests that start sandbox workers share one xdist worker (the sandbox tests' group)
SANDBOX_GROUP = pytest.mark.xdist_group("sandbox")
