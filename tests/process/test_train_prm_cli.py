"""``mathgym train-prm`` trains, writes a checkpoint that loads back, and reports held-out F1."""

from __future__ import annotations

from typer.testing import CliRunner

from mathgym.cli import app
from mathgym.process.prm import TokenClassificationPRM, make_prm


def test_train_prm_command_writes_a_loadable_checkpoint(tmp_path):
    out = tmp_path / "prm"
    result = CliRunner().invoke(
        app,
        [
            "train-prm",
            "--out",
            str(out),
            "--generators",
            "Arithmetic",
            "--items",
            "8",
            "--steps",
            "3",
            "--batch-size",
            "4",
            "--hidden",
            "32",
            "--layers",
            "1",
            "--heads",
            "2",
            "--eval-items",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "M-parameter PRM" in result.output and "ProcessBench F1" in result.output
    assert isinstance(make_prm(str(out), cache=False), TokenClassificationPRM)


def test_the_implicit_objective_needs_a_policy(tmp_path):
    result = CliRunner().invoke(app, ["train-prm", "--objective", "implicit", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "--policy" in result.output
