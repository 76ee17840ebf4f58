"""A test double for the proposer: replays recorded responses from a JSONL file, in order.

Each line is ``{"response": "..."}``. It exercises the loop's mechanics (extraction, critic, sandbox,
resume) with fixed, possibly hostile, responses; it is not a reward designer.
"""

from __future__ import annotations

import json
from pathlib import Path

from mathgym.reward_design.context import EnvContext
from mathgym.reward_design.proposers.base import Feedback


class RecordedProposer:
    """Replays responses; ``propose`` returns the next ``n`` (fewer, or none, once the file runs out).

    :param path: a JSONL file with one ``{"response": str}`` object per line.
    :raises ValueError: a line is not such an object (the message gives the line number).
    """

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no recorded responses at {path}")
        self.responses: list[str] = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc})") from None
            if not isinstance(item, dict) or not isinstance(item.get("response"), str):
                raise ValueError(  # noqa: TRY004  (a malformed line in a file, like the JSON error above)
                    f'{path}:{number}: expected {{"response": "..."}}, got {line[:80]!r}'
                )
            self.responses.append(item["response"])
        self.cursor = 0

    def propose(self, context: EnvContext, feedback: Feedback | None, n: int) -> list[str]:
        out = self.responses[self.cursor : self.cursor + n]
        self.cursor += len(out)
        return out

    def skip(self, n: int) -> None:
        self.cursor = min(self.cursor + n, len(self.responses))

    def close(self) -> None:
        pass
