"""Nim: two players take objects from heaps; whoever takes the last object wins. Solved exactly (Bouton 1901).

## Description

Heaps of objects lie on the table; ``player_0`` moves first; a move takes one or more objects from one
heap. Under normal play the player who takes the last object wins. A position is lost for the player to
move exactly when the bitwise XOR of the heap sizes (the nim-sum) is 0, so :func:`optimal_move` plays
perfectly and independent learners can be scored exactly against it
(:mod:`mathgym.agents.multiagent.independent`).

## Action Space

``action_type="discrete"`` (default): ``Discrete(n_heaps * max_heap)``; action ``h * max_heap + (k - 1)``
takes ``k`` objects from heap ``h``. Legal actions come in the observation's ``action_mask``.
``action_type="text"``: a ``str`` containing ``take K from heap H`` (heaps numbered from 0; the last such
phrase counts). An illegal or unreadable move forfeits the game.

## Observation Space

Discrete form: ``Dict({"observation": Box(0, 1, (n_heaps * (max_heap + 1),), float32), "action_mask":
Box(0, 1, (n_heaps * max_heap,), int8)})``: each heap's size one-hot; the mask is all zeros for the player
not to move. Text form: ``Dict({"text": UnicodeText})`` with the rules and the heaps.

## Rewards

Zero-sum, at the end: +1 to the player who took the last object, -1 to the other. A forfeit gives the
offender -1 and the other +1.

## Starting State

``heaps`` if given, else ``n_heaps`` sizes drawn uniformly from 1..``max_heap`` with the env's stream;
``reset(options={"heaps": [...]})`` sets one position.

## Episode End

Terminated when the last object is taken or a player forfeits. Never truncated (every move removes an
object).

## Arguments

:param n_heaps: number of heaps.
:param max_heap: largest heap size.
:param heaps: a fixed starting position (sizes in 0..max_heap, not all zero), or ``None`` to draw one.
:param action_type: ``"discrete"`` or ``"text"``.
:param max_action_length: longest text action in characters (text form).
:param render_mode: ``"ansi"`` or ``None``.

## Example

>>> from mathgym.envs.multiagent import nim_v0
>>> env = nim_v0.env(n_heaps=2, max_heap=2, heaps=[1, 2])
>>> env.reset(seed=0)
>>> env.step(2)  # player_0 takes 1 from heap 1: heaps [1, 1], nim-sum 0
>>> env.step(0)  # player_1 takes 1 from heap 0
>>> env.step(2)  # player_0 takes the last object
>>> env.rewards
{'player_0': 1.0, 'player_1': -1.0}

## Version History

* v0: the initial version (mathgym 0.1.0).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import reduce
from operator import xor
from typing import Any

import numpy as np
from gymnasium import spaces

from mathgym.envs.multiagent.core import (
    MAX_ACTION_CHARS,
    Game,
    as_text,
    env_functions,
    masked_observation_space,
    text_action_space,
    text_observation_space,
)

AGENTS = ("player_0", "player_1")
_MOVE = re.compile(r"take\s+(\d+)\s+(?:objects?\s+)?from\s+heap\s+(\d+)", re.IGNORECASE)


def nim_sum(heaps: Sequence[int]) -> int:
    """Bitwise XOR of the heap sizes; 0 means the player to move loses against perfect play.

    :param heaps: heap sizes.
    """
    return reduce(xor, (int(h) for h in heaps), 0)


def optimal_move(heaps: Sequence[int]) -> tuple[int, int]:
    """A winning move ``(heap, count)`` when one exists, else taking one object from the largest heap.

    :param heaps: heap sizes, not all zero.
    """
    total = nim_sum(heaps)
    if total:
        for h, size in enumerate(heaps):
            target = size ^ total
            if target < size:
                return h, size - target
    h = int(np.argmax(heaps))
    return h, 1


class Nim(Game):
    """The rules; see the module docstring.

    :param n_heaps: number of heaps.
    :param max_heap: largest heap size.
    :param heaps: fixed starting position or ``None``.
    :param action_type: ``"discrete"`` or ``"text"``.
    :param max_action_length: longest text action.
    :param render_mode: ``"ansi"`` or ``None``.
    """

    name = "nim_v0"

    def __init__(
        self,
        n_heaps: int = 3,
        max_heap: int = 5,
        heaps: Sequence[int] | None = None,
        action_type: str = "discrete",
        max_action_length: int = MAX_ACTION_CHARS,
        render_mode: str | None = None,
    ) -> None:
        if action_type not in ("discrete", "text"):
            raise ValueError(f"action_type must be 'discrete' or 'text', got {action_type!r}")
        if n_heaps < 1 or max_heap < 1:
            raise ValueError(f"n_heaps and max_heap must be >= 1, got {n_heaps} and {max_heap}")
        self.check_render_mode(render_mode)
        self.n_heaps, self.max_heap = n_heaps, max_heap
        self.fixed = None if heaps is None else self._valid(heaps)
        self.action_type = action_type
        self.max_action_length = max_action_length
        self.possible_agents = list(AGENTS)
        n_actions = n_heaps * max_heap
        if action_type == "discrete":
            self.observation_spaces = {
                a: masked_observation_space(n_heaps * (max_heap + 1), n_actions) for a in AGENTS
            }
            self.action_spaces = {a: spaces.Discrete(n_actions) for a in AGENTS}
        else:
            self.observation_spaces = {a: text_observation_space(2048) for a in AGENTS}
            self.action_spaces = {a: text_action_space(max_action_length) for a in AGENTS}
        self.heaps: list[int] = []
        self.mover = 0
        self.winner: int | None = None
        self.forfeit: str | None = None

    def _valid(self, heaps: Sequence[int]) -> list[int]:
        heaps = [int(h) for h in heaps]
        if len(heaps) != self.n_heaps or any(not 0 <= h <= self.max_heap for h in heaps) or not any(heaps):
            raise ValueError(
                f"heaps must be {self.n_heaps} sizes in 0..{self.max_heap}, not all zero; got {heaps}"
            )
        return heaps

    def start(self, rng: np.random.Generator, options: Mapping[str, Any]) -> None:
        if "heaps" in options:
            self.heaps = self._valid(options["heaps"])
        elif self.fixed is not None:
            self.heaps = list(self.fixed)
        else:
            self.heaps = [int(h) for h in rng.integers(1, self.max_heap + 1, size=self.n_heaps)]
        self.mover = 0
        self.winner = None
        self.forfeit = None

    @property
    def over(self) -> bool:
        return self.winner is not None

    def to_act(self) -> tuple[str, ...]:
        return () if self.over else (AGENTS[self.mover],)

    def decode(self, action: int) -> tuple[int, int]:
        """``(heap, count)`` of a discrete action.

        :param action: an index of the ``Discrete`` action space.
        """
        heap, k = divmod(int(action), self.max_heap)
        return heap, k + 1

    def encode(self, heap: int, count: int) -> int:
        """The discrete action that takes ``count`` from ``heap``.

        :param heap: heap index.
        :param count: objects to take (>= 1).
        """
        return heap * self.max_heap + count - 1

    def legal_mask(self) -> np.ndarray:
        """Legal discrete actions of the player to move."""
        mask = np.zeros(self.n_heaps * self.max_heap, dtype=np.int8)
        for h, size in enumerate(self.heaps):
            mask[h * self.max_heap : h * self.max_heap + size] = 1
        return mask

    def play(self, actions: Mapping[str, Any]) -> dict[str, float]:
        ((agent, action),) = actions.items()
        if self.action_type == "text":
            found = _MOVE.findall(as_text(action, self.max_action_length))
            move = (int(found[-1][1]), int(found[-1][0])) if found else None
        else:
            move = self.decode(action)
        if move is None or not (0 <= move[0] < self.n_heaps and 1 <= move[1] <= self.heaps[move[0]]):
            self.forfeit = agent
            self.winner = 1 - self.mover
        else:
            self.heaps[move[0]] -= move[1]
            if not any(self.heaps):
                self.winner = self.mover
            self.mover = 1 - self.mover
        if self.winner is None:
            return {}
        return {AGENTS[self.winner]: 1.0, AGENTS[1 - self.winner]: -1.0}

    def observe(self, agent: str) -> Any:
        if self.action_type == "discrete":
            features = np.zeros(self.n_heaps * (self.max_heap + 1), dtype=np.float32)
            for h, size in enumerate(self.heaps):
                features[h * (self.max_heap + 1) + size] = 1.0
            mask = (
                self.legal_mask()
                if self.to_act() == (agent,)
                else np.zeros(self.n_heaps * self.max_heap, np.int8)
            )
            return {"observation": features, "action_mask": mask}
        i = AGENTS.index(agent)
        heaps = ", ".join(f"heap {h}: {size}" for h, size in enumerate(self.heaps))
        lines = [
            "Nim. Players alternate; a move takes one or more objects from a single heap. "
            "Whoever takes the last object wins.",
            f"You are player {i}. Heaps: {heaps}.",
        ]
        if self.over:
            lines.append("The game is over.")
        elif self.mover == i:
            lines.append("Your move: answer with 'take K from heap H'.")
        else:
            lines.append("Waiting for the other player.")
        return {"text": "\n".join(lines)}

    def info(self, agent: str) -> dict[str, Any]:
        out: dict[str, Any] = {"heaps": list(self.heaps), "infoset": ",".join(map(str, self.heaps))}
        if self.over:
            out["winner"] = AGENTS[self.winner] if self.winner is not None else None
            out["forfeit"] = self.forfeit
        return out

    def render(self) -> str:
        return " ".join(f"[{'|' * size}]" for size in self.heaps) + (
            f"  winner {AGENTS[self.winner]}"
            if self.winner is not None
            else f"  {AGENTS[self.mover]} to move"
        )


raw_env, env, parallel_env = env_functions(Nim)
