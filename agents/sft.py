"""Supervised warm-up on the generators' reference solutions (before RL, so rewards are not all zero).

Each example is one env reset: the model input is built from the first observation exactly as the
rollout driver builds it, and the target is the problem's reference solution (steps joined by new
lines, ending with the boxed gold answer) followed by the end-of-sequence token. The loss is the
mean cross-entropy over target tokens only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mathgym.agents.llm.chat import ObservationFormat, render_input
from mathgym.seeding import derive_seed


@dataclass
class SFTConfig:
    """Supervised fine-tuning on reference solutions (one flat record, like :class:`~mathgym.agents.grpo.GRPOConfig`)."""

    steps: int = 200
    """optimizer steps"""
    batch_size: int = 32
    """examples per step"""
    learning_rate: float = 3e-3
    """AdamW learning rate"""
    seed: int = 0
    """data and shuffling seed (problems come from ``derive_seed("mathgym.sft", seed, i)``)"""
    max_grad_norm: float = 1.0
    """gradient clipping"""


def reference_examples(
    env: Any, tokenizer: Any, count: int, seed: int, fmt: ObservationFormat | None = None
) -> list[tuple[list[int], list[int]]]:
    """``count`` (prompt ids, target ids) pairs from resets of ``env`` with held-apart seeds."""
    from mathgym.agents.baselines import reference_steps

    fmt = fmt or ObservationFormat()
    examples = []
    for i in range(count):
        obs, _ = env.reset(seed=derive_seed("mathgym.sft", seed, i) % 2**31)
        problem = env.unwrapped.problem
        prompt = render_input(tokenizer, fmt.build(str(obs)))
        target = "\n".join(reference_steps(problem))
        examples.append(
            (
                tokenizer.encode(prompt, add_special_tokens=False),
                tokenizer.encode(target, add_special_tokens=False) + [tokenizer.eos_token_id],
            )
        )
    return examples


def sft_on_reference(
    model: Any,
    tokenizer: Any,
    env: Any,
    config: SFTConfig | None = None,
    fmt: ObservationFormat | None = None,
    log: Callable[[dict[str, float]], None] | None = None,
) -> list[float]:
    """Fit ``model`` on reference solutions of ``env``'s problems; returns the loss of every step.

    :param model: a transformers causal LM (trained in place).
    :param tokenizer: its tokenizer.
    :param env: a text env whose unwrapped form exposes ``problem`` after reset (MathEnv and kin).
    :param config: hyper-parameters.
    :param fmt: observation format (use the one the rollouts will use).
    :param log: called with ``{"step", "loss"}`` every 20 steps.
    """
    import torch

    config = config or SFTConfig()
    examples = reference_examples(env, tokenizer, config.steps * config.batch_size, config.seed, fmt)
    device = next(model.parameters()).device
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    losses = []
    model.train()
    for step in range(config.steps):
        batch = examples[step * config.batch_size : (step + 1) * config.batch_size]
        length = max(len(p) + len(t) for p, t in batch)
        input_ids = torch.full((len(batch), length), pad, dtype=torch.long)
        labels = torch.full((len(batch), length), -100, dtype=torch.long)
        attention = torch.zeros((len(batch), length), dtype=torch.long)
        for row, (p, t) in enumerate(batch):
            ids = p + t
            input_ids[row, : len(ids)] = torch.tensor(ids)
            labels[row, len(p) : len(ids)] = torch.tensor(t)
            attention[row, : len(ids)] = 1
        out = model(
            input_ids=input_ids.to(device), attention_mask=attention.to(device), labels=labels.to(device)
        )
        optimizer.zero_grad()
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimizer.step()
        losses.append(out.loss.item())
        if log is not None and (step % 20 == 0 or step == config.steps - 1):
            log({"step": step, "loss": losses[-1]})
    model.eval()
    return losses
