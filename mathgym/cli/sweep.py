"""``mathgym sweep``: run (or resume) a robustness sweep into an SQLite store.

Mount in the main app with ``app.command("sweep")(mathgym.cli.sweep.sweep)``; standalone:
``python -m mathgym.cli.sweep --help``.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Run agents over dynamic variant families and store one row per episode.",
)


def _agent_kwargs(items: list[str] | None) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for item in items or []:
        agent, sep, rest = item.partition(":")
        key, eq, value = rest.partition("=")
        if not sep or not eq:
            raise typer.BadParameter(f"--agent-arg wants AGENT:KEY=VALUE, got {item!r}")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        out.setdefault(agent, {})[key] = parsed
    return out


def sweep(
    agent: list[str] | None = typer.Option(
        None, "--agent", "-a", help="agent name (repeatable); default: reference, noisy, random"
    ),
    families: list[str] | None = typer.Option(
        None,
        "--families",
        "-f",
        help="family spec (repeatable): "
        "gsm-symbolic/p2, dyn, dyn:10, topic:algebra, a family id; "
        "default gsm-symbolic/p2",
    ),
    variants: int = typer.Option(10, "--variants", "-n", min=1, help="variants 0..n-1 per family"),
    seed: list[int] | None = typer.Option(None, "--seed", min=0, help="episode seed (repeatable); default 0"),
    perturbation: list[str] | None = typer.Option(
        None,
        "--perturbation",
        "-p",
        help="perturbation chain "
        "(repeatable): noop, rename, units, reorder, reword, "
        "relevant_clause, scenario, resample, and tasks answerable, "
        "outcome, process; chain with '+', e.g. noop+outcome",
    ),
    mode: str = typer.Option("single", help="single or step"),
    difficulty: int | None = typer.Option(None, min=1, max=3, help="difficulty of program families (1-3)"),
    agent_arg: list[str] | None = typer.Option(None, help="agent argument AGENT:KEY=VALUE (JSON value)"),
    store: Path = typer.Option(Path("results/sweep.sqlite"), help="SQLite store (resumes if the run exists)"),
    backend: str = typer.Option("process", help="process (local pool), ray, or serial"),
    workers: int | None = typer.Option(None, min=1, help="worker processes / Ray CPUs (default: CPU count)"),
    data_dir: Path | None = typer.Option(
        None, help="data folder holding gsm_symbolic/ (default $MATHGYM_DATA_DIR)"
    ),
    export: Path | None = typer.Option(None, help="also export the run to this .parquet/.csv/.jsonl file"),
    max_families: int | None = typer.Option(None, min=1, help="keep the first N families of each spec"),
    progress: bool = typer.Option(True, help="show a progress bar"),
    throttle: float = typer.Option(0.0, min=0.0, hidden=True, help="seconds to sleep after each episode"),
) -> None:
    """Run agents x families x variants x seeds; killed and restarted with the same arguments, it resumes."""
    from mathgym.store import Store
    from mathgym.sweep import SweepSpec, run_sweep

    spec = SweepSpec(
        agents=agent or ["reference", "noisy", "random"],
        families=families or ["gsm-symbolic/p2"],
        n_variants=variants,
        seeds=seed or [0],
        perturbations=perturbation or [],
        mode=mode,
        difficulty=difficulty,
        agent_kwargs=_agent_kwargs(agent_arg),
        max_families=max_families,
    )
    try:
        result = run_sweep(
            spec,
            store,
            backend=backend,
            workers=workers,
            data_dir=data_dir,
            progress=progress,
            throttle=throttle,
        )
    except (KeyError, ValueError, FileNotFoundError, ImportError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"run {result.run_id}: {result.done_before + result.added}/{result.total} episodes in {store} "
        f"({result.added} new, {result.done_before} resumed, {result.errors} errors, {result.seconds:.1f} s)"
    )
    if export is not None:
        with Store(store) as db:
            typer.echo(f"exported to {db.export(export, run_id=result.run_id)}")


app.command()(sweep)

if __name__ == "__main__":
    app()
