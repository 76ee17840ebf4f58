"""Adapters that let TRL, verl and OpenRLHF train on mathgym envs with the envs' own rewards."""

from mathgym.agents.adapters.scoring import EnvScorer, Score, dataset_rows, problem_from_label

__all__ = ["EnvScorer", "Score", "dataset_rows", "problem_from_label"]
