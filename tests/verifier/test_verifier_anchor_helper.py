"""The benchmarks' anchor helper: runs in place when the anchors import, explains itself when it cannot."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import _anchors


def test_returns_in_place_when_everything_imports() -> None:
    assert _anchors.ensure_anchors(["json", "fractions"]) is None


def test_refuses_to_loop_when_the_anchor_venv_still_lacks_a_package(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = "mathgym_no_such_anchor_package"
    assert importlib.util.find_spec(missing) is None
    monkeypatch.setenv("MATHGYM_ANCHORS_REEXEC", "1")
    with pytest.raises(RuntimeError, match="delete that folder"):
        _anchors.ensure_anchors([missing])


def test_knows_both_anchor_packages_and_mathgym_base_dependencies() -> None:
    assert _anchors.ANCHOR_PACKAGES["math_verify"] == "math-verify[antlr4_13_2]"
    assert "reasoning_gym" in _anchors.ANCHOR_PACKAGES
    deps = _anchors._base_dependencies()
    assert any(d.startswith("sympy") for d in deps) and not any(d.startswith("torch") for d in deps)
    assert _anchors.VENV_DIR.name == ".anchors-venv"
