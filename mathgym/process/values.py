"""Value functions of partial solutions, for progress rewards (PAV, Setlur et al. 2024; MRT, Qu et al. 2025).

``values(problem, prefixes) -> list[float]`` estimates, for each list of steps, how likely the solution is to
end right from there:

* :class:`MCValue` — PAV's ``Q^μ``: the success rate of completions by a *prover* policy μ (Monte Carlo);
* :class:`MetaProverValue` — MRT's ``J_r(μ(·|x, z_{0:j}))``: the success rate when the meta-prover stops
  thinking after the prefix and commits to an answer at once;
* :class:`PRMValue` — a PRM's score of the prefix's last step, as a learned stand-in for either.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from mathgym.problem import Problem
from mathgym.process.rollouts import SnapshotRoller


class ValueFunction(ABC):
    """Success-probability estimates of partial solutions."""

    @abstractmethod
    def values(self, problem: Problem, prefixes: Sequence[Sequence[str]]) -> list[float]:
        """One estimate per prefix (a prefix may be empty: the problem before any step)."""

    def value(self, problem: Problem, steps: Sequence[str]) -> float:
        return self.values(problem, [list(steps)])[0]


def _roller(policy: Any, **kwargs: Any) -> SnapshotRoller:
    if isinstance(policy, SnapshotRoller):
        return policy
    if isinstance(policy, str):
        from mathgym.agents.llm.spec import make_policy

        policy = make_policy(policy)
    return SnapshotRoller(policy, **kwargs)


class MCValue(ValueFunction):
    """The share of ``n`` completions by the prover policy that verify.

    :param policy: a policy, a policy spec (``hf:PATH``) or a :class:`SnapshotRoller`.
    :param n: completions per prefix.
    """

    def __init__(self, policy: Any, *, n: int = 4, seed: int = 0, **roller_kwargs: Any) -> None:
        self.roller = _roller(policy, **roller_kwargs)
        self.n, self.seed = n, seed

    def values(self, problem: Problem, prefixes: Sequence[Sequence[str]]) -> list[float]:
        rows = self.roller.complete([(problem, list(p)) for p in prefixes], self.n, seed=self.seed)
        return [sum(c.correct for c in row) / self.n for row in rows]


class MetaProverValue(ValueFunction):
    """MRT's meta-prover: after the prefix, the policy is made to write its final answer right away.

    :param policy: a policy, a policy spec or a :class:`SnapshotRoller`.
    :param n: answers sampled per prefix.
    :param answer_prefix: the text that makes the policy commit to an answer.
    :param answer_tokens: most tokens of the answer.
    """

    def __init__(
        self,
        policy: Any,
        *,
        n: int = 4,
        answer_prefix: str = "The answer is \\boxed{",
        answer_tokens: int = 16,
        seed: int = 0,
        **roller_kwargs: Any,
    ) -> None:
        self.roller = _roller(policy, **roller_kwargs)
        self.n, self.seed = n, seed
        self.answer_prefix, self.answer_tokens = answer_prefix, answer_tokens

    def values(self, problem: Problem, prefixes: Sequence[Sequence[str]]) -> list[float]:
        from mathgym.verifier import extract_answer, verify

        out: list[float | None] = [None] * len(prefixes)
        for i, prefix in enumerate(prefixes):  # a prefix that already answered is judged as it stands
            if prefix and extract_answer(prefix[-1]) is not None:
                out[i] = float(verify("\n".join(prefix), problem).correct)
        pending = [i for i, v in enumerate(out) if v is None]
        if pending:
            roller = self.roller
            first = roller.first_observation(problem)
            inputs = [
                roller.fmt.build(first, "".join(s + "\n" for s in prefixes[i]) + self.answer_prefix)
                for i in pending
            ]
            sampling = roller.sampling.replace(max_tokens=self.answer_tokens, seed=self.seed)
            rows = roller.policy.generate(inputs, n=self.n, sampling=sampling, stop=("}", "\n"))
            roller.tokens += sum(c.num_tokens for row in rows for c in row)
            for i, row in zip(pending, rows):
                out[i] = (
                    sum(bool(verify(f"{self.answer_prefix}{c.text}}}", problem).correct) for c in row)
                    / self.n
                )
        return [float(v) for v in out]  # type: ignore[arg-type]


class PRMValue(ValueFunction):
    """A PRM's score of the last step of each prefix (``initial`` for the empty prefix).

    :param prm: a :class:`~mathgym.process.prm.base.ProcessRewardModel` or a spec for ``make_prm``.
    :param initial: the value before any step (1.0: nothing has gone wrong yet).
    """

    def __init__(self, prm: Any = "oracle", *, initial: float = 1.0) -> None:
        from mathgym.process.prm import make_prm

        self.prm = make_prm(prm)
        self.initial = float(initial)

    def values(self, problem: Problem, prefixes: Sequence[Sequence[str]]) -> list[float]:
        nonempty = [(i, list(p)) for i, p in enumerate(prefixes) if p]
        scores = self.prm.score_batch([(problem, p) for _, p in nonempty]) if nonempty else []
        out = [self.initial] * len(prefixes)
        for (i, _), row in zip(nonempty, scores):
            out[i] = float(row[-1])
        return out


def make_value(spec: str | ValueFunction, **kwargs: Any) -> ValueFunction:
    """``mc:POLICY`` | ``meta:POLICY`` | ``prm:PRM_SPEC`` (``prm:oracle``), or a ValueFunction as it is."""
    if isinstance(spec, ValueFunction):
        return spec
    kind, sep, where = spec.partition(":")
    if sep and kind == "mc":
        return MCValue(where, **kwargs)
    if sep and kind == "meta":
        return MetaProverValue(where, **kwargs)
    if sep and kind == "prm":
        return PRMValue(where, **kwargs)
    raise ValueError(f"unknown value function {spec!r}; expected mc:POLICY, meta:POLICY or prm:PRM_SPEC")
