"""A generative critic (ProcessBench's critique prompt) through any mathgym policy backend.

The critic is shown the problem and the solution's steps as numbered paragraphs and asked for the index of
the earliest wrong paragraph in ``\\boxed{}`` (-1 when none); the last boxed integer is its prediction, an
unparsable answer is no prediction. With ``votes > 1`` it samples several critiques; a step's score is the
share of parsable votes that put the first error after it, so the scores also work as a PRM's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from mathgym.process.prm.base import ProcessRewardModel, ScoreItem, problem_text

#: ProcessBench's critique prompt (code/templates/critique_template.txt), paraphrased from the repository
CRITIQUE_TEMPLATE = (
    "The following is a math problem and a solution (split into paragraphs, enclosed with tags and indexed "
    "from 0):\n\n[Math Problem]\n\n{problem}\n\n[Solution]\n\n{tagged_response}\n\n"
    "Your task is to review and critique the solution paragraph by paragraph. Once you identify an error in a "
    "paragraph, return the index of the paragraph where the earliest error occurs. Otherwise, return the index "
    'of -1 (which typically denotes "not found").\n\nPlease put your final answer (i.e., the index) in \\boxed{{}}.'
)
_BOXED_INT = re.compile(r"\\boxed\{\s*(-?\d+)\s*\}")


def critique_prompt(problem: str, steps: Sequence[str]) -> str:
    tagged = "\n\n".join(f"<paragraph_{i}>\n{step}\n</paragraph_{i}>" for i, step in enumerate(steps))
    return CRITIQUE_TEMPLATE.format(problem=problem, tagged_response=tagged)


def parse_critique(text: str) -> int | None:
    """The last boxed integer of a critique, or None."""
    found = _BOXED_INT.findall(text)
    return int(found[-1]) if found else None


class GenerativeCritic(ProcessRewardModel):
    """ProcessBench-style critic.

    :param policy: a :class:`~mathgym.agents.llm.policy.Policy` (or a spec string, ``hf:PATH`` ...).
    :param votes: critiques sampled per solution (ProcessBench's optional majority voting uses 8).
    :param sampling: sampling settings (default: greedy for one vote, temperature 0.7 for several).
    :param system: a system message for chat models.
    """

    name = "critic"

    def __init__(
        self,
        policy: Any,
        *,
        votes: int = 1,
        sampling: Any = None,
        system: str | None = None,
        max_tokens: int = 512,
    ) -> None:
        from mathgym.agents.llm.types import Sampling

        if isinstance(policy, str):
            from mathgym.agents.llm.spec import make_policy

            policy = make_policy(policy)
        self.policy = policy
        self.votes = votes
        self.sampling = sampling or Sampling(
            temperature=0.0 if votes == 1 else 0.7, max_tokens=max_tokens, seed=0
        )
        self.system = system

    def predictions(self, items: Sequence[ScoreItem]) -> list[list[int | None]]:
        """Each solution's ``votes`` predicted first-error indices (None: unparsable)."""
        chats = []
        for problem, steps in items:
            chat = [] if self.system is None else [{"role": "system", "content": self.system}]
            chats.append(chat + [{"role": "user", "content": critique_prompt(problem_text(problem), steps)}])
        rows = self.policy.generate(chats, n=self.votes, sampling=self.sampling)
        return [[parse_critique(c.text) for c in row] for row in rows]

    def predict(self, items: Sequence[ScoreItem]) -> list[int | None]:
        """The majority prediction of each solution (ties: the earliest index; None when no vote parses)."""
        out = []
        for votes in self.predictions(items):
            valid = [v for v in votes if v is not None]
            out.append(max(sorted(set(valid)), key=valid.count) if valid else None)
        return out

    def score_batch(self, items: Sequence[ScoreItem]) -> list[list[float]]:
        out = []
        for (_, steps), votes in zip(items, self.predictions(items)):
            valid = [v for v in votes if v is not None]
            if not valid:
                out.append([0.5] * len(steps))
                continue
            out.append([sum(1 for v in valid if v < 0 or v > i) / len(valid) for i in range(len(steps))])
        return out
