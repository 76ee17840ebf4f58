"""Policy backend on transformers ``generate`` (CPU in fp32, or GPU), batched with ``num_return_sequences``."""

from __future__ import annotations

from typing import Any

from mathgym.agents.llm.policy import Policy, PolicyError, make_completion
from mathgym.agents.llm.types import Completion, Sampling
from mathgym.seeding import derive_seed


def load_tokenizer(path: str) -> Any:
    """A left-padding tokenizer (decoder-only batched generation pads on the left)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path, padding_side="left")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


class HFPolicy(Policy):
    """Generation with a transformers causal LM.

    :param model: a local path or hub id, or an already-loaded ``PreTrainedModel`` (then ``tokenizer``
        is required). Passing the model being trained makes the policy generate with the live weights.
    :param tokenizer: tokenizer (loaded from ``model`` when it is a path).
    :param device: ``"cpu"``, ``"cuda"``, ... (default: CUDA when available).
    :param dtype: weights dtype when loading (``"float32"`` on CPU by default, ``"bfloat16"`` on GPU).
    :param max_batch_size: most sequences (prompts × n) generated in one forward batch.
    """

    backend = "hf"

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        device: str | None = None,
        dtype: str | None = None,
        max_batch_size: int = 64,
    ) -> None:
        import torch

        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if isinstance(model, str):
            from transformers import AutoModelForCausalLM

            dtype = dtype or ("float32" if self.device == "cpu" else "bfloat16")
            try:
                tokenizer = tokenizer or load_tokenizer(model)
                model = AutoModelForCausalLM.from_pretrained(model, dtype=getattr(torch, dtype)).to(
                    self.device  # type: ignore[arg-type]
                )
            except OSError as exc:
                raise PolicyError(
                    f"cannot load a transformers model from {model!r}: {exc}. Give a local "
                    "checkpoint directory (config.json, weights, tokenizer files) or a hub id "
                    "reachable from this machine."
                ) from exc
            model.eval()
        elif tokenizer is None:
            raise ValueError("HFPolicy(model_object) needs tokenizer=...")
        else:
            self.device = str(next(model.parameters()).device)
        self.model = model
        self.tokenizer = tokenizer
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.max_batch_size = max_batch_size
        self.eos_ids = self._eos_ids()

    def _eos_ids(self) -> set[int]:
        ids = {self.tokenizer.eos_token_id}
        gen_eos = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        ids |= set(gen_eos) if isinstance(gen_eos, (list, tuple)) else {gen_eos}
        return {i for i in ids if i is not None}

    def _generate(self, prompts: list[str], n: int, sampling: Sampling) -> list[list[Completion]]:
        import torch

        # Greedy decoding gives one answer: compute it once and repeat it n times.
        per_call_n = 1 if sampling.greedy else n
        prompts_per_chunk = max(1, self.max_batch_size // per_call_n)
        results: list[list[Completion]] = []
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.random.fork_rng(devices=[] if self.device == "cpu" else None):
                if sampling.seed is not None:
                    torch.manual_seed(derive_seed("mathgym.hf.generate", sampling.seed) % 2**63)
                for start in range(0, len(prompts), prompts_per_chunk):
                    chunk = prompts[start : start + prompts_per_chunk]
                    results += self._generate_chunk(chunk, per_call_n, sampling)
        finally:
            self.model.train(was_training)
        if per_call_n != n:
            results = [row * n for row in results]
        return results

    def _generate_chunk(self, prompts: list[str], n: int, sampling: Sampling) -> list[list[Completion]]:
        import torch

        enc = self.tokenizer(prompts, add_special_tokens=False, padding=True, return_tensors="pt").to(
            self.device
        )
        kwargs: dict[str, Any] = dict(
            max_new_tokens=sampling.max_tokens,
            num_return_sequences=n,
            pad_token_id=self.tokenizer.pad_token_id,
            eos_token_id=sorted(self.eos_ids),
            return_dict_in_generate=True,
            output_logits=sampling.logprobs,
        )
        if sampling.greedy:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            kwargs.update(
                do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k
            )  # 0 disables it (not the generation config's 50)
        if sampling.stop:
            kwargs.update(stop_strings=list(sampling.stop), tokenizer=self.tokenizer)
        with torch.no_grad():
            out = self.model.generate(**enc, **kwargs)
        prompt_len = enc["input_ids"].shape[1]
        new_tokens = out.sequences[:, prompt_len:].tolist()
        token_logprobs = None
        if sampling.logprobs:
            # raw logits of each step -> log-softmax -> the chosen token's log-probability
            logits = torch.stack(out.logits, dim=1).float()
            chosen = out.sequences[:, prompt_len:].unsqueeze(-1)
            token_logprobs = torch.log_softmax(logits, dim=-1).gather(-1, chosen).squeeze(-1).tolist()
        results = []
        for i in range(len(prompts)):
            mask = enc["attention_mask"][i].bool()
            prompt_ids = enc["input_ids"][i][mask].tolist()
            row = []
            for j in range(n):
                k = i * n + j
                row.append(
                    make_completion(
                        self.tokenizer,
                        new_tokens[k],
                        None if token_logprobs is None else token_logprobs[k],
                        sampling,
                        self.eos_ids,
                        prompt_ids,
                    )
                )
            results.append(row)
        return results
