"""Agents: baselines, LLM policies, search and trainers (installed as ``mathgym.agents``)."""
from mathgym.agents.base import AGENTS, Agent, make_agent
from mathgym.agents.baselines import RandomTextAgent, ReferenceAgent
from mathgym.agents.noisy import NoisyReferenceAgent  # noqa: F401  (registers "noisy")
from mathgym.agents.provers import BestFirstProver, ScriptedProver  # noqa: F401  (registers them)

__all__ = ["AGENTS", "Agent", "RandomTextAgent", "ReferenceAgent", "make_agent"]
