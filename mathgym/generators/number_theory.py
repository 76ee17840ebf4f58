"""Number theory (``NumberTheory``): GCD, LCM, modular powers, modular inverses and linear congruences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mathgym.generators.base import (
    Generated,
    GeneratorConfig,
    ProblemGenerator,
    boxed,
    check_choices,
    check_range,
)

_KINDS = ("gcd", "lcm", "modpow", "modinv", "congruence")


@dataclass(frozen=True)
class NumberTheoryConfig(GeneratorConfig):
    """:param kinds: question kinds, ``+``-joined from ``gcd``, ``lcm``, ``modpow``, ``modinv``, ``congruence``.
    :param digits: most digits of the numbers and moduli.
    :param count: how many numbers a GCD or LCM question has.
    :param exponent_digits: most digits of the exponent in a modular power.
    """

    kinds: str = "gcd+lcm+modpow"
    digits: int = 2
    count: int = 2
    exponent_digits: int = 1

    def validate(self) -> None:
        check_choices("kinds", self.kinds, _KINDS)
        check_range("digits", self.digits, 1, 12)
        check_range("count", self.count, 2, 6)
        check_range("exponent_digits", self.exponent_digits, 1, 12)


def _euclid(a: int, b: int) -> tuple[int, list[str]]:
    """gcd(a, b) by the Euclidean algorithm, one division per line."""
    lines = []
    while b:
        q, r = divmod(a, b)
        lines.append(f"{a} = {q} × {b} + {r}")
        a, b = b, r
    return a, lines


def _gcd(a: int, b: int) -> int:
    return _euclid(a, b)[0]


def _join(numbers: list[int]) -> str:
    text = [str(n) for n in numbers]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


class NumberTheory(ProblemGenerator[NumberTheoryConfig]):
    name = "NumberTheory"
    description = "GCD and LCM, remainders of powers, modular inverses and linear congruences."
    topic = "number_theory"
    config_class = NumberTheoryConfig
    levels = (
        {"kinds": "gcd+lcm", "digits": 2, "count": 2, "exponent_digits": 1},
        {"kinds": "gcd+lcm+modpow", "digits": 2, "count": 2, "exponent_digits": 1},
        {"kinds": "gcd+lcm+modpow", "digits": 3, "count": 3, "exponent_digits": 2},
        {"kinds": "gcd+lcm+modpow+modinv+congruence", "digits": 2, "count": 3, "exponent_digits": 2},
        {"kinds": "gcd+lcm+modpow+modinv+congruence", "digits": 3, "count": 4, "exponent_digits": 3},
    )
    default_level = 1

    def generate(self, rng: np.random.Generator, config: NumberTheoryConfig) -> Generated:
        kinds = check_choices("kinds", config.kinds, _KINDS)
        kind = kinds[int(rng.integers(len(kinds)))]
        item = getattr(self, f"_{kind}")(rng, config)
        item.topic = "gcd_lcm" if kind in ("gcd", "lcm") else "modular_arithmetic"
        return item

    @staticmethod
    def _numbers(rng: np.random.Generator, config: NumberTheoryConfig) -> list[int]:
        """Distinct numbers sharing a random factor, so that the GCD is usually more than 1."""
        top = 10**config.digits - 1
        g = int(rng.integers(1, max(2, top // (2 * config.count)) + 1))
        numbers: list[int] = []
        while len(numbers) < config.count:
            n = g * int(rng.integers(1, max(2, top // g) + 1))
            if n not in numbers and n > 1:
                numbers.append(n)
            elif top // g <= config.count:  # too few multiples of g: start over with g = 1
                g = 1
        return numbers

    def _gcd(self, rng: np.random.Generator, config: NumberTheoryConfig) -> Generated:
        numbers = self._numbers(rng, config)
        steps, g = [], numbers[0]
        for n in numbers[1:]:
            new, lines = _euclid(max(g, n), min(g, n))
            steps.append(f"gcd({g}, {n}) by the Euclidean algorithm: {'; '.join(lines)}; so it is {new}.")
            g = new
        answer = str(g)
        steps.append(boxed(answer))
        return Generated(
            f"What is the greatest common divisor of {_join(numbers)}?",
            answer,
            steps,
            "integer",
            {"kind": "gcd", "numbers": numbers},
        )

    def _lcm(self, rng: np.random.Generator, config: NumberTheoryConfig) -> Generated:
        numbers = self._numbers(rng, config)
        steps, m = [], numbers[0]
        for n in numbers[1:]:
            g = _gcd(max(m, n), min(m, n))
            new = m * n // g
            steps.append(f"lcm({m}, {n}) = {m} × {n} ÷ gcd({m}, {n}) = {m * n} ÷ {g} = {new}.")
            m = new
        answer = str(m)
        steps.append(boxed(answer))
        return Generated(
            f"What is the least common multiple of {_join(numbers)}?",
            answer,
            steps,
            "integer",
            {"kind": "lcm", "numbers": numbers},
        )

    def _modulus(self, rng: np.random.Generator, config: NumberTheoryConfig, low: int = 3) -> int:
        return int(rng.integers(low, max(low + 1, 10**config.digits)))

    def _modpow(self, rng: np.random.Generator, config: NumberTheoryConfig) -> Generated:
        m = self._modulus(rng, config)
        a = int(rng.integers(2, max(3, 10**config.digits)))
        e = int(rng.integers(2, max(3, 10**config.exponent_digits)))
        # square and multiply: a^(2^i) mod m for each bit of e
        squares, power, bits = [], a % m, []
        for i in range(e.bit_length()):
            squares.append(power)
            if e >> i & 1:
                bits.append(i)
            power = power * power % m
        result = 1
        for i in bits:
            result = result * squares[i] % m
        answer = str(result)
        table = ", ".join(f"{a}^{2**i} ≡ {squares[i]}" for i in range(len(squares)))
        parts = " + ".join(str(2**i) for i in bits)
        steps = [
            f"Write the exponent in binary: {e} = {parts}.",
            f"Repeated squaring modulo {m}: {table}.",
            (
                f"Multiply the powers for the bits of {e} modulo {m}: "
                f"{' × '.join(str(squares[i]) for i in bits)} ≡ {answer} (mod {m})."
            ),
            boxed(answer),
        ]
        return Generated(
            f"What is the remainder when {a}^{e} is divided by {m}?",
            answer,
            steps,
            "integer",
            {"kind": "modpow", "base": a, "exponent": e, "modulus": m},
        )

    @staticmethod
    def _inverse(a: int, m: int) -> tuple[int, list[str]]:
        """Inverse of ``a`` modulo ``m`` by the extended Euclidean algorithm (``gcd(a, m) == 1``)."""
        old_r, r, old_s, s = a % m, m, 1, 0
        lines = []
        while r:
            q = old_r // r
            lines.append(f"{old_r} = {q} × {r} + {old_r - q * r}")
            old_r, r = r, old_r - q * r
            old_s, s = s, old_s - q * s
        return old_s % m, lines

    def _modinv(self, rng: np.random.Generator, config: NumberTheoryConfig) -> Generated:
        while True:
            m = self._modulus(rng, config, low=5)
            a = int(rng.integers(2, m))
            if _gcd(m, a) == 1:
                break
        inv, lines = self._inverse(a, m)
        answer = str(inv)
        steps = [
            f"Run the extended Euclidean algorithm on {a} and {m}: {'; '.join(lines)}.",
            (
                f"Back-substituting gives {a} × {inv} ≡ 1 (mod {m}): {a} × {inv} = {a * inv} = "
                f"{a * inv // m} × {m} + 1."
            ),
            boxed(answer),
        ]
        prompt = f"Find the multiplicative inverse of {a} modulo {m}, as an integer from 0 to {m - 1}."
        return Generated(prompt, answer, steps, "integer", {"kind": "modinv", "a": a, "modulus": m})

    def _congruence(self, rng: np.random.Generator, config: NumberTheoryConfig) -> Generated:
        m = self._modulus(rng, config, low=5)
        a = int(rng.integers(2, m))
        x0 = int(rng.integers(0, m))
        b = a * x0 % m
        g = _gcd(m, a)
        a2, b2, m2 = a // g, b // g, m // g
        steps = []
        if g > 1:
            steps.append(
                f"gcd({a}, {m}) = {g}, which divides {b}: divide through to get {a2}x ≡ {b2} (mod {m2})."
            )
        if m2 == 1:
            answer = "0"
            steps.append("Every integer solves it, so the smallest non-negative one is 0.")
        else:
            inv, _ = self._inverse(a2, m2)
            answer = str(b2 * inv % m2)
            steps.append(
                f"The inverse of {a2 % m2} modulo {m2} is {inv}, so x ≡ {b2} × {inv} ≡ {answer} (mod {m2})."
            )
        steps.append(f"The smallest non-negative solution is {answer}. {boxed(answer)}")
        prompt = f"Find the smallest non-negative integer x such that {a}x ≡ {b} (mod {m})."
        return Generated(
            prompt, answer, steps, "integer", {"kind": "congruence", "a": a, "b": b, "modulus": m}
        )
