"""verl adapter: a custom reward function with verl's signature.

Point verl at it with ``custom_reward_function.path=<this file> custom_reward_function.name=compute_score``
and build the parquet files with :func:`verl_rows` (``data_source`` is the mathgym env id, the gold
answer is ``reward_model.ground_truth``, and ``extra_info.problem`` carries the Problem as JSON).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from mathgym.agents.adapters.scoring import DEFAULT_ENV_ID, EnvScorer, dataset_rows, problem_from_label


@lru_cache(maxsize=32)
def _scorer(env_id: str) -> EnvScorer:
    return EnvScorer(env_id)


def compute_score(
    data_source: str, solution_str: str, ground_truth: Any, extra_info: dict | None = None
) -> dict:
    """The env's reward for one response, in verl's custom-reward format.

    :param data_source: a mathgym env id (``mathgym/...``) selects that env's reward; anything else uses
        the default math env.
    :param solution_str: the decoded response.
    :param ground_truth: the gold answer (or the Problem JSON).
    :param extra_info: may hold ``problem`` (Problem JSON) for the full problem record.
    :returns: ``{"score": reward, "acc": 0/1, "pred": extracted answer, <component>: value, ...}``;
        verl uses ``score`` as the reward and logs the rest.
    """
    env_id = (
        data_source if isinstance(data_source, str) and data_source.startswith("mathgym/") else DEFAULT_ENV_ID
    )
    label = (extra_info or {}).get("problem", ground_truth)
    score = _scorer(env_id).score(problem_from_label(label), solution_str)
    return {
        "score": score.reward,
        "acc": float(score.correct),
        "pred": score.extracted or "",
        **{f"reward/{k}": float(v) for k, v in score.components.items()},
    }


def verl_rows(
    env_id: str, n: int, seed: int = 0, split: str = "train", **env_kwargs: Any
) -> list[dict[str, Any]]:
    """Rows in verl's RL dataset schema (write them with ``pandas.DataFrame(rows).to_parquet(path)``)."""
    rows = []
    for i, row in enumerate(dataset_rows(env_id, n, seed, **env_kwargs)):
        rows.append(
            {
                "data_source": env_id,
                "prompt": [{"role": "user", "content": row["prompt"]}],
                "ability": "math",
                "reward_model": {"style": "rule", "ground_truth": row["answer"]},
                "extra_info": {"split": split, "index": i, "problem": row["problem"]},
            }
        )
    return rows
