"""Run mypy over mathgym as it installs: envs/, agents/ and reward_design/ become mathgym.envs, ….

setup.py maps those top-level folders into the mathgym package (its ROOTS), and an editable install
serves them through an import hook that mypy cannot follow. So this script builds that layout as a
tree of symlinks under build/typecheck, runs ``mypy -p mathgym`` there with pyproject.toml's
[tool.mypy], and prints mypy's messages with the repository's paths (``envs/…``, not
``mathgym/envs/…``). Exit status is mypy's. Extra arguments go to mypy.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TREE = REPO / "build" / "typecheck"


def package_roots() -> dict[str, str]:
    """setup.py's ROOTS (package name -> folder), read without running setup.py."""
    for node in ast.parse((REPO / "setup.py").read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "ROOTS" for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit("setup.py defines no ROOTS")


def build_tree(roots: dict[str, str]) -> None:
    shutil.rmtree(TREE, ignore_errors=True)
    top = TREE / "mathgym"
    top.mkdir(parents=True)
    for entry in (REPO / roots["mathgym"]).iterdir():
        if entry.name != "__pycache__":
            (top / entry.name).symlink_to(entry)
    for name, folder in roots.items():
        if name != "mathgym":
            (TREE / name.replace(".", "/")).symlink_to(REPO / folder)


def main(argv: list[str]) -> int:
    roots = package_roots()
    build_tree(roots)
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        str(REPO / "pyproject.toml"),
        "--cache-dir",
        str(REPO / ".mypy_cache"),
        "-p",
        "mathgym",
        *argv,
    ]
    result = subprocess.run(command, cwd=TREE, capture_output=True, text=True)
    prefixes = sorted(
        ((name.replace(".", "/") + "/", folder + "/") for name, folder in roots.items()),
        key=lambda pair: -len(pair[0]),
    )
    for line in (result.stdout + result.stderr).splitlines():
        for installed, source in prefixes:
            if line.startswith(installed):
                line = source + line[len(installed) :]
                break
        print(line)
    return result.returncode


if __name__ == "__main__":
    os.environ.setdefault("MYPY_FORCE_COLOR", "0")
    sys.exit(main(sys.argv[1:]))
