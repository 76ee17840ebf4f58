"""The sandbox contract: :class:`Sandbox` (``run``, ``session``, ``close``, ``isolation``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from mathgym.sandbox.result import ExecResult

if TYPE_CHECKING:
    from mathgym.sandbox.session import Session


class Sandbox(ABC):
    """Runs untrusted Python code: ``run(code, *, timeout_s, memory_mb) -> ExecResult``.

    Thread-safe. Use as a context manager or call :meth:`close`; workers are also stopped at
    interpreter exit and when the sandbox is garbage-collected.
    """

    #: backend name ("local", "docker")
    backend: str = ""

    @abstractmethod
    def run(
        self,
        code: str,
        *,
        timeout_s: float | None = None,
        memory_mb: int | None = None,
        stdin: str | bytes | None = None,
    ) -> ExecResult:
        """Run ``code`` as a fresh program (like ``python -c``) in a fresh contained process.

        :param code: Python source.
        :param timeout_s: wall-clock limit; at the limit every process of the snippet gets SIGKILL.
        :param memory_mb: memory the snippet and all its children may use together.
        :param stdin: data on the snippet's standard input (empty when ``None``).
        """

    @abstractmethod
    def session(self, *, timeout_s: float | None = None, memory_mb: int | None = None) -> Session:
        """A persistent Python namespace for the cells of one episode (``with sandbox.session() as s``)."""

    @abstractmethod
    def close(self) -> None:
        """Stop every worker; the sandbox cannot be used afterwards."""

    @property
    @abstractmethod
    def isolation(self) -> str:
        """The isolation level the workers run with (starts one worker if none runs yet)."""

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
