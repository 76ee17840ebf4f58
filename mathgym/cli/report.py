"""``mathgym report STORE|DIR``: robustness report (Markdown + HTML + PNG plots) of a sweep store, or the
report of a reward-design run directory.

Mount in the main app with ``app.command("report")(mathgym.cli.report.report)``; standalone:
``python -m mathgym.cli.report --help``.
"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, help="Write a robustness report.")


def check_store_file(path: Path) -> str | None:
    """Why ``path`` is not a mathgym results store (``None`` when it is one), read without writing to it.

    :param path: the file given to ``mathgym report``.
    """
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        return f"{path} is not a mathgym results store: not an SQLite database ({exc})"
    if not {"runs", "episodes"} <= tables:
        return (
            f"{path} is an SQLite database but not a mathgym results store (no runs/episodes tables); "
            "`mathgym sweep` and `mathgym eval` write stores"
        )
    return None


def report(
    store: Path = typer.Argument(
        ...,
        help="SQLite store written by `mathgym sweep` or `mathgym eval`, or a "
        "run "
        "directory of `mathgym design-reward`",
    ),
    out: Path | None = typer.Option(None, help="output folder (default: <store folder>/report-<run id>)"),
    run_id: str | None = typer.Option(None, help="run to report (default: the latest)"),
    reps: int = typer.Option(1000, min=100, help="bootstrap replicates per confidence interval"),
    plots: bool = typer.Option(True, help="draw PNG plots (matplotlib)"),
) -> None:
    """Accuracy distributions, average vs worst case, perturbation drops, MathCheck and DIA metrics (a sweep
    store); accuracy by agent, level and seed (an eval store); fitness per iteration and the final comparison
    (a reward-design run)."""
    if store.is_dir():
        from mathgym.reward_design.report import write_report as write_design_report

        try:
            typer.echo(f"report: {write_design_report(store, plots=plots)}")
        except FileNotFoundError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        return
    from mathgym.report import write_report

    if not store.is_file():
        typer.echo(
            f"error: no store at {store} (run `mathgym sweep --store {store}` or `mathgym eval` first)",
            err=True,
        )
        raise typer.Exit(2)
    problem = check_store_file(store)
    if problem:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)
    try:
        paths = write_report(store, out, run_id=run_id, reps=reps, plots=plots)
    except (KeyError, ValueError) as exc:
        typer.echo(f"error: {exc.args[0] if exc.args else exc}", err=True)
        raise typer.Exit(2) from None
    for kind, path in paths.items():
        typer.echo(f"{kind:>22}: {path}")


app.command()(report)

if __name__ == "__main__":
    app()
