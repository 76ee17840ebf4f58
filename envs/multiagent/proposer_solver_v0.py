"""ProposerSolver: a proposer sets a verifiable problem, a solver answers; the proposer is paid for learnability.

## Description

``proposer_0`` emits a problem *specification*, never free text: a mathgym generator name with a preset
level or difficulty knobs (``task="math"``), a Countdown difficulty from the menu (``task="countdown"``) or a
linear-equation level (``task="equation"``). The game draws a concrete problem from that specification with
its random stream, so every problem has a ground-truth answer. ``solver_0`` then answers: one text action
checked by mathgym's verifier (math), or a sequence of moves in a numeric env that classic-RL solvers learn —
:class:`~mathgym.envs.classic.countdown.env.CountdownEnv` or :class:`~mathgym.envs.classic.equation_solve.env.EquationSolveEnv`.

The proposer is rewarded for problems at the edge of the solver's ability (self-play curricula; Absolute
Zero's learnability ``1 - p`` for ``0 < p < 1``). The game keeps, per specification, the solver's last
``window`` outcomes; ``p`` is their mean including this episode's. The proposer's reward is ``1 - p`` when
``min_success <= p < 1`` and 0 otherwise, so specifications the solver always solves pay nothing, and
the guard ``min_success`` keeps the proposer from drifting to problems nobody solves (Absolute Zero pays
``1 - p`` for any ``p > 0``, which is largest for the barely solvable). The success history lives in the
game across resets (it is the proposer's view of the solver); ``reset(options={"forget": True})`` clears it.

## Action Space

Proposer: ``task="math"``: a ``str`` holding JSON ``{"generator": "Arithmetic", "level": 2}`` or
``{"generator": "Arithmetic", "config": {"digits": 3}}`` (any registered generator and knobs);
``proposer_action="discrete"``: ``Discrete(len(menu))``, an index into ``menu``. The numeric tasks are
always discrete. Solver: ``str`` (math), or the inner env's ``Discrete`` moves (Countdown: combine two
numbers; equation: a rewrite rule at a node).

## Observation Space

Proposer, discrete: ``Dict({"observation": Box(0, 1, (2 * len(menu),)), "action_mask": Box(int8)})``: each
menu entry's estimated success rate (0.5 before any attempt) and how full its window is. Proposer, text:
``Dict({"text": UnicodeText})`` listing the menu with the estimates. Solver: ``Dict({"text": ...})`` with the
problem (math), or ``Dict({"observation": Box, "action_mask": Box(int8)})`` from the inner numeric env.

## Rewards

Solver: 1 when its answer verifies correct (math) or the inner env reports success (Countdown target
reached, equation solved and verified), else 0, at the end. Proposer: the learnability reward above, at the end; ``invalid_penalty`` (negative) for a
specification that names no generator, a level out of range or bad knobs, which ends the episode.
``infos`` carry ``spec``, ``spec_key``, ``problem_id``, ``solved`` and ``success_estimate``.

## Starting State

The proposer moves first; the success history carries over from earlier episodes.

## Episode End

Terminated when the solver's answer is judged (math), when the inner numeric episode ends by its rules,
or at once after an invalid specification. Truncated when a numeric solver uses up ``max_solver_steps``
moves.

## Arguments

:param task: ``"math"``, ``"countdown"`` or ``"equation"``.
:param menu: the specifications on offer, as dicts (math: ``{"generator", "level"}``; countdown:
    ``{"n_numbers", "max_number", "max_target"}``; equation: ``{"level"}``); default :data:`MATH_MENU`,
    :data:`COUNTDOWN_MENU` or :data:`EQUATION_MENU`.
:param proposer_action: ``"text"`` or ``"discrete"`` (math; the numeric tasks are always discrete).
:param window: outcomes per specification kept for the success estimate.
:param min_success: the guard: estimates below it pay the proposer nothing.
:param invalid_penalty: proposer reward for an invalid specification.
:param seed: seed of the problem streams the specifications draw from (problems also depend on the env's
    random stream).
:param max_solver_steps: numeric moves before truncation (default: the inner env's own limit).
:param max_action_length: longest text action in characters.
:param render_mode: ``"ansi"`` or ``None``.

## Example

>>> from mathgym.envs.multiagent import proposer_solver_v0
>>> env = proposer_solver_v0.parallel_env(proposer_action="discrete")
>>> obs, infos = env.reset(seed=0)
>>> obs, *_ = env.step({"proposer_0": 0})  # MATH_MENU[0]: Arithmetic, level 0
>>> obs["solver_0"]["text"].splitlines()[-1]
'Calculate 9 - 2.'
>>> obs, rewards, terminations, truncations, infos = env.step({"solver_0": "\\\\boxed{7}"})
>>> rewards  # solved at the first try: p = 1, which pays the proposer nothing
{'proposer_0': 0.0, 'solver_0': 1.0}

## Version History

* v0: the initial version (mathgym 0.1.0).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

from mathgym.envs.multiagent.core import (
    MAX_ACTION_CHARS,
    Game,
    as_text,
    env_functions,
    fit_text,
    masked_observation_space,
    text_action_space,
    text_observation_space,
)
from mathgym.problem import Problem

PROPOSER, SOLVER = "proposer_0", "solver_0"
#: default math menu: three generators at every preset level
MATH_MENU: tuple[dict[str, Any], ...] = tuple(
    {"generator": g, "level": level}
    for g in ("Arithmetic", "LinearEquation", "Fractions")
    for level in range(5)
)
#: default Countdown menu, easiest first
COUNTDOWN_MENU: tuple[dict[str, int], ...] = (
    {"n_numbers": 2, "max_number": 10, "max_target": 30},
    {"n_numbers": 3, "max_number": 10, "max_target": 60},
    {"n_numbers": 3, "max_number": 25, "max_target": 150},
    {"n_numbers": 4, "max_number": 25, "max_target": 200},
    {"n_numbers": 4, "max_number": 50, "max_target": 500},
)
#: default equation menu: every preset level of LinearEquation, solved by rewrite rules
EQUATION_MENU: tuple[dict[str, int], ...] = tuple({"level": level} for level in range(5))
SOLVER_INSTRUCTION = "Solve the following problem. Put your final answer within \\boxed{}."


def learnability(p: float, min_success: float) -> float:
    """The proposer's reward for a specification whose solver success estimate is ``p``.

    :param p: the solver's recent success rate on the specification.
    :param min_success: below this the specification counts as unsolvable and pays 0.
    """
    return 1.0 - p if max(min_success, 1e-12) <= p < 1.0 else 0.0


def math_spec_key(spec: Mapping[str, Any]) -> str:
    """A canonical key of a math specification (``Arithmetic/L2`` or ``Arithmetic/digits=3``), validating it.

    :param spec: ``{"generator": name, "level": int}`` or ``{"generator": name, "config": {...}}``.
    :raises KeyError: unknown generator or knob.
    :raises ValueError: level out of range or bad knob value.
    """
    from mathgym.generators.base import get_generator
    from mathgym.sources.procedural import config_key

    if not isinstance(spec, Mapping) or "generator" not in spec:
        raise ValueError("a specification is a JSON object with a 'generator' key")
    extra = set(spec) - {"generator", "level", "config"}
    if extra:
        raise ValueError(f"unknown specification keys {sorted(extra)}; use generator, level, config")
    generator = get_generator(str(spec["generator"]))
    level = spec.get("level")
    if level is not None and (not isinstance(level, int) or isinstance(level, bool)):
        raise ValueError(f"level must be an integer, got {level!r}")
    config = generator.make_config(level, spec.get("config") or None)
    return f"{generator.name}/{config_key(generator, config)}"


class ProposerSolver(Game):
    """The rules; see the module docstring.

    :param task: ``"math"``, ``"countdown"`` or ``"equation"``.
    :param menu: specifications on offer.
    :param proposer_action: ``"text"`` or ``"discrete"``.
    :param window: outcomes kept per specification.
    :param min_success: the anti-drift guard.
    :param invalid_penalty: reward of an invalid specification.
    :param seed: seed of the problem streams.
    :param max_solver_steps: Countdown move limit.
    :param max_action_length: longest text action.
    :param render_mode: ``"ansi"`` or ``None``.
    """

    name = "proposer_solver_v0"

    def __init__(
        self,
        task: str = "math",
        *,
        menu: Sequence[Mapping[str, Any]] | None = None,
        proposer_action: str = "text",
        window: int = 20,
        min_success: float = 0.1,
        invalid_penalty: float = -1.0,
        seed: int = 0,
        max_solver_steps: int | None = None,
        max_action_length: int = MAX_ACTION_CHARS,
        render_mode: str | None = None,
    ) -> None:
        if task not in ("math", "countdown", "equation"):
            raise ValueError(f"task must be 'math', 'countdown' or 'equation', got {task!r}")
        if proposer_action not in ("text", "discrete"):
            raise ValueError(f"proposer_action must be 'text' or 'discrete', got {proposer_action!r}")
        if window < 1 or not 0.0 <= min_success < 1.0:
            raise ValueError(f"need window >= 1 and 0 <= min_success < 1, got {window} and {min_success}")
        self.check_render_mode(render_mode)
        self.task = task
        self.proposer_action = "discrete" if task != "math" else proposer_action
        default_menu = {"math": MATH_MENU, "countdown": COUNTDOWN_MENU, "equation": EQUATION_MENU}[task]
        self.menu = [dict(m) for m in (menu if menu is not None else default_menu)]
        if not self.menu:
            raise ValueError("the menu needs at least one specification")
        self.window, self.min_success, self.invalid_penalty = window, min_success, invalid_penalty
        self.seed = seed
        self.max_action_length = max_action_length
        self.possible_agents = [PROPOSER, SOLVER]
        self.menu_keys = [self._key(m) for m in self.menu]
        self.observation_spaces: dict[str, spaces.Space] = {}
        self.action_spaces: dict[str, spaces.Space] = {}
        if self.proposer_action == "discrete":
            self.observation_spaces[PROPOSER] = masked_observation_space(2 * len(self.menu), len(self.menu))
            self.action_spaces[PROPOSER] = spaces.Discrete(len(self.menu))
        else:
            self.observation_spaces[PROPOSER] = text_observation_space(8192)
            self.action_spaces[PROPOSER] = text_action_space(max_action_length)
        self.inner: Any = None  # the numeric solver's env
        if task == "math":
            self.observation_spaces[SOLVER] = text_observation_space(8192)
            self.action_spaces[SOLVER] = text_action_space(max_action_length)
        else:
            if task == "countdown":
                from mathgym.envs.classic.countdown.env import CountdownEnv

                n = max(int(m["n_numbers"]) for m in self.menu)
                self.inner = CountdownEnv(n_numbers=n, max_steps=max_solver_steps or 4 * n)
            else:
                from mathgym.envs.classic.equation_solve.env import EquationSolveEnv

                self.inner = EquationSolveEnv(
                    levels=(0,), **({"max_moves": max_solver_steps} if max_solver_steps else {})
                )
            # the inner env's Box may exceed [0, 1] (EquationSolve's features): take its bounds as they are
            self.observation_spaces[SOLVER] = spaces.Dict(
                {
                    "observation": self.inner.observation_space,
                    "action_mask": spaces.Box(0, 1, (int(self.inner.action_space.n),), dtype=np.int8),
                }
            )
            self.action_spaces[SOLVER] = spaces.Discrete(int(self.inner.action_space.n))
        self._inner_obs: np.ndarray | None = None
        #: the numeric env's latest info (its own keys, e.g. EquationSolve's tree), for scripted solvers
        self.inner_info: dict[str, Any] = {}
        self.history: dict[str, deque[float]] = {}
        self._sources: dict[str, Any] = {}
        self._rng: np.random.Generator | None = None
        self._reset_episode()

    def _reset_episode(self) -> None:
        self.spec: dict[str, Any] | None = None
        self.spec_key: str | None = None
        self.problem: Problem | None = None
        self.invalid: str | None = None
        self.solved: bool | None = None
        self.done = False
        self.cut = False
        self.estimate: float | None = None
        self._inner_obs = None

    def _key(self, spec: Mapping[str, Any]) -> str:
        if self.task == "math":
            return math_spec_key(spec)
        if self.task == "equation":
            level = spec.get("level")
            if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level < len(EQUATION_MENU):
                raise ValueError(
                    f"an equation specification is {{'level': 0..{len(EQUATION_MENU) - 1}}}, got {spec!r}"
                )
            return f"LinearEquation/L{level}"
        return "Countdown/n{n_numbers}m{max_number}t{max_target}".format(
            **{k: int(spec[k]) for k in ("n_numbers", "max_number", "max_target")}
        )

    def success_estimate(self, key: str) -> float | None:
        """The solver's recent success rate on a specification, ``None`` before any attempt.

        :param key: a specification key (``info["spec_key"]``).
        """
        outcomes = self.history.get(key)
        return float(np.mean(outcomes)) if outcomes else None

    # -- episode -----------------------------------------------------------------------------------------
    def start(self, rng: np.random.Generator, options: Mapping[str, Any]) -> None:
        if options.get("forget"):
            self.history.clear()
        self._rng = rng
        self._reset_episode()

    @property
    def over(self) -> bool:
        return self.done

    @property
    def truncated(self) -> bool:
        return self.cut

    def to_act(self) -> tuple[str, ...]:
        if self.done:
            return ()
        return (PROPOSER,) if self.spec is None else (SOLVER,)

    def play(self, actions: Mapping[str, Any]) -> dict[str, float]:
        ((agent, action),) = actions.items()
        if agent == PROPOSER:
            return self._propose(action)
        return self._solve(action)

    def _propose(self, action: Any) -> dict[str, float]:
        try:
            if self.proposer_action == "discrete":
                index = int(action)
                if not 0 <= index < len(self.menu):
                    raise ValueError(f"menu index {index} out of range")
                spec = self.menu[index]
            else:
                spec = json.loads(_json_object(as_text(action, self.max_action_length)))
            key = self._key(spec)
        except (KeyError, ValueError, TypeError) as exc:
            self.invalid = str(exc.args[0] if exc.args else exc)[:200]
            self.spec, self.done = {}, True
            return {PROPOSER: self.invalid_penalty, SOLVER: 0.0}
        self.spec, self.spec_key = dict(spec), key
        assert self._rng is not None
        self.problem = self._source(spec, key).sample(self._rng)
        if self.inner is not None:
            self._inner_obs, self.inner_info = self.inner.reset(options={"problem": self.problem})
        return {}

    def _source(self, spec: Mapping[str, Any], key: str) -> Any:
        if key not in self._sources:
            if self.task in ("math", "equation"):
                from mathgym.sources.procedural import ProceduralSource

                generator = spec["generator"] if self.task == "math" else "LinearEquation"
                self._sources[key] = ProceduralSource(
                    generator, seed=self.seed, level=spec.get("level"), config=spec.get("config") or None
                )
            else:
                from mathgym.envs.classic.countdown.game import CountdownSource

                self._sources[key] = CountdownSource(
                    int(spec["n_numbers"]),
                    max_number=int(spec["max_number"]),
                    max_target=int(spec["max_target"]),
                    seed=self.seed,
                )
        return self._sources[key]

    def _solve(self, action: Any) -> dict[str, float]:
        if self.inner is None:
            from mathgym.verifier import verify

            self.solved = bool(verify(as_text(action, self.max_action_length), self.problem).correct)
        else:
            self._inner_obs, _, terminated, truncated, info = self.inner.step(int(action))
            self.inner_info = info
            if not (terminated or truncated):
                return {}
            self.solved = bool(info.get("is_success"))
            self.cut = bool(truncated) and not terminated
        self.done = True
        key = self.spec_key
        assert key is not None
        outcomes = self.history.setdefault(key, deque(maxlen=self.window))
        outcomes.append(float(self.solved))
        self.estimate = float(np.mean(outcomes))
        return {PROPOSER: learnability(self.estimate, self.min_success), SOLVER: float(self.solved)}

    # -- views -------------------------------------------------------------------------------------------
    def observe(self, agent: str) -> Any:
        if agent == PROPOSER:
            if self.proposer_action == "discrete":
                features = np.zeros(2 * len(self.menu), dtype=np.float32)
                for i, key in enumerate(self.menu_keys):
                    estimate = self.success_estimate(key)
                    features[i] = 0.5 if estimate is None else estimate
                    features[len(self.menu) + i] = len(self.history.get(key, ())) / self.window
                mask = np.full(len(self.menu), int(self.to_act() == (PROPOSER,)), dtype=np.int8)
                return {"observation": features, "action_mask": mask}
            return {"text": self._proposer_text()}
        if self.inner is not None:
            space = self.observation_spaces[SOLVER]
            features = (
                self._inner_obs
                if self._inner_obs is not None
                else np.clip(
                    np.zeros(space["observation"].shape, dtype=space["observation"].dtype),
                    space["observation"].low,
                    space["observation"].high,
                )
            )
            waiting = self.problem is None or self.done or self.spec is None
            mask = (
                np.zeros(int(self.inner.action_space.n), dtype=np.int8)
                if waiting
                else self.inner.action_masks().astype(np.int8)
            )
            return {"observation": features, "action_mask": mask}
        if self.problem is None:
            return {"text": "Waiting for the proposer's problem."}
        return {"text": fit_text(f"{SOLVER_INSTRUCTION}\n\n{self.problem.prompt}", 8192)}

    def _proposer_text(self) -> str:
        lines = [
            "Propose a problem for the solver: one that it solves sometimes but not always. Answer with a "
            'JSON object such as {"generator": "Arithmetic", "level": 2}. The solver\'s recent success rates:'
        ]
        for spec, key in zip(self.menu, self.menu_keys):
            estimate = self.success_estimate(key)
            lines.append(
                f"  {json.dumps(spec)}: " + ("not tried yet" if estimate is None else f"{estimate:.2f}")
            )
        return fit_text("\n".join(lines), 8192)

    def info(self, agent: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "spec": self.spec,
            "spec_key": self.spec_key,
            "problem_id": self.problem.id if self.problem is not None else None,
        }
        if self.done:
            out.update(solved=self.solved, success_estimate=self.estimate, invalid_spec=self.invalid)
        return out

    def render(self) -> str:
        if self.spec is None:
            return "waiting for the proposer"
        if self.invalid:
            return f"invalid specification: {self.invalid}"
        tail = "" if not self.done else f" -> solved={self.solved}, estimate={self.estimate:.2f}"
        return f"{self.spec_key}: {self.problem.prompt if self.problem else ''}{tail}"


def _json_object(text: str) -> str:
    # The specification is the last {...} in the text, so a model may think aloud before it.
    end = text.rfind("}")
    start = text.rfind("{", 0, end + 1)
    while start > 0 and text[start : end + 1].count("{") != text[start : end + 1].count("}"):
        start = text.rfind("{", 0, start)
    if start < 0 or end < 0:
        raise ValueError("no JSON object found in the proposal")
    return text[start : end + 1]


raw_env, env, parallel_env = env_functions(ProposerSolver)
