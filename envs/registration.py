"""Every mathgym environment id, registered in Gymnasium's registry under the ``mathgym/`` namespace.

This is the one place where ids are defined: the tables below name, per env family, the ids, their entry
points (``module:Class`` strings, so registering imports nothing heavy: Gymnasium imports this module in
every process) and their keyword arguments. The families live in subpackages of :mod:`mathgym.envs`:

* ``classic/``: numeric-space envs for classic RL (``equation_solve``, ``countdown``,
  ``symbolic_regression``); each also has a native vector env (``gym.make_vec(id, n)`` returns it;
  ``vectorization_mode="sync"`` still gives a ``SyncVectorEnv`` of single envs);
* ``math/``: text envs over problem sources (procedural generators, datasets, dynamic variants); ``gym.make_vec(id,
  n)`` gives :class:`~mathgym.envs.math.vector.MathVectorEnv`, ``n`` episodes per call over one shared source;
* ``tools/``: text envs whose agents run code in the sandbox (tool-integrated reasoning, program of thought);
* ``provers/``: theorem-proving envs (Coq, Lean);
* ``multiagent/``: PettingZoo games (their own ``<game>_v0`` modules, not Gymnasium ids).

Gymnasium calls :func:`register_envs` through the ``gymnasium.envs`` entry point and mathgym's import hook, so
``gymnasium.make("mathgym/...")`` works in a fresh process without importing mathgym first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium

from mathgym.registry import DuplicateName, Registry, UnknownName, unknown_name

NAMESPACE = "mathgym"

# -- entry points
# ---------------------------------------------------------------------------------------------

MATH_ENV = "mathgym.envs.math.env:MathEnv"
MATH_VECTOR_ENV = "mathgym.envs.math.vector:MathVectorEnv"
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

#: the procedural generators with an id each (``mathgym/<name>-v0``, ``ToolMath-<name>-v0``, ``PoT-<name>-v0``);
#: their descriptions are the generators' own (``tests/envs/test_math_registry.py`` checks the names)
GENERATOR_IDS: tuple[str, ...] = (
    "Arithmetic",
    "Fractions",
    "Percentages",
    "LinearEquation",
    "LinearSystem2x2",
    "Quadratic",
    "Polynomial",
    "Derivative",
    "DefiniteIntegral",
    "NumberTheory",
    "UnitRate",
    "MultiStepWord",
    "Probability",
    "Combinatorics",
    "Sequences",
)

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
        "Arithmetic program families with deterministic variants",
    ),
    "Dynamic-Algebra-v0": ("variants:topic:algebra", "Algebra program families with deterministic variants"),
    "Dynamic-Geometry-v0": ("variants:topic:geometry", "Geometry-in-words program families"),
    "Dynamic-Probability-v0": ("variants:topic:probability", "Probability and counting program families"),
    "Dynamic-NumberTheory-v0": ("variants:topic:number theory", "Number-theory program families"),
    "Dynamic-Sequences-v0": ("variants:topic:sequences", "Sequence program families"),
    "Dynamic-Calculus-v0": ("variants:topic:calculus", "Calculus program families (exact numeric answers)"),
    "Dynamic-WordProblems-v0": ("variants:topic:word problems", "GSM8K-style word-problem program families"),
    "Dynamic-v0": (
        "variants:dyn",
        "Every program family; families=/perturbations=/difficulty= select variants",
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
    "": ((0, 1, 2), "Solve a linear equation by choosing rewrite rules on its expression tree (levels 0-2)"),
    "-Easy": ((0,), "EquationSolve, level 0 only: ax + b = c"),
    "-Medium": ((1, 2), "EquationSolve, levels 1-2: x on both sides, brackets"),
    "-Hard": ((3, 4), "EquationSolve, levels 3-4: brackets, fractional solutions, larger numbers"),
}
#: the Nguyen symbolic-regression benchmarks with an id each
NGUYEN_COUNT = 12


@dataclass(frozen=True)
class EnvIdInfo:
    """What mathgym says about one of its ids beyond Gymnasium's spec.

    :param description: one line for ``mathgym list`` and the gallery; for a generator's ids, the text that
        follows the generator's own description.
    :param requires: system components the env needs (names of :data:`mathgym.testing.COMPONENTS`, e.g.
        ``"docker"``, ``"coq"``): the registry test skips the id, or fails under ``MATHGYM_STRICT``, when one
        is missing.
    :param generator: the procedural generator whose problems the id serves, if any.
    """

    description: str
    requires: tuple[str, ...] = ()
    generator: str | None = None

    def describe(self) -> str:
        """The full one-line description (a generator's own description is read from its class)."""
        if self.generator is None:
            return self.description
        from mathgym.generators import get_generator

        return get_generator(self.generator).description.rstrip(".") + self.description


#: every mathgym id (``mathgym/<name>``) -> what mathgym says about it, filled as ids register
ENV_IDS: Registry[EnvIdInfo] = Registry("mathgym environment id")


def describe(env_id: str) -> str:
    """The one-line description of a mathgym id (``""`` for an id mathgym did not register)."""
    info = ENV_IDS.get(env_id)
    return info.describe() if info is not None else ""


def requirements(env_id: str) -> tuple[str, ...]:
    """The system components a mathgym id needs (``()`` for an id mathgym did not register)."""
    info = ENV_IDS.get(env_id)
    return info.requires if info is not None else ()


def _register(env_id: str, entry_point: str, info: EnvIdInfo, **kwargs: Any) -> None:
    """Register ``mathgym/<env_id>`` with Gymnasium and its :class:`EnvIdInfo` in :data:`ENV_IDS`.

    Registering the same id again with the same arguments is a no-op (:func:`register_envs` runs in every
    process that imports Gymnasium and again on each call); with other arguments it is an error.

    :param env_id: the id without the namespace.
    :param entry_point: the env's ``module:Class``.
    :param info: its description and requirements.
    :param kwargs: the rest of ``gymnasium.register``'s arguments (``kwargs=``, ``vector_entry_point=``).
    :raises mathgym.registry.DuplicateName: the id is registered with another entry point or arguments.
    """
    full_id = f"{NAMESPACE}/{env_id}"
    ENV_IDS.register(full_id, info)
    if full_id not in gymnasium.registry:
        gymnasium.register(id=full_id, entry_point=entry_point, **kwargs)
        return
    spec = gymnasium.spec(full_id)
    wanted = (entry_point, kwargs.get("kwargs") or {}, kwargs.get("vector_entry_point"))
    if (spec.entry_point, spec.kwargs or {}, spec.vector_entry_point) != wanted:
        raise DuplicateName(f"{full_id} is already registered with another entry point or arguments ({spec})")


def _register_math_id(env_id: str, info: EnvIdInfo, source: str | None = None) -> None:
    """A :class:`MathEnv` id, with :class:`MathVectorEnv` as its vector env."""
    kwargs = {"source": source} if source is not None else None
    _register(env_id, MATH_ENV, info, kwargs=kwargs, vector_entry_point=MATH_VECTOR_ENV)


def _register_math() -> None:
    for name in GENERATOR_IDS:
        _register_math_id(f"{name}-v0", EnvIdInfo("", generator=name), f"generator:{name}")
    for name, (source, description) in DATASET_IDS.items():
        _register_math_id(f"{name}-v0", EnvIdInfo(description), source)
    _register_math_id("Math-v0", EnvIdInfo("Any source: gym.make('mathgym/Math-v0', source=...)"))


def _register_variants() -> None:
    for name, (source, description) in VARIANT_IDS.items():
        _register_math_id(name, EnvIdInfo(description), source)


def _register_tools() -> None:
    # one id per dataset and per procedural generator, for each family
    rows: list[tuple[str, str, str, str | None]] = [
        (name, source, description, None) for name, (source, description) in DATASET_IDS.items()
    ]
    rows += [(name, f"generator:{name}", "", name) for name in GENERATOR_IDS]
    for name, source, description, generator in rows:
        _register(
            f"ToolMath-{name}-v0",
            TOOL_MATH_ENV,
            EnvIdInfo(
                f"{description}; reasoning with Python tool calls run in a sandbox (ToRA format)",
                generator=generator,
            ),
            kwargs={"source": source},
        )
        _register(
            f"PoT-{name}-v0",
            PROGRAM_OF_THOUGHT_ENV,
            EnvIdInfo(
                f"{description}; program of thought: the program's printed output is the answer",
                generator=generator,
            ),
            kwargs={"source": source},
        )


def _register_provers() -> None:
    for name, (entry_point, kwargs, description, requires) in PROVER_IDS.items():
        _register(name, entry_point, EnvIdInfo(description, requires), kwargs=kwargs)


def _register_classic() -> None:
    for suffix, (levels, description) in EQUATION_SOLVE_IDS.items():
        _register(
            f"EquationSolve{suffix}-v0",
            EQUATION_SOLVE_ENV,
            EnvIdInfo(description),
            kwargs={"levels": levels},
            vector_entry_point=EQUATION_SOLVE_VECTOR_ENV,
        )
    for k in range(1, NGUYEN_COUNT + 1):
        _register(
            f"SymbolicRegression-Nguyen{k}-v0",
            SYMBOLIC_REGRESSION_ENV,
            EnvIdInfo(f"Build an expression token by token to fit Nguyen-{k} (DSO's prefix design)"),
            kwargs={"benchmark": f"Nguyen-{k}"},
            vector_entry_point=SYMBOLIC_REGRESSION_VECTOR_ENV,
        )
    _register(
        "Countdown-v0",
        COUNTDOWN_ENV,
        EnvIdInfo("Reach a target from given numbers with + - * / (numeric spaces, masked Discrete)"),
        vector_entry_point=COUNTDOWN_VECTOR_ENV,
    )
    _register(
        "CountdownText-v0",
        COUNTDOWN_TEXT_ENV,
        EnvIdInfo("Reach a target from given numbers with + - * / (text answer for LLMs)"),
    )


def register_envs() -> None:
    """Register all mathgym ids (idempotent)."""
    _register_math()
    _register_provers()
    _register_classic()
    _register_variants()
    _register_tools()


def resolve_env_id(env_id: str) -> str:
    """The registered Gymnasium id that ``env_id`` names.

    Accepts any registered id (``mathgym/Arithmetic-v0``, ``CartPole-v1``, a plugin's ``ext/MyEnv-v0``),
    ``Arithmetic-v0`` for ``mathgym/Arithmetic-v0``, and Gymnasium's ``module:id`` form
    (``my_pkg.envs:ext/MyEnv-v0``), which imports ``module`` first so that it can register the id.

    :param env_id: the id as the user wrote it.
    :returns: the id as registered (without the ``module:`` part).
    :raises mathgym.registry.UnknownName: (a ``KeyError``) the id is unknown (the message suggests close
        matches) or its module does not import.
    """
    import importlib

    register_envs()
    if ":" in env_id:
        module, _, env_id = env_id.partition(":")
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001  (a user's module: report whatever it raised in one line)
            raise UnknownName(
                f"cannot import {module!r} for the id {module}:{env_id}: {type(exc).__name__}: {exc}"
            ) from None
    if env_id in gymnasium.registry:
        return env_id
    if f"{NAMESPACE}/{env_id}" in gymnasium.registry:
        return f"{NAMESPACE}/{env_id}"
    known = list(gymnasium.registry)
    raise unknown_name(
        "environment id",
        env_id,
        (),
        aliases=known + [k.split("/", 1)[1] for k in known if "/" in k],
        cutoff=0.5,
        hint="Run `mathgym list` to see mathgym's ids; ids of your own package work as "
        "`my_pkg.module:ns/Id-v0` or with `mathgym --import my_pkg.module`.",
    )


def mathgym_ids() -> list[str]:
    """Every registered ``mathgym/`` id, sorted."""
    register_envs()
    return sorted(i for i in gymnasium.registry if i.startswith(f"{NAMESPACE}/"))


register_envs()
