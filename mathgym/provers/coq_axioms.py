"""Which axioms a finished Coq proof depends on, without paying ``Print Assumptions`` every time.

``Print Assumptions NAME`` walks the whole dependency closure of a theorem on every call: 0.3-1.5 s after
``lia``/``lra`` proofs, almost all of it in the library beneath them (the constructive reals alone are
thousands of constants). The answer for a library constant never changes while its header (the
``Require``s) stays the same, so it is worth remembering, and the axioms of a proof are the union of the
axioms of the constants its proof term mentions directly.

How a proof is checked (:meth:`AxiomCache.proof_axioms`):

1. its term is printed with ``Set Printing All`` (every constant, implicit argument and coercion spelled
   out, no notation hiding a constant) and every identifier in it is a candidate;
2. identifiers the problem's preamble may define (``Fixpoint fact ...``) are answered by ``Print
   Assumptions`` on the spot (their closure is small), per problem;
3. every other identifier is a bound variable or a constant of the header's environment: a cached answer
   is used; an identifier ``Print`` cannot find is a bound variable (cached as such); a constant without
   a cached answer makes this check fall back to ``Print Assumptions NAME`` (the old, slow, sound way)
   and is handed to the *oracle*;
4. the oracle, a second contained ``coqidetop`` with only the header loaded, runs in a background thread
   and works out the axioms of handed-over constants by following their printed bodies down to
   constants without a printable body (axioms, module-sealed symbols such as ``Rplus``), for which it
   asks ``Print Assumptions`` once. Its answers fill the cache, so later checks are fast.

Why this is sound: an action can declare no constant (vernacular is refused; proofs using ``abstract``,
the one tactic that declares auxiliary constants, always get the full ``Print Assumptions``), so a
proof's identifiers are bound variables or constants of its environment. Cached answers are kept per
header, and only for names the preamble cannot have redefined: a preamble with anything but scope
commands and ``Fixpoint``/``Definition`` sentences gets no cached answers at all. Coq prints a constant
under a name that resolves to it where it is printed, and a qualified name that cannot be looked up makes
the check fall back too.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterable, Sequence

from mathgym.provers.containment import ProcessLimits

#: words of ``Print`` output that are syntax, not names
SYNTAX_WORDS = frozenset(
    [
        "fun",
        "forall",
        "let",
        "in",
        "match",
        "with",
        "end",
        "as",
        "return",
        "fix",
        "cofix",
        "struct",
        "if",
        "then",
        "else",
        "is",
        "where",
        "exists",
        "for",
        "Type",
        "Set",
        "Prop",
        "SProp",
        "Inductive",
        "CoInductive",
        "Record",
        "Structure",
        "Variant",
        "Class",
        "Notation",
    ]
)
_IDENT = re.compile(r"(?<![\w'.])@?([A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*)")
#: ``Print`` output that shows a body or a definition to follow (anything else is an assumption)
_HAS_BODY = re.compile(
    r"^(?:\S+?(?:@\{[^}]*\})?\s*=|(?:Inductive|CoInductive|Record|Structure|Variant|Class|Notation)\s)"
)
#: tactics that declare auxiliary constants during a proof
DECLARING_TACTICS = re.compile(r"\b(?:abstract|transparent_abstract)\b")
_SCOPE_COMMAND = re.compile(r"^(?:(?:Local|Global)\s+)?(?:Open|Close)\s+Scope\s+[\w%]+\s*\.$")
_DEFINITION = re.compile(r"^(?:Fixpoint|Definition)\s+([A-Za-z_][\w']*)")

#: ``query(command) -> notices``: a query run at a fixed document state; raises on a Coq error
Query = Callable[[str], list[str]]


class CoqQueryError(Exception):
    """A query failed in Coq (the text says why)."""


class _Stopped(Exception):
    """The oracle was asked to stop in the middle of a walk."""


class LookupFailed(Exception):
    """A qualified name could not be looked up: only ``Print Assumptions`` on the proof can answer."""


def parse_assumptions(text: str) -> list[str]:
    """Names listed by ``Print Assumptions`` (empty for "Closed under the global context")."""
    if "Closed under the global context" in text:
        return []
    names = []
    for line in text.splitlines():
        if not line.strip() or line[0].isspace():
            continue  # blank, or the continuation of a multi-line type
        if line.rstrip().endswith(":") and " : " not in line:
            continue  # a section header: "Axioms:", "Section Variables:", ...
        names.append(line.split(" : ", 1)[0].strip())
    return names


def referenced_names(printed: str) -> set[str]:
    """Identifiers in a ``Print`` answer (its term and type, not the ``Arguments`` lines after them)."""
    text = printed.split("\n\n", 1)[0]
    return {m.group(1) for m in _IDENT.finditer(text)} - SYNTAX_WORDS


def has_body(printed: str) -> bool:
    """Whether a ``Print`` answer shows something to follow (a body, an inductive, a notation)."""
    return bool(_HAS_BODY.match(printed.strip()))


def preamble_names(preamble: Sequence[str]) -> set[str] | None:
    """Names a preamble may define, or ``None`` when it holds anything but scope commands and
    ``Fixpoint``/``Definition`` sentences (then no cached answer may stand for any of its names)."""
    names: set[str] = set()
    for sentence in preamble:
        text = " ".join(sentence.split())
        if _SCOPE_COMMAND.match(text):
            continue
        match = _DEFINITION.match(text)
        if match is None:
            return None
        names.add(match.group(1))
        # a mutual block ("... with other ...") may name more: count every word after a "with"
        names.update(re.findall(r"\bwith\s+([A-Za-z_][\w']*)", text))
    return names


def assumptions_of(query: Query, name: str) -> list[str]:
    """``Print Assumptions name``."""
    return [axiom for notice in query(f"Print Assumptions {name}.") for axiom in parse_assumptions(notice)]


def constant_axioms(query: Query, table: dict[str, frozenset[str] | None], root: str) -> frozenset[str]:
    """Axioms of constant ``root`` (nothing for a bound variable's name), following the constants its
    printed body mentions; every name looked at is recorded in ``table``.

    :param query: runs ``Print``/``Print Assumptions`` in an environment with ``Set Printing All``.
    :param table: name -> its axioms, or ``None`` for a name that is not a constant.
    :raises LookupFailed: a qualified name that cannot be looked up.
    """
    stack = [root]
    mentions: dict[str, set[str]] = {}  # names expanded and not finished yet
    while stack:
        name = stack[-1]
        if name in table:
            stack.pop()
            continue
        if name not in mentions:
            try:
                printed = "\n".join(query(f"Print {name}.")).strip()
            except CoqQueryError:
                if "." in name:  # a qualified name that does not resolve: an inaccessible constant?
                    raise LookupFailed(name) from None
                table[name] = None  # a bound variable
                stack.pop()
                continue
            if not has_body(printed):  # an axiom, a module-sealed symbol, a body not at hand
                try:
                    table[name] = frozenset(assumptions_of(query, name))
                except CoqQueryError:
                    table[name] = None  # printable but not a term (a module): mentioned by a body's text
                stack.pop()
                continue
            mentions[name] = referenced_names(printed) - {name}
            # a name being expanded already is a member of the same inductive block (each member prints
            # the whole block) or another name of this constant: what it mentions is mentioned here too
            stack.extend(m for m in mentions[name] if m not in mentions and m not in table)
            continue
        found: set[str] = set()
        for mention in mentions.pop(name):
            found |= table.get(mention) or frozenset()
        table[name] = frozenset(found)
        stack.pop()
    return table[root] or frozenset()


class AxiomOracle(threading.Thread):
    """A background ``coqidetop`` with one header loaded, working out the axioms of library constants.

    :param header: the ``Require`` sentences of the environment.
    :param table: the shared answers (name -> axioms, ``None`` for a non-constant); written here only.
    :param limits: rlimits of the process.
    :param isolation: containment level of the process.
    :param executable: the coqidetop binary.
    :param timeout: seconds allowed for one query (and for the header).
    """

    def __init__(
        self,
        header: tuple[str, ...],
        table: dict[str, frozenset[str] | None],
        *,
        limits: ProcessLimits,
        isolation: str,
        executable: str,
        timeout: float,
    ) -> None:
        super().__init__(name=f"coq-axiom-oracle-{abs(hash(header)) % 10_000}", daemon=True)
        self.header = header
        self.table = table
        self.limits, self.isolation, self.executable = limits, isolation, executable
        self.timeout = timeout
        self.names: queue.Queue[str | None] = queue.Queue()
        self.failed: str | None = None
        self._idle = threading.Condition()
        self._pending = 0
        self._stopping = False

    def submit(self, names: Iterable[str]) -> None:
        """Work out these names' axioms, in the background."""
        for name in names:
            with self._idle:
                self._pending += 1
            self.names.put(name)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every submitted name is done; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0 or self.failed is not None, timeout)

    def stop(self) -> None:
        """Stop soon: the walk in progress ends at its next query."""
        self._stopping = True
        self.names.put(None)

    def run(self) -> None:
        from mathgym.provers.coq_xml import CoqFailure, CoqIdeTop

        coq = CoqIdeTop(limits=self.limits, isolation=self.isolation, executable=self.executable)
        try:
            state = coq.start()
            for sentence in (*self.header, "Set Printing All."):
                state, _, _ = coq.run(sentence, state, self.timeout)
        except Exception as exc:  # noqa: BLE001 - the cache just stays cold; checks fall back
            self._give_up(f"the axiom oracle could not start: {exc}")
            coq.close()
            return

        def query(command: str) -> list[str]:
            if self._stopping:
                raise _Stopped
            try:
                return coq.query(command, state, self.timeout)
            except CoqFailure as exc:
                raise CoqQueryError(exc.message) from None

        try:
            while True:
                name = self.names.get()
                if name is None:
                    return
                try:
                    if name not in self.table:
                        constant_axioms(query, self.table, name)
                except LookupFailed:
                    pass  # never cached: checks that need it keep falling back
                except _Stopped:
                    return
                finally:
                    with self._idle:
                        self._pending -= 1
                        self._idle.notify_all()
        except Exception as exc:  # noqa: BLE001 - a dead process: checks fall back from now on
            self._give_up(f"the axiom oracle stopped: {exc}")
        finally:
            coq.close()

    def _give_up(self, reason: str) -> None:
        with self._idle:
            self.failed = reason
            self._idle.notify_all()


class AxiomCache:
    """Remembered axioms of library constants, per header, filled by one :class:`AxiomOracle` each.

    :param limits: rlimits of the oracle processes.
    :param isolation: their containment level.
    :param executable: the coqidetop binary.
    :param timeout: seconds per query.
    :param background: start oracles (``False``: every check is a plain ``Print Assumptions``).
    """

    def __init__(
        self,
        *,
        limits: ProcessLimits,
        isolation: str,
        executable: str,
        timeout: float,
        background: bool = True,
    ) -> None:
        self.limits, self.isolation, self.executable = limits, isolation, executable
        self.timeout = timeout
        self.background = background
        self.tables: dict[tuple[str, ...], dict[str, frozenset[str] | None]] = {}
        self.oracles: dict[tuple[str, ...], AxiomOracle] = {}
        #: how the last :meth:`proof_axioms` answered: ``"cache"`` or ``"print-assumptions"``
        self.last_path = ""

    def proof_axioms(
        self, query: Query, name: str, header: tuple[str, ...], preamble: Sequence[str], proof: str
    ) -> list[str]:
        """Axioms theorem ``name`` depends on; ``query`` runs at the state right after its ``Qed``.

        :param query: queries at that state (the caller has set ``Printing All`` there).
        :param name: the theorem.
        :param header: the problem's header sentences.
        :param preamble: the problem's preamble sentences.
        :param proof: the tactic script (a proof using ``abstract`` always gets ``Print Assumptions``).
        """
        defined = preamble_names(preamble)
        if defined is None or DECLARING_TACTICS.search(proof):
            return self._fallback(query, name)
        printed = "\n".join(query(f"Print {name}.")).strip()
        if not has_body(printed):
            return self._fallback(query, name)
        table = self.tables.setdefault(header, {})
        axioms: set[str] = set()
        missing: list[str] = []
        for ident in sorted(referenced_names(printed) - {name}):
            if ident in defined:  # the preamble's own definitions: small closures, asked on the spot
                axioms |= set(assumptions_of(query, ident))
            elif ident in table:
                axioms |= table[ident] or frozenset()
            else:
                try:
                    query(f"Print {ident}.")
                except CoqQueryError:
                    if "." in ident:
                        return self._fallback(query, name)
                    table[ident] = None  # a bound variable (the preamble defines no such name)
                    continue
                missing.append(ident)
        if missing:
            self._submit(header, missing)
            return self._fallback(query, name)
        self.last_path = "cache"
        return sorted(axioms)

    def _fallback(self, query: Query, name: str) -> list[str]:
        self.last_path = "print-assumptions"
        return assumptions_of(query, name)

    def _submit(self, header: tuple[str, ...], names: list[str]) -> None:
        if not self.background:
            return
        oracle = self.oracles.get(header)
        if oracle is None or not oracle.is_alive():
            oracle = AxiomOracle(
                header,
                self.tables.setdefault(header, {}),
                limits=self.limits,
                isolation=self.isolation,
                executable=self.executable,
                timeout=self.timeout,
            )
            self.oracles[header] = oracle
            oracle.start()
        oracle.submit(names)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the oracles have worked out everything handed to them (benchmarks, tests)."""
        return all(oracle.wait_idle(timeout) for oracle in list(self.oracles.values()))

    def close(self) -> None:
        for oracle in self.oracles.values():
            oracle.stop()
        for oracle in self.oracles.values():
            oracle.join(timeout=10)
        self.oracles.clear()
