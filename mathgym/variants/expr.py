"""A small, safe evaluator for the Python-like expressions found in problem templates.

Template files (GSM-Symbolic's ``#init`` / ``#conditions`` / ``#answer`` sections and the ``{expr}`` spans
of their solutions) contain expressions such as ``int((k - k*frac) * y / (x * 12) * 100)`` or
``sample(fractions)``. They come from data files, so they are never given to ``eval``/``exec``. Instead
the text is parsed with :func:`ast.parse` (which only builds a syntax tree) and the tree is checked
against a whitelist of node types and compiled into plain Python closures. Only names found in the
evaluation environment or in the ``functions`` mapping given at compile time can be reached; attribute
access is limited to dotted function names listed there (``np.arange``) and a few harmless attributes;
sizes of ranges, repeated lists and powers are bounded so a template cannot exhaust memory or time.

Semantics follow Python (``/`` is true division, ``//`` floors, ``int`` truncates), with one deliberate
difference: ``==`` and ``!=`` compare floats with a relative/absolute tolerance of ``1e-9`` so that
template conditions such as ``price2 == frac * price1`` are not defeated by binary rounding.

``compile_expression(..., exact=True)`` evaluates with exact rationals instead: ``/`` of integers gives a
:class:`~fractions.Fraction`, and a float (a literal such as ``1.13`` or a value drawn from ``np.arange``) is
read as the decimal it prints as (``Fraction("1.13")``). Templates need this where a tolerance cannot help:
``price * 1.13 % 100 == 0`` is true or false, and ``375750.00000000006 % 100`` is neither 0 nor close to it.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any

Env = Mapping[str, Any]
Evaluator = Callable[[Env], Any]

#: largest range / list / string an expression may build
MAX_ITEMS = 1_000_000
#: largest exponent accepted by ``**`` with an integer base
MAX_EXPONENT = 512
FLOAT_TOLERANCE = 1e-9

_SAFE_ATTRIBUTES = frozenset(
    {
        "numerator",
        "denominator",
        "real",
        "imag",
        "upper",
        "lower",
        "capitalize",
        "title",
        "strip",
        "lstrip",
        "rstrip",
    }
)


class ExpressionError(ValueError):
    """An expression uses syntax or names outside the whitelist (raised at compile time)."""


_PLAIN_NUMBERS = frozenset({int, float, Fraction, bool})


def exact_number(value: Any) -> Any:
    """A float as the exact decimal it prints as (``0.1`` → ``1/10``); any other value unchanged."""
    if isinstance(value, float) and math.isfinite(value):
        return Fraction(repr(value))
    return value


def _exact_div(a: Any, b: Any) -> Any:
    a, b = exact_number(a), exact_number(b)
    if isinstance(a, (int, Fraction)) and isinstance(b, (int, Fraction)) and not isinstance(b, bool):
        return Fraction(a) / Fraction(b)
    return a / b


def _is_float_like(value: Any) -> bool:
    return isinstance(value, float)


def _equal(a: Any, b: Any) -> bool:
    if type(a) is int and type(b) is int:
        return a == b
    if (
        (_is_float_like(a) or _is_float_like(b))
        and isinstance(a, (int, float, Fraction))
        and isinstance(b, (int, float, Fraction))
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return math.isclose(float(a), float(b), rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    return bool(a == b)


def _sized(value: Any) -> int | None:
    return len(value) if isinstance(value, (list, tuple, str, range)) else None


def _mul(a: Any, b: Any) -> Any:
    for seq, times in ((a, b), (b, a)):
        n = _sized(seq)
        if n is not None and isinstance(times, int) and n * max(times, 0) > MAX_ITEMS:
            raise ValueError(f"sequence repetition too large ({n} x {times})")
    return a * b


def _pow(a: Any, b: Any) -> Any:
    if isinstance(b, int) and not isinstance(b, bool):
        if abs(b) > MAX_EXPONENT:
            raise ValueError(f"exponent {b} too large")
        if isinstance(a, int) and abs(a) > 1 and a.bit_length() * abs(b) > 8192:
            raise ValueError("power result too large")
    return a**b


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: _mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: _pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: _equal,
    ast.NotEq: lambda a, b: not _equal(a, b),
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}


class CompiledExpression:
    """A checked, compiled expression: call it with a mapping of variable values.

    :param source: the expression text (after any pre-processing by the caller).
    :param names: free variable names the expression reads from the environment.
    """

    def __init__(self, source: str, evaluator: Evaluator, names: frozenset[str]) -> None:
        self.source = source
        self._evaluator = evaluator
        self.names = names

    def __call__(self, env: Env | None = None) -> Any:
        return self._evaluator(env or {})

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"


class _Compiler:
    def __init__(
        self, functions: Mapping[str, Any], variables: Iterable[str] | None, exact: bool = False
    ) -> None:
        self.functions = functions
        self.variables = set(variables) if variables is not None else None
        self.names: set[str] = set()
        self.bound: list[set[str]] = []  # comprehension targets in scope
        self.exact = exact

    def fail(self, node: ast.AST, what: str) -> ExpressionError:
        return ExpressionError(
            f"{what} is not allowed in template expressions (at column {getattr(node, 'col_offset', 0) + 1})"
        )

    def compile(self, node: ast.AST) -> Evaluator:  # noqa: C901
        if isinstance(node, ast.Constant):
            value = node.value
            if not isinstance(value, (int, float, str, bool, type(None))):
                raise self.fail(node, f"constant of type {type(value).__name__}")
            if isinstance(value, str) and len(value) > MAX_ITEMS:
                raise self.fail(node, "a huge string constant")
            if self.exact:
                value = exact_number(value)
            return lambda env: value
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.UnaryOp):
            uop = _UNARY.get(type(node.op))
            if uop is None:
                raise self.fail(node, f"operator {type(node.op).__name__}")
            operand = self.compile(node.operand)
            return lambda env: uop(operand(env))
        if isinstance(node, ast.BoolOp):
            parts = [self.compile(v) for v in node.values]
            if isinstance(node.op, ast.And):

                def all_of(env: Env) -> Any:
                    result: Any = True
                    for part in parts:
                        result = part(env)
                        if not result:
                            return result
                    return result

                return all_of

            def any_of(env: Env) -> Any:
                result: Any = False
                for part in parts:
                    result = part(env)
                    if result:
                        return result
                return result

            return any_of
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.IfExp):
            test, body, orelse = self.compile(node.test), self.compile(node.body), self.compile(node.orelse)
            return lambda env: body(env) if test(env) else orelse(env)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [self.compile(e) for e in node.elts]
            if any(isinstance(e, ast.Starred) for e in node.elts):
                raise self.fail(node, "starred items")
            kind = {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)]
            return lambda env: kind(item(env) for item in items)
        if isinstance(node, ast.Subscript):
            container = self.compile(node.value)
            index = self.compile(node.slice)
            return lambda env: container(env)[index(env)]
        if isinstance(node, ast.Slice):
            lower = self.compile(node.lower) if node.lower else (lambda env: None)
            upper = self.compile(node.upper) if node.upper else (lambda env: None)
            step = self.compile(node.step) if node.step else (lambda env: None)
            return lambda env: slice(lower(env), upper(env), step(env))
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return self._comprehension(node)
        raise self.fail(node, f"syntax {type(node).__name__}")

    def _binop(self, node: ast.BinOp) -> Evaluator:
        op_type = type(node.op)
        if op_type not in _BINARY:
            raise self.fail(node, f"operator {op_type.__name__}")
        left, right = self.compile(node.left), self.compile(node.right)
        if self.exact:
            return self._exact_binop(node, op_type, left, right)
        # specialised closures: this runs millions of times while searching template values
        if op_type is ast.Add:
            return lambda env: left(env) + right(env)
        if op_type is ast.Sub:
            return lambda env: left(env) - right(env)
        if op_type is ast.Div:
            return lambda env: left(env) / right(env)
        if op_type is ast.FloorDiv:
            return lambda env: left(env) // right(env)
        if op_type is ast.Mod:

            def mod(env: Env) -> Any:
                a = left(env)
                if isinstance(a, (str, bytes)):  # printf-style formatting can build huge strings
                    raise TypeError("string formatting with % is not allowed")
                return a % right(env)

            return mod
        guarded = _BINARY[op_type]

        def arith(env: Env) -> Any:
            a, b = left(env), right(env)
            if type(a) in _PLAIN_NUMBERS and type(b) in _PLAIN_NUMBERS and op_type is ast.Mult:
                return a * b
            return guarded(a, b)

        return arith

    def _exact_binop(self, node: ast.BinOp, op_type: type, left: Evaluator, right: Evaluator) -> Evaluator:
        """Arithmetic on exact rationals: float operands are read as decimals, ``/`` gives Fractions."""
        operation = _exact_div if op_type is ast.Div else _BINARY[op_type]

        def exact_arith(env: Env) -> Any:
            a, b = exact_number(left(env)), exact_number(right(env))
            if op_type is ast.Mod and isinstance(a, (str, bytes)):
                raise TypeError("string formatting with % is not allowed")
            return operation(a, b)

        return exact_arith

    def _name(self, node: ast.Name) -> Evaluator:
        name = node.id
        if name.startswith("__"):
            raise self.fail(node, f"name {name!r}")
        if any(name in scope for scope in self.bound):
            return lambda env: env[name]
        is_variable = self.variables is None or name in self.variables
        if name in self.functions and not (self.variables is not None and name in self.variables):
            value = self.functions[name]
            return lambda env: value
        if not is_variable:
            raise ExpressionError(f"unknown name {name!r} (not a variable, list or helper of the template)")
        self.names.add(name)
        functions = self.functions

        def lookup(env: Env) -> Any:
            try:
                return env[name]
            except KeyError:
                if name in functions:
                    return functions[name]
                raise NameError(f"variable {name!r} has no value") from None

        return lookup

    def _dotted(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            head = self._dotted(node.value)
            return f"{head}.{node.attr}" if head else None
        return None

    def _attribute(self, node: ast.Attribute) -> Evaluator:
        dotted = self._dotted(node)
        if dotted is not None and dotted in self.functions:
            value = self.functions[dotted]
            return lambda env: value
        if node.attr.startswith("_") or node.attr not in _SAFE_ATTRIBUTES:
            raise self.fail(node, f"attribute {node.attr!r}")
        base = self.compile(node.value)
        attr = node.attr

        def get(env: Env) -> Any:
            obj = base(env)
            if not isinstance(obj, (str, int, float, Fraction)):
                raise TypeError(f"attribute {attr!r} of a {type(obj).__name__} is not allowed")
            return getattr(obj, attr)

        return get

    def _call(self, node: ast.Call) -> Evaluator:
        func = self.compile(node.func)
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise self.fail(node, "*args / **kwargs")
        args = [self.compile(a) for a in node.args]
        keywords = [(k.arg, self.compile(k.value)) for k in node.keywords]
        known = self._constant_function(node.func)
        if known is not None and not keywords:
            if len(args) == 1:
                a0 = args[0]
                return lambda env: known(a0(env))
            if len(args) == 2:
                a0, a1 = args
                return lambda env: known(a0(env), a1(env))

        def call(env: Env) -> Any:
            target = func(env)
            if not callable(target):
                raise TypeError(f"{ast.unparse(node.func)} is not a function")
            return target(*[a(env) for a in args], **{k: v(env) for k, v in keywords})  # type: ignore[arg-type]

        return call

    def _constant_function(self, func: ast.AST) -> Callable[..., Any] | None:
        """The helper a call names, when that is fixed at compile time (not shadowed by a variable)."""
        dotted = self._dotted(func)
        if dotted is None or dotted not in self.functions or not callable(self.functions[dotted]):
            return None
        if isinstance(func, ast.Name) and (
            self.variables is None
            or func.id in self.variables
            or any(func.id in scope for scope in self.bound)
        ):
            return None
        return self.functions[dotted]

    def _compare(self, node: ast.Compare) -> Evaluator:
        ops = []
        for op in node.ops:
            fn = _COMPARE.get(type(op))
            if fn is None:
                raise self.fail(node, f"comparison {type(op).__name__}")
            ops.append(fn)
        left = self.compile(node.left)
        rights = [self.compile(c) for c in node.comparators]
        if len(ops) == 1:
            fn, right = ops[0], rights[0]
            return lambda env: fn(left(env), right(env))

        def compare(env: Env) -> bool:
            a = left(env)
            for fn, right in zip(ops, rights):
                b = right(env)
                if not fn(a, b):
                    return False
                a = b
            return True

        return compare

    def _target_names(self, target: ast.AST) -> list[str]:
        if isinstance(target, ast.Name):
            return [target.id]
        if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
            return [e.id for e in target.elts]  # type: ignore[attr-defined]
        raise self.fail(target, "this comprehension target")

    def _comprehension(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp) -> Evaluator:
        loops = []
        for gen in node.generators:
            if gen.is_async:
                raise self.fail(node, "async comprehension")
            iterable = self.compile(gen.iter)
            names = self._target_names(gen.target)
            self.bound.append(set(names))
            conditions = [self.compile(c) for c in gen.ifs]
            loops.append((names, iterable, conditions))
        element = self.compile(node.elt)
        del self.bound[-len(loops) :]

        def run(env: Env) -> list[Any]:
            out: list[Any] = []

            def loop(depth: int, scope: dict[str, Any]) -> None:
                if depth == len(loops):
                    out.append(element(scope))
                    if len(out) > MAX_ITEMS:
                        raise ValueError("comprehension too large")
                    return
                names, iterable, conditions = loops[depth]
                for item in iterable(scope):
                    inner = dict(scope)
                    if len(names) == 1:
                        inner[names[0]] = item
                    else:
                        inner.update(zip(names, item))
                    if all(c(inner) for c in conditions):
                        loop(depth + 1, inner)

            loop(0, dict(env))
            return out

        if isinstance(node, ast.SetComp):
            return lambda env: set(run(env))
        return run


def compile_expression(
    source: str,
    functions: Mapping[str, Any] | None = None,
    *,
    variables: Iterable[str] | None = None,
    exact: bool = False,
) -> CompiledExpression:
    """Parse and check ``source`` and return a callable evaluating it.

    :param source: a single Python-like expression.
    :param functions: helpers, constants and lists reachable by name (dotted names such as
        ``"np.arange"`` make attribute calls possible).
    :param variables: when given, the only other names allowed (unknown names then fail at compile
        time); when ``None`` any other name is read from the environment at call time.
    :param exact: evaluate arithmetic with exact rationals (see the module docstring).
    :raises ExpressionError: on syntax errors and anything outside the whitelist.
    """
    text = source.strip()
    if not text:
        raise ExpressionError("empty expression")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse expression {text!r}: {exc.msg}") from None
    compiler = _Compiler(functions or {}, variables, exact)
    evaluator = compiler.compile(tree.body)
    return CompiledExpression(text, evaluator, frozenset(compiler.names))


def safe_eval(source: str, env: Env | None = None, functions: Mapping[str, Any] | None = None) -> Any:
    """Compile and evaluate ``source`` once (convenience for tests and one-off uses)."""
    return compile_expression(source, functions)(env or {})


def bounded_range(*args: int) -> range:
    """``range`` that refuses to describe more than :data:`MAX_ITEMS` items."""
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        raise TypeError("range() arguments must be integers")
    r = range(*args)
    if len(r) > MAX_ITEMS:
        raise ValueError(f"range of {len(r)} items is too large")
    return r


#: builtins that are safe and useful in expressions
SAFE_BUILTINS: dict[str, Any] = {
    "int": int,
    "float": float,
    "round": round,
    "abs": abs,
    "min": min,
    "max": max,
    "sum": sum,
    "len": len,
    "str": str,
    "bool": bool,
    "list": list,
    "tuple": tuple,
    "sorted": sorted,
    "set": set,
    "range": bounded_range,
    "Fraction": Fraction,
    "any": any,
    "all": all,
    "reversed": lambda x: list(reversed(x)),
    "math.floor": math.floor,
    "math.ceil": math.ceil,
    "math.sqrt": math.sqrt,
    "math.gcd": math.gcd,
    "math.lcm": math.lcm,
    "math.pi": math.pi,
    "math.e": math.e,
    "math.factorial": lambda n: math.factorial(_small(n)),
    "math.comb": lambda n, k: math.comb(_small(n), k),
    "math.perm": lambda n, k=None: math.perm(_small(n), k),
    "math.log": math.log,
    "math.exp": math.exp,
    "floor": math.floor,
    "ceil": math.ceil,
    "sqrt": math.sqrt,
    "gcd": math.gcd,
    "lcm": math.lcm,
    "True": True,
    "False": False,
    "None": None,
}


def _small(n: int) -> int:
    if not isinstance(n, int) or n > 1000:
        raise ValueError("factorial argument too large")
    return n
