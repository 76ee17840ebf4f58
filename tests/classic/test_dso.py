"""The DSO agent: risk-seeking policy gradient with a priority queue, sampling from the native vector env."""

from __future__ import annotations

import numpy as np
import pytest

from mathgym.testing import require


def test_uniform_arity_prior_gives_each_arity_the_same_mass() -> None:
    require("torch")
    from mathgym.agents.dso import uniform_arity_prior

    arities = (2, 2, 2, 2, 1, 1, 1, 1, 0)
    mass = np.exp(uniform_arity_prior(arities))
    for arity in (0, 1, 2):
        assert mass[[i for i, a in enumerate(arities) if a == arity]].sum() == pytest.approx(1.0)


def test_soft_length_prior_pushes_terminals_before_and_operators_after_the_preferred_length() -> None:
    require("torch")
    from mathgym.agents.dso import soft_length_prior

    prior = soft_length_prior((2, 1, 0), max_length=20, loc=10, scale=5)
    assert prior[0, 2] < prior[5, 2] < 0 and prior[0, 0] == 0  # early: terminals discouraged, less and less
    assert prior[15, 0] < 0 and prior[15, 2] == 0 and prior[10, 0] == 0  # late: operators discouraged


def test_sampled_batches_respect_the_masks_and_replay_to_finite_log_probs() -> None:
    require("torch")
    import torch
    from gymnasium.vector import AutoresetMode

    from mathgym.agents.dso import Policy, log_prob_and_entropy, sample_batch
    from mathgym.envs.classic.symbolic_regression.tokens import Constraints
    from mathgym.envs.classic.symbolic_regression.vector import SymbolicRegressionVectorEnv

    env = SymbolicRegressionVectorEnv(
        32,
        "Nguyen-1",
        max_length=16,
        constraints=Constraints(min_length=4),
        autoreset_mode=AutoresetMode.DISABLED,
        data_seed=0,
    )
    policy = Policy(len(env.library), 8)
    batch = sample_batch(policy, env, torch.Generator().manual_seed(0))
    assert batch.lengths.min() >= 4 and batch.lengths.max() <= 16
    for i in range(
        32
    ):  # every sampled token was allowed when it was sampled, and the env scored the expression
        assert all(batch.masks[i, t, batch.actions[i, t]] for t in range(batch.lengths[i]))
        assert 0.0 <= batch.rewards[i] <= 1.0
    log_prob, entropy = log_prob_and_entropy(
        policy, batch.actions, batch.parents, batch.siblings, batch.masks, batch.lengths, 0.7
    )
    assert torch.isfinite(log_prob).all() and (log_prob <= 0).all() and torch.isfinite(entropy).all()
    (-log_prob.mean() - entropy.mean()).backward()
    assert all(torch.isfinite(p.grad).all() for p in policy.parameters() if p.grad is not None)


def test_priority_queue_keeps_the_best_distinct_expressions() -> None:
    require("torch")
    from mathgym.agents.dso import Batch, PriorityQueue

    def batch(rewards: list[float], tokens: list[list[int]]) -> Batch:
        n, T = len(rewards), 4
        actions = np.zeros((n, T), dtype=np.int64)
        for i, row in enumerate(tokens):
            actions[i, : len(row)] = row
        return Batch(
            actions,
            np.zeros((n, T), int),
            np.zeros((n, T), int),
            np.ones((n, T, 3), bool),
            np.array([len(t) for t in tokens]),
            np.array(rewards),
            np.zeros(n, bool),
            np.zeros(n),
        )

    queue = PriorityQueue(2)
    queue.push(batch([0.5, 0.9, 0.9, 0.1], [[1], [2, 0], [2, 0], [0]]))
    queue.push(batch([0.7], [[1, 1]]))
    assert [(reward, tokens) for reward, tokens in queue.best()] == [(0.9, (2, 0)), (0.7, (1, 1))]
    actions, *_ = queue.arrays()
    assert actions.shape == (2, 4)


def test_dso_recovers_nguyen1_symbolically_and_records_the_spec() -> None:
    require("torch")
    from mathgym.agents.dso import DSOConfig, run

    result = run(DSOConfig(benchmark="Nguyen-1", seed=0, budget=200_000))
    assert result.success, result.best_expression
    assert result.best_nmse_test < 1e-12 and result.first_success_at <= result.expressions_evaluated
    assert result.spec["benchmark"] == "Nguyen-1" and result.spec["recovery"] == "symbolic"
    assert result.queue and result.queue[0][0] == pytest.approx(1.0)


def test_dso_runs_are_deterministic() -> None:
    require("torch")
    from mathgym.agents.dso import DSOConfig, run

    first, second = (
        run(DSOConfig(benchmark="Nguyen-5", seed=3, budget=600, batch_size=200)) for _ in range(2)
    )
    assert first.history == second.history and first.best_tokens == second.best_tokens
