"""Ids of the dynamic-variant environments: GSM-Symbolic templates and program families by topic.

Every id is a :class:`~mathgym.envs.math_env.MathEnv` over a
:class:`~mathgym.sources.variants.VariantSource`; ``reset(options={"family": id, "variant": k})`` pins
one variant. Keyword arguments of ``gym.make`` reach the source (``n_variants``, ``data_dir``,
``difficulty``, ``perturbations``, ``families``) or the env (``mode``, ``reward``, ...).
This table is static (nothing heavy is imported) because Gymnasium imports it in every process.
"""

from __future__ import annotations

from typing import Any, Callable

ENTRY_POINT = "mathgym.envs.math_env:MathEnv"

#: env name -> (source spec, description)
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


def register_all(register: Callable[..., Any]) -> None:
    for name, (source, description) in VARIANT_IDS.items():
        register(name, ENTRY_POINT, description, kwargs={"source": source})
