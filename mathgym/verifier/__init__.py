"""Outcome verifier: is a model's final answer equivalent to the gold answer?

``verify(response, gold) -> Verdict`` extracts the final answer(s) of a whole response (last ``\\boxed{}``,
``#### N``, "the answer is", "Final Answer:"), normalises LaTeX and plain-text math, and compares:

* numbers exactly (rationals: decimals, fractions, mixed numbers, percentages, thousands separators,
  scientific notation) on a fast path without any parser;
* everything else with its own tokenizer and recursive-descent parser (:mod:`.lexer`, :mod:`.parser`), so
  model text never reaches ``eval`` (sympy's ``sympify``/``parse_expr`` are never used on it);
  expressions are compared exactly when rational and otherwise by bounded multiprecision evaluation at
  fixed pseudo-random points (:mod:`.evaluate`, :mod:`.compare`); sets, tuples, intervals (open/closed),
  equations, inequalities, matrices, multiple choice and text answers have their own rules.

Anti-hacking rules (all give an incorrect verdict): several different final answers (every boxed answer
must be right), "3 or 4" / "3, 4" / ``\\pm`` for a single gold value, ``\\boxed{3 = 4}``, every option
listed, a variable the gold does not have (``\\boxed{x}`` for a number), an interval or set for a scalar,
undefined values (``0/0``, ``\\infty - \\infty``), tiny perturbations (``\\pi + 10^{-100}``, precision
grows with the magnitudes involved). Unicode: digits of other scripts (Arabic-Indic, fullwidth,
mathematical bold...) and invisible format characters make an answer unparseable, hence incorrect, even
when they would stand for the gold; common math symbols (−, ×, π, √, ², ½, ...) are understood.

Bounds: the time limit (``timeout_s``, default 1 s) is a cooperative deadline checked throughout, valid in
any thread or process; all work is capped (see :mod:`.limits`), so ``10^{10^{10}}`` is refused, not
computed. Gold parses and their evaluations are cached (LRU).
"""
from __future__ import annotations

from mathgym.verifier.core import clear_caches, compare_answer, fast_number, gold_answer, verify
from mathgym.verifier.extract import extract_answer
from mathgym.verifier.parser import parse
from mathgym.verifier.verdict import Verdict

__all__ = ["Verdict", "verify", "extract_answer", "parse", "to_sympy", "clear_caches", "fast_number",
           "gold_answer", "compare_answer"]


def to_sympy(text: str):  # noqa: ANN201 - sympy is imported lazily
    """Parse an answer with the verifier's own parser and build a sympy object, without ``eval``.

    :param text: an answer string (LaTeX or plain).
    """
    from mathgym.verifier.sympy_bridge import to_sympy as _to_sympy

    return _to_sympy(text)
