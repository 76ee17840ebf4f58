"""Training PRMs on this CPU: a small token-classification PRM on exact step labels (BCE per step), and
an implicit PRM on outcome labels only (PRIME's cross-entropy).

Both write a checkpoint that :func:`mathgym.process.prm.make_prm` loads back as a backend (the layout is
recorded in ``mathgym_prm.json``). ``mathgym train-prm`` runs them from the command line.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mathgym.process.prm.hf import LAYOUT_FILE, QWEN_STEP_SEPARATOR, QWEN_SYSTEM, TokenClassificationPRM
from mathgym.process.processbench import TRAIN_GENERATORS, synthetic_processbench
from mathgym.process.solution import LabeledSolution
from mathgym.seeding import derive_rng, derive_seed

Log = Callable[[dict[str, Any]], None]


@dataclass
class PRMTrainConfig:
    """Hyper-parameters of :func:`train_prm`.

    :param generators: generator families whose synthetic labeled solutions it trains on.
    :param items_per_generator: synthetic solutions per family (about half with an injected error).
    :param seed: data, initialisation and shuffling seed.
    :param steps: optimizer steps; ``batch_size`` solutions each.
    :param learning_rate: AdamW peak learning rate (linear warm-up over ``warmup`` steps, then cosine).
    :param hidden_size: model width (with ``num_layers``, ``num_heads``, ``intermediate_size``, ``vocab_size``:
        a Qwen2 token classifier built from a config, about 3 M parameters by default).
    :param init_from: a causal LM checkpoint to start the backbone from (its tokenizer gets the separator
        token) instead of training from scratch.
    :param max_length: longest solution in tokens.
    :param error_rate: share of solutions with an injected error; ``compensate_rate`` of those right-answer.
    """

    generators: tuple[str, ...] = TRAIN_GENERATORS
    items_per_generator: int = 300
    seed: int = 0
    steps: int = 800
    batch_size: int = 16
    learning_rate: float = 1e-3
    warmup: int = 40
    weight_decay: float = 0.01
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    intermediate_size: int = 768
    vocab_size: int = 1024
    init_from: str | None = None
    max_length: int = 768
    error_rate: float = 0.5
    compensate_rate: float = 0.25
    max_grad_norm: float = 1.0


@dataclass
class TrainResult:
    path: Path
    history: list[dict[str, float]] = field(default_factory=list)
    parameters: int = 0
    seconds: float = 0.0


# -------------------------------------------------------------------------------------------- helpers
def corpus_texts(solutions: Sequence[LabeledSolution]) -> list[str]:
    return [t for s in solutions for t in (s.problem.prompt, *s.steps)]


def build_prm_tokenizer(texts: Sequence[str], vocab_size: int = 1024) -> Any:
    """A byte-level BPE tokenizer trained on ``texts`` (digits split), with ChatML and the step separator."""
    from transformers import PreTrainedTokenizerFast

    from mathgym.agents.llm.tiny import CHAT_TEMPLATE, IM_END, IM_START, PAD_TOKEN, train_tokenizer

    raw = train_tokenizer(list(texts) + [QWEN_SYSTEM], vocab_size=vocab_size)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw,
        pad_token=PAD_TOKEN,
        eos_token=IM_END,
        additional_special_tokens=[IM_START, QWEN_STEP_SEPARATOR],
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def new_token_classifier(tokenizer: Any, config: PRMTrainConfig) -> Any:
    """A randomly initialised Qwen2 token classifier with two labels."""
    import torch
    from transformers import Qwen2Config, Qwen2ForTokenClassification

    qwen = Qwen2Config(  # type: ignore[call-arg]
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        intermediate_size=config.intermediate_size,
        num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads,
        num_key_value_heads=config.num_heads,
        max_position_embeddings=max(1024, config.max_length),
        num_labels=2,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
        torch_dtype="float32",
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed("mathgym.process.prm.init", config.seed) % 2**63)
        return Qwen2ForTokenClassification(qwen).to(torch.float32)  # type: ignore[arg-type]


def classifier_from_causal_lm(path: str) -> tuple[Any, Any]:
    """A token classifier whose backbone is a causal LM checkpoint's ("from the tiny model")."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if QWEN_STEP_SEPARATOR not in tokenizer.get_vocab():
        tokenizer.add_special_tokens({"additional_special_tokens": [QWEN_STEP_SEPARATOR]})
    model = AutoModelForTokenClassification.from_pretrained(path, num_labels=2, dtype=torch.float32)
    model.resize_token_embeddings(len(tokenizer))
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def step_targets(
    prm: TokenClassificationPRM, solution: LabeledSolution
) -> tuple[list[int], list[int], list[int]]:
    """Token ids of a solution, the positions of its separators, and each step's label (1 good, 0 bad)."""
    ids = prm.encode(solution.problem, list(solution.steps))
    positions = [i for i, t in enumerate(ids) if t == prm.separator_id][-len(solution.steps) :]
    return ids, positions, solution.step_labels()


def length_bucketed_batches(
    lengths: Sequence[int], batch_size: int, rng: Any, pool: int = 8
) -> list[list[int]]:
    """One epoch of batches in random order, each drawn from ``pool`` batches' worth of examples sorted by
    length, so a batch pads to a similar length (on a CPU, padding is most of the cost)."""
    order = list(rng.permutation(len(lengths)))
    while len(order) % batch_size:  # whole batches: top up with random repeats
        order.append(int(rng.integers(len(lengths))))
    batches = []
    for start in range(0, len(order), batch_size * pool):
        chunk = sorted(order[start : start + batch_size * pool], key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def prm_bce_loss(logits: Any, positions: Sequence[Sequence[int]], labels: Sequence[Sequence[int]]) -> Any:
    """Binary cross-entropy per step at the separators: the logit of "good" is ``logit_1 − logit_0``."""
    import torch

    rows, cols, targets = [], [], []
    for row, (pos, lab) in enumerate(zip(positions, labels)):
        rows += [row] * len(pos)
        cols += list(pos)
        targets += list(lab)
    picked = logits[torch.tensor(rows), torch.tensor(cols)].float()
    margin = picked[:, 1] - picked[:, 0] if picked.shape[-1] == 2 else picked[:, 0]
    return torch.nn.functional.binary_cross_entropy_with_logits(
        margin, torch.tensor(targets, dtype=torch.float32, device=margin.device)
    )


def _schedule(step: int, config: PRMTrainConfig) -> float:
    import math

    if step < config.warmup:
        return (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


def _write_layout(path: Path, layout: dict[str, Any]) -> None:
    (path / LAYOUT_FILE).write_text(json.dumps(layout, indent=2, sort_keys=True))


# ----------------------------------------------------------------------------------------- BCE PRM
def train_prm(
    config: PRMTrainConfig,
    out: str | Path,
    *,
    solutions: Sequence[LabeledSolution] | None = None,
    log: Log | None = print,
) -> TrainResult:
    """Train a token-classification PRM on exact step labels and save it to ``out``.

    :param config: hyper-parameters.
    :param out: the checkpoint folder (created).
    :param solutions: labeled solutions to train on (default: a synthetic ProcessBench of ``config.generators``).
    :param log: called with ``{"step", "loss", "lr"}`` every 20 steps.
    """
    import torch

    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if solutions is None:
        solutions = synthetic_processbench(
            config.generators,
            per_generator=config.items_per_generator,
            seed=config.seed,
            error_rate=config.error_rate,
            compensate_rate=config.compensate_rate,
        )
    if config.init_from:
        model, tokenizer = classifier_from_causal_lm(config.init_from)
    else:
        tokenizer = build_prm_tokenizer(corpus_texts(solutions), config.vocab_size)
        model = new_token_classifier(tokenizer, config)
    prm = TokenClassificationPRM(model, tokenizer, max_length=config.max_length, device="cpu")
    examples = [step_targets(prm, s) for s in solutions]
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    rng = derive_rng("mathgym.process.prm.train", config.seed)
    batches: list[list[int]] = []
    history: list[dict[str, float]] = []
    model.train()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed("mathgym.process.prm.dropout", config.seed) % 2**63)
        for step in range(config.steps):
            if not batches:
                batches = length_bucketed_batches(
                    [len(ids) for ids, _, _ in examples], config.batch_size, rng
                )
            batch = [examples[i] for i in batches.pop()]
            for group in optimizer.param_groups:
                group["lr"] = config.learning_rate * _schedule(step, config)
            logits = prm.logits([ids for ids, _, _ in batch])
            loss = prm_bce_loss(logits, [p for _, p, _ in batch], [lab for _, _, lab in batch])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            optimizer.step()
            row = {"step": step, "loss": loss.item(), "lr": optimizer.param_groups[0]["lr"]}
            history.append(row)
            if log is not None and (step % 20 == 0 or step == config.steps - 1):
                log(row)
    model.eval()
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    _write_layout(
        out,
        {
            "format": "token_classification",
            "step_separator": prm.step_separator,
            "system": prm.system,
            "positive_label": 1,
            "config": asdict(config),
            "train_items": len(solutions),
        },
    )
    return TrainResult(
        out, history, sum(p.numel() for p in model.parameters()), time.perf_counter() - started
    )


# ------------------------------------------------------------------------------------------ implicit
@dataclass
class ImplicitTrainConfig:
    """Hyper-parameters of :func:`train_implicit_prm`.

    :param beta: ``β`` of the log-ratio reward.
    :param steps: optimizer steps of ``batch_size`` solutions with outcome labels.
    :param learning_rate: AdamW learning rate.
    :param seed: shuffling seed.
    """

    beta: float = 0.05
    steps: int = 200
    batch_size: int = 16
    learning_rate: float = 1e-4
    seed: int = 0
    max_grad_norm: float = 1.0


def train_implicit_prm(
    policy: str | Path,
    solutions: Sequence[LabeledSolution],
    out: str | Path,
    config: ImplicitTrainConfig | None = None,
    *,
    log: Log | None = print,
) -> TrainResult:
    """Train an implicit PRM from a policy checkpoint on outcome labels (``final_answer_correct``) only.

    ``π_φ`` starts as a copy of ``policy`` and ``π_ref`` stays ``policy``; the loss is
    :func:`~mathgym.process.prm.implicit.implicit_ce_loss` of ``β·Σ_t log π_φ/π_ref`` over the response.
    The reference is copied into ``out/reference`` so the checkpoint loads on its own.
    """
    import torch

    from mathgym.process.prm.implicit import ImplicitPRM, implicit_ce_loss

    config = config or ImplicitTrainConfig()
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    reference_dir = out / "reference"
    if reference_dir.exists():
        shutil.rmtree(reference_dir)
    shutil.copytree(policy, reference_dir)
    prm = ImplicitPRM(str(policy), str(reference_dir), beta=config.beta, device="cpu")
    model = prm.model
    encoded = [prm.encode(s.problem, list(s.steps)) for s in solutions]
    labels = [1.0 if s.final_answer_correct else 0.0 for s in solutions]
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    rng = derive_rng("mathgym.process.implicit.train", config.seed)
    order: list[int] = []
    history: list[dict[str, float]] = []
    for step in range(config.steps):
        while len(order) < config.batch_size:
            order += list(rng.permutation(len(encoded)))
        picked = [order.pop() for _ in range(config.batch_size)]
        ids, mask, response = prm.batch([encoded[i] for i in picked])
        model.train()
        ratios = prm.log_ratios(ids, mask, grad=True)
        rewards = config.beta * (ratios * response).sum(dim=1)
        loss = implicit_ce_loss(rewards, torch.tensor([labels[i] for i in picked]))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimizer.step()
        model.eval()
        row = {"step": step, "loss": loss.item(), "mean_reward": rewards.mean().item()}
        history.append(row)
        if log is not None and (step % 20 == 0 or step == config.steps - 1):
            log(row)
    model.save_pretrained(out, safe_serialization=True)
    prm.tokenizer.save_pretrained(out)
    _write_layout(
        out,
        {
            "format": "implicit",
            "reference": "reference",
            "beta": config.beta,
            "config": asdict(config),
            "train_items": len(solutions),
        },
    )
    return TrainResult(
        out, history, sum(p.numel() for p in model.parameters()), time.perf_counter() - started
    )
