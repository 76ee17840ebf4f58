"""Reward models for inference-time search: ``score(prompts, responses) -> list[float]``, batched.

* :class:`HFRewardModel` — a transformers sequence-classification model with one output (the usual
  outcome reward model layout); the prompt and response are laid out with the model's chat template.
* :class:`VerifierRewardModel` — the oracle: 1.0 when mathgym's verifier accepts the response against
  the gold answer, else 0.0 (best-of-N with it is the pass@N upper bound).
* :class:`AggregatedPRM` — any process reward model (:mod:`mathgym.process.prm`, ``score_steps(problem, steps)``)
  as an outcome model: per-step scores aggregated by :func:`aggregate_step_scores` (``StepRewardModel`` is
  the PRM interface itself, for beam search and MCTS).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mathgym.agents.search.selection import aggregate_step_scores
from mathgym.process.prm.base import ProcessRewardModel


class RewardModel(ABC):
    """Scores whole responses."""

    @abstractmethod
    def score(self, prompts: Sequence[str], responses: Sequence[str]) -> list[float]:
        """One score per (prompt, response) pair, higher is better."""

    def score_one(self, prompt: str, response: str) -> float:
        return self.score([prompt], [response])[0]


class VerifierRewardModel(RewardModel):
    """1.0 for a verified-correct response, else 0.0.

    :param gold: the gold answer (or a Problem) of every prompt, a mapping prompt -> gold, or a
        callable prompt -> gold.
    """

    def __init__(self, gold: Any | Mapping[str, Any] | Callable[[str], Any]) -> None:
        self.gold = gold

    def _gold_of(self, prompt: str) -> Any:
        if callable(self.gold) and not hasattr(self.gold, "answer"):
            return self.gold(prompt)
        if isinstance(self.gold, Mapping):
            return self.gold[prompt]
        return self.gold

    def score(self, prompts: Sequence[str], responses: Sequence[str]) -> list[float]:
        from mathgym.verifier import verify

        return [float(verify(r, self._gold_of(p)).correct) for p, r in zip(prompts, responses)]


class HFRewardModel(RewardModel):
    """An outcome reward model: ``AutoModelForSequenceClassification`` with ``num_labels=1``.

    :param model: checkpoint path / hub id, or a loaded model (then ``tokenizer`` is required).
    :param tokenizer: its tokenizer.
    :param batch_size: pairs per forward pass.
    :param use_chat_template: lay out (prompt, response) as a user/assistant chat when the tokenizer
        has a template (otherwise prompt, blank line, response).
    :param max_length: longest input in tokens (longer inputs keep their end, where the answer is).
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        batch_size: int = 16,
        use_chat_template: bool = True,
        max_length: int = 2048,
        device: str | None = None,
    ) -> None:
        import torch

        if isinstance(model, str):
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            tokenizer = tokenizer or AutoTokenizer.from_pretrained(model)
            model = AutoModelForSequenceClassification.from_pretrained(model, dtype=torch.float32)
        elif tokenizer is None:
            raise ValueError("HFRewardModel(model_object) needs tokenizer=...")
        if model.config.num_labels != 1:
            raise ValueError(
                f"a reward model has one output (num_labels=1), this one has {model.config.num_labels}"
            )
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "right"
        self.tokenizer.truncation_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if self.model.config.pad_token_id is None:
            self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.batch_size = batch_size
        self.use_chat_template = use_chat_template
        self.max_length = max_length

    def text(self, prompt: str, response: str) -> str:
        if self.use_chat_template and getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}],
                tokenize=False,
            )
        return f"{prompt}\n\n{response}"

    def score(self, prompts: Sequence[str], responses: Sequence[str]) -> list[float]:
        import torch

        if len(prompts) != len(responses):
            raise ValueError(f"{len(prompts)} prompts for {len(responses)} responses")
        texts = [self.text(p, r) for p, r in zip(prompts, responses)]
        scores: list[float] = []
        for start in range(0, len(texts), self.batch_size):
            enc = self.tokenizer(
                texts[start : start + self.batch_size],
                add_special_tokens=False,
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            ).to(self.device)
            with torch.no_grad():
                logits = self.model(**enc).logits
            scores += logits[:, 0].float().tolist()
        return scores


class AggregatedPRM(RewardModel):
    """A process reward model used as an outcome reward model: the response is split into steps, each
    step scored by the PRM, the scores aggregated by ``min``, ``last`` or ``prod`` (rStar-Math, Bag of Tricks).

    :param prm: any :class:`~mathgym.process.prm.base.ProcessRewardModel`.
    :param how: the aggregation.
    :param separator: what separates steps in a response.
    """

    def __init__(self, prm: Any, how: str = "min", separator: str = "\n") -> None:
        aggregate_step_scores([1.0], how)  # reject an unknown aggregation now
        self.prm, self.how, self.separator = prm, how, separator

    def steps(self, response: str) -> list[str]:
        return [s for s in response.split(self.separator) if s.strip()] or [response]

    def score(self, prompts: Sequence[Any], responses: Sequence[str]) -> list[float]:
        step_scores = self.prm.score_batch([(p, self.steps(r)) for p, r in zip(prompts, responses)])
        return [aggregate_step_scores(s, self.how) if s else 0.0 for s in step_scores]


#: the process reward model interface (kept under its earlier name for search code)
StepRewardModel = ProcessRewardModel
