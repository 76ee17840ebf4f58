"""Perturbation operators: the same question posed another way, each recording what it changed.

Operators take a :class:`~mathgym.problem.Problem` (a family variant, carrying ``meta["sentences"]``,
``meta["entities"]`` and ``meta["solution"]``) and a ``numpy`` Generator, and return a new problem whose
``meta["perturbations"]`` list ends with a record of the change (kind, what was replaced/added/removed,
the answer before and after where it moves). Three groups:

* **structural** (need the family that made the problem, applied first): ``resample`` (new numbers,
  answer recomputed), ``relevant_clause`` (GSM-P1 style: one more step that changes the answer),
  ``scenario`` (another question about the same facts, MathCheck's scenario understanding);
* **text** (any problem with the metadata): ``rename`` (people and objects), ``units`` (relabel a unit
  used throughout, answer unchanged), ``reorder`` (independent sentences), ``noop`` (GSM-NoOp: an
  irrelevant clause that looks relevant, answer unchanged), ``reword`` (reorder, then rename);
* **task** (MathCheck task types, applied last): ``answerable`` (is enough information given? yes/no;
  the "no" items hide a needed quantity), ``outcome`` (is this solution's final answer correct? yes/no),
  ``process`` (which step of this solution is the first wrong one?).

:class:`PerturbedFamily` applies a chain of operators to every variant of a family, so a sweep can treat
``dyn/word.savings+noop`` like any other family.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from mathgym.problem import Problem
from mathgym.registry import Registry
from mathgym.seeding import derive_rng
from mathgym.variants.base import NotApplicable, VariantFamily, format_number
from mathgym.variants.lists import NAMES_FEMALE, NAMES_MALE

_OBJECTS_PLURAL = [
    "marbles",
    "stickers",
    "stamps",
    "buttons",
    "pebbles",
    "postcards",
    "ribbons",
    "badges",
    "keychains",
    "seashells",
    "acorns",
    "crayons",
    "bottle caps",
    "paper cranes",
]
_OBJECTS_SINGULAR = [
    "marble",
    "sticker",
    "stamp",
    "button",
    "pebble",
    "postcard",
    "ribbon",
    "badge",
    "keychain",
    "seashell",
    "acorn",
    "crayon",
    "bottle cap",
    "paper crane",
]
#: unit words by kind, (singular, plural); relabelling stays within a kind
_UNIT_GROUPS: list[list[tuple[str, str]]] = [
    [
        ("meter", "meters"),
        ("foot", "feet"),
        ("yard", "yards"),
        ("kilometer", "kilometers"),
        ("mile", "miles"),
        ("centimeter", "centimeters"),
        ("inch", "inches"),
        ("millimeter", "millimeters"),
    ],
    [
        ("pound", "pounds"),
        ("kilogram", "kilograms"),
        ("gram", "grams"),
        ("ounce", "ounces"),
        ("ton", "tons"),
        ("tonne", "tonnes"),
    ],
    [
        ("cup", "cups"),
        ("liter", "liters"),
        ("gallon", "gallons"),
        ("quart", "quarts"),
        ("milliliter", "milliliters"),
    ],
    [("degree Celsius", "degrees Celsius"), ("degree Fahrenheit", "degrees Fahrenheit")],
]
_CURRENCY_SYMBOLS = ["$", "€", "£", "¥", "₹", "₩"]

JUDGE_YES_NO = "Reply with \\boxed{yes} or \\boxed{no}."


def _record(
    problem: Problem,
    suffix: str,
    *,
    prompt: str | None = None,
    answer: str | None = None,
    meta_updates: Mapping[str, Any] | None = None,
    record: Mapping[str, Any],
) -> Problem:
    meta = problem.to_dict()["meta"]
    meta.update(meta_updates or {})
    meta["perturbations"] = [*meta.get("perturbations", []), dict(record)]
    return Problem(
        id=f"{problem.id}+{suffix}",
        prompt=problem.prompt if prompt is None else prompt,
        answer=problem.answer if answer is None else answer,
        family=problem.family,
        meta=meta,
    )


def _sentences(problem: Problem) -> list[dict[str, Any]]:
    sentences = [dict(s) for s in problem.meta.get("sentences", ())]
    if not sentences:
        raise NotApplicable(f"{problem.id} carries no sentence structure (meta['sentences'])")
    return sentences


def _join(sentences: Sequence[Mapping[str, Any]]) -> str:
    return " ".join(s["text"] for s in sentences)


def _question_index(sentences: Sequence[Mapping[str, Any]]) -> int:
    for i in range(len(sentences) - 1, -1, -1):
        if sentences[i].get("question") or "?" in sentences[i]["text"]:
            return i
    return len(sentences) - 1


def _replace_words(text: str, mapping: Mapping[str, str]) -> str:
    """Replace whole words (keeping a plural ``s``/``es`` and an initial capital), longest first."""
    for old in sorted(mapping, key=len, reverse=True):
        new = mapping[old]
        if not old:
            continue
        if not old[0].isalnum():  # a currency symbol
            text = text.replace(old, new)
            continue
        pattern = re.compile(rf"\b{re.escape(old)}(?=(?:e?s)?\b)", re.IGNORECASE)

        def sub(m: re.Match[str], new: str = new) -> str:
            return new[0].upper() + new[1:] if m.group(0)[0].isupper() and new[:1].islower() else new

        text = pattern.sub(sub, text)
    return text


def _apply_mapping(problem: Problem, mapping: Mapping[str, str], kind: str, suffix: str) -> Problem:
    sentences = [dict(s, text=_replace_words(s["text"], mapping)) for s in _sentences(problem)]
    meta = problem.to_dict()["meta"]
    entities = meta.get("entities", {})
    new_entities = {k: [mapping.get(v, v) for v in vals] for k, vals in entities.items()}
    return _record(
        problem,
        suffix,
        prompt=_replace_words(problem.prompt, mapping),
        meta_updates={
            "sentences": sentences,
            "entities": new_entities,
            "solution": [_replace_words(s, mapping) for s in meta.get("solution", [])],
        },
        record={"kind": kind, "replaced": dict(mapping)},
    )


class Perturbation(ABC):
    """One operator. ``group`` is ``"structural"``, ``"text"`` or ``"task"`` (the order they must come in)."""

    name: ClassVar[str] = ""
    group: ClassVar[str] = "text"

    @abstractmethod
    def __call__(
        self, problem: Problem, rng: np.random.Generator, family: VariantFamily | None = None
    ) -> Problem:
        """The perturbed problem; raises :class:`NotApplicable` when this problem cannot take it."""


#: operator name -> the operator (one instance per class, operators are stateless)
PERTURBATIONS: Registry[Perturbation] = Registry("perturbation")


def _register(cls: type[Perturbation]) -> type[Perturbation]:
    PERTURBATIONS.register(cls.name, cls())
    return cls


def _needs_family(problem: Problem, family: VariantFamily | None, name: str) -> VariantFamily:
    if family is None:
        raise NotApplicable(
            f"the {name} perturbation needs the family of {problem.id} (it recomputes the answer)"
        )
    return family


@_register
class Resample(Perturbation):
    name = "resample"
    group = "structural"

    def __call__(
        self, problem: Problem, rng: np.random.Generator, family: VariantFamily | None = None
    ) -> Problem:
        new = _needs_family(problem, family, self.name).resample(problem, rng)
        return _record(
            new,
            "resample",
            record={
                "kind": "resample",
                "from": problem.id,
                "answer_before": problem.answer,
                "answer_after": new.answer,
            },
        )


@_register
class RelevantClause(Perturbation):
    name = "relevant_clause"
    group = "structural"

    def __call__(
        self, problem: Problem, rng: np.random.Generator, family: VariantFamily | None = None
    ) -> Problem:
        new = _needs_family(problem, family, self.name).add_relevant_clause(problem, rng)
        return new.replace(id=f"{problem.id}+relevant_clause")


@_register
class Scenario(Perturbation):
    name = "scenario"
    group = "structural"

    def __call__(
        self, problem: Problem, rng: np.random.Generator, family: VariantFamily | None = None
    ) -> Problem:
        new = _needs_family(problem, family, self.name).scenario(problem, rng)
        return new.replace(id=f"{problem.id}+scenario")


@_register
class Rename(Perturbation):
    name = "rename"

    def __call__(
        self, problem: Problem, rng: np.random.Generator, family: VariantFamily | None = None
    ) -> Problem:
        entities = problem.meta.get("entities", {})
        people, objects = list(entities.get("people", ())), list(entities.get("objects", ()))
        if not people and not objects:
            raise NotApplicable(f"{problem.id} names no people or objects")
        text = problem.prompt.lower()
        mapping: dict[str, str] = {}
        for person in people:  # keep the gender of known names, since texts say "his brother"
            group = (
                NAMES_FEMALE
                if person in NAMES_FEMALE
                else NAMES_MALE
                if person in NAMES_MALE
                else NAMES_FEMALE + NAMES_MALE
            )
            pool = [n for n in group if n.lower() not in text and n not in mapping.values()]
            if pool:
                mapping[person] = pool[int(rng.integers(len(pool)))]
        for obj in objects:
            plural = obj.endswith("s")
            candidates = [
                o
                for o in (_OBJECTS_PLURAL if plural else _OBJECTS_SINGULAR)
                if o not in text and o not in mapping.values()
            ]
            if candidates:
                mapping[obj] = candidates[int(rng.integers(len(candidates)))]
        return _apply_mapping(problem, mapping, "rename", "rename")


@_register
class ChangeUnits(Perturbation):
    name = "units"

    def __call__(
        self, problem: Problem, rng: np.random.Generator, family: VariantFamily | None = None
    ) -> Problem:
        units = list(problem.meta.get("entities", {}).get("units", ()))
        mapping: dict[str, str] = {}
        for unit in units:
            if unit in _CURRENCY_SYMBOLS:
                others = [c for c in _CURRENCY_SYMBOLS if c != unit]
                mapping[unit] = others[int(rng.integers(len(others)))]
                continue
            for group in _UNIT_GROUPS:
                forms = {f: i for i, pair in enumerate(group) for f in pair}
                if unit in forms:
                    i = forms[unit]
                    choices = [pair for k, pair in enumerate(group) if k != i]
                    new = choices[int(rng.integers(len(choices)))]
                    mapping[group[i][1]] = new[1]
                    mapping[group[i][0]] = new[0]
                    break
        if not mapping:
            raise NotApplicable(f"{problem.id} has no unit that can be relabelled")
        return _apply_mapping(problem, mapping, "units", "units")


@_register
class Reorder(Perturbation):
    name = "reorder"

    def __call__(
        self, problem: Problem, rng: np.random.Generator, family: VariantFamily | None = None
    ) -> Problem:
        sentences = _sentences(problem)
        slots = [i for i, s in enumerate(sentences) if s.get("movable")]
        if len(slots) < 2:
            raise NotApplicable(f"{problem.id} has fewer than two independent sentences")
        order = list(slots)
        while order == slots:  # a real change: at least one sentence moves
            order = [slots[int(i)] for i in rng.permutation(len(slots))]
        new = list(sentences)
        for slot, source in zip(slots, order):
            new[slot] = sentences[source]
        return _record(
            problem,
            "reorder",
            prompt=_join(new),
            meta_updates={"sentences": new},
            record={"kind": "reorder", "order": [int(o) for o in order], "slots": slots},
        )


_NOOP_OBJECT = [
    "{k} of the {obj} were slightly smaller than the others.",
    "{k} of the {obj} had a small scratch on them.",
    "The {obj} came in {k} different colours.",
]
_NOOP_PERSON = [
    "{person} mentioned that it was {k} degrees warmer than the day before.",
    "{person}'s neighbour, who is {k} years old, watched for a while.",
    "{person} had done something similar {k} years ago.",
]
_NOOP_GENERIC = [
    "A poster on the wall showed {k} stars.",
    "It took {k} minutes to write all the numbers down.",
    "The room had {k} windows.",
]


@_register
class NoOp(Perturbation):
    """GSM-NoOp: insert a clause that looks relevant but does not change the answer."""

    name = "noop"

    def __call__(
        self, problem: Problem, rng: np.random.Generator, family: VariantFamily | None = None
    ) -> Problem:
        sentences = _sentences(problem)
        entities = problem.meta.get("entities", {})
        objects = [o for o in entities.get("objects", ()) if o.endswith("s")]
        people = list(entities.get("people", ()))
        k = int(rng.integers(2, 10))
        if objects and rng.random() < 0.6:
            pattern = _NOOP_OBJECT[int(rng.integers(len(_NOOP_OBJECT)))]
            clause = pattern.format(k=k, obj=objects[int(rng.integers(len(objects)))])
        elif people:
            pattern = _NOOP_PERSON[int(rng.integers(len(_NOOP_PERSON)))]
            clause = pattern.format(k=k, person=people[int(rng.integers(len(people)))])
        else:
            clause = _NOOP_GENERIC[int(rng.integers(len(_NOOP_GENERIC)))].format(k=k)
        clause = clause[0].upper() + clause[1:]
        at = _question_index(sentences)
        new = [
            *sentences[:at],
            {"text": clause, "needed": False, "movable": False, "noop": True},
            *sentences[at:],
        ]
        return _record(
            problem,
            "noop",
            prompt=_join(new),
            meta_updates={"sentences": new},
            record={"kind": "noop", "clause": clause, "position": at},
        )


@_register
class Reword(Perturbation):
    """MathCheck's problem understanding: the problem restructured (sentences reordered, names changed)."""

    name = "reword"

    def __call__(
        self, problem: Problem, rng: np.random.Generator, family: VariantFamily | None = None
    ) -> Problem:
        done = problem
        for op in (PERTURBATIONS["reorder"], PERTURBATIONS["rename"]):
            try:
                done = op(done, rng, family)
            except NotApplicable:
                continue
        if done is problem:
            raise NotApplicable(f"{problem.id} can be neither reordered nor renamed")
        return done.replace(id=f"{problem.id}+reword")


def _numeric(answer: str | None) -> Fraction | None:
    if answer is None:
        return None
    try:
        return Fraction(answer)
    except (ValueError, ZeroDivisionError):
        return None


def wrong_answer(answer: str, rng: np.random.Generator) -> str:
    """A plausible wrong answer: the gold moved by a small nonzero amount (fractions keep their form)."""
    value = _numeric(answer)
    if value is None:
        raise NotApplicable(f"cannot make a wrong version of the non-numeric answer {answer!r}")
    deltas = [-3, -2, -1, 1, 2, 3, 10]
    if value.denominator != 1:
        wrong = Fraction(value.numerator + int(rng.choice(deltas)), value.denominator)
        if wrong == value:
            wrong += 1
        text = format_number(wrong) if "/" in answer else format_number(float(wrong))
    else:
        step = int(rng.choice(deltas)) * (1 if abs(value) < 1000 else max(1, int(abs(value)) // 100))
        text = format_number(value + step)
    return text


def _replace_last_number(step: str, rng: np.random.Generator) -> str | None:
    numbers = list(re.finditer(r"-?\d+(?:[.,/]\d+)*", step))
    if not numbers:
        return None
    m = numbers[-1]
    try:
        wrong = wrong_answer(m.group(0).replace(",", ""), rng)
    except NotApplicable:
        return None
    return step[: m.start()] + wrong + step[m.end() :]


def _solution_steps(problem: Problem) -> list[str]:
    steps = [s for s in problem.meta.get("solution", ()) if s.strip() and not s.startswith("####")]
    if not steps:
        raise NotApplicable(f"{problem.id} has no reference solution")
    return steps


def _task_prompt(problem: Problem, task: str, body: str) -> str:
    return f"{task}\n\nProblem: {problem.prompt}" + (f"\n\n{body}" if body else "")


def _fair_coin(rng: np.random.Generator, forced: bool | None) -> bool:
    """``forced`` when the caller fixed the outcome, else a fair draw (yes/no tasks stay balanced)."""
    return bool(rng.random() < 0.5) if forced is None else forced


class _MathCheckTask(Perturbation):
    """A MathCheck task operator: the problem becomes a question about it (judge it, find its flaw).

    The item drops the reference solution (it would give the judgement away) and its record always keeps
    the original answer, so a report can relate the task back to the problem it came from.
    """

    group = "task"
    #: what the solver is asked, put before the problem
    instruction: ClassVar[str] = ""
    #: ``meta["answer_kind"]``: how a verifier should read the answer
    answer_kind: ClassVar[str] = "yes/no"

    def _item(
        self,
        problem: Problem,
        answer: str | bool,
        details: Mapping[str, Any],
        body: str = "",
        shown: Problem | None = None,
    ) -> Problem:
        """The task item for ``problem``.

        :param answer: the gold answer of the task: a step number, or a bool for a yes/no judgement.
        :param details: the operator's own record fields, between ``kind`` and ``original_answer``.
        :param body: text shown after the problem (a proposed solution), empty for none.
        :param shown: the problem as shown to the solver when it differs from ``problem`` (a masked one).
        """
        if isinstance(answer, bool):
            answer = "yes" if answer else "no"
        return _record(
            problem,
            self.name,
            prompt=_task_prompt(problem if shown is None else shown, self.instruction, body),
            answer=answer,
            meta_updates={"task": self.name, "answer_kind": self.answer_kind, "solution": []},
            record={"kind": self.name, **details, "original_answer": problem.answer},
        )


_NUMBER_IN_TEXT = re.compile(r"(?P<cur>[$€£¥₹₩])?(?<![\w.])(?P<num>\d[\d,]*(?:\.\d+)?(?:/\d+)?)(?![\w/])")


def mask_number(sentence: str, rng: np.random.Generator) -> str | None:
    """The sentence with one number made unknown ("4 pens" -> "some pens", "$4" -> "a certain amount")."""
    matches = list(_NUMBER_IN_TEXT.finditer(sentence))
    if not matches:
        return None
    m = matches[int(rng.integers(len(matches)))]
    after = sentence[m.end() :]
    if m.group("cur"):
        phrase = "a certain amount"
    elif re.match(r"\s+[A-Za-z]", after) and not re.match(r"\s+(?:times|percent|%)\b", after):
        phrase = "some"
    else:
        phrase = "a certain number"
    return sentence[: m.start()] + phrase + after


@_register
class Answerable(_MathCheckTask):
    """MathCheck answerable judging: yes when the problem is intact, no when a needed quantity is unknown.

    The unanswerable version replaces one number of a needed sentence by "some" / "a certain number" /
    "a certain amount": removing a whole sentence often leaves a different but answerable problem
    (drop one leg of a two-leg trip and the distance of the other leg is still a valid answer)."""

    name = "answerable"
    instruction = (
        "Decide whether the problem below gives enough information to determine the answer "
        "(you do not need to solve it). " + JUDGE_YES_NO
    )

    def __call__(
        self,
        problem: Problem,
        rng: np.random.Generator,
        family: VariantFamily | None = None,
        answerable: bool | None = None,
    ) -> Problem:
        sentences = _sentences(problem)
        q = _question_index(sentences)
        maskable = [
            i
            for i, s in enumerate(sentences)
            if i != q and s.get("needed") and _NUMBER_IN_TEXT.search(s["text"])
        ]
        if not maskable:
            raise NotApplicable(f"{problem.id} has no needed quantity that could be hidden")
        answerable = _fair_coin(rng, answerable)
        masked = None
        shown = problem
        if not answerable:
            i = maskable[int(rng.integers(len(maskable)))]
            new_text = mask_number(sentences[i]["text"], rng)
            masked = {"sentence": sentences[i]["text"], "as": new_text}
            shown = problem.replace(prompt=_join([*sentences[:i], {"text": new_text}, *sentences[i + 1 :]]))
        return self._item(problem, answerable, {"answerable": answerable, "masked": masked}, shown=shown)


@_register
class OutcomeJudge(_MathCheckTask):
    """MathCheck outcome judging: is the final answer of a shown solution correct?"""

    name = "outcome"
    instruction = "Is the final answer of the proposed solution to the problem below correct? " + JUDGE_YES_NO

    def __call__(
        self,
        problem: Problem,
        rng: np.random.Generator,
        family: VariantFamily | None = None,
        correct: bool | None = None,
    ) -> Problem:
        steps = _solution_steps(problem)
        correct = _fair_coin(rng, correct)
        shown_answer = problem.answer or ""
        if not correct:
            shown_answer = wrong_answer(problem.answer or "", rng)
            last = steps[-1]
            gold = problem.answer or ""
            if gold and gold in last:
                i = last.rfind(gold)
                steps[-1] = last[:i] + shown_answer + last[i + len(gold) :]
            else:
                steps.append(f"So the answer is {shown_answer}.")
        body = "Proposed solution:\n" + "\n".join(steps) + f"\nFinal answer: {shown_answer}"
        return self._item(problem, correct, {"shown_answer": shown_answer, "correct": correct}, body)


@_register
class ProcessJudge(_MathCheckTask):
    """MathCheck process judging: the solution has one corrupted step; which is the first wrong one?"""

    name = "process"
    instruction = (
        "The solution to the problem below contains a mistake. Which step is the first incorrect "
        "one? Reply with the step number in \\boxed{}."
    )
    answer_kind = "step"

    def __call__(
        self, problem: Problem, rng: np.random.Generator, family: VariantFamily | None = None
    ) -> Problem:
        steps = _solution_steps(problem)
        candidates = [
            i for i, s in enumerate(steps) if _replace_last_number(s, np.random.default_rng(0)) is not None
        ]
        if not candidates:
            raise NotApplicable(f"{problem.id} has no solution step with a number to corrupt")
        j = candidates[int(rng.integers(len(candidates)))]
        corrupted = _replace_last_number(steps[j], rng)
        assert corrupted is not None
        shown = list(steps)
        shown[j] = corrupted
        body = "Solution:\n" + "\n".join(f"Step {i + 1}: {s}" for i, s in enumerate(shown))
        details = {"step": j + 1, "original_step": steps[j], "corrupted_step": corrupted}
        return self._item(problem, str(j + 1), details, body)


_GROUP_ORDER = {"structural": 0, "text": 1, "task": 2}


def check_chain(names: Sequence[str]) -> list[Perturbation]:
    """The operators named, checked for existence and order (structural, then text, then at most one task)."""
    ops = [PERTURBATIONS[name] for name in names]
    groups = [_GROUP_ORDER[op.group] for op in ops]
    if groups != sorted(groups):
        raise ValueError(
            f"perturbations {list(names)} are out of order: structural ones (resample, relevant_clause, "
            "scenario) come first, then text ones, then one task (answerable, outcome, process)"
        )
    if sum(op.group == "task" for op in ops) > 1:
        raise ValueError("at most one MathCheck task per chain")
    return ops


def perturb(
    problem: Problem,
    names: str | Sequence[str],
    rng: np.random.Generator,
    family: VariantFamily | None = None,
) -> Problem:
    """Apply one operator or a chain of them (``"noop"``, ``["rename", "outcome"]``)."""
    for op in check_chain([names] if isinstance(names, str) else list(names)):
        problem = op(problem, rng, family)
    return problem


class PerturbedFamily(VariantFamily):
    """Every variant of ``base`` passed through the same chain of operators.

    The id is ``<base id>+<op>+<op>``; variant ``k`` uses a stream derived from that id and ``k``, so it is
    as reproducible as the base family. ``meta["base_family"]`` names the base.
    """

    def __init__(self, base: VariantFamily, names: Sequence[str]) -> None:
        super().__init__()
        self.base = base
        self.names = list(names)
        self.ops = check_chain(self.names)
        self.id = "+".join([base.id, *self.names])
        self.topic = base.topic

    def _make_variant(self, k: int) -> Problem:
        rng = derive_rng("mathgym.perturb", self.id, k)
        problem = self.base.variant(k)
        for op in self.ops:
            problem = op(problem, rng, self.base)
        meta = problem.to_dict()["meta"]
        meta.update({"base_family": self.base.id, "variant": k, "chain": self.names})
        return Problem(
            id=f"{self.id}/v{k}", prompt=problem.prompt, answer=problem.answer, family=self.id, meta=meta
        )

    def applicable(self, k: int = 0) -> bool:
        try:
            self.variant(k)
        except NotApplicable:
            return False
        return True


def split_family_id(family_id: str) -> tuple[str, list[str]]:
    """``"dyn/x+noop+outcome"`` -> ``("dyn/x", ["noop", "outcome"])``."""
    base, *ops = family_id.split("+")
    return base, ops


OperatorFn = Callable[[Problem, np.random.Generator, VariantFamily | None], Problem]
