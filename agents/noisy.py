"""A noisy reference agent: the gold solution, wrong with a set probability (higher on perturbed variants).

It gives robustness sweeps something to separate without an LLM: its accuracy drops on perturbed
variants, some families are systematically harder for it (so worst-case accuracy falls below the
average), and it sometimes abstains ("I do not know"), which DIA-Bench's reliability score rewards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mathgym.agents.baselines import ReferenceAgent, reference_steps
from mathgym.problem import Problem
from mathgym.seeding import stable_hash

SKIP_TEXT = "I do not know the answer to this problem."


def wrong_final_answer(problem: Problem, rng: Any) -> str:
    """An answer that differs from the gold: a nearby number, the other yes/no, another step number."""
    gold = (problem.answer or "").strip()
    if gold in ("yes", "no"):
        return "no" if gold == "yes" else "yes"
    from mathgym.variants.base import NotApplicable
    from mathgym.variants.perturb import wrong_answer

    try:
        return wrong_answer(gold, rng)
    except NotApplicable:
        return f"{gold} + 1" if gold else "0"


class NoisyReferenceAgent(ReferenceAgent):
    """Answers like :class:`~mathgym.agents.baselines.ReferenceAgent`, but errs on purpose.

    The chance of a wrong final answer for a problem is ``error_rate``, plus ``perturbed_error_rate`` extra
    when the problem is perturbed (``meta["perturbations"]`` is not empty: a resampled variant, a NoOp
    clause, renamed people...), plus ``kind_error_rates[kind]`` for each kind of perturbation applied,
    plus up to ``family_spread`` for families that are "hard" for this agent (a fixed, hash-based share per
    base family). With ``skip_rate`` it abstains instead.

    :param error_rate: error probability on original questions (variant 0).
    :param perturbed_error_rate: extra error probability on perturbed variants.
    :param family_spread: the largest extra error probability of a family.
    :param skip_rate: probability of answering "I do not know" (no final answer).
    :param kind_error_rates: extra error probability per perturbation kind (default :attr:`KIND_ERROR_RATES`).
    """

    name = "noisy"

    #: extra error probability per kind of perturbation (added on top of ``perturbed_error_rate``)
    KIND_ERROR_RATES: dict[str, float] = {
        "resample": 0.07,
        "noop": 0.25,
        "relevant_clause": 0.2,
        "scenario": 0.15,
        "reorder": 0.08,
        "reword": 0.1,
        "rename": 0.03,
        "units": 0.06,
        "answerable": 0.2,
        "outcome": 0.15,
        "process": 0.3,
    }

    def __init__(
        self,
        env: Any = None,
        seed: int | None = None,
        error_rate: float = 0.03,
        perturbed_error_rate: float = 0.05,
        family_spread: float = 0.25,
        skip_rate: float = 0.03,
        kind_error_rates: Mapping[str, float] | None = None,
    ) -> None:
        super().__init__(env, seed)
        for label, value in (
            ("error_rate", error_rate),
            ("perturbed_error_rate", perturbed_error_rate),
            ("family_spread", family_spread),
            ("skip_rate", skip_rate),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{label} must be in [0, 1], got {value}")
        self.error_rate = error_rate
        self.perturbed_error_rate = perturbed_error_rate
        self.family_spread = family_spread
        self.skip_rate = skip_rate
        self.kind_error_rates = dict(self.KIND_ERROR_RATES if kind_error_rates is None else kind_error_rates)
        self._plan: tuple[str, str] | None = None  # (problem id, "right" | "wrong" | "skip")

    def reset(self, *, seed: int | None = None) -> None:
        super().reset(seed=seed)
        self._plan = None

    def error_probability(self, problem: Problem) -> float:
        """The chance of a wrong answer for this problem."""
        p = self.error_rate
        kinds = [str(q.get("kind")) for q in problem.meta.get("perturbations", ())]
        if kinds:
            p += self.perturbed_error_rate
        p += sum(self.kind_error_rates.get(kind, 0.0) for kind in kinds)
        base_family = problem.meta.get("base_family") or problem.family or problem.id
        p += self.family_spread * (stable_hash(f"noisy-agent:{base_family}") % 1000) / 1000
        return min(p, 1.0)

    def _decide(self, problem: Problem) -> str:
        if self._plan is None or self._plan[0] != problem.id:
            u = self.rng.random()
            if u < self.skip_rate:
                choice = "skip"
            elif u < self.skip_rate + (1 - self.skip_rate) * self.error_probability(problem):
                choice = "wrong"
            else:
                choice = "right"
            self._plan = (problem.id, choice)
        return self._plan[1]

    def act(self, observation: Any, info: Mapping[str, Any]) -> str:
        problem = self._problem(info)
        choice = self._decide(problem)
        if choice == "right":
            return super().act(observation, info)
        if choice == "skip":
            return SKIP_TEXT
        steps = reference_steps(problem)
        wrong = f"The answer is \\boxed{{{wrong_final_answer(problem, self.rng)}}}."
        if getattr(self.env.unwrapped, "mode", "single") == "single":
            return "\n".join([*steps[:-1], wrong])
        step_index = int(info.get("step_index", -1)) + 1
        return steps[step_index] if step_index < len(steps) - 1 else wrong
