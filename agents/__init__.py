"""Agents: baselines, LLM policies, search and trainers (installed as ``mathgym.agents``)."""

from mathgym.agents.base import AGENTS, Agent, make_agent
from mathgym.agents.baselines import RandomTextAgent, ReferenceAgent
from mathgym.agents.demonstrators import CountdownSolverAgent, TargetExpressionAgent  # noqa: F401  (registers them)
from mathgym.agents.equation_agents import EquationSolverAgent, MaskedRandomAgent  # noqa: F401  (registers them)
from mathgym.agents.llm.agent import PolicyAgent  # noqa: F401  (registers "policy"; torch loads on first use)
from mathgym.agents.noisy import NoisyReferenceAgent  # noqa: F401  (registers "noisy")
from mathgym.agents.provers import BestFirstProver, ScriptedProver  # noqa: F401  (registers them)
from mathgym.agents.sb3_agent import SB3Agent  # noqa: F401  (registers "sb3"; SB3 itself loads on first use)

__all__ = ["AGENTS", "Agent", "RandomTextAgent", "ReferenceAgent", "make_agent"]
