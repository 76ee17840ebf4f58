"""A recursive-descent parser from answer tokens to a small tuple AST (no ``eval``, no sympy).

Nodes are tuples whose first item names the kind:

``('n', Fraction, raw)`` number, ``('v', name)`` variable, ``('c', name)`` constant (``pi``, ``e``, ``i``,
``inf``), ``('add', terms)``, ``('mul', factors)``, ``('div', a, b)``, ``('pow', a, b)``, ``('neg', a)``,
``('pm', a_or_None, b)`` (a ± b), ``('fn', name, args, base)``, ``('root', x, index_or_None)``,
``('fact', a)``, ``('binom', n, k)``, ``('abs', a)``, ``('floor', a)``, ``('ceil', a)``, ``('pct', a)``,
``('deg', a)``, ``('based', digits, base)`` (e.g. ``204_5``), ``('rel', ops, exprs)`` (a chain such as
``a = b`` or ``-2 \\le x \\le 7``), ``('in', a, b)``, ``('list', items)`` (an unbracketed list: ``1, 2`` or
``3 or 4``), ``('tuple', open, close, items)`` (points and intervals), ``('set', items)``,
``('union', items)``, ``('mat', rows)``, ``('ratio', items)`` (``A:B``, ``12:00``), ``('text', words)``.

:func:`parse_with_units` also returns the canonical unit written around the answer (:mod:`.units`).

Nesting is bounded per *construct* (a bracket, a braced argument, an exponent, an absolute value, a function
application, a sign), not per grammar rule, so ``MAX_DEPTH`` counts what a reader sees as nesting and a
legitimately deep ``\\frac`` nest parses; each construct costs a bounded number of Python frames.
"""

from __future__ import annotations

from fractions import Fraction

from mathgym.verifier.lexer import ParseError, Token, tokenize
from mathgym.verifier.limits import MAX_DEPTH, MAX_ITEMS, LimitExceeded, check_deadline
from mathgym.verifier.units import PERCENT_WORDS, unit_key

_RELATIONS = frozenset(("=", "<", ">", "<=", ">=", "!=", "~=", "in"))
_LIST_SEPARATORS = frozenset((",", ";", "or", "and"))
_ATOM_START_KINDS = frozenset(("num", "id", "const", "func", "cmd", "begin"))
_IMPLICIT_OPENERS = frozenset(("(", "{", "lfloor", "lceil"))
_TRAILING_TEXT = frozenset(("unit", "word"))


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0
        self.abs_depth = 0

    # --- token helpers ------------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at(self, kind: str, value: object = None) -> bool:
        token = self.peek()
        return token is not None and token[0] == kind and (value is None or token[1] == value)

    def at_op(self, *values: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "op" and token[1] in values

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise ParseError("unexpected end of answer")
        self.pos += 1
        return token

    def expect(self, kind: str, value: object) -> None:
        token = self.take()
        if token[0] != kind or token[1] != value:
            raise ParseError(f"expected {value!r}, found {token[1]!r}")

    def enter(self) -> None:
        """Open one nesting construct (the caller closes it with ``self.depth -= 1``)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LimitExceeded("nesting too deep")
        if not self.pos & 15:
            check_deadline()

    # --- grammar ------------------------------------------------------------------------------------
    def answer(self) -> tuple:
        items = [self.relation()]
        while self.at_op(*_LIST_SEPARATORS):
            while self.at_op(*_LIST_SEPARATORS):  # ", or", ", and"
                self.take()
            if self.peek() is None:
                break
            items.append(self.relation())
            if len(items) > MAX_ITEMS:
                raise LimitExceeded("too many items")
        if self.peek() is not None:
            raise ParseError(f"unexpected {self.peek()[1]!r}")
        return items[0] if len(items) == 1 else ("list", tuple(items))

    def relation(self) -> tuple:
        first = self.ratio()
        if not self.at_op(*_RELATIONS):
            return first
        ops, exprs = [], [first]
        while self.at_op(*_RELATIONS):
            op = self.take()[1]
            if op == "in":
                if len(exprs) != 1:
                    raise ParseError("'in' inside a chain")
                return ("in", first, self.ratio())
            ops.append(op)
            exprs.append(self.ratio())
        return ("rel", tuple(ops), tuple(exprs))

    def ratio(self) -> tuple:
        """``A:B`` and clock times ``12:00``: an ordered pair (``3:4`` is not ``6:8``, ``12:00`` not ``12:30``)."""
        first = self.union()
        if not self.at_op(":"):
            return first
        items = [first]
        while self.at_op(":"):
            self.take()
            items.append(self.union())
            if len(items) > MAX_ITEMS:
                raise LimitExceeded("too many items")
        return ("ratio", tuple(items))

    def union(self) -> tuple:
        first = self.sum()
        if not self.at_op("cup", "cap"):
            return first
        items = [first]
        while self.at_op("cup", "cap"):
            if self.take()[1] == "cap":
                raise ParseError("intersections are not normalised")
            items.append(self.sum())
        return ("union", tuple(items))

    def sum(self) -> tuple:
        if self.at_op("pm", "mp"):
            self.take()
            terms = [("pm", None, self.term())]
        else:
            terms = [self.term()]
        while self.at_op("+", "-", "pm", "mp"):
            op = self.take()[1]
            right = self.term()
            if op == "+":
                terms.append(right)
            elif op == "-":
                terms.append(("neg", right))
            else:
                left = terms[0] if len(terms) == 1 else ("add", tuple(terms))
                terms = [("pm", left, right)]
            if len(terms) > MAX_ITEMS:
                raise LimitExceeded("too many terms")
        return terms[0] if len(terms) == 1 else ("add", tuple(terms))

    def _starts_factor(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        kind, value = token[0], token[1]
        if kind in _ATOM_START_KINDS:
            return True
        if kind == "open":
            return value in _IMPLICIT_OPENERS
        if kind == "op" and value == "|":
            return self.abs_depth == 0
        return False

    def term(self) -> tuple:
        factors = [self.unary()]
        while True:
            if self.at_op("*"):
                self.take()
                factors.append(self.unary())
            elif self.at_op("/"):
                self.take()
                denominator = self.unary()
                numerator = factors[0] if len(factors) == 1 else ("mul", tuple(factors))
                factors = [("div", numerator, denominator)]
            elif self._starts_factor():
                mixed = self._mixed_fraction(factors)
                if mixed is not None:
                    factors = [mixed]
                    continue
                factors.append(self.power())
            else:
                break
            if len(factors) > MAX_ITEMS:
                raise LimitExceeded("too many factors")
        return factors[0] if len(factors) == 1 else ("mul", tuple(factors))

    def _mixed_fraction(self, factors: list) -> tuple | None:
        """``1\\frac{4}{5}`` and ``2 1/2`` are mixed numbers, not products (``-3\\frac{8}{9}`` = -35/9)."""
        if len(factors) != 1:
            return None
        first = factors[0]
        negative = first[0] == "neg" and first[1][0] == "n"
        number = first[1] if negative else first
        if number[0] != "n" or number[1].denominator != 1 or not number[2].isdigit():
            return None
        mixed = self._mixed_tail(number)
        if mixed is None or mixed[0] != "n":
            return None if mixed is None else ("mul", (first, mixed[1][1][1]))
        return ("neg", mixed) if negative else mixed

    def _mixed_tail(self, number: tuple) -> tuple | None:
        whole = number[1]
        token = self.peek()
        if token[0] == "cmd" and token[1] == "frac":
            start = self.pos
            self.take()
            try:
                top, bottom = self.argument(), self.argument()
            except ParseError:
                self.pos = start
                return None
            if (
                top[0] == "n"
                and bottom[0] == "n"
                and top[1].denominator == 1
                and bottom[1].denominator == 1
                and 0 < top[1] < bottom[1]
            ):
                return ("n", whole + top[1] / bottom[1], f"{number[2]} {top[2]}/{bottom[2]}")
            return ("product", ("mul", (number, ("div", top, bottom))))
        nxt, after = self.peek(1), self.peek(2)
        if (
            token[0] == "num"
            and token[2]
            and nxt is not None
            and nxt[0] == "op"
            and nxt[1] == "/"
            and after is not None
            and after[0] == "num"
        ):
            top, bottom = token[1][0], after[1][0]
            if top.denominator == 1 and bottom.denominator == 1 and 0 < top < bottom:
                follow = self.peek(3)
                if follow is None or not (follow[0] == "op" and follow[1] in ("^", "!")):
                    self.pos += 3
                    return ("n", whole + top / bottom, f"{number[2]} {token[1][1]}/{after[1][1]}")
        return None

    def unary(self) -> tuple:
        if not self.at_op("-", "+", "pm", "mp"):
            return self.power()
        op = self.take()[1]
        self.enter()  # a sign applies to a nested unary: "- - - 1" nests
        try:
            operand = self.unary()
        finally:
            self.depth -= 1
        if op == "-":
            return ("neg", operand)
        return operand if op == "+" else ("pm", None, operand)

    def power(self) -> tuple:
        base = self.postfix()
        if self.at_op("^"):
            self.take()
            self.enter()  # exponents nest: x^{y^{z}}
            try:
                exponent = self.group_or_unary()
            finally:
                self.depth -= 1
            base = ("pow", base, exponent)
            while self.at_op("!", "%", "deg"):
                base = self._postfix_op(self.take()[1], base)
        return base

    def group_or_unary(self) -> tuple:
        if self.at("open", "{"):
            return self.argument()
        return self.unary()

    def postfix(self) -> tuple:
        node = self.atom()
        while self.at_op("!", "%", "deg"):
            node = self._postfix_op(self.take()[1], node)
        return node

    @staticmethod
    def _postfix_op(op: str, node: tuple) -> tuple:
        return ("fact", node) if op == "!" else ("pct", node) if op == "%" else ("deg", node)

    def argument(self) -> tuple:
        """One argument of ``\\frac``/``\\sqrt``/``\\binom``: a braced group or a single character."""
        token = self.peek()
        if token is None:
            raise ParseError("missing argument")
        if token[0] == "open" and token[1] == "{":
            self.take()
            self.enter()
            try:
                inner = self.relation()
            finally:
                self.depth -= 1
            self.expect("close", "}")
            return inner
        if token[0] == "num":
            _value, raw = token[1]
            if len(raw) > 1 and raw.isdigit():
                self.tokens[self.pos] = ("num", (Fraction(int(raw[1:])), raw[1:]), False)
                return ("n", Fraction(int(raw[0])), raw[0])
        return self.atom()

    def _subscript(self) -> str:
        """Text of a subscript (``_1``, ``_{10}``, ``_n``) for variable names and number bases."""
        self.take()  # '_'
        token = self.take()
        if token[0] == "open" and token[1] == "{":
            parts = []
            while not self.at("close", "}"):
                inner = self.take()
                parts.append(inner[1][1] if inner[0] == "num" else str(inner[1]))
                if len(parts) > 8:
                    raise ParseError("subscript too long")
            self.take()
            return "".join(parts)
        if token[0] == "num":
            return token[1][1]
        if token[0] in ("id", "const", "word"):
            return str(token[1])
        raise ParseError("bad subscript")

    def atom(self) -> tuple:  # noqa: C901  (one branch per atom kind)
        token = self.take()
        kind, value = token[0], token[1]
        if kind == "num":
            node = ("n", value[0], value[1])
            if self.at_op("_"):
                base = self._subscript()
                if not value[1].isdigit() or not base.isdigit():
                    raise ParseError("bad number base")
                return ("based", value[1], base)
            return node
        if kind == "id":
            name = value
            if self.at_op("_"):
                name = f"{name}_{self._subscript()}"
            return ("v", name)
        if kind == "const":
            if value == "empty":
                return ("set", ())
            return ("c", value)
        if kind == "func":
            return self.function(value)
        if kind == "cmd":
            if value == "frac":
                return ("div", self.argument(), self.argument())
            if value == "sqrt":
                index = None
                if self.at("open", "["):
                    self.take()
                    index = self.sum()
                    self.expect("close", "]")
                return ("root", self.argument(), index)
            if value == "binom":
                return ("binom", self.argument(), self.argument())
            if value == "mathbb":
                inner = self.argument()
                if inner[0] != "v":
                    raise ParseError("bad \\mathbb")
                return ("text", ("mathbb", inner[1]))
            raise ParseError(f"unsupported {value}")
        if kind == "open":
            return self.bracketed(value)
        if kind == "op" and value == "|":
            self.abs_depth += 1
            self.enter()
            try:
                inner = self.union()
            finally:
                self.abs_depth -= 1
                self.depth -= 1
            self.expect("op", "|")
            return ("abs", inner)
        if kind == "begin":
            self.enter()
            try:
                return self.matrix()
            finally:
                self.depth -= 1
        raise ParseError(f"unexpected {value!r}")

    def function(self, name: str) -> tuple:
        base = None
        power = None
        if self.at_op("_"):
            self.take()
            base = self.group_or_unary() if not self.at("num") else self.atom()
        if self.at_op("^"):
            self.take()
            power = self.group_or_unary()
        if self.at("open", "(") or self.at("open", "{") or self.at("open", "["):
            opener = self.take()[1]
            self.enter()
            try:
                args = [self.relation()]
                while self.at_op(","):
                    self.take()
                    args.append(self.relation())
                    if len(args) > MAX_ITEMS:
                        raise LimitExceeded("too many arguments")
            finally:
                self.depth -= 1
            self.expect("close", {"(": ")", "{": "}", "[": "]"}[opener])
        else:
            # \sin 2x = sin(2x); the argument stops at the next function, sign or operator
            self.enter()
            try:
                factors = [self.unary()]
                while self._starts_factor() and not self.at("func"):
                    factors.append(self.power())
            finally:
                self.depth -= 1
            args = [factors[0] if len(factors) == 1 else ("mul", tuple(factors))]
        node = ("fn", name, tuple(args), base)
        if power is not None:
            if power == ("neg", ("n", Fraction(1), "1")):
                raise ParseError("inverse-function notation is ambiguous")
            node = ("pow", node, power)
        return node

    def bracketed(self, opener: str) -> tuple:
        closers = {
            "(": (")", "]"),
            "[": ("]", ")"),
            "{": ("}",),
            "\\{": ("\\}",),
            "lfloor": ("rfloor",),
            "lceil": ("rceil",),
        }[opener]
        self.enter()
        try:
            items = [self.relation()]
            while self.at_op(",", ";") and opener in ("(", "[", "{", "\\{"):
                self.take()
                items.append(self.relation())
                if len(items) > MAX_ITEMS:
                    raise LimitExceeded("too many items")
        finally:
            self.depth -= 1
        token = self.take()
        if token[0] != "close" or token[1] not in closers:
            raise ParseError(f"unbalanced {opener}")
        closer = token[1]
        if opener == "lfloor":
            return ("floor", items[0])
        if opener == "lceil":
            return ("ceil", items[0])
        if opener == "\\{":
            return ("set", tuple(items))
        if opener == "{":
            return items[0] if len(items) == 1 else ("set", tuple(items))
        if len(items) == 1 and (opener, closer) in (("(", ")"), ("[", "]")):
            return items[0]
        return ("tuple", opener, closer, tuple(items))

    def matrix(self) -> tuple:
        rows: list[tuple] = []
        row: list[tuple] = []
        while True:
            if self.at("end"):
                self.take()
                break
            if self.peek() is None:
                raise ParseError("unterminated matrix")
            row.append(self.relation())
            if self.at_op("&"):
                self.take()
                continue
            if self.at_op("row"):
                self.take()
                rows.append(tuple(row))
                row = []
                continue
        if row:
            rows.append(tuple(row))
        if not rows or any(len(r) != len(rows[0]) for r in rows):
            raise ParseError("ragged matrix")
        if len(rows) * len(rows[0]) > MAX_ITEMS:
            raise LimitExceeded("matrix too large")
        return ("mat", tuple(rows))


def _strip_trailing_text(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    """Split off units and other words after the mathematical part (``18 dollars``, ``15 cm^2``, ``60 km/h``,
    ``5.``): returns ``(kept, stripped)``."""
    end = len(tokens)
    while end > 0:
        kind, value = tokens[end - 1][0], tokens[end - 1][1]
        if (kind == "op" and value in (".", "?", ":", ";", ",")) or kind in _TRAILING_TEXT:
            end -= 1
        elif (
            kind == "num"
            and end >= 3
            and tokens[end - 2][0] == "op"
            and tokens[end - 2][1] == "^"
            and tokens[end - 3][0] == "unit"
        ):
            end -= 2  # cm^2
        elif (
            kind == "op"
            and value == "/"
            and end < len(tokens)
            and tokens[end][0] == "unit"
            and end >= 2
            and tokens[end - 2][0] == "unit"
        ):
            end -= 1  # km/h
        else:
            break
    if end == len(tokens) or end == 0:
        return tokens, []
    return tokens[:end], tokens[end:]


def _strip_leading_text(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    """Split off a leading currency word or similar (``USD 5``), never a number or operator."""
    start = 0
    while start < len(tokens) and tokens[start][0] == "unit":
        start += 1
    if 0 < start < len(tokens):
        return tokens[start:], tokens[:start]
    return tokens, []


#: operators that keep their meaning in a text answer (``\\operatorname{Var}(X) + 2`` is not ``... - 2``)
_TEXT_OPERATORS = frozenset(
    (
        "+",
        "-",
        "*",
        "/",
        "^",
        "_",
        "=",
        "<",
        ">",
        "<=",
        ">=",
        "!=",
        "~=",
        ",",
        "|",
        "||",
        "%",
        "pm",
        "mp",
        "or",
        "and",
        "in",
        "cup",
    )
)


def text_of(tokens: list[Token]) -> str:
    """A canonical text form of tokens, for answers that are words (``\\text{Evelyn}``, ``\\operatorname{Var}(X)
    + 2``): words in lower case, numbers, brackets and mathematical operators (dropping an operator would
    make ``a + b`` and ``a - b`` the same text); sentence punctuation is left out."""
    parts = []
    for kind, value, _ in tokens:
        if kind == "num":
            parts.append(value[1])
        elif kind in ("word", "unit", "id", "const", "func"):
            parts.append(str(value).lower())
        elif kind in ("open", "close", "cmd") or (kind == "op" and value in _TEXT_OPERATORS):
            parts.append(str(value))
    return " ".join(parts)


#: shapes a trailing "percent" can turn into a percentage
_NOT_SCALAR = frozenset(("list", "set", "tuple", "rel", "mat", "text", "union", "in", "ratio"))


def parse(text: str) -> tuple:
    """Parse an answer string (LaTeX or plain) into the tuple AST described in this module.

    Answers made of words (``\\text{Evelyn}``, ``even``) come back as ``('text', words)``.

    :param text: the answer, screened by :func:`mathgym.verifier.lexer.screen_unicode`.
    :raises ParseError: when the answer is outside the grammar.
    :raises LimitExceeded: when it exceeds a size cap.
    """
    return parse_with_units(text)[0]


def parse_with_units(text: str) -> tuple[tuple, str]:
    """:func:`parse`, and the canonical unit written around the answer (``""`` when none; see :mod:`.units`).

    A trailing ``percent`` makes the value a percentage (``25 percent`` is ``25\\%``), it is not dropped.

    :param text: the answer, screened by :func:`mathgym.verifier.lexer.screen_unicode`.
    """
    tokens = tokenize(text)
    if not tokens:
        raise ParseError("empty answer")
    tokens, trailing = _strip_trailing_text(tokens)
    tokens, leading = _strip_leading_text(tokens)
    stripped = leading + trailing
    units = unit_key(stripped)
    if "\\$" in text:  # an escaped dollar sign is the currency (a bare $ delimits math)
        units = "$" if units in ("", "$") else units + "*$"
    if any(token[0] in _TRAILING_TEXT for token in tokens):
        return ("text", text_of(tokens)), units
    node = _Parser(tokens).answer()
    if node[0] not in _NOT_SCALAR and any(t[0] == "unit" and t[1] in PERCENT_WORDS for t in stripped):
        node = ("pct", node)
    return node, units
