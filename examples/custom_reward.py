"""Example: ``gym.make`` a mathgym env with a reward of your own next to the verifier's outcome.

    python examples/custom_reward.py [--episodes 20] [--fast]

A reward part is one small class: it sees the step (:class:`~mathgym.rewards.base.StepContext`: the problem,
the action, the verdict on the final answer) and returns a value with named components, which the env
reports in ``info["reward_components"]``. Combinators (``WeightedSum``, ``Conjunction``, ``LogSigmoid``) build
the total; the env verifies the answer, the reward only scores it.
"""

from __future__ import annotations

import argparse

import gymnasium as gym  # mathgym's ids register themselves when gymnasium is imported

from mathgym.rewards import OutcomeReward, WeightedSum
from mathgym.rewards.base import Reward, RewardOutput, StepContext


class Brevity(Reward):
    """+``bonus`` for a correct final answer in at most ``words`` words (shorter reasoning, same answer).

    :param words: the longest response that earns the bonus.
    :param bonus: the bonus.
    """

    name = "brevity"

    def __init__(self, words: int = 40, bonus: float = 0.2) -> None:
        self.words = words
        self.bonus = bonus

    def __call__(self, ctx: StepContext) -> RewardOutput:
        correct = ctx.final and ctx.verdict is not None and ctx.verdict.correct
        value = self.bonus if correct and len(ctx.response.split()) <= self.words else 0.0
        return RewardOutput(value, {self.name: value})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--fast", action="store_true", help="a few episodes (what the test runs)")
    args = parser.parse_args()
    episodes = 4 if args.fast else args.episodes

    reward = WeightedSum([OutcomeReward(correct=1.0, incorrect=0.0), (Brevity(words=40), 1.0)])
    env = gym.make("mathgym/Arithmetic-v0", level=1, reward=reward)
    obs, info = env.reset(seed=0)
    for episode in range(episodes):
        problem = env.unwrapped.problem  # the episode's Problem: prompt, gold answer, reference solution
        # a short answer and a long one, both right: only the short one earns the brevity bonus
        short = f"The answer is \\boxed{{{problem.answer}}}."
        long = " ".join(problem.solution[:-1] + ["Let me double-check every step once more. " * 8, short])
        action = short if episode % 2 == 0 else long
        obs, value, terminated, truncated, info = env.step(action)
        print(
            f"{problem.id:32} {'short' if action is short else 'long '} reward {value:.2f} "
            f"components {info['reward_components']}"
        )
        obs, info = env.reset()
    env.close()


if __name__ == "__main__":
    main()
