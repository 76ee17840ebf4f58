"""Reward parts for proof environments.

Proof envs put the prover's outcome in :attr:`~mathgym.rewards.base.StepContext.extra`
(``status``: ok/complete/error/timeout/forbidden/crashed) and, when a proof was checked, the
:class:`~mathgym.verifier.verdict.Verdict` of :meth:`ProverBackend.verify` in ``ctx.verdict``.

* :class:`ProofAccepted`: ``+value`` only when ``verify`` accepted the whole proof (never for "no goals
  left" alone);
* :class:`TacticErrorPenalty`: ``-penalty`` when the prover rejected the action (error, timeout,
  forbidden input, crash);
* the per-step cost is :class:`mathgym.rewards.StepPenalty`.
"""

from __future__ import annotations

from mathgym.provers.base import FAILED_STATUSES
from mathgym.rewards.base import Reward, RewardOutput, StepContext


class ProofAccepted(Reward):
    """``value`` when the step's verdict says the prover accepted the whole proof, else 0.

    :param value: reward for an accepted proof.
    :param name: component name.
    """

    final_only = True

    def __init__(self, value: float = 1.0, *, name: str = "proof_accepted") -> None:
        self.value = float(value)
        self.name = name

    def __call__(self, ctx: StepContext) -> RewardOutput:
        got = self.value if (ctx.verdict is not None and ctx.verdict.correct) else 0.0
        return RewardOutput(got, {self.name: got})

    def __repr__(self) -> str:
        return f"ProofAccepted(value={self.value}, name={self.name!r})"


class TacticErrorPenalty(Reward):
    """``-penalty`` when the prover rejected the step (``error``, ``timeout``, ``forbidden``, ``crashed``).

    :param penalty: cost of a failed step (a positive number; the reward is its negative).
    :param name: component name.
    """

    def __init__(self, penalty: float = 0.1, *, name: str = "tactic_error") -> None:
        if penalty < 0:
            raise ValueError(f"penalty must be >= 0, got {penalty}")
        self.penalty = float(penalty)
        self.name = name

    def __call__(self, ctx: StepContext) -> RewardOutput:
        failed = ctx.extra.get("status") in FAILED_STATUSES
        value = -self.penalty if (failed and self.penalty) else 0.0
        return RewardOutput(value, {self.name: value})

    def __repr__(self) -> str:
        return f"TacticErrorPenalty(penalty={self.penalty}, name={self.name!r})"


def default_proof_reward(
    step_cost: float = 0.01, error_penalty: float = 0.1, accepted_value: float = 1.0
) -> Reward:
    """``proof_accepted + step_penalty + tactic_error`` as a :class:`~mathgym.rewards.WeightedSum`."""
    from mathgym.rewards import StepPenalty, WeightedSum

    return WeightedSum(
        [ProofAccepted(accepted_value), StepPenalty(step_cost), TacticErrorPenalty(error_penalty)],
        name="total",
    )
