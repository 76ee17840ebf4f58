"""Ids of the classic-RL environments (numeric spaces for stable-baselines3) and Countdown's text form.

Static table: Gymnasium imports this module in every process, so nothing heavy is imported here.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

EQUATION_SOLVE = "mathgym.envs.equation_solve_env:EquationSolveEnv"
SYMBOLIC_REGRESSION = "mathgym.envs.symbolic_regression_env:SymbolicRegressionEnv"

#: suffix -> (LinearEquation levels, description)
EQUATION_SOLVE_IDS: dict[str, tuple[tuple[int, ...], str]] = {
    "": ((0, 1, 2), "solve a linear equation by choosing rewrite rules on its sympy tree (levels 0-2)"),
    "-Easy": ((0,), "EquationSolve, level 0 only: ax + b = c"),
    "-Medium": ((1, 2), "EquationSolve, levels 1-2: x on both sides, brackets"),
    "-Hard": ((3, 4), "EquationSolve, levels 3-4: brackets, fractional solutions, larger numbers"),
}
NGUYEN_COUNT = 12


def register_all(register: Callable[..., Any]) -> None:
    for suffix, (levels, description) in EQUATION_SOLVE_IDS.items():
        register(f"EquationSolve{suffix}-v0", EQUATION_SOLVE, description, kwargs={"levels": levels})
    for k in range(1, NGUYEN_COUNT + 1):
        register(f"SymbolicRegression-Nguyen{k}-v0", SYMBOLIC_REGRESSION,
                 f"build an expression token by token to fit Nguyen-{k} (DSO's prefix design)",
                 kwargs={"benchmark": f"Nguyen-{k}"})
    register("Countdown-v0", "mathgym.envs.countdown_env:CountdownEnv",
             "reach a target from given numbers with + - * / (numeric spaces, masked Discrete)")
    register("CountdownText-v0", "mathgym.envs.countdown_text_env:CountdownTextEnv",
             "reach a target from given numbers with + - * / (text answer for LLMs)")
