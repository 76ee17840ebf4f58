"""Every mathgym environment id, registered in Gymnasium's registry under the ``mathgym/`` namespace.

This is the one place where ids are defined: the tables below name, per env family, the ids, their entry
points (``module:Class`` strings, so registering imports nothing heavy: Gymnasium imports this module in
every process) and their keyword arguments. The families live in subpackages of :mod:`mathgym.envs`:

* ``classic/``: numeric-space envs for classic RL (``equation_solve``, ``countdown``,
  ``symbolic_regression``); each also has a native vector env (``gym.make_vec(id, n)`` returns it;
  ``vectorization_mode="sync"`` still gives a ``SyncVectorEnv`` of single envs);
* ``math/``: text envs over problem sources (procedural generators, datasets, dynamic variants);
* ``tools/``: text envs whose agents run code in the sandbox (tool-integrated reasoning, program of thought);
* ``provers/``: theorem-proving envs (Coq, Lean);
* ``multiagent/``: PettingZoo games (their own ``<game>_v0`` modules, not Gymnasium ids).

Gymnasium calls :func:`register_envs` through the ``gymnasium.envs`` entry point and mathgym's import hook, so
``gymnasium.make("mathgym/...")`` works in a fresh process without importing mathgym first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium

NAMESPACE = "mathgym"

# -- entry points
# ---------------------------------------------------------------------------------------------

MATH_ENV = "mathgym.envs.math.env:MathEnv"
TOOL_MATH_ENV = "mathgym.envs.tools.tool_math:ToolMathEnv"
PROGRAM_OF_THOUGHT_ENV = "mathgym.envs.tools.program_of_thought:ProgramOfThoughtEnv"
COQ_ENV = "mathgym.envs.provers.coq:CoqEnv"
LEAN_ENV = "mathgym.envs.provers.lean:LeanEnv"
EQUATION_SOLVE_ENV = "mathgym.envs.classic.equation_solve.env:EquationSolveEnv"
EQUATION_SOLVE_VECTOR_ENV = "mathgym.envs.classic.equation_solve.vector:EquationSolveVectorEnv"
COUNTDOWN_ENV = "mathgym.envs.classic.countdown.env:CountdownEnv"
COUNTDOWN_VECTOR_ENV = "mathgym.envs.classic.countdown.vector:CountdownVectorEnv"
COUNTDOWN_TEXT_ENV = "mathgym.envs.classic.countdown.text_env:CountdownTextEnv"
SYMBOLIC_REGRESSION_ENV = "mathgym.envs.classic.symbolic_regression.env:SymbolicRegressionEnv"
SYMBOLIC_REGRESSION_VECTOR_ENV = "mathgym.envs.classic.symbolic_regression.vector:SymbolicRegressionVectorEnv"

# -- id tables
# ------------------------------------------------------------------------------------------------

#: generator name -> one-line description (``tests/envs/test_math_registry.py`` checks it against the
#: generators)
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

#: dataset id name -> (source spec, description)
DATASET_IDS: dict[str, tuple[str, str]] = {
    "GSM8K": ("gsm8k", "GSM8K grade-school word problems (test split by default; data_dir=...)"),
    "MATH500": ("math500", "MATH-500 competition problems (data_dir=...)"),
}

#: dynamic-variant env name -> (source spec, description); ``reset(options={"family": id, "variant": k})``
#: pins
#: one variant and ``gym.make`` keywords reach the source (``n_variants``, ``difficulty``, ``perturbations``,
#: ...)
VARIANT_IDS: dict[str, tuple[str, str]] = {
    "GSMSymbolic-P2-v0": (
        "variants:gsm-symbolic/p2",
        "GSM-Symbolic P2 templates: variant 0 is the default instance, others are resampled",
    ),
    "Dynamic-Arithmetic-v0": (
        "variants:topic:arithmetic",
        "arithmetic program families with deterministic variants",
    ),
    "Dynamic-Algebra-v0": ("variants:topic:algebra", "algebra program families with deterministic variants"),
    "Dynamic-Geometry-v0": ("variants:topic:geometry", "geometry-in-words program families"),
    "Dynamic-Probability-v0": ("variants:topic:probability", "probability and counting program families"),
    "Dynamic-NumberTheory-v0": ("variants:topic:number theory", "number-theory program families"),
    "Dynamic-Sequences-v0": ("variants:topic:sequences", "sequence program families"),
    "Dynamic-Calculus-v0": ("variants:topic:calculus", "calculus program families (exact numeric answers)"),
    "Dynamic-WordProblems-v0": ("variants:topic:word problems", "GSM8K-style word-problem program families"),
    "Dynamic-v0": (
        "variants:dyn",
        "every program family; families=/perturbations=/difficulty= select variants",
    ),
}

#: prover env name -> (entry point, kwargs, description, system components it needs)
PROVER_IDS: dict[str, tuple[str, dict[str, Any], str, tuple[str, ...]]] = {
    "Coq-Basic-v0": (
        COQ_ENV,
        {"problem_set": "basic"},
        "Coq tactic proving: arithmetic, algebra, number theory, induction, lists (mathgym set)",
        ("coq",),
    ),
    "Coq-Reals-v0": (
        COQ_ENV,
        {"problem_set": "reals"},
        "Coq tactic proving: real-number inequalities and field identities (mathgym set)",
        ("coq",),
    ),
    "Coq-Basic-WholeProof-v0": (
        COQ_ENV,
        {"problem_set": "basic", "mode": "whole_proof"},
        "Coq whole-proof checking (DeepSeek-Prover style) on the Basic set",
        ("coq",),
    ),
    "Lean-MiniF2F-v0": (
        LEAN_ENV,
        {},
        "Lean 4 tactic proving on miniF2F through the Lean REPL (needs a Lean toolchain)",
        ("lean",),
    ),
}

#: EquationSolve suffix -> (LinearEquation levels, description)
EQUATION_SOLVE_IDS: dict[str, tuple[tuple[int, ...], str]] = {
    "": ((0, 1, 2), "solve a linear equation by choosing rewrite rules on its expression tree (levels 0-2)"),
    "-Easy": ((0,), "EquationSolve, level 0 only: ax + b = c"),
    "-Medium": ((1, 2), "EquationSolve, levels 1-2: x on both sides, brackets"),
    "-Hard": ((3, 4), "EquationSolve, levels 3-4: brackets, fractional solutions, larger numbers"),
}
#: the Nguyen symbolic-regression benchmarks with an id each
NGUYEN_COUNT = 12

#: one-line descriptions for ``mathgym list``, filled as ids register
DESCRIPTIONS: dict[str, str] = {}
#: system components an id needs (names of :data:`mathgym.testing.COMPONENTS`, e.g. "docker", "coq")
REQUIREMENTS: dict[str, tuple[str, ...]] = {}


def _register(
    env_id: str,
    entry_point: str | Callable[..., Any],
    description: str,
    *,
    requires: tuple[str, ...] = (),
    **kwargs: Any,
) -> None:
    """Register ``mathgym/<env_id>``. ``requires`` names system components the env needs (the registry test
    skips, or fails under MATHGYM_STRICT, when one is missing); other kwargs go to ``gymnasium.register``."""
    full_id = f"{NAMESPACE}/{env_id}"
    DESCRIPTIONS[full_id] = description
    REQUIREMENTS[full_id] = tuple(requires)
    if full_id in gymnasium.registry:
        return
    gymnasium.register(id=full_id, entry_point=entry_point, **kwargs)


def _register_math() -> None:
    for name, description in GENERATOR_IDS.items():
        _register(f"{name}-v0", MATH_ENV, description, kwargs={"source": f"generator:{name}"})
    for name, (source, description) in DATASET_IDS.items():
        _register(f"{name}-v0", MATH_ENV, description, kwargs={"source": source})
    _register("Math-v0", MATH_ENV, "any source: gym.make('mathgym/Math-v0', source=...)")


def _register_variants() -> None:
    for name, (source, description) in VARIANT_IDS.items():
        _register(name, MATH_ENV, description, kwargs={"source": source})


def _register_tools() -> None:
    # one id per dataset and per procedural generator, for each family
    rows = [(name, source, description) for name, (source, description) in DATASET_IDS.items()]
    rows += [(name, f"generator:{name}", description) for name, description in GENERATOR_IDS.items()]
    for name, source, description in rows:
        _register(
            f"ToolMath-{name}-v0",
            TOOL_MATH_ENV,
            f"{description}; reasoning with Python tool calls run in a sandbox (ToRA format)",
            kwargs={"source": source},
        )
        _register(
            f"PoT-{name}-v0",
            PROGRAM_OF_THOUGHT_ENV,
            f"{description}; program of thought: the program's printed output is the answer",
            kwargs={"source": source},
        )


def _register_provers() -> None:
    for name, (entry_point, kwargs, description, requires) in PROVER_IDS.items():
        _register(name, entry_point, description, kwargs=kwargs, requires=requires)


def _register_classic() -> None:
    for suffix, (levels, description) in EQUATION_SOLVE_IDS.items():
        _register(
            f"EquationSolve{suffix}-v0",
            EQUATION_SOLVE_ENV,
            description,
            kwargs={"levels": levels},
            vector_entry_point=EQUATION_SOLVE_VECTOR_ENV,
        )
    for k in range(1, NGUYEN_COUNT + 1):
        _register(
            f"SymbolicRegression-Nguyen{k}-v0",
            SYMBOLIC_REGRESSION_ENV,
            f"build an expression token by token to fit Nguyen-{k} (DSO's prefix design)",
            kwargs={"benchmark": f"Nguyen-{k}"},
            vector_entry_point=SYMBOLIC_REGRESSION_VECTOR_ENV,
        )
    _register(
        "Countdown-v0",
        COUNTDOWN_ENV,
        "reach a target from given numbers with + - * / (numeric spaces, masked Discrete)",
        vector_entry_point=COUNTDOWN_VECTOR_ENV,
    )
    _register(
        "CountdownText-v0",
        COUNTDOWN_TEXT_ENV,
        "reach a target from given numbers with + - * / (text answer for LLMs)",
    )


def register_envs() -> None:
    """Register all mathgym ids (idempotent)."""
    _register_math()
    _register_provers()
    _register_classic()
    _register_variants()
    _register_tools()


def mathgym_ids() -> list[str]:
    """Every registered ``mathgym/`` id, sorted."""
    register_envs()
    return sorted(i for i in gymnasium.registry if i.startswith(f"{NAMESPACE}/"))


register_envs()
