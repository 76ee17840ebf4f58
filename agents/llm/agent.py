"""An :class:`~mathgym.agents.base.Agent` that acts with an LLM policy, one observation at a time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mathgym.agents.base import Agent
from mathgym.agents.llm.chat import ObservationFormat, transcript_from_observation
from mathgym.agents.llm.policy import Policy
from mathgym.agents.llm.rollout import STYLES, EpisodeStyle, episode_style
from mathgym.agents.llm.types import Sampling
from mathgym.seeding import derive_seed


class PolicyAgent(Agent):
    """Acts in a text env with a policy: ``make_agent("policy", env=env, policy="hf:PATH")``.

    For many episodes at once prefer :class:`~mathgym.agents.llm.rollout.RolloutDriver`, which
    batches generation across envs; this agent generates one completion per ``act`` call.

    :param env: the env (its mode picks the episode style when ``style`` is not given).
    :param seed: seed of the agent's sampling.
    :param policy: a :class:`Policy` or a spec (``vllm:PATH``, ``hf:PATH``, ``openai:URL#MODEL``).
    :param sampling: sampling settings, or their keyword arguments as a dict (default: greedy, 512 new tokens).
    :param fmt: observation format.
    :param style: episode style name or object (default: from the env).
    """

    name = "policy"

    def __init__(
        self,
        env: Any = None,
        seed: int | None = None,
        policy: Policy | str | None = None,
        sampling: Sampling | Mapping[str, Any] | None = None,
        fmt: ObservationFormat | None = None,
        style: EpisodeStyle | str | None = None,
    ) -> None:
        super().__init__(env, seed)
        if policy is None:
            raise ValueError("the policy agent needs a policy: --policy vllm:PATH|hf:PATH|openai:URL#MODEL")
        if isinstance(policy, str):
            from mathgym.agents.llm.spec import make_policy

            policy = make_policy(policy)
        self.policy = policy
        if isinstance(sampling, Mapping):  # JSON-able form, for sweeps (`--agent-arg policy:sampling={...}`)
            sampling = Sampling(**{"temperature": 0.0, "max_tokens": 512, **sampling})
        self.sampling = sampling or Sampling(temperature=0.0, max_tokens=512)
        self.fmt = fmt or ObservationFormat()
        self.style = STYLES[style] if isinstance(style, str) else style
        self.seed = seed
        self._first: str | None = None
        self._record = ""
        self._calls = 0

    def reset(self, *, seed: int | None = None) -> None:
        super().reset(seed=seed)
        self.seed = seed
        self._first = None
        self._record = ""

    def act(self, observation: Any, info: Mapping[str, Any]) -> str:
        observation = str(observation)
        new_episode = (
            self._first is None or info.get("step_kind") == "prompt" or int(info.get("step_index", 0)) < 0
        )
        style = self.style or (episode_style(self.env) if self.env is not None else STYLES["single"])
        if new_episode:
            self._first, self._record, transcript = observation, "", ""
        else:
            assert self._first is not None
            transcript = transcript_from_observation(self._first, observation, self._record)
            if transcript and style.separator and not transcript.endswith(style.separator):
                transcript += style.separator
        sampling = self.sampling
        if sampling.seed is None and self.seed is not None and not sampling.greedy:
            sampling = sampling.replace(
                seed=derive_seed("mathgym.policy_agent", self.seed, self._calls) % 2**31
            )
        self._calls += 1
        completion = self.policy.generate(
            self.fmt.build(self._first, transcript), n=1, sampling=sampling, stop=style.stop
        )[0][0]
        self._record += completion.text + style.separator
        return completion.text
