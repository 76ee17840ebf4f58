"""Candidate reward code: pull it out of a language model's reply and check its shape before running it.

Nothing here executes the code: :func:`extract_code` works on text and :func:`check_code` on the syntax
tree (``ast.parse`` never runs what it parses). Running happens only in the sandbox
(:mod:`mathgym.reward_design.executor`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from mathgym.rewards.view import RewardViewSpec

#: name and arity of the function every candidate defines
FUNCTION_NAME = "compute_reward"
ARGUMENTS = ("prev", "action", "state", "info")
#: longest candidate source accepted (longer replies are rejected, never parsed)
MAX_CODE_CHARS = 20_000

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_CODE_START = re.compile(r"^(def |import |from |@|#|[A-Za-z_][A-Za-z_0-9]* *= )")


def extract_code(response: str) -> str | None:
    """The reward code in a whole reply, or ``None`` when there is none.

    In order: the last fenced block that defines ``compute_reward`` (python-tagged or not; a block left
    unclosed at the end of the reply counts); otherwise the first python-tagged block, then the first
    fenced block; otherwise, with no fence at all, the text from the first line that starts code
    (``def``/``import``/``from``) to the longest end that parses. Lines before the first such line are
    dropped from a block (Eureka's rule), so prose inside a fence does not break it.

    :param response: the model's reply, prose and all.
    """
    if not isinstance(response, str) or not response.strip():
        return None
    blocks = [(lang.lower(), body) for lang, body in _FENCE.findall(response)]
    defining = [body for _, body in blocks if f"def {FUNCTION_NAME}" in body]
    chosen = (
        defining[-1]
        if defining
        else next(
            (b for lang, b in blocks if lang in ("python", "py", "python3")), blocks[0][1] if blocks else None
        )
    )
    if chosen is None:
        return _longest_parsing_prefix(_from_code_start(response.splitlines()))
    text = "\n".join(_from_code_start(chosen.splitlines())).strip("\n")
    return text + "\n" if text else None


def _from_code_start(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if _CODE_START.match(line):
            return lines[i:]
    return []


def _longest_parsing_prefix(lines: list[str]) -> str | None:
    """Code followed by prose: drop trailing lines until what is left parses."""
    for end in range(len(lines), 0, -1):
        text = "\n".join(lines[:end]).strip("\n")
        if f"def {FUNCTION_NAME}" not in text:
            return None
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        return text + "\n"
    return None


@dataclass(frozen=True)
class CodeCheck:
    """The static part of the critic.

    :param ok: the code parses, defines ``compute_reward(prev, action, state, info)`` at top level and
        reads only documented view fields.
    :param reason: why not (one short line), or ``""``.
    """

    ok: bool
    reason: str = ""


def check_code(code: str | None, spec: RewardViewSpec | None = None) -> CodeCheck:
    """Check a candidate without running it.

    :param code: the extracted source (``None``: the reply had no code).
    :param spec: the env's reward view; when given, constant keys read from ``prev``/``state``/``action``/
        ``info`` (``state["size"]``, ``state.size``, ``info.get("valid")``) must be documented fields.
    """
    if code is None or not code.strip():
        return CodeCheck(
            False,
            "no code found in the response (expected a ```python block defining "
            f"{FUNCTION_NAME}(prev, action, state, info))",
        )
    if len(code) > MAX_CODE_CHARS:
        return CodeCheck(False, f"code is {len(code)} characters; at most {MAX_CODE_CHARS} are accepted")
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        return CodeCheck(False, f"SyntaxError: {exc.msg} (line {exc.lineno})")
    except (ValueError, MemoryError, RecursionError) as exc:
        return CodeCheck(False, f"code cannot be parsed: {type(exc).__name__}")
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == FUNCTION_NAME]
    if not functions:
        return CodeCheck(False, f"no top-level function named {FUNCTION_NAME}")
    args = functions[-1].args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    required = len(positional) - len(args.defaults)
    if not (required <= len(ARGUMENTS) <= len(positional) or (args.vararg and required <= len(ARGUMENTS))):
        return CodeCheck(
            False, f"{FUNCTION_NAME} must take 4 positional arguments {ARGUMENTS}, it takes {positional}"
        )
    if spec is not None:
        names = dict(zip(positional, _field_groups(spec)))
        for node in ast.walk(functions[-1]):
            key = _constant_key(node, names)
            if key is None:
                continue
            param, field_name = key
            if field_name not in names[param]:
                known = ", ".join(sorted(names[param]))
                return CodeCheck(
                    False,
                    f"reads unknown field {field_name!r} of {param} (line {node.lineno}); "  # type: ignore[attr-defined]
                    f"known fields: {known}",
                )
    return CodeCheck(True)


def _field_groups(spec: RewardViewSpec) -> Iterable[set[str]]:
    state = {f.name for f in spec.state_fields}
    return (state, {f.name for f in spec.action_fields}, state, {f.name for f in spec.info_fields})


_DICT_METHODS = frozenset(dir(dict))


def _constant_key(node: ast.AST, params: dict[str, set[str]]) -> tuple[str, str] | None:
    """``(param, key)`` for ``param["key"]``, ``param.key`` and ``param.get("key", ...)`` on the arguments."""
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in params
        and node.attr not in _DICT_METHODS
    ):
        return node.value.id, node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in params:
        if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            return node.value.id, node.slice.value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in params
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.func.value.id, node.args[0].value
    return None
