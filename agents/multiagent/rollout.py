"""Multi-agent LLM rollouts: text games played through the same policy interface as single-agent rollouts.

:class:`MultiAgentRollout` drives the Parallel form of any text game (``<game>_v0.parallel_env()``). Each
turn it collects the acting agents of every unfinished episode (``infos[agent]["acting"]``), builds one
model input per agent — a chat whose system message names the agent's role in the game, then the agent's
observation text — and generates for all of them in one call per policy. So one policy can play every
role (self-play: the role is in the prompt), or each role can have its own policy. Identical inputs are
merged into one prompt with ``n`` samples, as the single-agent driver does.

Every agent move is recorded as an :class:`AgentTurn` with the completion's token ids and logprobs, so
trainers (:mod:`mathgym.agents.multiagent.llm_selfplay`) can credit each move with its role's return.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mathgym.agents.llm.chat import ObservationFormat
from mathgym.agents.llm.policy import Policy
from mathgym.agents.llm.types import Completion, PromptOrChat, Sampling
from mathgym.seeding import derive_seed

ROLE_PROMPT = "You are {agent} in the game {game}. Follow the instructions and answer as {agent}."


@dataclass
class AgentTurn:
    """One move of one agent.

    :param agent: who moved.
    :param model_input: the prompt or chat the policy saw.
    :param completion: what it generated (token ids, logprobs).
    :param action: the text sent to the env.
    """

    agent: str
    model_input: PromptOrChat
    completion: Completion
    action: str


@dataclass
class MultiAgentTrajectory:
    """One episode of a multi-agent text game.

    :param slot: index of the env in the driver's list.
    :param seed: seed of the episode's reset.
    :param game: the game's name (``metadata["name"]``).
    :param turns: every agent move, in order.
    :param returns: each agent's summed reward.
    :param final_infos: each agent's last info.
    :param terminated: the game ended by its rules.
    :param truncated: a limit (the game's or the driver's) cut it.
    """

    slot: int
    seed: int | None
    game: str
    turns: list[AgentTurn] = field(default_factory=list)
    returns: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    final_infos: dict[str, dict[str, Any]] = field(default_factory=dict)
    terminated: bool = False
    truncated: bool = False

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated

    def turns_of(self, agent: str) -> list[AgentTurn]:
        """The moves of one agent.

        :param agent: an agent name.
        """
        return [t for t in self.turns if t.agent == agent]

    def to_dict(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "seed": self.seed,
            "game": self.game,
            "returns": dict(self.returns),
            "turns": [
                {"agent": t.agent, "action": t.action, "tokens": len(t.completion.token_ids)}
                for t in self.turns
            ],
            "final_infos": self.final_infos,
            "terminated": self.terminated,
            "truncated": self.truncated,
        }


class MultiAgentRollout:
    """Plays episodes of Parallel text games with LLM policies, batching generation across envs and agents.

    :param policies: one :class:`~mathgym.agents.llm.policy.Policy` for every role, or a mapping from agent name
        to policy (agents missing from it use the ``"*"`` entry).
    :param sampling: sampling settings (seeded per turn when ``sampling.seed`` is set).
    :param system: the system message template; ``{agent}`` and ``{game}`` are filled in (``None``: no system
        message, the observation alone).
    :param chat: build chats (rendered with the model's chat template) rather than raw prompt strings.
    :param max_turns: joint moves after which the driver truncates an episode.
    """

    def __init__(
        self,
        policies: Policy | Mapping[str, Policy],
        *,
        sampling: Sampling | None = None,
        system: str | None = ROLE_PROMPT,
        chat: bool = True,
        max_turns: int = 32,
    ) -> None:
        self.policies = policies
        self.sampling = sampling or Sampling()
        self.system = system
        self.chat = chat
        self.max_turns = max_turns

    def policy_for(self, agent: str) -> Policy:
        """The policy that plays ``agent``.

        :param agent: an agent name.
        """
        if isinstance(self.policies, Policy):
            return self.policies
        if agent in self.policies:
            return self.policies[agent]
        if "*" in self.policies:
            return self.policies["*"]
        raise KeyError(f"no policy for agent {agent!r}; give one or a '*' entry")

    def model_input(self, game: str, agent: str, observation: Any) -> PromptOrChat:
        """The prompt or chat for one agent's move.

        :param game: the game name.
        :param agent: the agent to move.
        :param observation: its observation (``{"text": ...}`` or a string).
        """
        text = observation["text"] if isinstance(observation, Mapping) else str(observation)
        system = None if self.system is None else self.system.format(agent=agent, game=game)
        if not self.chat:
            return text if system is None else f"{system}\n\n{text}"
        return ObservationFormat(system=system).build(text)

    def run(
        self,
        envs: Sequence[Any],
        *,
        seeds: Sequence[int | None] | None = None,
        options: Sequence[Mapping[str, Any] | None] | None = None,
    ) -> list[MultiAgentTrajectory]:
        """Play one episode in each Parallel env; returns the trajectories in env order.

        :param envs: Parallel text envs (``<game>_v0.parallel_env(...)``).
        :param seeds: reset seed per env.
        :param options: reset options per env.
        """
        seeds = list(seeds) if seeds is not None else [None] * len(envs)
        options = list(options) if options is not None else [None] * len(envs)
        if not len(seeds) == len(options) == len(envs):
            raise ValueError(
                f"{len(envs)} envs, {len(seeds)} seeds, {len(options)} options: give one of each per env"
            )
        trajectories, observations, infos = [], [], []
        for slot, env in enumerate(envs):
            slot_options = options[slot]
            obs, info = env.reset(seed=seeds[slot], options=dict(slot_options) if slot_options else None)
            trajectories.append(MultiAgentTrajectory(slot, seeds[slot], str(env.metadata.get("name", env))))
            observations.append(obs)
            infos.append(info)
        for turn in range(self.max_turns):
            requests = [
                (slot, agent)
                for slot, t in enumerate(trajectories)
                if not t.done
                for agent in envs[slot].agents
                if infos[slot].get(agent, {}).get("acting")
            ]
            if not requests:
                break
            inputs = {
                (slot, agent): self.model_input(trajectories[slot].game, agent, observations[slot][agent])
                for slot, agent in requests
            }
            completions = self._generate(inputs, turn)
            for slot in sorted({s for s, _ in requests}):
                moves = {agent: completions[(slot, agent)].text for s, agent in requests if s == slot}
                for agent, text in moves.items():
                    trajectories[slot].turns.append(
                        AgentTurn(agent, inputs[(slot, agent)], completions[(slot, agent)], text)
                    )
                obs, rewards, terminations, _truncations, info = envs[slot].step(moves)
                trajectory = trajectories[slot]
                for agent, r in rewards.items():
                    trajectory.returns[agent] += float(r)
                trajectory.final_infos.update({a: dict(i) for a, i in info.items()})
                observations[slot], infos[slot] = obs, info
                if not envs[slot].agents:
                    trajectory.terminated = any(terminations.values())
                    trajectory.truncated = not trajectory.terminated
        for t in trajectories:
            if not t.done:
                t.truncated = True
            t.returns = dict(t.returns)
        return trajectories

    def _generate(
        self, inputs: Mapping[tuple[int, str], PromptOrChat], turn: int
    ) -> dict[tuple[int, str], Completion]:
        """One generation call per policy; identical inputs share one prompt with ``n`` samples."""
        sampling = self.sampling
        if sampling.seed is not None:  # a fresh, reproducible stream per turn
            sampling = sampling.replace(
                seed=derive_seed("mathgym.multiagent.rollout", sampling.seed, turn) % 2**31
            )
        by_policy: dict[int, tuple[Policy, dict[str, list[tuple[int, str]]]]] = {}
        for key, item in inputs.items():
            policy = self.policy_for(key[1])
            _, groups = by_policy.setdefault(id(policy), (policy, defaultdict(list)))
            groups[json.dumps(item, sort_keys=True)].append(key)
        out: dict[tuple[int, str], Completion] = {}
        for policy, groups in by_policy.values():
            by_size: dict[int, list[list[tuple[int, str]]]] = defaultdict(list)
            for keys in groups.values():
                by_size[len(keys)].append(keys)
            for n, members in sorted(by_size.items()):
                results = policy.generate([inputs[keys[0]] for keys in members], n=n, sampling=sampling)
                for keys, row in zip(members, results):
                    for key, completion in zip(keys, row):
                        out[key] = completion
        return out
