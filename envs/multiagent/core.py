"""One game, two PettingZoo forms: the rules live in a :class:`Game`, the AEC and Parallel envs wrap it.

Every mathgym multi-agent game is written once, as a :class:`Game`: who may act now (:meth:`Game.to_act`),
what a joint move does (:meth:`Game.play`), what each agent sees. :class:`GameAECEnv` and
:class:`GameParallelEnv` are thin, native PettingZoo front-ends over the same rules, so the two forms
cannot drift apart:

* **AEC** (``env()``): ``agent_iter()`` yields only the agents the game waits for, in order; a stage where
  several agents move at once (debaters stating their answers) is applied when the last of them has
  stepped, so no agent of that stage sees another's move before making its own.
* **Parallel** (``parallel_env()``): ``step({agent: action})`` applies the actions of the agents the game
  waits for (``infos[agent]["acting"]`` says which) and ignores the others', because a turn-based game has
  no move for an agent whose turn it is not. Every agent stays live until the game ends.

Text observations are dicts ``{"text": str}`` rather than bare strings: PettingZoo's ``api_test`` reads a
``dtype`` from observations (a Python ``str`` has none) except under extra dict keys, and a dict lets the
numeric forms of the same games add ``"action_mask"`` beside ``"observation"`` the PettingZoo way. Text
actions are plain ``str`` everywhere, through both forms and PettingZoo's conversions.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo import AECEnv, ParallelEnv
from pettingzoo.utils import wrappers

from mathgym.spaces import UnicodeText

#: longest text action by default (characters); longer strings are cut, never refused
MAX_ACTION_CHARS = 8_192
#: longest text observation by default (characters)
MAX_OBSERVATION_CHARS = 32_768

_BOXED = re.compile(r"\\boxed\s*\{([^{}]*)\}")


def text_observation_space(max_length: int = MAX_OBSERVATION_CHARS) -> spaces.Dict:
    """The observation space of a text agent: ``Dict({"text": UnicodeText(max_length)})``.

    :param max_length: longest observation text in characters.
    """
    return spaces.Dict({"text": UnicodeText(max_length)})


def text_action_space(max_length: int = MAX_ACTION_CHARS) -> UnicodeText:
    """The action space of a text agent: any unicode string up to ``max_length`` characters.

    :param max_length: longest action in characters.
    """
    return UnicodeText(max_length)


def masked_observation_space(size: int, n_actions: int) -> spaces.Dict:
    """PettingZoo's classic-game layout: ``{"observation": Box(0, 1, (size,)), "action_mask": Box(int8)}``.

    :param size: length of the feature vector.
    :param n_actions: length of the action mask (the ``Discrete`` action space's ``n``).
    """
    return spaces.Dict(
        {
            "observation": spaces.Box(0.0, 1.0, (size,), dtype=np.float32),
            "action_mask": spaces.Box(0, 1, (n_actions,), dtype=np.int8),
        }
    )


def last_boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` in ``text`` (no nested braces), or ``None``.

    :param text: an agent's action.
    """
    found = _BOXED.findall(text)
    return found[-1].strip() if found else None


def fit_text(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters by dropping its middle, so the task statement at the head and the
    latest moves at the tail both stay visible.

    :param text: an observation text.
    :param limit: the observation space's limit.
    """
    if len(text) <= limit:
        return text
    head = limit // 2
    return text[:head] + "\n...\n" + text[len(text) - (limit - head - 5) :]


def as_text(action: Any, max_length: int) -> str:
    """An action as the string a text game reads: ``None`` becomes ``""``, anything else ``str()``, cut to
    ``max_length`` (a model that rambles past the limit loses the tail, not the turn).

    :param action: what the agent passed to ``step``.
    :param max_length: the action space's limit.
    """
    return "" if action is None else str(action)[:max_length]


class Game(ABC):
    """The rules of one multi-agent game, shared by its AEC and Parallel forms.

    Subclasses set :attr:`name`, :attr:`possible_agents`, :attr:`observation_spaces` and
    :attr:`action_spaces` in ``__init__`` and implement the abstract methods. All randomness must come from
    the generator passed to :meth:`start` (the front-ends seed it), so a seed fixes the whole episode.
    """

    #: PettingZoo's name of the game, ``"<game>_v0"``
    name: ClassVar[str]
    #: render modes the game supports
    render_modes: ClassVar[tuple[str, ...]] = ("ansi",)

    possible_agents: list[str]
    observation_spaces: dict[str, spaces.Space]
    action_spaces: dict[str, spaces.Space]
    render_mode: str | None = None

    def check_render_mode(self, render_mode: str | None) -> None:
        """Raise ``ValueError`` for a render mode the game does not have.

        :param render_mode: the requested mode.
        """
        if render_mode is not None and render_mode not in self.render_modes:
            raise ValueError(
                f"render_mode must be one of {list(self.render_modes)} or None, got {render_mode!r}"
            )
        self.render_mode = render_mode

    @abstractmethod
    def start(self, rng: np.random.Generator, options: Mapping[str, Any]) -> None:
        """Begin a new episode.

        :param rng: the episode's random stream (the env's ``np_random``).
        :param options: the ``reset(options=...)`` mapping (unknown keys are ignored, as Gymnasium does).
        """

    @abstractmethod
    def to_act(self) -> tuple[str, ...]:
        """The agents whose actions the game waits for now, in AEC order; ``()`` once the game is over."""

    @abstractmethod
    def play(self, actions: Mapping[str, Any]) -> dict[str, float]:
        """Apply one joint move of the agents in :meth:`to_act` and return this move's reward per agent.

        :param actions: one action per acting agent.
        """

    @property
    @abstractmethod
    def over(self) -> bool:
        """The episode has ended."""

    @property
    def truncated(self) -> bool:
        """The episode was cut by a limit rather than ended by the rules (only meaningful when :attr:`over`)."""
        return False

    @abstractmethod
    def observe(self, agent: str) -> Any:
        """What ``agent`` sees now (an element of its observation space).

        :param agent: one of :attr:`possible_agents`.
        """

    def info(self, agent: str) -> dict[str, Any]:
        """Extra information for ``agent``; the front-ends add ``"acting"``.

        :param agent: one of :attr:`possible_agents`.
        """
        return {}

    def render(self) -> str:
        """A plain-text picture of the game."""
        return ""


def _seeded(rng: np.random.Generator | None, seed: int | None) -> np.random.Generator:
    # A seed replaces the stream; no seed continues it (Gymnasium's reset semantics).
    if seed is not None or rng is None:
        rng, _ = seeding.np_random(seed)
    return rng


class GameAECEnv(AECEnv):
    """The AEC form of a :class:`Game`: ``agent_iter()`` yields only the agents the game waits for.

    :param game: the rules.
    """

    def __init__(self, game: Game) -> None:
        super().__init__()
        self.game = game
        self.metadata = {
            "name": game.name,
            "render_modes": list(game.render_modes),
            "is_parallelizable": False,
        }
        self.possible_agents = list(game.possible_agents)
        self.render_mode = game.render_mode
        self._rng: np.random.Generator | None = None
        self._stage: list[str] = []
        self._moves: dict[str, Any] = {}

    def observation_space(self, agent: str) -> spaces.Space:
        return self.game.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.game.action_spaces[agent]

    @property
    def np_random(self) -> np.random.Generator:
        self._rng = _seeded(self._rng, None)
        return self._rng

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        self._rng = _seeded(self._rng, seed)
        self.game.start(self._rng, options or {})
        self.agents = list(self.possible_agents)
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self._moves = {}
        self._stage = list(self.game.to_act())
        self._update_infos()
        self.agent_selection = self._stage[0]

    def observe(self, agent: str) -> Any:
        return self.game.observe(agent)

    def step(self, action: Any) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        self._clear_rewards()
        self._moves[agent] = action
        waiting = [a for a in self._stage if a not in self._moves]
        if waiting:  # a simultaneous stage: apply it once its last agent has moved
            self.agent_selection = waiting[0]
            self._update_infos()
            self._accumulate_rewards()
            return
        rewards = self.game.play(self._moves)
        self._moves = {}
        for a in self.agents:
            self.rewards[a] = float(rewards.get(a, 0.0))
        if self.game.over:
            ended = self.truncations if self.game.truncated else self.terminations
            for a in self.agents:
                ended[a] = True
            self._stage = []
            self._update_infos()
            self._accumulate_rewards()
            self._deads_step_first()
            return
        self._stage = list(self.game.to_act())
        self.agent_selection = self._stage[0]
        self._update_infos()
        self._accumulate_rewards()

    def _update_infos(self) -> None:
        acting = set(self._stage) - set(self._moves)
        self.infos = {a: {**self.game.info(a), "acting": a in acting} for a in self.agents}

    def render(self) -> str | None:
        if self.render_mode is None:
            return None
        return self.game.render()

    def close(self) -> None:
        pass

    def __str__(self) -> str:
        return self.game.name


class GameParallelEnv(ParallelEnv):
    """The Parallel form of a :class:`Game`.

    ``step`` reads the actions of the agents the game waits for (``infos[agent]["acting"]``) and ignores
    the others'; a missing action of an acting agent is an error that names the agent.

    :param game: the rules.
    """

    def __init__(self, game: Game) -> None:
        self.game = game
        self.metadata = {
            "name": game.name,
            "render_modes": list(game.render_modes),
            "is_parallelizable": True,
        }
        self.possible_agents = list(game.possible_agents)
        self.agents: list[str] = []
        self.render_mode = game.render_mode
        self._rng: np.random.Generator | None = None

    def observation_space(self, agent: str) -> spaces.Space:
        return self.game.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.game.action_spaces[agent]

    @property
    def np_random(self) -> np.random.Generator:
        self._rng = _seeded(self._rng, None)
        return self._rng

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        self._rng = _seeded(self._rng, seed)
        self.game.start(self._rng, options or {})
        self.agents = list(self.possible_agents)
        return {a: self.game.observe(a) for a in self.agents}, self._infos(self.agents)

    def step(
        self, actions: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, float], dict[str, bool], dict[str, bool], dict[str, dict[str, Any]]]:
        if not self.agents:
            raise RuntimeError("the episode has ended: call reset() first")
        acting = self.game.to_act()
        missing = [a for a in acting if a not in actions]
        if missing:
            raise KeyError(
                f"the game waits for {', '.join(missing)}: step() needs an action for each agent in "
                f"{list(acting)} (other agents' actions are ignored this turn)"
            )
        rewards = self.game.play({a: actions[a] for a in acting})
        live = list(self.agents)
        over = self.game.over
        cut = over and self.game.truncated
        observations = {a: self.game.observe(a) for a in live}
        if over:
            self.agents = []
        return (
            observations,
            {a: float(rewards.get(a, 0.0)) for a in live},
            dict.fromkeys(live, over and not cut),
            dict.fromkeys(live, cut),
            self._infos(live),
        )

    def _infos(self, agents: Sequence[str]) -> dict[str, dict[str, Any]]:
        acting = set(self.game.to_act())
        return {a: {**self.game.info(a), "acting": a in acting} for a in agents}

    def state(self) -> Any:
        raise NotImplementedError(f"{self.game.name} has no global state space")

    def render(self) -> str | None:
        if self.render_mode is None:
            return None
        return self.game.render()

    def close(self) -> None:
        pass

    def __str__(self) -> str:
        return self.game.name


def env_functions(
    game_class: Callable[..., Game],
) -> tuple[Callable[..., AECEnv], Callable[..., AECEnv], Callable[..., ParallelEnv]]:
    """PettingZoo's three module-level constructors for a game: ``raw_env``, ``env`` and ``parallel_env``.

    ``env`` adds PettingZoo's order-enforcing wrapper (errors for ``step`` before ``reset`` and the like),
    as PettingZoo's own classic games do; ``raw_env`` is the bare AEC env.

    :param game_class: the :class:`Game` subclass; the constructors pass their keyword arguments to it.
    """

    def raw_env(**kwargs: Any) -> GameAECEnv:
        return GameAECEnv(game_class(**kwargs))

    def env(**kwargs: Any) -> AECEnv:
        return wrappers.OrderEnforcingWrapper(raw_env(**kwargs))

    def parallel_env(**kwargs: Any) -> GameParallelEnv:
        return GameParallelEnv(game_class(**kwargs))

    for fn, what in ((raw_env, "bare AEC"), (env, "AEC"), (parallel_env, "Parallel")):
        fn.__doc__ = f"The {what} form of :class:`{game_class.__name__}`; keyword arguments go to it."
    return raw_env, env, parallel_env
