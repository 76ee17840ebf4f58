"""LLM-written reward design (installed as ``mathgym.reward_design``): Eureka's loop with Text2Reward's
env abstraction, Auto MC-Reward's critic and CARD's trajectory-preference pre-filter.

::

    from mathgym.reward_design import describe_env, design_reward

    print(describe_env("mathgym/Countdown-v0").to_prompt())          # what a proposer sees
    result = design_reward(env_id="mathgym/Countdown-v0", proposer="evolve", iterations=2, samples=4,
                           budget=5_000, seeds=2, out="results/reward_design")
    result.summary["best"], result.summary["final"]["hns"]

``mathgym design-reward ENV_ID --proposer evolve|recorded:PATH|vllm:PATH|hf:PATH|openai:URL#MODEL`` runs the
same from the command line; ``mathgym report DIR`` renders a run. Candidate code runs only in
:mod:`mathgym.sandbox`.
"""

from mathgym.reward_design.context import EnvContext, describe_env, reward_design_ids
from mathgym.reward_design.loop import RewardDesignConfig, RewardDesignResult, design_reward
from mathgym.reward_design.proposers.base import CandidateRecord, Feedback, Proposer, make_proposer

__all__ = [
    "CandidateRecord",
    "EnvContext",
    "Feedback",
    "Proposer",
    "RewardDesignConfig",
    "RewardDesignResult",
    "describe_env",
    "design_reward",
    "make_proposer",
    "reward_design_ids",
]
