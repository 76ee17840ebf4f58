"""Inference-time search: selection rules (methods.md §7.2), reward models, sample-and-select."""

from __future__ import annotations

import pytest

from mathgym.agents.search import (
    HFRewardModel,
    SampleAndSelect,
    StepRewardModel,
    VerifierRewardModel,
    aggregate_step_scores,
    best_of_n,
    cluster_answers,
    majority_vote,
    weighted_majority_vote,
)
from mathgym.testing import require


def test_selection_rules_on_the_methods_example():
    answers, scores = ["A", "B", "B", "C"], [0.9, 0.6, 0.5, 0.95]
    assert best_of_n(answers, scores).answer == "C"
    assert majority_vote(answers).answer == "B"
    choice = weighted_majority_vote(answers, scores)
    assert choice.answer == "B" and choice.index == 1
    assert choice.votes == pytest.approx({"A": 0.9, "B": 1.1, "C": 0.95})


def test_best_of_n_breaks_score_ties_by_votes_and_missing_answers_never_win_a_vote():
    assert best_of_n(["3", "4", "4"], [1.0, 1.0, 0.2]).answer == "4"
    assert majority_vote([None, None, "7"]).answer == "7"
    assert majority_vote([None, None]).answer is None


def test_answers_are_clustered_by_mathematical_equivalence():
    assert cluster_answers(["1/2", "0.5", "\\frac{1}{2}", "2", None, "x+1", "1+x"]) == [0, 0, 0, 1, -1, 2, 2]
    assert majority_vote(["0.5", "2", "1/2"]).answer == "0.5"


def test_step_scores_aggregate_by_min_last_or_product():
    assert aggregate_step_scores([0.9, 0.5, 0.8], "min") == 0.5
    assert aggregate_step_scores([0.9, 0.5, 0.8], "last") == 0.8
    assert aggregate_step_scores([0.5, 0.5], "prod") == 0.25
    with pytest.raises(ValueError):
        aggregate_step_scores([0.1], "mean")

    class Lengths(StepRewardModel):  # a PRM stand-in: longer steps score higher
        def score_steps(self, prompt, steps):
            return [len(s) for s in steps]

    assert Lengths().as_outcome("min").score(["q"], ["ab\nabcd"]) == [2]


def test_verifier_reward_model_is_the_oracle():
    rm = VerifierRewardModel("12")
    assert rm.score(["q", "q"], ["so \\boxed{12}", "\\boxed{13}"]) == [1.0, 0.0]
    assert VerifierRewardModel({"a": "1", "b": "2"}).score(["a", "b"], ["\\boxed{1}", "\\boxed{1}"]) == [
        1.0,
        0.0,
    ]


def test_hf_reward_model_scores_batches_like_single_pairs(tiny_model_dir, tmp_path):
    require("transformers")
    from mathgym.agents.llm.tiny import build_tiny_reward_model

    rm = HFRewardModel(
        str(build_tiny_reward_model(tmp_path / "rm", tokenizer_from=tiny_model_dir)), batch_size=3
    )
    prompts = ["Calculate 1 + 2.", "Calculate 4 - 1.", "Q", "Calculate 9 - 2."]
    responses = ["1 + 2 = 3.\nThe answer is \\boxed{3}.", "\\boxed{2}", "a much longer response " * 5, "7"]
    batched = rm.score(prompts, responses)
    single = [rm.score_one(p, r) for p, r in zip(prompts, responses)]
    assert batched == pytest.approx(single, abs=1e-4)  # padding does not change a score
    assert len({round(s, 4) for s in batched}) == 4


def test_sample_and_select_returns_the_chosen_candidate(hf_policy):
    from mathgym.agents.llm import Sampling

    search = SampleAndSelect(
        n=6,
        method="best_of_n",
        reward_model=VerifierRewardModel("3"),
        sampling=Sampling(max_tokens=8, seed=0),
    )
    (result,) = search.run_batch(hf_policy, ["Calculate 1 + 2."])
    assert len(result.candidates) == 6 and len(result.scores) == 6
    assert result.response == result.candidates[result.index].text
    assert result.scores[result.index] == max(result.scores)
    with pytest.raises(ValueError, match="needs a reward_model"):
        SampleAndSelect(method="weighted_majority")
