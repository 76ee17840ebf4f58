"""Dynamic variant families: one seed question, many deterministic variants (issue 4).

* :class:`~mathgym.variants.base.VariantFamily`: ``id``, seed problem, ``variant(k)`` (0 = the original);
* :mod:`~mathgym.variants.gsm_symbolic`: GSM-Symbolic templates (``load_templates("p2")``), parsed by
  :mod:`~mathgym.variants.template` with the safe evaluator of :mod:`~mathgym.variants.expr`;
* :mod:`~mathgym.variants.program`: program families (``program_families()``, 8 topics, difficulty knob);
* :mod:`~mathgym.variants.perturb`: perturbation operators and :class:`PerturbedFamily`.

Sources and envs: :class:`mathgym.sources.variants.VariantSource`, ids ``mathgym/GSMSymbolic-P2-v0`` and
``mathgym/Dynamic-<Topic>-v0``. Sweeps, store, metrics and reports: :mod:`mathgym.sweep`,
:mod:`mathgym.store`, :mod:`mathgym.metrics.robustness`, :mod:`mathgym.report`.
"""

from __future__ import annotations

from typing import Any

from mathgym.variants.base import NotApplicable, VariantFamily

_LAZY = {
    "TemplateFamily": "mathgym.variants.gsm_symbolic",
    "load_templates": "mathgym.variants.gsm_symbolic",
    "GSMTemplate": "mathgym.variants.template",
    "TemplateError": "mathgym.variants.template",
    "ProgramFamily": "mathgym.variants.program",
    "program_family": "mathgym.variants.program",
    "program_families": "mathgym.variants.program",
    "perturb": "mathgym.variants.perturb",
    "PerturbedFamily": "mathgym.variants.perturb",
    "PERTURBATIONS": "mathgym.variants.perturb",
}

__all__ = ["NotApplicable", "VariantFamily", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mathgym.variants' has no attribute {name!r}")
