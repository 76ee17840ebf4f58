"""Lean 4 theorem proving on miniF2F as a text environment (needs a Lean toolchain and the REPL)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from mathgym.provers.base import ProverBackend
from mathgym.sources.base import Source

from .prover_env import ProverEnv


class LeanEnv(ProverEnv):
    """
    ## Description

    Prove a miniF2F competition theorem (AMC, AIME, IMO, MATH-derived) in Lean 4 with Mathlib, through the
    Lean REPL (:class:`~mathgym.provers.lean_repl.LeanREPLBackend`) or LeanDojo
    (:class:`~mathgym.provers.leandojo.LeanDojoBackend`). Each action is one or more Lean tactics; in
    ``whole_proof`` mode the one action is the tactic block after ``:= by`` (DeepSeek-Prover style).
    A proof is accepted only when the whole theorem re-elaborates without errors or ``sorry`` and
    ``#print axioms`` lists nothing beyond ``propext``, ``Classical.choice`` and ``Quot.sound``.

    Lean cannot be installed on every machine: without ``lake`` (and a built REPL plus a Mathlib
    project, see ``repl_path``/``project_dir``) construction raises
    :class:`~mathgym.provers.base.ProverUnavailableError` with the setup steps.

    ## Action Space

    ``UnicodeText(max_action_length)``. Tactics mentioning ``sorry``, ``admit``, ``native_decide``,
    ``run_tac``, ``#eval``, ``axiom`` and similar are refused (status ``forbidden``).

    ## Observation Space

    ``UnicodeText(max_observation_length)``: instruction, the theorem (with its informal statement when
    known), then the goals (``case`` tag, hypotheses, target) and the error after a failed step.

    ## Rewards

    ``+1`` for an accepted proof, ``-step_cost`` per step, ``-error_penalty`` for a failed step; see
    :class:`ProverEnv`.

    ## Starting State

    A miniF2F problem of ``split`` drawn with ``np_random`` (or ``options={"problem_id": ...}``).

    ## Episode End

    Terminated when no goals remain (then verified) or after the whole-proof action; truncated after
    ``max_steps``.

    ## Arguments

    * ``split``: ``"test"`` (default), ``"valid"`` or ``"all"``; ``data_dir``/``port``/``hub_id`` select the
      statements (see :class:`~mathgym.sources.minif2f.MiniF2FSource`), or pass ``source=``.
    * ``backend``: ``"repl"`` (default), ``"leandojo"``, or a ready backend object.
    * ``repl_command``: the REPL command line (default ``lake env <repl_path>/.lake/build/bin/repl``);
      ``repl_path`` / ``project_dir`` default to ``$MATHGYM_LEAN_REPL`` / ``$MATHGYM_LEAN_PROJECT``.
    * ``tactic_timeout``: client-side seconds per tactic (default 60).
    * everything else goes to :class:`ProverEnv`.
    """

    prover_label = "Lean 4"

    def __init__(
        self,
        split: str = "test",
        data_dir: str | os.PathLike[str] | None = None,
        *,
        port: str = "deepseek",
        hub_id: str | None = None,
        source: Source | None = None,
        backend: str | ProverBackend = "repl",
        repl_command: Sequence[str] | None = None,
        repl_path: str | None = None,
        project_dir: str | None = None,
        tactic_timeout: float = 60.0,
        **kwargs: Any,
    ) -> None:
        if source is None:
            from mathgym.sources.minif2f import MiniF2FSource  # noqa: PLC0415

            source = MiniF2FSource(split, data_dir, port=port, hub_id=hub_id)
        if backend == "repl":
            from mathgym.provers.lean_repl import LeanREPLBackend  # noqa: PLC0415

            backend = LeanREPLBackend(
                repl_command, repl_path=repl_path, project_dir=project_dir, tactic_timeout=tactic_timeout
            )
            owned = True
        elif backend == "leandojo":
            from mathgym.provers.leandojo import LeanDojoBackend  # noqa: PLC0415

            backend = LeanDojoBackend(timeout=int(tactic_timeout))
            owned = True
        elif isinstance(backend, str):
            raise ValueError(f"backend must be 'repl', 'leandojo' or a ProverBackend, got {backend!r}")
        else:
            owned = False
        super().__init__(source, backend, tactic_timeout=tactic_timeout, owns_backend=owned, **kwargs)
