"""Process rewards: exact step labels, process reward models, Monte-Carlo labels and ProcessBench.

* :mod:`~mathgym.process.inject` — solutions with one injected error and its exact first-error index
  (``problem, steps, first_error = inject_error(problem, seed=0)``), replayed by per-generator
  :mod:`~mathgym.process.tracers` through the error :mod:`~mathgym.process.tape`;
* :mod:`~mathgym.process.checker` — the oracle step checker (sympy on each step's claims);
* :mod:`~mathgym.process.montecarlo` — Math-Shepherd hard/soft labels and OmegaPRM's binary search from
  rollouts of any policy through step-mode env snapshots;
* :mod:`~mathgym.process.prm` — process reward models behind ``score_steps(problem, steps)``;
* :mod:`~mathgym.process.training` — training a small PRM (BCE per step) and an implicit PRM (CE on outcomes);
* :mod:`~mathgym.process.processbench` — ProcessBench's format, F1 and a synthetic ProcessBench.

Heavy dependencies (torch, transformers) load only in the modules that need them.
"""

from mathgym.process.checker import OracleChecker, StepVerdict, first_error
from mathgym.process.inject import available_kinds, error_sites, inject_error, reference_solution
from mathgym.process.prm import ProcessRewardModel, make_prm
from mathgym.process.processbench import (
    HELD_OUT_GENERATORS,
    TRAIN_GENERATORS,
    load_processbench,
    processbench_f1,
    right_answer_wrong_step_rate,
    synthetic_processbench,
)
from mathgym.process.solution import LabeledSolution
from mathgym.process.tape import ERROR_KINDS, Injection, Tape
from mathgym.process.tracers import UnsupportedProblem, clean_trace, supported_generators

__all__ = [
    "ERROR_KINDS",
    "HELD_OUT_GENERATORS",
    "TRAIN_GENERATORS",
    "Injection",
    "LabeledSolution",
    "OracleChecker",
    "ProcessRewardModel",
    "StepVerdict",
    "Tape",
    "UnsupportedProblem",
    "available_kinds",
    "clean_trace",
    "error_sites",
    "first_error",
    "inject_error",
    "load_processbench",
    "make_prm",
    "processbench_f1",
    "reference_solution",
    "right_answer_wrong_step_rate",
    "supported_generators",
    "synthetic_processbench",
]
