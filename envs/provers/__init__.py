"""Theorem-proving environments: a prover backend behind a step-level Gymnasium env.

:class:`~mathgym.envs.provers.env.ProverEnv` is the shared env; :mod:`~mathgym.envs.provers.coq` and
:mod:`~mathgym.envs.provers.lean` bind it to Coq problem sets and Lean's miniF2F (``mathgym/Coq-*``,
``mathgym/Lean-MiniF2F-v0``).
"""
