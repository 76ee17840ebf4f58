"""Gymnasium wrapper that applies an episode-level refinement (Delta, Clip+Delta) at episode end."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym

from mathgym.rewards.refinements import EpisodeRefinement, make_refinement


class RecordRefinedRewards(gym.Wrapper):
    """Record one reward component per step and, when the episode ends, put its refinement in ``info``.

    Delta needs the next step's score, so it cannot be returned by ``step`` as the episode runs. Like
    Gymnasium's ``RecordEpisodeStatistics``, this wrapper leaves the reward that ``step`` returns
    unchanged and, on the step that terminates or truncates the episode, adds ::

        info["refined_rewards"] = {
            "scores": [r_1, ..., r_K],    # the recorded component, one per step
            "rewards": [R_1, ..., R_K],   # R_k = alpha * refined r_k, plus r_succ at the last step
            "return": sum of rewards,
        }

    A PPO rollout loop replaces the episode's stored rewards with ``rewards`` before it computes
    returns and advantages (for Clip alone the online :class:`~mathgym.rewards.refinements.Clip`
    reward needs no such step).

    :param env: an env whose ``info["reward_components"]`` carries the per-step score.
    :param score_key: component holding the per-step score ``r_k`` (e.g. a process reward's name).
    :param refinement: ``"delta"``, ``"clip_delta"``, ``"clip"``, ``"none"`` or an
        :class:`~mathgym.rewards.refinements.EpisodeRefinement`.
    :param eta: the Clip threshold, for the clip kinds.
    :param alpha: weight of the dense reward.
    :param success_key: component holding the success reward ``r_succ`` on the last step (e.g.
        ``"outcome"``), or ``None`` for none.
    :param info_key: the ``info`` key to write.
    """

    def __init__(
        self,
        env: gym.Env,
        score_key: str,
        refinement: str | EpisodeRefinement = "delta",
        *,
        eta: float | None = None,
        alpha: float = 1.0,
        success_key: str | None = None,
        info_key: str = "refined_rewards",
    ) -> None:
        super().__init__(env)
        self.score_key = score_key
        self.refinement = make_refinement(refinement, eta)
        self.alpha = float(alpha)
        self.success_key = success_key
        self.info_key = info_key
        self.scores: list[float] = []

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        self.scores = []
        return self.env.reset(**kwargs)

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        components = info.get("reward_components", {})
        self.scores.append(float(self._component(components, self.score_key)))
        if terminated or truncated:
            success = float(self._component(components, self.success_key)) if self.success_key else 0.0
            rewards = self.refinement.step_rewards(self.scores, success, self.alpha)
            info = {
                **info,
                self.info_key: {
                    "scores": list(self.scores),
                    "rewards": rewards,
                    "return": float(sum(rewards)),
                },
            }
        return obs, reward, terminated, truncated, info

    @staticmethod
    def _component(components: dict[str, float], key: str) -> float:
        try:
            return components[key]
        except KeyError:
            raise KeyError(
                f"reward component {key!r} is not in info['reward_components'] "
                f"(it has {sorted(components)}); pass score_key/success_key that the env's "
                "reward reports"
            ) from None

    def get_state(self) -> dict[str, Any]:
        """The wrapped env's snapshot plus the scores recorded so far (for branching search)."""
        return {"env": self.env.get_wrapper_attr("get_state")(), "scores": list(self.scores)}

    def set_state(self, state: dict[str, Any]) -> None:
        self.env.get_wrapper_attr("set_state")(state["env"])
        self.scores = [float(s) for s in state["scores"]]
