"""Continuing solutions from step-mode env snapshots with any policy.

Monte-Carlo labels, MC value rewards, PRM-guided beam search and MCTS all need the same two moves:
*propose* next steps for a partial solution, and *advance* a partial solution by one step. A
:class:`SnapshotRoller` does both through a step-mode :class:`~mathgym.envs.math.env.MathEnv`:
``set_state`` restores the snapshot (problem + steps so far), the policy sees exactly the model input the
rollout driver would build at that point (first observation, then the transcript, one step per line), and
``env.step`` ends the episode, verifies the answer and computes the env's reward. Every generated token
is counted in :attr:`SnapshotRoller.tokens`, so search methods can be compared at equal cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mathgym.problem import Problem
from mathgym.seeding import derive_seed


@dataclass(frozen=True)
class StepOutcome:
    """What the env answered to one step.

    :param steps: the solution's steps after this one.
    :param done: the step gave a final answer (or the step limit was reached).
    :param correct: the final answer verified (False until done).
    :param reward: the env's reward for the step; ``components`` its named parts.
    """

    steps: tuple[str, ...]
    done: bool
    correct: bool
    reward: float
    components: dict[str, float]


@dataclass(frozen=True)
class Continuation:
    """One sampled completion of a partial solution."""

    steps: tuple[str, ...]
    correct: bool
    finished: bool
    tokens: int


class SnapshotRoller:
    """Proposes and plays next steps from env snapshots (see the module docstring).

    :param policy: any :class:`~mathgym.agents.llm.policy.Policy` (or an object with its ``generate``).
    :param sampling: sampling settings (temperature > 0 for diverse samples); step stops are added.
    :param fmt: observation format (default: a chat, as the rollout driver uses).
    :param max_steps: step limit of an episode (the env truncates there).
    :param step_tokens: most tokens of one step.
    :param reward: the env's reward spec (default: the step-mode default reward).
    """

    def __init__(
        self,
        policy: Any,
        *,
        sampling: Any = None,
        fmt: Any = None,
        max_steps: int = 12,
        step_tokens: int = 64,
        reward: Any = None,
    ) -> None:
        from mathgym.agents.llm.chat import ObservationFormat
        from mathgym.agents.llm.types import Sampling

        self.policy = policy
        self.sampling = (sampling or Sampling(temperature=0.8)).replace(max_tokens=step_tokens)
        self.fmt = fmt or ObservationFormat()
        self.max_steps = max_steps
        self.reward = reward
        self.tokens = 0
        self.calls = 0
        self._env: Any = None

    # ------------------------------------------------------------------------------------------- env
    @property
    def env(self) -> Any:
        if self._env is None:
            from mathgym.envs.math.env import MathEnv

            self._env = MathEnv(mode="step", max_steps=self.max_steps, reward=self.reward)
        return self._env

    def _restore(self, problem: Problem, steps: Sequence[str]) -> str:
        return self.env.set_state(
            {"problem": problem.to_dict(), "steps": list(steps), "done": False, "reward_state": None}
        )

    def first_observation(self, problem: Problem) -> str:
        return self._restore(problem, [])

    def model_input(self, problem: Problem, steps: Sequence[str]) -> Any:
        """What the policy sees after ``steps``: the same input the rollout driver builds."""
        first = self.first_observation(problem)
        transcript = "".join(step + "\n" for step in steps)
        return self.fmt.build(first, transcript)

    def advance(self, problem: Problem, steps: Sequence[str], action: str) -> StepOutcome:
        """Restore the snapshot after ``steps``, take ``action`` and report what the env says."""
        self._restore(problem, steps)
        _, reward, terminated, truncated, info = self.env.step(action)
        verdict = info.get("verdict") or {}
        return StepOutcome(
            tuple(self.env.steps),
            bool(terminated or truncated),
            bool(verdict.get("correct")),
            float(reward),
            dict(info.get("reward_components", {})),
        )

    # ------------------------------------------------------------------------------------ generation
    def propose(
        self, items: Sequence[tuple[Problem, Sequence[str]]], n: int, *, seed: int = 0
    ) -> list[list[Any]]:
        """``n`` candidate next steps (completions) for each partial solution, in one generation call.

        Identical partial solutions share one prompt with ``n``·copies samples.
        """
        inputs = [self.model_input(problem, steps) for problem, steps in items]
        groups: dict[str, list[int]] = defaultdict(list)
        for i, item in enumerate(inputs):
            groups[repr(item)].append(i)
        sampling = self.sampling.replace(
            seed=derive_seed("mathgym.process.propose", seed, self.calls) % 2**31
        )
        self.calls += 1
        by_size: dict[int, list[str]] = defaultdict(list)  # one generation call per group size
        for key, members in groups.items():
            by_size[len(members)].append(key)
        out: list[list[Any]] = [[] for _ in items]
        for size, keys in by_size.items():
            rows = self.policy.generate(
                [inputs[groups[k][0]] for k in keys], n=n * size, sampling=sampling, stop=("\n",)
            )
            for key, row in zip(keys, rows):
                for j, member in enumerate(groups[key]):
                    out[member] = list(row[j * n : (j + 1) * n])
        self.tokens += sum(c.num_tokens for row in out for c in row)
        return out

    def complete(
        self, items: Sequence[tuple[Problem, Sequence[str]]], n: int, *, seed: int = 0
    ) -> list[list[Continuation]]:
        """``n`` sampled completions of each partial solution, played to the end through the env."""
        slots = [(i, list(steps)) for i, (_, steps) in enumerate(items) for _ in range(n)]
        generated: list[list[str]] = [[] for _ in slots]
        tokens = [0] * len(slots)
        results: list[Continuation | None] = [None] * len(slots)
        for s, (i, steps) in enumerate(slots):  # a prefix that already ends with an answer needs no rollout
            if steps and _has_answer(steps[-1]):
                results[s] = Continuation((), _correct(items[i][0], steps), True, 0)
        turn = 0
        while True:
            active = [s for s in range(len(slots)) if results[s] is None]
            if not active:
                break
            proposals = self.propose(
                [(items[slots[s][0]][0], slots[s][1] + generated[s]) for s in active],
                1,
                seed=derive_seed(seed, turn),
            )
            for s, (completion,) in zip(active, proposals):
                problem = items[slots[s][0]][0]
                outcome = self.advance(problem, slots[s][1] + generated[s], completion.text)
                generated[s].append(completion.text)
                tokens[s] += completion.num_tokens
                if outcome.done:
                    results[s] = Continuation(
                        tuple(generated[s]), outcome.correct, _has_answer(completion.text), tokens[s]
                    )
            turn += 1
        out: list[list[Continuation]] = [[] for _ in items]
        for s, (i, _) in enumerate(slots):
            out[i].append(results[s])  # type: ignore[arg-type]
        return out

    def close(self) -> None:
        if self._env is not None:
            self._env.close()


def _has_answer(step: str) -> bool:
    from mathgym.verifier import extract_answer

    return extract_answer(step) is not None


def _correct(problem: Problem, steps: Sequence[str]) -> bool:
    from mathgym.verifier import verify

    return bool(verify("\n".join(steps), problem).correct)
