"""mathgym's own Coq problem sets (package data in ``coq_problems/*.json``) and their ``coqc`` check.

A set file holds ``name``, ``description``, a ``header`` (sentences run once per prover process),
``allowed_axioms`` (names as ``Print Assumptions`` prints them) and ``problems``; each problem has a
``name`` (the theorem's identifier), ``statement``, optional ``preamble`` (its own definitions),
``topic``, ``difficulty`` (easy/medium/hard), an ``informal`` statement and one known ``proof``.

:func:`check_known_proofs` compiles every known proof with ``coqc`` (one file per set, each problem in
its own module) and reads ``Print Assumptions`` for each, so the sets stay valid.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from mathgym.problem import Problem
from mathgym.sources.base import ListSource

DIFFICULTIES = ("easy", "medium", "hard")
_PACKAGE = "mathgym.provers"
_FOLDER = "coq_problems"


@dataclass(frozen=True)
class CoqProblemSet:
    """One named set of Coq theorems sharing a header."""

    name: str
    description: str
    header: tuple[str, ...]
    allowed_axioms: tuple[str, ...]
    problems: tuple[Problem, ...]

    def source(self) -> CoqSource:
        return CoqSource(self)


def _set_files() -> dict[str, Any]:
    folder = resources.files(_PACKAGE).joinpath(_FOLDER)
    return {
        entry.name[: -len(".json")].lower(): entry
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    }


def available_sets() -> list[str]:
    """Names of the bundled sets (lower case, e.g. ``["basic", "reals"]``)."""
    return sorted(_set_files())


def problem_from_record(
    record: Mapping[str, Any], set_name: str, header: Sequence[str], allowed_axioms: Sequence[str]
) -> Problem:
    """Build the :class:`Problem` for one set entry (validates the fields)."""
    for key in ("name", "statement", "proof", "difficulty", "topic"):
        if not record.get(key):
            raise ValueError(f"Coq problem in set {set_name!r} lacks {key!r}: {record!r}")
    if record["difficulty"] not in DIFFICULTIES:
        raise ValueError(f"difficulty of {record['name']!r} must be one of {DIFFICULTIES}")
    name = str(record["name"])
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_']*", name):
        raise ValueError(f"theorem name {name!r} is not a Coq identifier")
    statement = str(record["statement"]).strip().rstrip(".")
    preamble = [str(s) for s in record.get("preamble", ())]
    theorem = f"Theorem {name} : {statement}."
    informal = str(record.get("informal", ""))
    prompt = "\n".join(([f"(* {informal} *)"] if informal else []) + preamble + [theorem])
    from mathgym.provers.coq_sentences import split_sentences

    solution = [s.text for s in split_sentences(record["proof"])]
    meta = {
        "source": f"coq-{set_name.lower()}",
        "prover": "coq",
        "set": set_name,
        "theorem_name": name,
        "statement": statement,
        "header": list(header),
        "preamble": preamble,
        "allowed_axioms": list(record.get("allowed_axioms", allowed_axioms)),
        "difficulty": record["difficulty"],
        "topic": record["topic"],
        "informal": informal,
        "formal_statement": theorem,
        "proof": record["proof"],
        "solution": solution,
    }
    return Problem(id=f"coq/{set_name.lower()}/{name}", prompt=prompt, answer=None, family=None, meta=meta)


@cache
def load_problem_set(name: str) -> CoqProblemSet:
    """Load a bundled set by name (case-insensitive: ``"basic"``, ``"Reals"``)."""
    files = _set_files()
    key = name.lower()
    if key not in files:
        raise KeyError(f"unknown Coq problem set {name!r}; bundled sets: {', '.join(sorted(files))}")
    data = json.loads(files[key].read_text(encoding="utf-8"))
    return problem_set_from_dict(data)


def problem_set_from_dict(data: Mapping[str, Any]) -> CoqProblemSet:
    """A set from its JSON form (also for user-written sets)."""
    header = tuple(data.get("header", ()))
    axioms = tuple(data.get("allowed_axioms", ()))
    problems = tuple(problem_from_record(r, data["name"], header, axioms) for r in data["problems"])
    names = [p.meta["theorem_name"] for p in problems]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate theorem names in set {data['name']!r}")
    return CoqProblemSet(
        name=data["name"],
        description=data.get("description", ""),
        header=header,
        allowed_axioms=axioms,
        problems=problems,
    )


class CoqSource(ListSource):
    """The problems of one Coq set, as a :class:`~mathgym.sources.base.Source`."""

    def __init__(self, problem_set: CoqProblemSet | str) -> None:
        if isinstance(problem_set, str):
            problem_set = load_problem_set(problem_set)
        self.problem_set = problem_set
        super().__init__(list(problem_set.problems), name=f"coq-{problem_set.name.lower()}")

    def describe(self) -> str:
        return f"Coq {self.problem_set.name}: {self.problem_set.description}"


# -- coqc check of the known proofs ---------------------------------------------------------------
@dataclass(frozen=True)
class KnownProofCheck:
    """The ``coqc`` result for one problem's known proof."""

    problem_id: str
    ok: bool
    axioms: tuple[str, ...]
    message: str = ""
    allowed_axioms: frozenset[str] = frozenset()
    axioms_known: bool = True

    @property
    def accepted(self) -> bool:
        """The proof compiled and depends only on allowed axioms."""
        return self.ok and self.axioms_known and set(self.axioms) <= self.allowed_axioms


def _vernac_file(problems: Sequence[Problem], per_problem_axioms: bool) -> tuple[str, list[tuple[int, int]]]:
    header = list(problems[0].meta["header"])
    lines = header[:]
    spans = []
    names = []
    for index, problem in enumerate(problems):
        meta = problem.meta
        start = len(lines) + 1
        lines += [
            f"Module MathgymProblem{index}.",
            *meta["preamble"],
            meta["formal_statement"],
            "Proof.",
            *str(meta["proof"]).splitlines(),
            "Qed.",
            f"End MathgymProblem{index}.",
        ]
        names.append(f"MathgymProblem{index}.{meta['theorem_name']}")
        if per_problem_axioms:
            lines.append(f"Print Assumptions {names[-1]}.")
        spans.append((start, len(lines)))
    if not per_problem_axioms:
        # one traversal for the whole file: Print Assumptions costs ~0.5 s per call on lia/Reals proofs,
        # and the union is what matters when every problem allows the same axioms
        nested = "tt"
        for name in reversed(names):
            nested = f"({name}, {nested})"
        lines += [f"Definition MathgymAllProofs := {nested}.", "Print Assumptions MathgymAllProofs."]
    return "\n".join(lines) + "\n", spans


def _parse_assumption_blocks(stdout: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    in_axioms = False
    for line in stdout.splitlines():
        if line.startswith("Closed under the global context"):
            blocks.append([])
            in_axioms = False
        elif line.startswith("Axioms:"):
            blocks.append([])
            in_axioms = True
        elif in_axioms and line and not line[0].isspace():
            if line.rstrip().endswith(":") and " : " not in line:
                continue
            blocks[-1].append(line.split(" : ", 1)[0].strip())
    return blocks


def _compile(
    group: Sequence[Problem], tmp: str, number: int, coqc: str, timeout: float, per_problem_axioms: bool
) -> list[KnownProofCheck]:
    text, spans = _vernac_file(group, per_problem_axioms)
    path = Path(tmp) / f"MathgymCheck{number}.v"
    path.write_text(text, encoding="utf-8")
    proc = subprocess.run([coqc, "-q", path.name], cwd=tmp, capture_output=True, text=True, timeout=timeout)
    blocks = _parse_assumption_blocks(proc.stdout)
    if proc.returncode == 0 and not per_problem_axioms:
        blocks = [blocks[-1] if blocks else []] * len(group)
    failed_line = None
    if proc.returncode != 0:
        match = re.search(r"line (\d+)", proc.stderr + proc.stdout)
        failed_line = int(match.group(1)) if match else None
    results = []
    for index, problem in enumerate(group):
        allowed = frozenset(problem.meta.get("allowed_axioms", ()))
        start, end = spans[index]
        here = failed_line is not None and start <= failed_line <= end
        before = failed_line is None or end < failed_line
        if proc.returncode == 0 or (per_problem_axioms and before and index < len(blocks)):
            results.append(KnownProofCheck(problem.id, True, tuple(blocks[index]), "", allowed))
        elif before:
            results.append(
                KnownProofCheck(
                    problem.id,
                    True,
                    (),
                    "compiled; axioms unknown (the file failed later)",
                    allowed,
                    axioms_known=False,
                )
            )
        else:
            message = (
                (proc.stderr or proc.stdout).strip()[-800:]
                if here
                else "not reached (an earlier problem in the same file failed)"
            )
            results.append(KnownProofCheck(problem.id, False, (), message, allowed))
    return results


def check_known_proofs(
    problems: Sequence[Problem], *, timeout: float = 600.0, coqc: str = "coqc"
) -> list[KnownProofCheck]:
    """Compile the known proofs of ``problems`` with ``coqc`` (problems sharing a header share one file).

    Axioms are read once per file (the union over its problems); when that union is not allowed for some
    problem, the file is compiled again with one ``Print Assumptions`` per problem to say which.

    :returns: one :class:`KnownProofCheck` per problem, in order.
    """
    if shutil.which(coqc) is None:
        raise RuntimeError(f"{coqc!r} is not on PATH (Debian/Ubuntu: apt-get install -y coq)")
    groups: dict[tuple[str, ...], list[Problem]] = {}
    for problem in problems:
        groups.setdefault(tuple(problem.meta["header"]), []).append(problem)
    results: dict[str, KnownProofCheck] = {}
    with tempfile.TemporaryDirectory(prefix="mathgym-coqc-") as tmp:
        for number, group in enumerate(groups.values()):
            checks = _compile(group, tmp, number, coqc, timeout, per_problem_axioms=False)
            if any(c.ok and not c.accepted for c in checks):
                checks = _compile(group, tmp, number, coqc, timeout, per_problem_axioms=True)
            results.update((c.problem_id, c) for c in checks)
    return [results[p.id] for p in problems]
