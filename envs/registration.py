"""Registers every mathgym environment id in Gymnasium's registry under the ``mathgym/`` namespace.

Gymnasium calls :func:`register_envs` through the ``gymnasium.envs`` entry point, so
``gymnasium.make("mathgym/...")`` works in a fresh process without importing mathgym first.
Each area of the project keeps its ids in its own module (listed in ``_ENV_MODULES``) that defines
``register_all(register)``; adding an area means adding its module name here.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

import gymnasium

NAMESPACE = "mathgym"

_ENV_MODULES = [
    "mathgym.envs.math_registry",
    "mathgym.envs.prover_registry",
    "mathgym.envs.classic_registry",
    "mathgym.envs.variant_registry",
    "mathgym.envs.tool_registry",
]

#: one-line descriptions for ``mathgym list``, filled as ids register
DESCRIPTIONS: dict[str, str] = {}
#: system components an id needs (names of :data:`mathgym.testing.COMPONENTS`, e.g. "docker", "coq")
REQUIREMENTS: dict[str, tuple[str, ...]] = {}


def _register(env_id: str, entry_point: str | Callable[..., Any], description: str, *,
              requires: tuple[str, ...] = (), **kwargs: Any) -> None:
    """Register ``mathgym/<env_id>``. ``requires`` names system components the env needs (the registry
    test skips, or fails under MATHGYM_STRICT, when one is missing); other kwargs go to gymnasium.register."""
    full_id = f"{NAMESPACE}/{env_id}"
    DESCRIPTIONS[full_id] = description
    REQUIREMENTS[full_id] = tuple(requires)
    if full_id in gymnasium.registry:
        return
    gymnasium.register(id=full_id, entry_point=entry_point, **kwargs)


def register_envs() -> None:
    """Register all mathgym ids (idempotent)."""
    for module_name in _ENV_MODULES:
        importlib.import_module(module_name).register_all(_register)


def mathgym_ids() -> list[str]:
    register_envs()
    return sorted(i for i in gymnasium.registry if i.startswith(f"{NAMESPACE}/"))


register_envs()
