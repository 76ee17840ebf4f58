"""Sample-then-select search: N completions from a policy, one picked by a selection rule.

``search(policy, prompt, n=16, method="weighted_majority", reward_model=rm)`` samples N solutions
in one batched call, extracts their final answers, scores them when the method needs scores, and
returns the chosen one with everything that led to it. Step-level searches (PRM-guided beam search,
MCTS) plug in as other :class:`Searcher` subclasses that drive a step-mode env through
``get_state``/``set_state`` and a :class:`~mathgym.agents.search.reward_model.StepRewardModel`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mathgym.agents.llm.chat import ObservationFormat
from mathgym.agents.llm.policy import Policy
from mathgym.agents.llm.types import Completion, Sampling
from mathgym.agents.search.reward_model import RewardModel
from mathgym.agents.search.selection import best_of_n, majority_vote, weighted_majority_vote

METHODS = ("best_of_n", "majority", "weighted_majority")


@dataclass
class SearchResult:
    """The chosen solution and the candidates it was chosen from."""

    response: str
    answer: str | None
    index: int
    candidates: list[Completion]
    answers: list[str | None]
    scores: list[float] | None
    votes: dict[str, float]


class Searcher(ABC):
    """An inference-time method: prompt in, one solution out."""

    @abstractmethod
    def run(self, policy: Policy, prompt: str) -> SearchResult: ...


class SampleAndSelect(Searcher):
    """Best-of-N, majority vote or weighted majority vote over N samples.

    :param n: samples per prompt.
    :param method: ``"best_of_n"``, ``"majority"`` or ``"weighted_majority"``.
    :param reward_model: scorer for best-of-N / weighted vote (a verifier oracle or a reward model).
    :param sampling: sampling settings (temperature > 0 for diverse samples).
    :param fmt: how the prompt becomes model input.
    """

    def __init__(
        self,
        n: int = 8,
        method: str = "majority",
        reward_model: RewardModel | None = None,
        sampling: Sampling | None = None,
        fmt: ObservationFormat | None = None,
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if method != "majority" and reward_model is None:
            raise ValueError(
                f"{method} needs a reward_model (e.g. VerifierRewardModel(gold) or HFRewardModel(path))"
            )
        self.n, self.method, self.reward_model = n, method, reward_model
        self.sampling = sampling or Sampling(temperature=0.8, max_tokens=512)
        self.fmt = fmt or ObservationFormat()

    def run(self, policy: Policy, prompt: str) -> SearchResult:
        return self.run_batch(policy, [prompt])[0]

    def run_batch(self, policy: Policy, prompts: Sequence[str]) -> list[SearchResult]:
        """Search every prompt; all N × len(prompts) samples come from one generation call."""
        from mathgym.verifier import extract_answer

        rows = policy.generate([self.fmt.build(p) for p in prompts], n=self.n, sampling=self.sampling)
        results = []
        for prompt, row in zip(prompts, rows):
            texts = [c.text for c in row]
            answers = [extract_answer(t) for t in texts]
            scores = None
            if self.method == "majority":
                choice = majority_vote(answers)
            else:
                assert self.reward_model is not None
                scores = self.reward_model.score([prompt] * len(texts), texts)
                choice = (best_of_n if self.method == "best_of_n" else weighted_majority_vote)(
                    answers, scores
                )
            results.append(
                SearchResult(
                    response=texts[choice.index],
                    answer=choice.answer,
                    index=choice.index,
                    candidates=list(row),
                    answers=answers,
                    scores=scores,
                    votes=choice.votes,
                )
            )
        return results


def search(
    policy: Policy,
    prompt: str,
    *,
    n: int = 8,
    method: str = "majority",
    reward_model: RewardModel | None = None,
    sampling: Sampling | None = None,
    **kwargs: Any,
) -> SearchResult:
    """Shorthand for ``SampleAndSelect(...).run(policy, prompt)``."""
    return SampleAndSelect(n=n, method=method, reward_model=reward_model, sampling=sampling, **kwargs).run(
        policy, prompt
    )
