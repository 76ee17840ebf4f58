"""Multi-agent reasoning games as PettingZoo environments (installed as ``mathgym.envs.multiagent``).

PettingZoo's convention: one module per game, ``mathgym.envs.multiagent.<game>_v0``, each with ``env(**kwargs)``
(AEC), ``parallel_env(**kwargs)`` (Parallel) and ``raw_env(**kwargs)`` (AEC without the order-enforcing
wrapper)::

    from mathgym.envs.multiagent import solver_verifier_v0

    env = solver_verifier_v0.env(source="generator:Arithmetic", level=1)
    env.reset(seed=0)
    for agent in env.agent_iter():
        observation, reward, termination, truncation, info = env.last()
        action = None if termination or truncation else my_policy(agent, observation["text"])
        env.step(action)

:data:`GAMES` lists the games with one-line descriptions (``mathgym list --multiagent`` prints it). Every game
is written once as a :class:`~mathgym.envs.multiagent.core.Game` and served in both forms by
:mod:`mathgym.envs.multiagent.core`.
"""

from __future__ import annotations

import difflib
import importlib
from types import ModuleType

#: game module name -> one-line description
GAMES: dict[str, str] = {
    "solver_verifier_v0": "A solver writes steps, a verifier names the first wrong step or 'correct' (ProcessBench "
    "labels; reference solutions with injected errors or agent-written ones).",
    "proposer_solver_v0": "A proposer picks a verifiable problem spec (generator + level, or a Countdown difficulty), "
    "a solver answers; the proposer is paid for learnability.",
    "debate_v0": "Two debaters answer and argue over rounds, a judge picks one; the verifier is ground truth.",
    "kuhn_poker_v0": "Kuhn Poker, zero-sum; exact exploitability and game value -1/18 (discrete or text moves).",
    "nim_v0": "Nim, zero-sum and solved by the nim-sum; for independent learners (discrete or text moves).",
}


def game_module(name: str) -> ModuleType:
    """The module of game ``name`` (``"kuhn_poker_v0"``; ``"kuhn_poker"`` also works).

    :param name: a key of :data:`GAMES`, with or without the version suffix.
    :raises KeyError: unknown game; the message names close matches.
    """
    full = name if name in GAMES else f"{name}_v0"
    if full not in GAMES:
        close = difflib.get_close_matches(name, list(GAMES), n=3, cutoff=0.4)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown multi-agent game {name!r}.{hint} Games: {', '.join(GAMES)}")
    return importlib.import_module(f"{__name__}.{full}")


__all__ = ["GAMES", "game_module"]
