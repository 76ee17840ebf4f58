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
must be right), "3 or 4" / "3, 4" / ``\\pm`` for a single gold value, another candidate offered after the
final answer ("\\boxed{3}. Or maybe 4."), a negated or retracted answer ("not 2", "\\boxed{2} is wrong"),
``\\boxed{3 = 4}``, every option listed, a variable the gold does not have (``\\boxed{x}`` for a number,
``y = 3`` for ``x = 3``), a different unit (``5 kg`` for ``5 g``; units are never converted), a percent sign
the gold does not have (``0.5\\%`` for ``0.5``), an interval or set for a scalar, undefined values (``0/0``,
``\\infty - \\infty``), tiny perturbations (``\\pi + 10^{-100}``, precision grows with the magnitudes
involved), decimals shorter than 12 significant digits for a non-terminating fraction.

Without an answer marker the last stated result counts (never the first number of a chain of work, never a
digit inside a word); chat-template debris after the answer (``<|im_start|>user ...``) is ignored. Boxes that
together form a multi-valued gold (``\\boxed{1}, \\boxed{2}`` for ``\\{1, 2\\}``) are accepted; equations are
compared as equations (``y = -x/2 + 3/4`` is ``2x + 4y - 3 = 0``), inequalities as solution sets, and labelled
golds (``AB = 4``, ``|AB| = 1``) by their values. Unicode: digits of other scripts (Arabic-Indic, fullwidth,
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

__all__ = [
    "Verdict",
    "clear_caches",
    "compare_answer",
    "extract_answer",
    "fast_number",
    "gold_answer",
    "parse",
    "to_sympy",
    "verify",
]


def to_sympy(text: str):  # noqa: ANN201 - sympy is imported lazily
    """Parse an answer with the verifier's own parser and build a sympy object, without ``eval``.

    :param text: an answer string (LaTeX or plain).
    """
    from mathgym.verifier.sympy_bridge import to_sympy as _to_sympy

    return _to_sympy(text)
