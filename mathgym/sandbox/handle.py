"""The controller-side end of one sandbox worker: :class:`WorkerHandle` speaks the frame protocol of
:mod:`mathgym.sandbox._worker` over a byte transport its subclasses provide (local process, container)."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from mathgym.sandbox import _worker as proto
from mathgym.sandbox.errors import SandboxError, WorkerDied

#: seconds the controller waits beyond a snippet's timeout before it kills an unresponsive worker
CONTROLLER_GRACE_S = 30.0


class WorkerHandle(ABC):
    """Controller-side end of one worker (a local process or a container).

    Subclasses provide the byte transport (:meth:`_send`, :meth:`_recv`) and :meth:`kill`; this class
    speaks the frame protocol. A handle is used by one caller at a time (the pool hands it out).
    """

    isolation: str = "unknown"
    #: how long to wait for the worker to start and preload its modules
    start_timeout_s: float = 180.0

    def __init__(self) -> None:
        self._fb = proto.FrameBuffer()
        self.alive = True
        self.info: dict[str, Any] = {}
        self.poisoned = False
        self._lock = threading.Lock()

    @abstractmethod
    def _send(self, data: bytes) -> None: ...

    @abstractmethod
    def _recv(self, timeout: float) -> bytes | None:
        """Some bytes; ``b""`` on EOF; ``None`` when nothing arrived within ``timeout`` seconds."""

    @abstractmethod
    def kill(self) -> None:
        """Stop the worker and everything it started, now (SIGKILL / container kill)."""

    def describe(self) -> dict[str, Any]:
        """Identifiers of the worker for diagnostics (pid, container id)."""
        return {}

    def set_memory(self, memory_mb: int) -> None:
        """Adjust limits kept outside the worker before a request with ``memory_mb`` (container cap)."""

    def probe(self) -> bool:
        """Whether an idle worker is still there (its channel has not reached end-of-file)."""
        if not self.alive:
            return False
        try:
            chunk = self._recv(0.0)
        except OSError:
            chunk = b""
        if chunk == b"":
            self.alive = False
        elif chunk:
            self._fb.feed(chunk)
        return self.alive

    def abandon(self) -> None:
        """Forget the worker without stopping it (a forked child must not touch its parent's workers)."""
        self.alive = False

    def close(self, wait_s: float = 10.0) -> None:
        """Ask the worker to exit (it kills its box and removes what it made), then make sure it is gone."""
        if self.alive:
            try:
                self._send(proto.encode_frame({"op": "exit"}))
                deadline = time.monotonic() + wait_s
                while time.monotonic() < deadline:  # until the worker closes its end
                    chunk = self._recv(deadline - time.monotonic())
                    if chunk == b"":
                        break
            except OSError:
                pass
        self.kill()

    def _read_frame(self, timeout: float) -> tuple[dict, list[bytearray]]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                frame = self._fb.next_frame()
            except proto.ProtocolError as exc:
                self._die()
                raise WorkerDied(f"sandbox worker sent a malformed frame: {exc}") from None
            if frame is not None:
                return frame
            left = deadline - time.monotonic()
            if left <= 0:
                self._die()
                raise WorkerDied(f"sandbox worker did not answer within {timeout:.0f} s; it was killed")
            chunk = self._recv(left)
            if chunk is None:
                continue
            if not chunk:
                self._die()
                raise WorkerDied("sandbox worker exited unexpectedly")
            self._fb.feed(chunk)

    def _die(self) -> None:
        self.alive = False
        try:
            self.kill()
        except Exception:  # noqa: BLE001 - best effort while already failing
            pass

    def handshake(self, source: bytes, config: Mapping[str, Any]) -> None:
        """Send the worker source and its configuration; wait until it is ready."""
        self._send(f"{len(source)}\n".encode() + source)
        hello, _ = self._read_frame(60.0)
        if not hello.get("hello"):
            raise WorkerDied(f"unexpected greeting from sandbox worker: {hello}")
        self._send(proto.encode_frame(dict(config)))
        ready, _ = self._read_frame(self.start_timeout_s)
        if not ready.get("ready"):
            self._die()
            raise SandboxError(f"sandbox worker failed to start: {ready.get('error')}")
        self.info = ready
        self.isolation = str(ready.get("isolation", "unknown"))
        if ready.get("poisoned"):
            self._die()
            raise SandboxError(f"sandbox worker cannot run snippets: {ready['poisoned']}")

    def request(
        self, header: Mapping[str, Any], parts: Sequence[bytes] = (), *, timeout: float
    ) -> tuple[dict, list[bytearray]]:
        """Send one request and return the reply; raises :class:`WorkerDied` (worker killed) on failure."""
        with self._lock:
            if not self.alive:
                raise WorkerDied("sandbox worker is not running")
            try:
                self._send(proto.encode_frame(dict(header), list(parts)))
            except OSError as exc:
                self._die()
                raise WorkerDied(f"cannot reach sandbox worker: {exc}") from None
            reply, out = self._read_frame(timeout)
            if reply.get("poisoned"):
                self.poisoned = True
            return reply, out
