"""LLM self-play on mathgym's multi-agent text games: GRPO's clipped loss with SPIRAL's role baseline.

One policy plays every role of a game (the role is in the prompt, :class:`~mathgym.agents.multiagent.rollout.
MultiAgentRollout`). Per update:

1. play ``episodes_per_update`` episodes of the game's Parallel form with the current weights;
2. each agent's return gets the advantage ``R - b[(game, role)]`` from a :class:`~mathgym.agents.multiagent.
   selfplay.RoleBaseline` (SPIRAL's RAE; ``role_baseline=False`` uses the raw return), and every token
   that agent generated in the episode shares it;
3. the loss is :func:`mathgym.agents.grpo.grpo_loss` (PPO-style clipping, token-level average) on
   :func:`mathgym.agents.grpo.token_logprobs` at the sampling temperature — the GRPO trainer's own functions,
   used as they are; only
   the advantage differs from GRPO's group mean, because self-play episodes of one game are not a group of
   answers to one prompt.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mathgym.agents.multiagent.rollout import AgentTurn, MultiAgentRollout, MultiAgentTrajectory
from mathgym.agents.multiagent.selfplay import RoleBaseline
from mathgym.seeding import derive_seed


@dataclass
class SelfPlayConfig:
    """Hyper-parameters of LLM self-play (one flat record, CleanRL style)."""

    game: str = "kuhn_poker_v0"
    """module name of the game in mathgym.envs.multiagent"""
    game_kwargs: dict[str, Any] = field(default_factory=lambda: {"action_type": "text"})
    """keyword arguments of the game's parallel_env()"""
    episodes_per_update: int = 16
    """self-play episodes per policy update"""
    total_updates: int = 20
    """policy updates"""
    learning_rate: float = 1e-4
    """AdamW learning rate"""
    max_new_tokens: int = 24
    """most tokens per move"""
    temperature: float = 1.0
    """sampling temperature of the rollouts"""
    clip_eps: float = 0.2
    """PPO clip range"""
    role_baseline: bool = True
    """advantage = return - moving average per (game, role) (SPIRAL's RAE); False: the raw return"""
    baseline_decay: float = 0.95
    """weight of the old baseline in each update (SPIRAL: 0.95)"""
    max_grad_norm: float = 1.0
    """gradient clipping"""
    seed: int = 0
    """seeds deals, sampling and the torch generator"""


def selfplay_advantages(
    trajectories: list[MultiAgentTrajectory], baseline: RoleBaseline | None
) -> list[tuple[AgentTurn, float]]:
    """Every agent move with its advantage: the agent's return minus its role's baseline (or the raw return).

    Episodes are taken in order and the baseline moves after each, as SPIRAL's running average does.

    :param trajectories: finished episodes.
    :param baseline: the role baseline, updated in place; ``None`` for raw returns.
    """
    out: list[tuple[AgentTurn, float]] = []
    for trajectory in trajectories:
        returns = dict(trajectory.returns)
        advantages = baseline.advantages(trajectory.game, returns) if baseline is not None else returns
        for turn in trajectory.turns:
            out.append((turn, float(advantages.get(turn.agent, 0.0))))
    return out


@dataclass
class SelfPlayResult:
    """What :func:`train_selfplay` returns: the per-update history, the baseline and the trained model."""

    history: list[dict[str, float]]
    baseline: RoleBaseline | None
    model: Any
    last_trajectories: list[MultiAgentTrajectory] = field(default_factory=list)


def train_selfplay(
    config: SelfPlayConfig,
    *,
    model: Any,
    tokenizer: Any,
    log: Callable[[dict[str, float]], None] | None = print,
) -> SelfPlayResult:
    """Self-play training of one causal LM on a multi-agent text game.

    :param config: hyper-parameters.
    :param model: a transformers causal LM (trained in place).
    :param tokenizer: its tokenizer.
    :param log: called with each history row.
    """
    import torch

    from mathgym.agents.grpo import grpo_loss, token_logprobs
    from mathgym.agents.llm.hf import HFPolicy
    from mathgym.agents.llm.types import Sampling
    from mathgym.envs.multiagent import game_module

    torch.manual_seed(derive_seed("mathgym.multiagent.selfplay.torch", config.seed) % 2**63)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    module = game_module(config.game)
    envs = [module.parallel_env(**config.game_kwargs) for _ in range(config.episodes_per_update)]
    rollout = MultiAgentRollout(
        HFPolicy(model, tokenizer),
        sampling=Sampling(temperature=config.temperature, max_tokens=config.max_new_tokens),
    )
    baseline = RoleBaseline(config.baseline_decay) if config.role_baseline else None
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    history: list[dict[str, float]] = []
    trajectories: list[MultiAgentTrajectory] = []
    temperature = (
        config.temperature if config.temperature > 0 else 1.0
    )  # greedy rollouts: plain logits, as GRPO
    for update in range(1, config.total_updates + 1):
        seeds = [
            derive_seed("mathgym.multiagent.selfplay.deal", config.seed, update, i) % 2**31
            for i in range(config.episodes_per_update)
        ]
        rollout.sampling = rollout.sampling.replace(
            seed=derive_seed("mathgym.multiagent.selfplay.sample", config.seed, update) % 2**31
        )
        trajectories = rollout.run(envs, seeds=seeds)
        pairs = selfplay_advantages(trajectories, baseline)
        samples = [
            (list(t.completion.prompt_token_ids), list(t.completion.token_ids))
            for t, _ in pairs
            if t.completion.token_ids and t.completion.prompt_token_ids
        ]
        advantages = [a for t, a in pairs if t.completion.token_ids and t.completion.prompt_token_ids]
        if not samples:
            raise RuntimeError("the policy returned no token ids; self-play training needs a local backend")
        with torch.no_grad():
            old, _ = token_logprobs(model, samples, pad_id, temperature=temperature)
        model.train()
        optimizer.zero_grad()
        logp, mask = token_logprobs(model, samples, pad_id, temperature=temperature)
        adv = torch.tensor(advantages, device=logp.device, dtype=logp.dtype).unsqueeze(1)
        total_tokens = int(mask.sum().item())
        loss, _, _ratio = grpo_loss(
            logp,
            old,
            None,
            adv,
            mask,
            clip_eps=config.clip_eps,
            kl_coef=0.0,
            token_level=True,
            total_tokens=max(total_tokens, 1),
            total_sequences=len(samples),
        )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimizer.step()
        model.eval()
        by_role: dict[str, list[float]] = defaultdict(list)
        for trajectory in trajectories:
            for agent, r in trajectory.returns.items():
                by_role[agent].append(r)
        row: dict[str, float] = {
            "update": float(update),
            "loss": float(loss.item()),
            "advantage_var": float(np.var(advantages)),
            # E[A^2] scales the policy gradient's variance; a role's constant return gap lives here
            "advantage_ms": float(np.mean(np.square(advantages))),
            "moves": float(len(samples)),
        }
        for agent, values in sorted(by_role.items()):
            row[f"return_{agent}"] = float(np.mean(values))
            if baseline is not None:
                row[f"baseline_{agent}"] = baseline.get(trajectories[0].game, agent)
        # games with forfeits (Kuhn Poker, Nim text forms) report who forfeited in every agent's final info
        row["forfeit_rate"] = float(
            np.mean([any(i.get("forfeit") for i in t.final_infos.values()) for t in trajectories])
        )
        history.append(row)
        if log is not None:
            log(row)
    return SelfPlayResult(history=history, baseline=baseline, model=model, last_trajectories=trajectories)
