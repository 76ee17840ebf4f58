"""The sandbox contract and what both backends share, re-exported from one place.

Both backends (:class:`~mathgym.sandbox.LocalSandbox`, :class:`~mathgym.sandbox.DockerSandbox`) are a
pool of worker processes speaking the protocol of :mod:`mathgym.sandbox._worker`. The parts live in
modules of their own:

- :mod:`mathgym.sandbox.errors`: :class:`SandboxError`, :class:`SandboxUnavailable`, :class:`WorkerDied`;
- :mod:`mathgym.sandbox.result`: the result record :class:`ExecResult`;
- :mod:`mathgym.sandbox.handle`: :class:`WorkerHandle`, the controller's end of one worker;
- :mod:`mathgym.sandbox.contract`: the :class:`Sandbox` contract;
- :mod:`mathgym.sandbox.session`: :class:`Session`, cells sharing one namespace;
- :mod:`mathgym.sandbox.pooled`: :class:`PooledSandbox`, the pooled ``run``/``session`` logic.
"""

from __future__ import annotations

from mathgym.sandbox.contract import Sandbox
from mathgym.sandbox.errors import SandboxError, SandboxUnavailable, WorkerDied
from mathgym.sandbox.handle import CONTROLLER_GRACE_S, WorkerHandle
from mathgym.sandbox.pooled import WARMUP_CODE, PooledSandbox, imports_only_stdlib
from mathgym.sandbox.result import ExecResult, failure_result, result_from_reply
from mathgym.sandbox.session import Session

__all__ = [
    "CONTROLLER_GRACE_S",
    "WARMUP_CODE",
    "ExecResult",
    "PooledSandbox",
    "Sandbox",
    "SandboxError",
    "SandboxUnavailable",
    "Session",
    "WorkerDied",
    "WorkerHandle",
    "failure_result",
    "imports_only_stdlib",
    "result_from_reply",
]
