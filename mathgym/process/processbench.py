"""ProcessBench (Zheng et al. 2024): its format, its F1, and a synthetic ProcessBench with exact labels.

* :func:`load_processbench` reads ProcessBench's records (``id``, ``generator``, ``problem``, ``steps``,
  ``final_answer_correct``, ``label``) from a JSONL file, a folder of ``<split>.jsonl`` files, or a hub id
  (``Qwen/ProcessBench``, through ``datasets``).
* :func:`processbench_f1`: ``acc_error`` (exact first-error index on flawed solutions), ``acc_correct``
  (``-1`` predicted on correct ones), and their harmonic mean.
* :func:`synthetic_processbench` builds the same kind of set from mathgym's generators: the reference
  solution (label -1) or one with an injected error (exact label), compensated errors included;
  deterministic per (generator, seed, index).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mathgym.problem import Problem
from mathgym.process.inject import inject_error, reference_solution
from mathgym.process.prm.base import ProcessRewardModel, predict_first_error
from mathgym.process.solution import LabeledSolution
from mathgym.seeding import derive_rng, stable_hash

#: ProcessBench's splits on the hub
SPLITS = ("gsm8k", "math", "olympiadbench", "omnimath")
#: generator families PRMs train on, and the held-out families they are evaluated on (each held-out family
#: shares its notation with a training one: unit rates with stories and percentages, 2x2 systems with
#: linear equations, number theory with arithmetic, probability with counting, integrals with derivatives)
TRAIN_GENERATORS = (
    "Arithmetic",
    "Fractions",
    "LinearEquation",
    "Quadratic",
    "Polynomial",
    "Derivative",
    "Combinatorics",
    "Percentages",
    "MultiStepWord",
    "Sequences",
)
HELD_OUT_GENERATORS = ("UnitRate", "LinearSystem2x2", "NumberTheory", "Probability", "DefiniteIntegral")


# -------------------------------------------------------------------------------------------- loading
def from_record(record: dict[str, Any], split: str | None = None) -> LabeledSolution:
    """One ProcessBench record as a :class:`LabeledSolution` (the problem has no gold answer)."""
    missing = [k for k in ("problem", "steps", "label") if k not in record]
    if missing:
        raise ValueError(f"not a ProcessBench record (missing {', '.join(missing)}): {str(record)[:200]}")
    pid = str(record.get("id") or f"processbench/{split or 'item'}/{stable_hash(str(record['problem'])):x}")
    meta = {"source": "processbench", "split": split, "generator": record.get("generator")}
    problem = Problem(id=pid, prompt=str(record["problem"]), answer=record.get("answer"), meta=meta)
    return LabeledSolution(
        problem,
        tuple(str(s) for s in record["steps"]),
        int(record["label"]),
        bool(record.get("final_answer_correct", int(record["label"]) < 0)),
        meta,
    )


def load_processbench(source: str | Path, split: str | None = None) -> list[LabeledSolution]:
    """ProcessBench records from a JSONL file, a folder of ``<split>.jsonl`` files, or a hub id.

    :param source: ``path/to/gsm8k.jsonl``, a folder, or ``Qwen/ProcessBench``.
    :param split: for a folder or a hub id, one split (default: every split found).
    """
    path = Path(source)
    if path.is_file():
        return [
            from_record(json.loads(line), split or path.stem)
            for line in path.read_text().splitlines()
            if line.strip()
        ]
    if path.is_dir():
        files = [path / f"{split}.jsonl"] if split else sorted(path.glob("*.jsonl"))
        if not files or not files[0].is_file():
            raise FileNotFoundError(
                f"no ProcessBench JSONL files in {path} (expected <split>.jsonl, e.g. gsm8k.jsonl)"
            )
        return [item for f in files for item in load_processbench(f)]
    if "/" in str(source) and not str(source).startswith((".", "/")):
        try:
            import datasets
        except ImportError as exc:
            raise ImportError(
                "loading ProcessBench from the hub needs the datasets package: pip install datasets"
            ) from exc
        splits = [split] if split else list(SPLITS)
        out = []
        for name in splits:
            try:
                rows = datasets.load_dataset(str(source), split=name)
            except Exception as exc:
                raise FileNotFoundError(
                    f"cannot load {source} split {name!r} from the hub ({exc}); download it and "
                    "pass the folder of <split>.jsonl files instead"
                ) from exc
            out += [from_record(dict(row), name) for row in rows]
        return out
    raise FileNotFoundError(f"{source}: no such file or folder, and not a hub id (owner/name)")


def write_jsonl(solutions: Iterable[LabeledSolution], path: str | Path) -> Path:
    """Write solutions in ProcessBench's JSONL format."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        for s in solutions:
            f.write(json.dumps(s.to_processbench(), ensure_ascii=False) + "\n")
    return path


# ------------------------------------------------------------------------------------------------ F1
def processbench_f1(predictions: Sequence[int | None], labels: Sequence[int]) -> dict[str, float]:
    """ProcessBench's metrics, in percent: exact-match accuracy on flawed (``label >= 0``) and correct
    (``label == -1``) solutions and their harmonic mean ``f1`` (an unparsable prediction never matches)."""
    if len(predictions) != len(labels):
        raise ValueError(f"{len(predictions)} predictions for {len(labels)} labels")
    error = [p == y for p, y in zip(predictions, labels) if y >= 0]
    correct = [p == y for p, y in zip(predictions, labels) if y < 0]
    acc_error = 100.0 * sum(error) / len(error) if error else 0.0
    acc_correct = 100.0 * sum(correct) / len(correct) if correct else 0.0
    f1 = 2 * acc_error * acc_correct / (acc_error + acc_correct) if acc_error + acc_correct else 0.0
    return {
        "acc_error": acc_error,
        "acc_correct": acc_correct,
        "f1": f1,
        "n_error": len(error),
        "n_correct": len(correct),
    }


def score_solutions(
    prm: ProcessRewardModel, solutions: Sequence[LabeledSolution], batch: int = 32
) -> list[list[float]]:
    """The PRM's step scores of every solution, in batches."""
    out: list[list[float]] = []
    for start in range(0, len(solutions), batch):
        out += prm.score_batch([(s.problem, list(s.steps)) for s in solutions[start : start + batch]])
    return out


def best_threshold(scores: Sequence[Sequence[float]], labels: Sequence[int]) -> tuple[float, float]:
    """The threshold that maximises F1 on these solutions (tune on a training split), and that F1."""
    candidates = sorted({round(float(v), 6) for row in scores for v in row} | {0.5})
    best = (0.5, -1.0)
    for i, low in enumerate(candidates):  # thresholds between neighbouring scores
        t = (low + candidates[i + 1]) / 2 if i + 1 < len(candidates) else low + 1e-6
        f1 = processbench_f1([predict_first_error(row, t) for row in scores], labels)["f1"]
        if f1 > best[1]:
            best = (t, f1)
    return best


def evaluate_prm(
    prm: ProcessRewardModel, solutions: Sequence[LabeledSolution], threshold: float = 0.5
) -> dict[str, float]:
    """ProcessBench metrics of a PRM that predicts the first step scored below ``threshold``."""
    scores = score_solutions(prm, solutions)
    return processbench_f1(
        [predict_first_error(row, threshold) for row in scores], [s.first_error_index for s in solutions]
    )


# ------------------------------------------------------------------------------------------ synthetic
def synthetic_item(
    generator: str, *, seed: int = 0, index: int = 0, error_rate: float = 0.5, compensate_rate: float = 0.25
) -> LabeledSolution:
    """Item ``index`` of a synthetic ProcessBench for one generator (a pure function of its arguments).

    The level is drawn among the generator's preset levels; with probability ``error_rate`` the solution
    has an injected error, a ``compensate_rate`` share of those with a compensating error (right answer,
    wrong step). An item that takes no injection keeps its reference solution.
    """
    from mathgym.generators import get_generator
    from mathgym.sources.procedural import ProceduralSource

    rng = derive_rng("mathgym.process.synthetic", generator, seed, index)
    level = int(rng.integers(get_generator(generator).num_levels()))
    problem = ProceduralSource(generator, seed=seed, level=level)[index]
    if rng.random() >= error_rate:
        return reference_solution(problem)
    compensate = bool(rng.random() < compensate_rate)
    solution = inject_error(problem, seed=rng, compensate=compensate)
    if solution is None and compensate:
        solution = inject_error(problem, seed=rng)
    return solution or reference_solution(problem)


def synthetic_processbench(
    generators: Sequence[str],
    *,
    per_generator: int = 100,
    seed: int = 0,
    error_rate: float = 0.5,
    compensate_rate: float = 0.25,
    start: int = 0,
) -> list[LabeledSolution]:
    """``per_generator`` items of each generator (indices ``start..start+per_generator-1``)."""
    return [
        synthetic_item(g, seed=seed, index=i, error_rate=error_rate, compensate_rate=compensate_rate)
        for g in generators
        for i in range(start, start + per_generator)
    ]


def right_answer_wrong_step_rate(solutions: Iterable[LabeledSolution]) -> dict[str, float]:
    """Per generator: the share of flawed solutions whose final answer is nonetheless right."""
    flawed: dict[str, list[bool]] = defaultdict(list)
    for s in solutions:
        if s.first_error_index >= 0:
            flawed[str(s.problem.meta.get("generator") or s.meta.get("generator"))].append(
                bool(s.final_answer_correct)
            )
    return {g: sum(v) / len(v) for g, v in sorted(flawed.items())}
