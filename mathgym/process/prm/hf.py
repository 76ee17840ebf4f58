"""Trained PRMs on transformers, in the two published conventions, loadable by path or hub id.

* **Token classification** (Qwen2.5-Math-PRM): the solution is the assistant message of a chat whose steps
  are each followed by a separator token (``<extra_0>``); the model outputs two logits per token, and a
  step's score is the softmax probability of class 1 at its separator. Published checkpoints ship their
  own head class (``trust_remote_code=True``); checkpoints written by ``mathgym train-prm`` are plain
  ``*ForTokenClassification`` models with a ``mathgym_prm.json`` that records the layout.
* **Step tag** (Math-Shepherd): a causal LM reads ``"{question} Step 1: ... ки\\nStep 2: ... ки"``; at each
  step tag ``ки`` the next-token logits of the good token ``+`` and the bad token ``-`` are compared, and
  the step's score is the softmax probability of ``+``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mathgym.process.prm.base import ProblemLike, ProcessRewardModel, ScoreItem, problem_text

#: Qwen2.5-Math-PRM's step separator and system message
QWEN_STEP_SEPARATOR = "<extra_0>"
QWEN_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."
#: Math-Shepherd's step tag and label tokens
SHEPHERD_STEP_TAG = "ки"
SHEPHERD_GOOD, SHEPHERD_BAD = "+", "-"
#: the layout file mathgym writes next to a trained PRM checkpoint
LAYOUT_FILE = "mathgym_prm.json"


def _device(device: str | None) -> str:
    import torch

    return device or ("cuda" if torch.cuda.is_available() else "cpu")


def read_layout(path: str | Path) -> dict[str, Any]:
    """The ``mathgym_prm.json`` of a local checkpoint (empty for published checkpoints)."""
    file = Path(path) / LAYOUT_FILE
    return json.loads(file.read_text()) if file.is_file() else {}


class TokenClassificationPRM(ProcessRewardModel):
    """A Qwen2.5-Math-PRM-style PRM.

    :param model: a checkpoint path or hub id, or a loaded model (then ``tokenizer`` is required).
    :param tokenizer: its tokenizer (loaded with the model by default).
    :param step_separator: the token after each step (default from ``mathgym_prm.json``, else ``<extra_0>``).
    :param system: the system message (``None`` for none; default Qwen2.5-Math-PRM's).
    :param positive_label: the class whose probability is the step score.
    :param trust_remote_code: allow the checkpoint's own model code (needed for the published
        Qwen2.5-Math-PRM, whose head class is not part of transformers).
    :param batch_size: solutions per forward pass.
    :param max_length: longest input in tokens; longer inputs lose the start of the problem statement.
    """

    name = "token_classification_prm"

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        step_separator: str | None = None,
        system: str | None = QWEN_SYSTEM,
        positive_label: int = 1,
        trust_remote_code: bool = False,
        batch_size: int = 8,
        max_length: int = 2048,
        device: str | None = None,
    ) -> None:
        layout = read_layout(model) if isinstance(model, (str, Path)) else {}
        self.device = _device(device)
        if isinstance(model, (str, Path)):
            model, tokenizer = _load_token_classifier(str(model), tokenizer, trust_remote_code)
        elif tokenizer is None:
            raise ValueError("TokenClassificationPRM(model_object) needs tokenizer=...")
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.step_separator = step_separator or layout.get("step_separator", QWEN_STEP_SEPARATOR)
        self.system = layout.get("system", system)
        self.positive_label = positive_label
        self.batch_size = batch_size
        self.max_length = max_length
        ids = tokenizer.encode(self.step_separator, add_special_tokens=False)
        if len(ids) != 1:
            raise ValueError(
                f"the step separator {self.step_separator!r} is {len(ids)} tokens for this tokenizer; "
                "it must be one token (add it with tokenizer.add_special_tokens)"
            )
        self.separator_id = ids[0]
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token

    def text(self, problem: ProblemLike, steps: Sequence[str]) -> str:
        """The model input: a chat (when the tokenizer has a template) with the separated steps as the answer."""
        answer = "".join(f"{step}{self.step_separator}" for step in steps)
        messages = ([] if self.system is None else [{"role": "system", "content": self.system}]) + [
            {"role": "user", "content": problem_text(problem)},
            {"role": "assistant", "content": answer},
        ]
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
        return "\n\n".join(m["content"] for m in messages)

    def encode(self, problem: ProblemLike, steps: Sequence[str]) -> list[int]:
        """Token ids of one solution, cut from the left to ``max_length`` (every separator is kept)."""
        ids = self.tokenizer.encode(self.text(problem, steps), add_special_tokens=False)
        if len(ids) > self.max_length:
            ids = ids[-self.max_length :]
        if sum(1 for i in ids if i == self.separator_id) < len(steps):
            raise ValueError(f"the solution does not fit in max_length={self.max_length} tokens")
        return ids

    def logits(self, batch: list[list[int]]) -> Any:
        """``(B, T, C)`` logits of right-padded inputs."""
        import torch

        width = max(len(ids) for ids in batch)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros_like(input_ids)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            mask[row, : len(ids)] = 1
        out = self.model(input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device))
        return out[0] if isinstance(out, tuple) else out.logits

    def step_probabilities(self, logits: Any) -> Any:
        """Per-token probability of the positive class."""
        import torch

        if logits.shape[-1] == 1:
            return torch.sigmoid(logits[..., 0].float())
        return torch.softmax(logits.float(), dim=-1)[..., self.positive_label]

    def score_batch(self, items: Sequence[ScoreItem]) -> list[list[float]]:
        import torch

        encoded = [self.encode(problem, steps) for problem, steps in items]
        out: list[list[float]] = []
        with torch.no_grad():
            for start in range(0, len(encoded), self.batch_size):
                batch = encoded[start : start + self.batch_size]
                probs = self.step_probabilities(self.logits(batch))
                for row, (ids, (_, steps)) in enumerate(zip(batch, items[start : start + self.batch_size])):
                    positions = (
                        [i for i, t in enumerate(ids) if t == self.separator_id][-len(steps) :]
                        if steps
                        else []
                    )
                    out.append([float(probs[row, i]) for i in positions])
        return out


def _load_token_classifier(path: str, tokenizer: Any, trust_remote_code: bool) -> tuple[Any, Any]:
    import torch
    from transformers import AutoConfig, AutoModel, AutoModelForTokenClassification, AutoTokenizer

    try:
        config = AutoConfig.from_pretrained(path, trust_remote_code=trust_remote_code)
        tokenizer = tokenizer or AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
        custom = "AutoModel" in (getattr(config, "auto_map", None) or {})
        if custom and not trust_remote_code:
            raise ValueError(
                f"{path} defines its own PRM head (auto_map); load it with trust_remote_code=True "
                "(--trust-remote-code) if you trust the checkpoint's code"
            )
        cls = AutoModel if custom else AutoModelForTokenClassification
        model = cls.from_pretrained(path, dtype=torch.float32, trust_remote_code=trust_remote_code)
    except OSError as exc:
        raise FileNotFoundError(
            f"cannot load a token-classification PRM from {path!r}: {exc}. Give a checkpoint "
            "directory (config.json, weights, tokenizer) or a hub id reachable from here"
        ) from exc
    return model, tokenizer


class StepTagPRM(ProcessRewardModel):
    """A Math-Shepherd-style PRM: a causal LM judged by its next-token choice at each step tag.

    :param model: checkpoint path or hub id, or a loaded causal LM (then ``tokenizer`` is required).
    :param step_tag: the tag written after every step (``ки``).
    :param good_token: the label token of a correct step (``+``); ``bad_token`` that of a wrong one (``-``).
    :param number_steps: write ``Step i: `` before each step, as Math-Shepherd's data does.
    """

    name = "step_tag_prm"

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        step_tag: str = SHEPHERD_STEP_TAG,
        good_token: str = SHEPHERD_GOOD,
        bad_token: str = SHEPHERD_BAD,
        number_steps: bool = True,
        batch_size: int = 8,
        device: str | None = None,
    ) -> None:
        import torch

        self.device = _device(device)
        if isinstance(model, (str, Path)):
            from transformers import AutoModelForCausalLM, AutoTokenizer

            try:
                tokenizer = tokenizer or AutoTokenizer.from_pretrained(str(model))
                model = AutoModelForCausalLM.from_pretrained(str(model), dtype=torch.float32)
            except OSError as exc:
                raise FileNotFoundError(f"cannot load a step-tag PRM from {model!r}: {exc}") from exc
        elif tokenizer is None:
            raise ValueError("StepTagPRM(model_object) needs tokenizer=...")
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.step_tag = step_tag
        self.number_steps = number_steps
        self.batch_size = batch_size
        # as Math-Shepherd's reference code: the ids of "+ -" without a leading special token
        candidates = tokenizer.encode(f"{good_token} {bad_token}", add_special_tokens=False)
        if len(candidates) != 2:
            candidates = [
                tokenizer.encode(good_token, add_special_tokens=False)[-1],
                tokenizer.encode(f" {bad_token}", add_special_tokens=False)[-1],
            ]
        self.candidate_ids = candidates
        self.step_tag_id = tokenizer.encode(step_tag, add_special_tokens=False)[-1]

    def text(self, problem: ProblemLike, steps: Sequence[str]) -> str:
        lines = [
            f"{'Step ' + str(i + 1) + ': ' if self.number_steps else ''}{step} {self.step_tag}"
            for i, step in enumerate(steps)
        ]
        return f"{problem_text(problem)} " + "\n".join(lines)

    def score_batch(self, items: Sequence[ScoreItem]) -> list[list[float]]:
        import torch

        encoded = [self.tokenizer.encode(self.text(p, s)) for p, s in items]
        out: list[list[float]] = []
        with torch.no_grad():
            for start in range(0, len(encoded), self.batch_size):
                batch = encoded[start : start + self.batch_size]
                width = max(len(ids) for ids in batch)
                input_ids = torch.full((len(batch), width), self.tokenizer.pad_token_id, dtype=torch.long)
                mask = torch.zeros_like(input_ids)
                for row, ids in enumerate(batch):
                    input_ids[row, : len(ids)] = torch.tensor(ids)
                    mask[row, : len(ids)] = 1
                logits = self.model(
                    input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device)
                ).logits
                good = torch.softmax(logits[:, :, self.candidate_ids].float(), dim=-1)[..., 0]
                for row, (ids, (_, steps)) in enumerate(zip(batch, items[start : start + self.batch_size])):
                    positions = (
                        [i for i, t in enumerate(ids) if t == self.step_tag_id][-len(steps) :]
                        if steps
                        else []
                    )
                    out.append([float(good[row, i]) for i in positions])
        return out
