"""Ids of the math text environments: one per procedural generator and dataset, plus a generic one.

This table is static (no generator is imported) because Gymnasium imports it in every process;
``tests/envs/test_math_registry.py`` checks it against the generator registry.
"""
from __future__ import annotations

from typing import Any, Callable

ENTRY_POINT = "mathgym.envs.math_env:MathEnv"

#: generator name -> one-line description
GENERATOR_IDS: dict[str, str] = {
    "Arithmetic": "integer arithmetic expressions with + - * and parentheses",
    "Fractions": "arithmetic on fractions, answers in lowest terms",
    "Percentages": "percent of, percent change and reverse-percentage questions",
    "LinearEquation": "solve a linear equation in one unknown",
    "LinearSystem2x2": "solve a 2x2 system of linear equations",
    "Quadratic": "roots of a quadratic equation, as a set",
    "Polynomial": "expand or factor a polynomial",
    "Derivative": "derivative of an elementary function",
    "DefiniteIntegral": "definite integral of a polynomial or elementary function",
    "NumberTheory": "GCD, LCM and modular arithmetic",
    "UnitRate": "unit-rate word problems in the GSM8K style",
    "MultiStepWord": "multi-step word problems in the GSM8K style",
    "Probability": "simple probability with exact fractional answers",
    "Combinatorics": "counting: arrangements, committees, words with repeated letters",
    "Sequences": "arithmetic and geometric sequences: terms and sums",
}

DATASET_IDS: dict[str, tuple[str, str]] = {
    "GSM8K": ("gsm8k", "GSM8K grade-school word problems (test split by default; data_dir=...)"),
    "MATH500": ("math500", "MATH-500 competition problems (data_dir=...)"),
}


def register_all(register: Callable[..., Any]) -> None:
    for name, description in GENERATOR_IDS.items():
        register(f"{name}-v0", ENTRY_POINT, description, kwargs={"source": f"generator:{name}"})
    for name, (source, description) in DATASET_IDS.items():
        register(f"{name}-v0", ENTRY_POINT, description, kwargs={"source": source})
    register("Math-v0", ENTRY_POINT, "any source: gym.make('mathgym/Math-v0', source=...)")
