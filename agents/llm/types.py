"""Plain records shared by every policy backend: sampling settings and completions."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: one chat message, e.g. ``{"role": "user", "content": "..."}``
Message = Mapping[str, str]
#: a chat: messages oldest first
Chat = Sequence[Message]
#: what :meth:`Policy.generate` accepts per item: a raw prompt string or a chat
PromptOrChat = str | Chat

FINISH_REASONS = ("stop", "length")


@dataclass(frozen=True)
class Sampling:
    """How to sample, in the same words vLLM and the OpenAI API use.

    :param temperature: 0 means greedy decoding.
    :param top_p: nucleus sampling mass (1.0 keeps every token).
    :param top_k: keep the k most likely tokens (0 keeps every token).
    :param max_tokens: most new tokens per completion.
    :param stop: strings that end a completion; the text is cut before the first one found
        (step boundaries such as ``"\\n"``, or ```` ```output```` for tool-integrated reasoning).
    :param seed: seed of the sampler; with the same seed a backend returns the same completions.
    :param logprobs: also return the log-probability of each generated token under the model
        (raw logits, before temperature / top-p, like vLLM's default).
    :param include_stop_str: keep the matched stop string at the end of the text.
    """

    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    max_tokens: int = 256
    stop: tuple[str, ...] = ()
    seed: int | None = None
    logprobs: bool = False
    include_stop_str: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.stop, str):
            object.__setattr__(self, "stop", (self.stop,))
        else:
            object.__setattr__(self, "stop", tuple(self.stop))
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            raise ValueError(f"top_k must be >= 0 (0 disables it), got {self.top_k}")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if any(not s for s in self.stop):
            raise ValueError("stop strings must be non-empty")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def replace(self, **changes: Any) -> Sampling:
        return dataclasses.replace(self, **changes)


GREEDY = Sampling(temperature=0.0)


@dataclass(frozen=True)
class Completion:
    """One sampled continuation of one prompt.

    :param text: the generated text (cut before the stop string unless ``include_stop_str``).
    :param token_ids: every generated token id, including those of a matched stop string and the
        end-of-sequence token when one was produced (what the model really emitted, for training).
    :param logprobs: log-probability of each token in ``token_ids`` when asked for, else ``None``.
    :param finish_reason: ``"stop"`` (end-of-sequence token or a stop string) or ``"length"``.
    :param stop_reason: the stop string that ended the completion, if one did.
    :param prompt_token_ids: the tokens the model was conditioned on (when the backend knows them).
    """

    text: str
    token_ids: tuple[int, ...] = ()
    logprobs: tuple[float, ...] | None = None
    finish_reason: str = "stop"
    stop_reason: str | None = None
    prompt_token_ids: tuple[int, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.finish_reason not in FINISH_REASONS:
            raise ValueError(f"finish_reason must be one of {FINISH_REASONS}, got {self.finish_reason!r}")
        if self.logprobs is not None and self.token_ids and len(self.logprobs) != len(self.token_ids):
            raise ValueError(f"{len(self.logprobs)} logprobs for {len(self.token_ids)} tokens")

    @property
    def num_tokens(self) -> int:
        return len(self.token_ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "token_ids": list(self.token_ids),
            "logprobs": None if self.logprobs is None else list(self.logprobs),
            "finish_reason": self.finish_reason,
            "stop_reason": self.stop_reason,
        }


def cut_at_stop(text: str, stop: Sequence[str], include: bool = False) -> tuple[str, str | None]:
    """Cut ``text`` at the earliest stop string; returns the text and the stop string found (or None)."""
    best, found = len(text), None
    for s in stop:
        i = text.find(s)
        if i != -1 and i < best:
            best, found = i, s
    if found is None:
        return text, None
    return text[: best + (len(found) if include else 0)], found
