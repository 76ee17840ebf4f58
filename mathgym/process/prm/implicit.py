"""The implicit PRM of PRIME and "Free Process Rewards" (Cui et al. 2025; Yuan et al. 2024).

A language model ``π_φ`` and a frozen reference ``π_ref`` give every response token the reward
``β·log π_φ(y_t|x, y_<t) / π_ref(y_t|x, y_<t)``. Their running sum ``q_t`` is (an exponential average of)
the Q-value of the prefix, so a step ending at token ``t_k`` gets the process reward
``r_k = q_{t_k} − q_{t_{k−1}}``. ``π_φ`` is trained as an outcome reward model only (cross-entropy of
``σ(q_T)`` against the verifier's label, :func:`implicit_ce_loss`), yet reads out step rewards.

The solution is laid out as the policy sees it in a step-mode episode: the env's first observation as the
user message, the steps one per line as the assistant's answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mathgym.process.prm.base import ProblemLike, ProcessRewardModel, ScoreItem, problem_text

#: PRIME's default β
DEFAULT_BETA = 0.05


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def token_logprobs(model: Any, input_ids: Any, attention_mask: Any) -> Any:
    """``(B, T)`` log-probability of each token given the ones before it (position 0 gets 0)."""
    import torch

    logits = model(input_ids=input_ids, attention_mask=attention_mask).logits.float()
    logp = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    return torch.nn.functional.pad(logp, (1, 0))


def implicit_ce_loss(rewards: Any, labels: Any) -> Any:
    """PRIME's cross-entropy: ``−[l·log σ(r) + (1−l)·log(1−σ(r))]``, averaged over the batch.

    :param rewards: ``(B,)`` sequence rewards ``r_φ(y) = β·Σ_t log-ratio``.
    :param labels: ``(B,)`` verifier labels in {0, 1}.
    """
    import torch

    return torch.nn.functional.binary_cross_entropy_with_logits(rewards, labels.float())


class ImplicitPRM(ProcessRewardModel):
    """Step rewards from a policy/reference log-ratio.

    :param model: the implicit PRM ``π_φ``: a causal LM checkpoint (path, hub id) or a loaded model.
    :param reference: the reference ``π_ref`` (path, hub id or loaded model), the policy it started from.
    :param tokenizer: the tokenizer both share (loaded from ``model`` by default).
    :param beta: ``β``.
    :param score: what :meth:`score_steps` returns: ``"step"`` (``σ(r_k)``, the step reward squashed) or
        ``"q"`` (``σ(q_{t_k})``, the prefix's value).
    :param instruction: the env instruction put before the problem (the policy's first observation).
    """

    name = "implicit_prm"

    def __init__(
        self,
        model: Any,
        reference: Any,
        tokenizer: Any = None,
        *,
        beta: float = DEFAULT_BETA,
        score: str = "step",
        instruction: str | None = None,
        system: str | None = None,
        batch_size: int = 8,
        device: str | None = None,
    ) -> None:
        import torch

        from mathgym.envs.math.env import STEP_INSTRUCTION

        if score not in ("step", "q"):
            raise ValueError(f"score must be 'step' or 'q', got {score!r}")
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model, tokenizer = _causal_lm(model, tokenizer)
        self.reference, _ = _causal_lm(reference, tokenizer)
        self.model.to(self.device).eval()
        self.reference.to(self.device).eval()
        self.tokenizer = tokenizer
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.beta = float(beta)
        self.score = score
        self.instruction = STEP_INSTRUCTION if instruction is None else instruction
        self.system = system
        self.batch_size = batch_size

    # -------------------------------------------------------------------------------------- layout
    def prompt_text(self, problem: ProblemLike) -> str:
        from mathgym.agents.llm.chat import ObservationFormat, render_input

        first = (
            f"{self.instruction}\n\n{problem_text(problem)}" if self.instruction else problem_text(problem)
        )
        return render_input(self.tokenizer, ObservationFormat(system=self.system).build(first))

    def encode(self, problem: ProblemLike, steps: Sequence[str]) -> tuple[list[int], list[int]]:
        """Token ids of prompt + steps, and the step (0-based) of each token (-1 for prompt tokens)."""
        prompt = self.prompt_text(problem)
        ends, text = [], prompt
        for step in steps:
            text += step + "\n"
            ends.append(len(text))
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        owners = []
        for start, _ in enc["offset_mapping"]:
            if start < len(prompt):
                owners.append(-1)
            else:
                owners.append(next((k for k, end in enumerate(ends) if start < end), len(steps) - 1))
        return list(enc["input_ids"]), owners

    def batch(self, encoded: Sequence[tuple[list[int], list[int]]]) -> tuple[Any, Any, Any]:
        """Right-padded ``input_ids``, ``attention_mask`` and response mask tensors."""
        import torch

        width = max(len(ids) for ids, _ in encoded)
        ids = torch.full((len(encoded), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        response = torch.zeros((len(encoded), width))
        for row, (tokens, owners) in enumerate(encoded):
            ids[row, : len(tokens)] = torch.tensor(tokens)
            mask[row, : len(tokens)] = 1
            response[row, : len(tokens)] = torch.tensor([1.0 if o >= 0 else 0.0 for o in owners])
        return ids.to(self.device), mask.to(self.device), response.to(self.device)

    def log_ratios(self, input_ids: Any, attention_mask: Any, *, grad: bool = False) -> Any:
        """``(B, T)`` per-token ``log π_φ − log π_ref`` (without β); gradients flow into ``π_φ`` when ``grad``."""
        import torch

        with torch.no_grad():
            ref = token_logprobs(self.reference, input_ids, attention_mask)
        if grad:
            return token_logprobs(self.model, input_ids, attention_mask) - ref
        with torch.no_grad():
            return token_logprobs(self.model, input_ids, attention_mask) - ref

    # ------------------------------------------------------------------------------------- readout
    def step_rewards_batch(self, items: Sequence[ScoreItem]) -> list[list[float]]:
        """``r_k = β·Σ_{t in step k} log-ratio`` of every step of every solution."""
        out: list[list[float]] = []
        for start in range(0, len(items), self.batch_size):
            chunk = items[start : start + self.batch_size]
            encoded = [self.encode(problem, steps) for problem, steps in chunk]
            ids, mask, _ = self.batch(encoded)
            ratios = self.log_ratios(ids, mask).cpu()
            for row, ((_, owners), (_, steps)) in enumerate(zip(encoded, chunk)):
                sums = [0.0] * len(steps)
                for t, owner in enumerate(owners):
                    if owner >= 0:
                        sums[owner] += float(ratios[row, t])
                out.append([self.beta * s for s in sums])
        return out

    def step_rewards(self, problem: ProblemLike, steps: Sequence[str]) -> list[float]:
        return self.step_rewards_batch([(problem, list(steps))])[0]

    def q_values(self, problem: ProblemLike, steps: Sequence[str]) -> list[float]:
        """``q_{t_k}``: the running sum of step rewards at the end of each step."""
        total, out = 0.0, []
        for r in self.step_rewards(problem, steps):
            total += r
            out.append(total)
        return out

    def score_batch(self, items: Sequence[ScoreItem]) -> list[list[float]]:
        out = []
        for rewards in self.step_rewards_batch(items):
            if self.score == "q":
                total, values = 0.0, []
                for r in rewards:
                    total += r
                    values.append(_sigmoid(total))
                out.append(values)
            else:
                out.append([_sigmoid(r) for r in rewards])
        return out


def _causal_lm(model: Any, tokenizer: Any) -> tuple[Any, Any]:
    if not isinstance(model, (str, Path)):
        if tokenizer is None:
            raise ValueError("ImplicitPRM with loaded models needs tokenizer=...")
        return model, tokenizer
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        loaded = AutoModelForCausalLM.from_pretrained(str(model), dtype=torch.float32)
        tokenizer = tokenizer or AutoTokenizer.from_pretrained(str(model))
    except OSError as exc:
        raise FileNotFoundError(
            f"cannot load a causal LM for the implicit PRM from {model!r}: {exc}"
        ) from exc
    return loaded, tokenizer
