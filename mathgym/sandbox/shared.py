"""One sandbox per backend and process, shared by the envs and rewards that name a backend.

Sessions and snippets are isolated from each other whatever sandbox runs them, so envs of one process
(a ``SyncVectorEnv``, a training loop making many envs) can share workers instead of each starting its
own. The shared sandboxes stop at interpreter exit; a forked child (``AsyncVectorEnv`` workers) gets its
own workers on first use.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from mathgym.sandbox.base import Sandbox

_LOCK = threading.Lock()
_SHARED: dict[str, Sandbox] = {}


def shared_sandbox(backend: str = "local", **kwargs: Any) -> Sandbox:
    """The process-wide sandbox for ``backend`` and ``kwargs`` (created on first use).

    :param backend: ``"local"`` or ``"docker"``.
    :param kwargs: sandbox arguments; different arguments give different shared sandboxes.
    """
    from mathgym.sandbox import make_sandbox

    key = json.dumps([backend, kwargs], sort_keys=True, default=repr)
    with _LOCK:
        sandbox = _SHARED.get(key)
        if sandbox is None:
            sandbox = make_sandbox(backend, **kwargs)
            _SHARED[key] = sandbox
        return sandbox


def resolve_sandbox(spec: Sandbox | str | None, **kwargs: Any) -> Sandbox:
    """A :class:`Sandbox` from an object (returned as is) or a backend name (the shared one)."""
    if isinstance(spec, Sandbox):
        return spec
    return shared_sandbox(spec or "local", **kwargs)
