"""Coq theorem proving (mathgym's own problem sets) as a text environment."""

from __future__ import annotations

from typing import Any

from mathgym.envs.provers.env import ProverEnv
from mathgym.provers.base import ProverBackend
from mathgym.provers.containment import ProcessLimits
from mathgym.provers.problems import CoqProblemSet, CoqSource
from mathgym.sources.base import Source


class CoqEnv(ProverEnv):
    """
    ## Description

    Prove a theorem from one of mathgym's Coq problem sets (``basic``: arithmetic, algebra, number theory,
    inequalities, induction and lists over ``nat``/``Z``; ``reals``: real-number inequalities and field
    identities) with Coq 8.16 running in a contained, long-lived ``coqidetop`` process
    (:class:`~mathgym.provers.coq.CoqBackend`). Each action is one or more tactics (``intros n. lia.``,
    ``- simpl; ring.``); in ``whole_proof`` mode the one action is the complete script. When no goals
    remain the backend re-checks the whole proof, sends ``Qed.`` itself (under Coq's ``Timeout``) and
    accepts only the axioms the problem allows (:mod:`mathgym.provers.coq_axioms`).

    ## Action Space

    ``UnicodeText(max_action_length)``. Sentences end with ``.``; a missing final period is added.
    Only tactics reach Coq: vernacular commands (``Admitted``, ``Abort``, ``Axiom``, ``Load``,
    ``Redirect``, ``Require``, ``Set``, ``Qed`` ...) and ``admit``/``give_up`` are refused with status
    ``forbidden``.

    ## Observation Space

    ``UnicodeText(max_observation_length)``: instruction, the theorem (with its definitions), then the
    goals as Coq prints them (every goal with its hypotheses), and the error after a failed step.

    ## Rewards

    ``+1`` for a proof Coq accepts (``Qed`` and allowed axioms only), ``-step_cost`` per step (0.01),
    ``-error_penalty`` (0.1) for a failed, timed-out or refused step; see :class:`ProverEnv`.

    ## Starting State

    A problem of the set drawn with ``np_random`` (or ``options={"problem_id": ...}`` / ``{"index": i}``),
    at the root of its proof.

    ## Episode End

    Terminated when no goals remain (``info["verdict"]`` holds the check) or after the whole-proof action;
    truncated after ``max_steps`` steps.

    ## Arguments

    :param problem_set: ``"basic"`` (default), ``"reals"``, a :class:`~mathgym.provers.problems.CoqProblemSet`
        or any :class:`~mathgym.sources.base.Source` of Coq problems.
    :param mode: ``"tactic"`` or ``"whole_proof"``.
    :param tactic_timeout: seconds per tactic (Coq ``Timeout``), default 5.
    :param isolation: prover containment, ``"auto"`` (strongest available), ``"bwrap"``,
        ``"unshare-net"`` or ``"rlimits"``.
    :param memory_mb: address-space limit of the Coq process (default 4096).
    :param backend: a ready :class:`~mathgym.provers.base.ProverBackend` to share between envs (not closed
        by the env).
    :param kwargs: go to :class:`~mathgym.envs.provers.env.ProverEnv` (``reward``, ``step_cost``,
        ``error_penalty``, ``max_steps``, ``instruction``, ``render_mode``, ...).

    ## Example

    >>> import gymnasium as gym
    >>> env = gym.make("mathgym/Coq-Basic-v0")  # needs coqtop
    >>> obs, info = env.reset(options={"problem_id": "coq/basic/list_app_length"})
    >>> obs, reward, terminated, truncated, info = env.step("intros A l1 l2.")
    >>> info["status"], info["num_goals"], reward
    ('ok', 1, -0.01)
    >>> obs, reward, terminated, truncated, info = env.step("induction l1 as [| x l1 IH]; simpl; lia.")
    >>> info["status"], terminated, round(reward, 2)
    ('complete', True, 0.99)
    >>> env.close()

    ## Version History

    * v0: the initial version (mathgym 0.1.0).
    """

    prover_label = "Coq"

    def __init__(
        self,
        problem_set: str | CoqProblemSet | Source = "basic",
        *,
        mode: str = "tactic",
        tactic_timeout: float = 5.0,
        isolation: str = "auto",
        memory_mb: int = 4096,
        backend: ProverBackend | None = None,
        **kwargs: Any,
    ) -> None:
        source = problem_set if isinstance(problem_set, Source) else CoqSource(problem_set)

        def make_backend() -> ProverBackend:
            from mathgym.provers.coq import CoqBackend

            return CoqBackend(
                tactic_timeout=tactic_timeout, isolation=isolation, limits=ProcessLimits(memory_mb=memory_mb)
            )

        super().__init__(
            source,
            backend if backend is not None else make_backend,
            mode=mode,
            tactic_timeout=tactic_timeout,
            **kwargs,
        )
