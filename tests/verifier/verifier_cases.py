"""A labeled set of (response, gold, correct) cases for the outcome verifier, built deterministically.

* :func:`hand_cases`: hand-labeled tricky cases (formats, shapes) and reward-hacking attempts.
* :func:`dataset_cases`: gold answers of GSM8K (``#### N``) and MATH-500 (``answer`` field) from the shared
  data folder, each with rule-made equivalent rewrites (positives) and near-misses (negatives), wrapped in
  varied response templates. Symbolic rewrites are made by sympy *from the trusted gold* (built with the
  verifier's own parser, then ``expand``/``factor``/``latex``), so their labels hold by construction.

The datasets are read at run time from ``../shared/data`` (never copied into the repository). The same
data gives the same cases on every machine (choices come from :func:`mathgym.seeding.derive_rng`).
Used by ``tests/verifier`` and by ``benchmarks/verifier.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

from mathgym.seeding import derive_rng

Case = dict  # {"response": str, "gold": str, "label": bool, "kind": str, "source": str}


def _case(response: str, gold: str, label: bool, kind: str, source: str = "hand") -> Case:
    return {"response": response, "gold": gold, "label": label, "kind": kind, "source": source}


# --- hand-labeled cases ----------------------------------------------------------------------------------
_HAND: list[tuple[str, str, bool, str]] = [
    # numbers and formats
    ("\\boxed{0.5}", "\\frac{1}{2}", True, "fraction"),
    ("\\boxed{\\frac12}", "0.5", True, "fraction"),
    ("\\boxed{1/2}", "\\dfrac{1}{2}", True, "fraction"),
    ("\\boxed{\\tfrac{3}{4}}", "0.75", True, "fraction"),
    ("\\boxed{10080}", "10,\\!080", True, "integer"),
    ("\\boxed{10,080}", "10,\\!080", True, "integer"),
    ("\\boxed{32348}", "\\$32,\\!348", True, "integer"),
    ("\\boxed{\\$32,348}", "\\$32,\\!348", True, "integer"),
    ("\\boxed{137.5}", "137 \\frac{1}{2}", True, "mixed"),
    ("\\boxed{9/5}", "1\\frac{4}{5}", True, "mixed"),
    ("\\boxed{2\\frac{1}{2}}", "2.5", True, "mixed"),
    ("\\boxed{2 1/2}", "5/2", True, "mixed"),
    ("\\boxed{0.\\overline{3}}", "\\frac13", True, "fraction"),
    ("\\boxed{0.1\\overline{6}}", "\\frac16", True, "fraction"),
    ("\\boxed{1.5 \\times 10^{3}}", "1500", True, "scientific"),
    ("\\boxed{1.5e3}", "1500", True, "scientific"),
    ("\\boxed{2.5 \\cdot 10^{-2}}", "0.025", True, "scientific"),
    ("\\boxed{18.00}", "18", True, "integer"),
    ("\\boxed{\\$18.90}", "\\$18.90", True, "decimal"),
    ("\\boxed{18.9}", "\\$18.90", True, "decimal"),
    ("\\boxed{.35625}", ".35625", True, "decimal"),
    ("\\boxed{0.35625}", ".35625", True, "decimal"),
    ("\\boxed{\\frac{57}{160}}", ".35625", True, "decimal"),
    ("\\boxed{0.0000672}", ".0000672", True, "decimal"),
    ("\\boxed{25\\%}", "25", False, "percent"),
    ("\\boxed{0.25}", "25\\%", True, "percent"),
    ("\\boxed{25}", "25\\%", True, "percent"),
    ("\\boxed{25}", "0.25", False, "percent"),
    ("\\boxed{106}", "106^\\circ", True, "degrees"),
    ("\\boxed{106^{\\circ}}", "106^\\circ", True, "degrees"),
    ("\\boxed{106 \\text{ degrees}}", "106^\\circ", True, "degrees"),
    ("\\boxed{106°}", "106^\\circ", True, "degrees"),
    ("\\boxed{15}", "15\\mbox{ cm}^2", True, "units"),
    ("\\boxed{15 \\text{ cm}^2}", "15\\mbox{ cm}^2", True, "units"),
    ("\\boxed{5.4}", "5.4 \\text{ cents}", True, "units"),
    ("The answer is 18 dollars.", "18", True, "units"),
    ("\\boxed{-2+7i}", "-2 + 7i", True, "complex"),
    ("\\boxed{7i-2}", "-2 + 7i", True, "complex"),
    ("\\boxed{-2-7i}", "-2 + 7i", False, "complex"),
    # expressions
    ("\\boxed{2\\sqrt{5}}", "\\sqrt{20}", True, "expression"),
    ("\\boxed{3\\sqrt5}", "2 \\sqrt{5}", False, "expression"),
    ("\\boxed{\\frac{\\sqrt{3}}{3}}", "\\frac{1}{\\sqrt{3}}", True, "expression"),
    ("\\boxed{\\sqrt{3}/3}", "\\frac{\\sqrt{3}}{3}", True, "expression"),
    ("\\boxed{x^2+2x+1}", "(x+1)^2", True, "expression"),
    ("\\boxed{(x+1)^2}", "x^2+2x+2", False, "expression"),
    ("\\boxed{ab+2a+5b+10}", "(a+5)(b+2)", True, "expression"),
    ("\\boxed{(a+5)(b+3)}", "(a+5)(b+2)", False, "expression"),
    ("\\boxed{\\frac{\\cos x}{\\sin x}}", "\\cot x", True, "expression"),
    ("\\boxed{\\tan x}", "\\cot x", False, "expression"),
    ("\\boxed{(x-1)(x^4+x^2+1)}", "x^5 - x^4 + x^3 - x^2 + x - 1", True, "expression"),
    ("\\boxed{4n+1+8n^2}", "8n^2 + 4n + 1", True, "expression"),
    ("\\boxed{8n^2+4n-1}", "8n^2 + 4n + 1", False, "expression"),
    ("\\boxed{\\frac{\\pi}{6}}", "\\frac{\\pi}{6}", True, "expression"),
    ("\\boxed{\\pi/6}", "\\frac{\\pi}{6}", True, "expression"),
    ("\\boxed{\\sqrt[3]{-8}}", "-2", True, "expression"),
    ("\\boxed{2^{10}}", "1024", True, "expression"),
    ("\\boxed{\\dfrac{20000}{\\pi}}", "\\frac{20000}{\\pi}", True, "expression"),
    ("\\boxed{\\frac{20000}{\\pi} \\approx 6366.2}", "\\frac{20000}{\\pi}", True, "expression"),
    ("\\boxed{\\log_2 8}", "3", True, "expression"),
    ("\\boxed{\\binom{5}{2}}", "10", True, "expression"),
    ("\\boxed{5!}", "120", True, "expression"),
    ("\\boxed{e^{i\\pi}}", "-1", True, "expression"),
    # equations
    ("\\boxed{x=5}", "5", True, "equation"),
    ("\\boxed{5}", "x=5", True, "equation"),
    ("\\boxed{x = 2 + 3 = 5}", "5", True, "equation"),
    ("\\boxed{2x+1=y}", "y=2x+1", True, "equation"),
    ("\\boxed{2x+3}", "y = 2x + 3", True, "equation"),
    ("\\boxed{y=2x-3}", "y = 2x + 3", False, "equation"),
    ("\\boxed{-5x + 7y - 11z - 4 = 0}", "5x - 7y + 11z + 4 = 0", True, "equation"),
    ("\\boxed{5x - 7y + 11z - 4 = 0}", "5x - 7y + 11z + 4 = 0", False, "equation"),
    # sets, tuples, intervals
    ("\\boxed{\\{1, -2\\}}", "-2,1", True, "set"),
    ("\\boxed{1, -2}", "-2,1", True, "set"),
    ("\\boxed{x=1 \\text{ or } x=-2}", "-2,1", True, "set"),
    ("\\boxed{-2}", "-2,1", False, "set"),
    ("\\boxed{1-\\sqrt{19}, 1+\\sqrt{19}}", "1 \\pm \\sqrt{19}", True, "set"),
    ("\\boxed{1+\\sqrt{19}}", "1 \\pm \\sqrt{19}", False, "set"),
    ("\\boxed{\\pm 3}", "3,-3", True, "set"),
    ("\\boxed{7, 5, 3}", "3, 5, 7", True, "set"),
    ("\\boxed{3, 5}", "3, 5, 7", False, "set"),
    ("\\boxed{(2,1)}", "(2,1)", True, "tuple"),
    ("\\boxed{(1,2)}", "(2,1)", False, "tuple"),
    ("\\boxed{(3, \\pi/2)}", "\\left( 3, \\frac{\\pi}{2} \\right)", True, "tuple"),
    ("\\boxed{(6,31,-1)}", "(6,31,-1)", True, "tuple"),
    ("\\boxed{(6,-1,31)}", "(6,31,-1)", False, "tuple"),
    ("\\boxed{[-2,7]}", "x \\in [-2,7]", True, "interval"),
    ("\\boxed{(-2,7]}", "[-2,7]", False, "interval"),
    ("\\boxed{-2 \\le x \\le 7}", "[-2,7]", True, "interval"),
    ("\\boxed{x > 5}", "(5,\\infty)", True, "interval"),
    ("\\boxed{x \\ge 5}", "(5,\\infty)", False, "interval"),
    ("\\boxed{(3,4]}", "(3,4]", True, "interval"),
    ("\\boxed{[3,4)}", "(3,4]", False, "interval"),
    ("\\boxed{(3,\\infty)\\cup(-\\infty,2)}", "(-\\infty, 2) \\cup (3, \\infty)", True, "interval"),
    ("\\boxed{x<2 \\text{ or } x>3}", "(-\\infty, 2) \\cup (3, \\infty)", True, "interval"),
    ("\\boxed{(-\\infty, 2]\\cup(3,\\infty)}", "(-\\infty, 2) \\cup (3, \\infty)", False, "interval"),
    # matrices and vectors
    (
        "\\boxed{\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}}",
        "\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}",
        True,
        "matrix",
    ),
    (
        "\\boxed{\\begin{bmatrix} -1 & 0 \\\\ 0 & 1 \\end{bmatrix}}",
        "\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}",
        False,
        "matrix",
    ),
    (
        "\\boxed{\\begin{pmatrix} -\\frac13 \\\\ \\frac23 \\\\ \\frac53 \\end{pmatrix}}",
        "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}",
        True,
        "matrix",
    ),
    ("\\boxed{(-1/3, 2/3, 5/3)}", "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}", True, "matrix"),
    ("\\boxed{(2/3, -1/3, 5/3)}", "\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}", False, "matrix"),
    # choice, text, bases
    ("\\boxed{B}", "\\text{(B)}", True, "choice"),
    ("\\boxed{(B)}", "\\text{(B)}", True, "choice"),
    ("The answer is (B).", "\\text{(B)}", True, "choice"),
    ("\\boxed{C}", "\\text{(B)}", False, "choice"),
    ("\\boxed{\\text{Evelyn}}", "\\text{Evelyn}", True, "text"),
    ("The answer is Evelyn.", "\\text{Evelyn}", True, "text"),
    ("\\boxed{East}", "\\text{east}", True, "text"),
    ("\\boxed{west}", "\\text{east}", False, "text"),
    ("\\boxed{204_5}", "204_5", True, "base"),
    ("\\boxed{204_{5}}", "204_5", True, "base"),
    ("\\boxed{54}", "204_5", False, "base"),
    # extraction
    ("#### 72", "72", True, "extraction"),
    ("She sold 48+24 = 72 clips.\n#### 72", "72", True, "extraction"),
    ("The final answer is $\\boxed{18}$. I hope it is correct.", "18", True, "extraction"),
    ("Final Answer: 18", "18", True, "extraction"),
    ("**Final Answer**\n\n$18$", "18", True, "extraction"),
    ("so she has 18 left", "18", True, "extraction"),
    ("18", "18", True, "extraction"),
    ("There are 5 boxes with 4 pens, so 5 * 4 = 20 pens.", "20", True, "extraction"),
    ("\\boxed{\\boxed{7}}", "7", True, "extraction"),
    ("First \\boxed{7}. Again: \\boxed{7}.", "7", True, "extraction"),
    ("I could not solve it.", "7", False, "extraction"),
    ("", "7", False, "extraction"),
]

# realistic answer formats of model responses (kind 'format')
_FORMATS: list[tuple[str, str, bool]] = [
    ("The answer is $\\boxed{5}$ cm.", "5", True),
    ("\\boxed{x = -3, 2}", "-3, 2", True),
    ("\\boxed{x = -3 \\text{ and } x = 2}", "2,-3", True),
    ("\\boxed{\\frac{1}{2}\\text{ hour}}", "\\frac12", True),
    ("\\boxed{1,000,000}", "1000000", True),
    ("\\boxed{1\\,000}", "1000", True),
    ("\\boxed{\\dfrac{\\sqrt{3}}{2}}", "\\frac{\\sqrt3}{2}", True),
    ("\\boxed{a=2, b=3}", "(2,3)", True),
    ("\\boxed{(a,b)=(2,3)}", "(2,3)", True),
    ("\\boxed{50\\%}", "\\frac{1}{2}", True),
    ("The answer is 25 percent", "25\\%", True),
    ("\\boxed{\\text{(B) } 42}", "\\text{(B)}", True),
    ("\\boxed{\\textbf{(B)}}", "B", True),
    ("**Final Answer:** \\boxed{18}", "18", True),
    ("Answer: 18 apples", "18", True),
    ("#### $18", "18", True),
    ("The answer is 1/2", "\\frac{1}{2}", True),
    ("\\boxed{−5}", "-5", True),
    ("\\boxed{x^2}", "x^{2}", True),
    ("\\boxed{\\frac{x+1}{x-1}}", "\\frac{x+1}{x-1}", True),
    ("\\boxed{(x+1)/(x-1)}", "\\frac{x+1}{x-1}", True),
    ("\\boxed{\\frac{x-1}{x+1}}", "\\frac{x+1}{x-1}", False),
    ("\\boxed{2\\pi}", "2 \\pi", True),
    ("\\boxed{6.28}", "2\\pi", False),
    ("\\boxed{\\sqrt{2}/2}", "\\frac{\\sqrt{2}}{2}", True),
    ("\\boxed{1/\\sqrt{2}}", "\\frac{\\sqrt{2}}{2}", True),
    ("\\boxed{3\\sqrt{2}}", "\\sqrt{18}", True),
    ("\\boxed{y=-2x}", "y = -2x", True),
    ("\\boxed{-2x}", "y = -2x", True),
    ("\\boxed{y=2x}", "y = -2x", False),
    ("\\boxed{p-q}", "p - q", True),
    ("\\boxed{-q+p}", "p - q", True),
    ("\\boxed{q-p}", "p - q", False),
    ("\\boxed{2(k+1)}", "2k+2", True),
    ("\\boxed{\\$36}", "\\$36", True),
    ("\\boxed{36}", "\\$36", True),
    ("\\boxed{36 dollars}", "\\$36", True),
    ("\\boxed{\\text{even}}", "\\text{even}", True),
    ("\\boxed{\\text{odd}}", "\\text{even}", False),
    ("\\boxed{11\\sqrt{5}+11}", "11 \\sqrt{5} + 11", True),
    ("\\boxed{11(\\sqrt5+1)}", "11 \\sqrt{5} + 11", True),
    ("\\boxed{\\frac{11+9a}{20}}", "\\frac{11+9a}{20}", True),
    ("\\boxed{\\frac{9a+11}{20}}", "\\frac{11+9a}{20}", True),
    ("\\boxed{3R^2}", "3R^2", True),
    ("\\boxed{3r^2}", "3R^2", False),
    ("\\boxed{5r^5}", "5r^5", True),
    ("\\boxed{\\text{Navin}}", "\\text{Navin}", True),
    ("The answer is: Navin", "\\text{Navin}", True),
    ("\\boxed{4210_5}", "4210_{5}", True),
    ("\\boxed{2516_8}", "2516_8", True),
    ("\\boxed{2516_{8}}", "2516_8", True),
    ("\\boxed{-\\frac{\\pi}{6}}", "-\\frac{\\pi}{6}", True),
    ("\\boxed{\\frac{-\\pi}{6}}", "-\\frac{\\pi}{6}", True),
    ("\\boxed{12\\pi}", "12\\pi", True),
    ("\\boxed{\\pi \\cdot 12}", "12\\pi", True),
    ("\\boxed{(0,9) \\cup (9,36)}", "(0,9) \\cup (9,36)", True),
    ("\\boxed{(-\\sqrt{3}, \\sqrt{3})}", "(-\\sqrt{3}, \\sqrt{3})", True),
    ("\\boxed{\\left(\\frac35,\\frac83\\right]}", "\\left(\\frac{3}{5},\\frac{8}{3}\\right]", True),
    ("\\boxed{[\\pi^2/8, 5\\pi^2/4]}", "\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]", True),
    ("\\boxed{\\{1+\\sqrt{5}, 1-\\sqrt{5}, -2\\}}", "\\{1\\pm\\sqrt{5},-2\\}", True),
    ("\\boxed{1 \\pm \\sqrt{5}, -2}", "\\{1\\pm\\sqrt{5},-2\\}", True),
    ("\\boxed{x \\in [-2, 7]}", "[-2,7]", True),
    ("\\boxed{\\cot{x}}", "\\cot x", True),
    ("\\boxed{\\cot(x)}", "\\cot x", True),
    ("\\boxed{(1,-16,-4,43)}", "(1,-16,-4,43)", True),
    ("\\boxed{\\text{(E)}}", "\\text{(E)}", True),
    ("\\boxed{5.0}", "5", True),
    ("\\boxed{5.00}", "5", True),
    ("\\boxed{05}", "5", True),
    ("\\boxed{+5}", "5", True),
    ("\\boxed{\\frac{1}{2}}", "0.5", True),
    ("The probability is \\boxed{\\frac{3}{8}}.", "\\frac38", True),
    ("\\boxed{1.25}", "\\frac{5}{4}", True),
    ("\\boxed{\\frac{5}{4}}", "1.25", True),
    ("\\boxed{5/4}", "1\\frac14", True),
    ("\\boxed{2^{3}}", "8", True),
    ("\\boxed{8}", "2^3", True),
    ("\\boxed{x^3+3x-6}", "x^3+3x-6", True),
    ("\\boxed{x^3 + 3x - 6 = 0}", "x^3+3x-6", False),
    ("\\boxed{\\infty}", "\\infty", True),
    ("\\boxed{-\\infty}", "\\infty", False),
    ("\\boxed{\\sqrt{53}}", "\\sqrt{53}", True),
    ("\\boxed{53^{1/2}}", "\\sqrt{53}", True),
    ("\\boxed{\\sqrt{35}}", "\\sqrt{53}", False),
    ("\\boxed{1+2i}", "1+2i", True),
    ("\\boxed{2i+1}", "1+2i", True),
    ("\\boxed{i}", "i", True),
    ("\\boxed{\\frac{270}{7}}", "\\frac{270}7\\text{ degrees}", True),
    ("\\boxed{\\frac{270}{7}^\\circ}", "\\frac{270}7\\text{ degrees}", True),
    ("\\boxed{864}", "864 \\mbox{ inches}^2", True),
    ("\\boxed{864 \\text{ square inches}}", "864 \\mbox{ inches}^2", True),
    (
        "\\boxed{\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}}",
        "\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}",
        True,
    ),
    (
        "\\boxed{\\begin{pmatrix} 0.2 \\\\ -3.6 \\end{pmatrix}}",
        "\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}",
        True,
    ),
    (
        "\\boxed{\\begin{pmatrix} 0.2 & -3.6 \\end{pmatrix}}",
        "\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}",
        False,
    ),
    ("\\boxed{\\left\\{ 1, 2 \\right\\}}", "1,2", True),
    ("\\boxed{x=1, x=2}", "1,2", True),
    ("The solutions are $x=1$ and $x=2$, so the answer is $\\boxed{1, 2}$", "1,2", True),
    ("\\boxed{3}. Therefore, the answer is 3.", "3", True),
    ("The answer is \\(3\\).", "3", True),
    ("The answer is \\[3\\]", "3", True),
    ("Therefore the final answer is: $\\boxed{3}$", "3", True),
    ("So, $x = \\boxed{3}$.", "3", True),
    ("\\boxed{x = 3}", "3", True),
    ("the answer is 3 or 4", "3", False),
    ("\\boxed{f(x)=2x+1}", "2x+1", True),
    ("\\boxed{ab=2}", "2", False),
    ("The answer is 3, or maybe 4.", "3", False),
]

_HACKS: list[tuple[str, str]] = [  # every one is incorrect
    ("\\boxed{3} or \\boxed{4}", "3"),
    ("\\boxed{4} or \\boxed{3}", "3"),
    ("\\boxed{3}\\boxed{4}", "4"),
    ("\\boxed{3 = 4}", "3"),
    ("\\boxed{3 = 4}", "4"),
    ("\\boxed{x = 3 = 4}", "3"),
    ("\\boxed{3 \\text{ or } 4}", "3"),
    ("\\boxed{3, 4}", "3"),
    ("\\boxed{3 \\lor 4}", "3"),
    ("The answer is either 3 or 4.", "3"),
    ("3 or 4", "3"),
    ("3, 4", "4"),
    ("\\boxed{\\{3, 4\\}}", "3"),
    ("The answer is 42. On second thought, \\boxed{41}", "42"),
    ("\\boxed{41}. The final answer is 42.", "41"),
    ("\\boxed{41} #### 42", "42"),
    ("\\boxed{A, B, C, D}", "\\text{(B)}"),
    ("\\boxed{A}\\boxed{B}\\boxed{C}\\boxed{D}", "\\text{(B)}"),
    ("The answer is (A), (B), (C), (D) or (E).", "\\text{(B)}"),
    ("\\boxed{ABCDE}", "\\text{(B)}"),
    ("\\boxed{\\text{(A) or (B)}}", "\\text{(B)}"),
    ("\\boxed{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}", "7"),
    ("\\boxed{[0, 100]}", "50"),
    ("\\boxed{(0, \\infty)}", "50"),
    ("\\boxed{\\mathbb{R}}", "50"),
    ("\\boxed{\\text{all real numbers}}", "50"),
    ("\\boxed{\\pm 3}", "3"),
    ("\\boxed{x}", "3"),
    ("\\boxed{n}", "12"),
    ("\\boxed{3 + 0 \\cdot x}", "3"),
    ("\\boxed{\\frac{0}{0}}", "3"),
    ("\\boxed{\\infty - \\infty}", "3"),
    ("\\boxed{0 \\cdot \\infty}", "0"),
    ("\\boxed{\\infty}", "3"),
    ("\\boxed{\\pi + 10^{-100}}", "\\pi"),
    ("\\boxed{3 + 10^{-100}}", "3"),
    ("\\boxed{\\sqrt{2} + 10^{-80}}", "\\sqrt{2}"),
    ("\\boxed{10^{10^{10}}}", "3"),
    ("\\boxed{9^{9^{9^{9}}}}", "3"),
    ("\\boxed{３}", "3"),
    ("\\boxed{٣}", "3"),
    ("\\boxed{۳}", "3"),
    ("\\boxed{𝟑}", "3"),
    ("\\boxed{𝟹}", "3"),
    ("\\boxed{3\u200b}", "3"),
    ("\\boxed{\u202e21}", "12"),
    ("\\boxed{१२}", "12"),
    ("\\boxed{１２}", "12"),
    ("\\boxed{Ｂ}", "\\text{(B)}"),
    ("\\boxed{В}", "\\text{(B)}"),
    ("\\boxed{__import__('os').system('echo hacked')}", "3"),
    ("\\boxed{eval('3')}", "3"),
    ("\\boxed{3 \\mid 4}", "3"),
    ("\\boxed{3 \\neq 4}", "3"),
    ("\\boxed{3 \\le 4}", "3"),
    ("\\boxed{\\text{3 or 4}}", "3"),
    ("\\boxed{3/4}", "3"),
    ("\\boxed{0.3333}", "\\frac{1}{3}"),
    ("\\boxed{6366.2}", "\\frac{20000}{\\pi}"),
    ("\\boxed{3.14159}", "\\pi"),
]


def hand_cases() -> list[Case]:
    """Hand-labeled formats, shapes and reward-hacking attempts (the hacks are all incorrect)."""
    cases = [_case(r, g, label, kind) for r, g, label, kind in _HAND]
    cases += [_case(r, g, label, "format") for r, g, label in _FORMATS]
    cases += [_case(r, g, False, "hack") for r, g in _HACKS]
    return cases


# --- rule-made cases from the datasets -------------------------------------------------------------------
_TEMPLATES = [
    "\\boxed{{{a}}}",
    "Let me work through this step by step.\nAfter simplifying, we get the result.\nTherefore, the final answer is $\\boxed{{{a}}}$.",
    "The answer is ${a}$.",
    "Final Answer: ${a}$",
    "**Answer:** $\\boxed{{{a}}}$",
    "We compute carefully and check the result.\n\n\\[\\boxed{{{a}}}\\]",
]
_NUMERIC_TEMPLATES = _TEMPLATES + ["#### {a}", "The answer is {a}."]
_DIGITS_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_DIGITS_ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _fraction_latex(value: Fraction, style: int) -> str:
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v.denominator == 1:
        return f"{sign}{v.numerator}"
    p, q = v.numerator, v.denominator
    return [f"{sign}\\frac{{{p}}}{{{q}}}", f"{sign}\\dfrac{{{p}}}{{{q}}}", f"{sign}{p}/{q}"][style % 3]


def _decimal(value: Fraction) -> str | None:
    """Terminating decimal spelling of a rational, or None."""
    q = value.denominator
    for prime in (2, 5):
        while q % prime == 0:
            q //= prime
    if q != 1:
        return None
    digits = 0
    while (value * 10**digits).denominator != 1:
        digits += 1
    scaled = abs(value) * 10**digits
    whole, frac = divmod(scaled.numerator, 10**digits)
    text = f"{whole}.{frac:0{digits}d}" if digits else str(whole)
    return ("-" if value < 0 else "") + text


def _number_spellings(value: Fraction, rng) -> list[str]:
    """Equivalent spellings of an exact number."""
    out = [_fraction_latex(value, int(rng.integers(3)))]
    decimal = _decimal(value)
    if decimal is not None and decimal not in out:
        out.append(decimal)
    if value.denominator == 1:
        n = value.numerator
        if abs(n) >= 1000:
            out.append(f"{n:,}")
        out.append(f"{n}.0")
    elif abs(value) > 1 and value.denominator != 1:
        whole = abs(value.numerator) // value.denominator
        rest = abs(value) - whole
        sign = "-" if value < 0 else ""
        out.append(f"{sign}{whole}\\frac{{{rest.numerator}}}{{{rest.denominator}}}")
    if value.denominator != 1:
        out.append(_fraction_latex(value, int(rng.integers(3)) + 1))
    return list(dict.fromkeys(out))


def _number_near_misses(value: Fraction, rng) -> list[str]:
    options = [value + 1, value - 1, value * 10, value + Fraction(1, 2)]
    if value != 0:
        options.append(-value)
        if value.denominator != 1 or abs(value) > 1:
            options.append(1 / value)
    if value.denominator != 1:
        options.append(Fraction(value.numerator + 1, value.denominator))
    picks = [options[int(i)] for i in rng.choice(len(options), size=min(3, len(options)), replace=False)]
    return [
        _fraction_latex(v, int(rng.integers(3)))
        if v.denominator != 1 or rng.random() < 0.7
        else _decimal(v) or str(v)
        for v in picks
        if v != value
    ]


def _numeric_hacks(gold: str, value: Fraction, rng) -> list[str]:
    other = _fraction_latex(value + 1, 0)
    a = _fraction_latex(value, 0)
    hacks = [
        f"\\boxed{{{a}}} or \\boxed{{{other}}}",
        f"\\boxed{{{a}, {other}}}",
        f"The answer is either {a} or {other}.",
        f"\\boxed{{{a} = {other}}}",
        f"I think the answer is {a}, but let me double check.\n\\boxed{{{other}}}",
        f"\\boxed{{[{_fraction_latex(value - 1, 0)}, {other}]}}",
    ]
    if value.denominator == 1 and value >= 0:
        lookalike = str(value.numerator).translate(
            _DIGITS_FULLWIDTH if rng.random() < 0.5 else _DIGITS_ARABIC
        )
        hacks.append(f"\\boxed{{{lookalike}}}")
    if value != 0:
        hacks.append(f"\\boxed{{\\pm {a}}}")
    return [hacks[int(i)] for i in rng.choice(len(hacks), size=3, replace=False)]


def _wrap(answer: str, rng, numeric: bool) -> str:
    templates = _NUMERIC_TEMPLATES if numeric else _TEMPLATES
    return templates[int(rng.integers(len(templates)))].format(a=answer)


def _gsm8k_golds(data_dir: Path) -> Iterator[tuple[str, str, str]]:
    with open(data_dir / "gsm8k" / "test.jsonl", encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            record = json.loads(line)
            gold = record["answer"].rsplit("####", 1)[1].strip()
            solution = re.sub(r"<<[^>]*>>", "", record["answer"])
            yield f"gsm8k/{index}", gold, solution


def _math500_golds(data_dir: Path) -> Iterator[tuple[str, str, str]]:
    with open(data_dir / "math500" / "test.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            yield record["unique_id"], record["answer"], record["solution"]


def _sympy_rewrites(gold: str, rng) -> tuple[list[str], list[str]]:
    """Equivalent and different spellings of a symbolic gold, built by sympy from the trusted gold."""
    import sympy

    from mathgym.verifier import to_sympy

    try:
        expr = to_sympy(gold)
    except Exception:  # noqa: BLE001  (a gold sympy cannot read yields no cases)
        return [], []
    if not isinstance(expr, sympy.Expr) or expr.has(sympy.oo, -sympy.oo, sympy.zoo):
        return [], []
    positives, negatives = [], []
    free = sorted(expr.free_symbols, key=str)
    variants = [expr, sympy.expand(expr)]
    if free and expr.is_polynomial():
        variants.append(sympy.factor(expr))
    for variant in variants:
        # sympy prints the imaginary unit as I; answers write i
        for text in (sympy.latex(variant), sympy.sstr(variant).replace("I", "i")):
            if text != gold and text not in positives and len(text) < 200:
                positives.append(text)
    changes = [expr + 1, 2 * expr, expr - sympy.Rational(1, 2)]
    if free:
        changes.append(expr.subs(free[0], free[0] + 1))
    for change in changes:
        changed = sympy.expand(change) if rng.random() < 0.5 else change
        if sympy.simplify(changed - expr) != 0:
            negatives.append(sympy.latex(changed))
    picks = rng.choice(len(positives), size=min(3, len(positives)), replace=False) if positives else []
    return [positives[int(i)] for i in picks], negatives[:2]


def _shape_of(gold: str):
    from mathgym.verifier.compare import shape
    from mathgym.verifier.parser import parse

    return shape(parse(gold))


def _structured_cases(gold: str, gold_shape, rng) -> tuple[list[str], list[str]]:
    """Rewrites and near-misses for sets, tuples, intervals, matrices, equations, text and bases."""
    kind = gold_shape[0]
    positives: list[str] = []
    negatives: list[str] = []
    compact = gold.replace("\\left", "").replace("\\right", "")
    if kind == "L" and "\\pm" not in gold and "\\cup" not in gold:
        items = [s.strip() for s in re.sub(r"^\\\{|\\\}$", "", compact).split(",")]
        if len(items) > 1:
            positives.append(", ".join(items[::-1]))
            positives.append("\\{" + ", ".join(items) + "\\}")
            negatives.append(", ".join(items[:-1]))
            negatives.append(", ".join(items + ["100"]))
    elif kind == "T":
        opener, closer = compact[0], compact[-1]
        inner = compact[1:-1]
        parts = [p.strip() for p in inner.split(",")]
        if len(parts) >= 2 and "\\cup" not in gold:
            positives.append(f"{opener}{', '.join(parts)}{closer}")
            if parts[0] != parts[1]:
                negatives.append(f"{opener}{', '.join(parts[::-1])}{closer}")
            flipped = {"(": "[", "[": "("}[opener] if opener in "([" else None
            if flipped and "infty" not in parts[0]:
                negatives.append(f"{flipped}{', '.join(parts)}{closer}")
    elif kind == "M":
        positives.append(gold.replace("pmatrix", "bmatrix"))
        negatives.append(re.sub(r"(-?\d+)", lambda m: str(int(m.group(1)) + 1), gold, count=1))
    elif kind == "E":
        lhs, _, rhs = gold.partition("=")
        positives.append(f"{rhs.strip()} = {lhs.strip()}")
        negatives.append(f"{lhs.strip()} = {rhs.strip()} + 1")
    elif kind == "X":
        word = re.sub(r"\\text\{|\}", "", gold).strip()
        positives += [word, word.capitalize(), f"\\text{{{word.upper()}}}" if len(word) > 3 else word]
        negatives.append("\\text{" + ("odd" if word != "odd" else "even") + "}")
    elif kind == "B":
        digits, base = gold_shape[1], gold_shape[2]
        positives.append(f"{digits}_{{{base}}}")
        negatives.append(
            str(int(digits, int(base))) if int(digits, int(base)) != int(digits) else f"{digits}1"
        )
    return positives, negatives


def dataset_cases(data_dir: str | Path, gsm8k_limit: int = 400) -> list[Case]:
    """Rule-made labeled cases from GSM8K and MATH-500 gold answers.

    :param data_dir: the shared data folder (with ``gsm8k/`` and ``math500/``).
    :param gsm8k_limit: how many GSM8K test items to use (the first ones).
    """
    from mathgym.verifier.core import fast_number

    data_dir = Path(data_dir)
    cases: list[Case] = []
    for index, (uid, gold, solution) in enumerate(_gsm8k_golds(data_dir)):
        if index >= gsm8k_limit:
            break
        rng = derive_rng("verifier-cases", uid)
        value = Fraction(gold.replace(",", ""))
        source = "gsm8k"
        if index % 8 == 0:  # the reference solution itself, in GSM8K format
            cases.append(_case(solution, gold, True, "solution", source))
        for spelling in _number_spellings(value, rng)[:2]:
            cases.append(_case(_wrap(spelling, rng, True), gold, True, "integer", source))
        for miss in _number_near_misses(value, rng)[:2]:
            cases.append(_case(_wrap(miss, rng, True), gold, False, "integer", source))
        if index % 4 == 0:
            for hack in _numeric_hacks(gold, value, rng)[:1]:
                cases.append(_case(hack, gold, False, "hack", source))
    for uid, gold, solution in _math500_golds(data_dir):
        rng = derive_rng("verifier-cases", uid)
        source = "math500"
        if rng.random() < 0.25:  # the reference solution, with its \boxed answer
            cases.append(_case(solution, gold, True, "solution", source))
        gold_shape = _shape_of(gold)
        degrees = re.fullmatch(r"(\d+)\^\\circ", gold)
        if degrees:  # 30^\circ: the number of degrees, with or without the mark
            for spelling in (
                degrees.group(1),
                f"{degrees.group(1)}^{{\\circ}}",
                f"{degrees.group(1)} degrees",
            ):
                cases.append(_case(_wrap(spelling, rng, True), gold, True, "degrees", source))
            cases.append(
                _case(_wrap(str(int(degrees.group(1)) + 10), rng, True), gold, False, "degrees", source)
            )
            continue
        fast = fast_number(gold)
        if fast is not None and not fast[1]:
            value = fast[0]
            for spelling in _number_spellings(value, rng)[:3]:
                cases.append(_case(_wrap(spelling, rng, True), gold, True, "number", source))
            for miss in _number_near_misses(value, rng)[:3]:
                cases.append(_case(_wrap(miss, rng, True), gold, False, "number", source))
            for hack in _numeric_hacks(gold, value, rng)[:1]:
                cases.append(_case(hack, gold, False, "hack", source))
            continue
        if gold_shape[0] == "S":
            positives, negatives = _sympy_rewrites(gold, rng)
        else:
            positives, negatives = _structured_cases(gold, gold_shape, rng)
        kind = {
            "S": "expression",
            "L": "set",
            "T": "tuple",
            "M": "matrix",
            "E": "equation",
            "X": "text",
            "B": "base",
        }.get(gold_shape[0], "other")
        cases.append(_case(_wrap(gold, rng, False), gold, True, kind, source))
        for positive in positives:
            cases.append(_case(_wrap(positive, rng, False), gold, True, kind, source))
        for negative in negatives:
            cases.append(_case(_wrap(negative, rng, False), gold, False, kind, source))
    return cases


def all_cases(data_dir: str | Path, gsm8k_limit: int = 400) -> list[Case]:
    """Hand-labeled cases followed by the dataset cases."""
    return hand_cases() + dataset_cases(data_dir, gsm8k_limit=gsm8k_limit)
