"""Agents: baselines, LLM policies, search and trainers (installed as ``mathgym.agents``)."""
from mathgym.agents.base import AGENTS, Agent, make_agent
from mathgym.agents.baselines import RandomTextAgent, ReferenceAgent

__all__ = ["AGENTS", "Agent", "RandomTextAgent", "ReferenceAgent", "make_agent"]
