"""The prover protocol's records and the proof reward parts (no prover needed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mathgym.problem import Problem
from mathgym.provers.base import Goal, StepResult, child_state_id, render_goals, root_state_id
from mathgym.provers.rewards import ProofAccepted, TacticErrorPenalty, default_proof_reward
from mathgym.rewards.base import StepContext
from mathgym.verifier.verdict import Verdict

PROBLEM = Problem(id="p", prompt="", answer=None)


def test_step_result_rejects_unknown_statuses() -> None:
    with pytest.raises(ValueError, match="status"):
        StepResult("done", "s", ())
    assert StepResult("timeout", "s", ()).failed and not StepResult("complete", "s", ()).failed


def test_render_goals() -> None:
    goals = (Goal(("n, m : nat",), "n + m = m + n"), Goal((), "0 = 0", case="zero"))
    text = render_goals(goals)
    assert text.startswith("2 goals") and "goal 2:\ncase zero" in text and "n, m : nat\n====" in text
    assert render_goals(()) == "No more goals."


def test_state_ids_are_content_addressed_and_process_independent() -> None:
    root = root_state_id("coq", PROBLEM, "Theorem t : True.")
    assert root == root_state_id("coq", PROBLEM, "Theorem t : True.") != root_state_id("coq", PROBLEM, "x")
    assert child_state_id(root, "lia.") != child_state_id(root, "ring.")
    code = (
        "from mathgym.problem import Problem; from mathgym.provers.base import root_state_id; "
        "print(root_state_id('coq', Problem(id='p', prompt='', answer=None), 'Theorem t : True.'))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert other == root  # no salted hash(): the same id in another process


def ctx(status: str, verdict: Verdict | None = None, final: bool = False) -> StepContext:
    return StepContext(problem=PROBLEM, action="t", final=final, verdict=verdict, extra={"status": status})


def test_proof_reward_comes_only_from_an_accepted_verdict() -> None:
    part = ProofAccepted()
    assert part(ctx("complete")).value == 0.0  # "no goals" alone earns nothing
    assert part(ctx("complete", Verdict(False, 0.0, "p", "axioms_not_allowed: x"), True)).value == 0.0
    assert part(ctx("complete", Verdict(True, 1.0, "p", "proof_accepted"), True)).value == 1.0


def test_error_penalty_and_default_sum() -> None:
    penalty = TacticErrorPenalty(0.2)
    assert [
        penalty(ctx(s)).value for s in ("ok", "complete", "error", "timeout", "forbidden", "crashed")
    ] == [0.0, 0.0, -0.2, -0.2, -0.2, -0.2]
    reward = default_proof_reward(step_cost=0.05, error_penalty=0.5)
    out = reward(ctx("error"))
    assert out.value == pytest.approx(-0.55)
    assert out.components == pytest.approx(
        {"proof_accepted": 0.0, "step_penalty": -0.05, "tactic_error": -0.5, "total": -0.55}
    )
