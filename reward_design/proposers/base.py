"""The proposer protocol and what a proposer learns from earlier iterations.

Every proposer implements ``propose(context, feedback, n) -> list[str]``: ``n`` whole responses (prose and
code, as a language model would write them; the loop extracts the code). ``feedback`` is ``None`` on the
first iteration; later it carries the reflection text that an LLM reads and the structured history that
the offline ``evolve`` proposer reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from mathgym.reward_design.context import EnvContext


@dataclass
class CandidateRecord:
    """One evaluated candidate, as later iterations see it.

    :param id: ``"i<iteration>-c<index>"``.
    :param iteration: the iteration that proposed it.
    :param response: the whole response.
    :param code: the extracted code (``None`` when there was none).
    :param status: ``trained``, ``rejected`` (critic), ``filtered`` (pre-filter) or ``failed`` (in training).
    :param reason: why it was not trained or failed (``""`` when trained).
    :param fitness: held-out success after training, ``None`` otherwise.
    :param flagged: its return rose while true success fell (reward hacking): never selected.
    :param series: per tracked series (components, ``total``, ``task_score``), its values over training.
    :param executed: the code ran on the critic's transitions without an error.
    """

    id: str
    iteration: int
    response: str
    code: str | None
    status: str
    reason: str = ""
    fitness: float | None = None
    flagged: bool = False
    series: dict[str, list[float]] = field(default_factory=dict)
    executed: bool = False

    @property
    def selectable(self) -> bool:
        return self.status == "trained" and self.fitness is not None and not self.flagged


@dataclass
class Feedback:
    """What the loop tells the proposer before an iteration.

    :param iteration: the iteration about to be proposed (1 for the second).
    :param text: the reflection of the iteration's best candidate (or the error of one that failed), then
        the other candidates' rejection reasons: the next user message of an LLM conversation.
    :param best_response: the response ``text`` is about (the assistant message kept in context).
    :param history: every candidate evaluated so far.
    :param human: feedback written by a person for this iteration (Text2Reward), ``""`` when none.
    """

    iteration: int
    text: str
    best_response: str | None
    history: list[CandidateRecord] = field(default_factory=list)
    human: str = ""


class Proposer(Protocol):
    """Writes candidate reward functions."""

    def propose(self, context: EnvContext, feedback: Feedback | None, n: int) -> list[str]:
        """``n`` responses (fewer when a recorded source runs out)."""

    def skip(self, n: int) -> None:
        """Account for ``n`` responses already taken in an earlier run (resuming a run)."""

    def close(self) -> None: ...


PROPOSER_HELP = "evolve | recorded:PATH | vllm:PATH | hf:PATH | openai:URL#MODEL"


def make_proposer(spec: str, *, seed: int = 0, **llm_kwargs: Any) -> Proposer:
    """The proposer a spec names.

    :param spec: ``evolve`` (offline grammar-based evolution), ``recorded:PATH`` (replays a JSONL file of
        ``{"response": ...}`` lines; a test double), or an LLM policy spec (``vllm:PATH``, ``hf:PATH``,
        ``openai:URL#MODEL``).
    :param seed: seed of the proposer's own randomness (evolve, LLM sampling).
    :param llm_kwargs: :class:`~mathgym.reward_design.proposers.llm.LLMProposer` options (``temperature``,
        ``max_tokens``).
    """
    kind, _, rest = spec.partition(":")
    if spec == "evolve":
        from mathgym.reward_design.proposers.evolve import EvolveProposer

        return EvolveProposer(seed=seed)
    if kind == "recorded" and rest:
        from mathgym.reward_design.proposers.recorded import RecordedProposer

        return RecordedProposer(rest)
    if kind in ("vllm", "hf", "openai") and rest:
        from mathgym.reward_design.proposers.llm import LLMProposer

        return LLMProposer(spec, seed=seed, **llm_kwargs)
    raise ValueError(f"bad proposer {spec!r}; expected {PROPOSER_HELP}")
