"""`pip install .` builds a wheel with the mapped packages and the Gymnasium registration hook."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_wheel_maps_top_level_folders_under_mathgym(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO_ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("mathgym-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in (
        "mathgym/__init__.py",
        "mathgym/envs/__init__.py",
        "mathgym/envs/math/env.py",
        "mathgym/envs/classic/equation_solve/engine.py",
        "mathgym/agents/__init__.py",
        "mathgym/reward_design/__init__.py",
        "mathgym-gymnasium.pth",
    ):
        assert module in names, module
    assert not any(n.startswith(("envs/", "agents/", "reward_design/", "tests/")) for n in names)
    # PEP 561 marker and the license text travel with the wheel
    assert "mathgym/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), sorted(
        n for n in names if "dist-info" in n
    )


def test_every_package_folder_is_installed() -> None:
    """A sub-folder without __init__.py would be silently left out of the wheel."""
    for root in ("mathgym", "envs", "agents", "reward_design"):
        for folder in (REPO_ROOT / root).rglob("*"):
            if folder.is_dir() and any(folder.glob("*.py")) and "__pycache__" not in folder.parts:
                assert (folder / "__init__.py").exists(), f"{folder} has modules but no __init__.py"
