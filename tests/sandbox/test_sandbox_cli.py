"""``mathgym sandbox …`` commands (the sub-app of mathgym/cli/sandbox.py)."""

from __future__ import annotations

from conftest import SANDBOX_GROUP
from typer.testing import CliRunner

from mathgym.cli.sandbox import app
from mathgym.testing import require

pytestmark = SANDBOX_GROUP


def test_check_reports_the_isolation_level() -> None:
    result = CliRunner().invoke(app, ["check", "--backend", "local"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("local: python 3.") and "local:full" in result.output


def test_build_image_is_idempotent_and_docker_check() -> None:
    require("docker")
    runner = CliRunner()
    built = runner.invoke(app, ["build-image"])  # the image exists (mathgym.testing checked): no rebuild
    assert built.exit_code == 0 and "already exists" in built.output
    checked = runner.invoke(app, ["check", "--backend", "docker"])
    assert checked.exit_code == 0 and "container:full" in checked.output, checked.output
