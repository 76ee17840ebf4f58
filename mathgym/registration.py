"""Turn a procedural generator into Gymnasium env ids without copying an ``entry_point`` by hand.

::

    from mathgym.generators import ProblemGenerator
    from mathgym.registration import register_generator_env

    class Doubling(ProblemGenerator):             # registers the generator "Doubling"
        ...

    register_generator_env(Doubling, namespace="ext")
    # -> ext/Doubling-v0        one answer per episode (mode="single")
    #    ext/Doubling-Step-v0   one reasoning step per action (mode="step")

    env = gymnasium.make("ext/Doubling-v0", level=0)

The ids use the same environment class as ``mathgym/Arithmetic-v0`` and friends (read from the
``mathgym/Math-v0`` spec, so they follow wherever mathgym keeps that class). Gymnasium resolves an id
only in a process that has registered it: a fresh interpreter or a Ray worker must import the module that
calls this function first, which ``gymnasium.make("my_pkg.envs:ext/Doubling-v0")`` (the ``module:id``
form) does by itself. ``spawn`` vector-env workers receive the resolved spec, whose ``generator`` argument
is the class itself, so unpickling it imports the module. See ``docs/extending.md``.
"""

from __future__ import annotations

import re
from typing import Any

#: registration of mathgym's own generic math env, whose entry point the helper reuses
_MATH_ENV_ID = "mathgym/Math-v0"
_NAMESPACE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")


def math_env_entry_point() -> Any:
    """The entry point of mathgym's text math env (the class behind ``mathgym/<Generator>-v0``)."""
    import gymnasium

    import mathgym.envs.registration  # noqa: F401  (registers mathgym's ids in this process)

    return gymnasium.spec(_MATH_ENV_ID).entry_point


def register_generator_env(
    generator: Any,
    *,
    namespace: str,
    name: str | None = None,
    step: bool = True,
    version: int = 0,
    max_episode_steps: int | None = None,
    **env_kwargs: Any,
) -> list[str]:
    """Register env ids for a generator: ``<namespace>/<name>-v<version>`` (single mode) and, unless ``step``
    is false, ``<namespace>/<name>-Step-v<version>`` (step mode).

    Registering the same ids again with the same arguments is a no-op (a module imported twice, or both
    by ``--import`` and an entry point, stays harmless); with different arguments it is an error.

    :param generator: a :class:`~mathgym.generators.base.ProblemGenerator` subclass or its registered name.
    :param namespace: the id's namespace, e.g. your package name (``mathgym`` is reserved for mathgym).
    :param name: the id's name (default: the generator's name).
    :param step: also register the step-mode id.
    :param version: the ``-vN`` suffix; bump it when a change to the generator changes its problems.
    :param max_episode_steps: a Gymnasium ``TimeLimit`` for the step-mode id (the env also truncates at its
        own ``max_steps``); single-mode episodes always end after one action.
    :param env_kwargs: defaults for ``gymnasium.make`` (``level=``, ``reward=``, ``instruction=``, ...).
    :returns: the ids registered.
    :raises ValueError: a bad namespace, an unregistered generator name, or an id already registered
        with other arguments.
    """
    import gymnasium

    from mathgym.generators import GENERATORS

    generator_name = generator if isinstance(generator, str) else getattr(generator, "name", None)
    if not isinstance(generator_name, str) or generator_name not in GENERATORS:
        known = ", ".join(sorted(GENERATORS))
        raise ValueError(
            f"{generator!r} is not a registered generator (subclass ProblemGenerator with a `name`; "
            f"known: {known})"
        )
    if namespace == "mathgym" or not _NAMESPACE_RE.match(namespace):
        raise ValueError(
            f"namespace must be your own (letters, digits, '_', '-', '.'; not 'mathgym'), got {namespace!r}"
        )
    base = name or generator_name
    entry_point = math_env_entry_point()
    ids = []
    for mode, suffix in (("single", ""), ("step", "-Step")):
        if mode == "step" and not step:
            continue
        env_id = f"{namespace}/{base}{suffix}-v{version}"
        # the class itself, not its name: a spawned worker unpickles it by reference, which imports the user's
        # module and so registers the generator there too (a name would be unknown in that fresh process)
        kwargs = {"source": "generator", "generator": GENERATORS[generator_name], "mode": mode, **env_kwargs}
        limit = max_episode_steps if mode == "step" else None
        if env_id in gymnasium.registry:
            spec = gymnasium.spec(env_id)
            if spec.kwargs != kwargs or spec.max_episode_steps != limit:
                raise ValueError(
                    f"{env_id} is already registered with other arguments ({spec.kwargs}); "
                    "bump version= or pick another name"
                )
        else:
            gymnasium.register(id=env_id, entry_point=entry_point, kwargs=kwargs, max_episode_steps=limit)
        ids.append(env_id)
    return ids
