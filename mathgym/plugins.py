"""Loading user code into mathgym: ``--import MODULE`` and the ``mathgym.*`` entry-point groups.

A researcher's generators, rewards, sources, agents and env ids register themselves when their module
is imported (subclassing :class:`~mathgym.generators.base.ProblemGenerator` or
:class:`~mathgym.agents.base.Agent` with a ``name``, :func:`~mathgym.rewards.registry.register_reward`,
:func:`~mathgym.sources.registry.register_source`, :func:`mathgym.registration.register_generator_env`,
``gymnasium.register``). This module imports such modules in two ways:

* ``mathgym --import my_pkg.plugin eval ...`` (or :func:`import_modules`): modules named on the command line;
* entry points, declared once in the user's package metadata and loaded by every ``mathgym`` command
  (or :func:`load_entry_points`)::

      [project.entry-points."mathgym.generators"]
      my_generator = "my_pkg.generators"              # a module: importing it registers
      [project.entry-points."mathgym.envs"]
      my_envs = "my_pkg.envs:register"               # a function: called with no arguments

Entry points are read only by the ``mathgym`` command line, never on ``import gymnasium``: a plugin that
fails to import must not break Gymnasium for every other program in the environment.

What the command line loaded is also written to the ``MATHGYM_IMPORT`` environment variable
(``module`` or ``module:function`` items, comma-separated), which child processes inherit: mathgym's
Gymnasium hook (:mod:`mathgym._gym_hook`) loads those items whenever a process imports gymnasium, so a
``spawn`` worker (vector envs, reward-design training pools, Ray local workers) knows the plugin's ids,
generators and agents too. Setting ``MATHGYM_IMPORT`` yourself does the same for any program.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

#: the entry-point groups the command line loads, and what a plugin in each one is expected to register
ENTRY_POINT_GROUPS: dict[str, str] = {
    "mathgym.envs": "environment ids (gymnasium.register or mathgym.registration.register_generator_env)",
    "mathgym.generators": "ProblemGenerator subclasses",
    "mathgym.sources": "source kinds (mathgym.sources.registry.register_source)",
    "mathgym.rewards": "reward parts (mathgym.rewards.registry.register_reward)",
    "mathgym.agents": "Agent subclasses (available to `mathgym eval --agent NAME`)",
}


class PluginError(RuntimeError):
    """A plugin module or entry point could not be loaded; the message names which one and why."""


@dataclass
class LoadedPlugins:
    """What :func:`load_plugins` loaded.

    :param modules: modules imported from ``--import``.
    :param entry_points: ``group:name`` of each entry point loaded.
    :param env_ids: Gymnasium ids that appeared while loading (so ``mathgym list`` can show them).
    """

    modules: list[str] = field(default_factory=list)
    entry_points: list[str] = field(default_factory=list)
    env_ids: list[str] = field(default_factory=list)


def import_modules(names: Iterable[str]) -> list[str]:
    """Import each named module (``my_pkg.plugin``); a file path is not a module name and is refused.

    :param names: dotted module names.
    :returns: the names imported.
    :raises PluginError: a module is missing or raises while importing.
    """
    done = []
    for name in names:
        if name.endswith(".py") or "/" in name:
            raise PluginError(
                f"--import wants a module name (my_pkg.plugin), got the path {name!r}; put its "
                "folder on PYTHONPATH and give the module name"
            )
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            raise PluginError(
                f"cannot import plugin module {name!r}: {exc} (is its folder on PYTHONPATH, or "
                "its package installed?)"
            ) from exc
        except Exception as exc:  # a plugin's own bug: name it instead of showing its traceback
            raise PluginError(
                f"plugin module {name!r} failed while importing: {type(exc).__name__}: {exc}"
            ) from exc
        done.append(name)
    _export(done)
    return done


#: environment variable listing the plugin items every mathgym process loads when it imports gymnasium
ENV_VAR = "MATHGYM_IMPORT"


def load_item(item: str) -> None:
    """Import ``module``, or import ``module`` and call ``module:function`` with no arguments.

    :param item: ``pkg.module`` or ``pkg.module:function``.
    """
    module, _, attr = item.partition(":")
    target: Any = importlib.import_module(module.strip())
    if attr:
        target = getattr(target, attr.strip())
        if callable(target) and not isinstance(target, type):
            target()


def import_from_environment() -> list[str]:
    """Load the items of :data:`ENV_VAR` (what a parent ``mathgym`` process loaded); returns them.

    :raises PluginError: an item fails to load.
    """
    items = [item.strip() for item in os.environ.get(ENV_VAR, "").split(",") if item.strip()]
    for item in items:
        try:
            load_item(item)
        except Exception as exc:
            raise PluginError(f"{ENV_VAR} item {item!r} failed: {type(exc).__name__}: {exc}") from exc
    return items


def _export(items: Iterable[str]) -> None:
    """Add ``items`` to :data:`ENV_VAR`, so that child processes load them too."""
    current = [item for item in os.environ.get(ENV_VAR, "").split(",") if item]
    merged = list(dict.fromkeys([*current, *items]))
    if merged:
        os.environ[ENV_VAR] = ",".join(merged)


def _entry_points(group: str) -> list[Any]:
    return list(metadata.entry_points(group=group))


def load_entry_points(groups: Iterable[str] = ENTRY_POINT_GROUPS) -> list[str]:
    """Load every installed entry point of ``groups``; one that names a function is called with no arguments.

    :param groups: entry-point group names (default: all of :data:`ENTRY_POINT_GROUPS`).
    :returns: ``group:name`` of each entry point loaded.
    :raises PluginError: an entry point fails to load or its function raises.
    """
    loaded, values = [], []
    for group in groups:
        for entry in _entry_points(group):
            try:
                # a function registers when called; a module or a class registered when it was imported
                load_item(entry.value)
            except Exception as exc:
                raise PluginError(
                    f"entry point {entry.name!r} ({entry.value}) of group {group!r} failed: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            loaded.append(f"{group}:{entry.name}")
            values.append(entry.value)
    _export(values)
    return loaded


def load_plugins(modules: Iterable[str] = (), *, entry_points: bool = True) -> LoadedPlugins:
    """Import ``modules`` and (unless ``entry_points`` is false) the installed entry points.

    :param modules: module names from ``--import``.
    :param entry_points: also load the :data:`ENTRY_POINT_GROUPS` entry points.
    :returns: what was loaded, with the env ids it registered.
    """
    import gymnasium

    before = set(gymnasium.registry)
    result = LoadedPlugins()
    if entry_points:
        result.entry_points = load_entry_points()
    result.modules = import_modules(modules)
    result.env_ids = sorted(set(gymnasium.registry) - before)
    return result
