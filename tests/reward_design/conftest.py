"""Fixtures of the reward-design tests: recorded pools per env and one sandboxed executor."""

from __future__ import annotations

import pytest
from design_helpers import VIEW_ENVS


@pytest.fixture(scope="session")
def pools():
    """A small recorded pool per env (random, demonstrator and noisy demonstrator episodes)."""
    from mathgym.reward_design.transitions import record_pool

    return {
        env_id: record_pool(env_id, kwargs, episodes_per_policy=8, seed=0)
        for env_id, kwargs in VIEW_ENVS.items()
    }


@pytest.fixture(scope="module")
def executor():
    """The sandboxed executor (local backend), shared by a module's tests and closed after them, so that the
    sandbox tests' session check finds no worker of ours still running."""
    from mathgym.reward_design.executor import SandboxedRewardExecutor

    ex = SandboxedRewardExecutor("local", base_timeout_s=3.0)
    yield ex
    ex.close()
