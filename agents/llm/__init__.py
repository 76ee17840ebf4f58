"""LLM policies: one generation interface, three backends, a batched rollout driver and an agent.

Backends load lazily: importing this package imports neither torch, transformers nor vllm.
"""

from mathgym.agents.llm.agent import PolicyAgent
from mathgym.agents.llm.chat import ObservationFormat, render_chat
from mathgym.agents.llm.policy import Policy, PolicyError
from mathgym.agents.llm.rollout import SINGLE, STEP, TOOL, EpisodeStyle, RolloutDriver, Trajectory, Turn
from mathgym.agents.llm.spec import make_policy, parse_policy_spec
from mathgym.agents.llm.types import GREEDY, Completion, Sampling

__all__ = [
    "GREEDY",
    "SINGLE",
    "STEP",
    "TOOL",
    "Completion",
    "EpisodeStyle",
    "ObservationFormat",
    "Policy",
    "PolicyAgent",
    "PolicyError",
    "RolloutDriver",
    "Sampling",
    "Trajectory",
    "Turn",
    "make_policy",
    "parse_policy_spec",
    "render_chat",
]
