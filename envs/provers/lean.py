"""Lean 4 theorem proving on miniF2F as a text environment (needs a Lean toolchain and the REPL)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mathgym.envs.provers.env import ProverEnv
from mathgym.problem import Problem
from mathgym.provers.base import ProverBackend
from mathgym.sources.base import Source

DOJO_REPO_HINT = (
    "LeanDojo only poses theorems of a traced repository, and these problems carry no location "
    "(meta['lean_dojo']). Pass dojo_repo={'url': ..., 'commit': ..., 'files': {'test': 'MiniF2F/Test.lean', "
    "'valid': 'MiniF2F/Valid.lean'}} naming the traced repository that holds the same theorems (a miniF2F "
    "Lean 4 port; a file may be a pattern such as 'MiniF2F/Test/{name}.lean'), or use backend='repl'."
)


class DojoLocatedSource(Source):
    """The problems of ``source``, each located in a traced LeanDojo repository by its theorem name.

    :param source: problems with ``meta["theorem_name"]`` (and ``meta["split"]`` when ``files`` is by split).
    :param url: the repository (GitHub URL or local git path).
    :param commit: its commit.
    :param files: the file holding the theorems (``{name}`` is replaced by the theorem name), or one such
        file per split.
    :param namespace: the namespace the theorems are declared in (``""``: none).
    """

    def __init__(
        self, source: Source, url: str, commit: str, files: str | Mapping[str, str], namespace: str = ""
    ) -> None:
        self.source = source
        self.url, self.commit = url, commit
        self.files = files
        self.namespace = namespace
        self.name = source.name

    def locate(self, problem: Problem) -> Problem:
        name = str(problem.meta.get("theorem_name") or "")
        if not name:
            raise ValueError(f"problem {problem.id!r} has no meta['theorem_name'] to find it by")
        if isinstance(self.files, str):
            pattern = self.files
        else:
            split = str(problem.meta.get("split", ""))
            if split not in self.files:
                raise ValueError(f"dojo_repo names no file for split {split!r} (problem {problem.id!r})")
            pattern = self.files[split]
        location = {
            "url": self.url,
            "commit": self.commit,
            "file_path": pattern.format(name=name),
            "full_name": f"{self.namespace}.{name}" if self.namespace else name,
        }
        return problem.replace(meta={**problem.to_dict()["meta"], "lean_dojo": location})

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, index: int) -> Problem:
        return self.locate(self.source[index])

    def find(self, problem_id: str) -> Problem:
        return self.locate(self.source.find(problem_id))

    def sample_index(self, rng: np.random.Generator) -> int:
        return self.source.sample_index(rng)

    def select(self, options: Mapping[str, Any]) -> Problem | None:
        chosen = self.source.select(options)
        return None if chosen is None else self.locate(chosen)


class LeanEnv(ProverEnv):
    """
    ## Description

    Prove a miniF2F competition theorem (AMC, AIME, IMO, MATH-derived) in Lean 4 with Mathlib, through the
    Lean REPL (:class:`~mathgym.provers.lean_repl.LeanREPLBackend`) or LeanDojo
    (:class:`~mathgym.provers.leandojo.LeanDojoBackend`). Each action is one or more Lean tactics; in
    ``whole_proof`` mode the one action is the tactic block after ``:= by`` (DeepSeek-Prover style).
    A proof is accepted only when the whole theorem re-elaborates without errors or ``sorry`` and
    ``#print axioms`` lists nothing beyond ``propext``, ``Classical.choice`` and ``Quot.sound``.

    Lean cannot be installed on every machine: without ``lake`` (and a built REPL plus a Mathlib
    project, see ``repl_path``/``project_dir``) construction raises
    :class:`~mathgym.provers.base.ProverUnavailableError` with the setup steps.

    ## Action Space

    ``UnicodeText(max_action_length)``. Tactics mentioning ``sorry``, ``admit``, ``native_decide``,
    ``run_tac``, ``#eval``, ``axiom`` and similar are refused (status ``forbidden``).

    ## Observation Space

    ``UnicodeText(max_observation_length)``: instruction, the theorem (with its informal statement when
    known), then the goals (``case`` tag, hypotheses, target) and the error after a failed step.

    ## Rewards

    ``+1`` for an accepted proof, ``-step_cost`` per step, ``-error_penalty`` for a failed step; see
    :class:`ProverEnv`.

    ## Starting State

    A miniF2F problem of ``split`` drawn with ``np_random`` (or ``options={"problem_id": ...}``).

    ## Episode End

    Terminated when no goals remain (then verified) or after the whole-proof action; truncated after
    ``max_steps``.

    ## Arguments

    :param split: ``"test"`` (default), ``"valid"`` or ``"all"``.
    :param data_dir: where the miniF2F statements are (see :class:`~mathgym.sources.minif2f.MiniF2FSource`).
    :param port: which Lean 4 port of miniF2F: ``"deepseek"`` (default) or ``"yangky11"``.
    :param hub_id: read the statements from this Hugging Face dataset instead.
    :param source: any source of Lean problems, instead of ``split``/``data_dir``/``port``/``hub_id``.
    :param backend: ``"repl"`` (default), ``"leandojo"``, or a ready backend object.
    :param repl_command: the REPL command line (default ``lake env <repl_path>/.lake/build/bin/repl``).
    :param repl_path: the built REPL (default ``$MATHGYM_LEAN_REPL``).
    :param project_dir: the Mathlib project (default ``$MATHGYM_LEAN_PROJECT``).
    :param tactic_timeout: client-side seconds per tactic (default 60).
    :param dojo_repo: LeanDojo only poses theorems of a traced repository: ``url``, ``commit``, ``files`` by
        split and an optional ``namespace`` locate each problem there by its theorem name, unless the
        source's problems carry ``meta["lean_dojo"]`` already.
    :param allow_trace: let LeanDojo trace an untraced repository (hours, network) instead of failing.
    :param kwargs: go to :class:`~mathgym.envs.provers.env.ProverEnv`.

    ## Example

    >>> import gymnasium as gym
    >>> env = gym.make("mathgym/Lean-MiniF2F-v0")  # needs Lean 4, a built REPL and Mathlib (see above)
    >>> obs, info = env.reset(options={"problem_id": "minif2f/test/mathd_algebra_478"})
    >>> obs, reward, terminated, truncated, info = env.step("rw [h₁, h₂, h₃]; norm_num")
    >>> env.close()

    ## Version History

    * v0: the initial version (mathgym 0.1.0).
    """

    prover_label = "Lean 4"

    def __init__(
        self,
        split: str = "test",
        data_dir: str | os.PathLike[str] | None = None,
        *,
        port: str = "deepseek",
        hub_id: str | None = None,
        source: Source | None = None,
        backend: str | ProverBackend = "repl",
        repl_command: Sequence[str] | None = None,
        repl_path: str | None = None,
        project_dir: str | None = None,
        tactic_timeout: float = 60.0,
        dojo_repo: Mapping[str, Any] | None = None,
        allow_trace: bool = False,
        **kwargs: Any,
    ) -> None:
        if source is None:
            from mathgym.sources.minif2f import MiniF2FSource

            source = MiniF2FSource(split, data_dir, port=port, hub_id=hub_id)
        if getattr(backend, "name", backend) == "leandojo":
            source = self._located(source, dojo_repo)
        if backend == "repl":
            from mathgym.provers.lean_repl import LeanREPLBackend

            backend = LeanREPLBackend(
                repl_command, repl_path=repl_path, project_dir=project_dir, tactic_timeout=tactic_timeout
            )
            owned = True
        elif backend == "leandojo":
            from mathgym.provers.leandojo import LeanDojoBackend

            backend = LeanDojoBackend(timeout=int(tactic_timeout), allow_trace=allow_trace)
            owned = True
        elif isinstance(backend, str):
            raise ValueError(f"backend must be 'repl', 'leandojo' or a ProverBackend, got {backend!r}")
        else:
            owned = False
        super().__init__(source, backend, tactic_timeout=tactic_timeout, owns_backend=owned, **kwargs)

    @staticmethod
    def _located(source: Source, dojo_repo: Mapping[str, Any] | None) -> Source:
        """``source`` with LeanDojo locations (checked now, so that no reset fails for the lack of one)."""
        if dojo_repo is not None:
            missing = [key for key in ("url", "commit", "files") if not dojo_repo.get(key)]
            if missing:
                raise ValueError(f"dojo_repo lacks {missing}. {DOJO_REPO_HINT}")
            url, commit = str(dojo_repo["url"]), str(dojo_repo["commit"])
            namespace = str(dojo_repo.get("namespace", ""))
            return DojoLocatedSource(source, url, commit, dojo_repo["files"], namespace)
        if len(source) == 0 or not source[0].meta.get("lean_dojo"):
            raise ValueError(DOJO_REPO_HINT)
        return source
