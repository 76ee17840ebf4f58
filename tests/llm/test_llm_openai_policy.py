"""The OpenAI-compatible HTTP backend against a real vLLM server on 127.0.0.1, and its failure handling."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mathgym.agents.llm import GREEDY, PolicyError, Sampling, make_policy

VLLM_GROUP = pytest.mark.xdist_group("vllm")  # one worker starts the vLLM engine and server

CHAT = [{"role": "user", "content": "Calculate 12 + 7."}]


@VLLM_GROUP
def test_server_completions_match_the_transformers_backend(vllm_server, hf_policy):
    policy = make_policy(f"openai:{vllm_server}#tiny")
    assert policy.models() == ["tiny"] and policy.is_vllm
    s = GREEDY.replace(max_tokens=20, logprobs=True)
    inputs = [CHAT, "Solve 3x = 9.", CHAT + [{"role": "assistant", "content": "12 + 7 ="}]]
    for o, h in zip(policy.generate(inputs, sampling=s), hf_policy.generate(inputs, sampling=s)):
        assert o[0].text == h[0].text
        assert o[0].token_ids == h[0].token_ids
        assert o[0].prompt_token_ids == h[0].prompt_token_ids
        assert o[0].logprobs == pytest.approx(h[0].logprobs, abs=1e-3)
    rows = policy.generate([CHAT] * 3, n=2, sampling=Sampling(max_tokens=12, seed=1), stop=["e"])
    assert [len(r) for r in rows] == [2, 2, 2]
    assert all("e" not in c.text for r in rows for c in r)
    policy.close()


@VLLM_GROUP
def test_unknown_model_is_a_clear_error(vllm_server):
    with pytest.raises(PolicyError, match="GET .*/models lists the served models"):
        make_policy(f"openai:{vllm_server}#not-served").generate("x", sampling=Sampling(max_tokens=2))


def test_unreachable_server_names_the_fix():
    from mathgym.agents.llm.openai_http import OpenAIPolicy

    with pytest.raises(PolicyError, match="Is it running"):
        OpenAIPolicy(
            "http://127.0.0.1:9/v1", "m", max_retries=1, backoff_s=0.01, vllm_extensions=False
        ).generate("x")


class _Flaky(BaseHTTPRequestHandler):
    """Answers 503 to the first requests, then a valid completion; or sleeps past the client's timeout."""

    failures_left = 2
    sleep_s = 0.0
    requests = 0
    concurrent = 0
    max_concurrent = 0
    lock = threading.Lock()

    def do_POST(self):
        cls = type(self)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with cls.lock:
            cls.requests += 1
            cls.concurrent += 1
            cls.max_concurrent = max(cls.max_concurrent, cls.concurrent)
            fail = cls.failures_left > 0
            cls.failures_left -= 1
        try:
            time.sleep(cls.sleep_s)
            if fail:
                self._send(503, {"error": {"message": "overloaded"}})
            else:
                self._send(
                    200,
                    {
                        "choices": [
                            {"index": i, "text": f"echo {body['prompt']}", "finish_reason": "stop"}
                            for i in range(body["n"])
                        ]
                    },
                )
        finally:
            with cls.lock:
                cls.concurrent -= 1

    def _send(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except BrokenPipeError:  # the client gave up (timeout test)
            pass

    def log_message(self, *args):
        pass


@pytest.fixture()
def flaky_server():
    _Flaky.failures_left, _Flaky.sleep_s, _Flaky.requests, _Flaky.max_concurrent = 2, 0.0, 0, 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_retries_after_server_errors_then_succeeds(flaky_server):
    from mathgym.agents.llm.openai_http import OpenAIPolicy

    policy = OpenAIPolicy(flaky_server, "m", max_retries=3, backoff_s=0.01, vllm_extensions=False)
    rows = policy.generate(["a"], n=2)
    assert [c.text for c in rows[0]] == ["echo a", "echo a"]
    assert _Flaky.requests == 3  # two 503s, then success


def test_gives_up_after_max_retries_with_the_server_message(flaky_server):
    from mathgym.agents.llm.openai_http import OpenAIPolicy

    _Flaky.failures_left = 10
    with pytest.raises(PolicyError, match="503 .*overloaded"):
        OpenAIPolicy(flaky_server, "m", max_retries=1, backoff_s=0.01, vllm_extensions=False).generate("a")
    assert _Flaky.requests == 2


def test_timeout_and_concurrency_limit(flaky_server):
    from mathgym.agents.llm.openai_http import OpenAIPolicy

    _Flaky.failures_left, _Flaky.sleep_s = 0, 0.3
    with pytest.raises(PolicyError, match="timed out"):
        OpenAIPolicy(flaky_server, "m", timeout_s=0.05, max_retries=0, vllm_extensions=False).generate("a")
    # The timed-out request may reach the server only after the client gave up (a loaded machine): wait until
    # the server has seen it and finished sleeping, or it would overlap the batch below.
    deadline = time.monotonic() + 10
    while (_Flaky.requests < 1 or _Flaky.concurrent) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _Flaky.requests == 1 and _Flaky.concurrent == 0
    _Flaky.sleep_s, _Flaky.max_concurrent = 0.05, 0
    policy = OpenAIPolicy(flaky_server, "m", max_concurrency=2, vllm_extensions=False)
    rows = policy.generate([f"p{i}" for i in range(6)])
    assert [r[0].text for r in rows] == [f"echo p{i}" for i in range(6)]
    assert _Flaky.max_concurrent == 2
