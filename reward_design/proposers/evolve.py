"""An offline proposer: reward code evolved from a typed grammar over the env's reward view, no LLM needed.

A genome is a list of terms, each one named reward component:

* ``success``: ``w`` when ``info["is_success"]``;
* ``step``: ``-w`` on every step; ``invalid``: ``-w`` on an illegal action;
* ``progress`` (potential-based shaping): ``w * (phi(state[f]) - phi(prev[f]))``;
* ``level``: ``w * phi(state[f])`` on every step; ``final``: ``w * phi(state[f])`` on the last step;

where ``f`` is a numeric field of the view and ``phi`` one of ``lin`` (x), ``log`` (signed log1p),
``exp`` (``exp(-|x| / t)``) or ``inv`` (``1 / (1 + |x| / t)``) with a temperature ``t``. Genomes are
rendered as ordinary Python (the genome itself is kept in a comment line, which is how later iterations
read it back), so they go through the same extraction, critic, sandbox and reflection as LLM code.

The first iteration samples genomes at random around a success term; given the env's field statistics
(each field's mean end value in recorded successful and failed episodes), fields that separate the two
are drawn more often and usually get the sign that pulls towards the successes' values. Later ones breed
from the best
trained candidates: mutations guided by the reflection statistics (a flat component is rescaled or
dropped, a dominating one scaled down, a reward under which success stayed near zero gets a new term),
random mutations (weights, transforms, temperatures, fields, adding and dropping terms), crossover of two
parents, and a share of fresh random genomes. Every draw comes from ``derive_rng(seed, iteration)``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from mathgym.reward_design.context import EnvContext
from mathgym.reward_design.proposers.base import CandidateRecord, Feedback
from mathgym.reward_design.reflection import diagnose
from mathgym.seeding import derive_rng

GENOME_MARK = "# mathgym-evolve genome: "
TRANSFORMS = ("lin", "log", "exp", "inv")
FIELD_KINDS = ("progress", "level", "final")
OPTIONAL_NUMERIC = ("float | None", "int | None", "bool | None")

Term = dict[str, Any]


def numeric_fields(context: EnvContext) -> list[str]:
    """State fields a term can read: numbers (or numbers that may be ``None``), but not the fixed limits."""
    return [
        f.name
        for f in context.spec.state_fields
        if (f.numeric or f.type in OPTIONAL_NUMERIC) and not f.name.startswith("max_")
    ]


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def _round(value: float) -> float:
    return float(f"{value:.3g}")


Stats = dict[str, dict[str, float]]
#: chance that a field term takes the sign the recorded statistics suggest (the rest explores)
INFORMED_SIGN = 0.85


def phi(transform: str, x: float, t: float) -> float:
    """The transforms of the rendered code, in Python (for the statistics-informed sign)."""
    if transform == "lin":
        return x
    if transform == "log":
        return math.copysign(math.log1p(abs(x)), x)
    if transform == "exp":
        return math.exp(-abs(x) / t)
    return 1.0 / (1.0 + abs(x) / t)


def pick_field(rng: np.random.Generator, fields: list[str], stats: Stats | None) -> str:
    """A field, more likely the more its end value separates successes from failures (uniform without stats)."""
    weights = np.array([0.25 + 3.0 * abs((stats or {}).get(f, {}).get("effect", 0.0)) for f in fields])
    return str(fields[int(rng.choice(len(fields), p=weights / weights.sum()))])


def informed_sign(rng: np.random.Generator, term: Term, stats: Stats | None) -> float:
    """+1 or -1: towards the successes' end value when the statistics know the field, else a coin flip."""
    row = (stats or {}).get(term["field"])
    if row is not None and rng.random() < INFORMED_SIGN:
        toward = phi(term["f"], row["success_mean"], term["t"]) - phi(
            term["f"], row["failure_mean"], term["t"]
        )
        if toward:
            return 1.0 if toward > 0 else -1.0
    return 1.0 if rng.random() < 0.5 else -1.0


def random_term(
    rng: np.random.Generator, fields: list[str], kind: str | None = None, stats: Stats | None = None
) -> Term:
    """One term drawn from the grammar (``kind``: force its kind; ``stats``: field statistics that guide the
    choice of field and the sign of its weight)."""
    kind = kind or str(
        rng.choice(["step", "invalid", *FIELD_KINDS, *FIELD_KINDS] if fields else ["step", "invalid"])
    )
    if kind == "success":
        return {"kind": "success", "w": _round(_log_uniform(rng, 0.5, 10.0))}
    if kind == "step":
        return {"kind": "step", "w": _round(_log_uniform(rng, 0.001, 0.05))}
    if kind == "invalid":
        return {"kind": "invalid", "w": _round(_log_uniform(rng, 0.01, 1.0))}
    term = {
        "kind": kind,
        "field": pick_field(rng, fields, stats),
        "f": str(rng.choice(TRANSFORMS)),
        "t": _round(_log_uniform(rng, 0.1, 100.0)),
    }
    term["w"] = _round(informed_sign(rng, term, stats) * _log_uniform(rng, 0.01, 2.0))
    return term


def term_name(term: Term) -> str:
    """The component name of a term (unique within a genome)."""
    if term["kind"] == "success":
        return "success"
    if term["kind"] == "step":
        return "step_cost"
    if term["kind"] == "invalid":
        return "invalid_action"
    return f"{term['kind']}_{term['field']}_{term['f']}"


def canonical(genome: list[Term]) -> list[Term]:
    """Terms with unique names (the first of a name wins), success first, the rest sorted by name."""
    seen: dict[str, Term] = {}
    for term in genome:
        seen.setdefault(term_name(term), term)
    return sorted(seen.values(), key=lambda t: (t["kind"] != "success", term_name(t)))


def _phi(term: Term, side: str) -> str:
    value = f"_value({side}[{term['field']!r}])"
    temperature = f"temperature_{term_name(term)}"
    return {
        "lin": value,
        "log": f"math.copysign(math.log1p(abs({value})), {value})",
        "exp": f"math.exp(-abs({value}) / {temperature})",
        "inv": f"1.0 / (1.0 + abs({value}) / {temperature})",
    }[term["f"]]


def render(genome: list[Term]) -> str:
    """Python source of a genome (the genome itself on the first line, as a comment)."""
    genome = canonical(genome)
    body = []
    for term in genome:
        name, w = term_name(term), term["w"]
        if term["kind"] == "success":
            body.append(f"    parts[{name!r}] = {w!r} * (1.0 if info['is_success'] else 0.0)")
            continue
        if term["kind"] == "step":
            body.append(f"    parts[{name!r}] = -{w!r}")
            continue
        if term["kind"] == "invalid":
            body.append(f"    parts[{name!r}] = 0.0 if info['valid'] else -{w!r}")
            continue
        if term["f"] in ("exp", "inv"):
            body.append(f"    temperature_{name} = {term['t']!r}")
        if term["kind"] == "progress":
            body.append(f"    parts[{name!r}] = {w!r} * (({_phi(term, 'state')}) - ({_phi(term, 'prev')}))")
        elif term["kind"] == "level":
            body.append(f"    parts[{name!r}] = {w!r} * ({_phi(term, 'state')})")
        else:
            if "    done = info['terminated'] or info['truncated']" not in body:
                body.append("    done = info['terminated'] or info['truncated']")
            body.append(f"    parts[{name!r}] = {w!r} * ({_phi(term, 'state')}) if done else 0.0")
    return "\n".join(
        [
            GENOME_MARK + json.dumps(genome, sort_keys=True),
            "import math",
            "",
            "",
            "def _value(x):",
            '    """A view field as a bounded float (None counts as 0; inf is capped so differences stay finite)."""',
            "    if x is None:",
            "        return 0.0",
            "    x = float(x)",
            "    if x != x:",
            "        return 0.0",
            "    return max(-1e6, min(1e6, x))",
            "",
            "",
            "def compute_reward(prev, action, state, info):",
            "    parts = {}",
            *body,
            "    return sum(parts.values()), parts",
            "",
        ]
    )


def parse_genome(code: str | None) -> list[Term] | None:
    """The genome written into ``code`` by :func:`render`, or ``None`` (code from elsewhere)."""
    if not code:
        return None
    for line in code.splitlines():
        if line.startswith(GENOME_MARK):
            try:
                genome = json.loads(line[len(GENOME_MARK) :])
            except ValueError:
                return None
            return genome if isinstance(genome, list) else None
    return None


class EvolveProposer:
    """Evolves reward code over the reward view's fields (see the module docstring).

    :param seed: seed of every draw.
    :param mutation_share: share of children bred by mutation (the rest: crossover, then fresh genomes).
    :param crossover_share: share bred by crossover.
    """

    def __init__(self, seed: int = 0, *, mutation_share: float = 0.6, crossover_share: float = 0.25) -> None:
        self.seed = seed
        self.mutation_share = mutation_share
        self.crossover_share = crossover_share

    def propose(self, context: EnvContext, feedback: Feedback | None, n: int) -> list[str]:
        iteration = 0 if feedback is None else feedback.iteration
        rng = derive_rng("mathgym.reward_design.evolve", self.seed, context.env_id, iteration)
        fields = numeric_fields(context)
        stats = context.statistics
        history = feedback.history if feedback is not None else []
        seen = {json.dumps(g, sort_keys=True) for g in (parse_genome(r.code) for r in history) if g}
        parents = self._parents(history)
        out = []
        for _ in range(n):
            for _attempt in range(20):
                genome = canonical(self._child(rng, fields, parents, stats))
                key = json.dumps(genome, sort_keys=True)
                if key not in seen:
                    break
            seen.add(key)
            out.append(
                f"A reward built from {len(genome)} terms over the state's fields.\n\n"
                f"```python\n{render(genome)}```\n"
            )
        return out

    @staticmethod
    def _parents(history: list[CandidateRecord]) -> list[tuple[list[Term], CandidateRecord]]:
        ranked = sorted((r for r in history if r.selectable), key=lambda r: -float(r.fitness or 0.0))
        if not ranked:
            ranked = [r for r in history if r.status == "trained"]
        return [(g, r) for r in ranked if (g := parse_genome(r.code)) is not None]

    def _child(
        self,
        rng: np.random.Generator,
        fields: list[str],
        parents: list[tuple[list[Term], CandidateRecord]],
        stats: Stats | None,
    ) -> list[Term]:
        draw = rng.random()
        if not parents or draw >= self.mutation_share + self.crossover_share:
            return [random_term(rng, fields, "success")] + [
                random_term(rng, fields, stats=stats) for _ in range(int(rng.integers(1, 4)))
            ]
        if draw < self.mutation_share or len(parents) < 2:
            genome, record = (
                parents[0] if rng.random() < 0.5 else parents[int(rng.integers(min(3, len(parents))))]
            )
            return self._mutate(rng, [dict(t) for t in genome], record, fields, stats)
        a, b = rng.choice(min(4, len(parents)), size=2, replace=False)
        pool = [dict(t) for t in parents[int(a)][0] + parents[int(b)][0]]
        keep = [t for t in pool if t["kind"] == "success" or rng.random() < 0.5]
        return keep or pool

    def _mutate(
        self,
        rng: np.random.Generator,
        genome: list[Term],
        record: CandidateRecord,
        fields: list[str],
        stats: Stats | None = None,
    ) -> list[Term]:
        by_name = {term_name(t): t for t in genome}
        guided = False
        for finding in diagnose(record.series) if record.series else []:
            term = by_name.get(finding.component) if finding.component else None
            if finding.kind == "no_success":  # success stayed near zero: new shaping
                genome = [t for t in genome if t["kind"] == "success" or rng.random() < 0.5]
                genome.append(random_term(rng, fields, stats=stats))
                guided = True
            elif term is not None and finding.kind == "dominant":
                term["w"] = _round(term["w"] / _log_uniform(rng, 3.0, 10.0))
                guided = True
            elif term is not None and term["kind"] != "success" and finding.kind in ("flat", "inactive"):
                if rng.random() < 0.5:
                    genome = [t for t in genome if t is not term]
                else:
                    term["w"] = _round(term["w"] * _log_uniform(rng, 3.0, 10.0))
                guided = True
        for _ in range(int(rng.integers(0 if guided else 1, 3))):
            genome = self._random_mutation(rng, genome, fields, stats)
        return genome

    @staticmethod
    def _random_mutation(
        rng: np.random.Generator, genome: list[Term], fields: list[str], stats: Stats | None = None
    ) -> list[Term]:
        op = str(rng.choice(["weight", "weight", "transform", "field", "add", "drop"]))
        others = [t for t in genome if t["kind"] != "success"]
        if op == "add" or not others:
            return genome + [random_term(rng, fields, stats=stats)]
        term = others[int(rng.integers(len(others)))]
        if op == "drop":
            return [t for t in genome if t is not term]
        if op == "weight" or term["kind"] not in FIELD_KINDS:
            term["w"] = _round(term["w"] * math.exp(rng.normal(0.0, 0.7)))
        else:
            if op == "transform":
                term["f"] = str(rng.choice(TRANSFORMS))
                term["t"] = _round(term["t"] * math.exp(rng.normal(0.0, 1.0)))
            else:
                term["field"] = pick_field(rng, fields, stats)
            term["w"] = _round(
                informed_sign(rng, term, stats) * abs(term["w"])
            )  # the old sign may point away now
        return genome

    def skip(self, n: int) -> None:
        pass  # each iteration's draws derive from (seed, iteration) alone

    def close(self) -> None:
        pass
