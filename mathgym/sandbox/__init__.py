"""Sandboxed execution of untrusted Python code (tool calls, LLM-written rewards, code tests).

One contract, two backends::

    from mathgym.sandbox import LocalSandbox
    with LocalSandbox() as sandbox:
        result = sandbox.run("print(sum(range(1000)))", timeout_s=5, memory_mb=256)
        with sandbox.session() as s:          # a persistent namespace for the cells of one episode
            s.run("x = 2")
            s.run("x ** 10").stdout            # '1024\\n'

:class:`LocalSandbox` needs no Docker; :class:`DockerSandbox` runs the same worker inside a hardened
long-lived container. Both report the isolation level in force in every :class:`ExecResult`.
"""

from __future__ import annotations

from typing import Any

from mathgym.sandbox.base import (
    ExecResult,
    Sandbox,
    SandboxError,
    SandboxUnavailable,
    Session,
    WorkerDied,
)
from mathgym.sandbox.local import LocalSandbox

__all__ = [
    "BACKENDS",
    "DockerSandbox",
    "ExecResult",
    "LocalSandbox",
    "Sandbox",
    "SandboxError",
    "SandboxUnavailable",
    "Session",
    "WorkerDied",
    "make_sandbox",
]

BACKENDS = ("local", "docker")


def make_sandbox(backend: str = "local", **kwargs: Any) -> Sandbox:
    """Create a sandbox by backend name (``"local"`` or ``"docker"``); keyword arguments go to its class."""
    if backend == "local":
        return LocalSandbox(**kwargs)
    if backend == "docker":
        from mathgym.sandbox.container import DockerSandbox

        return DockerSandbox(**kwargs)
    raise ValueError(f"unknown sandbox backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def __getattr__(name: str) -> Any:
    if name == "DockerSandbox":  # imports the docker SDK only when asked for
        from mathgym.sandbox.container import DockerSandbox

        return DockerSandbox
    raise AttributeError(f"module 'mathgym.sandbox' has no attribute {name!r}")
