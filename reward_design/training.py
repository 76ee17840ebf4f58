"""Train an agent on a candidate reward, and judge it by the env's own ground truth.

:func:`train_candidate` trains a stable-baselines3 agent (MaskablePPO where the env has action masks,
else PPO) with the candidate's reward in place of the env's. The env's reward is zeroed by a
:class:`~mathgym.reward_design.transitions.ViewRecorder`, which records each step in reward-view form;
when a rollout is complete, :class:`RolloutRelabeler` sends the whole rollout to the executor (the
sandbox) in one round trip and adds the candidate's rewards to SB3's rollout buffer before returns and
advantages are computed. So the candidate costs one sandbox call per rollout, not per step, and the
value bootstrap SB3 adds at time-limit truncations is kept.

Per rollout ("epoch"), the episodes that ended are tallied: each reward component's episode sum, the
candidate's return, the true success rate and the episode length (the reflection's statistics and the
reward-hacking guard's curves). Fitness is the trained policy's success rate on held-out episodes (reset
seeds no training episode uses), sampled from the policy as it acts in training.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mathgym.reward_design.executor import make_executor
from mathgym.rewards.view import Transition
from mathgym.seeding import derive_seed

#: the stream of held-out evaluation resets, shared by every candidate and baseline
HELDOUT_STREAM = "mathgym.reward_design.heldout"


class CandidateFailed(RuntimeError):
    """The candidate's reward failed during training (error, timeout, non-finite value)."""


@dataclass
class TrainerConfig:
    """How each candidate is trained and evaluated.

    :param budget: environment steps of training.
    :param algo: ``ppo`` or ``maskable_ppo``; ``None`` picks MaskablePPO when the env has action masks.
    :param n_envs: environments stepped together (one rollout = ``n_steps * n_envs`` steps).
    :param eval_episodes: held-out episodes that measure fitness.
    :param hyperparams: SB3 keyword arguments over :data:`mathgym.agents.sb3_train.DEFAULT_HYPERPARAMS`.
    :param torch_threads: torch CPU threads per training process.
    :param model_path: the language model GRPO trains (text envs; a checkpoint directory or hub id).
    :param keep_episodes: held-out episodes of the trained policy kept in reward-view form (they join the
        pre-filter's trajectory pool for later iterations, as CARD judges rewards on trained policies' runs).
    """

    budget: int = 20_000
    algo: str | None = None
    n_envs: int = 4
    eval_episodes: int = 100
    hyperparams: dict[str, Any] = field(default_factory=dict)
    torch_threads: int = 1
    model_path: str = ""
    keep_episodes: int = 16

    def __post_init__(self) -> None:
        if self.budget < 1 or self.n_envs < 1 or self.eval_episodes < 1:
            raise ValueError("budget, n_envs and eval_episodes must be >= 1")


@dataclass
class TrainingOutcome:
    """The result of one training run.

    :param status: ``"ok"`` or ``"failed"`` (the reward broke during training).
    :param reason: why it failed.
    :param fitness: held-out success rate (``None`` when failed).
    :param epochs: per rollout: ``timesteps``, ``episodes``, ``success_rate``, ``episode_length``,
        ``proxy_return`` (the candidate's episode return) and ``components`` (mean episode sum of each).
    :param timesteps: environment steps taken.
    :param seconds: wall time of training and evaluation.
    :param reward_seconds: time spent computing the candidate's rewards (sandbox round trips included).
    :param reward_calls: executor calls (one per rollout).
    :param seed: the training seed.
    :param episodes: some held-out episodes of the trained policy (``Episode.to_dict()`` form).
    """

    status: str
    reason: str = ""
    fitness: float | None = None
    epochs: list[dict[str, Any]] = field(default_factory=list)
    timesteps: int = 0
    seconds: float = 0.0
    reward_seconds: float = 0.0
    reward_calls: int = 0
    seed: int = 0
    episodes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingOutcome:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class EpisodeTally:
    """Running per-environment episode sums, closed into per-epoch statistics."""

    def __init__(self, n_envs: int) -> None:
        self.running: list[dict[str, float]] = [{} for _ in range(n_envs)]
        self.lengths = [0] * n_envs
        self.finished: list[dict[str, Any]] = []

    def add(self, env: int, transition: Transition, total: float, components: dict[str, float]) -> None:
        sums = self.running[env]
        sums["__total__"] = sums.get("__total__", 0.0) + total
        for name, value in components.items():
            sums[name] = sums.get(name, 0.0) + value
        self.lengths[env] += 1
        info = transition.info
        if info["terminated"] or info["truncated"]:
            self.finished.append(
                {"sums": sums, "length": self.lengths[env], "success": bool(info["is_success"])}
            )
            self.running[env], self.lengths[env] = {}, 0

    def close_epoch(self, timesteps: int) -> dict[str, Any]:
        done, self.finished = self.finished, []
        row: dict[str, Any] = {
            "timesteps": timesteps,
            "episodes": len(done),
            "success_rate": None,
            "episode_length": None,
            "proxy_return": None,
            "components": {},
        }
        if done:
            row["success_rate"] = float(np.mean([e["success"] for e in done]))
            row["episode_length"] = float(np.mean([e["length"] for e in done]))
            row["proxy_return"] = float(np.mean([e["sums"].get("__total__", 0.0) for e in done]))
            names = sorted({k for e in done for k in e["sums"] if k != "__total__"})
            row["components"] = {k: float(np.mean([e["sums"].get(k, 0.0) for e in done])) for k in names}
        return row


class RolloutRelabeler:
    """Computes a rollout's rewards with the candidate, in one executor call.

    :param code: the candidate's source.
    :param executor: runs it (the sandbox).
    :param recorders: the training envs' :class:`~mathgym.reward_design.transitions.ViewRecorder`, in
        vector-env order.
    """

    def __init__(self, code: str, executor: Any, recorders: Sequence[Any]) -> None:
        self.code = code
        self.executor = executor
        self.recorders = list(recorders)
        self.tally = EpisodeTally(len(self.recorders))
        self.epochs: list[dict[str, Any]] = []
        self.timesteps = 0

    def __call__(self, n_steps: int, n_envs: int) -> np.ndarray:
        per_env = [recorder.drain() for recorder in self.recorders]
        if len(per_env) != n_envs or any(len(steps) != n_steps for steps in per_env):
            raise RuntimeError(
                f"recorded {[len(s) for s in per_env]} steps, the rollout has {n_steps} x {n_envs}"
            )
        batch = [per_env[k][t] for t in range(n_steps) for k in range(n_envs)]
        result = _checked(
            self.executor.evaluate(self.code, batch),
            f"during training, in the rollout ending at step {self.timesteps + len(batch)}",
        )
        self.timesteps += len(batch)
        for i, transition in enumerate(batch):
            self.tally.add(
                i % n_envs,
                transition,
                float(result.totals[i]),
                {name: float(values[i]) for name, values in result.components.items()},
            )
        self.epochs.append(self.tally.close_epoch(self.timesteps))
        return result.totals.reshape(n_steps, n_envs).astype(np.float32)


def _checked(result: Any, where: str) -> Any:
    """``result`` when the reward ran and gave finite totals; else :class:`CandidateFailed` saying where."""
    if not result.ok:
        raise CandidateFailed(f"{where}: {result.reason}")
    if not np.all(np.isfinite(result.totals)):
        raise CandidateFailed(f"{where}: the reward returned a non-finite value")
    return result


def relabeling_buffer(base: type) -> type:
    """``base`` (an SB3 rollout buffer class) whose rewards are completed by a relabeler before GAE."""

    class RelabelingRolloutBuffer(base):
        def __init__(self, *args: Any, relabel: RolloutRelabeler, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.relabel = relabel

        def compute_returns_and_advantage(self, last_values: Any, dones: np.ndarray) -> None:
            # the env returned 0; what is in the buffer is only SB3's time-limit bootstrap term
            self.rewards += self.relabel(self.buffer_size, self.n_envs)
            super().compute_returns_and_advantage(last_values, dones)

    RelabelingRolloutBuffer.__qualname__ = f"Relabeling{base.__name__}"
    return RelabelingRolloutBuffer


def _recorder(env: Any) -> Any:
    from mathgym.reward_design.transitions import ViewRecorder

    while not isinstance(env, ViewRecorder):
        env = env.env
    return env


def has_action_masks(env_id: str, env_kwargs: dict[str, Any]) -> bool:
    import gymnasium as gym

    env = gym.make(env_id, **env_kwargs)
    try:
        return callable(getattr(env.unwrapped, "action_masks", None))
    finally:
        env.close()


def train_candidate(
    env_id: str,
    env_kwargs: dict[str, Any],
    code: str,
    *,
    seed: int,
    config: TrainerConfig,
    executor: str = "local",
    out_path: str | None = None,
) -> TrainingOutcome:
    """Train with ``code`` as the reward and measure held-out success; never raises for the candidate's faults.

    :param env_id: a Gymnasium id with a reward view.
    :param env_kwargs: keyword arguments of ``gymnasium.make``.
    :param code: the reward's source (it runs only through ``executor``).
    :param seed: seed of the model and the training envs.
    :param config: budget, algorithm, evaluation.
    :param executor: ``"local"``/``"docker"`` (sandboxed) or ``"trusted"`` (the project's own rewards only).
    :param out_path: where to write the outcome as JSON (atomically) when given.
    """
    import torch

    from mathgym.agents.sb3_train import DEFAULT_HYPERPARAMS, algorithm_class, make_vec_env
    from mathgym.reward_design.transitions import ViewRecorder

    torch.set_num_threads(config.torch_threads)
    start = time.perf_counter()
    algo = config.algo or ("maskable_ppo" if has_action_masks(env_id, env_kwargs) else "ppo")
    reward_executor = make_executor(executor)
    venv = make_vec_env(
        env_id,
        config.n_envs,
        derive_seed(seed, "reward_design.train"),
        env_kwargs,
        wrappers=[lambda env: ViewRecorder(env, zero_reward=True)],
    )
    relabel = RolloutRelabeler(code, reward_executor, [_recorder(env) for env in venv.envs])
    cls = algorithm_class(algo)
    base_buffer = _default_buffer(algo)
    hyperparams = {**DEFAULT_HYPERPARAMS[algo], **config.hyperparams}
    outcome = TrainingOutcome(status="ok", seed=seed)
    try:
        model = cls(
            "MlpPolicy",
            venv,
            seed=seed,
            verbose=0,
            rollout_buffer_class=relabeling_buffer(base_buffer),
            rollout_buffer_kwargs={"relabel": relabel},
            **hyperparams,
        )
        model.learn(total_timesteps=config.budget)
        outcome.timesteps = int(model.num_timesteps)
        outcome.fitness, outcome.episodes = evaluate_policy(
            model,
            env_id,
            env_kwargs,
            config.eval_episodes,
            seed=seed,
            masked=algo == "maskable_ppo",
            keep=config.keep_episodes,
        )
    except CandidateFailed as exc:
        outcome.status, outcome.reason = "failed", str(exc)
    finally:
        venv.close()
        reward_executor.close()
    return _finish(outcome, relabel.epochs, start, reward_executor, out_path)


class EpisodeReturns:
    """GRPO's per-episode returns from the candidate reward: one executor call per update.

    Each env (wrapped in a :class:`~mathgym.reward_design.transitions.ViewRecorder`) played one episode in
    the update; its last recorded episode is scored (evaluation episodes recorded in between are dropped).
    """

    def __init__(self, code: str, executor: Any) -> None:
        self.code = code
        self.executor = executor
        self.epochs: list[dict[str, Any]] = []
        self.episodes = 0

    def __call__(self, trajectories: Sequence[Any], envs: Sequence[Any]) -> list[float]:
        episodes = []
        for env in envs:
            recorded = _recorder(env).drain()
            last = max((t.episode for t in recorded), default=-1)
            episodes.append([t for t in recorded if t.episode == last])
        batch = [t for episode in episodes for t in episode]
        result = _checked(
            self.executor.evaluate(self.code, batch), f"during training, in update {len(self.epochs) + 1}"
        )
        tally = EpisodeTally(1)
        returns, start = [], 0
        for episode in episodes:
            stop = start + len(episode)
            returns.append(float(result.totals[start:stop].sum()))
            for i, transition in enumerate(episode, start):
                tally.add(
                    0,
                    transition,
                    float(result.totals[i]),
                    {k: float(v[i]) for k, v in result.components.items()},
                )
            start = stop
        self.episodes += len(episodes)
        self.epochs.append(tally.close_epoch(self.episodes))
        return returns


def train_candidate_grpo(
    env_id: str,
    env_kwargs: dict[str, Any],
    code: str,
    *,
    seed: int,
    config: TrainerConfig,
    executor: str = "local",
    out_path: str | None = None,
) -> TrainingOutcome:
    """GRPO on ``config.model_path`` with ``code`` as the reward (text envs); fitness is the verifier's greedy
    accuracy on GRPO's held-out episodes. ``config.budget`` counts training episodes; ``config.hyperparams``
    are :class:`~mathgym.agents.grpo.GRPOConfig` fields.
    """
    from mathgym.agents.grpo import GRPOConfig, train
    from mathgym.reward_design.transitions import ViewRecorder

    if not config.model_path:
        raise ValueError("the GRPO trainer needs a model: model_path (a checkpoint directory or hub id)")
    grpo = GRPOConfig(
        env_id=env_id,
        env_kwargs=dict(env_kwargs),
        model_path=config.model_path,
        seed=seed,
        eval_episodes=config.eval_episodes,
        eval_at_start=False,
        eval_every=0,
        **config.hyperparams,
    )
    grpo.total_updates = max(1, -(-config.budget // (grpo.prompts_per_step * grpo.group_size)))
    start = time.perf_counter()
    reward_executor = make_executor(executor)
    returns = EpisodeReturns(code, reward_executor)
    outcome = TrainingOutcome(status="ok", seed=seed)
    try:
        history = train(grpo, log=None, env_wrapper=ViewRecorder, returns=returns).history
        outcome.fitness = float(history[-1]["eval_accuracy"])
        outcome.timesteps = returns.episodes
    except CandidateFailed as exc:
        outcome.status, outcome.reason = "failed", str(exc)
    finally:
        reward_executor.close()
    return _finish(outcome, returns.epochs, start, reward_executor, out_path)


def _finish(
    outcome: TrainingOutcome, epochs: list[dict[str, Any]], start: float, executor: Any, out_path: str | None
) -> TrainingOutcome:
    """Complete an outcome with its epochs, timings and reward cost; write it when ``out_path`` is given."""
    outcome.epochs = epochs
    outcome.seconds = time.perf_counter() - start
    outcome.reward_seconds, outcome.reward_calls = executor.seconds, executor.calls
    if out_path is not None:
        write_json_atomic(out_path, outcome.to_dict())
    return outcome


def _default_buffer(algo: str) -> type:
    if algo == "maskable_ppo":
        from sb3_contrib.common.maskable.buffers import MaskableRolloutBuffer

        return MaskableRolloutBuffer
    from stable_baselines3.common.buffers import RolloutBuffer

    return RolloutBuffer


def evaluate_policy(
    model: Any,
    env_id: str,
    env_kwargs: dict[str, Any],
    episodes: int,
    *,
    seed: int,
    masked: bool,
    keep: int = 0,
) -> tuple[float, list[dict[str, Any]]]:
    """Success rate of ``model`` on ``episodes`` held-out episodes (the same resets for every candidate), and
    the first ``keep`` of them in reward-view form (the pre-filter's pool grows with them).

    Actions are sampled from the policy (seeded), as in training: a deterministic argmax would make the
    fitness of a symbolic-regression policy one expression, right or wrong.
    """
    import gymnasium as gym
    import torch

    from mathgym.reward_design.transitions import Episode, ViewRecorder

    torch.manual_seed(derive_seed(HELDOUT_STREAM, "sampling", seed) % 2**63)
    env = ViewRecorder(gym.make(env_id, **env_kwargs))
    successes = 0
    kept: list[dict[str, Any]] = []
    try:
        for i in range(episodes):
            obs, info = env.reset(seed=derive_seed(HELDOUT_STREAM, i) % 2**31)
            done = False
            while not done:
                kwargs = {"action_masks": env.unwrapped.action_masks()} if masked else {}  # type: ignore[attr-defined]
                action, _ = model.predict(obs, deterministic=False, **kwargs)
                obs, _, terminated, truncated, info = env.step(int(action))
                done = terminated or truncated
            success = bool(info.get("is_success", False))
            successes += success
            transitions = env.drain()
            if len(kept) < keep:
                kept.append(Episode(transitions, success, "trained-policy").to_dict())
    finally:
        env.close()
    return successes / episodes, kept


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> None:
    """Write JSON so that a reader (or a crash) never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=_json_default), encoding="utf-8")
    os.replace(tmp, path)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
