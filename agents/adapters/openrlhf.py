"""OpenRLHF adapter: a ``reward_func(queries, prompts, labels)`` for ``--remote_rm_url <this file>``.

OpenRLHF loads a Python file given as ``--remote_rm_url`` and calls its ``reward_func`` with the full
texts (prompt + response), the prompts and the labels (``--label_key``). Build the prompt data with
:func:`openrlhf_rows` (``input`` = prompt, ``label`` = Problem JSON). The env whose reward is used is
``$MATHGYM_ENV_ID`` (default ``mathgym/Math-v0``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from mathgym.agents.adapters.scoring import DEFAULT_ENV_ID, EnvScorer, dataset_rows, problem_from_label


@lru_cache(maxsize=8)
def _scorer(env_id: str) -> EnvScorer:
    return EnvScorer(env_id)


def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any]) -> dict[str, Any]:
    """Rewards of a batch: ``{"rewards": tensor, "scores": tensor, "extra_logs": {...}}``.

    The response is the query after its prompt (OpenRLHF's queries are prompt + response).
    """
    import torch

    scorer = _scorer(os.environ.get("MATHGYM_ENV_ID", DEFAULT_ENV_ID))
    rewards, correct = [], []
    for query, prompt, label in zip(queries, prompts, labels):
        response = query.removeprefix(prompt)
        score = scorer.score(problem_from_label(label, prompt), response)
        rewards.append(score.reward)
        correct.append(float(score.correct))
    rewards_t = torch.tensor(rewards, dtype=torch.float32)
    return {
        "rewards": rewards_t,
        "scores": rewards_t.clone(),
        "extra_logs": {"accuracy": torch.tensor(correct, dtype=torch.float32)},
    }


def openrlhf_rows(env_id: str, n: int, seed: int = 0, **env_kwargs: Any) -> list[dict[str, str]]:
    """Prompt rows for OpenRLHF (``--input_key input --label_key label --apply_chat_template``)."""
    return [
        {"input": row["prompt"], "label": row["problem"]}
        for row in dataset_rows(env_id, n, seed, **env_kwargs)
    ]
