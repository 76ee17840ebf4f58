"""A scripted step policy: a test and benchmark double that writes steps from given solutions.

It is not a model. For each problem it holds a few complete solutions (the reference, solutions with
injected errors); asked to continue a transcript, it picks at random one of the solutions that agree with
the steps written so far and returns that solution's next step. It lets searches, Monte-Carlo labels and
padding tests run on real envs and real snapshots with a policy whose behaviour is known exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from mathgym.agents.llm.policy import Policy
from mathgym.agents.llm.types import Completion, Sampling
from mathgym.seeding import derive_rng


def _fake_ids(text: str) -> tuple[int, ...]:
    """One pseudo-token per word (so generated-token counts are meaningful) plus the stop."""
    return tuple(range(len(text.split()) + 1))


class ScriptedStepPolicy(Policy):
    """Continues transcripts with the next step of a matching scripted solution.

    :param solutions: for each problem statement, the complete solutions (lists of steps) it may follow.
    :param fallback: the step written when no scripted solution matches the transcript.
    """

    backend = "scripted"

    def __init__(
        self,
        solutions: Mapping[str, Sequence[Sequence[str]]],
        fallback: str = "I am not sure. The answer is \\boxed{0}.",
    ) -> None:
        self.solutions = {prompt: [list(s) for s in options] for prompt, options in solutions.items()}
        self.fallback = fallback
        self.calls = 0

    def _locate(self, text: str) -> tuple[str, str]:
        best = max((p for p in self.solutions if p in text), key=len, default=None)
        if best is None:
            raise KeyError("the scripted policy has no solutions for this prompt")
        return best, text[text.rfind(best) + len(best) :].lstrip("\n")

    def _next(self, prompt: str, transcript: str, rng: Any) -> str:
        lines = transcript.split("\n")
        done, partial = lines[:-1], lines[-1]  # a transcript ending in "\n" has an empty partial line
        matching = [s for s in self.solutions[prompt] if s[: len(done)] == done and len(s) > len(done)]
        if not matching:
            return self.fallback if not partial else "0"
        choice = matching[int(rng.integers(len(matching)))]
        step = choice[len(done)]
        if (
            partial
        ):  # a forced continuation (``The answer is \boxed{``): finish with the chosen solution's answer
            from mathgym.verifier import extract_answer

            return extract_answer(choice[-1]) or "0"
        return step

    def _generate(self, prompts: list[str], n: int, sampling: Sampling) -> list[list[Completion]]:
        self.calls += 1
        out = []
        for text in prompts:
            prompt, transcript = self._locate(text)
            rng = derive_rng("mathgym.scripted", sampling.seed or 0, self.calls, prompt, transcript)
            row = []
            for _ in range(n):
                step = self._next(prompt, transcript, rng)
                cut = re.split("|".join(map(re.escape, sampling.stop)), step)[0] if sampling.stop else step
                row.append(Completion(text=cut, token_ids=_fake_ids(cut), finish_reason="stop"))
            out.append(row)
        return out
