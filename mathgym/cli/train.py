"""``mathgym train`` (stable-baselines3 training) and the classic-RL demo, as typer commands.

Mount in the main app with::

    from mathgym.cli.train import train_command, rl_demo_command
    app.command("train")(train_command)
"""
from __future__ import annotations

from pathlib import Path

import typer

from mathgym.cli.options import parse_key_values

app = typer.Typer(help="Train classic RL agents on mathgym environments.", add_completion=False)


@app.command("train")
def train_command(
    env_id: str = typer.Argument(..., help="environment id, e.g. mathgym/EquationSolve-v0 (or EquationSolve-v0)"),
    algo: str = typer.Option("ppo", help="ppo | dqn | a2c | maskable_ppo"),
    steps: int = typer.Option(100_000, help="total environment steps"),
    seed: int = typer.Option(0, help="seed of the model and the environments"),
    n_envs: int = typer.Option(8, help="parallel environments (DummyVecEnv)"),
    out: Path = typer.Option(Path("results/train"), help="output folder (model, checkpoints, logs, curve)"),
    eval_freq: int = typer.Option(10_000, help="steps between held-out evaluations (0: none)"),
    eval_episodes: int = typer.Option(50, help="episodes per evaluation"),
    checkpoint_freq: int = typer.Option(50_000, help="steps between checkpoints (0: none)"),
    threads: int = typer.Option(1, help="torch CPU threads (1 is fastest for small MLPs on few cores)"),
    env_arg: list[str] | None = typer.Option(None, help="env keyword KEY=VALUE (JSON value), repeatable"),
    hp: list[str] | None = typer.Option(None, help="algorithm keyword KEY=VALUE (JSON value), repeatable"),
    max_seconds: float | None = typer.Option(None, help="stop training after this wall time"),
    progress: bool = typer.Option(True, help="show a progress bar"),
) -> None:
    """Train a stable-baselines3 agent; prints where the model, logs and learning curve are."""
    from mathgym.agents.sb3_train import ALGORITHMS, TrainConfig, resolve_env_id, train

    if algo not in ALGORITHMS:
        raise typer.BadParameter(f"--algo must be one of {', '.join(ALGORITHMS)}, got {algo!r}")
    try:
        env_id = resolve_env_id(env_id)
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(2) from None
    config = TrainConfig(env_id=env_id, algo=algo, steps=steps, seed=seed, n_envs=n_envs, out_dir=str(out),
                         env_kwargs=parse_key_values(env_arg, "--env-arg"), hyperparams=parse_key_values(hp, "--hp"),
                         eval_freq=eval_freq, eval_episodes=eval_episodes, checkpoint_freq=checkpoint_freq,
                         torch_threads=threads, progress_bar=progress, max_seconds=max_seconds)
    result = train(config)
    last = result.learning_curve[-1] if result.learning_curve else {}
    typer.echo(f"trained {result.timesteps} steps in {result.seconds:.0f} s ({result.steps_per_second:.0f} steps/s)")
    if last:
        typer.echo(f"last held-out evaluation: mean return {last['mean_reward']:.3f}"
                   + (f", success rate {last['success_rate']:.3f}" if "success_rate" in last else ""))
    typer.echo(f"model: {result.model_path}\nlearning curve: {result.out_dir / 'learning_curve.csv'}\n"
               f"logs: {result.out_dir / 'logs'} (CSV + TensorBoard)")


@app.command("rl-demo")
def rl_demo_command(
    out: Path = typer.Option(Path("results/demo"), help="output folder"),
    minutes: float = typer.Option(9.0, help="wall-time budget of the whole demo"),
    steps: int = typer.Option(50_000, help="training steps"),
    seed: int = typer.Option(0, help="training seed"),
) -> None:
    """Train MaskablePPO on EquationSolve, compare it with baselines, write report.md (+ PNGs)."""
    from mathgym.agents.demo import run_demo

    run_demo(out, minutes=minutes, steps=steps, seed=seed)  # prints the report's path
