"""Registers mathgym's ids as soon as Gymnasium is imported, in any process.

Gymnasium 1.x no longer loads the ``gymnasium.envs`` entry-point plugins, so ``gym.make("mathgym/...")``
in a fresh process would not find mathgym's ids. The installed ``mathgym-gymnasium.pth`` imports
this module at interpreter start; it installs a meta-path finder that waits for ``gymnasium`` to
finish importing and then registers the ids (entry points are strings, so nothing heavy is imported),
then loads the plugins a parent ``mathgym`` command exported in ``MATHGYM_IMPORT`` (:mod:`mathgym.plugins`).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Sequence
from types import ModuleType


class _RegisterAfterGymnasium(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "gymnasium":
            return None
        sys.meta_path.remove(self)  # one shot; also keeps the real finder below from recursing here
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        real_exec = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            real_exec(module)
            if "mathgym.envs.registration" in sys.modules:
                return  # it is being imported right now (it imports gymnasium) and registers at its end
            try:
                import mathgym.envs.registration  # noqa: F401  (registers on import)
            except Exception as exc:  # noqa: BLE001  (never break `import gymnasium` for other users)
                print(f"mathgym: could not register environments: {exc!r}", file=sys.stderr)
            _load_plugins_from_environment()

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _load_plugins_from_environment() -> None:
    """Load what a parent ``mathgym --import``/entry points exported in ``MATHGYM_IMPORT`` (see
    :mod:`mathgym.plugins`), so spawned workers know the plugins' ids; a failure is a warning, not a crash."""
    if not os.environ.get("MATHGYM_IMPORT"):
        return
    try:
        from mathgym.plugins import import_from_environment

        import_from_environment()
    except Exception as exc:  # noqa: BLE001  (never break `import gymnasium` for other users)
        print(f"mathgym: {exc}", file=sys.stderr)


def install() -> None:
    if "gymnasium" in sys.modules:
        import mathgym.envs.registration  # noqa: F401  (registers on import)

        _load_plugins_from_environment()
    elif not any(isinstance(f, _RegisterAfterGymnasium) for f in sys.meta_path):
        sys.meta_path.insert(0, _RegisterAfterGymnasium())


install()
