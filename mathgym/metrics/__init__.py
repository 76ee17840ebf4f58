"""Metrics: robustness over dynamic variants (and, from other areas, RL statistics)."""
