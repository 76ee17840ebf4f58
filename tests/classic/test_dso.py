"""The DSO-style risk-seeking policy-gradient agent for symbolic regression."""
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


def test_replayed_log_probs_are_finite_and_respect_the_masks() -> None:
    require("torch")
    import torch
    from mathgym.agents.dso import Policy, log_prob_and_entropy, sample_batch
    from mathgym.envs.expression_tokens import Constraints, PrefixBuilder, TokenLibrary

    library = TokenLibrary()
    builders = [PrefixBuilder(library, Constraints(max_length=16, min_length=4)) for _ in range(32)]
    policy = Policy(len(library), 8)
    actions, parents, siblings, masks, lengths = sample_batch(policy, builders, torch.Generator().manual_seed(0), 16)
    assert all(b.done for b in builders) and lengths.min() >= 4 and lengths.max() <= 16
    for i in range(32):  # every sampled token was allowed when it was sampled
        assert all(masks[i, t, actions[i, t]] for t in range(lengths[i]))
    log_prob, entropy = log_prob_and_entropy(policy, actions, parents, siblings, masks, lengths, 0.7)
    assert torch.isfinite(log_prob).all() and (log_prob <= 0).all() and torch.isfinite(entropy).all()
    (-log_prob.mean() - entropy.mean()).backward()
    assert all(torch.isfinite(p.grad).all() for p in policy.parameters() if p.grad is not None)


def test_dso_recovers_nguyen1_and_records_the_spec() -> None:
    require("torch")
    from mathgym.agents.dso import DSOConfig, run

    result = run(DSOConfig(benchmark="Nguyen-1", seed=0, budget=30_000))
    assert result.success, result.best_expression
    assert result.best_nmse_test < 1e-12 and result.first_success_at <= result.expressions_evaluated
    assert result.spec["benchmark"] == "Nguyen-1" and result.spec["train"] == "U[-1,1,20]"


def test_dso_runs_are_deterministic() -> None:
    require("torch")
    from mathgym.agents.dso import DSOConfig, run

    first, second = (run(DSOConfig(benchmark="Nguyen-5", seed=3, budget=500, batch_size=100)) for _ in range(2))
    assert first.history == second.history and first.best_tokens == second.best_tokens
