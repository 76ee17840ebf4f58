"""Inference-time search: sample-and-select (best-of-N, majority and PRM-weighted vote), PRM-guided step-level
beam search and MCTS over step-mode env snapshots, and a token-matched comparison harness."""

from mathgym.agents.search.beam import BeamSearch
from mathgym.agents.search.budget import MethodPoint, at_budget, evaluate_method, matched_table
from mathgym.agents.search.mcts import MCTS
from mathgym.agents.search.reward_model import (
    AggregatedPRM,
    HFRewardModel,
    RewardModel,
    StepRewardModel,
    VerifierRewardModel,
)
from mathgym.agents.search.scripted import ScriptedStepPolicy
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
from mathgym.agents.search.stepwise import Candidate, SampleSolutions, StepSearchResult

__all__ = [
    "MCTS",
    "METHODS",
    "AggregatedPRM",
    "BeamSearch",
    "Candidate",
    "Choice",
    "HFRewardModel",
    "MethodPoint",
    "RewardModel",
    "SampleAndSelect",
    "SampleSolutions",
    "ScriptedStepPolicy",
    "SearchResult",
    "Searcher",
    "StepRewardModel",
    "StepSearchResult",
    "VerifierRewardModel",
    "aggregate_step_scores",
    "at_budget",
    "best_of_n",
    "cluster_answers",
    "evaluate_method",
    "majority_vote",
    "matched_table",
    "math_equivalent",
    "search",
    "weighted_majority_vote",
]
