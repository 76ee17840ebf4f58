"""Pieces shared by the Lean 4 backends: screening of agent tactics, goal parsing, the whole-proof text.

Lean tactics are code: ``run_tac``/``run_cmd`` and ``#eval`` run arbitrary programs (IO included), and a
proof can smuggle in ``sorry``, ``admit`` or an ``axiom``. Agent input containing such words is refused
before it reaches Lean; the final check (``verify``) independently rejects errors, ``sorry`` and axioms
outside the allowed list.
"""

from __future__ import annotations

import re

from mathgym.problem import Problem
from mathgym.provers.base import Goal, ProverError

#: the axioms of standard Lean 4 / Mathlib proofs
STANDARD_AXIOMS: tuple[str, ...] = ("propext", "Classical.choice", "Quot.sound")

#: words refused in agent tactics (whole words; ``#``-commands by prefix)
FORBIDDEN_WORDS: frozenset[str] = frozenset(
    {
        "sorry",
        "admit",
        "native_decide",
        "run_tac",
        "run_cmd",
        "run_elab",
        "run_meta",
        "axiom",
        "unsafe",
        "implemented_by",
        "extern",
        "import",
        "elab",
        "elab_rules",
        "macro",
        "macro_rules",
        "syntax",
        "initialize",
        "builtin_initialize",
        "IO",
        "ofReduceBool",
        "theorem",
        "lemma",
        "def",
        "instance",
        "example",
        "namespace",
        "section",
        "end",
        "attribute",
        "opaque",
        "partial",
    }
)
_HASH_COMMAND = re.compile(r"(?<![\w.])#[A-Za-z_]+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_!?']*")
_THEOREM_NAME = re.compile(r"\b(?:theorem|lemma)\s+([^\s:({\[]+)")


def _strip_comments_and_strings(text: str) -> str:
    text = re.sub(r"/-.*?-/", " ", text, flags=re.S)
    text = re.sub(r"--[^\n]*", " ", text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def screen_lean_tactic(text: str) -> str | None:
    """Why ``text`` may not be sent to Lean, or ``None`` when it is admissible."""
    if not text.strip():
        return "empty action: send at least one tactic"
    body = _strip_comments_and_strings(text)
    command = _HASH_COMMAND.search(body)
    if command:
        return f"'{command.group(0)}' commands are not allowed in a proof"
    for word in _WORD.findall(body):
        if word in FORBIDDEN_WORDS:
            return f"'{word}' is not allowed in a proof"
    return None


_OPENING, _CLOSING = "([{⟨⦃", ")]}⟩⦄"
#: how a line may start and still continue the tactic above it (match alternatives, combinators, closers)
_CONTINUATION = ("|", "<;>", *_CLOSING)


def _dedent(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    cut = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return [line[cut:] for line in lines]


def normalize_tactics(text: str) -> str:
    """A tactic block without surrounding blank lines and common indentation (relative indentation,
    which Lean reads, is kept)."""
    return "\n".join(_dedent(text))


def has_several_tactics(text: str) -> bool:  # noqa: C901  (one scanner over Lean's comment, string and bracket states)
    """Whether ``text`` holds more than one tactic at its top level, as Lean splits a ``by`` block: a
    later line starting at the block's column (one starting with ``|`` or ``<;>`` continues the tactic
    above), or a ``;`` outside brackets, strings and comments (``<;>`` is a combinator, not a break)."""
    lines = _dedent(text)
    source = "\n".join(lines)
    depth, i, n = 0, 0, len(source)
    while i < n:
        ch = source[i]
        if source.startswith("--", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
            continue
        if source.startswith("/-", i):
            nesting, i = 1, i + 2
            while i < n and nesting:
                if source.startswith("/-", i):
                    nesting, i = nesting + 1, i + 2
                elif source.startswith("-/", i):
                    nesting, i = nesting - 1, i + 2
                else:
                    i += 1
            continue
        if ch == '"':
            i += 1
            while i < n and source[i] != '"':
                i += 2 if source[i] == "\\" else 1
            i += 1
            continue
        if ch in _OPENING:
            depth += 1
        elif ch in _CLOSING:
            depth = max(0, depth - 1)
        elif depth == 0 and ch == ";" and not (source[i - 1 : i] == "<" and source[i + 1 : i + 2] == ">"):
            if source[i + 1 :].strip():
                return True
        elif depth == 0 and ch == "\n":
            rest = source[i + 1 :].split("\n", 1)[0]
            if rest.strip() and not rest[:1].isspace() and not rest.lstrip().startswith(_CONTINUATION):
                if not rest.lstrip().startswith("--"):
                    return True
        i += 1
    return False


def as_single_tactic(text: str) -> str:
    """``text`` as the one tactic a tactic-mode request may carry.

    The Lean REPL's ``{"tactic": ...}`` and LeanDojo's ``run_tac`` parse exactly one tactic (the rest is
    "expected end of input"). Several tactics are therefore grouped as ``(tac₁⏎ tac₂ …)``, Lean's own
    parenthesised tactic sequence, which runs them one after another exactly as a ``by`` block would.
    """
    lines = _dedent(text)
    if not has_several_tactics(text):
        return "\n".join(lines)
    return "(\n" + "\n".join(f"  {line}" if line else line for line in lines) + ")"


def parse_lean_goal(text: str) -> Goal:
    """A goal as the Lean REPL prints it: optional ``case tag``, hypotheses, then ``⊢ target``."""
    lines = text.splitlines()
    case = None
    if lines and lines[0].startswith("case "):
        case = lines[0][5:].strip() or None
        lines = lines[1:]
    hyps: list[str] = []
    target_lines: list[str] = []
    in_target = False
    for line in lines:
        if line.startswith("⊢"):
            in_target = True
            target_lines.append(line[1:].strip())
        elif in_target:
            target_lines.append(line.strip())
        elif line[:1].isspace() and hyps:
            hyps[-1] += " " + line.strip()  # a long type wrapped onto the next line
        elif line.strip():
            hyps.append(line.strip())
    return Goal(hypotheses=tuple(hyps), target=" ".join(target_lines).strip(), case=case)


def lean_statement(problem: Problem) -> tuple[str, str, str]:
    """``(header, formal_statement, theorem_name)`` of a Lean problem, with a clear error if absent."""
    meta = problem.meta
    formal = meta.get("formal_statement")
    if not formal or ":=" not in formal:
        raise ProverError(
            f"problem {problem.id!r} is not a Lean theorem: meta['formal_statement'] must hold "
            "'theorem NAME ... := by'"
        )
    name = meta.get("theorem_name")
    if not name:
        match = _THEOREM_NAME.search(formal)
        if not match:
            raise ProverError(f"cannot find the theorem name in the formal statement of {problem.id!r}")
        name = match.group(1)
    return str(meta.get("header", "")), str(formal), str(name)


def statement_with_proof(formal_statement: str, proof: str) -> str:
    """``theorem ... := by`` followed by ``proof`` indented as a tactic block."""
    head = formal_statement.rstrip()
    if not head.endswith("by"):
        head += " by"
    body = "\n".join("  " + line if line.strip() else line for line in proof.strip("\n").splitlines())
    return f"{head}\n{body}"


def parse_axioms_message(text: str) -> list[str] | None:
    """Axioms from a ``#print axioms`` message (``[]`` for none, ``None`` if the text is not one)."""
    if "does not depend on any axioms" in text:
        return []
    match = re.search(r"depends on axioms:\s*\[(.*?)\]", text, flags=re.S)
    if not match:
        return None
    return [name.strip() for name in match.group(1).split(",") if name.strip()]
