"""A client for ``coqidetop``'s XML protocol (the protocol CoqIDE speaks), Coq 8.16.

Why XML rather than ``coqtop -emacs`` text: errors arrive as ``<value val="fail">`` or error-level
feedback (never confused with warnings), every goal comes with its own hypotheses, and document states
have explicit ids that ``Edit_at`` can return to. Calls used:

* ``Init`` → the initial state id;
* ``Add`` (one sentence on top of a state) → the new state id. Add is lazy: nothing runs until
* ``Goal`` → runs everything added so far and returns focused, background, shelved and given-up goals;
* ``Edit_at`` → discards every state after the given one (used after a failure and to backtrack);
* ``Query`` → runs a query (``Print``) at a state without adding it to the document.

Output of commands such as ``Print Assumptions`` arrives as ``<feedback>`` messages, collected per call.
"""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from mathgym.provers.base import Goal
from mathgym.provers.containment import ContainedProcess, ProcessLimits

_END = b"</value>"
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


class CoqFailure(Exception):
    """Coq refused or failed a sentence; ``message`` is Coq's error text."""

    def __init__(self, message: str, timed_out: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.timed_out = timed_out


@dataclass
class GoalsSnapshot:
    """The ``Goal`` answer: focused goals, goals waiting in the focus stack, shelved and given-up goals."""

    focused: list[Goal] = field(default_factory=list)
    background: list[Goal] = field(default_factory=list)
    shelved: list[Goal] = field(default_factory=list)
    given_up: list[Goal] = field(default_factory=list)

    @property
    def all_open(self) -> list[Goal]:
        """Every goal that still has to be proved, focused ones first."""
        return self.focused + self.background + self.shelved + self.given_up


@dataclass
class Reply:
    """One answer: the ``<value>`` element and the messages that came with it, by state id."""

    value: ET.Element
    messages: list[tuple[int | None, str, str]]  # (state id, level, text)

    @property
    def good(self) -> bool:
        return self.value.get("val") == "good"

    def errors_for(self, state_id: int) -> list[str]:
        return [text for sid, level, text in self.messages if sid == state_id and level == "error"]


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _fix_entities(text: str) -> str:
    # richpp uses HTML entities such as &nbsp; that plain XML does not know
    def repl(match: re.Match) -> str:
        name = match.group(1)
        if name in _XML_ENTITIES:
            return match.group(0)
        return f"&#{html.entities.name2codepoint.get(name, 63)};"

    return _NAMED_ENTITY.sub(repl, text)


def richpp_text(element: ET.Element | None) -> str:
    """Plain text of a ``<richpp>`` element (or of any element)."""
    if element is None:
        return ""
    return "".join(element.itertext()).replace("\xa0", " ")


def _find_end(buffer: bytearray) -> int | None:
    index = buffer.find(_END)
    return None if index < 0 else index + len(_END)


def _parse_goal(element: ET.Element) -> Goal:
    children = list(element)
    hyps = tuple(richpp_text(h).strip() for h in children[1]) if len(children) > 1 else ()
    target = richpp_text(children[2]).strip() if len(children) > 2 else ""
    case = None
    if len(children) > 3 and children[3].tag == "option" and children[3].get("val") == "some":
        case = richpp_text(children[3]).strip() or None
    return Goal(hypotheses=hyps, target=target, case=case)


def _goal_list(element: ET.Element | None) -> list[Goal]:
    return [] if element is None else [_parse_goal(g) for g in element.findall("goal")]


def parse_goals(value: ET.Element) -> GoalsSnapshot | None:
    """The goals in a ``Goal`` answer, or ``None`` when no proof is open."""
    option = value.find("option")
    if option is None or option.get("val") != "some":
        return None
    goals = option.find("goals")
    if goals is None:
        return None
    lists = goals.findall("list")
    snapshot = GoalsSnapshot(focused=_goal_list(lists[0]) if lists else [])
    if len(lists) > 1:  # the focus stack: a list of (goals before, goals after) pairs
        for pair in lists[1].findall("pair"):
            for sub in pair.findall("list"):
                snapshot.background.extend(_goal_list(sub))
    if len(lists) > 2:
        snapshot.shelved = _goal_list(lists[2])
    if len(lists) > 3:
        snapshot.given_up = _goal_list(lists[3])
    return snapshot


class CoqIdeTop:
    """One ``coqidetop`` process, contained (see :mod:`mathgym.provers.containment`).

    :param limits: rlimits of the process.
    :param isolation: containment level (``"auto"``: the strongest that works here).
    :param executable: the coqidetop binary.
    :param start_timeout: seconds allowed for start-up and ``Init``.
    """

    def __init__(
        self,
        *,
        limits: ProcessLimits = ProcessLimits(),
        isolation: str = "auto",
        executable: str = "coqidetop.opt",
        start_timeout: float = 30.0,
    ) -> None:
        argv = [executable, "-main-channel", "stdfds", "-q", "-async-proofs", "off", "-native-compiler", "no"]
        self.process = ContainedProcess(argv, limits=limits, isolation=isolation)
        self.start_timeout = start_timeout
        self.initial_state: int | None = None
        self.tip: int | None = None

    @property
    def isolation(self) -> str:
        return self.process.isolation

    @property
    def alive(self) -> bool:
        return self.process.alive

    def start(self) -> int:
        """(Re)start the process and return the initial state id."""
        self.process.start()
        reply = self.call('<call val="Init"><option val="none"/></call>', self.start_timeout)
        if not reply.good:
            raise CoqFailure(f"coqidetop Init failed: {richpp_text(reply.value)}")
        self.initial_state = self.tip = int(reply.value.find("state_id").get("val"))
        return self.initial_state

    def close(self) -> None:
        if self.process.alive:
            try:
                self.process.write(b'<call val="Quit"><unit/></call>')
            except Exception:  # noqa: BLE001  (best effort: kill() below ends it anyway)
                pass
        self.process.kill()
        self.initial_state = self.tip = None

    # -- calls ---------------------------------------------------------------------------------------
    def call(self, xml: str, timeout: float) -> Reply:
        """Send one call and wait for its ``<value>``; feedback before it is collected as messages."""
        self.process.write(xml.encode("utf-8"))
        return self._read_reply(timeout)

    def _read_reply(self, timeout: float) -> Reply:
        raw = self.process.read_until(_find_end, timeout).decode("utf-8", "replace")
        root = ET.fromstring(f"<r>{_fix_entities(raw)}</r>")
        messages: list[tuple[int | None, str, str]] = []
        value = None
        for element in root:
            if element.tag == "value":
                value = element
            elif element.tag == "feedback":
                content = element.find("feedback_content")
                if content is None or content.get("val") != "message":
                    continue
                sid_el = element.find("state_id")
                level_el = content.find("message/message_level")
                messages.append(
                    (
                        int(sid_el.get("val")) if sid_el is not None else None,
                        level_el.get("val") if level_el is not None else "notice",
                        richpp_text(content.find("message/richpp")).strip(),
                    )
                )
        if value is None:
            raise CoqFailure("malformed answer from coqidetop (no <value>)")
        return Reply(value, messages)

    @staticmethod
    def _add_xml(sentence: str, on: int) -> str:
        return (
            '<call val="Add"><pair><pair><pair><pair>'
            f"<string>{escape(sentence)}</string><int>-1</int></pair>"
            f'<pair><state_id val="{on}"/><bool val="false"/></pair></pair><int>0</int></pair>'
            "<pair><int>0</int><int>0</int></pair></pair></call>"
        )

    def add(self, sentence: str, on: int, timeout: float) -> int:
        """Add ``sentence`` on top of state ``on`` (lazily) and return its new state id."""
        reply = self.call(self._add_xml(sentence, on), timeout)
        if not reply.good:
            raise CoqFailure(richpp_text(reply.value).strip() or "Add failed")
        new_state = int(reply.value.find("pair/state_id").get("val"))
        self.tip = new_state
        return new_state

    def goals(self, timeout: float, *, state: int | None = None) -> tuple[GoalsSnapshot | None, Reply]:
        """Run what was added and return the goals; a failure (also an error-level feedback message for
        ``state``, which Coq reports without failing the call outside proofs) raises :class:`CoqFailure`."""
        reply = self.call('<call val="Goal"><unit/></call>', timeout)
        errors = reply.errors_for(state) if state is not None else []
        if not reply.good or errors:
            text = (errors[0] if errors else richpp_text(reply.value).strip()) or "Coq error"
            raise CoqFailure(text, timed_out=_is_timeout(text))
        return parse_goals(reply.value), reply

    def run(self, sentence: str, on: int, timeout: float) -> tuple[int, GoalsSnapshot | None, Reply]:
        """Add one sentence on ``on`` and execute it: ``(new state, goals, reply)``.

        ``Add`` and ``Goal`` are written together (pipelined), so a sentence costs one round trip; on a
        failure the document is rewound to ``on`` before :class:`CoqFailure` is raised.
        """
        if self.tip != on:
            self.edit_at(on, timeout)
        self.process.write((self._add_xml(sentence, on) + '<call val="Goal"><unit/></call>').encode("utf-8"))
        added = self._read_reply(timeout)
        reply = self._read_reply(timeout)  # Goal runs on whatever the tip is, also after a failed Add
        if not added.good:
            self.edit_at(on, timeout)
            raise CoqFailure(richpp_text(added.value).strip() or "Add failed")
        new_state = int(added.value.find("pair/state_id").get("val"))
        self.tip = new_state
        reply.messages[:0] = added.messages
        errors = reply.errors_for(new_state)
        if not reply.good or errors:
            text = (errors[0] if errors else richpp_text(reply.value).strip()) or "Coq error"
            self.edit_at(on, timeout)
            raise CoqFailure(text, timed_out=_is_timeout(text))
        return new_state, parse_goals(reply.value), reply

    def query(self, sentence: str, state: int, timeout: float) -> list[str]:
        """Run a query command (``Print``, ``Print Assumptions``) at ``state`` without adding it to the
        document; its notices. A failure raises :class:`CoqFailure`."""
        reply = self.call(
            '<call val="Query"><pair><route_id val="0"/><pair>'
            f'<string>{escape(sentence)}</string><state_id val="{state}"/></pair></pair></call>',
            timeout,
        )
        if not reply.good:
            text = richpp_text(reply.value).strip() or "Coq error"
            raise CoqFailure(text, timed_out=_is_timeout(text))
        # the command's output; info-level messages are progress notes ("Fetching opaque proofs ...")
        return [text for _, level, text in reply.messages if level == "notice"]

    def edit_at(self, state: int, timeout: float = 30.0) -> None:
        """Make ``state`` the tip, discarding the states after it."""
        reply = self.call(f'<call val="Edit_at"><state_id val="{state}"/></call>', timeout)
        if not reply.good:
            raise CoqFailure(f"Edit_at {state} failed: {richpp_text(reply.value).strip()}")
        union = reply.value.find("union")
        if union is not None and union.get("val") == "in_r":
            # Coq focused on a closed proof block instead of rewinding; the caller restarts from scratch
            raise CoqFailure(f"Edit_at {state} focused a proof block instead of rewinding")
        self.tip = state


def _is_timeout(text: str) -> bool:
    return "Timeout!" in text or text.strip().lower().startswith("timeout")
