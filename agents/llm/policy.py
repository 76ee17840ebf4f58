"""The policy interface every LLM backend implements: batched generation with per-call sampling."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from mathgym.agents.llm.chat import is_chat, render_input
from mathgym.agents.llm.types import Completion, PromptOrChat, Sampling


class PolicyError(RuntimeError):
    """A backend could not produce completions (bad model path, unreachable server, ...)."""


def as_batch(prompts_or_chats: PromptOrChat | Sequence[PromptOrChat]) -> list[PromptOrChat]:
    """One prompt string or one chat becomes a batch of one; a batch is returned as a list."""
    if isinstance(prompts_or_chats, str) or is_chat(prompts_or_chats):
        return [prompts_or_chats]  # type: ignore[list-item]
    batch: list[PromptOrChat] = list(prompts_or_chats)  # type: ignore[arg-type]
    for item in batch:
        if not (isinstance(item, str) or is_chat(item)):
            raise TypeError(
                f"each prompt must be a string or a chat (list of role/content dicts), got {item!r:.200}"
            )
    return batch


class Policy(ABC):
    """Generates completions for a batch of prompts or chats.

    ``generate(["prompt", chat, ...], n=4, sampling=Sampling(temperature=0.8, stop=("\\n",)))``
    returns one list of ``n`` :class:`Completion` per input, in input order. A single prompt or chat
    may be passed without a list; the result is still a list of one list.

    Backends implement :meth:`_generate` on rendered prompt strings (local backends) or override
    :meth:`generate` (HTTP backends that render chats on the server).
    """

    #: backend name (``"hf"``, ``"vllm"``, ``"openai"``)
    backend: str = ""
    #: a transformers tokenizer when the backend has one (local backends)
    tokenizer: Any = None

    def generate(
        self,
        prompts_or_chats: PromptOrChat | Sequence[PromptOrChat],
        n: int = 1,
        sampling: Sampling | None = None,
        *,
        stop: Sequence[str] | None = None,
    ) -> list[list[Completion]]:
        """Sample ``n`` completions for each prompt.

        :param prompts_or_chats: a prompt string, a chat, or a list of them.
        :param n: completions per prompt.
        :param sampling: sampling settings (default: ``Sampling()``, temperature 1).
        :param stop: stop strings for this call; added to ``sampling.stop``.
        """
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        sampling = sampling or Sampling()
        if stop:
            sampling = sampling.replace(stop=tuple(dict.fromkeys((*sampling.stop, *stop))))
        batch = as_batch(prompts_or_chats)
        if not batch:
            return []
        return self._generate([self.model_input(item) for item in batch], n, sampling)

    def render(self, item: PromptOrChat) -> str:
        """The prompt string the model sees for ``item`` (chats go through the chat template)."""
        return render_input(self.tokenizer, item)

    def model_input(self, item: PromptOrChat) -> PromptOrChat:
        """What :meth:`_generate` gets for ``item``: the rendered prompt (local backends); a server that
        applies the chat template itself takes the item as it is."""
        return self.render(item)

    @abstractmethod
    def _generate(self, prompts: list[Any], n: int, sampling: Sampling) -> list[list[Completion]]:
        """``n`` completions for each of ``prompts``: the :meth:`model_input` of each item."""

    def close(self) -> None:
        """Free the backend's resources (engine, connections)."""

    def __enter__(self) -> Policy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def finish_from_ids(token_ids: Sequence[int], eos_ids: set[int]) -> str:
    return "stop" if token_ids and token_ids[-1] in eos_ids else "length"


def make_completion(
    tokenizer: Any,
    token_ids: list[int],
    logprobs: list[float] | None,
    sampling: Sampling,
    eos_ids: set[int],
    prompt_token_ids: Sequence[int] = (),
) -> Completion:
    """Build a completion from raw generated ids the way vLLM does: text cut at a stop string, ids kept
    up to the token that completed it (so training sees what the model emitted)."""
    from mathgym.agents.llm.types import cut_at_stop

    ids = list(token_ids)
    for i, t in enumerate(ids):  # everything after the first end-of-sequence token is padding
        if t in eos_ids:
            ids = ids[: i + 1]
            break
    # A character cut in the middle of its bytes decodes to U+FFFD; drop it as vLLM's incremental
    # detokenizer does, so both backends return the same text for the same tokens.
    text = tokenizer.decode(ids, skip_special_tokens=True).rstrip("\ufffd")
    cut, found = cut_at_stop(text, sampling.stop, include=sampling.include_stop_str)
    finish = finish_from_ids(ids, eos_ids)
    if found is not None:
        finish = "stop"
        ids = _through_stop(tokenizer, ids, found)
    if logprobs is not None:
        logprobs = list(logprobs[: len(ids)])
    return Completion(
        text=cut,
        token_ids=tuple(ids),
        logprobs=None if logprobs is None else tuple(logprobs),
        finish_reason=finish,
        stop_reason=found,
        prompt_token_ids=tuple(prompt_token_ids),
    )


def _through_stop(tokenizer: Any, ids: list[int], stop: str) -> list[int]:
    """The shortest prefix of ``ids`` whose text contains ``stop`` (binary search on decodes)."""
    lo, hi = 1, len(ids)
    while lo < hi:
        mid = (lo + hi) // 2
        if stop in tokenizer.decode(ids[:mid], skip_special_tokens=True):
            hi = mid
        else:
            lo = mid + 1
    return ids[:hi]
