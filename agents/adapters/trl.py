"""TRL adapter: ``GRPOTrainer(reward_funcs=...)`` built from a mathgym env (its reward parts).

    from trl import GRPOConfig, GRPOTrainer
    from mathgym.agents.adapters.trl import trl_dataset, trl_reward_funcs

    dataset = trl_dataset("mathgym/Arithmetic-v0", n=1000, level=0)
    trainer = GRPOTrainer(model="Qwen/Qwen2.5-Math-1.5B-Instruct", train_dataset=dataset,
                          reward_funcs=trl_reward_funcs("mathgym/Arithmetic-v0", level=0), args=GRPOConfig(...))

TRL passes every extra dataset column to the reward functions; ``problem`` (the Problem as JSON) lets
the reward use the exact gold answer and metadata. Without it, an ``answer`` column is used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mathgym.agents.adapters.scoring import DEFAULT_ENV_ID, EnvScorer, dataset_rows, problem_from_label


def _text(completion: Any) -> str:
    """A TRL completion is a string (standard format) or a list of messages (conversational)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content", ""))
    return str(completion)


def _prompt_text(prompt: Any) -> str:
    return (
        prompt
        if isinstance(prompt, str)
        else _text([m for m in prompt if m.get("role") == "user"][-1:] or "")
    )


def trl_reward_funcs(
    env_id: str = DEFAULT_ENV_ID, *, components: Sequence[str] | None = None, **env_kwargs: Any
) -> list[Callable[..., list[float]]]:
    """Reward functions for TRL's GRPOTrainer.

    :param env_id: the env whose reward scores completions.
    :param components: names of reward components to expose as separate functions (TRL logs each and
        sums them with ``reward_weights``); default: one function returning the env's total reward.
    :param env_kwargs: ``gym.make`` arguments (``reward=...`` for another reward).
    """
    scorer = EnvScorer(env_id, **env_kwargs)

    def make(component: str | None) -> Callable[..., list[float]]:
        def reward(
            prompts: list[Any],
            completions: list[Any],
            problem: list[str] | None = None,
            answer: list[str] | None = None,
            **_: Any,
        ) -> list[float]:
            labels = problem if problem is not None else answer
            if labels is None:
                raise KeyError(
                    "the dataset needs a 'problem' (Problem JSON) or 'answer' column; build it with trl_dataset()"
                )
            out = []
            for prompt, completion, label in zip(prompts, completions, labels):
                score = scorer.score(problem_from_label(label, _prompt_text(prompt)), _text(completion))
                out.append(score.reward if component is None else float(score.components.get(component, 0.0)))
            return out

        reward.__name__ = f"mathgym_{component or 'reward'}"  # TRL names the logged metric after it
        return reward

    return [make(c) for c in components] if components else [make(None)]


def trl_dataset(env_id: str, n: int, seed: int = 0, *, conversational: bool = True, **env_kwargs: Any) -> Any:
    """A ``datasets.Dataset`` of ``n`` env problems with ``prompt``, ``problem`` and ``answer`` columns.

    :param conversational: prompts as chats (``[{"role": "user", ...}]``, TRL applies the chat template)
        or plain strings.
    """
    from datasets import Dataset

    rows = dataset_rows(env_id, n, seed, **env_kwargs)
    if conversational:
        for row in rows:
            row["prompt"] = [{"role": "user", "content": row["prompt"]}]
    return Dataset.from_list(rows)
