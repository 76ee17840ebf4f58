"""GSM-Symbolic annotated templates: parsing, safe evaluation and constrained sampling.

A template record (``question_annotated`` + ``answer_annotated``, see ``shared/data/gsm_symbolic/README.md``)
is a question whose variable parts are written ``{var,default}``, followed by three sections::

    #init:
    - name = sample(names_female)
    - $x = range(10, 500, 10)
    - h_1, h_3 = sample(['read', 'paint', 'hike'], 2)
    #conditions:
    - divides(x, 10)
    #answer: x // 10

and a solution whose ``{expr}`` spans are evaluated with the sampled values, ending in ``#### {expr}``.

The parser accepts every construct of Apple's published files (the ``symbolic``, ``p1`` and ``p2`` sets):
``$`` marks on targets and inside expressions, and numeric variables without the mark (a variable is numeric
when its domain holds numbers: ``x = range(1, 9)``); ``-item`` without a space; several targets assigned
from one ``sample(list, k)``; ``(text, value)`` pairs (the question shows the text, the arithmetic uses the
value, and ``x[0]``/``x[1]`` index the pair), also when the text part is a number (``(5, 5)``); conditions
that mention ``ans`` (the answer); a missing ``#conditions:`` section; a missing ``#answer:`` section (the
final ``#### {expr}`` is used); ``#answer = expr`` and ``#answer: {expr}``; expressions split over lines;
bare list literals; ``np.arange``/``frange``/``fix_floats``/``shuffle_list``/``numbers_within``/
``sample_sequential`` domains; random draws (``np.random.randint(low, high, size)``, ``np.random.choice``,
``random.randint``), whose domain is every value they can draw; a variable defined twice in ``#init`` (the
later definition is the variable, as in Python; lines in between read the earlier one); chained comparisons
and ``Fraction``.

Conditions that use ``%`` are evaluated with exact rationals (:mod:`mathgym.variants.expr`, ``exact=True``):
``price * 1.13 % 100 == 0`` must not depend on binary rounding.

Expressions are evaluated by :mod:`mathgym.variants.expr` (a whitelist compiler, never ``eval``).
Values satisfying every condition are found by a randomised depth-first search with restarts that
checks each condition as soon as its variables are bound, which finds rare equality constraints
(``total == x + y + ...``) that plain rejection sampling would need millions of draws for.
"""

from mathgym.variants.template.core import GSMTemplate
from mathgym.variants.template.domain import TemplateBase
from mathgym.variants.template.syntax import (
    Assignment,
    Condition,
    InitLine,
    Placeholder,
    TemplateError,
)
from mathgym.variants.template.values import (
    LabelledFloat,
    LabelledFraction,
    LabelledInt,
    SampleSpec,
    decode_value,
    divides,
    encode_value,
    is_int,
    labelled,
    split_element,
    template_functions,
)

__all__ = [
    "Assignment",
    "Condition",
    "GSMTemplate",
    "InitLine",
    "LabelledFloat",
    "LabelledFraction",
    "LabelledInt",
    "Placeholder",
    "SampleSpec",
    "TemplateBase",
    "TemplateError",
    "decode_value",
    "divides",
    "encode_value",
    "is_int",
    "labelled",
    "split_element",
    "template_functions",
]
