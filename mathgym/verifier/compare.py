"""Equivalence of two parsed answers: shapes (sets, tuples, intervals, equations, matrices) and values.

Values are compared exactly when both are (Gaussian) rationals, otherwise with multiprecision evaluation
whose precision grows with the spread of magnitudes met (so ``\\pi + 10^{-100}`` is not ``\\pi``).
Expressions with variables are compared by evaluation at fixed pseudo-random rational points (polynomial
identity testing); a response may not use a variable the gold does not have.

Equations that name what they give (``x = 3``, ``AB = 4``, ``|AB| = 1``, ``A:B = 1``) are *named values*: they
match the bare value, and another named value only under the same name (``y = 3`` is not ``x = 3``).
Inequalities in one variable are compared as solution sets (``5 \\geq x`` is ``x \\leq 5``, ``-x > -1`` is
``x < 1``). A decimal of 12 or more significant digits matches a rational gold it was rounded or truncated from
(``0.0833333333333333`` is ``1/12``), see :func:`long_decimal_matches`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from mathgym.seeding import derive_rng
from mathgym.verifier.evaluate import (
    QC,
    Magnitudes,
    NotExact,
    Undefined,
    approx,
    exact,
    free_symbols,
    mp_context,
)
from mathgym.verifier.limits import MAX_DIGITS, MAX_ITEMS, LimitExceeded, check_deadline

_BASE_DIGITS = 30
_TOLERANCE_DIGITS = 8  # digits of slack below the working precision
_MAX_VARIABLES = 12
_N_POINTS = 3


def _make_points() -> list[list[Fraction]]:
    """Evaluation points: small non-integer rationals, distinct per variable and per point."""
    rng = derive_rng("mathgym.verifier", "evaluation-points")
    points = []
    for _ in range(_N_POINTS):
        row = []
        for _ in range(_MAX_VARIABLES):
            denominator = int(rng.integers(3, 30))
            numerator = int(rng.integers(-6 * denominator, 6 * denominator))
            while numerator % denominator == 0:
                numerator += 1
            row.append(Fraction(numerator, denominator))
        points.append(row)
    return points


POINTS = _make_points()
_FUNCTION_NAMES = frozenset("fghpqrFGHPQR")
_INF = ("c", "inf")
_NEG_INF = ("neg", ("c", "inf"))


class ValueCache:
    """Memo of a gold answer's evaluations (exact values and multiprecision values per precision)."""

    __slots__ = ("approx", "exact", "symbols")

    def __init__(self) -> None:
        self.exact: dict = {}
        self.approx: dict = {}
        self.symbols: dict = {}


# --- values -----------------------------------------------------------------------------------------------
def _symbols(node: tuple, cache: ValueCache | None) -> frozenset:
    if cache is None:
        return frozenset(free_symbols(node))
    key = id(node)
    found = cache.symbols.get(key)
    if found is None:
        found = frozenset(free_symbols(node))
        cache.symbols[key] = found
    return found


def _exact_cached(node: tuple, env: dict, point: int, cache: ValueCache | None) -> Any:
    """Exact value, or the exception class NotExact/Undefined (returned, not raised, to memoise it)."""
    key = (id(node), point)
    if cache is not None and key in cache.exact:
        return cache.exact[key]
    try:
        value: Any = exact(node, env)
    except NotExact:
        value = NotExact
    except Undefined:
        value = Undefined
    if cache is not None:
        cache.exact[key] = value
    return value


def _approx_cached(node: tuple, env: dict, point: int, digits: int, cache: ValueCache | None) -> tuple:
    key = (id(node), point, digits)
    if cache is not None and key in cache.approx:
        return cache.approx[key]
    ctx = mp_context(digits)
    mags = Magnitudes()
    try:
        value: Any = approx(node, env, ctx, mags)
    except (Undefined, ZeroDivisionError, ValueError):
        value = Undefined
    result = (value, mags.low, mags.high)
    if cache is not None:
        cache.approx[key] = result
    return result


def _close(a: Any, b: Any, digits: int, high: int) -> bool | None:
    """True/False when ``a`` and ``b`` (mp numbers) are equal/different at this precision, None if NaN."""
    ctx = mp_context(digits)
    if ctx.isnan(a) or ctx.isnan(b):
        return None
    if ctx.isinf(a) or ctx.isinf(b):
        return bool(a == b)
    scale = ctx.mpf(2) ** max(high, 0)
    return bool(abs(a - b) <= ctx.mpf(10) ** (_TOLERANCE_DIGITS - digits) * scale)


def _point_equal(gold: tuple, resp: tuple, env: dict, point: int, cache: ValueCache | None) -> bool | None:
    """Equality of two expressions at one point: True, False, or None when either is undefined there."""
    gold_value = _exact_cached(gold, env, point, cache)
    resp_value = _exact_cached(resp, env, point, None)
    if gold_value is Undefined or resp_value is Undefined:
        return None
    if gold_value is not NotExact and resp_value is not NotExact:
        return gold_value == resp_value
    digits = _BASE_DIGITS
    while True:
        check_deadline()
        gold_mp, gold_low, gold_high = _approx_cached(gold, env, point, digits, cache)
        resp_mp, resp_low, resp_high = _approx_cached(resp, env, point, digits, None)
        if gold_mp is Undefined or resp_mp is Undefined:
            return None
        high = max(gold_high, resp_high)
        low = min(gold_low, resp_low)
        equal = _close(gold_mp, resp_mp, digits, high)
        if not equal:
            return equal
        # tiny terms could hide below the tolerance: the precision must cover the spread of magnitudes
        needed = int((high - low) * 0.30103) + _TOLERANCE_DIGITS + 6
        if needed <= digits:
            return True
        if needed > MAX_DIGITS:
            raise LimitExceeded("precision needed is too high")
        digits = needed


def values_equal(gold: tuple, resp: tuple, cache: ValueCache | None) -> bool:
    """Whether two scalar expressions are equal (as functions of the gold's variables).

    :param gold: gold expression node.
    :param resp: response expression node.
    :param cache: the gold's evaluation memo (or None).
    """
    gold_symbols = _symbols(gold, cache)
    resp_symbols = _symbols(resp, None)
    if not resp_symbols <= gold_symbols:
        return False
    if not gold_symbols:
        return bool(_point_equal(gold, resp, {}, -1, cache))
    names = sorted(gold_symbols)
    if len(names) > _MAX_VARIABLES:
        raise LimitExceeded("too many variables")
    defined = 0
    for point in range(_N_POINTS):
        env = dict(zip(names, POINTS[point]))
        result = _point_equal(gold, resp, env, point, cache)
        if result is False:
            return False
        if result:
            defined += 1
    return defined >= 2


def _value_at(node: tuple, env: dict, point: int, cache: ValueCache | None) -> Any:
    """Exact value or 60-digit mp value of ``node`` at a point (None when undefined)."""
    value = _exact_cached(node, env, point, cache)
    if value is Undefined:
        return None
    if value is not NotExact:
        return value
    mp_value = _approx_cached(node, env, point, 60, cache)[0]
    return None if mp_value is Undefined else mp_value


# --- shapes -----------------------------------------------------------------------------------------------
def expand_pm(node: Any, limit: int = 8) -> list:
    """All sign choices of the ``\\pm`` nodes in ``node`` (``1 \\pm \\sqrt 2`` → two expressions)."""
    if not isinstance(node, tuple) or not node or not isinstance(node[0], str):
        return [node]
    head = node[0]
    if head in ("n", "v", "c", "based", "text"):
        return [node]
    if head == "pm":
        left = [None] if node[1] is None else expand_pm(node[1], limit)
        right = expand_pm(node[2], limit)
        out = []
        for a in left:
            for b in right:
                out.append(b if a is None else ("add", (a, b)))
                out.append(("neg", b) if a is None else ("add", (a, ("neg", b))))
        if len(out) > limit:
            raise LimitExceeded("too many \\pm")
        return out
    variants: list = [()]
    for part in node[1:]:
        if isinstance(part, tuple) and part and not isinstance(part[0], str):
            options = [tuple(combo) for combo in _product([expand_pm(p, limit) for p in part], limit)]
        else:
            options = expand_pm(part, limit) if isinstance(part, tuple) else [part]
        variants = [v + (o,) for v in variants for o in options]
        if len(variants) > limit:
            raise LimitExceeded("too many \\pm")
    return [(head,) + v for v in variants]


def _product(lists: list, limit: int) -> list:
    combos: list = [()]
    for options in lists:
        combos = [c + (o,) for c in combos for o in options]
        if len(combos) > limit:
            raise LimitExceeded("too many \\pm")
    return combos


def _has_pm(node: Any) -> bool:
    if not isinstance(node, tuple) or not node:
        return False
    if node[0] == "pm":
        return True
    return any(_has_pm(part) for part in node if isinstance(part, tuple))


def shape(node: tuple) -> tuple:  # noqa: C901  (one branch per node kind)
    """Classify a parsed answer.

    :returns: one of ``('S', expr)`` scalar, ``('L', shapes)`` unordered collection, ``('T', open, close,
        shapes)`` ordered tuple or interval, ``('M', rows)`` matrix, ``('E', lhs, rhs, chain)`` equation,
        ``('R', ops, exprs)`` inequality chain, ``('X', text)`` words, ``('B', digits, base)`` based number.
    """
    head = node[0]
    if head == "in":
        return shape(node[2])
    if head == "list" or head == "set":
        items: list = []
        for item in node[1]:
            if _has_pm(item) and item[0] not in ("tuple", "mat", "set", "list"):
                items.extend(("S", variant) for variant in expand_pm(item))  # {1 \pm 2, 5} = {3, -1, 5}
            else:
                items.append(shape(item))
        return ("L", tuple(items))
    if head == "union":
        items = []
        for part in node[1]:
            part_shape = shape(part)
            items.extend(part_shape[1] if part_shape[0] == "L" else (part_shape,))
        return ("L", tuple(items))
    if head == "tuple":
        return ("T", node[1], node[2], tuple(shape(item) for item in node[3]))
    if head == "ratio":  # A:B and clock times: ordered, compared entry by entry
        return ("T", ":", ":", tuple(shape(item) for item in node[1]))
    if head == "mat":
        return ("M", tuple(tuple(shape(cell) for cell in row) for row in node[1]))
    if head == "text":
        return ("X", node[1])
    if head == "based":
        return ("B", node[1], node[2])
    if head == "rel":
        ops, exprs = node[1], node[2]
        if ops[0] == "~=" and label_name(exprs[0]) is not None:  # "x \\approx 11" names the value 11
            return ("E", exprs[0], exprs[1], exprs[:2])
        if "~=" in ops:  # "20000/pi ~= 6366.2": the exact part before the approximation counts
            cut = ops.index("~=")
            ops, exprs = ops[:cut], exprs[: cut + 1]
            if not ops:
                return shape(exprs[0])
        if all(op == "=" for op in ops):
            return ("E", exprs[0], exprs[-1], exprs)
        return ("R", ops, exprs)
    if _has_pm(node):
        return ("L", tuple(("S", variant) for variant in expand_pm(node)))
    return ("S", node)


def label_name(node: tuple) -> str | None:
    """The name an equation's side gives to its value, or None when that side is an expression.

    Names: a variable (``x``, ``a_1``), a segment or angle written in capitals (``AB``, ``ABC``) and its
    length ``|AB|``, a ratio of names (``A:B``). A product of small letters (``ab``) is an expression.
    """
    kind = node[0]
    if kind == "v":
        return node[1]
    if (
        kind == "mul"
        and len(node[1]) <= 4
        and all(f[0] == "v" and len(f[1]) == 1 and f[1].isupper() for f in node[1])
    ):
        return "".join(f[1] for f in node[1])
    if kind == "abs" and node[1][0] == "mul":
        return label_name(node[1])
    if kind == "ratio":
        names = [label_name(item) for item in node[1]]
        return None if None in names else ":".join(names)  # type: ignore[arg-type]
    return None


def named_value(eq: tuple) -> tuple[str, tuple] | None:
    """``x = 5`` / ``5 = x`` / ``x = y = 5`` / ``AB = 4`` → (name, value side), when one side names the other."""
    lhs, rhs, chain = eq[1], eq[2], eq[3]
    if lhs[0] == "v" and lhs[1] not in free_symbols(rhs):
        return lhs[1], rhs
    if lhs[0] == "tuple" and all(item[0] == "v" for item in lhs[3]) and not free_symbols(rhs):
        return ",".join(item[1] for item in lhs[3]), rhs  # (a, b) = (2, 3)
    if (
        lhs[0] == "mul"
        and len(lhs[1]) == 2
        and lhs[1][0][0] == "v"
        and lhs[1][1][0] == "v"
        and lhs[1][0][1] in _FUNCTION_NAMES
        and lhs[1][0][1] not in free_symbols(rhs)
    ):
        return lhs[1][0][1], rhs  # f(x) = 2x + 1 (parsed as the product f*x)
    if rhs[0] == "v" and len(chain) == 2 and rhs[1] not in free_symbols(lhs):
        return rhs[1], lhs
    name = label_name(lhs)
    if name is not None and not free_symbols(rhs):
        return name, rhs  # AB = 4, |AB| = 1, A:B = 1
    return None


def _chain_consistent(eq: tuple, cache: ValueCache | None) -> bool:
    """In ``x = 1 + 2 = 3`` every variable-free part must have the same value (``3 = 4`` never holds)."""
    parts = [part for part in eq[3] if not free_symbols(part)]
    return all(values_equal(parts[0], other, None) for other in parts[1:])


def _as_value_shape(s: tuple) -> tuple:
    """Reduce ``x = v`` to the named value ``('N', 'x', shape of v)``, and a consistent chain of numbers
    (``6 \\cdot 7 = 42``) to its value (recursively inside collections)."""
    if s[0] == "E":
        if not _chain_consistent(s, None):
            return s
        named = named_value(s)
        if named is not None:
            return ("N", named[0], shape(named[1]))
        if not any(free_symbols(part) for part in s[3]):
            return shape(s[3][-1])
        return s
    if s[0] == "L":
        return ("L", tuple(_as_value_shape(item) for item in s[1]))
    return s


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _number(value: Fraction) -> tuple:
    return ("n", value, str(value))


def _interval(low: tuple, high: tuple, low_op: str, high_op: str) -> tuple:
    """The interval ``low op x op high`` (ops ``<``/``<=``) as a tuple shape."""
    return ("T", "(" if low_op == "<" else "[", ")" if high_op == "<" else "]", (("S", low), ("S", high)))


def _linear(node: tuple, var: str) -> tuple[Fraction, Fraction] | None:
    """``(a, b)`` with ``node = a*var + b`` exactly (a != 0), checked at four points; None otherwise."""
    values = []
    for point in (Fraction(0), Fraction(1), Fraction(2), Fraction(7, 3)):
        try:
            value = exact(node, {var: point})
        except (NotExact, Undefined):
            return None
        if not isinstance(value, Fraction):
            return None
        values.append(value)
    b, a = values[0], values[1] - values[0]
    if a == 0 or values[2] != 2 * a + b or values[3] != Fraction(7, 3) * a + b:
        return None
    return a, b


def _constant(node: tuple) -> Fraction | None:
    try:
        value = exact(node, {})
    except (NotExact, Undefined):
        return None
    return value if isinstance(value, Fraction) else None


def solution_set(rel: tuple) -> tuple[str, tuple] | None:
    """The solution set of an inequality chain in one variable, as ``(variable, interval shape)``.

    ``x > 5`` and ``5 < x`` → ``(5, inf)``; ``-2 <= x <= 7`` → ``[-2, 7]``; linear sides are solved exactly
    (``-x > -1`` → ``x < 1``, ``2 < 2x + 4 <= 8``); None for anything else.
    """
    ops, exprs = rel[1], rel[2]
    if any(op not in _FLIP for op in ops):
        return None
    if all(op in (">", ">=") for op in ops):  # read decreasing chains backwards
        exprs = exprs[::-1]
        ops = tuple(_FLIP[op] for op in ops[::-1])
    if not all(op in ("<", "<=") for op in ops):
        return None
    symbols = set().union(*(free_symbols(e) for e in exprs))
    if len(symbols) != 1:
        return None
    (var,) = symbols
    if len(exprs) == 2:
        if exprs[0] == ("v", var):
            return var, _interval(_NEG_INF, exprs[1], "<", ops[0])
        if exprs[1] == ("v", var):
            return var, _interval(exprs[0], _INF, ops[0], "<")
        coefficients = _linear(("add", (exprs[0], ("neg", exprs[1]))), var)
        if coefficients is None:
            return None
        a, b = coefficients  # a*x + b op 0
        root = _number(-b / a)
        op = ops[0] if a > 0 else _FLIP[ops[0]]
        if op in ("<", "<="):
            return var, _interval(_NEG_INF, root, "<", op)
        return var, _interval(root, _INF, {">": "<", ">=": "<="}[op], "<")
    if len(exprs) == 3 and not free_symbols(exprs[0]) and not free_symbols(exprs[2]):
        if exprs[1] == ("v", var):
            return var, _interval(exprs[0], exprs[2], ops[0], ops[1])
        coefficients = _linear(exprs[1], var)
        low, high = _constant(exprs[0]), _constant(exprs[2])
        if coefficients is None or low is None or high is None:
            return None
        a, b = coefficients
        ends = [(low - b) / a, (high - b) / a]
        if a > 0:
            return var, _interval(_number(ends[0]), _number(ends[1]), ops[0], ops[1])
        return var, _interval(_number(ends[1]), _number(ends[0]), ops[1], ops[0])
    return None


def _strip_scalar_marks(node: tuple) -> tuple[tuple, bool]:
    """Remove a top-level percent sign or degree mark: returns (node, had_percent)."""
    negate = False
    while node[0] == "neg" and node[1][0] in ("pct", "deg", "neg"):
        negate = not negate
        node = node[1]
    percent = False
    while node[0] in ("pct", "deg"):
        percent = percent or node[0] == "pct"
        node = node[1]
    return (("neg", node) if negate else node), percent


def scalar_equal(gold: tuple, resp: tuple, cache: ValueCache | None) -> bool:
    """Scalar equality with the percent convention.

    A percent sign in the response always divides by 100 (``50\\%`` is ``1/2``; ``0.5\\%`` is not ``0.5``). A
    percent gold (``25\\%``) takes its number of percent with the unit left out (``25``, as ``15`` answers
    ``15 cm``) or the fraction (``0.25``).
    """
    gold_plain, gold_pct = _strip_scalar_marks(gold)
    resp_plain, resp_pct = _strip_scalar_marks(resp)
    if gold_pct == resp_pct:
        return values_equal(gold_plain, resp_plain, cache) or long_decimal_equal(gold_plain, resp_plain)
    if resp_pct:
        return values_equal(gold_plain, ("pct", resp_plain), cache)
    return values_equal(gold_plain, resp_plain, cache) or values_equal(("pct", gold_plain), resp_plain, cache)


#: fewest significant digits of a decimal that may stand for a non-terminating fraction
LONG_DECIMAL_DIGITS = 12


def long_decimal_matches(raw: str, value: Fraction) -> bool:
    """Whether the decimal literal ``raw`` (``"0.0833333333333333"``) stands for the fraction ``value``.

    The rule: the decimal has at least :data:`LONG_DECIMAL_DIGITS` significant digits and round-trips, i.e.
    it is ``value`` rounded or truncated to the decimal's number of places, or it is the shortest printout
    of the double nearest to ``value`` (what ``repr(float)``, numpy and JavaScript print). Shorter decimals
    (``0.3333``) and decimals that differ in any written digit are wrong.

    :param raw: the literal as written (sign, digits, one ``.``).
    :param value: the exact gold value.
    """
    text = raw.strip()
    negative = text.startswith("-")
    text = text.lstrip("+-")
    whole, dot, places = text.partition(".")
    if not dot or not (whole + places).isdigit() or not places:
        return False
    significant = (whole + places).lstrip("0")
    if len(significant) < LONG_DECIMAL_DIGITS or (negative != (value < 0)):
        return False
    written = Fraction(int(whole + places), 10 ** len(places))
    target = abs(value)
    scaled = target * 10 ** len(places)
    truncated = Fraction(scaled.numerator // scaled.denominator, 10 ** len(places))
    rounded = Fraction(
        (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator), 10 ** len(places)
    )
    if written in (truncated, rounded):
        return True
    try:
        return written == Fraction(repr(float(target)))
    except (OverflowError, ValueError):
        return False


def long_decimal_equal(gold: tuple, resp: tuple) -> bool:
    """:func:`long_decimal_matches` for parsed nodes: a decimal literal response against a rational gold."""
    negative = resp[0] == "neg"
    literal = resp[1] if negative else resp
    if literal[0] != "n" or "." not in literal[2] or free_symbols(gold):
        return False
    value = _constant(gold)
    return value is not None and long_decimal_matches(("-" if negative else "") + literal[2], value)


def _unordered_equal(gold_items: tuple, resp_items: tuple, cache: ValueCache | None) -> bool:
    if len(gold_items) != len(resp_items):
        # duplicates do not make a different set ({1, 1, 2} = {1, 2})
        return _dedupe_equal(gold_items, resp_items, cache)
    remaining = list(resp_items)
    for gold_item in gold_items:
        for index, resp_item in enumerate(remaining):
            if shapes_equal(gold_item, resp_item, cache):
                del remaining[index]
                break
        else:
            return False
    return True


def _dedupe_equal(gold_items: tuple, resp_items: tuple, cache: ValueCache | None) -> bool:
    if len(resp_items) > MAX_ITEMS or len(gold_items) > MAX_ITEMS:
        return False
    return all(any(shapes_equal(g, r, cache) for r in resp_items) for g in gold_items) and all(
        any(shapes_equal(g, r, cache) for g in gold_items) for r in resp_items
    )


def _ordered_equal(gold_items: tuple, resp_items: tuple, cache: ValueCache | None) -> bool:
    return len(gold_items) == len(resp_items) and all(
        shapes_equal(g, r, cache) for g, r in zip(gold_items, resp_items)
    )


def _equations_equal(gold: tuple, resp: tuple, cache: ValueCache | None) -> bool:
    if not (_chain_consistent(gold, cache) and _chain_consistent(resp, cache)):
        return False
    g_lhs, g_rhs, r_lhs, r_rhs = gold[1], gold[2], resp[1], resp[2]
    if (values_equal(g_lhs, r_lhs, cache) and values_equal(g_rhs, r_rhs, cache)) or (
        values_equal(g_lhs, r_rhs, cache) and values_equal(g_rhs, r_lhs, cache)
    ):
        return True
    # the same equation scaled: (l1 - r1) = c * (l2 - r2) for one constant c != 0
    gold_diff = ("add", (g_lhs, ("neg", g_rhs)))
    resp_diff = ("add", (r_lhs, ("neg", r_rhs)))
    symbols = _symbols(gold_diff, None)
    if not symbols or _symbols(resp_diff, None) != symbols:
        return False
    names = sorted(symbols)
    ratio = None
    for point in range(_N_POINTS):
        env = dict(zip(names, POINTS[point]))
        g_value = _value_at(gold_diff, env, point + 100, None)
        r_value = _value_at(resp_diff, env, point + 100, None)
        if g_value is None or r_value is None:
            return False
        if g_value == 0 or r_value == 0:
            if not (g_value == 0 and r_value == 0):
                return False
            continue
        here = _ratio(g_value, r_value)
        if ratio is None:
            ratio = here
        elif not _ratios_match(ratio, here):
            return False
    return ratio is not None


def _to_mp(ctx: Any, v: Any) -> Any:
    """A Fraction as an mpf of ``ctx``; other values unchanged."""
    return ctx.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else v


def _ratio(a: Any, b: Any) -> Any:
    if isinstance(a, (Fraction, QC)) and isinstance(b, (Fraction, QC)):
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return a / b
    ctx = mp_context(60)
    if isinstance(a, QC) or isinstance(b, QC):
        raise Undefined("complex ratio")
    return _to_mp(ctx, a) / _to_mp(ctx, b)


def _ratios_match(a: Any, b: Any) -> bool:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    ctx = mp_context(60)
    a, b = _to_mp(ctx, a), _to_mp(ctx, b)
    return bool(abs(a - b) <= ctx.mpf(10) ** -45 * max(abs(a), abs(b), 1))


def _vector_items(s: tuple) -> tuple | None:
    """Entries of a row or column matrix, or of an unbracketed list / parenthesised tuple."""
    if s[0] == "M":
        rows = s[1]
        if len(rows) == 1:
            return rows[0]
        if all(len(row) == 1 for row in rows):
            return tuple(row[0] for row in rows)
        return None
    if s[0] == "T" and s[1] == "(" and s[2] == ")":
        return s[3]
    return None


def _labelled(items: tuple) -> bool:
    """Whether every item of a collection is a named value, with distinct names (``AB=4, CD=5``)."""
    names = [item[1] for item in items if item[0] == "N"]
    return len(names) == len(items) and len(set(names)) == len(names)


def shapes_equal(gold: tuple, resp: tuple, cache: ValueCache | None) -> bool:  # noqa: C901  (one branch per node kind)
    """Whether a response answer shape is equivalent to the gold's (see :func:`shape`)."""
    check_deadline()
    if gold[0] == "E" and resp[0] == "E" and _equations_equal(gold, resp, cache):
        return True  # the same equation, possibly rearranged or scaled (y = -x/2 + 3/4 and 2x + 4y - 3 = 0)
    gold = _as_value_shape(gold)
    resp = _as_value_shape(resp)
    g_kind, r_kind = gold[0], resp[0]
    if g_kind == "N" or r_kind == "N":
        if g_kind == "N" and r_kind == "N":  # two named values: the same name and value
            return gold[1] == resp[1] and shapes_equal(gold[2], resp[2], cache)
        return shapes_equal(gold[2] if g_kind == "N" else gold, resp[2] if r_kind == "N" else resp, cache)
    if g_kind == "S" and r_kind == "S":
        return scalar_equal(gold[1], resp[1], cache)
    if g_kind == "L" and r_kind == "L":
        if _labelled(gold[1]) and not any(item[0] == "N" for item in resp[1]):
            # bare values for a labelled gold (AB=4, CD=5 answered 4, 5): the gold's order gives the labels
            return _ordered_equal(gold[1], resp[1], cache)
        return _unordered_equal(gold[1], resp[1], cache)
    if g_kind == "T" and r_kind == "T":
        return gold[1] == resp[1] and gold[2] == resp[2] and _ordered_equal(gold[3], resp[3], cache)
    if g_kind == "M" and r_kind == "M":
        return len(gold[1]) == len(resp[1]) and all(
            _ordered_equal(g_row, r_row, cache) for g_row, r_row in zip(gold[1], resp[1])
        )
    if g_kind == "E" and r_kind == "E":
        return _equations_equal(gold, resp, cache)
    if g_kind == "R" and r_kind == "R":
        if gold[1] == resp[1] and _ordered_equal(
            tuple(("S", e) for e in gold[2]), tuple(("S", e) for e in resp[2]), cache
        ):
            return True
        gold_set, resp_set = solution_set(gold), solution_set(resp)
        return (
            gold_set is not None
            and resp_set is not None
            and gold_set[0] == resp_set[0]
            and shapes_equal(gold_set[1], resp_set[1], cache)
        )
    if g_kind == "X" and r_kind == "X":
        return gold[1] == resp[1]
    if g_kind == "B":
        if r_kind == "B":
            return gold[1] == resp[1] and gold[2] == resp[2]
        return r_kind == "S" and resp[1][0] == "n" and resp[1][2] == gold[1]
    # one-element collections stand for their element
    if g_kind == "L" and len(gold[1]) == 1 and r_kind != "L":
        return shapes_equal(gold[1][0], resp, cache)
    if r_kind == "L" and len(resp[1]) == 1 and g_kind != "L":
        return shapes_equal(gold, resp[1][0], cache)
    # a list of solutions written as a parenthesised tuple, a point written without parentheses
    if g_kind == "L" and r_kind == "T" and resp[1] == "(" and resp[2] == ")":
        return _unordered_equal(gold[1], resp[3], cache)
    if g_kind == "T" and r_kind == "L" and gold[1] == "(" and gold[2] == ")":
        return _ordered_equal(gold[3], resp[1], cache)
    # vectors: a column matrix and a tuple of the same entries
    if (g_kind == "M") != (r_kind == "M"):
        g_items, r_items = _vector_items(gold), _vector_items(resp)
        if g_items is not None and r_items is not None:
            return _ordered_equal(g_items, r_items, cache)
        return False
    # intervals written as inequalities
    if g_kind == "T" and r_kind == "R":
        solutions = solution_set(resp)
        return solutions is not None and shapes_equal(gold, solutions[1], cache)
    if g_kind == "R" and r_kind == "T":
        solutions = solution_set(gold)
        return solutions is not None and shapes_equal(solutions[1], resp, cache)
    return False


def is_multiple(s: tuple) -> bool:
    """Whether a response shape offers several answers (a list of two or more items)."""
    return s[0] == "L" and len(s[1]) > 1
