"""Proposers of reward code: ``evolve`` (offline), an LLM through any policy backend, ``recorded`` (a test double)."""
