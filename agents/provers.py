"""Proof-search agents for the prover envs: a scripted tactic prover and best-first search.

* :class:`ScriptedProver` tries a fixed list of tactics in order on every new goal state (a baseline
  and a test fixture).
* :func:`best_first_search` explores the proof tree through the env's ``get_state``/``set_state``: it
  expands the most promising state first, asking a *proposer* for candidate tactics. A proposer is any
  ``propose(observation, info) -> [(tactic, log_prob), ...]``; this is where an LLM tactic generator plugs
  in (sample ``n`` completions of the observation from a policy and return them with their log-probs).
  Any ``score(node) -> float`` orders the frontier; the default is the cumulative log-probability
  (GPT-f / LeanDojo style). :class:`BestFirstProver` wraps it as an :class:`~mathgym.agents.base.Agent`.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mathgym.agents.base import Agent
from mathgym.seeding import derive_seed

#: induction on whichever list/nat variable works (Ltac's match backtracks to the next candidate on failure)
INDUCT_LIST = (
    "intros; match goal with | [ x : list _ |- _ ] => "
    "solve [induction x as [| h t IH]; simpl; try rewrite IH; auto; lia] end."
)
INDUCT_NAT = (
    "intros; match goal with | [ x : nat |- _ ] => "
    "solve [induction x as [| t IH]; simpl; try rewrite IH; auto; nia] end."
)
#: tactics the scripted prover tries, cheapest first (Coq)
COQ_TACTICS: tuple[str, ...] = (
    # finishing tactics first (they either close the goal or fail, so they never wander off) ...
    "reflexivity.",
    "intros; lia.",
    "intros; lra.",
    "intros; ring.",
    "intros; split; lia.",
    "intros; split; lra.",
    "intros; nia.",
    "intros; nra.",
    "intros; field; lra.",
    "solve [intros; auto].",
    "intros; simpl; ring.",
    "intros; simpl; lia.",
    "solve [intros; congruence].",
    "solve [intros; firstorder].",
    "intros n; induction n; simpl; lia.",
    "induction n; simpl; lia.",
    "intros n; induction n; simpl; nia.",
    "intros A l; induction l; simpl; congruence.",
    "intros; subst; simpl; lia.",
    INDUCT_LIST,
    INDUCT_NAT,
    # ... then progress tactics, after which the list starts again on the new goals
    "intros.",
    "simpl.",
    "split.",
)
#: tactics the scripted prover tries on Lean 4 / Mathlib goals
LEAN_TACTICS: tuple[str, ...] = (
    "rfl",
    "norm_num",
    "simp",
    "omega",
    "decide",
    "linarith",
    "nlinarith [sq_nonneg (a - b)]",
    "positivity",
    "ring",
    "field_simp",
    "intro h",
    "aesop",
)
#: tactics best-first search proposes at every Coq state: finishers first, then progress steps to chain
COQ_SEARCH_TACTICS: tuple[str, ...] = (
    "reflexivity.",
    "intros; lia.",
    "intros; nia.",
    "intros; lra.",
    "intros; nra.",
    "intros; ring.",
    "intros; field; lra.",
    "solve [intros; auto].",
    "solve [intros; congruence].",
    "solve [intros; firstorder].",
    INDUCT_LIST,
    INDUCT_NAT,
    "all: lia.",
    "all: nia.",
    "all: lra.",
    "all: nra.",
    "all: reflexivity.",
    "all: (simpl; congruence).",
    "intros.",
    "split.",
    "simpl.",
    "intros n; induction n as [| n IH]; simpl.",
    "induction n as [| n IH]; simpl.",
    "intros A l; induction l as [| x l IH]; simpl.",
    "destruct n as [| n]; simpl.",
    "left.",
    "right.",
    "subst.",
)

Proposer = Callable[[str, Mapping[str, Any]], Sequence[tuple[str, float]]]


def default_tactics(info: Mapping[str, Any]) -> tuple[str, ...]:
    """The scripted tactic list for the env's prover (``info["prover"]``)."""
    return LEAN_TACTICS if str(info.get("prover", "coq")).startswith("lean") else COQ_TACTICS


def _goal_key(info: Mapping[str, Any]) -> tuple:
    return (
        info.get("problem_id"),
        tuple((tuple(g["hypotheses"]), g["target"]) for g in info.get("goals", ())),
    )


class ScriptedProver(Agent):
    """Tries a fixed tactic list, in order, on each distinct goal state; falls back to the first tactic.

    Keyed by the goals (not the state id), so a tactic that succeeds without changing anything (Coq's
    ``intros`` on a goal with nothing to introduce) is not retried in a loop.

    :param tactics: the list (default: :data:`COQ_TACTICS` or :data:`LEAN_TACTICS` by ``info["prover"]``).
    """

    name = "scripted-prover"

    def __init__(
        self, env: Any = None, seed: int | None = None, tactics: Sequence[str] | None = None
    ) -> None:
        super().__init__(env, seed)
        self.tactics = tuple(tactics) if tactics is not None else None
        self._tried: dict[tuple, set[str]] = {}

    def reset(self, *, seed: int | None = None) -> None:
        super().reset(seed=seed)
        self._tried.clear()

    def act(self, observation: Any, info: Mapping[str, Any]) -> str:
        tactics = self.tactics or default_tactics(info)
        tried = self._tried.setdefault(_goal_key(info), set())
        for tactic in tactics:
            if tactic not in tried:
                tried.add(tactic)
                return tactic
        return tactics[0]


class FixedTacticProposer:
    """A proposer that offers the same tactics at every state, log-probabilities decreasing with rank.

    :param tactics: the candidates (default by prover, as for :class:`ScriptedProver`, with the extra
        progress tactics of :data:`COQ_SEARCH_TACTICS` for Coq).
    :param decay: log-probability lost per rank.
    """

    def __init__(self, tactics: Sequence[str] | None = None, decay: float = 0.15) -> None:
        self.tactics = tuple(tactics) if tactics is not None else None
        self.decay = decay

    def __call__(self, observation: str, info: Mapping[str, Any]) -> list[tuple[str, float]]:
        tactics = self.tactics
        if tactics is None:
            tactics = (
                LEAN_TACTICS if str(info.get("prover", "coq")).startswith("lean") else COQ_SEARCH_TACTICS
            )
        return [(tactic, -self.decay * rank) for rank, tactic in enumerate(tactics)]


@dataclass
class SearchNode:
    """A frontier entry: an env snapshot and how it was reached."""

    snapshot: dict[str, Any]
    observation: str
    info: dict[str, Any]
    log_prob: float
    depth: int


def cumulative_log_prob(node: SearchNode) -> float:
    """Default priority: the summed log-probability of the tactics on the path (higher first)."""
    return node.log_prob


@dataclass
class SearchResult:
    """What :func:`best_first_search` found.

    :param proved: a proof was accepted by the prover's ``verify``.
    :param proof: the accepted actions (empty when not proved).
    :param verdict: the verdict dict of the proof (``None`` when none was checked).
    :param attempts: tactic applications spent.
    :param expanded: states expanded.
    """

    proved: bool
    proof: list[str] = field(default_factory=list)
    verdict: dict[str, Any] | None = None
    attempts: int = 0
    expanded: int = 0


def best_first_search(
    env: Any,
    observation: str,
    info: Mapping[str, Any],
    propose: Proposer | None = None,
    score: Callable[[SearchNode], float] = cumulative_log_prob,
    *,
    budget: int = 256,
    max_depth: int = 16,
) -> SearchResult:
    """Best-first proof search from the env's current state (call after ``reset``).

    The env is left in whatever state was visited last; restore a snapshot to continue an episode.

    :param env: a prover env (anything whose ``unwrapped`` has ``get_state``/``set_state``).
    :param observation: / :param info: the current observation and info.
    :param propose: candidate tactics with log-probabilities (default :class:`FixedTacticProposer`).
    :param score: frontier priority, higher first.
    :param budget: most tactic applications to spend.
    :param max_depth: deepest path to explore.
    """
    base = env.unwrapped
    propose = propose or FixedTacticProposer()
    counter = itertools.count()  # tie-breaker: earlier pushes first
    root = SearchNode(base.get_state(), observation, dict(info), 0.0, 0)
    frontier: list[tuple[float, int, SearchNode]] = [(-score(root), next(counter), root)]
    seen = {info.get("state_id")}
    result = SearchResult(proved=False)
    while frontier and result.attempts < budget:
        _, _, node = heapq.heappop(frontier)
        result.expanded += 1
        for tactic, log_prob in propose(node.observation, node.info):
            if result.attempts >= budget:
                break
            base.set_state(node.snapshot)
            result.attempts += 1
            obs, _, terminated, truncated, step_info = env.step(tactic)
            if step_info["status"] in ("error", "timeout", "forbidden", "crashed"):
                continue
            if terminated:
                verdict = step_info.get("verdict")
                if verdict is not None and verdict["correct"]:
                    return SearchResult(
                        True, list(step_info["proof"]), verdict, result.attempts, result.expanded
                    )
                continue
            if truncated or step_info["state_id"] in seen or node.depth + 1 >= max_depth:
                continue
            seen.add(step_info["state_id"])
            child = SearchNode(
                base.get_state(), obs, dict(step_info), node.log_prob + float(log_prob), node.depth + 1
            )
            heapq.heappush(frontier, (-score(child), next(counter), child))
    return result


class BestFirstProver(Agent):
    """An agent that searches for a whole proof on its first move, then plays it back step by step.

    If the search fails it plays the proposer's best tactic for the current state instead.

    :param env: the env it acts in (needed: the search branches through its ``get_state``/``set_state``).
    :param propose: the proposer (the LLM seam), default :class:`FixedTacticProposer`.
    :param score: frontier priority (default cumulative log-probability).
    :param budget: tactic applications per search.
    """

    name = "best-first-prover"

    def __init__(
        self,
        env: Any = None,
        seed: int | None = None,
        propose: Proposer | None = None,
        score: Callable[[SearchNode], float] = cumulative_log_prob,
        budget: int = 256,
        max_depth: int = 16,
    ) -> None:
        super().__init__(env, seed)
        self.propose = propose or FixedTacticProposer()
        self.score = score
        self.budget = budget
        self.max_depth = max_depth
        self.plan: list[str] | None = None
        self.last_search: SearchResult | None = None

    def reset(self, *, seed: int | None = None) -> None:
        super().reset(seed=seed)
        self.plan = None

    def act(self, observation: Any, info: Mapping[str, Any]) -> str:
        if self.env is None:
            raise ValueError("BestFirstProver needs the env: make_agent('best-first-prover', env=env)")
        if self.plan is None:
            snapshot = self.env.unwrapped.get_state()
            self.last_search = best_first_search(
                self.env,
                observation,
                info,
                self.propose,
                self.score,
                budget=self.budget,
                max_depth=self.max_depth,
            )
            self.env.unwrapped.set_state(snapshot)
            done = len(info.get("proof", ()))
            self.plan = self.last_search.proof[done:] if self.last_search.proved else []
        if self.plan:
            return self.plan.pop(0)
        ranked = sorted(self.propose(observation, info), key=lambda pair: -pair[1])
        return ranked[0][0] if ranked else "idtac."


def solve_rate(env: Any, agent: Agent, problem_ids: Sequence[str], *, seed: int = 0) -> dict[str, Any]:
    """Run one episode per problem.

    :returns: ``{"solved": k, "total": n, "rate": k / n, "per_problem": {problem_id: solved}}``.
    """
    per_problem: dict[str, bool] = {}
    for problem_id in problem_ids:
        episode_seed = derive_seed(seed, problem_id)
        agent.reset(seed=episode_seed)
        obs, info = env.reset(seed=episode_seed, options={"problem_id": problem_id})
        solved = False
        while True:
            obs, _, terminated, truncated, info = env.step(agent.act(obs, info))
            if terminated or truncated:
                solved = bool(info.get("verdict") and info["verdict"]["correct"])
                break
        per_problem[problem_id] = solved
    total = len(per_problem)
    solved_count = sum(per_problem.values())
    return {
        "solved": solved_count,
        "total": total,
        "rate": solved_count / total if total else math.nan,
        "per_problem": per_problem,
    }
