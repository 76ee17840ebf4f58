"""The rollout driver: many text envs against one policy, one batched generation per turn.

Each turn the driver builds the model input of every unfinished episode, generates for all of them
in one call (identical inputs, e.g. a GRPO group of one problem, are merged into one prompt with
``n`` samples), and steps each env with its completion's text. It handles

* single-turn episodes (one action is the whole answer),
* step-level episodes (generation stops at a step boundary, ``"\\n"``; the env returns the next
  observation; generation continues the same assistant message),
* tool-integrated episodes (generation stops at ```` ```output````; the env runs the code and shows its
  output; generation continues after it),

and records a :class:`Trajectory` per episode: the first observation (the prompt), every turn's model
input, completion (token ids, logprobs), action, reward and reward components, and the final verdict.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mathgym.agents.llm.chat import ObservationFormat, transcript_from_observation
from mathgym.agents.llm.policy import Policy
from mathgym.agents.llm.types import Completion, PromptOrChat, Sampling
from mathgym.seeding import derive_seed


@dataclass(frozen=True)
class EpisodeStyle:
    """How one episode kind talks to the model.

    :param name: ``"single"``, ``"step"``, ``"tool"`` or a custom name.
    :param stop: stop strings that end one action.
    :param separator: text put after the transcript before the model continues (a new line in
        step mode, so each step starts on its own line).
    """

    name: str
    stop: tuple[str, ...] = ()
    separator: str = ""


SINGLE = EpisodeStyle("single")
STEP = EpisodeStyle("step", stop=("\n",), separator="\n")
TOOL = EpisodeStyle("tool", stop=("```output",))
STYLES = {s.name: s for s in (SINGLE, STEP, TOOL)}


def episode_style(env: Any) -> EpisodeStyle:
    """The style an env asks for: its ``stop_strings`` attribute if it has one, else by its mode/kind."""
    unwrapped = getattr(env, "unwrapped", env)
    stops = getattr(unwrapped, "stop_strings", None)
    if stops:
        return EpisodeStyle("custom", stop=tuple(stops))
    mode = str(getattr(unwrapped, "mode", "single"))
    if "tool" in mode.lower() or "Tool" in type(unwrapped).__name__:
        return TOOL
    return STEP if mode == "step" else SINGLE


@dataclass
class Turn:
    """One env step: what the model saw and wrote, and what the env answered."""

    model_input: PromptOrChat
    completion: Completion
    action: str
    reward: float
    components: dict[str, float]
    info: dict[str, Any]


@dataclass
class Trajectory:
    """One episode.

    :param slot: index of the env in the driver's list.
    :param seed: seed of the episode's reset.
    :param first_observation: the prompt as the env gave it.
    :param turns: the steps, oldest first.
    :param terminated: the env ended the episode.
    :param truncated: the env or the driver's turn limit cut it.
    :param reset_info: the ``info`` of the reset.
    """

    slot: int
    seed: int | None
    first_observation: str
    reset_info: dict[str, Any]
    turns: list[Turn] = field(default_factory=list)
    terminated: bool = False
    truncated: bool = False

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated

    @property
    def final_info(self) -> dict[str, Any]:
        return self.turns[-1].info if self.turns else self.reset_info

    @property
    def problem_id(self) -> str | None:
        return self.reset_info.get("problem_id")

    @property
    def verdict(self) -> dict[str, Any] | None:
        return self.final_info.get("verdict")

    @property
    def correct(self) -> bool:
        verdict = self.verdict
        return bool(verdict and verdict.get("correct"))

    @property
    def actions(self) -> list[str]:
        return [t.action for t in self.turns]

    @property
    def rewards(self) -> list[float]:
        return [t.reward for t in self.turns]

    @property
    def total_reward(self) -> float:
        return float(sum(self.rewards))

    @property
    def components(self) -> dict[str, float]:
        """Each reward component summed over the episode."""
        totals: dict[str, float] = defaultdict(float)
        for t in self.turns:
            for name, value in t.components.items():
                totals[name] += float(value)
        return dict(totals)

    @property
    def num_tokens(self) -> int:
        return sum(t.completion.num_tokens for t in self.turns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "seed": self.seed,
            "problem_id": self.problem_id,
            "prompt": self.first_observation,
            "actions": self.actions,
            "rewards": self.rewards,
            "components": [t.components for t in self.turns],
            "token_ids": [list(t.completion.token_ids) for t in self.turns],
            "logprobs": [
                None if t.completion.logprobs is None else list(t.completion.logprobs) for t in self.turns
            ],
            "finish_reasons": [t.completion.finish_reason for t in self.turns],
            "verdict": self.verdict,
            "total_reward": self.total_reward,
            "terminated": self.terminated,
            "truncated": self.truncated,
        }


@dataclass
class RolloutStats:
    """Where rollout time went (seconds) and how much was generated."""

    generate_s: float = 0.0
    env_s: float = 0.0
    episodes: int = 0
    turns: int = 0
    tokens: int = 0

    @property
    def env_share(self) -> float:
        """Share of rollout time spent in env reset/step (parsing, verifier, reward parts)."""
        total = self.generate_s + self.env_s
        return self.env_s / total if total else 0.0


def _sub_envs(envs: Any) -> list[Any]:
    if hasattr(envs, "envs") and hasattr(envs, "num_envs"):  # gymnasium SyncVectorEnv: drive its sub-envs
        return list(envs.envs)
    if hasattr(envs, "num_envs"):
        raise TypeError(
            "the rollout driver steps envs one by one between batched generations; pass a list of "
            "envs or a SyncVectorEnv (AsyncVectorEnv workers would only add IPC here)"
        )
    return list(envs)


class RolloutDriver:
    """Plays episodes of text envs with one policy, batching generation across envs.

    :param policy: any :class:`~mathgym.agents.llm.policy.Policy`.
    :param sampling: sampling settings; the episode style's stop strings are added per turn.
    :param fmt: how observations become model input.
    :param style: ``"single"``, ``"step"``, ``"tool"``, an :class:`EpisodeStyle`, or ``None`` to ask each env.
    :param max_turns: turns after which the driver truncates an episode the env has not ended.
    """

    def __init__(
        self,
        policy: Policy,
        *,
        sampling: Sampling | None = None,
        fmt: ObservationFormat | None = None,
        style: EpisodeStyle | str | None = None,
        max_turns: int = 64,
    ) -> None:
        self.policy = policy
        self.sampling = sampling or Sampling()
        self.fmt = fmt or ObservationFormat()
        self.style = STYLES[style] if isinstance(style, str) else style
        self.max_turns = max_turns
        self.stats = RolloutStats()

    def run(
        self,
        envs: Sequence[Any] | Any,
        *,
        seeds: Sequence[int | None] | None = None,
        options: Sequence[Mapping[str, Any] | None] | None = None,
    ) -> list[Trajectory]:
        """Play one episode in each env and return the trajectories in env order.

        :param envs: a list of envs (or a SyncVectorEnv). Give several envs the same seed/options to
            sample a group of answers to one problem.
        :param seeds: reset seed of each env (``None``: no seed).
        :param options: reset options of each env (e.g. ``{"problem_id": ...}``).
        """
        envs = _sub_envs(envs)
        seeds = list(seeds) if seeds is not None else [None] * len(envs)
        options = list(options) if options is not None else [None] * len(envs)
        if not len(seeds) == len(options) == len(envs):
            raise ValueError(
                f"{len(envs)} envs, {len(seeds)} seeds and {len(options)} options: give one of each per env"
            )
        styles = [self.style or episode_style(env) for env in envs]

        started = time.perf_counter()
        trajectories, observations, records = [], [], []
        for slot, env in enumerate(envs):
            slot_options = options[slot]
            obs, info = env.reset(seed=seeds[slot], options=dict(slot_options) if slot_options else None)
            trajectories.append(Trajectory(slot, seeds[slot], str(obs), dict(info)))
            observations.append(str(obs))
            records.append("")
        self.stats.env_s += time.perf_counter() - started

        turn = 0
        while True:
            active = [i for i, t in enumerate(trajectories) if not t.done]
            if not active:
                break
            inputs = {
                i: self._model_input(trajectories[i], observations[i], records[i], styles[i]) for i in active
            }
            completions = self._generate_batch(inputs, styles, turn)
            started = time.perf_counter()
            for i in active:
                completion = completions[i]
                action = completion.text
                obs, reward, terminated, truncated, info = envs[i].step(action)
                trajectory = trajectories[i]
                trajectory.turns.append(
                    Turn(
                        inputs[i],
                        completion,
                        action,
                        float(reward),
                        {k: float(v) for k, v in dict(info.get("reward_components", {})).items()},
                        dict(info),
                    )
                )
                trajectory.terminated = bool(terminated)
                trajectory.truncated = bool(truncated) or (
                    not terminated and len(trajectory.turns) >= self.max_turns
                )
                records[i] += action + styles[i].separator
                if not str(obs).startswith(trajectory.first_observation):
                    records[i] += str(obs)
                observations[i] = str(obs)
            self.stats.env_s += time.perf_counter() - started
            turn += 1
        self.stats.episodes += len(trajectories)
        self.stats.turns += sum(len(t.turns) for t in trajectories)
        self.stats.tokens += sum(t.num_tokens for t in trajectories)
        return trajectories

    def _model_input(
        self, trajectory: Trajectory, observation: str, record: str, style: EpisodeStyle
    ) -> PromptOrChat:
        transcript = (
            ""
            if not trajectory.turns
            else transcript_from_observation(trajectory.first_observation, observation, record)
        )
        if transcript and style.separator and not transcript.endswith(style.separator):
            transcript += style.separator
        return self.fmt.build(trajectory.first_observation, transcript)

    def _generate_batch(
        self, inputs: dict[int, PromptOrChat], styles: list[EpisodeStyle], turn: int
    ) -> dict[int, Completion]:
        """One generation call per (stop strings, group size): identical inputs share a prompt with n samples."""
        groups: dict[tuple[tuple[str, ...], str], list[int]] = defaultdict(list)
        for i, item in inputs.items():
            groups[(styles[i].stop, json.dumps(item, sort_keys=True))].append(i)
        by_call: dict[tuple[tuple[str, ...], int], list[tuple[str, list[int]]]] = defaultdict(list)
        for (stop, key), slots in groups.items():
            by_call[(stop, len(slots))].append((key, slots))
        sampling = self.sampling
        if sampling.seed is not None:  # a fresh stream per turn, reproducible
            sampling = sampling.replace(seed=derive_seed("mathgym.rollout", sampling.seed, turn) % 2**31)
        out: dict[int, Completion] = {}
        for (stop, n), members in sorted(by_call.items()):
            started = time.perf_counter()
            results = self.policy.generate(
                [inputs[slots[0]] for _, slots in members], n=n, sampling=sampling, stop=stop
            )
            self.stats.generate_s += time.perf_counter() - started
            for (_, slots), row in zip(members, results):
                for slot, completion in zip(slots, row):
                    out[slot] = completion
        return out
