"""The ``mathgym`` command line: list, sample, eval, demo, plus the sub-commands of each area."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mathgym.cli.options import parse_key_values

app = typer.Typer(help="mathgym: reasoning tasks as Gymnasium environments.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
console = Console(width=None if sys.stdout.isatty() else 120)

BASELINE_ENVS = ["mathgym/Arithmetic-v0", "mathgym/LinearEquation-v0", "mathgym/Fractions-v0", "mathgym/MultiStepWord-v0"]


def _env_kwargs(env_arg: list[str] | None, data_dir: Path | None, mode: str | None) -> dict[str, Any]:
    kwargs = parse_key_values(env_arg, "--env-arg")
    if data_dir is not None:
        kwargs["data_dir"] = str(data_dir)
    if mode is not None:
        kwargs["mode"] = mode
    return kwargs


def _make_env(env_id: str, kwargs: dict[str, Any]):  # noqa: ANN202
    import gymnasium as gym

    from mathgym.evaluation import resolve_env_id

    try:
        env_id = resolve_env_id(env_id)
    except KeyError as exc:
        console.print(f"[red]error:[/red] {exc.args[0]}")
        raise typer.Exit(2) from None
    try:
        return env_id, gym.make(env_id, **kwargs)
    except (FileNotFoundError, ValueError, TypeError, ImportError) as exc:
        console.print(f"[red]error:[/red] could not create {env_id}: {exc}")
        raise typer.Exit(2) from None


@app.command("list")
def list_envs(
    multiagent: bool = typer.Option(False, "--multiagent", help="list the PettingZoo multi-agent games instead"),
) -> None:
    """List every registered mathgym environment id with a one-line description."""
    if multiagent:
        from mathgym.envs.multiagent import GAMES

        table = Table("module (mathgym.envs.multiagent.*)", "description")
        for name, description in GAMES.items():
            table.add_row(name, description)
        console.print(table)
        return
    from mathgym.envs.registration import DESCRIPTIONS, mathgym_ids

    table = Table("id", "description")
    for env_id in mathgym_ids():
        table.add_row(env_id, DESCRIPTIONS.get(env_id, ""))
    console.print(table)


@app.command()
def sample(
    env_id: str = typer.Argument(..., help="environment id, e.g. mathgym/Arithmetic-v0"),
    n: int = typer.Option(3, "-n", help="number of problems"),
    seed: int = typer.Option(0, help="seed of the first reset"),
    data_dir: Optional[Path] = typer.Option(None, help="local dataset folder (for dataset envs)"),
    env_arg: Optional[List[str]] = typer.Option(None, help="extra env argument KEY=VALUE (JSON value)"),
) -> None:
    """Print problems with their gold answers and reference solutions."""
    env_id, env = _make_env(env_id, _env_kwargs(env_arg, data_dir, None))
    for i in range(n):
        obs, info = env.reset(seed=seed if i == 0 else None)
        problem = getattr(env.unwrapped, "problem", None)
        console.rule(f"[bold]{info.get('problem_id', i)}")
        console.print(problem.prompt if problem is not None and hasattr(problem, "prompt") else obs, markup=False)
        if problem is not None and hasattr(problem, "answer"):
            console.print(f"[green]gold answer:[/green] {problem.answer}", highlight=False)
            for k, step in enumerate(problem.solution, 1):
                console.print(f"  {k}. {step}", markup=False, highlight=False)
    env.close()


@app.command("eval")
def evaluate(
    env_id: str = typer.Argument(..., help="environment id"),
    agent: str = typer.Option("reference", help="agent name (see agents/); e.g. reference, random"),
    policy: Optional[str] = typer.Option(None, help="LLM policy: vllm:PATH | hf:PATH | openai:URL#MODEL"),
    n: int = typer.Option(20, "-n", help="episodes"),
    seed: int = typer.Option(0, help="seed of the first reset"),
    mode: Optional[str] = typer.Option(None, help="single or step (text envs)"),
    data_dir: Optional[Path] = typer.Option(None, help="local dataset folder (for dataset envs)"),
    env_arg: Optional[List[str]] = typer.Option(None, help="extra env argument KEY=VALUE (JSON value)"),
    out: Path = typer.Option(Path("results/eval"), help="folder for episodes.jsonl and summary.md"),
) -> None:
    """Run episodes of an agent (or an LLM policy) in an env; print a table and write JSONL."""
    from mathgym.agents import make_agent
    from mathgym.evaluation import run_episodes

    kwargs = _env_kwargs(env_arg, data_dir, mode)
    if policy is not None:
        from mathgym.cli.policy import evaluate_policy

        evaluate_policy(env_id, policy, n=n, seed=seed, out=out, env_kwargs=kwargs)
        return
    env_id, env = _make_env(env_id, kwargs)
    try:
        the_agent = make_agent(agent, env=env, seed=seed)
    except KeyError as exc:
        console.print(f"[red]error:[/red] {exc.args[0]}")
        raise typer.Exit(2) from None
    records = run_episodes(env, the_agent, n=n, seed=seed, env_id=env_id, agent_name=agent)
    env.close()
    _report(records, out)


def _report(records: list, out: Path) -> None:  # noqa: ANN001
    from mathgym.evaluation import summarize, write_jsonl, write_markdown_table

    rows = summarize(records)
    write_jsonl(records, out / "episodes.jsonl")
    write_markdown_table(rows, out / "summary.md")
    table = Table("env", "agent", "episodes", "accuracy", "mean reward", "mean steps", "ms/episode")
    for r in rows:
        table.add_row(escape(r["env"].removeprefix("mathgym/")), escape(r["agent"]), str(r["episodes"]), f"{r['accuracy']:.1%}", f"{r['mean_reward']:.3f}",
                      f"{r['mean_steps']:.1f}", f"{r['ms_per_episode']:.2f}")
    console.print(table)
    console.print(f"episodes: {out / 'episodes.jsonl'}\nsummary:  {out / 'summary.md'}")


@app.command()
def demo(
    out: Path = typer.Option(Path("results/demo"), help="output folder (report.md, PNG plots, trained model)"),
    minutes: float = typer.Option(9.0, help="wall-time budget of the whole demo"),
    steps: int = typer.Option(50_000, help="training environment steps"),
    seed: int = typer.Option(0, help="training seed"),
) -> None:
    """The main job on embedded defaults: train PPO on EquationSolve, compare it with the random and
    reference agents on held-out seeds and difficulty levels, write a report with plots."""
    from rich.markdown import Markdown

    from mathgym.agents.demo import run_demo

    report = Path(run_demo(out, minutes=minutes, steps=steps, seed=seed))
    table = report.read_text(encoding="utf-8").split("## Solve rate by level")[-1].split("\n## ")[0]
    console.print(Markdown("## Solve rate by level" + table))
    console.print(f"full report with plots: {report}")


@app.command()
def baselines(
    n: int = typer.Option(50, "-n", help="episodes per env and agent"),
    seed: int = typer.Option(0, help="seed"),
    out: Path = typer.Option(Path("results/baselines"), help="output folder"),
) -> None:
    """Baseline agents (reference, random) over a few text envs in both modes; table printed and written."""
    import gymnasium as gym

    from mathgym.agents import make_agent
    from mathgym.evaluation import run_episodes

    records = []
    for env_id in BASELINE_ENVS:
        for mode in ("single", "step"):
            env = gym.make(env_id, mode=mode)
            for agent_name in ("reference", "random"):
                agent = make_agent(agent_name, env=env, seed=seed)
                records += run_episodes(env, agent, n=n, seed=seed, env_id=f"{env_id} [{mode}]",
                                        agent_name=agent_name)
            env.close()
    _report(records, out)


# --- sub-commands that live with their areas ------------------------------------------------------------
from mathgym.cli import report as _report_cli  # noqa: E402
from mathgym.cli import sandbox as _sandbox_cli  # noqa: E402
from mathgym.cli import sweep as _sweep_cli  # noqa: E402

from mathgym.cli.reward_design import design_reward_command  # noqa: E402
from mathgym.cli.prm import train_prm_command  # noqa: E402
from mathgym.cli.train import train_command  # noqa: E402

app.command("train")(train_command)
app.command("train-prm")(train_prm_command)
app.command("sweep")(_sweep_cli.sweep)
app.command("report")(_report_cli.report)
app.command("design-reward")(design_reward_command)
app.add_typer(_sandbox_cli.app, name="sandbox", help="Build and check the code-execution sandbox.")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
