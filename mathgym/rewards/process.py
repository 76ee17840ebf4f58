"""Process reward parts for step-mode envs: a PRM's score, MC values, implicit process rewards, progress.

Every part scores each step (not only the final one) and reports its value under its name, so it composes
with outcome rewards (:class:`~mathgym.rewards.combinators.WeightedSum`), with the online
:class:`~mathgym.rewards.refinements.Clip`, and with Delta / Clip+Delta through
:class:`~mathgym.rewards.wrappers.RecordRefinedRewards` (Gao et al. 2024). For example, outcome plus a
clipped oracle-PRM reward::

    {"weighted_sum": [["outcome", 1.0],
                      [{"clip": {"part": {"prm": {"model": "oracle"}}, "eta": 0.9}}, 0.5]]}

* :class:`ProcessReward` (``"prm"``) — ``r_k = PRM(x, s_1..s_k)``, any backend of :mod:`mathgym.process.prm`;
* :class:`MCValueReward` (``"mc_value"``) — the Monte-Carlo success rate of the prefix (Math-Shepherd's soft label);
* :class:`ImplicitProcessReward` (``"implicit_process"``) — PRIME's ``r_k = q_{t_k} − q_{t_{k−1}}``;
* :class:`PAVProgress` (``"pav_progress"``) — PAV's advantage ``Q^μ(s, a) − V^μ(s)`` under a prover μ;
* :class:`MRTProgressBonus` (``"mrt_progress"``) — MRT's ``J_r(prefix incl. block) − J_r(prefix excl.)``.

Models are loaded once per process and spec (envs of one vector env share them).
"""

from __future__ import annotations

from typing import Any

from mathgym.problem import Problem
from mathgym.rewards.base import Reward, RewardOutput, StepContext


def _steps(ctx: StepContext) -> list[str]:
    return [*ctx.history, ctx.action]


class ProcessReward(Reward):
    """The PRM's score of this step given the steps before it.

    :param model: a PRM or a spec for :func:`mathgym.process.prm.make_prm` (``"oracle"``, a checkpoint path,
        ``"token:HUB_ID"``, ``"implicit:A,B"``, ...).
    :param name: component name.
    :param prm_kwargs: passed to ``make_prm``.
    """

    def __init__(self, model: Any = "oracle", *, name: str = "prm", **prm_kwargs: Any) -> None:
        from mathgym.process.prm import make_prm

        self.prm = make_prm(model, **prm_kwargs)
        self.name = name

    def __call__(self, ctx: StepContext) -> RewardOutput:
        value = float(self.prm.score_steps(ctx.problem, _steps(ctx))[-1])
        return RewardOutput(value, {self.name: value})

    def __repr__(self) -> str:
        return f"ProcessReward({type(self.prm).__name__}, name={self.name!r})"


class ImplicitProcessReward(Reward):
    """PRIME's implicit process reward of this step, ``β·Σ_{t in step} log π_φ/π_ref``.

    :param model: an :class:`~mathgym.process.prm.implicit.ImplicitPRM`, a checkpoint written by
        ``mathgym train-prm --objective implicit``, or ``"implicit:MODEL,REFERENCE"``.
    """

    def __init__(self, model: Any, *, name: str = "implicit_process", **prm_kwargs: Any) -> None:
        from mathgym.process.prm import ImplicitPRM, make_prm

        prm = make_prm(model, **prm_kwargs)
        if not isinstance(prm, ImplicitPRM):
            raise TypeError(f"implicit process rewards need an implicit PRM, got {type(prm).__name__}")
        self.prm = prm
        self.name = name

    def __call__(self, ctx: StepContext) -> RewardOutput:
        value = float(self.prm.step_rewards(ctx.problem, _steps(ctx))[-1])
        return RewardOutput(value, {self.name: value})


class MCValueReward(Reward):
    """The Monte-Carlo value of the solution after this step (share of completions that verify).

    :param policy: the completer policy (a Policy, a spec such as ``"hf:PATH"``, or a SnapshotRoller).
    :param n: completions per step.
    """

    def __init__(
        self, policy: Any, *, n: int = 4, seed: int = 0, name: str = "mc_value", **roller_kwargs: Any
    ) -> None:
        from mathgym.process.values import MCValue

        self.value_fn = MCValue(policy, n=n, seed=seed, **roller_kwargs)
        self.name = name

    def __call__(self, ctx: StepContext) -> RewardOutput:
        value = float(self.value_fn.value(ctx.problem, _steps(ctx)))
        return RewardOutput(value, {self.name: value})


class ProgressReward(Reward):
    """``V(prefix with this step) − V(prefix without it)`` for a value function ``V``.

    The sum over an episode telescopes to ``V(final) − V(empty)``, so progress rewards cannot be farmed by
    padding. The value before the step is remembered from the previous step (part of env snapshots).

    :param value: a :class:`~mathgym.process.values.ValueFunction` or a spec for ``make_value``.
    :param name: component name.
    """

    name = "progress"

    def __init__(self, value: Any, *, name: str | None = None, **value_kwargs: Any) -> None:
        from mathgym.process.values import make_value

        self.value_fn = make_value(value, **value_kwargs)
        if name is not None:
            self.name = name
        self._previous: tuple[int, float] | None = None
        self._problem: Problem | None = None

    def reset(self, problem: Problem) -> None:
        self._previous, self._problem = None, problem

    def __call__(self, ctx: StepContext) -> RewardOutput:
        steps = _steps(ctx)
        before_len = len(ctx.history)
        if self._previous is not None and self._previous[0] == before_len:
            before = self._previous[1]
            (after,) = self.value_fn.values(ctx.problem, [steps])
        else:
            before, after = self.value_fn.values(ctx.problem, [list(ctx.history), steps])
        self._previous = (len(steps), float(after))
        value = float(after) - float(before)
        return RewardOutput(value, {self.name: value})

    def get_state(self) -> Any:
        return None if self._previous is None else list(self._previous)

    def set_state(self, state: Any) -> None:
        self._previous = None if state is None else (int(state[0]), float(state[1]))


def _value(source: Any, kind: str, n: int, kwargs: dict[str, Any]) -> Any:
    """A value function from a policy (object or spec) or a value spec, ``kind`` saying what a policy means."""
    from mathgym.process.values import MCValue, MetaProverValue, ValueFunction, make_value

    if isinstance(source, ValueFunction):
        return source
    if isinstance(source, str):
        if source.split(":")[0] == "prm":
            return make_value(source, **kwargs)
        policy = source.removeprefix(f"{kind}:")
    else:
        policy = source
    return (MCValue if kind == "mc" else MetaProverValue)(policy, n=n, **kwargs)


class PAVProgress(ProgressReward):
    """PAV's process advantage under a prover policy μ: ``Q^μ(s, a) − V^μ(s)`` by Monte Carlo.

    :param prover: the prover policy (a Best-of-K version of the base policy is a good one, Setlur et al.) as a
        Policy or a spec (``"hf:PATH"``), or a value spec (``"prm:oracle"``, a cheap learned stand-in).
    :param n: completions per estimate.
    """

    name = "pav_progress"

    def __init__(self, prover: Any, *, n: int = 4, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(_value(prover, "mc", n, kwargs), name=name)


class MRTProgressBonus(ProgressReward):
    """MRT's progress bonus: the change in the meta-prover's success rate when it answers right away.

    :param policy: the meta-prover policy (Policy or spec), or a value spec (``"prm:..."``).
    :param n: answers sampled per estimate.
    """

    name = "mrt_progress"

    def __init__(self, policy: Any, *, n: int = 4, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(_value(policy, "meta", n, kwargs), name=name)


def process_reward_spec(
    prm: str = "oracle", *, alpha: float = 0.5, eta: float | None = 0.9, outcome: float = 1.0
) -> dict[str, Any]:
    """The reward spec ``outcome·r_succ + α·Clip_η(PRM)`` (``eta=None``: the raw PRM score).

    Pass it as an env's ``reward`` (``gym.make(..., mode="step", reward=spec)``), e.g. in GRPO's ``env_kwargs``.
    """
    part: dict[str, Any] = {"prm": {"model": prm}}
    if eta is not None:
        part = {"clip": {"part": part, "eta": eta}}
    return {"weighted_sum": [["outcome", outcome], [part, alpha]]}
