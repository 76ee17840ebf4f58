"""The ``mathgym`` command line: list, sample, eval, demo, gallery, plus the sub-commands of each area.

Conventions every command follows (tested in ``tests/cli``):

* an error is one line, ``error: ...`` on stderr, exit status 2 for a bad command line (1 for a failure
  of the run itself); ``MATHGYM_DEBUG=1`` shows the traceback of an unexpected one (:mod:`.group`);
* every numeric option has a range, checked before any work starts;
* a run writes into a new timestamped folder (``results/<command>/<time>-<what>``, with ``latest`` pointing
  at it), or into ``--out`` when that is empty; it replaces an earlier run only with ``--overwrite``;
* ``--import MODULE`` and the ``mathgym.*`` entry points load user plugins before the command runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mathgym.cli.group import MathgymGroup
from mathgym.cli.options import fail, new_run_dir, parse_key_values

app = typer.Typer(
    cls=MathgymGroup,
    help="mathgym: reasoning tasks as Gymnasium environments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(width=None if sys.stdout.isatty() else 120)

BASELINE_ENVS = [
    "mathgym/Arithmetic-v0",
    "mathgym/LinearEquation-v0",
    "mathgym/Fractions-v0",
    "mathgym/MultiStepWord-v0",
]

#: the agents mathgym registers itself (``--agent`` help; ``tests/cli`` keeps it equal to the registry)
BUILTIN_AGENTS = (
    "reference",
    "random",
    "noisy",
    "equation-solver",
    "masked-random",
    "countdown-solver",
    "target-expression",
    "scripted-prover",
    "best-first-prover",
    "sb3",
    "policy",
)

#: ids registered by plugins in this process (``mathgym list`` shows them after mathgym's own)
PLUGIN_IDS: list[str] = []


def _version() -> str:
    from importlib import metadata

    import mathgym

    try:
        return metadata.version("mathgym")
    except metadata.PackageNotFoundError:  # running from a source tree without an install
        return mathgym.__version__


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"mathgym {_version()}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="print mathgym's version and exit"
    ),
    verbose: bool = typer.Option(
        False,
        "--verbose",
        "-v",
        help="show library logs (vLLM, transformers) and tracebacks of unexpected errors",
    ),
    imports: list[str] | None = typer.Option(
        None,
        "--import",
        metavar="MODULE",
        help="import a module that registers envs, generators, rewards or "
        "agents (repeatable); entry points of the mathgym.* groups "
        "load without it",
    ),
) -> None:
    """mathgym: reasoning tasks as Gymnasium environments."""
    from mathgym.cli.group import DEBUG_ENV

    if verbose:
        os.environ.setdefault(DEBUG_ENV, "1")
    else:
        # vLLM logs ~45 lines while it starts, transformers warns about generation flags: the table is the
        # point of a command, so libraries speak only on errors unless -v is given
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "ERROR")  # torch's C++ warnings (NUMA binding, ...)
        import logging
        import warnings

        logging.getLogger("torch").setLevel(logging.ERROR)  # "Triton not available" on CPU machines
        warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' deprecation notices
    from mathgym.plugins import PluginError, load_plugins

    try:
        PLUGIN_IDS[:] = load_plugins(imports or []).env_ids
    except PluginError as exc:
        fail(str(exc))


def _env_kwargs(env_arg: list[str] | None, data_dir: Path | None, mode: str | None) -> dict[str, Any]:
    kwargs = parse_key_values(env_arg, "--env-arg")
    if data_dir is not None:
        kwargs["data_dir"] = str(data_dir)
    if mode is not None:
        kwargs["mode"] = mode
    return kwargs


def _resolve(env_id: str) -> str:
    from mathgym.envs.registration import resolve_env_id

    try:
        return resolve_env_id(env_id)
    except KeyError as exc:
        fail(exc.args[0])


def _make_env(env_id: str, kwargs: dict[str, Any]):  # noqa: ANN202
    """``(registered id, env)``; a bad id or argument ends the command with one line naming the fix."""
    import gymnasium as gym

    env_id = _resolve(env_id)
    try:
        return env_id, gym.make(env_id, **kwargs)
    except Exception as exc:  # noqa: BLE001  (any constructor error: say which argument, not where it broke)
        fail(explain_make_error(env_id, kwargs, exc))


def explain_make_error(env_id: str, kwargs: dict[str, Any], exc: BaseException) -> str:
    """One line for an env that could not be created: the unknown argument and the accepted ones, or the
    constructor's own message without Gymnasium's restatement of the call.

    :param env_id: the registered id.
    :param kwargs: the arguments given on the command line.
    :param exc: what ``gymnasium.make`` raised.
    """
    import re

    text = str(exc).split(" was raised from the environment creator")[0].strip()
    unexpected = re.search(r"unexpected keyword argument '(\w+)'", text)
    if unexpected:
        accepted = ", ".join(env_arguments(env_id)) or "none"
        return (
            f"{env_id} takes no argument {unexpected[1]!r} (its arguments: {accepted}; see "
            f"`mathgym gallery` or docs/envs.md)"
        )
    given = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    first = text.splitlines()[0] if text else type(exc).__name__
    return f"could not create {env_id}" + (f" with {given}" if given else "") + f": {first}"


def env_arguments(env_id: str) -> list[str]:
    """The keyword arguments an id's constructor names (and, for mathgym's source-backed text envs, its
    source's), for error messages."""
    import inspect

    import gymnasium as gym

    spec = gym.spec(env_id)
    creator = spec.entry_point
    if isinstance(creator, str):
        from gymnasium.envs.registration import load_env_creator

        creator = load_env_creator(creator)  # type: ignore[assignment]
    names: list[str] = []
    try:
        params = inspect.signature(creator).parameters.values()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return names
    takes_more = False
    for p in params:
        if p.kind is p.VAR_KEYWORD:
            takes_more = True
        elif p.kind is not p.VAR_POSITIONAL and p.name != "self":
            names.append(p.name)
    source = (spec.kwargs or {}).get("source")
    if takes_more and isinstance(source, str):
        from mathgym.sources.registry import SOURCES

        factory = SOURCES.get(source.partition(":")[0])
        try:
            names += [
                p.name
                for p in list(inspect.signature(factory).parameters.values())[1:]  # type: ignore[arg-type]
                if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name not in names
            ]
        except (TypeError, ValueError):
            pass
    return names


@app.command("list")
def list_envs(
    multiagent: bool = typer.Option(
        False, "--multiagent", help="list the PettingZoo multi-agent games instead"
    ),
) -> None:
    """List every registered mathgym environment id (and ids your plugins registered) with a description."""
    if multiagent:
        from mathgym.envs.multiagent import GAMES

        table = Table("module (mathgym.envs.multiagent.*)", "description")
        for name, description in GAMES.items():
            table.add_row(name, description)
        console.print(table)
        return
    import gymnasium as gym

    from mathgym.envs.registration import describe, mathgym_ids

    table = Table("id", "description")
    for env_id in mathgym_ids():
        table.add_row(env_id, describe(env_id))
    for env_id in PLUGIN_IDS:
        creator = gym.spec(env_id).entry_point
        table.add_row(
            env_id, f"(plugin) {creator if isinstance(creator, str) else getattr(creator, '__name__', '')}"
        )
    console.print(table)


@app.command()
def sample(
    env_id: str = typer.Argument(..., help="environment id, e.g. mathgym/Arithmetic-v0"),
    n: int = typer.Option(3, "-n", min=1, help="number of problems"),
    seed: int = typer.Option(0, min=0, help="seed of the first reset"),
    data_dir: Path | None = typer.Option(None, help="local dataset folder (for dataset envs)"),
    env_arg: list[str] | None = typer.Option(None, help="extra env argument KEY=VALUE (JSON value)"),
) -> None:
    """Print problems with their gold answers and reference solutions."""
    env_id, env = _make_env(env_id, _env_kwargs(env_arg, data_dir, None))
    for i in range(n):
        obs, info = env.reset(seed=seed if i == 0 else None)
        problem = getattr(env.unwrapped, "problem", None)
        console.rule(f"[bold]{escape(str(info.get('problem_id', i)))}")
        console.print(
            problem.prompt if problem is not None and hasattr(problem, "prompt") else obs, markup=False
        )
        if problem is not None and hasattr(problem, "answer"):
            console.print("[green]gold answer:[/green] " + escape(str(problem.answer)), highlight=False)
            for k, step in enumerate(problem.solution, 1):
                console.print(f"  {k}. {step}", markup=False, highlight=False)
    env.close()


def _agent_help() -> str:
    return f"agent name: {', '.join(BUILTIN_AGENTS)}, or one a plugin registers (arguments: --agent-arg)"


@app.command("eval")
def evaluate(
    env_id: str = typer.Argument(..., help="environment id (any registered id, or module:id)"),
    agent: str = typer.Option("reference", help=_agent_help()),
    agent_arg: list[str] | None = typer.Option(
        None, help="agent argument KEY=VALUE (JSON value), e.g. model=results/train/latest/model.zip for sb3"
    ),
    policy: str | None = typer.Option(
        None,
        help="LLM policy instead of --agent: vllm:PATH | hf:PATH | "
        "openai:URL#MODEL (PATH: a checkpoint folder or hub id)",
    ),
    n: int = typer.Option(20, "-n", min=1, help="problems (episodes per sample)"),
    seed: int = typer.Option(0, min=0, help="seed of the first reset (and of the sampler)"),
    mode: str | None = typer.Option(None, help="single or step (text envs)"),
    max_tokens: int = typer.Option(512, min=1, help="--policy: most new tokens per turn"),
    temperature: float = typer.Option(0.0, min=0.0, help="--policy: sampling temperature (0: greedy)"),
    samples: int = typer.Option(
        1, "--samples", "--n", min=1, help="--policy: sampled answers per problem (needs --temperature > 0)"
    ),
    batch_size: int = typer.Option(64, min=1, help="--policy: episodes generated together"),
    data_dir: Path | None = typer.Option(None, help="local dataset folder (for dataset envs)"),
    env_arg: list[str] | None = typer.Option(None, help="extra env argument KEY=VALUE (JSON value)"),
    out: Path | None = typer.Option(
        None,
        help="folder for episodes.jsonl and summary.md (default: a new results/eval/<time>-<env>-<agent>)",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace the results already in --out"),
    store: Path = typer.Option(Path("results/eval.sqlite"), help="SQLite store the episodes are added to"),
    run_id: str | None = typer.Option(
        None,
        help="store run to add to (default: a new one; reuse an id to "
        "compare agents in one `mathgym report`)",
    ),
    progress: bool = typer.Option(True, help="show a progress bar"),
) -> None:
    """Run episodes of an agent (or an LLM policy) in an env; print a table, write JSONL and store rows."""
    from mathgym.evaluation import run_episodes, write_store

    kwargs = _env_kwargs(env_arg, data_dir, mode)
    policy_flags = {
        "--max-tokens": max_tokens != 512,
        "--temperature": temperature != 0.0,
        "--samples": samples != 1,
        "--batch-size": batch_size != 64,
    }
    if policy is None and any(policy_flags.values()):
        fail(f"{', '.join(k for k, v in policy_flags.items() if v)} only apply to --policy runs")
    if samples > 1 and temperature == 0:
        fail("--samples > 1 with greedy decoding repeats one answer: give --temperature > 0")
    env_id = _resolve(env_id)
    name = policy or agent
    short = env_id.split("/")[-1].removesuffix("-v0")
    if run_id is not None:
        _check_run_free(store, run_id, name, env_id, seed)
    describe = {"command": "eval", "env": env_id, "agent": name, "n": n, "seed": seed, "env_kwargs": kwargs}
    if policy is not None:
        _check_policy_run(env_id, policy, kwargs)
        directory = new_run_dir(
            out,
            root=Path("results/eval"),
            name=f"{short}-{policy.split(':', 1)[0]}",
            overwrite=overwrite,
            describe={**describe, "samples": samples},
        )
        records = _evaluate_policy(
            env_id,
            policy,
            directory,
            n=n,
            seed=seed,
            kwargs=kwargs,
            max_tokens=max_tokens,
            temperature=temperature,
            samples=samples,
            batch_size=batch_size,
        )
    else:
        env_id, env = _make_env(env_id, kwargs)
        from mathgym.agents import make_agent

        try:
            the_agent = make_agent(agent, env=env, seed=seed, **parse_key_values(agent_arg, "--agent-arg"))
        except KeyError as exc:
            fail(exc.args[0])
        except (TypeError, ValueError, FileNotFoundError) as exc:
            fail(f"could not create agent {agent!r}: {str(exc).splitlines()[0]}")
        directory = new_run_dir(
            out, root=Path("results/eval"), name=f"{short}-{agent}", overwrite=overwrite, describe=describe
        )
        records = run_episodes(
            env, the_agent, n=n, seed=seed, env_id=env_id, agent_name=agent, progress=progress
        )
        env.close()
    # a new run per call unless --run-id joins one: named after the run folder, unique in the store
    stamp_id = run_id or _new_run_id(store, f"eval-{directory.name}")
    try:
        write_store(records, store, run_id=stamp_id, config=describe)
    except ValueError as exc:
        fail(str(exc))
    _report(records, directory, samples=samples)
    typer.echo(f"store:    {store} (run {stamp_id}; `mathgym report {store} --run-id {stamp_id}`)")


def _new_run_id(store: Path, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``, ... when the store already has a run of that name."""
    if not store.is_file():
        return base
    from mathgym.store import Store

    with Store(store) as db:
        taken = {run["run_id"] for run in db.runs()}
    run_id, k = base, 1
    while run_id in taken:
        k += 1
        run_id = f"{base}-{k}"
    return run_id


def _check_run_free(store: Path, run_id: str, agent: str, env_id: str, seed: int) -> None:
    """Stop before any work when ``--run-id`` already holds this agent's episodes on this env and seed."""
    if not store.is_file():
        return
    from mathgym.store import Store

    try:
        with Store(store) as db:
            clash = db.rows(run_id, agent=agent, env=env_id, seed=seed)
    except Exception as exc:  # noqa: BLE001  (not a store: say so in one line)
        fail(f"cannot use {store} as a results store: {exc}")
    if clash:
        fail(
            f"run {run_id!r} in {store} already holds {len(clash)} episodes of {agent} on {env_id} with seed "
            f"{seed}; choose another --run-id or --seed (stored results are never replaced)"
        )


def _check_policy_run(env_id: str, policy: str, kwargs: dict[str, Any]) -> None:
    """Check the spec and the env before a (slow) model load, so a typo fails at once in one line."""
    from mathgym.cli.policy import check_policy_spec

    try:
        check_policy_spec(policy)
    except ValueError as exc:
        fail(str(exc))
    import gymnasium as gym

    try:
        gym.make(env_id, **kwargs).close()
    except Exception as exc:  # noqa: BLE001
        fail(explain_make_error(env_id, kwargs, exc))


def _evaluate_policy(
    env_id: str,
    policy: str,
    directory: Path,
    *,
    n: int,
    seed: int,
    kwargs: dict[str, Any],
    max_tokens: int,
    temperature: float,
    samples: int,
    batch_size: int,
) -> list[Any]:
    """``--policy`` runs; backend errors (a model that does not load, a silent server) are one line."""
    from mathgym.agents.llm import Sampling
    from mathgym.agents.llm.policy import PolicyError
    from mathgym.cli.group import debugging
    from mathgym.cli.policy import evaluate_policy

    sampling = Sampling(
        temperature=temperature, max_tokens=max_tokens, seed=seed if temperature > 0 else None
    )
    # vLLM draws a progress bar while it loads weights; quiet unless -v, like its logs
    backend_kwargs = {"use_tqdm_on_load": False} if policy.startswith("vllm:") and not debugging() else {}
    try:
        return evaluate_policy(
            env_id,
            policy,
            n=n,
            seed=seed,
            out=directory,
            env_kwargs=kwargs,
            sampling=sampling,
            samples=samples,
            batch_size=batch_size,
            print_table=False,
            log=lambda line: typer.echo(line),
            policy_kwargs=backend_kwargs,
        )
    except PolicyError as exc:
        fail(str(exc).splitlines()[0])


def _report(records: list, out: Path, *, samples: int = 1) -> None:
    """The one results table of ``eval`` (agents and policies alike), ``summary.md``, ``episodes.jsonl``."""
    from mathgym.evaluation import summarize, write_jsonl, write_markdown_table

    rows = summarize(records)
    write_jsonl(records, out / "episodes.jsonl")
    write_markdown_table(rows, out / "summary.md")
    columns = ["env", "agent", "episodes", "accuracy", "mean reward", "mean steps", "ms/episode"]
    if samples > 1:
        columns.append(f"pass@{samples}")
    table = Table(*columns)
    for r in rows:
        cells = [
            escape(r["env"].removeprefix("mathgym/")),
            escape(r["agent"]),
            str(r["episodes"]),
            f"{r['accuracy']:.1%}",
            f"{r['mean_reward']:.3f}",
            f"{r['mean_steps']:.1f}",
            f"{r['ms_per_episode']:.2f}",
        ]
        if samples > 1:
            cells.append(f"{_pass_at(records, r['env'], r['agent']):.1%}")
        table.add_row(*cells)
    console.print(table)
    typer.echo(f"episodes: {out / 'episodes.jsonl'}\nsummary:  {out / 'summary.md'}")


def _pass_at(records: list, env: str, agent: str) -> float:
    """Share of problems with at least one correct sample."""
    solved: dict[int, bool] = {}
    for r in records:
        if r.env_id == env and r.agent == agent:
            index = r.extra.get("problem_index", r.episode)
            solved[index] = solved.get(index, False) or r.correct
    return sum(solved.values()) / max(1, len(solved))


@app.command()
def demo(
    out: Path | None = typer.Option(
        None,
        help="output folder (default: a new results/demo/<time>; results/demo/latest points at the newest)",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace the results already in --out"),
    steps: int = typer.Option(16_384, min=1024, help="training environment steps per seed"),
    seeds: int = typer.Option(3, min=1, help="training seeds (the runs of the statistics)"),
    episodes: int = typer.Option(50, min=5, help="held-out problems per evaluation level"),
    minutes: float = typer.Option(
        15.0,
        min=1.0,
        help="wall-time cap of the whole demo (training stops early, "
        "and says so, if a slow machine needs it)",
    ),
    progress: bool = typer.Option(True, help="show training progress"),
) -> None:
    """The main job on embedded defaults: train MaskablePPO on EquationSolve (levels 0-1) from several seeds,
    compare it with the random and reference agents on held-out equations of levels 0-4, write a report."""
    from rich.markdown import Markdown

    directory = new_run_dir(
        out,
        root=Path("results/demo"),
        name="EquationSolve",
        overwrite=overwrite,
        describe={"command": "demo", "steps": steps, "seeds": seeds, "episodes": episodes},
    )
    from mathgym.agents.demo import run_demo

    report = Path(
        run_demo(
            directory, steps=steps, seeds=seeds, episodes=episodes, minutes=minutes, progress_bar=progress
        )
    )
    table = report.read_text(encoding="utf-8").split("## Solve rate by level")[-1].split("\n## ")[0]
    console.print(Markdown("## Solve rate by level" + table))
    typer.echo(f"full report with plots: {report}")


@app.command()
def baselines(
    n: int = typer.Option(50, "-n", min=1, help="episodes per env and agent"),
    seed: int = typer.Option(0, min=0, help="seed"),
    out: Path | None = typer.Option(None, help="output folder (default: a new results/baselines/<time>)"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace the results already in --out"),
) -> None:
    """Baseline agents (reference, random) over a few text envs in both modes; table printed and written."""
    import gymnasium as gym

    from mathgym.agents import make_agent
    from mathgym.evaluation import run_episodes

    directory = new_run_dir(
        out,
        root=Path("results/baselines"),
        name="text-envs",
        overwrite=overwrite,
        describe={"command": "baselines", "n": n, "seed": seed},
    )
    records = []
    for env_id in BASELINE_ENVS:
        for mode in ("single", "step"):
            env = gym.make(env_id, mode=mode)
            for agent_name in ("reference", "random"):
                agent = make_agent(agent_name, env=env, seed=seed)
                records += run_episodes(
                    env, agent, n=n, seed=seed, env_id=f"{env_id} [{mode}]", agent_name=agent_name
                )
            env.close()
    _report(records, directory)


# --- sub-commands that live with their areas ------------------------------------------------------------
from mathgym.cli import report as _report_cli  # noqa: E402
from mathgym.cli import sandbox as _sandbox_cli  # noqa: E402
from mathgym.cli import sweep as _sweep_cli  # noqa: E402
from mathgym.cli.gallery import gallery_command  # noqa: E402
from mathgym.cli.prm import train_prm_command  # noqa: E402
from mathgym.cli.reward_design import design_reward_command  # noqa: E402
from mathgym.cli.train import train_command  # noqa: E402

app.command("train")(train_command)
app.command("train-prm")(train_prm_command)
app.command("sweep")(_sweep_cli.sweep)
app.command("report")(_report_cli.report)
app.command("design-reward")(design_reward_command)
app.command("gallery")(gallery_command)
app.add_typer(_sandbox_cli.app, name="sandbox", help="Build and check the code-execution sandbox.")


def main(args: list[str] | None = None) -> None:
    """The ``mathgym`` console script (errors: :class:`~mathgym.cli.group.MathgymGroup`).

    :param args: command-line arguments (default: ``sys.argv[1:]``).
    """
    app(args=args, prog_name="mathgym")
