"""Deep symbolic regression with a risk-seeking policy gradient and a priority queue (DSO/DSR's method).

One readable file, CleanRL-style. An LSTM emits expressions token by token in prefix order; each step's input
is the one-hot (parent, sibling) of the slot being filled. A batch of expressions is sampled from the native
vector env :class:`~mathgym.envs.classic.symbolic_regression.vector.SymbolicRegressionVectorEnv` (one sub-env
per expression: its masks encode the constraints, and it evaluates every finished expression in numpy), which
scores them with ``1 / (1 + NRMSE)`` on the training points. Only the top ``epsilon`` fraction of the batch
trains the policy (Petersen et al., "Deep symbolic regression", ICLR 2021):

    loss = -mean_{R_i >= R_eps} (R_i - R_eps) * log p(tau_i)  -  lambda_H * sum_t gamma^t H_t
           -  lambda_PQ * mean_{tau in queue} log p(tau)

where the last term is DSO's priority-queue training: the ``pq_size`` best distinct expressions seen so far
are kept in a priority queue and their likelihood is pushed up as well (Abolafia et al. 2018; DSO's ``pqt``).
Priors as in DSO's regression config: uniform arity (each arity class starts equally likely) and a soft length
prior around ``soft_length`` tokens. Expressions with ``const`` tokens have their constants fitted by BFGS in
the env. A run stops when an expression *recovers* the target — symbolic equivalence, decided by sympy for
expressions that pass the NMSE < 1e-12 screen (:mod:`~mathgym.envs.classic.symbolic_regression.recovery`) — or
when the expression budget is spent.

Run: ``python -m mathgym.agents.dso --benchmark Nguyen-1 --seed 0 --budget 2000000``.
"""

from __future__ import annotations

import argparse
import heapq
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from gymnasium.vector import AutoresetMode
from torch import nn

from mathgym.envs.classic.symbolic_regression.tokens import Constraints, prefix_to_text
from mathgym.envs.classic.symbolic_regression.vector import SymbolicRegressionVectorEnv
from mathgym.seeding import derive_seed


@dataclass
class DSOConfig:
    """Hyper-parameters; the defaults are DSO's regression config (``config_regression.json``).

    :param benchmark: a Nguyen benchmark name.
    :param seed: seeds the policy, the sampling and the data draw.
    :param budget: expressions sampled in total (DSR used 2 million).
    :param batch_size: expressions per policy update.
    :param epsilon: risk-seeking quantile: train on the top ``epsilon`` of each batch.
    :param learning_rate: Adam's step size.
    :param entropy_weight: weight of the entropy bonus.
    :param entropy_gamma: the entropy at position t is weighted by ``gamma**t`` (DSO's hierarchical entropy).
    :param pq_size: size of the priority queue of the best distinct expressions (0 disables it).
    :param pq_weight: weight of the queue's log-likelihood term.
    :param hidden_size: units of the one-layer LSTM.
    :param max_length: most tokens per expression.
    :param min_length: fewest tokens per expression.
    :param soft_length: centre of the soft length prior (0 disables it).
    :param soft_length_scale: width of the soft length prior.
    :param uniform_arity_prior: start with each arity class equally likely.
    :param constants: add a ``const`` token (its values are fitted by BFGS).
    :param torch_threads: torch CPU threads.
    :param stop_on_success: stop at the first recovery.
    """

    benchmark: str = "Nguyen-1"
    seed: int = 0
    budget: int = 2_000_000
    batch_size: int = 1000
    epsilon: float = 0.05
    learning_rate: float = 5e-4
    entropy_weight: float = 0.03
    entropy_gamma: float = 0.7
    pq_size: int = 10
    pq_weight: float = 0.0
    hidden_size: int = 32
    max_length: int = 64
    min_length: int = 4
    soft_length: float = 10.0
    soft_length_scale: float = 5.0
    uniform_arity_prior: bool = True
    constants: bool = False
    torch_threads: int = 1
    stop_on_success: bool = True


@dataclass
class DSOResult:
    """Outcome of one run; ``spec`` is the benchmark spec and data seed the score belongs to.

    :param success: an expression recovered the target (symbolic equivalence).
    :param best_expression: the best expression (infix), by reward.
    :param best_tokens: its tokens.
    :param best_reward: its reward.
    :param best_nmse_test: its NMSE on the test points.
    :param expressions_evaluated: expressions sampled (the budget spent).
    :param first_success_at: expressions sampled up to and including the first recovery.
    :param seconds: wall time.
    :param spec: the benchmark spec and data seed.
    :param history: per update: expressions so far, best reward, quantile reward, mean reward.
    :param queue: the priority queue at the end: ``(reward, tokens)`` pairs, best first.
    """

    benchmark: str
    seed: int
    success: bool
    best_expression: str
    best_tokens: str
    best_reward: float
    best_nmse_test: float
    expressions_evaluated: int
    first_success_at: int | None
    seconds: float
    spec: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)
    queue: list[tuple[float, str]] = field(default_factory=list)


class Policy(nn.Module):
    """LSTM over one-hot (parent, sibling) inputs, with a linear head to token logits plus fixed prior logits.

    :param n_tokens: library size.
    :param hidden_size: LSTM units.
    :param prior_logits: fixed logits added to the head's (DSO's uniform-arity prior); zeros when ``None``.
    """

    def __init__(self, n_tokens: int, hidden_size: int, prior_logits: np.ndarray | None = None) -> None:
        super().__init__()
        self.n_tokens = n_tokens
        self.cell = nn.LSTMCell(2 * (n_tokens + 1), hidden_size)
        self.head = nn.Linear(hidden_size, n_tokens)
        prior = (
            torch.zeros(n_tokens)
            if prior_logits is None
            else torch.as_tensor(prior_logits, dtype=torch.float32)
        )
        self.register_buffer("prior", prior)

    def encode(self, parent: torch.Tensor, sibling: torch.Tensor) -> torch.Tensor:
        width = self.n_tokens + 1
        return torch.cat(
            [nn.functional.one_hot(parent, width), nn.functional.one_hot(sibling, width)], -1
        ).float()

    def step(self, parent: torch.Tensor, sibling: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """Logits for the next token and the new LSTM state."""
        h, c = self.cell(self.encode(parent, sibling), state)
        return self.head(h) + self.prior, (h, c)


def uniform_arity_prior(arities: tuple[int, ...]) -> np.ndarray:
    """Log-prior giving each arity class the same total probability: ``-log(#tokens of that arity)``.

    :param arities: the arity of every token.
    """
    arities_array = np.array(arities)
    counts = {a: int((arities_array == a).sum()) for a in set(arities)}
    return np.array([-np.log(counts[a]) for a in arities])


def soft_length_prior(arities: tuple[int, ...], max_length: int, loc: float, scale: float) -> np.ndarray:
    """DSO's soft length prior: logits ``(max_length, n_tokens)`` added at each position ``t``.

    Before ``loc`` terminals get ``-(t - loc)^2 / (2 scale^2)`` (the expression should not end yet), from
    ``loc`` on operators do (it should end soon).

    :param arities: the arity of every token.
    :param max_length: positions.
    :param loc: the preferred length.
    :param scale: how soft the preference is.
    """
    terminal = np.array(arities) == 0
    out = np.zeros((max_length, len(arities)))
    if not loc:
        return out
    for t in range(max_length):
        adjust = -((t - loc) ** 2) / (2 * scale**2)
        out[t, terminal if t < loc else ~terminal] = adjust
    return out


@dataclass
class Batch:
    """Sampled expressions with what is needed to replay their log-probabilities.

    :param actions: ``(B, T)`` token ids (padded).
    :param parents: ``(B, T)`` parent inputs.
    :param siblings: ``(B, T)`` sibling inputs.
    :param masks: ``(B, T, n)`` legal tokens at each step.
    :param lengths: ``(B,)`` expression lengths.
    :param rewards: ``(B,)`` env rewards.
    :param success: ``(B,)`` recoveries.
    :param nmse_test: ``(B,)`` NMSE on the test points.
    """

    actions: np.ndarray
    parents: np.ndarray
    siblings: np.ndarray
    masks: np.ndarray
    lengths: np.ndarray
    rewards: np.ndarray
    success: np.ndarray
    nmse_test: np.ndarray


@torch.no_grad()
def sample_batch(
    policy: Policy,
    env: SymbolicRegressionVectorEnv,
    generator: torch.Generator,
    length_prior: np.ndarray | None = None,
) -> Batch:
    """Sample one expression per sub-env of ``env`` (autoreset ``DISABLED``) and score them.

    :param policy: the policy.
    :param env: the vector env; it is reset here.
    :param generator: the torch generator of the sampling.
    :param length_prior: ``(max_length, n)`` logits added at each position (see :func:`soft_length_prior`).
    """
    batch, n_tokens, steps = env.num_envs, policy.n_tokens, env.max_length
    actions = np.zeros((batch, steps), dtype=np.int64)
    parents = np.full((batch, steps), n_tokens, dtype=np.int64)
    siblings = np.full((batch, steps), n_tokens, dtype=np.int64)
    masks = np.ones((batch, steps, n_tokens), dtype=bool)
    lengths = np.zeros(batch, dtype=np.int64)
    rewards = np.zeros(batch)
    success = np.zeros(batch, dtype=bool)
    nmse_test = np.full(batch, np.inf)
    obs, info = env.reset()
    live = np.ones(batch, dtype=bool)
    state = None
    prior = None if length_prior is None else torch.as_tensor(length_prior, dtype=torch.float32)
    for t in range(steps):
        mask = info["action_mask"]
        parents[live, t], siblings[live, t] = obs[live, 0], obs[live, 1]
        masks[live, t] = mask[live]
        logits, state = policy.step(torch.from_numpy(parents[:, t]), torch.from_numpy(siblings[:, t]), state)
        if prior is not None:
            logits = logits + prior[t]
        logits = logits.masked_fill(~torch.from_numpy(masks[:, t]), float("-inf"))
        chosen = torch.multinomial(torch.softmax(logits, -1), 1, generator=generator).squeeze(1).numpy()
        actions[live, t] = chosen[live]
        lengths[live] = t + 1
        obs, reward, terminated, _, info = env.step(chosen)
        ended = terminated & live
        rewards[ended] = reward[ended]
        if "is_success" in info:
            got = info["_is_success"] & ended
            success[got] = info["is_success"][got]
        if "nmse_test" in info:
            got = info["_nmse_test"] & ended
            nmse_test[got] = info["nmse_test"][got]
        live &= ~terminated
        if not live.any():
            break
    return Batch(actions, parents, siblings, masks, lengths, rewards, success, nmse_test)


def log_prob_and_entropy(
    policy: Policy,
    actions: np.ndarray,
    parents: np.ndarray,
    siblings: np.ndarray,
    masks: np.ndarray,
    lengths: np.ndarray,
    gamma: float,
    length_prior: np.ndarray | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sequence log p(tau) and gamma-weighted entropy, replaying the recorded inputs and masks.

    :param policy: the policy.
    :param actions: ``(B, T)`` tokens.
    :param parents: ``(B, T)`` parent inputs.
    :param siblings: ``(B, T)`` sibling inputs.
    :param masks: ``(B, T, n)`` legal tokens.
    :param lengths: ``(B,)`` lengths.
    :param gamma: entropy discount per position.
    :param length_prior: the logits added at sampling time, if any.
    """
    batch, steps = actions.shape
    state = None
    log_prob = torch.zeros(batch)
    entropy = torch.zeros(batch)
    valid_step = torch.from_numpy(np.arange(steps)[None, :] < lengths[:, None])
    prior = None if length_prior is None else torch.as_tensor(length_prior, dtype=torch.float32)
    for t in range(int(lengths.max())):
        logits, state = policy.step(torch.from_numpy(parents[:, t]), torch.from_numpy(siblings[:, t]), state)
        if prior is not None:
            logits = logits + prior[t]
        illegal = ~torch.from_numpy(masks[:, t])
        log_p = torch.log_softmax(logits.masked_fill(illegal, float("-inf")), -1)
        taken = log_p.gather(1, torch.from_numpy(actions[:, [t]])).squeeze(1)
        # zero the masked log-probs before multiplying: 0 * -inf would put NaN into the gradient
        safe_log_p = log_p.masked_fill(illegal, 0.0)
        step_entropy = -(log_p.exp().masked_fill(illegal, 0.0) * safe_log_p).sum(-1)
        live = valid_step[:, t].float()
        log_prob = log_prob + taken * live
        entropy = entropy + (gamma**t) * step_entropy * live
    return log_prob, entropy


class PriorityQueue:
    """The ``size`` best distinct expressions seen so far, with the inputs needed to replay them.

    :param size: capacity.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._heap: list[tuple[float, int, tuple[int, ...]]] = []  # min-heap: the worst entry is popped
        self._rows: dict[tuple[int, ...], tuple[np.ndarray, ...]] = {}
        self._count = 0

    def push(self, batch: Batch) -> None:
        """Offer every expression of a batch.

        :param batch: a sampled batch.
        """
        if not self.size:
            return
        for i in np.argsort(-batch.rewards)[: self.size]:
            key = tuple(batch.actions[i, : batch.lengths[i]].tolist())
            reward = float(batch.rewards[i])
            if key in self._rows or (len(self._heap) >= self.size and reward <= self._heap[0][0]):
                continue
            self._count += 1
            heapq.heappush(self._heap, (reward, self._count, key))
            self._rows[key] = (
                batch.actions[i],
                batch.parents[i],
                batch.siblings[i],
                batch.masks[i],
                batch.lengths[i],
            )
            if len(self._heap) > self.size:
                _, _, dropped = heapq.heappop(self._heap)
                del self._rows[dropped]

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """``(actions, parents, siblings, masks, lengths)`` of the queued expressions (``None``: empty)."""
        if not self._heap:
            return None
        rows = [self._rows[key] for _, _, key in self._heap]
        actions, parents, siblings, masks, lengths = (np.stack([row[k] for row in rows]) for k in range(5))
        return actions, parents, siblings, masks, lengths

    def best(self) -> list[tuple[float, tuple[int, ...]]]:
        """``(reward, tokens)`` pairs, best first."""
        return [(reward, key) for reward, _, key in sorted(self._heap, reverse=True)]


def run(config: DSOConfig, *, verbose: bool = False) -> DSOResult:
    """One DSO run on one benchmark; deterministic for a given config.

    :param config: the hyper-parameters.
    :param verbose: print one line per update.
    """
    torch.set_num_threads(config.torch_threads)
    torch.manual_seed(derive_seed("mathgym.dso", config.seed, "init"))
    generator = torch.Generator().manual_seed(derive_seed("mathgym.dso", config.seed, "sample"))
    constraints = Constraints(max_length=config.max_length, min_length=config.min_length)
    env = SymbolicRegressionVectorEnv(
        config.batch_size,
        config.benchmark,
        max_length=config.max_length,
        constants=config.constants,
        constraints=constraints,
        autoreset_mode=AutoresetMode.DISABLED,
        data_seed=derive_seed("mathgym.dso.data", config.benchmark, config.seed) % 2**31,
    )
    library = env.library
    prior = uniform_arity_prior(library.arities) if config.uniform_arity_prior else None
    length_prior = (
        soft_length_prior(library.arities, config.max_length, config.soft_length, config.soft_length_scale)
        if config.soft_length
        else None
    )
    policy = Policy(len(library), config.hidden_size, prior)
    optimizer = torch.optim.Adam(policy.parameters(), lr=config.learning_rate)
    queue = PriorityQueue(config.pq_size)

    best: tuple[float, tuple[int, ...], float] | None = None
    best_env_row: tuple[int, str] | None = None
    first_success: int | None = None
    evaluated = 0
    history = []
    start = time.perf_counter()
    while evaluated < config.budget:
        batch = sample_batch(policy, env, generator, length_prior)
        top_index = int(np.argmax(batch.rewards))
        if best is None or batch.rewards[top_index] > best[0]:
            tokens = tuple(batch.actions[top_index, : batch.lengths[top_index]].tolist())
            best = (float(batch.rewards[top_index]), tokens, float(batch.nmse_test[top_index]))
            best_env_row = (top_index, env.expression(top_index))
        if batch.success.any() and first_success is None:
            hit = int(np.flatnonzero(batch.success)[0])
            first_success = evaluated + hit + 1
            tokens = tuple(batch.actions[hit, : batch.lengths[hit]].tolist())
            best = (float(batch.rewards[hit]), tokens, float(batch.nmse_test[hit]))
            best_env_row = (hit, env.expression(hit))
        evaluated += batch.actions.shape[0]
        queue.push(batch)

        # risk-seeking policy gradient on the top epsilon of the batch
        threshold = float(np.quantile(batch.rewards, 1.0 - config.epsilon))
        top = np.flatnonzero(batch.rewards >= threshold)
        log_prob, entropy = log_prob_and_entropy(
            policy,
            batch.actions[top],
            batch.parents[top],
            batch.siblings[top],
            batch.masks[top],
            batch.lengths[top],
            config.entropy_gamma,
            length_prior,
        )
        advantage = torch.from_numpy(batch.rewards[top] - threshold).float()
        loss = -(advantage * log_prob).mean() - config.entropy_weight * entropy.mean()
        queued = queue.arrays() if config.pq_weight else None
        if queued is not None:  # priority-queue training: raise the likelihood of the best expressions
            queue_log_prob, _ = log_prob_and_entropy(policy, *queued, config.entropy_gamma, length_prior)
            loss = loss - config.pq_weight * queue_log_prob.mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        history.append(
            {
                "expressions": evaluated,
                "best_reward": best[0],
                "quantile_reward": threshold,
                "mean_reward": float(batch.rewards.mean()),
            }
        )
        if verbose:
            print(
                f"{config.benchmark} seed {config.seed}: {evaluated:>8} expressions  best {best[0]:.4f}  "
                f"R_eps {threshold:.4f}  {best_env_row[1]}",  # type: ignore[index]
                flush=True,
            )
        if first_success is not None and config.stop_on_success:
            break
    assert best is not None and best_env_row is not None
    spec = env.task_spec()
    return DSOResult(
        config.benchmark,
        config.seed,
        first_success is not None,
        best_env_row[1],
        prefix_to_text(best[1], library),
        best[0],
        best[2],
        evaluated,
        first_success,
        time.perf_counter() - start,
        spec,
        history,
        [(reward, prefix_to_text(tokens, library)) for reward, tokens in queue.best()],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, value in asdict(DSOConfig()).items():
        kind = type(value)
        if kind is bool:
            parser.add_argument(
                f"--{name.replace('_', '-')}", type=lambda s: s.lower() in ("1", "true", "yes"), default=value
            )
        else:
            parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=value)
    config = DSOConfig(**vars(parser.parse_args()))
    result = run(config, verbose=True)
    print(
        f"success={result.success} best={result.best_expression} nmse_test={result.best_nmse_test:.3g} "
        f"expressions={result.expressions_evaluated} seconds={result.seconds:.1f}"
    )


if __name__ == "__main__":
    main()
