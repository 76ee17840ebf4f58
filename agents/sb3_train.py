"""Train stable-baselines3 agents (PPO, DQN, A2C, MaskablePPO) on any mathgym environment with numeric spaces.

The Python API is :func:`train`; ``mathgym train ENV_ID --algo ppo --steps N --seed S`` calls it. A run
writes into ``out_dir``:

* ``model.zip`` — the final model (``checkpoints/`` holds periodic ones, ``best/`` the best evaluated);
* ``logs/progress.csv`` and TensorBoard event files (``tensorboard --logdir out_dir/logs``);
* ``eval/evaluations.npz`` and ``learning_curve.csv`` — held-out evaluations during training
  (timesteps, mean return, success rate, mean episode length);
* ``monitor/`` — per-episode training statistics (SB3's Monitor, with ``is_success``).

Torch uses one thread by default: on small MLPs, two threads were several times slower on this
project's 2-core machines. Training envs are seeded through :func:`mathgym.seeding.derive_seed`, so
neighbouring seeds give unrelated problem streams and the same seed gives the same run.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mathgym.envs.registration import resolve_env_id
from mathgym.seeding import derive_seed

ALGORITHMS = ("ppo", "dqn", "a2c", "maskable_ppo")
#: fewest envs for which "auto" uses a native vector env: its array code pays a fixed cost per step that a
#: handful of envs does not amortise (8 EquationSolve envs step faster one by one)
NATIVE_MIN_ENVS = 32

#: per-algorithm defaults that suit the masked symbolic envs (any can be overridden with ``hyperparams``)
_PPO_DEFAULTS: dict[str, Any] = {
    "n_steps": 128,
    "batch_size": 256,
    "n_epochs": 4,
    "learning_rate": 3e-4,
    "ent_coef": 0.01,
    "policy_kwargs": {"net_arch": [128, 128]},
}
DEFAULT_HYPERPARAMS: dict[str, dict[str, Any]] = {
    "ppo": _PPO_DEFAULTS,
    "maskable_ppo": _PPO_DEFAULTS,  # MaskablePPO is PPO with masked logits: the same settings
    "a2c": {
        "n_steps": 16,
        "learning_rate": 7e-4,
        "ent_coef": 0.01,
        "policy_kwargs": {"net_arch": [128, 128]},
    },
    "dqn": {
        "learning_rate": 5e-4,
        "buffer_size": 100_000,
        "learning_starts": 2_000,
        "batch_size": 128,
        "train_freq": 4,
        "target_update_interval": 2_000,
        "exploration_fraction": 0.3,
        "exploration_final_eps": 0.05,
        "policy_kwargs": {"net_arch": [128, 128]},
    },
}


@dataclass
class TrainConfig:
    """Everything that defines a training run (written to ``out_dir/config.json``)."""

    env_id: str
    """a Gymnasium id (``mathgym/EquationSolve-v0``; ``EquationSolve-v0`` also works)"""
    algo: str = "ppo"
    """``ppo``, ``dqn``, ``a2c`` or ``maskable_ppo`` (uses the env's ``action_masks()``)"""
    steps: int = 100_000
    """total environment steps"""
    seed: int = 0
    """seed of the model, the training envs and the evaluation envs"""
    n_envs: int = 8
    """parallel training envs (in one process: on 2 cores, processes do not pay off)"""
    vectorize: str = "auto"
    """``"auto"`` steps the ``n_envs`` envs in the id's native vector env when it has one (the classic envs:
    array code, one call per step for all envs) and ``n_envs`` is at least :data:`NATIVE_MIN_ENVS`, else in a
    ``DummyVecEnv``; ``"native"`` and ``"dummy"`` force one or the other"""
    out_dir: str = "results/train"
    """output folder"""
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    """keyword arguments of ``gymnasium.make``"""
    hyperparams: dict[str, Any] = field(default_factory=dict)
    """algorithm keyword arguments, over :data:`DEFAULT_HYPERPARAMS`"""
    eval_freq: int = 10_000
    """environment steps between held-out evaluations (0 disables them)"""
    eval_episodes: int = 50
    """episodes per evaluation"""
    checkpoint_freq: int = 50_000
    """environment steps between checkpoints (0 disables them)"""
    torch_threads: int = 1
    """torch CPU threads"""
    progress_bar: bool = True
    """show a progress bar"""
    tensorboard: bool = True
    """also write TensorBoard logs (needs the ``tensorboard`` package)"""
    max_seconds: float | None = None
    """stop training after this wall time (``None``: no limit); the run records it"""
    verbose: int = 0
    """SB3 verbosity"""


@dataclass
class TrainResult:
    """What :func:`train` returns.

    :param model: the trained SB3 model.
    :param model_path: where the final model was saved.
    :param learning_curve: held-out evaluations: dicts with ``timesteps``, ``mean_reward``,
        ``success_rate``, ``mean_length``.
    :param timesteps: environment steps actually taken.
    :param seconds: wall time of ``learn``.
    :param stopped_early: training hit ``max_seconds``.
    """

    model: Any
    model_path: Path
    out_dir: Path
    learning_curve: list[dict[str, float]]
    timesteps: int
    seconds: float
    stopped_early: bool

    @property
    def steps_per_second(self) -> float:
        return self.timesteps / self.seconds if self.seconds else float("nan")


def algorithm_class(algo: str) -> type:
    """The SB3 class of an algorithm name, one of :data:`ALGORITHMS` (spelt as there, like :func:`train`)."""
    if algo == "ppo":
        from stable_baselines3 import PPO as cls  # noqa: N811
    elif algo == "dqn":
        from stable_baselines3 import DQN as cls  # noqa: N811
    elif algo == "a2c":
        from stable_baselines3 import A2C as cls  # noqa: N811
    elif algo == "maskable_ppo":
        from sb3_contrib import MaskablePPO as cls  # noqa: N813
    else:
        raise ValueError(f"unknown algorithm {algo!r}; choose one of {', '.join(ALGORITHMS)}")
    return cls


def make_env_fn(
    env_id: str,
    env_kwargs: dict[str, Any],
    seed: int,
    monitor_dir: str | None = None,
    rank: int = 0,
    wrappers: Sequence[Callable[[Any], Any]] = (),
) -> Callable[[], Any]:
    """A factory of one monitored env whose RNG is seeded with ``derive_seed(seed, rank)``.

    Seeding once at creation (later resets continue the stream) replaces SB3's ``seed + rank``.
    ``wrappers`` are applied in order between ``gymnasium.make`` and the ``Monitor``.
    """

    def make() -> Any:
        import gymnasium as gym
        from stable_baselines3.common.monitor import Monitor

        env = gym.make(env_id, **env_kwargs)
        for wrap in wrappers:
            env = wrap(env)
        filename = str(Path(monitor_dir) / str(rank)) if monitor_dir else None
        env = Monitor(env, filename=filename, info_keywords=("is_success",) if _reports_success(env) else ())
        env.reset(seed=derive_seed(seed, rank))
        env.action_space.seed(derive_seed(seed, rank, "action_space"))
        return env

    return make


def _reports_success(env: Any) -> bool:
    # every mathgym classic env puts is_success into the final info; other envs may not
    return type(env.unwrapped).__module__.startswith("mathgym.")


def make_vec_env(
    env_id: str,
    n_envs: int,
    seed: int,
    env_kwargs: dict[str, Any] | None = None,
    monitor_dir: str | None = None,
    wrappers: Sequence[Callable[[Any], Any]] = (),
) -> Any:
    """``n_envs`` monitored copies of ``env_id`` in a ``DummyVecEnv``, seeded from ``seed`` (``wrappers``: see
    :func:`make_env_fn`)."""
    from stable_baselines3.common.vec_env import DummyVecEnv

    return DummyVecEnv(
        [make_env_fn(env_id, env_kwargs or {}, seed, monitor_dir, rank, wrappers) for rank in range(n_envs)]
    )


def make_training_env(config: TrainConfig, env_id: str, monitor_dir: str | None = None) -> Any:
    """The training ``VecEnv`` of a run: the id's native vector env through
    :class:`~mathgym.agents.sb3_vector.GymnasiumVecEnv` (with a ``VecMonitor``) when ``config.vectorize`` allows
    it and the id has one, else :func:`make_vec_env`.

    :param config: the run's config (``n_envs``, ``seed``, ``env_kwargs``, ``vectorize``).
    :param env_id: the resolved id.
    :param monitor_dir: where episode statistics go.
    """
    if config.vectorize not in ("auto", "native", "dummy"):
        raise ValueError(f"vectorize must be 'auto', 'native' or 'dummy', got {config.vectorize!r}")
    seed = derive_seed(config.seed, "train")
    wanted = config.vectorize == "native" or (config.vectorize == "auto" and config.n_envs >= NATIVE_MIN_ENVS)
    if wanted and "reward" not in config.env_kwargs:
        from mathgym.agents.sb3_vector import has_vector_entry_point, make_sb3_vector_env

        if has_vector_entry_point(env_id):
            from stable_baselines3.common.vec_env import VecMonitor

            try:
                venv = make_sb3_vector_env(env_id, config.n_envs, seed=seed, **config.env_kwargs)
            except (
                TypeError
            ):  # a vector env without autoreset_mode=DISABLED (e.g. CartPole's): step single envs
                venv = None
            if venv is not None:
                filename = str(Path(monitor_dir) / "vector") if monitor_dir else None
                keywords = ("is_success",) if env_id.startswith("mathgym/") else ()
                return VecMonitor(venv, filename=filename, info_keywords=keywords)
    return make_vec_env(env_id, config.n_envs, seed, config.env_kwargs, monitor_dir)


def train(config: TrainConfig | None = None, **kwargs: Any) -> TrainResult:
    """Train an SB3 agent; see :class:`TrainConfig` for the arguments (pass a config or keywords).

    Example::

        result = train(env_id="mathgym/EquationSolve-v0", algo="maskable_ppo", steps=50_000, seed=0)
        print(result.learning_curve[-1]["success_rate"], result.model_path)
    """
    config = config or TrainConfig(**kwargs)
    if config.algo not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {config.algo!r}; choose one of {', '.join(ALGORITHMS)}")
    import torch
    from stable_baselines3.common.callbacks import CallbackList, CheckpointCallback
    from stable_baselines3.common.logger import configure

    torch.set_num_threads(config.torch_threads)
    env_id = resolve_env_id(config.env_id)
    out = Path(config.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps({**asdict(config), "env_id": env_id}, indent=2, default=str))
    (out / "monitor").mkdir(exist_ok=True)

    venv = make_training_env(config, env_id, str(out / "monitor"))
    cls = algorithm_class(config.algo)
    hyperparams = {**DEFAULT_HYPERPARAMS[config.algo], **config.hyperparams}
    model = cls("MlpPolicy", venv, seed=config.seed, verbose=config.verbose, **hyperparams)
    formats = ["csv"] + (["tensorboard"] if config.tensorboard and _has_tensorboard() else [])
    if config.verbose:
        formats.append("stdout")
    model.set_logger(configure(str(out / "logs"), formats))

    callbacks: list[Any] = []
    if config.checkpoint_freq:
        callbacks.append(
            CheckpointCallback(
                save_freq=max(config.checkpoint_freq // config.n_envs, 1),
                save_path=str(out / "checkpoints"),
                name_prefix=config.algo,
            )
        )
    eval_callback = None
    if config.eval_freq:
        eval_env = make_vec_env(env_id, 1, derive_seed(config.seed, "eval"), config.env_kwargs)
        if config.algo == "maskable_ppo":
            from sb3_contrib.common.maskable.callbacks import MaskableEvalCallback as EvalCallback
        else:
            from stable_baselines3.common.callbacks import EvalCallback
        eval_callback = EvalCallback(
            eval_env,
            n_eval_episodes=config.eval_episodes,
            eval_freq=max(config.eval_freq // config.n_envs, 1),
            log_path=str(out / "eval"),
            best_model_save_path=str(out / "best"),
            deterministic=True,
            verbose=0,
        )
        callbacks.append(eval_callback)
    time_limit = _wall_clock_limit(config.max_seconds) if config.max_seconds else None
    if time_limit:
        callbacks.append(time_limit)

    start = time.perf_counter()
    model.learn(
        total_timesteps=config.steps,
        callback=CallbackList(callbacks),
        progress_bar=config.progress_bar and _has_progress_bar(),
    )
    seconds = time.perf_counter() - start
    model_path = out / "model.zip"
    model.save(model_path)
    curve = _learning_curve(out / "eval" / "evaluations.npz")
    _write_curve(curve, out / "learning_curve.csv")
    venv.close()
    return TrainResult(
        model, model_path, out, curve, int(model.num_timesteps), seconds, bool(time_limit and time_limit.hit)
    )


def _wall_clock_limit(seconds: float) -> Any:
    """An SB3 callback that stops training after ``seconds`` of wall time; its ``hit`` says whether it did.

    A function, not a class: the callback's class derives from SB3's ``BaseCallback``, which is imported
    only when training starts. (Not Gymnasium's ``TimeLimit`` wrapper, which truncates episodes by steps.)
    """
    from stable_baselines3.common.callbacks import BaseCallback

    class WallClockLimitCallback(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.deadline = time.perf_counter() + seconds
            self.hit = False

        def _on_training_start(self) -> None:
            self.deadline = time.perf_counter() + seconds

        def _on_step(self) -> bool:
            if time.perf_counter() > self.deadline:
                self.hit = True
                return False
            return True

    return WallClockLimitCallback()


def _has_tensorboard() -> bool:
    import importlib.util

    return importlib.util.find_spec("tensorboard") is not None


def _has_progress_bar() -> bool:
    import importlib.util

    return importlib.util.find_spec("tqdm") is not None and importlib.util.find_spec("rich") is not None


def _learning_curve(path: Path) -> list[dict[str, float]]:
    if not path.exists():
        return []
    data = np.load(path)
    curve = []
    for i, timesteps in enumerate(data["timesteps"]):
        row = {
            "timesteps": int(timesteps),
            "mean_reward": float(np.mean(data["results"][i])),
            "mean_length": float(np.mean(data["ep_lengths"][i])),
        }
        if "successes" in data.files and len(data["successes"]) > i and len(data["successes"][i]):
            row["success_rate"] = float(np.mean(data["successes"][i]))
        curve.append(row)
    return curve


def _write_curve(curve: list[dict[str, float]], path: Path) -> None:
    columns = ["timesteps", "mean_reward", "success_rate", "mean_length"]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in curve:
            writer.writerow(row)


def load_model(path: str | Path, algo: str | None = None) -> Any:
    """Load a saved model; ``algo`` defaults to the one in the run's ``config.json`` next to it."""
    path = Path(path)
    if algo is None:
        config_path = path.parent / "config.json"
        if not config_path.exists():
            raise ValueError(f"no config.json next to {path}: pass algo= ({', '.join(ALGORITHMS)})")
        algo = json.loads(config_path.read_text())["algo"]
    return algorithm_class(algo).load(str(path), device="cpu")
