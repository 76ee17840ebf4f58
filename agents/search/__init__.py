"""Inference-time search: best-of-N (verifier oracle or reward model), majority and weighted majority vote."""
from mathgym.agents.search.reward_model import (
                                             HFRewardModel,
                                             RewardModel,
                                             StepRewardModel,
                                             VerifierRewardModel,
)
from mathgym.agents.search.search import METHODS, SampleAndSelect, Searcher, SearchResult, search
from mathgym.agents.search.selection import (
                                             Choice,
                                             aggregate_step_scores,
                                             best_of_n,
                                             cluster_answers,
                                             majority_vote,
                                             math_equivalent,
                                             weighted_majority_vote,
)

__all__ = [
                                             "METHODS",
                                             "Choice",
                                             "HFRewardModel",
                                             "RewardModel",
                                             "SampleAndSelect",
                                             "SearchResult",
                                             "Searcher",
                                             "StepRewardModel",
                                             "VerifierRewardModel",
                                             "aggregate_step_scores",
                                             "best_of_n",
                                             "cluster_answers",
                                             "majority_vote",
                                             "math_equivalent",
                                             "search",
                                             "weighted_majority_vote",
]
