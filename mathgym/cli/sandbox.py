"""``mathgym sandbox …``: build the Docker sandbox image and check what isolation each backend gives.

Mounted in the main CLI with ``app.add_typer(sandbox.app, name="sandbox")``; also runnable on its own
as ``python -m mathgym.cli.sandbox``.
"""

from __future__ import annotations

import typer

from mathgym.sandbox.docker_image import DEFAULT_IMAGE, DEFAULT_MIRROR, DEFAULT_SUITE

app = typer.Typer(
    help="Sandboxed code execution: image build and self-check.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command("build-image")
def build_image_command(
    image: str = typer.Option(DEFAULT_IMAGE, help="image name:tag to build"),
    suite: str = typer.Option(DEFAULT_SUITE, help="Debian release for debootstrap"),
    mirror: str = typer.Option(DEFAULT_MIRROR, help="Debian mirror URL"),
    scientific: bool = typer.Option(True, help="include python3-numpy and python3-sympy"),
    force: bool = typer.Option(False, "--force", help="rebuild even if the image exists"),
) -> None:
    """Build the DockerSandbox image from a debootstrapped Debian root filesystem (needs root)."""
    from mathgym.sandbox.docker_image import build_image

    try:
        build_image(image, suite=suite, mirror=mirror, scientific=scientific, force=force, log=typer.echo)
    except (PermissionError, FileNotFoundError, RuntimeError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def check(
    backend: str = typer.Option("all", help="local, docker or all"),
    image: str = typer.Option(DEFAULT_IMAGE, help="image for the docker backend"),
) -> None:
    """Run a snippet on each backend and print the isolation level in force."""
    from mathgym.sandbox import SandboxError, make_sandbox

    failed = False
    for name in ("local", "docker") if backend == "all" else (backend,):
        kwargs = {"image": image} if name == "docker" else {}
        try:
            with make_sandbox(name, **kwargs) as sandbox:
                result = sandbox.run("import sys; print(sys.version.split()[0])", timeout_s=30)
        except (SandboxError, ValueError) as exc:
            typer.echo(f"{name}: unavailable: {exc}")
            failed = True
            continue
        typer.echo(f"{name}: python {result.stdout.strip()} | {result.isolation}")
        failed |= not result.ok
    if failed:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
