"""ToRA's tool-integrated reasoning format (Gou et al. 2024): programs in fences, outputs in fences.

A trajectory interleaves rationale, a program in a fence opened by three backticks + ``python``, and
the program's output, which the *environment* appends as a fence opened by three backticks + ``output``.
These helpers parse programs out of model text and render execution results the way ToRA's executor
does: stdout (or, in a session, the value of the last expression); on an error only the last line of the
traceback; ``Timeout Error`` on a timeout; long outputs keep their first and last 200 characters.
"""

from __future__ import annotations

import re

from mathgym.sandbox.base import ExecResult

FENCE = "```"
#: stop strings a policy should generate with, so that it hands over right after a program
STOP_STRINGS = ("</s>", "```output")
#: appended after the last allowed tool call
MAX_CALLS_MESSAGE = "Reach max function call limit."
TIMEOUT_MESSAGE = "Timeout Error"

_PROGRAM = re.compile(r"```(?:python|py|python3)[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)
_ANY_FENCE = re.compile(r"```[^\n`]*\n(.*?)```", re.DOTALL)


def strip_stop_string(text: str) -> str:
    """Drop a trailing ``\\`\\`\\`output`` some generation APIs leave in the text after stopping on it."""
    stripped = text.rstrip()
    if stripped.endswith("```output"):
        return stripped[: -len("```output")]
    return text


def ends_with_program(text: str) -> bool:
    """The text ends with a closed fence whose opening fence says python (ToRA's "run it now" signal)."""
    stripped = text.rstrip()
    if not stripped.endswith(FENCE):
        return False
    matches = list(_PROGRAM.finditer(stripped))
    return bool(matches) and matches[-1].end() == len(stripped)


def last_program(text: str) -> str | None:
    """Source of the last fenced python program in ``text`` (``None`` if there is none)."""
    matches = _PROGRAM.findall(text)
    return matches[-1] if matches else None


def extract_program(text: str) -> str:
    """The program in a model response: the last python fence, else the last fence of any kind, else the
    whole text (a bare program)."""
    program = last_program(text)
    if program is not None:
        return program
    fences = _ANY_FENCE.findall(text)
    return fences[-1] if fences else text


def shorten(text: str, max_chars: int = 400) -> str:
    """ToRA's truncation: longer than ``max_chars`` keeps the first and last ``max_chars // 2`` joined by
    ``...``."""
    if max_chars <= 0 or len(text) <= max_chars:
        return text
    half = max_chars // 2
    return text[:half] + "..." + text[-half:]


def tool_output(result: ExecResult, *, max_chars: int = 400, last_line_errors: bool = True) -> str:
    """The text ToRA shows the model for one execution.

    :param result: what the sandbox returned.
    :param max_chars: longer outputs are shortened with :func:`shorten` (``0``: never).
    :param last_line_errors: on an error show only the last traceback line (ToRA); else all of stderr.
    """
    if result.timed_out:
        text = TIMEOUT_MESSAGE
    elif result.error is not None or result.exit_code not in (0, None):
        if last_line_errors:
            text = result.error or f"exit code {result.exit_code}"
        else:
            text = (result.stdout + result.stderr).strip() or (result.error or "")
    else:
        text = result.stdout.strip()
    return shorten(text, max_chars)


def output_block(text: str) -> str:
    """The block the environment appends after a program: ``\\n```output\\n<text>\\n```\\n``."""
    return f"\n```output\n{text}\n```\n"
