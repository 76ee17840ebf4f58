"""TEST DOUBLE: a fake Lean REPL process speaking leanprover-community/repl's JSON protocol.

No Lean toolchain can be installed on the project's CI machines, so the Lean REPL backend is tested
against this script. It is not Lean: it knows four theorems and a handful of tactics, written from
the protocol of leanprover-community/repl (its README and sources; our own transcripts, not copied):

* requests are JSON objects separated by blank lines; answers are pretty-printed JSON + a blank line;
* ``{"cmd": ...}`` with ``import`` → a new env; a theorem ending in ``sorry`` → a ``sorries`` entry with
  a ``proofState``; a theorem with a proof → simulated by replaying its tactic lines;
  ``#print axioms NAME`` → an info message;
* ``{"tactic", "proofState"}`` → a new proof state with ``goals`` and ``proofStatus``, or
  ``{"message": "Lean error: ..."}``. ``exact my_fake_premise`` reproduces the upstream trap: no goals,
  an error message and ``"Incomplete: contains sorry"``. ``sleep`` never answers; ``crash`` exits.
* As strict as the real REPL about what one tactic request holds: it parses the text as exactly one
  tactic (``Parser.runParserCategory env `tactic``), so two tactics on two lines, or joined by ``;``, are
  "expected end of input"; a parenthesised sequence ``(tac₁⏎ tac₂)`` is one tactic and runs in order.
* Commands get what the real REPL adds to them: a proof whose ``intro`` names a hypothesis the rest of
  the proof never mentions gets the unused-variable linter's warning (``intro hfailed`` then
  ``assumption``: a warning that contains the word "failed", for a correct proof).
"""

from __future__ import annotations

import json
import re
import sys
import time

THEOREMS = {
    # name -> (root goals, axioms the finished proof depends on)
    "fake_add_zero": (["n : Nat\n⊢ n + 0 = n"], []),
    "fake_true": (["⊢ True"], ["propext", "Classical.choice"]),
    "fake_hard": (["x y : Nat\nh : x < y\n⊢ x + 1 ≤ y"], []),
    "fake_imp": (["p : Prop\n⊢ p → p"], []),
}
CASES = ["case zero\n⊢ 0 + 0 = 0", "case succ\nn✝ : Nat\n⊢ n✝ + 1 + 0 = n✝ + 1"]


def status(goals: list[str]) -> str:
    return "Completed" if not goals else "Incomplete: open goals remain"


def tactic_sequence(block: str) -> list[tuple[str, int]]:
    """A tactic block's tactics with their offsets: a line at the block's column starts a new one (a line
    starting with ``|`` or indented deeper continues it), and so does a ``;`` that is not ``<;>``."""
    lines = block.split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    column = min(indents, default=0)
    items: list[tuple[str, int]] = []
    offset = 0
    for line in lines:
        body = line[column:] if len(line) >= column else line.lstrip()
        starts = bool(body.strip()) and not body[:1].isspace() and not body.startswith("|")
        if starts or not items:
            if body.strip():
                items.append((body, offset + (len(line) - len(body))))
        else:
            items[-1] = (items[-1][0] + "\n" + line, items[-1][1])
        offset += len(line) + 1
    split: list[tuple[str, int]] = []
    for text, at in items:
        start = 0
        for i, ch in enumerate(text):
            if ch == ";" and text[i - 1 : i] != "<" and text[i + 1 : i + 2] != ">":
                split.append((text[start:i], at + start))
                start = i + 1
        split.append((text[start:], at + start))
    return [(text.strip(), at) for text, at in split if text.strip()]


def parse_tactic_request(text: str) -> tuple[list[str] | None, str | None]:
    """The tactics one ProofStep request carries, or the parse error: exactly one tactic is allowed,
    and ``( seq )`` is one tactic (the sequence inside runs in order)."""
    stripped = text.strip()
    if stripped.startswith("(") and stripped.endswith(")"):
        return [t for t, _ in tactic_sequence(stripped[1:-1])], None
    sequence = tactic_sequence(text)
    if len(sequence) > 1:
        leftover = sequence[1][1]
        if ";" in text[:leftover]:  # the parser stops at the ';' itself
            leftover = text.index(";", sequence[0][1])
        line = text.count("\n", 0, leftover) + 1
        column = leftover - (text.rfind("\n", 0, leftover) + 1)
        return None, f"Lean error:\n<input>:{line}:{column}: expected end of input"
    return [t for t, _ in sequence], None


def apply_tactic(goals: list[str], tactic: str) -> tuple[list[str] | None, list[dict], str | None]:
    """``(new goals, messages, failure)``: failure is the ``message`` of a thrown error."""
    tactic = tactic.strip()
    if tactic == "intro hfailed" and goals and goals[0].endswith("⊢ p → p"):
        return ["p : Prop\nhfailed : p\n⊢ p"] + goals[1:], [], None
    if tactic == "assumption" and goals and "hfailed : p" in goals[0]:
        return goals[1:], [], None
    if tactic in ("simp", "omega", "trivial", "rfl", "linarith"):
        if not goals:
            return None, [], "Lean error:\n<input>:1:0: no goals to be proved"
        if tactic == "rfl" and "⊢ True" in goals[0]:
            return None, [], "Lean error:\n<input>:1:0: The rfl tactic failed."
        return goals[1:], [], None
    if tactic == "cases n" and goals and goals[0].startswith("n : Nat"):
        return CASES + goals[1:], [], None
    if tactic == "all_goals simp":
        return [], [], None
    if tactic == "exact my_fake_premise":
        message = {
            "severity": "error",
            "pos": {"line": 1, "column": 6},
            "endPos": {"line": 1, "column": 21},
            "data": "unknown identifier 'my_fake_premise'",
        }
        return [], [message], "TRAP"
    if tactic == "sorry":
        warning = {
            "severity": "warning",
            "pos": {"line": 1, "column": 0},
            "endPos": None,
            "data": "declaration uses 'sorry'",
        }
        return goals[1:], [warning], "SORRY"
    return None, [], "Lean error:\n<input>:1:1: unknown tactic"


def main() -> None:
    envs = 0
    proof_states: dict[int, list[str]] = {}
    defined: dict[int, set[str]] = {}
    buffer: list[str] = []
    for line in sys.stdin:
        if line.strip():
            buffer.append(line)
            continue
        if not buffer:
            continue
        request = json.loads("".join(buffer))
        buffer = []
        answer = handle(request, proof_states, defined, envs)
        if "env" in answer and isinstance(answer["env"], int):
            envs = max(envs, answer["env"] + 1)
        sys.stdout.write(json.dumps(answer, indent=2, ensure_ascii=False) + "\n\n")
        sys.stdout.flush()


def handle(
    request: dict, proof_states: dict[int, list[str]], defined: dict[int, set[str]], envs: int
) -> dict:
    if "tactic" in request:
        tactic = request["tactic"]
        if tactic.strip() == "sleep":
            time.sleep(3600)
        if tactic.strip() == "crash":
            sys.exit(3)
        goals = proof_states.get(request.get("proofState", -1))
        if goals is None:
            return {"message": "Unknown proof state."}
        tactics, parse_error = parse_tactic_request(tactic)
        if parse_error is not None:
            return {"message": parse_error}
        new_goals, messages, failure = goals, [], None
        for one in tactics or []:
            new_goals, step_messages, failure = apply_tactic(new_goals or [], one)
            messages += step_messages
            if failure is not None:
                break
        if failure is not None and failure not in ("TRAP", "SORRY"):
            return {"message": failure}
        new_id = len(proof_states)
        proof_states[new_id] = list(new_goals or [])
        answer = {"proofState": new_id, "goals": list(new_goals or [])}
        if messages:
            answer["messages"] = messages
        answer["proofStatus"] = (
            "Incomplete: contains sorry" if failure in ("TRAP", "SORRY") else status(new_goals or [])
        )
        return answer
    cmd = request.get("cmd", "")
    if "env" in request and request["env"] not in defined:
        return {"message": "Unknown environment."}
    if cmd.startswith("import") or cmd.startswith("--"):
        defined[envs] = set()
        return {"env": envs}
    base = defined.get(request.get("env"), set())
    axioms_query = re.match(r"#print axioms (\S+)", cmd)
    if axioms_query:
        name = axioms_query.group(1)
        if name not in base:
            return {
                "env": envs,
                "messages": [
                    {
                        "severity": "error",
                        "pos": {"line": 1, "column": 15},
                        "endPos": None,
                        "data": f"unknown constant '{name}'",
                    }
                ],
            }
        defined[envs] = set(base)
        axioms = THEOREMS[name][1]
        text = (
            f"'{name}' depends on axioms: [{', '.join(axioms)}]"
            if axioms
            else f"'{name}' does not depend on any axioms"
        )
        return {
            "env": envs,
            "messages": [{"severity": "info", "pos": {"line": 1, "column": 0}, "endPos": None, "data": text}],
        }
    match = re.match(r"\s*theorem\s+(\S+).*?:=\s*by\s*\n(.*)\Z", cmd, flags=re.S)
    if not match or match.group(1) not in THEOREMS:
        return {
            "env": envs,
            "messages": [
                {
                    "severity": "error",
                    "pos": {"line": 1, "column": 0},
                    "endPos": None,
                    "data": "unknown theorem (fake REPL)",
                }
            ],
        }
    name, body = match.group(1), match.group(2)
    goals = list(THEOREMS[name][0])
    defined[envs] = set(base) | {name}
    if body.strip() == "sorry":
        new_id = len(proof_states)
        proof_states[new_id] = goals
        return {
            "env": envs,
            "sorries": [
                {
                    "proofState": new_id,
                    "goal": goals[0],
                    "pos": {"line": 2, "column": 2},
                    "endPos": {"line": 2, "column": 7},
                }
            ],
            "messages": [
                {
                    "severity": "warning",
                    "pos": {"line": 1, "column": 8},
                    "endPos": None,
                    "data": "declaration uses 'sorry'",
                }
            ],
        }
    messages: list[dict] = []
    if "intro hfailed" in body and body.count("hfailed") == 1:  # the unused-variable linter
        messages.append(
            {
                "severity": "warning",
                "pos": {"line": 2, "column": 8},
                "endPos": {"line": 2, "column": 15},
                "data": "unused variable `hfailed`\nnote: this linter can be disabled with "
                "`set_option linter.unusedVariables false`",
            }
        )
    for tactic, _ in tactic_sequence(body):
        new_goals, step_messages, failure = apply_tactic(goals, tactic)
        messages += step_messages
        if failure not in (None, "SORRY"):
            text = failure.replace("Lean error:\n<input>:1:1: ", "") if failure != "TRAP" else ""
            if text:
                messages.append(
                    {"severity": "error", "pos": {"line": 2, "column": 2}, "endPos": None, "data": text}
                )
            defined[envs] = set(base)
            return {"env": envs, "messages": messages}
        goals = new_goals or []
    if goals:
        messages.append(
            {
                "severity": "error",
                "pos": {"line": 1, "column": 0},
                "endPos": None,
                "data": "unsolved goals\n" + "\n\n".join(goals),
            }
        )
    answer: dict = {"env": envs}
    if messages:
        answer["messages"] = messages
    return answer


if __name__ == "__main__":
    main()
