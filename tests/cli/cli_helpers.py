"""Shared by the command-line tests: what a command printed, and the one-line error check."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Outcome:
    """What a command printed (stdout and stderr together, as a terminal shows them) and its exit status."""

    code: int
    output: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.output.splitlines() if line.strip()]


def assert_one_line_error(outcome: Outcome, *words: str, code: int = 2) -> None:
    """The command failed with ``code`` and said so in one ``error:`` line containing ``words``."""
    assert outcome.code == code, outcome.output
    assert "Traceback" not in outcome.output, outcome.output
    assert len(outcome.lines) == 1 and outcome.lines[0].startswith("error: "), outcome.output
    for word in words:
        assert word in outcome.output, (word, outcome.output)
