"""Kuhn Poker: the smallest poker, a two-player zero-sum game whose equilibria and exploitability are exact.

## Description

Three cards (J < Q < K), one dealt to each player, the third unseen; both ante 1. ``player_0`` checks or
bets 1; after a check ``player_1`` checks (showdown for 1) or bets; facing a bet a player folds (losing
the ante) or calls (showdown for 2). The game value for ``player_0`` is -1/18 under every equilibrium
(Kuhn 1950); :mod:`mathgym.agents.multiagent.kuhn` computes values, best responses and exploitability
exactly, and runs CFR and self-play against it. SPIRAL trains LLMs by self-play on this game.

## Action Space

``action_type="discrete"`` (default): ``Discrete(2)``, 0 = pass (check or fold), 1 = bet (bet or call).
``action_type="text"``: a ``str``; the move is the last legal word in it (``check``/``bet`` when no bet is
pending, ``fold``/``call`` facing one; ``pass`` means check or fold), bracketed words such as ``[bet]``
winning over bare ones. A text without a legal word forfeits the hand.

## Observation Space

Discrete form: ``Dict({"observation": Box(0, 1, (9,), float32), "action_mask": Box(0, 1, (2,), int8)})``:
the own card one-hot (3), then the betting history as three one-hot (pass, bet) slots (6). The mask is
all ones for the player to move and all zeros for the other. Text form: ``Dict({"text": UnicodeText})``,
the rules, the own card, the history and the legal moves in words.

## Rewards

Zero-sum, at the end of the hand: the winner gets the chips won from the other (1 after a fold or a
checked showdown, 2 after a called bet), the loser minus as much. A forfeit (text without a legal move)
costs the offender 1, the ante, as a fold would.

## Starting State

The deal is drawn with the env's random stream; ``reset(options={"cards": (c0, c1)})`` fixes it
(0 = J, 1 = Q, 2 = K).

## Episode End

Terminated after a fold or a showdown (2 or 3 moves). Never truncated.

## Arguments

:param action_type: ``"discrete"`` (classic RL, CFR) or ``"text"`` (LLM agents).
:param max_action_length: longest text action in characters (text form).
:param render_mode: ``"ansi"`` or ``None``.

## Example

>>> from mathgym.envs.multiagent import kuhn_poker_v0
>>> env = kuhn_poker_v0.env()
>>> env.reset(seed=0, options={"cards": (2, 0)})  # player_0 holds the King, player_1 the Jack
>>> env.step(1)  # player_0 bets
>>> env.step(0)  # player_1 folds
>>> env.rewards
{'player_0': 1.0, 'player_1': -1.0}

## Version History

* v0: the initial version (mathgym 0.1.0).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces

from mathgym.envs.multiagent.core import (
    MAX_ACTION_CHARS,
    Game,
    as_text,
    env_functions,
    masked_observation_space,
    text_action_space,
    text_observation_space,
)

CARDS = ("J", "Q", "K")
PASS, BET = 0, 1
AGENTS = ("player_0", "player_1")
#: histories after which the hand is over
TERMINAL_HISTORIES = ("pp", "bp", "bb", "pbp", "pbb")
#: histories at which a player moves, with the player's index
DECISION_HISTORIES = {"": 0, "p": 1, "b": 1, "pb": 0}

_WORDS_OPEN = {"check": PASS, "pass": PASS, "bet": BET}
_WORDS_FACING = {"fold": PASS, "pass": PASS, "call": BET}
_WORD = re.compile(r"\[?\b(check|bet|fold|call|pass)\b\]?", re.IGNORECASE)

RULES = (
    "Kuhn Poker. The deck has three cards, J < Q < K; each player gets one and antes 1 chip. "
    "Player 0 may check or bet 1. After a check, player 1 may check (higher card wins 1) or bet 1. "
    "Facing a bet, a player may fold (the other wins 1) or call (higher card wins 2)."
)


def payoff(cards: tuple[int, int], history: str) -> int:
    """``player_0``'s winnings at a terminal ``history`` (``player_1`` gets the negative).

    :param cards: ``(player_0's card, player_1's card)``, 0 = J, 1 = Q, 2 = K.
    :param history: one of :data:`TERMINAL_HISTORIES`.
    """
    if history == "bp":
        return 1
    if history == "pbp":
        return -1
    stake = 1 if history == "pp" else 2
    if history not in TERMINAL_HISTORIES:
        raise ValueError(f"{history!r} is not a terminal Kuhn Poker history")
    return stake if cards[0] > cards[1] else -stake


def infoset(card: int, history: str) -> str:
    """The information-set key of the player to move: card letter + history, e.g. ``"Kpb"``.

    :param card: the mover's card.
    :param history: the betting so far (``p`` pass, ``b`` bet).
    """
    return CARDS[card] + history


def move_names(history: str) -> tuple[str, str]:
    """The words of pass and bet at ``history``: ``("check", "bet")`` or ``("fold", "call")``.

    :param history: a decision history.
    """
    return ("fold", "call") if history.endswith("b") else ("check", "bet")


def parse_move(text: str, history: str) -> int | None:
    """The move a text action makes at ``history`` (0 pass, 1 bet), or ``None`` when it names no legal one.

    :param text: the action.
    :param history: the betting so far.
    """
    legal = _WORDS_FACING if history.endswith("b") else _WORDS_OPEN
    found = [(m.group(0).startswith("["), m.group(1).lower()) for m in _WORD.finditer(text)]
    found = [(bracketed, w) for bracketed, w in found if w in legal]
    if not found:
        return None
    bracketed = [w for b, w in found if b]
    return legal[(bracketed or [w for _, w in found])[-1]]


class KuhnPoker(Game):
    """The rules; see the module docstring.

    :param action_type: ``"discrete"`` or ``"text"``.
    :param max_action_length: longest text action.
    :param render_mode: ``"ansi"`` or ``None``.
    """

    name = "kuhn_poker_v0"

    def __init__(
        self,
        action_type: str = "discrete",
        max_action_length: int = MAX_ACTION_CHARS,
        render_mode: str | None = None,
    ) -> None:
        if action_type not in ("discrete", "text"):
            raise ValueError(f"action_type must be 'discrete' or 'text', got {action_type!r}")
        self.check_render_mode(render_mode)
        self.action_type = action_type
        self.max_action_length = max_action_length
        self.possible_agents = list(AGENTS)
        if action_type == "discrete":
            self.observation_spaces = {a: masked_observation_space(9, 2) for a in AGENTS}
            self.action_spaces = {a: spaces.Discrete(2) for a in AGENTS}
        else:
            self.observation_spaces = {a: text_observation_space(2048) for a in AGENTS}
            self.action_spaces = {a: text_action_space(max_action_length) for a in AGENTS}
        self.cards: tuple[int, int] = (0, 1)
        self.history = ""
        self.forfeit: str | None = None
        self.last_text: dict[str, str] = {}

    def start(self, rng: np.random.Generator, options: Mapping[str, Any]) -> None:
        if "cards" in options:
            c0, c1 = (int(c) for c in options["cards"])
            if {c0, c1} - {0, 1, 2} or c0 == c1:
                raise ValueError(f"cards must be two different values of 0, 1, 2, got {options['cards']!r}")
            self.cards = (c0, c1)
        else:
            deal = rng.permutation(3)
            self.cards = (int(deal[0]), int(deal[1]))
        self.history = ""
        self.forfeit = None
        self.last_text = {}

    @property
    def over(self) -> bool:
        return self.forfeit is not None or self.history in TERMINAL_HISTORIES

    def to_act(self) -> tuple[str, ...]:
        return () if self.over else (AGENTS[DECISION_HISTORIES[self.history]],)

    def play(self, actions: Mapping[str, Any]) -> dict[str, float]:
        ((agent, action),) = actions.items()
        if self.action_type == "text":
            text = as_text(action, self.max_action_length)
            self.last_text[agent] = text
            move = parse_move(text, self.history)
            if move is None:
                self.forfeit = agent
                return {agent: -1.0, AGENTS[1 - AGENTS.index(agent)]: 1.0}
        else:
            move = int(action)
            if move not in (PASS, BET):
                raise ValueError(f"Kuhn Poker actions are 0 (pass) and 1 (bet), got {action!r}")
        self.history += "pb"[move]
        if self.history in TERMINAL_HISTORIES:
            win = payoff(self.cards, self.history)
            return {AGENTS[0]: float(win), AGENTS[1]: float(-win)}
        return {}

    def observe(self, agent: str) -> Any:
        i = AGENTS.index(agent)
        if self.action_type == "discrete":
            features = np.zeros(9, dtype=np.float32)
            features[self.cards[i]] = 1.0
            for slot, move in enumerate(self.history[:3]):
                features[3 + 2 * slot + (move == "b")] = 1.0
            mask = np.full(2, int(self.to_act() == (agent,)), dtype=np.int8)
            return {"observation": features, "action_mask": mask}
        return {"text": self._text(i)}

    def _text(self, i: int) -> str:
        said = {
            "": "nothing yet",
            "p": "player 0 checked",
            "b": "player 0 bet",
            "pb": "player 0 checked, player 1 bet",
            "pp": "both checked",
            "bp": "player 0 bet, player 1 folded",
            "bb": "player 0 bet, player 1 called",
            "pbp": "player 0 checked, player 1 bet, player 0 folded",
            "pbb": "player 0 checked, player 1 bet, player 0 called",
        }[self.history]
        lines = [RULES, f"You are player {i}. Your card: {CARDS[self.cards[i]]}. Betting so far: {said}."]
        if self.over:
            lines.append("The hand is over.")
        elif self.to_act() == (AGENTS[i],):
            a, b = move_names(self.history)
            lines.append(f"Your move: answer with [{a}] or [{b}].")
        else:
            lines.append("Waiting for the other player.")
        return "\n".join(lines)

    def info(self, agent: str) -> dict[str, Any]:
        i = AGENTS.index(agent)
        out: dict[str, Any] = {
            "card": CARDS[self.cards[i]],
            "history": self.history,
            "infoset": infoset(self.cards[i], self.history),
        }
        if self.over:
            out["cards"] = [CARDS[c] for c in self.cards]
            out["forfeit"] = self.forfeit
        return out

    def render(self) -> str:
        return f"cards {CARDS[self.cards[0]]} vs {CARDS[self.cards[1]]}, history {self.history or '-'}" + (
            f", {self.forfeit} forfeited" if self.forfeit else ""
        )


raw_env, env, parallel_env = env_functions(KuhnPoker)
