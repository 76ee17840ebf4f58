"""Run a benchmark next to its anchor packages without making them mathgym dependencies.

The anchors (math-verify, reasoning-gym) are only needed to compare against. When one is not importable,
:func:`ensure_anchors` creates ``benchmarks/.anchors-venv`` (git-ignored), installs mathgym into it
(editable, ``--no-deps`` plus its light base dependencies) and the anchor packages, then re-executes the
calling script with that venv's python. So ``python benchmarks/verifier.py`` works on a fresh machine.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import venv
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
#: where the anchors venv lives (MATHGYM_ANCHORS_VENV overrides it, e.g. for a CI cache)
VENV_DIR = Path(os.environ.get("MATHGYM_ANCHORS_VENV", Path(__file__).resolve().parent / ".anchors-venv"))

#: import name -> pip requirement
ANCHOR_PACKAGES: dict[str, str] = {
    "math_verify": "math-verify[antlr4_13_2]",
    "reasoning_gym": "reasoning-gym",
}
#: mathgym's light base dependencies (the ``[project].dependencies`` of pyproject.toml).
_FALLBACK_BASE_DEPS = [
    "gymnasium>=1.0",
    "numpy>=1.24",
    "sympy>=1.12",
    "typer>=0.12",
    "rich>=13",
    "tqdm>=4.66",
]
_REEXEC_FLAG = "MATHGYM_ANCHORS_REEXEC"


def _base_dependencies() -> list[str]:
    """Read mathgym's base dependencies from pyproject.toml (falls back to a copy when unreadable)."""
    try:
        import tomllib

        with open(REPO_ROOT / "pyproject.toml", "rb") as handle:
            return list(tomllib.load(handle)["project"]["dependencies"])
    except Exception:  # noqa: BLE001  (no readable pyproject: the pinned fallback)
        return list(_FALLBACK_BASE_DEPS)


def _missing(import_names: Sequence[str]) -> list[str]:
    return [name for name in import_names if importlib.util.find_spec(name) is None]


def _venv_python() -> Path:
    return VENV_DIR / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _install(import_names: Sequence[str]) -> None:
    python = _venv_python()
    if not python.exists():
        print(f"[anchors] creating {VENV_DIR}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV_DIR)
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    print("[anchors] installing mathgym (editable, --no-deps) and its light dependencies", file=sys.stderr)
    subprocess.run(pip + ["--no-deps", "-e", str(REPO_ROOT)], check=True)
    subprocess.run(pip + _base_dependencies(), check=True)
    requirements = [ANCHOR_PACKAGES.get(name, name) for name in import_names]
    print(f"[anchors] installing {' '.join(requirements)}", file=sys.stderr)
    subprocess.run(pip + requirements, check=True)


def ensure_anchors(import_names: Sequence[str] = tuple(ANCHOR_PACKAGES)) -> None:
    """Make sure the anchor packages import; otherwise install them in the anchors venv and re-exec.

    Returns normally when every package in ``import_names`` imports in the running interpreter.
    Otherwise it never returns: it replaces the current process with the anchors venv's python running
    the same script and arguments.

    :param import_names: import names of the anchors the calling script needs (keys of
        :data:`ANCHOR_PACKAGES`, or any importable name that is also its pip name).
    :raises RuntimeError: when already re-executed in the anchors venv and a package is still missing.
    """
    missing = _missing(import_names)
    if not missing:
        return
    if os.environ.get(_REEXEC_FLAG) == "1":
        raise RuntimeError(
            f"anchor packages {missing} are still missing in {VENV_DIR}; delete that folder and rerun, "
            "or install them by hand: pip install " + " ".join(ANCHOR_PACKAGES.get(m, m) for m in missing)
        )
    python = _venv_python()
    needs_install = (
        not python.exists()
        or subprocess.run(
            [
                str(python),
                "-c",
                "import importlib.util,sys; sys.exit(any(importlib.util.find_spec(n) is None "
                f"for n in {list(import_names)!r}) or importlib.util.find_spec('mathgym') is None)",
            ],
            capture_output=True,
        ).returncode
        != 0
    )
    if needs_install:
        # install every known anchor at once so that the other benchmarks reuse the same venv
        _install(sorted(set(import_names) | set(ANCHOR_PACKAGES)))
    env = dict(os.environ, **{_REEXEC_FLAG: "1"})
    script = os.path.abspath(sys.argv[0])
    print(f"[anchors] re-running {os.path.relpath(script)} with {python}", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(str(python), [str(python), script, *sys.argv[1:]], env)
