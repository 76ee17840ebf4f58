"""Policy backend for any OpenAI-compatible HTTP server (vLLM's, SGLang's, a hosted API).

Prompt strings go to ``/completions``, chats to ``/chat/completions``. Requests run concurrently up
to a limit, time out, and are retried with exponential backoff on connection errors, timeouts, 429 and
5xx answers; other errors fail at once with the server's message. Against a vLLM server the backend
also asks for token ids and lets a chat end in an assistant message that the model continues (vLLM's
``return_token_ids`` and ``continue_final_message``); hosted APIs get only standard fields.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mathgym.agents.llm.chat import continues_assistant, is_chat
from mathgym.agents.llm.policy import Policy, PolicyError
from mathgym.agents.llm.types import Completion, PromptOrChat, Sampling
from mathgym.seeding import derive_seed

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


class OpenAIPolicy(Policy):
    """Generation through an OpenAI-compatible API.

    :param base_url: the API root, e.g. ``http://127.0.0.1:8000/v1``.
    :param model: the served model name.
    :param api_key: bearer token (default: ``$OPENAI_API_KEY``; local servers need none).
    :param timeout_s: per-request timeout in seconds.
    :param max_retries: retries of a request after a retryable failure.
    :param backoff_s: first retry delay; doubles on each retry.
    :param max_concurrency: most requests in flight at once.
    :param vllm_extensions: send vLLM-only fields (``None``: ask the server's ``/version`` once).
    """

    backend = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_concurrency: int = 16,
        vllm_extensions: bool | None = None,
    ) -> None:
        import httpx

        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_concurrency = max(1, max_concurrency)
        api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=timeout_s,
            headers=headers,
            limits=httpx.Limits(max_connections=self.max_concurrency),
        )
        self._httpx = httpx
        self._vllm = vllm_extensions

    # ------------------------------------------------------------------------------------ HTTP
    def _request(self, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """One call with retries; raises :class:`PolicyError` with the cause and the fix."""
        httpx = self._httpx
        delay = self.backoff_s
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = self._client.request(method, path, json=payload)
            except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
                if last:
                    raise PolicyError(
                        f"cannot reach the OpenAI-compatible server at {self.base_url} ({exc}). "
                        "Is it running? A local one: python -m vllm.entrypoints.openai.api_server "
                        "--model PATH --host 127.0.0.1 --port 8000"
                    ) from exc
            except httpx.TimeoutException as exc:
                if last:
                    raise PolicyError(
                        f"{method} {self.base_url}{path} timed out after {self.max_retries + 1} "
                        f"tries ({exc!r}); raise timeout_s or lower the load"
                    ) from exc
            else:
                if response.status_code < 400:
                    return response.json()
                if response.status_code not in RETRY_STATUS or last:
                    raise PolicyError(self._explain(response, path))
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def _explain(self, response: Any, path: str) -> str:
        try:
            body = response.json()
            message = body.get("error", body)
            message = message.get("message", message) if isinstance(message, dict) else message
        except ValueError:
            message = response.text[:500]
        text = f"{response.status_code} from {self.base_url}{path}: {message}"
        if response.status_code == 401:
            text += " (set OPENAI_API_KEY or pass api_key=)"
        if response.status_code == 404:
            text += (
                f" (is model {self.model!r} served there? GET {self.base_url}/models lists the served models)"
            )
        return text

    @property
    def is_vllm(self) -> bool:
        if self._vllm is None:
            root = self.base_url.removesuffix("/v1")
            try:
                response = self._client.get(root + "/version", timeout=10)
                self._vllm = response.status_code == 200 and "version" in response.json()
            except (self._httpx.HTTPError, ValueError):
                self._vllm = False
        return self._vllm

    def models(self) -> list[str]:
        """Names of the models the server serves."""
        return [m["id"] for m in self._request("GET", "/models").get("data", [])]

    # ------------------------------------------------------------------------------ generation
    def _generate(
        self, prompts: Sequence[PromptOrChat], n: int, sampling: Sampling
    ) -> list[list[Completion]]:
        # prompts or chats (see model_input): the server renders chats
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(prompts))) as pool:
            futures = [pool.submit(self._one, item, n, sampling, i) for i, item in enumerate(prompts)]
            return [f.result() for f in futures]

    def model_input(self, item: PromptOrChat) -> PromptOrChat:
        return item

    def render(self, item: PromptOrChat) -> str:
        raise NotImplementedError("the OpenAI backend renders chats on the server")

    def _one(self, item: PromptOrChat, n: int, sampling: Sampling, index: int) -> list[Completion]:
        payload: dict[str, Any] = {
            "model": self.model,
            "n": n,
            "max_tokens": sampling.max_tokens,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
        }
        if sampling.stop:
            payload["stop"] = list(sampling.stop)
        if sampling.seed is not None:
            payload["seed"] = derive_seed("mathgym.openai", sampling.seed, index) % 2**31
        vllm = self.is_vllm
        if vllm:
            payload.update(
                return_token_ids=True,
                include_stop_str_in_output=sampling.include_stop_str,
                skip_special_tokens=True,
            )
            if sampling.top_k:
                payload["top_k"] = sampling.top_k
        elif sampling.top_k:
            raise PolicyError("top_k is not part of the OpenAI API; use top_p, or a vLLM server")
        if is_chat(item):
            payload["messages"] = [dict(m) for m in item]  # type: ignore[arg-type]
            if continues_assistant(item):  # type: ignore[arg-type]
                if not vllm:
                    raise PolicyError(
                        "continuing an assistant message needs a vLLM server "
                        "(continue_final_message); use ObservationFormat(chat=False) with a "
                        "completions endpoint instead"
                    )
                payload.update(continue_final_message=True, add_generation_prompt=False)
            if sampling.logprobs:
                payload.update(logprobs=True, top_logprobs=0)
            data = self._request("POST", "/chat/completions", payload)
        else:
            payload["prompt"] = item
            if sampling.logprobs:
                payload["logprobs"] = 0
            data = self._request("POST", "/completions", payload)
        choices = sorted(data.get("choices", []), key=lambda c: c.get("index", 0))
        if len(choices) != n:
            raise PolicyError(f"asked {self.base_url} for {n} completions, got {len(choices)}")
        return [self._completion(c, sampling, data) for c in choices]

    @staticmethod
    def _completion(choice: dict[str, Any], sampling: Sampling, data: dict[str, Any]) -> Completion:
        if "message" in choice:
            text = choice["message"].get("content") or ""
            content = (choice.get("logprobs") or {}).get("content") or []
            logprobs = [t["logprob"] for t in content] if sampling.logprobs else None
        else:
            text = choice.get("text", "")
            logprobs = (choice.get("logprobs") or {}).get("token_logprobs") if sampling.logprobs else None
        token_ids = tuple(choice.get("token_ids") or ())
        if logprobs is not None and token_ids and len(logprobs) != len(token_ids):
            logprobs = None  # a server that reports them differently; do not pair them wrongly
        stop_reason = choice.get("stop_reason")
        prompt_ids = choice.get("prompt_token_ids") or data.get("prompt_token_ids") or ()
        return Completion(
            text=text,
            token_ids=token_ids,
            logprobs=None if logprobs is None else tuple(float(x) for x in logprobs),
            finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
            stop_reason=stop_reason if isinstance(stop_reason, str) else None,
            prompt_token_ids=tuple(prompt_ids),
        )

    def close(self) -> None:
        self._client.close()
