"""``mathgym train``: stable-baselines3 training from the command line.

Mounted in the main app with ``app.command("train")(train_command)``; ``app`` here runs it on its own.
"""

from __future__ import annotations

from pathlib import Path

import typer
from gymnasium import spaces as _spaces

from mathgym.cli.options import fail, new_run_dir, parse_key_values

#: the space types stable-baselines3 policies accept
_SB3_SPACES = (_spaces.Box, _spaces.Discrete, _spaces.MultiDiscrete, _spaces.MultiBinary, _spaces.Dict)

app = typer.Typer(help="Train classic RL agents on mathgym environments.", add_completion=False)


@app.callback()
def _group() -> None:
    """Keeps ``train`` a sub-command of this app (a one-command Typer app takes its arguments directly)."""


@app.command("train")
def train_command(
    env_id: str = typer.Argument(
        ...,
        help="environment id, e.g. mathgym/EquationSolve-v0 (or EquationSolve-v0); "
        "numeric spaces only (text envs train with GRPO, see docs)",
    ),
    algo: str = typer.Option("ppo", help="ppo | dqn | a2c | maskable_ppo"),
    steps: int = typer.Option(100_000, min=1, help="total environment steps"),
    seed: int = typer.Option(0, min=0, help="seed of the model and the environments"),
    n_envs: int = typer.Option(8, min=1, help="parallel environments (DummyVecEnv)"),
    out: Path | None = typer.Option(
        None,
        help="output folder (model, checkpoints, logs, curve; default: a new "
        "results/train/<time>-<env>-<algo>)",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace the results already in --out"),
    eval_freq: int = typer.Option(10_000, min=0, help="steps between held-out evaluations (0: none)"),
    eval_episodes: int = typer.Option(50, min=1, help="episodes per evaluation"),
    checkpoint_freq: int = typer.Option(50_000, min=0, help="steps between checkpoints (0: none)"),
    threads: int = typer.Option(
        1, min=1, help="torch CPU threads (1 is fastest for small MLPs on few cores)"
    ),
    env_arg: list[str] | None = typer.Option(None, help="env keyword KEY=VALUE (JSON value), repeatable"),
    hp: list[str] | None = typer.Option(None, help="algorithm keyword KEY=VALUE (JSON value), repeatable"),
    max_seconds: float | None = typer.Option(None, min=1.0, help="stop training after this wall time"),
    progress: bool = typer.Option(True, help="show a progress bar"),
) -> None:
    """Train a stable-baselines3 agent; prints where the model, logs and learning curve are."""
    import gymnasium as gym

    from mathgym.agents.sb3_train import ALGORITHMS, TrainConfig, train
    from mathgym.envs.registration import resolve_env_id

    if algo not in ALGORITHMS:
        fail(f"--algo must be one of {', '.join(ALGORITHMS)}, got {algo!r}")
    try:
        env_id = resolve_env_id(env_id)
    except KeyError as exc:
        fail(exc.args[0])
    env_kwargs = parse_key_values(env_arg, "--env-arg")
    try:
        probe = gym.make(env_id, **env_kwargs)
    except Exception as exc:  # noqa: BLE001  (a bad --env-arg: one line before any training)
        from mathgym.cli import explain_make_error

        fail(explain_make_error(env_id, env_kwargs, exc))
    spaces = (probe.observation_space, probe.action_space)
    probe.close()
    if not all(isinstance(space, _SB3_SPACES) for space in spaces):
        fail(
            f"{env_id} has {type(spaces[0]).__name__} observations and {type(spaces[1]).__name__} actions; "
            "stable-baselines3 trains Box/Discrete/MultiDiscrete/MultiBinary spaces (e.g. EquationSolve-v0, "
            "Countdown-v0, SymbolicRegression-Nguyen1-v0). Text envs train with GRPO (mathgym.agents.grpo)"
        )
    if algo == "maskable_ppo" and not hasattr(probe.unwrapped, "action_masks"):
        fail(f"{env_id} has no action_masks(): use --algo ppo, dqn or a2c")
    short = env_id.split("/")[-1].removesuffix("-v0")
    directory = new_run_dir(
        out,
        root=Path("results/train"),
        name=f"{short}-{algo}",
        overwrite=overwrite,
        describe={"command": "train", "env": env_id, "algo": algo, "steps": steps, "seed": seed},
    )
    config = TrainConfig(
        env_id=env_id,
        algo=algo,
        steps=steps,
        seed=seed,
        n_envs=n_envs,
        out_dir=str(directory),
        env_kwargs=env_kwargs,
        hyperparams=parse_key_values(hp, "--hp"),
        eval_freq=eval_freq,
        eval_episodes=eval_episodes,
        checkpoint_freq=checkpoint_freq,
        torch_threads=threads,
        progress_bar=progress,
        max_seconds=max_seconds,
    )
    try:
        result = train(config)
    except (TypeError, ValueError) as exc:  # e.g. an --hp the algorithm does not take
        fail(f"training did not start: {str(exc).splitlines()[0]}")
    # SB3 collects whole rollouts, so the step count can pass --steps by up to one rollout
    typer.echo(
        f"trained {result.timesteps:,} steps in {result.seconds:.0f} s ({result.steps_per_second:.0f} steps/s"
        f"{', stopped by --max-seconds' if result.stopped_early else ''})"
    )
    last = result.learning_curve[-1] if result.learning_curve else {}
    if last:
        typer.echo(
            f"last held-out evaluation (step {last['timesteps']:,}): mean return {last['mean_reward']:.3f}"
            + (f", success rate {last['success_rate']:.3f}" if "success_rate" in last else "")
        )
    else:
        typer.echo("no held-out evaluation ran (--eval-freq 0 or fewer steps than --eval-freq)")
    typer.echo(
        f"model: {result.model_path}\nlearning curve: {result.out_dir / 'learning_curve.csv'}\n"
        f"logs: {result.out_dir / 'logs'} (CSV + TensorBoard)"
    )
