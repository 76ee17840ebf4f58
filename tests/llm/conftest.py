"""Session fixtures of the LLM tests: one tiny model on disk, one transformers policy, one vLLM engine,
one vLLM OpenAI server. vLLM tests share a pytest-xdist group so that one worker starts the engine."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mathgym.testing import require


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny Qwen2 checkpoint with a locally trained tokenizer (no download)."""
    require("transformers")
    from mathgym.agents.llm.tiny import build_tiny_model

    # 8192 positions: reward-design prompts (env classes, rules, example, feedback) run to ~4.5k tiny-tokenizer tokens
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "qwen2-tiny", max_position_embeddings=8192)


@pytest.fixture(scope="session")
def hf_policy(tiny_model_dir: Path):
    from mathgym.agents.llm import make_policy

    return make_policy(f"hf:{tiny_model_dir}")


@pytest.fixture(scope="session")
def vllm_policy(tiny_model_dir: Path):
    """One in-process vLLM engine for the whole session (start-up is the expensive part)."""
    require("vllm")
    from mathgym.agents.llm import make_policy

    policy = make_policy(f"vllm:{tiny_model_dir}", max_model_len=8192)
    yield policy
    policy.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def vllm_server(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A real vLLM OpenAI-compatible server on 127.0.0.1 serving the tiny model as ``tiny``; yields the base URL."""
    require("vllm")
    import httpx

    port = _free_port()
    log_path = tmp_path_factory.mktemp("vllm-server") / "server.log"
    env = dict(os.environ, VLLM_ENABLE_V1_MULTIPROCESSING="0")
    cmd = [
        sys.executable,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        str(tiny_model_dir),
        "--served-model-name",
        "tiny",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--dtype",
        "float32",
        "--enforce-eager",
        "--kv-cache-memory-bytes",
        str(256 << 20),
        "--max-model-len",
        "1024",
        "--seed",
        "0",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"the vLLM server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}"
                )
            try:
                if httpx.get(base_url + "/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the vLLM server did not answer within 240 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
