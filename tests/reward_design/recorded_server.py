"""A test double of an OpenAI-compatible chat server that answers with recorded responses, in order.

It is as strict as the real API on what the proposer sends: ``POST /v1/chat/completions`` needs the served
model's name (404 otherwise, with the API's error shape), a non-empty ``messages`` list of
``{"role": system|user|assistant, "content": str}``, ``n`` >= 1, ``max_tokens`` >= 1, ``temperature`` in
[0, 2] and ``top_p`` in (0, 1] (400 otherwise); unknown top-level fields are rejected like the API does for
vLLM-only extensions. ``GET /v1/models`` lists the model; ``/version`` is 404, as on a hosted API.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALLOWED_FIELDS = {
    "model",
    "messages",
    "n",
    "max_tokens",
    "temperature",
    "top_p",
    "stop",
    "seed",
    "logprobs",
    "top_logprobs",
    "stream",
    "user",
}


class _Handler(BaseHTTPRequestHandler):
    server: RecordedChatServer  # type: ignore[assignment]

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": self.server.model, "object": "model"}]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        if self.path != "/v1/chat/completions":
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        except ValueError:
            self._send(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        problem = self.server.validate(body)
        if problem is not None:
            status, message = problem
            self._send(status, {"error": {"message": message, "type": "invalid_request_error"}})
            return
        self.server.requests.append(body)
        texts = self.server.take(int(body.get("n", 1)))
        choices = [
            {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            for i, text in enumerate(texts)
        ]
        self._send(
            200,
            {
                "id": f"chatcmpl-{len(self.server.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": self.server.model,
                "choices": choices,
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            },
        )

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


class RecordedChatServer(ThreadingHTTPServer):
    """Serves ``responses`` (strings) to chat completion requests, ``n`` at a time; ``""`` once they run out."""

    def __init__(self, responses: list[str], model: str = "recorded") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.responses = list(responses)
        self.model = model
        self.requests: list[dict] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def take(self, n: int) -> list[str]:
        with self._lock:
            out, self.responses = self.responses[:n], self.responses[n:]
        return out + [""] * (n - len(out))

    def validate(self, body: object) -> tuple[int, str] | None:
        if not isinstance(body, dict):
            return 400, "the body must be a JSON object"
        unknown = set(body) - ALLOWED_FIELDS
        if unknown:
            return 400, f"Unrecognized request argument supplied: {', '.join(sorted(unknown))}"
        if body.get("model") != self.model:
            return 404, f"The model `{body.get('model')}` does not exist."
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return 400, "messages must be a non-empty list"
        for m in messages:
            if (
                not isinstance(m, dict)
                or m.get("role") not in ("system", "user", "assistant")
                or not isinstance(m.get("content"), str)
            ):
                return 400, f"invalid message {str(m)[:80]}"
        n, max_tokens = body.get("n", 1), body.get("max_tokens", 16)
        if not isinstance(n, int) or n < 1 or not isinstance(max_tokens, int) or max_tokens < 1:
            return 400, "n and max_tokens must be positive integers"
        if not 0 <= float(body.get("temperature", 1.0)) <= 2 or not 0 < float(body.get("top_p", 1.0)) <= 1:
            return 400, "temperature must be in [0, 2] and top_p in (0, 1]"
        return None


@contextmanager
def serve(responses: list[str], model: str = "recorded") -> Iterator[RecordedChatServer]:
    server = RecordedChatServer(responses, model)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
