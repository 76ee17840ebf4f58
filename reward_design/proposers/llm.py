"""Reward functions written by a language model through any mathgym policy backend (Eureka's loop).

The conversation has Eureka's shape and never grows: a system message (the role, the signature, the
output rules), a user message (the env as a Pythonic class and the task), and from the second iteration
on the previous iteration's best response as the assistant message and its reflection (plus a person's
feedback, when given) as the last user message. ``n`` responses are sampled from that conversation.
The wording is this project's own.
"""

from __future__ import annotations

from typing import Any

from mathgym.reward_design.context import EnvContext
from mathgym.reward_design.proposers.base import Feedback

SYSTEM_PROMPT = """You are an expert in reinforcement learning who designs reward functions as Python code. Write a reward function that lets an agent learn the task described by the user, built from the environment variables that help.
Write exactly this function:
```python
{signature}
    ...
```
{rules}"""

OUTPUT_RULES = """Rules for the code:
- Return a tuple: the total reward (a float), and a dict mapping the name of each reward component to its value (a float).
- Put the whole code in one ```python block.
- When you squash a component (exp, tanh, ...), store its temperature in a named variable inside the function; do not make it an argument.
- Read only the fields listed in the environment description: prev, action, state and info have no other keys. Do not invent inputs.
- Only the Python standard library is available (math is fine). No files, no network, no randomness: the same arguments must give the same reward."""

TASK_PROMPT = """{environment}

Write a reward function for this task: {task}"""


def build_messages(context: EnvContext, feedback: Feedback | None) -> list[dict[str, str]]:
    """The chat for one iteration (2 messages on the first, 4 afterwards)."""
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT.format(signature=context.signature, rules=OUTPUT_RULES)},
        {
            "role": "user",
            "content": TASK_PROMPT.format(environment=context.to_prompt(), task=context.spec.task),
        },
    ]
    if feedback is not None and feedback.best_response is not None:
        text = feedback.text
        if feedback.human:
            text += f"\n\nFeedback from a person who watched the training:\n{feedback.human}"
        messages += [
            {"role": "assistant", "content": feedback.best_response},
            {"role": "user", "content": text + "\n\n" + OUTPUT_RULES},
        ]
    return messages


class LLMProposer:
    """Samples reward functions from a policy backend.

    :param spec: ``vllm:PATH``, ``hf:PATH`` or ``openai:URL#MODEL`` (see :func:`mathgym.agents.llm.make_policy`).
    :param seed: sampling seed (each iteration derives its own).
    :param temperature: sampling temperature (Eureka uses 1.0).
    :param max_tokens: most tokens per response.
    :param policy: an already-built :class:`~mathgym.agents.llm.Policy` to use instead of building one from
        ``spec`` (it is not closed by :meth:`close`).
    :param policy_kwargs: passed to the backend's constructor.
    """

    def __init__(
        self,
        spec: str = "",
        *,
        seed: int = 0,
        temperature: float = 1.0,
        max_tokens: int = 1024,
        policy: Any = None,
        **policy_kwargs: Any,
    ) -> None:
        if not spec and policy is None:
            raise ValueError(
                "LLMProposer needs a policy spec (vllm:PATH, hf:PATH, openai:URL#MODEL) or policy="
            )
        self.spec = spec
        self.seed = seed
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.policy_kwargs = policy_kwargs
        self._policy: Any = policy
        self._owns_policy = policy is None

    @property
    def policy(self) -> Any:
        if self._policy is None:
            from mathgym.agents.llm import make_policy

            self._policy = make_policy(self.spec, **self.policy_kwargs)
        return self._policy

    def propose(self, context: EnvContext, feedback: Feedback | None, n: int) -> list[str]:
        from mathgym.agents.llm import Sampling
        from mathgym.seeding import derive_seed

        iteration = 0 if feedback is None else feedback.iteration
        sampling = Sampling(
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            seed=derive_seed("mathgym.reward_design.llm", self.seed, iteration) % 2**31,
        )
        from mathgym.agents.llm.policy import PolicyError

        try:
            rows = self.policy.generate([build_messages(context, feedback)], n=n, sampling=sampling)
        except PolicyError:
            raise
        except Exception as exc:
            raise PolicyError(f"the proposer's model could not answer: {type(exc).__name__}: {exc}") from exc
        return [completion.text for completion in rows[0]]

    def skip(self, n: int) -> None:
        pass  # sampling is seeded per iteration: nothing to fast-forward

    def close(self) -> None:
        if self._policy is not None and self._owns_policy:
            self._policy.close()
            self._policy = None
