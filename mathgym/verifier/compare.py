"""Equivalence of two parsed answers: shapes (sets, tuples, intervals, equations, matrices) and values.

Values are compared exactly when both are (Gaussian) rationals, otherwise with multiprecision evaluation
whose precision grows with the spread of magnitudes met (so ``\\pi + 10^{-100}`` is not ``\\pi``).
Expressions with variables are compared by evaluation at fixed pseudo-random rational points (polynomial
identity testing); a response may not use a variable the gold does not have.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from mathgym.seeding import derive_rng
from mathgym.verifier.evaluate import (QC, Magnitudes, NotExact, Undefined, approx, exact, free_symbols,
                                       mp_context)
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

    __slots__ = ("exact", "approx", "symbols")

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


def shape(node: tuple) -> tuple:
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
    if head == "mat":
        return ("M", tuple(tuple(shape(cell) for cell in row) for row in node[1]))
    if head == "text":
        return ("X", node[1])
    if head == "based":
        return ("B", node[1], node[2])
    if head == "rel":
        ops, exprs = node[1], node[2]
        if "~=" in ops:  # "20000/pi ~= 6366.2": the exact part before the approximation counts
            cut = ops.index("~=")
            ops, exprs = ops[:cut], exprs[:cut + 1]
            if not ops:
                return shape(exprs[0])
        if all(op == "=" for op in ops):
            return ("E", exprs[0], exprs[-1], exprs)
        return ("R", ops, exprs)
    if _has_pm(node):
        return ("L", tuple(("S", variant) for variant in expand_pm(node)))
    return ("S", node)


def _lone_variable_value(eq: tuple) -> tuple | None:
    """``x = 5`` / ``5 = x`` / ``x = y = 5`` → the value side, when the other side is a bare variable."""
    lhs, rhs, chain = eq[1], eq[2], eq[3]
    if lhs[0] == "v" and lhs[1] not in free_symbols(rhs):
        return rhs
    if lhs[0] == "tuple" and all(item[0] == "v" for item in lhs[3]) and not free_symbols(rhs):
        return rhs  # (a, b) = (2, 3)
    if lhs[0] == "mul" and len(lhs[1]) == 2 and lhs[1][0][0] == "v" and lhs[1][1][0] == "v" \
            and lhs[1][0][1] in _FUNCTION_NAMES and lhs[1][0][1] not in free_symbols(rhs):
        return rhs  # f(x) = 2x + 1 (parsed as the product f*x)
    if rhs[0] == "v" and len(chain) == 2 and rhs[1] not in free_symbols(lhs):
        return lhs
    return None


def _chain_consistent(eq: tuple, cache: ValueCache | None) -> bool:
    """In ``x = 1 + 2 = 3`` every variable-free part must have the same value (``3 = 4`` never holds)."""
    parts = [part for part in eq[3] if not free_symbols(part)]
    return all(values_equal(parts[0], other, None) for other in parts[1:])


def _as_value_shape(s: tuple) -> tuple:
    """Reduce ``x = v`` to ``v`` (recursively inside collections)."""
    if s[0] == "E":
        value = _lone_variable_value(s)
        if value is not None and _chain_consistent(s, None):
            return shape(value)
        return s
    if s[0] == "L":
        return ("L", tuple(_as_value_shape(item) for item in s[1]))
    return s


def _interval_of(rel: tuple) -> tuple | None:
    """``x > 5`` → ``(5, inf)``; ``-2 <= x <= 7`` → ``[-2, 7]``; None for other relations."""
    ops, exprs = rel[1], rel[2]
    if any(op not in ("<", "<=", ">", ">=") for op in ops):
        return None
    increasing = all(op in ("<", "<=") for op in ops)
    decreasing = all(op in (">", ">=") for op in ops)
    if not (increasing or decreasing):
        return None
    if decreasing:
        exprs = exprs[::-1]
        ops = tuple({">": "<", ">=": "<="}[op] for op in ops[::-1])
    if len(exprs) == 2:
        if exprs[0][0] == "v":
            return ("T", "(", ")" if ops[0] == "<" else "]", (("S", _NEG_INF), ("S", exprs[1])))
        if exprs[1][0] == "v":
            return ("T", "(" if ops[0] == "<" else "[", ")", (("S", exprs[0]), ("S", _INF)))
        return None
    if len(exprs) == 3 and exprs[1][0] == "v":
        return ("T", "(" if ops[0] == "<" else "[", ")" if ops[1] == "<" else "]",
                (("S", exprs[0]), ("S", exprs[2])))
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
    """Scalar equality with the percent convention: ``25\\%`` matches ``25`` and ``0.25``."""
    gold_plain, gold_pct = _strip_scalar_marks(gold)
    resp_plain, resp_pct = _strip_scalar_marks(resp)
    if values_equal(gold_plain, resp_plain, cache):
        return True
    if gold_pct and not resp_pct:
        return values_equal(("pct", gold_plain), resp_plain, cache)
    if resp_pct and not gold_pct:
        return values_equal(gold_plain, ("pct", resp_plain), cache)
    return False


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
    return all(any(shapes_equal(g, r, cache) for r in resp_items) for g in gold_items) and \
        all(any(shapes_equal(g, r, cache) for g in gold_items) for r in resp_items)


def _ordered_equal(gold_items: tuple, resp_items: tuple, cache: ValueCache | None) -> bool:
    return len(gold_items) == len(resp_items) and all(
        shapes_equal(g, r, cache) for g, r in zip(gold_items, resp_items))


def _equations_equal(gold: tuple, resp: tuple, cache: ValueCache | None) -> bool:
    if not (_chain_consistent(gold, cache) and _chain_consistent(resp, cache)):
        return False
    g_lhs, g_rhs, r_lhs, r_rhs = gold[1], gold[2], resp[1], resp[2]
    if (values_equal(g_lhs, r_lhs, cache) and values_equal(g_rhs, r_rhs, cache)) or \
            (values_equal(g_lhs, r_rhs, cache) and values_equal(g_rhs, r_lhs, cache)):
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


def _ratio(a: Any, b: Any) -> Any:
    if isinstance(a, (Fraction, QC)) and isinstance(b, (Fraction, QC)):
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return a / b
    ctx = mp_context(60)
    to_mp = (lambda v: ctx.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else v)
    if isinstance(a, QC) or isinstance(b, QC):
        raise Undefined("complex ratio")
    return to_mp(a) / to_mp(b)


def _ratios_match(a: Any, b: Any) -> bool:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    ctx = mp_context(60)
    to_mp = (lambda v: ctx.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else v)
    a, b = to_mp(a), to_mp(b)
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


def shapes_equal(gold: tuple, resp: tuple, cache: ValueCache | None) -> bool:
    """Whether a response answer shape is equivalent to the gold's (see :func:`shape`)."""
    check_deadline()
    gold = _as_value_shape(gold)
    resp = _as_value_shape(resp)
    g_kind, r_kind = gold[0], resp[0]
    if g_kind == "S" and r_kind == "S":
        return scalar_equal(gold[1], resp[1], cache)
    if g_kind == "L" and r_kind == "L":
        return _unordered_equal(gold[1], resp[1], cache)
    if g_kind == "T" and r_kind == "T":
        return gold[1] == resp[1] and gold[2] == resp[2] and _ordered_equal(gold[3], resp[3], cache)
    if g_kind == "M" and r_kind == "M":
        return len(gold[1]) == len(resp[1]) and all(
            _ordered_equal(g_row, r_row, cache) for g_row, r_row in zip(gold[1], resp[1]))
    if g_kind == "E" and r_kind == "E":
        return _equations_equal(gold, resp, cache)
    if g_kind == "R" and r_kind == "R":
        return gold[1] == resp[1] and _ordered_equal(tuple(("S", e) for e in gold[2]),
                                                     tuple(("S", e) for e in resp[2]), cache)
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
        interval = _interval_of(resp)
        return interval is not None and shapes_equal(gold, interval, cache)
    if g_kind == "R" and r_kind == "T":
        interval = _interval_of(gold)
        return interval is not None and shapes_equal(interval, resp, cache)
    return False


def is_multiple(s: tuple) -> bool:
    """Whether a response shape offers several answers (a list of two or more items)."""
    return s[0] == "L" and len(s[1]) > 1
