"""PRM backends behind ``score_steps(problem, steps)``: oracle, published layouts loaded by path through the
real transformers code path (tiny random checkpoints of those shapes), the generative critic and the
implicit PRM."""

from __future__ import annotations

import math

import pytest

from mathgym.agents.search import ScriptedStepPolicy
from mathgym.process import inject_error
from mathgym.process.prm import (
    GenerativeCritic,
    ImplicitPRM,
    OraclePRM,
    StepTagPRM,
    TokenClassificationPRM,
    critique_prompt,
    make_prm,
    parse_critique,
    predict_first_error,
)
from mathgym.process.prm.implicit import implicit_ce_loss
from mathgym.sources.procedural import ProceduralSource


@pytest.fixture(scope="module")
def problem():
    return ProceduralSource("Arithmetic", seed=0, level=2)[
        3
    ]  # 90 + 65 × (79 - 45): three steps and an answer


def test_oracle_prm_scores_steps_before_the_first_error_as_right(problem):
    prm = OraclePRM()
    assert prm.score_steps(problem, problem.solution) == [1.0] * len(problem.solution)
    wrong = inject_error(problem, seed=0, step=1)
    scores = prm.score_steps(problem, wrong.steps)
    assert scores == [1.0] * 1 + [0.0] * (len(wrong.steps) - 1)
    assert predict_first_error(scores) == 1 == prm.first_error(problem, wrong.steps)
    with pytest.raises(KeyError, match="needs the Problem"):
        prm.score_steps(problem.prompt, wrong.steps)
    prm.register([problem])
    assert prm.score_steps(problem.prompt, wrong.steps) == scores


def test_a_qwen_style_token_classifier_loads_by_path_and_scores_at_each_separator(problem, qwen_prm_dir):
    import torch

    prm = make_prm(str(qwen_prm_dir), cache=False)
    assert isinstance(prm, TokenClassificationPRM) and prm.step_separator == "<extra_0>"
    steps = list(problem.solution)
    scores = prm.score_steps(problem, steps)
    assert len(scores) == len(steps) and all(0 < s < 1 for s in scores)
    # by hand: softmax of the logits at the separator positions, class 1
    ids = prm.encode(problem, steps)
    assert prm.text(problem, steps).count("<extra_0>") == len(steps)
    with torch.no_grad():
        logits = prm.model(input_ids=torch.tensor([ids])).logits[0]
    expected = [float(torch.softmax(logits[i], -1)[1]) for i, t in enumerate(ids) if t == prm.separator_id]
    assert scores == pytest.approx(expected, abs=1e-5)
    # batching pads on the right and does not change a score
    short = steps[:2]
    assert prm.score_batch([(problem, steps), (problem, short)]) == [
        pytest.approx(scores, abs=1e-5),
        pytest.approx(prm.score_steps(problem, short), abs=1e-5),
    ]


def test_a_checkpoint_with_its_own_head_code_needs_trust_remote_code(qwen_prm_dir, tmp_path):
    import json
    import shutil

    custom = tmp_path / "custom"
    shutil.copytree(qwen_prm_dir, custom)
    config = json.loads((custom / "config.json").read_text())
    config["auto_map"] = {"AutoModel": "modeling_qwen2_rm.Qwen2ForProcessRewardModel"}
    (custom / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="trust_remote_code=True"):
        TokenClassificationPRM(str(custom))


def test_a_math_shepherd_style_step_tag_prm_reads_the_good_token_probability(problem, shepherd_prm_dir):
    import torch

    prm = make_prm(f"steptag:{shepherd_prm_dir}", cache=False)
    assert isinstance(prm, StepTagPRM)
    steps = list(problem.solution)
    text = prm.text(problem, steps)
    assert text.startswith(problem.prompt + " Step 1: ") and text.count(" ки") == len(steps)
    scores = prm.score_steps(problem, steps)
    ids = prm.tokenizer.encode(text)
    with torch.no_grad():
        logits = prm.model(input_ids=torch.tensor([ids])).logits[0]
    expected = [
        float(torch.softmax(logits[i, prm.candidate_ids], -1)[0])
        for i, t in enumerate(ids)
        if t == prm.step_tag_id
    ]
    assert scores == pytest.approx(expected, abs=1e-5)
    assert prm.score_batch([(problem, steps[:1]), (problem, steps)])[1] == pytest.approx(scores, abs=1e-5)


def test_the_generative_critic_uses_processbench_s_prompt_and_votes(problem):
    steps = list(problem.solution)
    prompt = critique_prompt(problem.prompt, steps)
    assert "<paragraph_0>\n" + steps[0] + "\n</paragraph_0>" in prompt and "\\boxed{}" in prompt
    assert parse_critique("the error is in \\boxed{3}, no: \\boxed{1}") == 1
    assert parse_critique("\\boxed{-1}") == -1 and parse_critique("no idea") is None
    statement = critique_prompt(problem.prompt, steps)
    votes = ScriptedStepPolicy(
        {statement: [["The first error is in \\boxed{1}."], ["All good: \\boxed{-1}."]]}
    )
    critic = GenerativeCritic(votes, votes=8)
    (predictions,) = critic.predictions([(problem, steps)])
    assert set(predictions) <= {1, -1} and len(predictions) == 8
    assert 0 < predictions.count(-1) < 8  # both scripted critiques were sampled
    scores = critic.score_steps(problem, steps)
    # step 0 precedes every predicted error; later steps keep only the votes for "no error"
    assert (
        scores[0] == 1.0
        and scores[1] == scores[-1]
        and scores[1] * 8 == round(scores[1] * 8)
        and scores[1] < 1
    )


def test_the_critic_runs_on_a_tiny_model_backend(problem, tiny_policy_dir):
    from mathgym.agents.llm import make_policy

    critic = GenerativeCritic(make_policy(f"hf:{tiny_policy_dir}"), max_tokens=8)
    scores = critic.score_steps(problem, list(problem.solution))
    assert len(scores) == len(problem.solution) and all(0.0 <= s <= 1.0 for s in scores)


def test_implicit_rewards_follow_prime_s_worked_example():
    import torch

    beta, ratios = 0.05, [0.2, -0.4, 1.0]
    token_rewards = [beta * r for r in ratios]
    assert token_rewards == pytest.approx([0.01, -0.02, 0.05])
    sequence = sum(token_rewards)
    assert float(implicit_ce_loss(torch.tensor([sequence]), torch.tensor([1.0]))) == pytest.approx(
        0.6733, abs=1e-4
    )
    q = [0.01, -0.01, 0.04]  # steps = tokens {1, 2} and {3}
    steps = [q[1] - 0.0, q[2] - q[1]]
    assert steps == pytest.approx([-0.01, 0.05]) and sum(steps) == pytest.approx(sequence)


def test_implicit_prm_step_rewards_add_up_to_the_sequence_log_ratio(problem, tiny_policy_dir):
    import torch

    same = ImplicitPRM(str(tiny_policy_dir), str(tiny_policy_dir))
    steps = list(problem.solution)
    assert same.step_rewards(problem, steps) == pytest.approx([0.0] * len(steps), abs=1e-6)  # π_φ = π_ref
    assert same.score_steps(problem, steps) == pytest.approx([0.5] * len(steps), abs=1e-6)
    shifted = ImplicitPRM(str(tiny_policy_dir), str(tiny_policy_dir), beta=0.5, score="q")
    with torch.no_grad():
        for p in shifted.model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    rewards = shifted.step_rewards(problem, steps)
    ids, owners = shifted.encode(problem, steps)
    assert [o for o in owners if o >= 0] == sorted(
        o for o in owners if o >= 0
    )  # steps own consecutive tokens
    input_ids, mask, response = shifted.batch([(ids, owners)])
    total = 0.5 * float((shifted.log_ratios(input_ids, mask) * response).sum())
    assert sum(rewards) == pytest.approx(total, abs=1e-4)
    q_scores = shifted.score_steps(problem, steps)
    running = 0.0
    for r, s in zip(rewards, q_scores):
        running += r
        assert s == pytest.approx(1 / (1 + math.exp(-running)), abs=1e-6)


def test_make_prm_rejects_unknown_specs():
    with pytest.raises(ValueError, match="unknown PRM spec"):
        make_prm("nonsense-that-is-no-path")
    with pytest.raises(ValueError, match="implicit:MODEL,REFERENCE"):
        make_prm("implicit:only-one")
