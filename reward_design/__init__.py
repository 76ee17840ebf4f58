"""LLM-written reward design loops and reward-model metrics (installed as ``mathgym.reward_design``)."""
