"""Countdown: reach a target number from given numbers with + - * / — one generator and one verifier,
shared by the numeric env (classic RL) and the text env (LLMs).

Rules (those of the TV game and of the Countdown task used in LLM RL work): each given number is used
at most once; every intermediate result is a positive integer (no fractions, no zero or negatives).
The generator builds the target from a random expression over a subset of the numbers, so every
problem is solvable; that expression is kept as the reference solution.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from mathgym.problem import Problem
from mathgym.seeding import RngFactory
from mathgym.sources.base import Source
from mathgym.verifier.verdict import Verdict

OPERATORS = ("+", "-", "*", "/")
#: longest answer expression the verifier parses (longer ones are rejected, never evaluated)
MAX_EXPRESSION_CHARS = 300

_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
_EXPRESSION_LINE = re.compile(r"^[\d\s+\-*/×÷().=]+$")


def apply(op: str, a: int, b: int) -> int | None:
    """``a op b`` under the Countdown rules, or ``None`` when the result is not a positive integer."""
    if op == "+":
        return a + b
    if op == "*":
        return a * b
    if op == "-":
        return a - b if a > b else None
    if op == "/":
        return a // b if b and a % b == 0 else None
    raise ValueError(f"unknown operator {op!r}")


def _two_distinct(rng: np.random.Generator, n: int) -> tuple[int, int]:
    """``rng.choice(n, size=2, replace=False)`` with the same draws, at half its cost (it is on the env's
    reset path): numpy draws Floyd's two picks and then shuffles them, each by a bounded integer."""
    a = int(rng.integers(0, n - 1))
    b = int(rng.integers(0, n))
    if b == a:
        b = n - 1
    return (a, b) if rng.integers(0, 2) else (b, a)


def generate_countdown(
    rng: np.random.Generator, n_numbers: int = 4, max_number: int = 50, max_target: int = 200
) -> tuple[list[int], int, str]:
    """``(numbers, target, solution)``: ``n_numbers`` numbers in [1, max_number] and a target in
    [10, max_target] reached by the expression ``solution`` over some of them."""
    if not 2 <= n_numbers <= 8:
        raise ValueError(f"n_numbers must be between 2 and 8, got {n_numbers}")
    for _ in range(10_000):
        numbers = rng.integers(1, max_number + 1, size=n_numbers).tolist()
        k = int(rng.integers(2, n_numbers + 1))  # how many numbers the reference solution uses
        pool = [(numbers[i], str(numbers[i])) for i in rng.permutation(n_numbers)[:k].tolist()]
        while len(pool) > 1:
            i, j = _two_distinct(rng, len(pool))
            op = OPERATORS[int(rng.integers(4))]
            value = apply(op, pool[i][0], pool[j][0])
            if value is None:
                break
            merged = (value, f"({pool[i][1]} {op} {pool[j][1]})")
            pool = [p for t, p in enumerate(pool) if t not in (i, j)] + [merged]
        if len(pool) == 1 and 10 <= pool[0][0] <= max_target and pool[0][0] not in numbers:
            text = pool[0][1]
            return numbers, pool[0][0], text[1:-1] if text.startswith("(") else text
    raise RuntimeError("could not generate a Countdown problem; widen max_target or max_number")


def countdown_prompt(numbers: Sequence[int], target: int) -> str:
    return (
        f"Using the numbers {list(numbers)}, create an expression that equals {target}. "
        "You may use + - * / and each number at most once; every intermediate result must be a "
        "positive integer. Give the expression in <answer></answer> tags, e.g. <answer>(1 + 2) * 3</answer>."
    )


class CountdownSource(Source):
    """Countdown problems, reproducible from (seed, index).

    :param n_numbers: how many numbers each problem gives.
    :param max_number: largest given number.
    :param max_target: largest target.
    :param seed: selects the problem stream.
    """

    name = "Countdown"

    def __init__(
        self, n_numbers: int = 4, *, max_number: int = 50, max_target: int = 200, seed: int = 0
    ) -> None:
        self.n_numbers, self.max_number, self.max_target, self.seed = n_numbers, max_number, max_target, seed
        self._key = f"n{n_numbers}m{max_number}t{max_target}"
        # item i's stream is derive_rng("mathgym.countdown", key, seed, i); the key's strings are hashed once
        self._rngs = RngFactory("mathgym.countdown", self._key, seed)

    def __len__(self) -> int:
        return 2**62

    def __getitem__(self, index: int) -> Problem:
        index = int(index)
        rng = self._rngs.rng(index)
        numbers, target, solution = generate_countdown(rng, self.n_numbers, self.max_number, self.max_target)
        return Problem(
            id=f"Countdown/{self._key}/s{self.seed}/i{index}",
            prompt=countdown_prompt(numbers, target),
            answer=solution,
            meta={
                "source": "procedural",
                "generator": "Countdown",
                "numbers": numbers,
                "target": target,
                "solution": [f"{solution} = {target}"],
                "topic": "arithmetic",
            },
        )

    def find(self, problem_id: str) -> Problem:
        match = re.fullmatch(rf"Countdown/{re.escape(self._key)}/s(\d+)/i(\d+)", problem_id)
        if not match or int(match[1]) != self.seed:
            raise KeyError(
                f"no problem with id {problem_id!r} in this Countdown source ({self._key}, s{self.seed})"
            )
        return self[int(match[2])]


# -- verification --------------------------------------------------------------------------------------


def extract_countdown_answer(response: str) -> tuple[str | None, str]:
    """``(expression, reason)`` from a response: the ``<answer>`` tag, else ``\\boxed{}``, else a last line
    made only of numbers and operators. Several different answers are refused (``reason="several_answers"``).
    A trailing ``= target`` is dropped."""
    found = [m.strip() for m in _ANSWER_TAG.findall(response)] or [
        m.strip() for m in _BOXED.findall(response)
    ]
    if not found:
        lines = [line.strip() for line in response.strip().splitlines() if line.strip()]
        if lines and _EXPRESSION_LINE.match(lines[-1]) and any(c.isdigit() for c in lines[-1]):
            found = [lines[-1]]
    if not found:
        return None, "no_answer"
    if len(set(found)) > 1:
        return None, "several_answers"
    expression = found[0].replace("×", "*").replace("÷", "/")
    if "=" in expression:
        expression = expression.split("=", 1)[0].strip()
    return expression, "ok"


def _evaluate(node: ast.AST, used: list[int]) -> Fraction:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, used)
    if isinstance(node, ast.Constant) and type(node.value) is int:
        used.append(node.value)
        return Fraction(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        left, right = _evaluate(node.left, used), _evaluate(node.right, used)
        if isinstance(node.op, ast.Add):
            value = left + right
        elif isinstance(node.op, ast.Sub):
            value = left - right
        elif isinstance(node.op, ast.Mult):
            value = left * right
        else:
            if right == 0:
                raise ZeroDivisionError
            value = left / right
        if value.denominator != 1 or value <= 0:
            raise ArithmeticError(f"intermediate result {value} is not a positive integer")
        return value
    raise SyntaxError(f"not allowed in a Countdown answer: {ast.dump(node)[:60]}")


def verify_countdown(response: str, numbers: Sequence[int], target: int, *, extract: bool = True) -> Verdict:
    """Check a Countdown answer (the response text, or the bare expression with ``extract=False``).

    Correct when the expression uses only + - * / on the given numbers, each at most once, every
    intermediate result is a positive integer, and the value equals ``target``. Never raises.
    """
    if extract:
        expression, reason = extract_countdown_answer(str(response))
        if expression is None:
            return Verdict(False, 0.0, None, reason)
    else:
        expression = str(response).strip()
    if len(expression) > MAX_EXPRESSION_CHARS:
        return Verdict(False, 0.0, expression[:MAX_EXPRESSION_CHARS], "too_long")
    used: list[int] = []
    try:
        value = _evaluate(ast.parse(expression, mode="eval"), used)
    except ZeroDivisionError:
        return Verdict(False, 0.0, expression, "division_by_zero")
    except ArithmeticError:
        return Verdict(False, 0.0, expression, "non_positive_or_fraction")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Verdict(False, 0.0, expression, "parse_error")
    if Counter(used) - Counter(int(n) for n in numbers):
        return Verdict(False, 0.0, expression, "numbers_not_available")
    if value != target:
        return Verdict(False, 0.0, expression, "wrong_value")
    return Verdict(True, 1.0, expression, "match")


def verify_countdown_problem(response: str, problem: Problem, *, extract: bool = True) -> Verdict:
    """:func:`verify_countdown` against a :class:`CountdownSource` problem."""
    return verify_countdown(response, problem.meta["numbers"], int(problem.meta["target"]), extract=extract)
