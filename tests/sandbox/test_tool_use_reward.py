"""Tool-use reward parts: a capped bonus per successful call, a penalty per failed call."""

from __future__ import annotations

from mathgym.problem import Problem
from mathgym.rewards import make_reward
from mathgym.rewards.base import StepContext
from mathgym.rewards.tool_use import ToolErrorPenalty, ToolSuccessReward, default_tool_reward

PROBLEM = Problem(id="p", prompt="1+1", answer="2")


def ctx(tool, final=False) -> StepContext:
    return StepContext(problem=PROBLEM, action="...", final=final, extra={"tool": tool})


def test_success_bonus_is_capped_per_episode() -> None:
    part = ToolSuccessReward(0.05, max_rewarded=2)
    part.reset(PROBLEM)
    values = [part(ctx({"ok": True})).value for _ in range(3)]
    assert values == [0.05, 0.05, 0.0]
    assert part(ctx({"ok": False})).value == 0.0 and part(ctx(None)).value == 0.0
    state = part.get_state()
    part.reset(PROBLEM)
    assert part(ctx({"ok": True})).value == 0.05
    part.set_state(state)
    assert part(ctx({"ok": True})).value == 0.0


def test_error_penalty() -> None:
    part = ToolErrorPenalty(0.1, timeout_penalty=0.3)
    assert part(ctx({"ok": False, "timed_out": False})).value == -0.1
    assert part(ctx({"ok": False, "timed_out": True})).value == -0.3
    assert part(ctx({"ok": True})).value == 0.0 and part(ctx(None)).value == 0.0


def test_parts_compose_and_are_registered() -> None:
    reward = make_reward(
        {"weighted_sum": [["outcome", 1.0], [{"tool_success": {"value": 0.5}}, 1.0], ["tool_error", 2.0]]}
    )
    out = reward(ctx({"ok": False, "timed_out": False}))
    assert out.value == -0.2 and out.components["tool_error"] == -0.1
    total = default_tool_reward()(ctx({"ok": True}))
    assert total.components["tool_success"] == 0.05 and total.value == 0.05
