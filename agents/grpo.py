"""GRPO (Group Relative Policy Optimization) on any mathgym text env, in one readable file.

CleanRL-style: every hyper-parameter is a field of :class:`GRPOConfig`, and :func:`train` is the
whole algorithm, top to bottom. Per update:

1. draw ``prompts_per_step`` problems (reset seeds from ``derive_seed("mathgym.grpo.train", seed, step, i)``)
   and play ``group_size`` episodes of each through the rollout driver, so rewards are exactly the
   env's reward parts (single-turn, step-level or tool-integrated alike);
2. advantage of an episode = its return minus its group's mean (divided by the group's std when
   ``scale_rewards``); every generated token of the episode gets it;
3. recompute the log-probabilities of the generated tokens under the current weights (``old``, taken
   once, before the first pass), and under the frozen reference model when ``kl_coef > 0``. Logits are
   divided by the sampling temperature first, as TRL and verl do: the rollouts were drawn from
   ``softmax(logits / T)``, so that is the distribution whose ratios and KL the loss needs (top-p
   truncation is not modelled, as in both);
4. for ``epochs`` passes: loss per token = ``-min(r·A, clip(r, 1-ε, 1+ε)·A) + β·KL`` with
   ``r = exp(logp - old)`` and the k3 estimator ``KL = exp(ref - logp) - (ref - logp) - 1``, averaged
   over all tokens of the batch (``token_level_loss=True``, as in DAPO) or per sequence
   then over sequences (the original GRPO); one AdamW step per pass. In the first pass the weights are
   still those that produced ``old``, so ``r = 1`` and clipping cannot act: with ``epochs=1`` the update is
   the plain (unclipped) policy gradient. The default of 2 passes makes the clip bound the second step.
   A batch in which every advantage is 0 (every group's rewards equal) carries no signal: no step is
   taken on it (AdamW's weight decay would still move the weights), and ``signal_groups`` reports the
   share of groups whose rewards differ. Without a KL term, sequences whose advantage is 0 add nothing
   to the loss, so they skip the forward and backward passes (they still count in the averages);
5. when generating with vLLM, copy the new weights into the engine.

Run it: ``python -m mathgym.agents.grpo --env-id mathgym/Arithmetic-v0 --model-path PATH``.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from mathgym.agents.llm.chat import ObservationFormat
from mathgym.agents.llm.rollout import RolloutDriver, Trajectory
from mathgym.agents.llm.types import Sampling
from mathgym.seeding import derive_seed

if TYPE_CHECKING:
    import torch


@dataclass
class GRPOConfig:
    """Hyper-parameters (CleanRL style: one flat record, printed with every run)."""

    env_id: str = "mathgym/Arithmetic-v0"
    """the text env to train on"""
    env_kwargs: dict[str, Any] = field(default_factory=lambda: {"level": 0})
    """keyword arguments for gym.make"""
    model_path: str = ""
    """checkpoint directory or hub id of the policy"""
    generator: str = "hf"
    """'hf' (generate with the model being trained) or 'vllm' (engine synced after each update)"""
    seed: int = 0
    """seeds problems, sampling and weights init"""
    total_updates: int = 60
    """policy updates"""
    prompts_per_step: int = 16
    """problems per update"""
    group_size: int = 8
    """episodes per problem (G)"""
    learning_rate: float = 3e-4
    """AdamW learning rate (RL gradients are noisy: 6e-4 already made the tiny benchmark model diverge)"""
    max_new_tokens: int = 48
    """most tokens per action"""
    temperature: float = 0.7
    """sampling temperature of the rollouts"""
    top_p: float = 1.0
    """nucleus mass of the rollouts"""
    clip_eps: float = 0.2
    """PPO clip range ε"""
    kl_coef: float = 0.0
    """β of the KL penalty to the initial (reference) model; 0 disables it and the reference model"""
    epochs: int = 2
    """optimisation passes over each batch; the first has ratio 1 (no clipping), later ones are clipped"""
    minibatch_size: int = 64
    """sequences per forward/backward (gradients are accumulated over the batch)"""
    token_level_loss: bool = True
    """average the loss over all tokens of the batch (True) or per sequence, then over sequences"""
    scale_rewards: bool = False
    """divide advantages by the group's reward std (original GRPO); off by default because it turns tiny
    reward differences (a format bonus) into full-size advantages (Dr. GRPO)"""
    max_grad_norm: float = 1.0
    """gradient clipping"""
    max_turns: int = 16
    """driver's turn limit for multi-step episodes"""
    eval_every: int = 10
    """updates between evaluations on held-out seeds (0: only at the start and the end)"""
    eval_episodes: int = 64
    """held-out episodes per evaluation (greedy decoding); 0: no evaluations"""
    eval_at_start: bool = True
    """evaluate before the first update (a benchmark that already has that evaluation can skip it)"""
    system_prompt: str | None = None
    """system message of the chat format"""


class CausalLM(Protocol):
    """What GRPO needs of the model it trains: a torch module (a transformers causal LM) whose call with
    ``input_ids`` and ``attention_mask`` returns an output whose ``.logits`` are ``(batch, length, vocab)``."""

    def __call__(self, *, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Any: ...

    def parameters(self) -> Iterator[torch.nn.Parameter]: ...

    def state_dict(self) -> Mapping[str, Any]: ...

    def train(self, mode: bool = True) -> Any: ...

    def eval(self) -> Any: ...


# ------------------------------------------------------------------------------------------ helpers
def token_logprobs(
    model: CausalLM, samples: list[tuple[list[int], list[int]]], pad_id: int, temperature: float = 1.0
) -> tuple[Any, Any]:
    """Log-probabilities of each completion token given its prompt, as a padded ``(B, T)`` tensor and mask.

    :param model: a causal LM.
    :param samples: (prompt ids, completion ids) pairs.
    :param pad_id: the padding token id.
    :param temperature: the sampling temperature of the completions: log-probabilities are those of
        ``softmax(logits / temperature)``, the distribution the tokens were drawn from.
    """
    import torch

    device = next(model.parameters()).device
    length = max(len(p) + len(c) for p, c in samples)
    width = max(len(c) for _, c in samples)
    ids = torch.full((len(samples), length), pad_id, dtype=torch.long)
    attention = torch.zeros_like(ids)
    for row, (p, c) in enumerate(samples):
        ids[row, : len(p) + len(c)] = torch.tensor(p + c)
        attention[row, : len(p) + len(c)] = 1
    logits = model(input_ids=ids.to(device), attention_mask=attention.to(device)).logits.float()
    if temperature != 1.0:
        logits = logits / temperature
    logp_all = (
        torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, ids[:, 1:].to(device).unsqueeze(-1)).squeeze(-1)
    )
    out = torch.zeros((len(samples), width), device=device)
    mask = torch.zeros((len(samples), width), device=device)
    for row, (p, c) in enumerate(samples):
        # the token at position t is predicted from position t-1
        out[row, : len(c)] = logp_all[row, len(p) - 1 : len(p) - 1 + len(c)]
        mask[row, : len(c)] = 1
    return out, mask


def grpo_loss(
    logp: Any,
    old: Any,
    ref: Any,
    adv: Any,
    mask: Any,
    *,
    clip_eps: float,
    kl_coef: float,
    token_level: bool,
    total_tokens: int,
    total_sequences: int,
) -> tuple[Any, Any, Any]:
    """The clipped GRPO objective of one minibatch, scaled so that minibatch losses add up to the batch loss.

    :param logp: ``(B, T)`` token log-probabilities under the weights being trained.
    :param old: the same under the weights that generated the batch (no gradient).
    :param ref: the same under the reference model, or ``None`` (no KL term).
    :param adv: ``(B, 1)`` advantages.
    :param mask: ``(B, T)`` 1 for completion tokens.
    :param token_level: average over all tokens of the batch (``total_tokens``) rather than per sequence.
    :returns: (loss, per-token KL, ratio).
    """
    import torch

    ratio = torch.exp(logp - old)
    clipped = torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps)
    per_token = -torch.min(ratio * adv, clipped * adv)
    kl = torch.zeros_like(logp)
    if ref is not None:
        delta = ref - logp
        kl = torch.exp(delta) - delta - 1  # k3 estimator of KL(pi || ref), always >= 0
        per_token = per_token + kl_coef * kl
    if token_level:
        loss = (per_token * mask).sum() / total_tokens
    else:
        loss = ((per_token * mask).sum(1) / mask.sum(1).clamp(min=1)).sum() / total_sequences
    return loss, kl, ratio


def group_advantages(rewards: list[float], group_size: int, scale: bool) -> list[float]:
    """Each reward minus its group's mean (over consecutive blocks of ``group_size``), optionally / std."""
    import numpy as np

    r = np.asarray(rewards, dtype=np.float64).reshape(-1, group_size)
    adv = r - r.mean(axis=1, keepdims=True)
    if scale:
        adv = adv / (r.std(axis=1, keepdims=True) + 1e-4)
    return adv.reshape(-1).tolist()


def eval_seeds(episodes: int) -> list[int]:
    """Reset seeds of the held-out episodes (a key namespace disjoint from training's), the same for every
    training seed, so that runs with different seeds are judged on the same problems."""
    return [derive_seed("mathgym.grpo.eval", i) % 2**31 for i in range(episodes)]


def evaluate(
    driver: RolloutDriver, envs: list[Any], episodes: int, temperature: float = 0.0, samples: int = 1
) -> dict[str, Any]:
    """Episodes on the held-out seeds of :func:`eval_seeds`: greedy, or ``samples`` draws per episode at a
    temperature (the policy's expected accuracy when it samples, which is what GRPO optimises).

    Sampled evaluations use one fixed sampling stream, so that two evaluations of different weights (before
    and after training) draw with the same random numbers and their difference has less noise.

    :param driver: the rollout driver of the policy.
    :param envs: the envs to run (episodes go through them in chunks).
    :param episodes: held-out episodes.
    :param temperature: 0 for greedy decoding.
    :param samples: draws per episode when sampling.
    :returns: mean reward and accuracy, and ``eval_correct`` (per episode: 0/1 when greedy, the share of
        correct draws when sampling), for paired statistics.
    """
    draws = 1 if temperature <= 0 else samples
    seeds = [seed for seed in eval_seeds(episodes) for _ in range(draws)]
    sampling = driver.sampling.replace(
        temperature=max(temperature, 0.0),
        seed=None if temperature <= 0 else derive_seed("mathgym.grpo.eval-draws") % 2**31,
    )
    saved, driver.sampling = driver.sampling, sampling
    try:
        trajectories: list[Trajectory] = []
        for start in range(0, len(seeds), len(envs)):
            chunk = seeds[start : start + len(envs)]
            trajectories += driver.run(envs[: len(chunk)], seeds=chunk)
    finally:
        driver.sampling = saved
    correct = [
        sum(t.correct for t in trajectories[i : i + draws]) / draws
        for i in range(0, len(trajectories), draws)
    ]
    return {
        "eval_reward": sum(t.total_reward for t in trajectories) / len(trajectories),
        "eval_accuracy": sum(correct) / len(correct),
        "eval_correct": correct,
    }


@dataclass
class GRPOResult:
    history: list[dict[str, float]]
    model: CausalLM
    tokenizer: Any
    last_trajectories: list[Trajectory] = field(default_factory=list)
    last_advantages: list[float] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- train
def train(  # noqa: C901  (steps 1-5 of a GRPO update top to bottom, as CleanRL writes its loop)
    config: GRPOConfig,
    *,
    model: CausalLM | None = None,
    tokenizer: Any = None,
    policy: Any = None,
    log: Callable[[dict[str, float]], None] | None = print,
    env_wrapper: Callable[[Any], Any] | None = None,
    returns: Callable[[list[Trajectory], list[Any]], list[float]] | None = None,
) -> GRPOResult:
    """Run GRPO; returns the per-update history (reward, loss, KL, clip fraction, eval numbers).

    :param config: hyper-parameters.
    :param model: an already-loaded transformers causal LM to train (default: loaded from ``model_path``).
    :param tokenizer: its tokenizer.
    :param policy: a generation backend to use instead of building one (e.g. a running vLLM engine with
        the same starting weights); it is synced after each update when it has ``load_weights``.
    :param log: called with each history row.
    :param env_wrapper: applied to every env after ``gymnasium.make`` (e.g. a recorder of reward views).
    :param returns: each training episode's return computed from the update's trajectories and the envs that
        played them, in place of the env's own rewards (a reward computed in one batch per update, as the
        reward-design loop does); evaluations still report the env's reward and the verifier's accuracy.
    """
    import copy

    import gymnasium as gym
    import torch

    from mathgym.agents.llm.hf import HFPolicy, load_tokenizer

    torch.manual_seed(derive_seed("mathgym.grpo.torch", config.seed) % 2**63)
    if model is None:
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(config.model_path, dtype=torch.float32)
        tokenizer = tokenizer or load_tokenizer(config.model_path)
    if tokenizer is None:
        raise ValueError("train(model=...) needs tokenizer=...")
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    reference = None
    if config.kl_coef > 0:
        reference = copy.deepcopy(model).eval()
        for p in reference.parameters():
            p.requires_grad_(False)
    if policy is None:
        if config.generator == "hf":
            policy = HFPolicy(model, tokenizer)
        elif config.generator == "vllm":
            from mathgym.agents.llm.vllm_backend import VLLMPolicy

            policy = VLLMPolicy(config.model_path, seed=config.seed)
        else:
            raise ValueError(f"generator must be 'hf' or 'vllm', got {config.generator!r}")
    sync = getattr(policy, "load_weights", None)
    if sync is not None:
        sync(model.state_dict().items())  # start from the trainer's weights, whatever the engine loaded
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)

    n_envs = config.prompts_per_step * config.group_size
    envs = [gym.make(config.env_id, **config.env_kwargs) for _ in range(n_envs)]
    if env_wrapper is not None:
        envs = [env_wrapper(env) for env in envs]
    eval_envs = envs[: min(n_envs, config.eval_episodes)]
    fmt = ObservationFormat(system=config.system_prompt)
    driver = RolloutDriver(
        policy,
        fmt=fmt,
        max_turns=config.max_turns,
        sampling=Sampling(
            temperature=config.temperature,
            top_p=config.top_p,
            max_tokens=config.max_new_tokens,
            seed=config.seed,
        ),
    )
    history: list[dict[str, float]] = []

    def record(row: dict[str, float]) -> None:
        history.append(row)
        if log is not None:
            log(row)

    if config.eval_at_start and config.eval_episodes:
        record({"update": 0, **evaluate(driver, eval_envs, config.eval_episodes)})
    trajectories: list[Trajectory] = []
    advantages: list[float] = []
    for update in range(1, config.total_updates + 1):
        started = time.perf_counter()
        # 1. rollouts: group_size episodes per problem, identical resets within a group
        seeds = [
            derive_seed("mathgym.grpo.train", config.seed, update, q) % 2**31
            for q in range(config.prompts_per_step)
            for _ in range(config.group_size)
        ]
        driver.sampling = driver.sampling.replace(
            seed=derive_seed("mathgym.grpo.sample", config.seed, update) % 2**31
        )
        trajectories = driver.run(envs, seeds=seeds)
        rollout_s = time.perf_counter() - started
        rewards = (
            [t.total_reward for t in trajectories] if returns is None else list(returns(trajectories, envs))
        )
        # 2. group-relative advantages, shared by every token of the episode
        advantages = group_advantages(rewards, config.group_size, config.scale_rewards)
        samples, sample_adv = [], []
        for trajectory, advantage in zip(trajectories, advantages):
            for turn in trajectory.turns:
                completion = turn.completion
                if completion.token_ids and completion.prompt_token_ids:
                    samples.append((list(completion.prompt_token_ids), list(completion.token_ids)))
                    sample_adv.append(advantage)
        if not samples:
            raise RuntimeError(
                "the policy backend returned no token ids; GRPO needs a local backend (hf or vllm)"
            )
        total_tokens = sum(len(c) for _, c in samples)
        # groups whose rewards differ: only these carry a learning signal
        signal = (
            sum(
                len(set(rewards[g : g + config.group_size])) > 1
                for g in range(0, len(rewards), config.group_size)
            )
            / config.prompts_per_step
        )
        stats = {"loss": 0.0, "kl": 0.0, "clip_frac": 0.0, "skipped": 0.0}
        # without a KL term a zero-advantage sequence has zero loss and gradient: leave it out of the passes
        # (the token and sequence totals that scale the loss still count it, so the gradient is unchanged)
        active = [i for i in range(len(samples)) if sample_adv[i] != 0 or reference is not None]
        if not any(sample_adv):
            stats["skipped"] = 1.0  # no signal: no optimizer step, so weight decay does not act either
            active = []
        chunks = [active[i : i + config.minibatch_size] for i in range(0, len(active), config.minibatch_size)]
        temperature = config.temperature if config.temperature > 0 else 1.0
        # 3. old (and reference) log-probabilities, once, before the first pass; no gradient
        with torch.no_grad():
            old = [token_logprobs(model, [samples[i] for i in c], pad_id, temperature)[0] for c in chunks]
            ref = (
                [token_logprobs(reference, [samples[i] for i in c], pad_id, temperature)[0] for c in chunks]
                if reference is not None
                else None
            )
        # 4. clipped policy-gradient passes (the first at ratio 1)
        model.train()
        for _ in range(config.epochs if chunks else 0):
            optimizer.zero_grad()
            for k, c in enumerate(chunks):
                logp, mask = token_logprobs(model, [samples[i] for i in c], pad_id, temperature)
                adv = torch.tensor([sample_adv[i] for i in c], device=logp.device).unsqueeze(1)
                loss, kl, ratio = grpo_loss(
                    logp,
                    old[k],
                    None if ref is None else ref[k],
                    adv,
                    mask,
                    clip_eps=config.clip_eps,
                    kl_coef=config.kl_coef,
                    token_level=config.token_level_loss,
                    total_tokens=total_tokens,
                    total_sequences=len(samples),
                )
                loss.backward()
                stats["loss"] += loss.item() / config.epochs
                stats["kl"] += float((kl.detach() * mask).sum()) / total_tokens / config.epochs
                stats["clip_frac"] += (
                    float((((ratio.detach() - 1).abs() > config.clip_eps) * mask).sum())
                    / total_tokens
                    / config.epochs
                )
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            optimizer.step()
        model.eval()
        # 5. the generation engine gets the new weights
        if sync is not None:
            sync(model.state_dict().items())
        row = {
            "update": update,
            "reward": sum(rewards) / len(rewards),
            "accuracy": sum(t.correct for t in trajectories) / len(trajectories),
            "signal_groups": signal,
            "tokens_per_episode": sum(t.num_tokens for t in trajectories) / len(trajectories),
            **stats,
            "rollout_s": rollout_s,
            "update_s": time.perf_counter() - started - rollout_s,
        }
        if config.eval_episodes and (
            update == config.total_updates or (config.eval_every and update % config.eval_every == 0)
        ):
            row.update(evaluate(driver, eval_envs, config.eval_episodes))
        record(row)
    for env in envs:
        env.close()
    return GRPOResult(
        history=history,
        model=model,
        tokenizer=tokenizer,
        last_trajectories=trajectories,
        last_advantages=advantages,
    )


def _parse_args(argv: Sequence[str] | None = None) -> GRPOConfig:
    """The config from the command line: one ``--field-name`` per field, its docstring as ``--help``."""
    from mathgym.configs import parse_config

    return parse_config(GRPOConfig, argv, description=__doc__.split("\n")[0])


if __name__ == "__main__":
    cfg = _parse_args()
    print(json.dumps(dataclasses.asdict(cfg)))
    train(cfg, log=lambda row: print(json.dumps(row)))
