"""What running a snippet or a session cell reports: :class:`ExecResult`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ExecResult:
    """What running one snippet (or one session cell) produced.

    :param stdout: captured standard output (UTF-8, undecodable bytes replaced); capped, see ``truncated``.
    :param stderr: captured standard error, including the traceback of an uncaught exception.
    :param exit_code: the process's exit status; ``-N`` when killed by signal N; ``None`` on timeout.
    :param timed_out: the wall-clock limit was reached and the snippet's processes were SIGKILLed.
    :param error: one line saying what went wrong (the exception's last traceback line, ``Timeout
        Error: …``, ``MemoryError: memory limit exceeded …``, ``killed by signal …``), or ``None``.
    :param duration_s: wall-clock seconds from handing the code to the box until it finished.
    :param truncated: stdout or stderr exceeded the cap; the middle was cut out (head and tail kept).
    :param isolation: the isolation level in force, e.g. ``"local:full (…)"`` or ``"local:weak (…)"``.
    """

    stdout: str
    stderr: str
    exit_code: int | None
    timed_out: bool
    error: str | None
    duration_s: float
    truncated: bool
    isolation: str

    @property
    def ok(self) -> bool:
        """The snippet ran to the end without an error."""
        return self.exit_code == 0 and not self.timed_out and self.error is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def failure_result(error: str, isolation: str, duration_s: float = 0.0) -> ExecResult:
    """An :class:`ExecResult` for a snippet that could not be run to a status (worker crash)."""
    return ExecResult("", "", None, False, error, duration_s, False, isolation)


def result_from_reply(
    reply: Mapping[str, Any], parts: Sequence[bytes | bytearray], isolation: str
) -> ExecResult:
    out = bytes(parts[0]).decode("utf-8", "replace") if parts else ""
    err = bytes(parts[1]).decode("utf-8", "replace") if len(parts) > 1 else ""
    return ExecResult(
        stdout=out,
        stderr=err,
        exit_code=reply.get("exit_code"),
        timed_out=bool(reply.get("timed_out")),
        error=reply.get("error"),
        duration_s=float(reply.get("duration_s", 0.0)),
        truncated=bool(reply.get("truncated")),
        isolation=isolation,
    )
