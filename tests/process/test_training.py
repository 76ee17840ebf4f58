"""Training: a PRM trained for a few steps on synthetic exact labels loads back and scores; the BCE and the
implicit-PRM cross-entropy plumbing each move their loss the right way (issue 13, acceptance 2)."""

from __future__ import annotations

import pytest

from mathgym.process.prm import ImplicitPRM, TokenClassificationPRM, make_prm, read_layout
from mathgym.process.processbench import synthetic_processbench
from mathgym.process.training import (
    ImplicitTrainConfig,
    PRMTrainConfig,
    build_prm_tokenizer,
    corpus_texts,
    new_token_classifier,
    prm_bce_loss,
    step_targets,
    train_implicit_prm,
    train_prm,
)

TINY = dict(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64, vocab_size=320)


@pytest.fixture(scope="module")
def solutions():
    return synthetic_processbench(["Arithmetic", "LinearEquation"], per_generator=12, seed=3)


def test_bce_targets_are_one_before_the_first_error_and_zero_from_it(solutions):
    import torch

    flawed = next(s for s in solutions if s.first_error_index > 0)
    config = PRMTrainConfig(**TINY)
    tokenizer = build_prm_tokenizer(corpus_texts(solutions), config.vocab_size)
    prm = TokenClassificationPRM(new_token_classifier(tokenizer, config), tokenizer)
    ids, positions, labels = step_targets(prm, flawed)
    assert [ids[p] for p in positions] == [prm.separator_id] * len(flawed.steps)
    assert labels == flawed.step_labels() and 0 in labels and labels[0] == 1
    # the loss is BCE on logit_1 - logit_0 at the separators
    logits = torch.zeros((1, len(ids), 2))
    logits[0, positions, 1] = torch.tensor([3.0 if y else -3.0 for y in labels])
    good = prm_bce_loss(logits, [positions], [labels])
    bad = prm_bce_loss(-logits, [positions], [labels])
    assert float(good) == pytest.approx(-torch.nn.functional.logsigmoid(torch.tensor(3.0)).item(), abs=1e-5)
    assert float(bad) > float(good)


def test_a_prm_trained_for_a_few_steps_loads_back_and_scores(solutions, tmp_path):
    config = PRMTrainConfig(steps=12, batch_size=8, learning_rate=3e-3, warmup=2, **TINY)
    result = train_prm(config, tmp_path / "prm", solutions=solutions, log=None)
    assert read_layout(result.path)["format"] == "token_classification"
    assert result.parameters < 20_000_000
    losses = [row["loss"] for row in result.history]
    assert sum(losses[-4:]) < sum(losses[:4])  # it learns something about these labels
    prm = make_prm(str(result.path), cache=False)
    assert isinstance(prm, TokenClassificationPRM)
    sample = solutions[0]
    scores = prm.score_steps(sample.problem, list(sample.steps))
    assert len(scores) == len(sample.steps) and all(0 < s < 1 for s in scores)


def test_implicit_prm_training_moves_rewards_towards_the_outcome_labels(solutions, tiny_policy_dir, tmp_path):
    import torch

    from mathgym.process.prm.implicit import implicit_ce_loss

    labelled = [s for s in solutions if s.final_answer_correct][:4] + [
        s for s in solutions if not s.final_answer_correct
    ][:4]
    result = train_implicit_prm(
        tiny_policy_dir,
        labelled,
        tmp_path / "implicit",
        ImplicitTrainConfig(beta=0.5, steps=6, batch_size=len(labelled), learning_rate=5e-4),
        log=None,
    )
    layout = read_layout(result.path)
    assert layout["format"] == "implicit" and (result.path / layout["reference"]).is_dir()
    prm = make_prm(str(result.path), cache=False)
    assert isinstance(prm, ImplicitPRM) and prm.beta == 0.5
    # the CE loss of the trained PRM on its training batch is below that of the untrained one (0.693)
    encoded = [prm.encode(s.problem, list(s.steps)) for s in labelled]
    ids, mask, response = prm.batch(encoded)
    rewards = 0.5 * (prm.log_ratios(ids, mask) * response).sum(dim=1)
    labels = torch.tensor([1.0 if s.final_answer_correct else 0.0 for s in labelled])
    assert float(implicit_ce_loss(rewards, labels)) < float(
        implicit_ce_loss(torch.zeros(len(labelled)), labels)
    )
    steps = prm.step_rewards(labelled[0].problem, list(labelled[0].steps))
    assert len(steps) == len(labelled[0].steps) and sum(abs(r) for r in steps) > 0
