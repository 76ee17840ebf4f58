"""Turning environment observations into model input, and chats into prompt strings.

An episode's model input is a chat: an optional system message, the env's first observation as the
user message and, after the first step, an assistant message holding the transcript so far (the
policy's earlier actions and whatever the env inserted, e.g. tool output). The model *continues* that
assistant message, so step-level and tool-integrated episodes read like one growing answer, exactly
as a single-turn answer would, and prefix caching reuses the shared beginning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mathgym.agents.llm.types import Chat, PromptOrChat


def is_chat(item: Any) -> bool:
    """A chat is a non-string sequence of role/content mappings."""
    return (
        not isinstance(item, (str, bytes))
        and isinstance(item, Sequence)
        and len(item) > 0
        and all(hasattr(m, "get") and "role" in m for m in item)
    )


def continues_assistant(chat: Chat) -> bool:
    """True when the chat ends in an assistant message that the model should continue."""
    return chat[-1].get("role") == "assistant"


def render_chat(tokenizer: Any, chat: Chat) -> str:
    """The prompt string for ``chat``: the tokenizer's chat template with the generation prompt.

    A final assistant message is continued (its text is appended after the generation prompt, not
    closed with an end-of-turn token). Tokenizers without a chat template get a plain layout.

    :param tokenizer: a transformers tokenizer (or ``None`` for the plain layout).
    :param chat: the messages.
    """
    head, tail = (list(chat[:-1]), chat[-1]["content"]) if continues_assistant(chat) else (list(chat), "")
    if tokenizer is not None and getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(
            [dict(m) for m in head], tokenize=False, add_generation_prompt=True
        )
        return text + tail
    parts = [m["content"] for m in head]
    return "\n\n".join(parts) + "\n\n" + tail


def render_input(tokenizer: Any, item: PromptOrChat) -> str:
    """A raw prompt is used as it is; a chat is rendered with :func:`render_chat`."""
    if isinstance(item, str):
        return item
    if not is_chat(item):
        raise TypeError(
            f"expected a prompt string or a chat (list of {{'role', 'content'}} dicts), got {item!r:.200}"
        )
    return render_chat(tokenizer, item)


@dataclass(frozen=True)
class ObservationFormat:
    """How env observations become model input.

    :param system: system message put first (``None`` for none).
    :param chat: build a chat (rendered with the model's chat template); ``False`` gives a raw prompt
        string (the first observation, a blank line, then the transcript), for base models.
    """

    system: str | None = None
    chat: bool = True

    def build(self, first_observation: str, transcript: str = "") -> PromptOrChat:
        """Model input for an episode whose first observation and transcript so far are given."""
        if not self.chat:
            return first_observation if not transcript else first_observation + "\n\n" + transcript
        messages = [] if self.system is None else [{"role": "system", "content": self.system}]
        messages.append({"role": "user", "content": first_observation})
        if transcript:
            messages.append({"role": "assistant", "content": transcript})
        return messages


def transcript_from_observation(first_observation: str, observation: str, fallback: str) -> str:
    """The episode transcript as the env shows it, or ``fallback`` when the env shows something else.

    Envs whose observation grows (the problem, then the steps so far and any tool output) give the
    transcript as the part after the first observation; for any other env the driver's own record
    (actions and env messages, concatenated) is used.
    """
    if observation.startswith(first_observation):
        return observation[len(first_observation) :].lstrip("\n")
    return fallback
