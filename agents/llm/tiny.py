"""A tiny, randomly initialised Qwen2 causal LM with a locally trained byte-level BPE tokenizer.

No weights can be downloaded in tests, CI or benchmarks on this project's machines, so every LLM
backend is exercised on this model instead: it is a real checkpoint directory (``config.json``,
``model.safetensors``, ``tokenizer.json`` with a ChatML chat template) that transformers, vLLM and
vLLM's OpenAI server all load like any hub model. Its outputs are meaningless until trained (the GRPO
benchmark fits it on reference solutions first). Same arguments ⇒ same files, bit for bit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from mathgym.seeding import derive_rng, derive_seed

if TYPE_CHECKING:
    import tokenizers

PAD_TOKEN = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPECIAL_TOKENS = (PAD_TOKEN, IM_START, IM_END)

#: ChatML, the format of Qwen2 chat models
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def default_corpus(size: int = 3000, seed: int = 0) -> list[str]:
    """Text the tokenizer is trained on: math-env prompts, reference solutions and chat markup."""
    from mathgym.sources.procedural import ProceduralSource

    lines = [
        "Solve the following problem. Put your final answer within \\boxed{}.",
        "Solve the following problem step by step, one reasoning step per message.",
        "When you reach the final answer, write it within \\boxed{}.",
        "```python\nprint(1 + 2)\n```\n```output\n3\n```",
        "You are a helpful assistant that solves math problems.",
        "<|im_start|>system\n",
        "<|im_start|>user\n",
        "<|im_start|>assistant\n",
    ]
    rng = derive_rng("mathgym.tiny.corpus", seed)
    for level in range(3):
        source = ProceduralSource("Arithmetic", seed=seed, level=level)
        for index in rng.integers(0, 10**9, size=size // 3):
            problem = source[int(index)]
            lines.append(problem.prompt)
            lines.extend(problem.solution)
    return lines


def train_tokenizer(corpus: Iterable[str], vocab_size: int = 512) -> tokenizers.Tokenizer:
    """A byte-level BPE tokenizer (any unicode text encodes) whose digits are single tokens.

    Splitting digits keeps numbers readable to a tiny model (``127`` is ``1 2 7``), as Qwen2 does.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(corpus), trainer=trainer)
    return tokenizer


def build_tiny_model(
    path: str | Path,
    *,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 128,
    vocab_size: int = 512,
    max_position_embeddings: int = 1024,
    init_std: float = 0.2,
    seed: int = 0,
) -> Path:
    """Write a tiny Qwen2 checkpoint (fp32) with its tokenizer into ``path`` and return the path.

    :param hidden_size: model width; ``hidden_size / num_heads`` is the head size (vLLM's CPU
        attention wants 32, 64, 80, 96, 112, 128, 256).
    :param num_layers: decoder layers.
    :param num_heads: attention heads (as many key/value heads).
    :param intermediate_size: MLP width.
    :param vocab_size: BPE vocabulary size including the three special tokens.
    :param max_position_embeddings: longest sequence.
    :param init_std: standard deviation of the random weights; larger than the usual 0.02 so that an
        untrained model's next-token choice is decisive (greedy texts vary and agree across backends).
    :param seed: weights and tokenizer corpus seed.
    """
    import torch
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    raw = train_tokenizer(default_corpus(seed=seed), vocab_size=vocab_size)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw,
        pad_token=PAD_TOKEN,
        eos_token=IM_END,
        additional_special_tokens=[IM_START],
        model_max_length=max_position_embeddings,
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(path)

    eos_id = tokenizer.convert_tokens_to_ids(IM_END)
    pad_id = tokenizer.convert_tokens_to_ids(PAD_TOKEN)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=intermediate_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_heads,
        max_position_embeddings=max_position_embeddings,
        tie_word_embeddings=True,
        bos_token_id=pad_id,
        eos_token_id=eos_id,
        pad_token_id=pad_id,
        torch_dtype="float32",
        rope_theta=10000.0,
        use_sliding_window=False,
        initializer_range=init_std,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed("mathgym.tiny.weights", seed) % 2**63)
        model = Qwen2ForCausalLM(config).to(torch.float32)
    model.generation_config.eos_token_id = eos_id
    model.generation_config.pad_token_id = pad_id
    model.generation_config.bos_token_id = pad_id
    model.save_pretrained(path, safe_serialization=True)
    # vLLM reads the default generation settings from here; keep sampling neutral
    gen_cfg = path / "generation_config.json"
    data = json.loads(gen_cfg.read_text())
    data.pop("temperature", None)
    gen_cfg.write_text(json.dumps(data, indent=2))
    return path


def build_tiny_reward_model(
    path: str | Path,
    *,
    tokenizer_from: str | Path | None = None,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 2,
    seed: int = 0,
) -> Path:
    """A tiny random Qwen2 sequence-classification model with one output (an outcome reward model).

    :param tokenizer_from: a checkpoint whose tokenizer to reuse (default: train one).
    """
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForSequenceClassification

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if tokenizer_from is None:
        tokenizer_from = build_tiny_model(
            path / "_policy", hidden_size=hidden_size, num_layers=1, num_heads=num_heads, seed=seed
        )
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_from)
    tokenizer.save_pretrained(path)
    pad_id = tokenizer.pad_token_id
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_heads,
        max_position_embeddings=1024,
        num_labels=1,
        pad_token_id=pad_id,
        torch_dtype="float32",
        initializer_range=0.2,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed("mathgym.tiny.reward_model", seed) % 2**63)
        model = Qwen2ForSequenceClassification(config).to(torch.float32)
    model.save_pretrained(path, safe_serialization=True)
    return path
