"""Derivatives (``Derivative``) and definite integrals (``DefiniteIntegral``).

Both generators apply the textbook rules themselves (power, trigonometric, exponential, logarithm,
product, chain and quotient rules; a table of antiderivatives), building exact sympy expressions as
they go, and explain each rule in the reference solution. sympy is used to hold, simplify and print
expressions, not to differentiate or integrate: the tests check the results with ``sympy.diff`` and
``sympy.integrate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mathgym.generators.base import (
    Generated,
    GeneratorConfig,
    ProblemGenerator,
    boxed,
    check_choices,
    check_range,
)
from mathgym.generators.formatting import fmt_expr, sympy, x_symbol

_DERIVATIVE_RULES = ("power", "trig", "exp", "log", "product", "chain", "quotient")
_INTEGRAL_KINDS = ("poly", "reciprocal", "exp", "trig")


def _signed(rng: np.random.Generator, bound: int) -> int:
    value = int(rng.integers(1, bound + 1))
    return value if rng.random() < 0.5 else -value


@dataclass(frozen=True)
class _Basic:
    """An elementary function of ``x`` with its derivative from the rule table."""

    expr: Any  # sympy.Expr
    deriv: Any
    rule: str
    signature: tuple


def _power(n: int) -> _Basic:
    X = x_symbol()
    return _Basic(X**n, n * X ** (n - 1) if n else sympy.Integer(0), "power rule", ("pow", n))


def _sin(k: int) -> _Basic:
    X = x_symbol()
    return _Basic(sympy.sin(k * X), k * sympy.cos(k * X), "(sin(kx))' = k*cos(kx)", ("sin", k))


def _cos(k: int) -> _Basic:
    X = x_symbol()
    return _Basic(sympy.cos(k * X), -k * sympy.sin(k * X), "(cos(kx))' = -k*sin(kx)", ("cos", k))


def _exp(k: int) -> _Basic:
    X = x_symbol()
    return _Basic(sympy.exp(k * X), k * sympy.exp(k * X), "(e^(kx))' = k*e^(kx)", ("exp", k))


def _ln() -> _Basic:
    X = x_symbol()
    return _Basic(sympy.log(X), 1 / X, "(ln(x))' = 1/x", ("ln",))


def _poly(coeffs: list[int]) -> _Basic:
    """``sum c_i x^i`` with the derivative taken coefficient by coefficient."""
    X = x_symbol()
    expr = sum((c * X**i for i, c in enumerate(coeffs)), sympy.Integer(0))
    deriv = sum((i * c * X ** (i - 1) for i, c in enumerate(coeffs) if i), sympy.Integer(0))
    return _Basic(expr, deriv, "power rule", ("poly", tuple(coeffs)))


@dataclass(frozen=True)
class DerivativeConfig(GeneratorConfig):
    """:param rules: the rules a term may need, ``+``-joined from ``power``, ``trig``, ``exp``, ``log``,
        ``product``, ``chain``, ``quotient``.
    :param terms: how many terms f(x) has.
    :param max_degree: largest power of x.
    :param coef_max: largest absolute coefficient.
    """

    rules: str = "power+trig+exp"
    terms: int = 3
    max_degree: int = 4
    coef_max: int = 6

    def validate(self) -> None:
        check_choices("rules", self.rules, _DERIVATIVE_RULES)
        check_range("terms", self.terms, 1, 6)
        check_range("max_degree", self.max_degree, 1, 12)
        check_range("coef_max", self.coef_max, 1, 50)


@dataclass
class _Term:
    expr: Any  # sympy.Expr
    deriv: Any
    explanation: str
    signature: tuple


class Derivative(ProblemGenerator[DerivativeConfig]):
    name = "Derivative"
    description = "Differentiate a function of x (power, trig, exp, log, product, chain, quotient rules)."
    topic = "calculus"
    config_class = DerivativeConfig
    levels = (
        {"rules": "power", "terms": 2, "max_degree": 3, "coef_max": 5},
        {"rules": "power+trig+exp", "terms": 3, "max_degree": 4, "coef_max": 6},
        {"rules": "power+trig+exp+log", "terms": 3, "max_degree": 5, "coef_max": 9},
        {"rules": "power+product+chain", "terms": 2, "max_degree": 4, "coef_max": 6},
        {"rules": "product+chain+quotient", "terms": 2, "max_degree": 4, "coef_max": 9},
    )
    default_level = 1

    def _elementary(
        self, rng: np.random.Generator, config: DerivativeConfig, kinds: tuple[str, ...]
    ) -> _Basic:
        kind = kinds[int(rng.integers(len(kinds)))]
        k = int(rng.integers(1, 4))
        if kind == "pow":
            return _power(int(rng.integers(1, config.max_degree + 1)))
        if kind == "sin":
            return _sin(k)
        if kind == "cos":
            return _cos(k)
        if kind == "exp":
            return _exp(k if rng.random() < 0.7 else -k)
        return _ln()

    def _term(self, rng: np.random.Generator, config: DerivativeConfig, rule: str) -> _Term:
        c = _signed(rng, config.coef_max)
        if rule in ("power", "trig", "exp", "log"):
            kinds = {"power": ("pow",), "trig": ("sin", "cos"), "exp": ("exp",), "log": ("ln",)}[rule]
            if rule == "power":  # constants allowed too: their derivative is 0
                basic = _power(int(rng.integers(0 if rng.random() < 0.15 else 1, config.max_degree + 1)))
            else:
                basic = self._elementary(rng, config, kinds)
            expr, deriv = c * basic.expr, c * basic.deriv
            return _Term(
                expr, deriv, f"d/dx[{fmt_expr(expr)}] = {fmt_expr(deriv)} ({basic.rule})", basic.signature
            )
        if rule == "product":
            u = _power(int(rng.integers(1, config.max_degree + 1)))
            v = self._elementary(rng, config, ("sin", "cos", "exp", "ln"))
            expr = c * u.expr * v.expr
            deriv = c * (u.deriv * v.expr + u.expr * v.deriv)
            return _Term(
                expr,
                deriv,
                f"d/dx[{fmt_expr(expr)}] = {c}·(({fmt_expr(u.deriv)})·{fmt_expr(v.expr)} + "
                f"{fmt_expr(u.expr)}·({fmt_expr(v.deriv)})) = {fmt_expr(deriv)} (product rule)",
                ("product", u.signature, v.signature),
            )
        if rule == "chain":
            degree = int(rng.integers(1, min(3, config.max_degree) + 1))
            coeffs = [int(rng.integers(-config.coef_max, config.coef_max + 1)) for _ in range(degree)]
            coeffs.append(
                int(rng.integers(1, min(config.coef_max, 5) + 1))
            )  # positive lead: sympy keeps u as is
            inner = _poly(coeffs)
            outer = ("pow", "sin", "cos", "exp", "ln")[int(rng.integers(5))]
            u = inner.expr
            if outer == "pow":
                n = int(rng.integers(2, 6))
                f, f_prime = u**n, n * u ** (n - 1)
            elif outer == "sin":
                f, f_prime = sympy.sin(u), sympy.cos(u)
            elif outer == "cos":
                f, f_prime = sympy.cos(u), -sympy.sin(u)
            elif outer == "exp":
                f, f_prime = sympy.exp(u), sympy.exp(u)
            else:
                f, f_prime = sympy.log(u), 1 / u
            expr = c * f
            deriv = c * f_prime * inner.deriv
            return _Term(
                expr,
                deriv,
                f"d/dx[{fmt_expr(expr)}] = {c}·({fmt_expr(f_prime)})·({fmt_expr(inner.deriv)}) = "
                f"{fmt_expr(deriv)} (chain rule with inner function u = {fmt_expr(u)})",
                ("chain", outer, inner.signature),
            )
        # quotient: (a x^m + b) / (p x + q)
        m = int(rng.integers(1, min(3, config.max_degree) + 1))
        num = _poly([_signed(rng, config.coef_max)] + [0] * (m - 1) + [_signed(rng, config.coef_max)])
        den = _poly([_signed(rng, config.coef_max), int(rng.integers(1, 4))])
        expr = c * num.expr / den.expr
        top = sympy.expand(num.deriv * den.expr - num.expr * den.deriv)
        deriv = c * top / den.expr**2
        return _Term(
            expr,
            deriv,
            f"d/dx[{fmt_expr(expr)}] = {c}·(({fmt_expr(num.deriv)})·({fmt_expr(den.expr)}) - "
            f"({fmt_expr(num.expr)})·({fmt_expr(den.deriv)}))/({fmt_expr(den.expr)})^2 = "
            f"{fmt_expr(deriv)} (quotient rule)",
            ("quotient", num.signature, den.signature),
        )

    def generate(self, rng: np.random.Generator, config: DerivativeConfig) -> Generated:
        rules = check_choices("rules", config.rules, _DERIVATIVE_RULES)
        terms: list[_Term] = []
        for _ in range(20 * config.terms):  # redraw terms that would merge with an earlier one
            if len(terms) == config.terms:
                break
            term = self._term(rng, config, rules[int(rng.integers(len(rules)))])
            if all(t.signature != term.signature for t in terms):
                terms.append(term)
        f = sympy.Add(*(t.expr for t in terms))
        derivative = sympy.Add(*(t.deriv for t in terms))
        answer = fmt_expr(derivative)
        steps = ["Differentiate term by term."] if len(terms) > 1 else []
        steps += [f"{t.explanation}." for t in terms]
        steps.append(f"So f'(x) = {answer}. {boxed(answer)}")
        prompt = f"Find the derivative of f(x) = {fmt_expr(f)} with respect to x."
        return Generated(
            prompt,
            answer,
            steps,
            "expression",
            {"function": fmt_expr(f), "rules": [t.signature[0] for t in terms]},
        )


@dataclass(frozen=True)
class DefiniteIntegralConfig(GeneratorConfig):
    """:param kinds: integrand term kinds, ``+``-joined from ``poly``, ``reciprocal`` (c/x), ``exp``, ``trig``.
    :param terms: how many terms the integrand has.
    :param max_degree: largest power of x in a polynomial term.
    :param bound_max: largest absolute integer bound.
    :param coef_max: largest absolute coefficient.
    """

    kinds: str = "poly"
    terms: int = 3
    max_degree: int = 3
    bound_max: int = 4
    coef_max: int = 6

    def validate(self) -> None:
        check_choices("kinds", self.kinds, _INTEGRAL_KINDS)
        check_range("terms", self.terms, 1, 6)
        check_range("max_degree", self.max_degree, 0, 10)
        check_range("bound_max", self.bound_max, 2, 100)
        check_range("coef_max", self.coef_max, 1, 50)


class DefiniteIntegral(ProblemGenerator[DefiniteIntegralConfig]):
    name = "DefiniteIntegral"
    description = "Evaluate a definite integral exactly (polynomials, 1/x, exponentials, sine and cosine)."
    topic = "calculus"
    config_class = DefiniteIntegralConfig
    levels = (
        {"kinds": "poly", "terms": 2, "max_degree": 2, "bound_max": 3, "coef_max": 5},
        {"kinds": "poly", "terms": 3, "max_degree": 3, "bound_max": 4, "coef_max": 6},
        {"kinds": "poly+reciprocal", "terms": 3, "max_degree": 3, "bound_max": 5, "coef_max": 9},
        {"kinds": "poly+exp+trig", "terms": 2, "max_degree": 3, "bound_max": 4, "coef_max": 6},
        {"kinds": "poly+reciprocal+exp+trig", "terms": 3, "max_degree": 4, "bound_max": 6, "coef_max": 9},
    )
    default_level = 1

    def generate(self, rng: np.random.Generator, config: DefiniteIntegralConfig) -> Generated:
        kinds = check_choices("kinds", config.kinds, _INTEGRAL_KINDS)
        X = x_symbol()
        chosen: list[tuple[str, int]] = []  # (kind, parameter): power, k, ...
        for _ in range(20 * config.terms):
            if len(chosen) == config.terms:
                break
            kind = kinds[int(rng.integers(len(kinds)))]
            if kind == "poly":
                param = int(rng.integers(0, config.max_degree + 1))
            elif kind == "reciprocal":
                param = 1
            elif kind == "exp":
                param = _signed(rng, 2)
            else:
                param = int(rng.integers(1, 3)) * (1 if rng.random() < 0.5 else -1)  # sign picks sin/cos
            if all(c[0] != kind or c[1] != param for c in chosen):
                chosen.append((kind, param))
        uses = {k for k, _ in chosen}
        low, high = self._bounds(rng, config, uses)
        integrand_terms, antiderivative_terms, contributions, rules = [], [], [], []
        for kind, param in chosen:
            c = _signed(rng, config.coef_max)
            if kind == "poly":
                term, anti = c * X**param, sympy.Rational(c, param + 1) * X ** (param + 1)
                contribution = anti.subs(X, high) - anti.subs(X, low)
                rules.append(f"∫{fmt_expr(term)} dx = {fmt_expr(anti)} (power rule)")
            elif kind == "reciprocal":
                term, anti = c / X, c * sympy.log(X)
                contribution = c * sympy.log(high / low)  # ln(b) - ln(a) = ln(b/a), for a, b > 0
                rules.append(f"∫{fmt_expr(term)} dx = {fmt_expr(anti)} (for x > 0)")
            elif kind == "exp":
                term, anti = c * sympy.exp(param * X), sympy.Rational(c, param) * sympy.exp(param * X)
                contribution = anti.subs(X, high) - anti.subs(X, low)
                rules.append(f"∫{fmt_expr(term)} dx = {fmt_expr(anti)}")
            else:
                k = abs(param)
                if param > 0:
                    term, anti = c * sympy.sin(k * X), sympy.Rational(-c, k) * sympy.cos(k * X)
                else:
                    term, anti = c * sympy.cos(k * X), sympy.Rational(c, k) * sympy.sin(k * X)
                contribution = anti.subs(X, high) - anti.subs(X, low)
                rules.append(f"∫{fmt_expr(term)} dx = {fmt_expr(anti)}")
            integrand_terms.append(term)
            antiderivative_terms.append(anti)
            contributions.append(contribution)
        integrand = sympy.Add(*integrand_terms)
        antiderivative = sympy.Add(*antiderivative_terms)
        value = sympy.expand(sympy.Add(*contributions), log=False)  # keep ln(b/a) whole
        answer = fmt_expr(value)
        a_text, b_text = fmt_expr(low), fmt_expr(high)
        steps = [
            f"Integrate term by term: {'; '.join(rules)}.",
            f"An antiderivative is F(x) = {fmt_expr(antiderivative)}.",
            f"F({b_text}) - F({a_text}) = {answer}.",
        ]
        steps.append(boxed(answer))
        prompt = (
            f"Evaluate the definite integral of f(x) = {fmt_expr(integrand)} with respect to x "
            f"from x = {a_text} to x = {b_text}."
        )
        return Generated(
            prompt,
            answer,
            steps,
            "fraction" if value.is_Rational else "expression",
            {
                "integrand": fmt_expr(integrand),
                "lower": a_text,
                "upper": b_text,
                "terms": [list(c) for c in chosen],
            },
        )

    @staticmethod
    def _bounds(
        rng: np.random.Generator, config: DefiniteIntegralConfig, uses: set[str]
    ) -> tuple[sympy.Expr, sympy.Expr]:
        positive = "reciprocal" in uses  # 1/x is integrated over a positive interval only
        if "trig" in uses:  # multiples of pi/d give exact sines and cosines
            d = (2, 3, 4, 6)[int(rng.integers(4))]
            start = 1 if positive else 0
            m1 = int(rng.integers(start, d + 1))
            m2 = int(rng.integers(m1 + 1, m1 + 2 * d + 1))
            return sympy.pi * sympy.Rational(m1, d), sympy.pi * sympy.Rational(m2, d)
        lowest = 1 if positive else -config.bound_max
        a = int(rng.integers(lowest, config.bound_max))
        b = int(rng.integers(a + 1, config.bound_max + 1))
        return sympy.Integer(a), sympy.Integer(b)
