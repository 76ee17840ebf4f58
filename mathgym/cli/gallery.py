"""``mathgym gallery``: write the environment gallery (``docs/envs.md``) from the registry, or check it."""

from __future__ import annotations

from pathlib import Path

import typer

from mathgym.cli.options import fail


def gallery_command(
    out: Path = typer.Option(Path("docs/envs.md"), help="the Markdown file to write"),
    check: bool = typer.Option(
        False, "--check", help="only say whether OUT is up to date (exit 1 when stale)"
    ),
) -> None:
    """Write every env id's docstring, spaces, reward and a sample problem (gold answer, solution)."""
    from mathgym.gallery import build_gallery

    text = build_gallery()
    if check:
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            fail(f"{out} is stale: run `mathgym gallery --out {out}`", code=1)
        typer.echo(f"{out} is up to date")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out} ({text.count(chr(10) + '### ')} ids)")
