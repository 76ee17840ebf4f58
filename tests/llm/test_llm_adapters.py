"""TRL, verl and OpenRLHF adapters score with the env's own reward; TRL's GRPOTrainer runs two steps with them."""

from __future__ import annotations

import json

import pytest

from mathgym.testing import require

ENV_ID = "mathgym/Arithmetic-v0"


def _env_reward(problem_json: str, response: str) -> tuple[float, dict]:
    """What the env itself gives for the response (reset to the problem, one step)."""
    import gymnasium as gym

    env = gym.make(ENV_ID, level=0)
    env.reset(options={"problem_id": json.loads(problem_json)["id"]})
    _, reward, _, _, info = env.step(response)
    return reward, info["reward_components"]


def test_verl_compute_score_is_the_env_reward():
    from mathgym.agents.adapters.verl import compute_score, verl_rows

    rows = verl_rows(ENV_ID, 3, seed=1, level=0)
    assert {r["data_source"] for r in rows} == {ENV_ID} and rows[0]["prompt"][0]["role"] == "user"
    for row in rows:
        gold = row["reward_model"]["ground_truth"]
        for response in (f"The answer is \\boxed{{{gold}}}.", "The answer is \\boxed{-999}.", "no idea"):
            out = compute_score(row["data_source"], response, gold, row["extra_info"])
            reward, components = _env_reward(row["extra_info"]["problem"], response)
            assert out["score"] == pytest.approx(reward)
            assert out["acc"] == float(response.startswith("The answer is \\boxed{" + gold))
            assert out["reward/outcome"] == components["outcome"]
    # without extra_info, the ground truth alone is enough
    assert compute_score("other", f"\\boxed{{{gold}}}", gold)["acc"] == 1.0


def test_openrlhf_reward_func_splits_queries_and_scores_with_the_env():
    require("torch")
    from mathgym.agents.adapters.openrlhf import openrlhf_rows, reward_func

    rows = openrlhf_rows(ENV_ID, 2, seed=2, level=0)
    gold = json.loads(rows[0]["label"])["answer"]
    responses = [f" So \\boxed{{{gold}}}.", " \\boxed{-999}"]
    out = reward_func(
        [r["input"] + resp for r, resp in zip(rows, responses)],
        [r["input"] for r in rows],
        [r["label"] for r in rows],
    )
    expected = [_env_reward(r["label"], resp)[0] for r, resp in zip(rows, responses)]
    assert out["rewards"].tolist() == pytest.approx(expected)
    assert out["extra_logs"]["accuracy"].tolist() == [1.0, 0.0]


def test_trl_grpo_trainer_runs_two_steps_with_mathgym_rewards(tiny_model_dir, tmp_path):
    require("transformers")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from mathgym.agents.adapters.trl import trl_dataset, trl_reward_funcs

    dataset = trl_dataset(ENV_ID, 8, seed=0, level=0)
    reward = trl_reward_funcs(ENV_ID, level=0)[0]
    calls: list[list[float]] = []

    def recorded(prompts, completions, **kwargs):
        values = reward(prompts, completions, **kwargs)
        # the adapter's value for each completion is what the env gives for that text
        for problem_json, completion, value in zip(kwargs["problem"], completions, values):
            assert value == pytest.approx(_env_reward(problem_json, completion[-1]["content"])[0])
        calls.append(values)
        return values

    recorded.__name__ = reward.__name__
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    args = GRPOConfig(
        output_dir=str(tmp_path),
        max_steps=2,
        per_device_train_batch_size=4,
        num_generations=4,
        max_completion_length=8,
        learning_rate=1e-3,
        use_cpu=True,
        bf16=False,
        report_to="none",
        logging_steps=1,
        save_strategy="no",
        seed=0,
        disable_tqdm=True,
    )
    trainer = GRPOTrainer(
        model=model, reward_funcs=[recorded], args=args, train_dataset=dataset, processing_class=tokenizer
    )
    trainer.train()
    assert len(calls) >= 2 and all(len(c) == 4 for c in calls)
    logged = [h for h in trainer.state.log_history if "reward" in h]
    assert len(logged) == 2 and all(f"rewards/{reward.__name__}/mean" in h for h in logged)
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())
