"""``mathgym design-reward ENV_ID``: the reward-design loop from the command line.

Mounted in the main app as ``app.command("design-reward")(design_reward_command)``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from mathgym.cli.options import parse_key_values


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def design_reward_command(
    env_id: str = typer.Argument(..., help="environment id with a reward view, e.g. mathgym/Countdown-v0"),
    proposer: str = typer.Option(
        "evolve", help="evolve | recorded:PATH | vllm:PATH | hf:PATH | openai:URL#MODEL"
    ),
    iterations: int = typer.Option(5, min=1, help="proposal rounds"),
    samples: int = typer.Option(16, min=1, help="candidates per round"),
    budget: int = typer.Option(20_000, min=1, help="environment steps per training run"),
    seeds: int = typer.Option(
        5, min=1, help="seeds of the final comparison (best vs sparse vs hand-written)"
    ),
    workers: int = typer.Option(1, min=1, help="training runs at once"),
    backend: str = typer.Option("local", help="local (process pool) | ray"),
    sandbox: str = typer.Option("local", help="where candidate code runs: local | docker"),
    trainer: str = typer.Option(
        "sb3",
        help="sb3 (PPO / MaskablePPO) | grpo (text envs, needs --model) | "
        "prefilter (no RL: rank recorded episodes)",
    ),
    model: str = typer.Option("", help="language model the grpo trainer trains (checkpoint dir or hub id)"),
    algo: str | None = typer.Option(
        None, help="ppo | maskable_ppo (default: maskable_ppo when the env has masks)"
    ),
    eval_episodes: int = typer.Option(100, min=1, help="held-out episodes per fitness measurement"),
    prefilter: bool = typer.Option(
        True, help="reject candidates that rank recorded failures above successes"
    ),
    prefilter_threshold: float = typer.Option(
        0.75, min=0.0, max=1.0, help="preference accuracy the pre-filter requires"
    ),
    example: bool = typer.Option(True, help="show the env's own reward to the proposer"),
    feedback_file: Path | None = typer.Option(
        None, help="text file of human feedback, re-read every iteration"
    ),
    temperature: float = typer.Option(1.0, min=0.0, help="LLM sampling temperature"),
    max_tokens: int = typer.Option(1024, min=1, help="most tokens per LLM response"),
    seed: int = typer.Option(0, min=0, help="seed of the proposer, the recorded pool and every training run"),
    env_arg: list[str] | None = typer.Option(None, help="env keyword KEY=VALUE (JSON value), repeatable"),
    hp: list[str] | None = typer.Option(None, help="SB3 keyword KEY=VALUE (JSON value), repeatable"),
    out: Path = typer.Option(Path("results/reward_design"), help="run directory (rerun to resume)"),
    progress: bool = typer.Option(True, help="show progress bars"),
) -> None:
    """Let a proposer write reward code, review it in the sandbox, train agents on it, keep the best."""
    from mathgym.envs.registration import resolve_env_id
    from mathgym.reward_design import RewardDesignConfig, design_reward, make_proposer

    try:
        env_id = resolve_env_id(env_id)
    except KeyError as exc:
        _fail(exc.args[0])
    if algo is not None and algo not in ("ppo", "maskable_ppo"):
        _fail(f"--algo must be ppo or maskable_ppo, got {algo!r}")
    if feedback_file is not None and not feedback_file.is_file():
        _fail(f"no feedback file at {feedback_file}")
    try:
        config = RewardDesignConfig(
            env_id=env_id,
            out=str(out),
            proposer=proposer,
            iterations=iterations,
            samples=samples,
            budget=budget,
            seeds=seeds,
            workers=workers,
            backend=backend,
            sandbox=sandbox,
            trainer=trainer,
            model_path=model,
            algo=algo,
            eval_episodes=eval_episodes,
            hyperparams=parse_key_values(hp, "--hp"),
            use_prefilter=prefilter,
            prefilter_threshold=prefilter_threshold,
            include_example=example,
            feedback_file=str(feedback_file) if feedback_file else None,
            temperature=temperature,
            max_tokens=max_tokens,
            seed=seed,
            env_kwargs=parse_key_values(env_arg, "--env-arg"),
            progress=progress,
        )
        make_proposer(proposer, seed=seed).close()  # a bad spec or a missing file fails here, before any work
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    from mathgym.agents.llm.policy import PolicyError
    from mathgym.sandbox import SandboxError

    try:
        result = design_reward(config)
    except (ValueError, FileNotFoundError, PolicyError, SandboxError) as exc:
        _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    summary = result.summary
    best = summary.get("best")
    typer.echo(
        f"{summary['candidates']} candidates, execute rate {summary['execute_rate']:.0%}, "
        f"{summary['rl_runs']} RL runs, {summary['filtered']} stopped by the pre-filter"
    )
    final = summary.get("final") or {}
    for name in ("sparse", "hand", "best"):
        if name in final:
            e = final[name]
            low, high = e["ci"]
            typer.echo(
                f"{name:>7}: success IQM {e['iqm']:.3f} [{low:.3f}, {high:.3f}] over {e['seeds']} seeds"
            )
    if best:
        hns = final.get("hns")
        typer.echo(
            f"best reward: {result.out / best['code_path']} (fitness {best['fitness']:.3f}"
            + (f", HNS {hns:.2f})" if hns is not None else ")")
        )
    else:
        typer.echo("no candidate trained successfully; see the reasons in the report")
    typer.echo(f"report: {result.out / 'report.md'}")
