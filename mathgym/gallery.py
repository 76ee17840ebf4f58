"""The environment gallery (``docs/envs.md``): every registered id with its class docstring, spaces, reward
and a sample problem with its gold answer and reference solution, generated from the registry.

``mathgym gallery`` writes it; ``tests/cli/test_gallery.py`` regenerates it and fails when the file in the
repository differs, so the page cannot drift from the code. The text depends only on the code: dataset ids
are shown without a sample (the page would otherwise change with the data found on the machine), and ids
that need a system component (Coq, Lean) are described from their registration without being created.
"""

from __future__ import annotations

import inspect
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: the seed of every sample problem shown
SAMPLE_SEED = 0
#: longest prompt shown in full (longer ones are cut, with a note)
MAX_PROMPT = 1200


def _entry_point_name(entry_point: Any) -> str:
    if isinstance(entry_point, str):
        return entry_point
    return f"{entry_point.__module__}:{entry_point.__qualname__}"


def _load(entry_point: Any) -> Any:
    if not isinstance(entry_point, str):
        return entry_point
    from gymnasium.envs.registration import load_env_creator

    return load_env_creator(entry_point)


def _stable_repr(value: Any) -> str:
    """``repr`` without memory addresses (objects without a ``__repr__`` show their type)."""
    text = repr(value)
    return re.sub(r"<([\w.]+) object at 0x[0-9a-f]+>", r"<\1>", text)


def _md(text: str) -> str:
    """Problem text as Markdown shows it literally (``*`` in ``3*x``, ``\\boxed``, ``<`` would be markup)."""
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text)


def _quote(text: str) -> list[str]:
    return ["> " + _md(line) if line else ">" for line in text.splitlines()] or [">"]


@contextmanager
def _no_local_data() -> Iterator[None]:
    """Point dataset envs at an empty folder, so the page is the same on machines with and without data."""
    saved = os.environ.get("MATHGYM_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="mathgym-gallery-") as empty:
        os.environ["MATHGYM_DATA_DIR"] = empty
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop("MATHGYM_DATA_DIR", None)
            else:
                os.environ["MATHGYM_DATA_DIR"] = saved


def _sample_lines(env_id: str) -> list[str]:
    """Spaces, reward and a sample problem of one id, or why they are not shown."""
    import gymnasium as gym

    from mathgym.rewards.base import Reward

    try:
        env = gym.make(env_id)
    except FileNotFoundError:  # DatasetNotFoundError and missing template folders alike
        return ["- sample: none here (a dataset env: it reads local files, see `data_dir` in the README)"]
    try:
        lines = [
            f"- observation space: `{_stable_repr(env.observation_space)}`",
            f"- action space: `{_stable_repr(env.action_space)}`",
        ]
        reward = getattr(env.unwrapped, "reward", None)
        lines.append(
            f"- default reward: `{_stable_repr(reward)}`"
            if isinstance(reward, Reward)
            else "- default reward: see the class docstring (## Rewards)"
        )
        env.reset(seed=SAMPLE_SEED)
        problem = getattr(env.unwrapped, "problem", None)
        if problem is None or not hasattr(problem, "prompt"):
            return lines
        prompt = (
            problem.prompt if len(problem.prompt) <= MAX_PROMPT else problem.prompt[:MAX_PROMPT] + " [...]"
        )
        lines += [
            "",
            f"Sample (`reset(seed={SAMPLE_SEED})`, problem `{problem.id}`):",
            "",
            *_quote(prompt),
            "",
        ]
        if problem.answer is not None:
            lines.append(
                f"Gold answer: `{problem.answer}`"
                if "`" not in problem.answer
                else f"Gold answer: {_md(problem.answer)}"
            )
        steps = problem.solution
        if steps:
            lines += ["", "Reference solution:", ""] + [
                f"{k}. {_md(step)}" for k, step in enumerate(steps, 1)
            ]
        return lines
    finally:
        env.close()


def _class_docstring(entry_point: Any) -> str:
    try:
        target = _load(entry_point)
    except (ImportError, AttributeError) as exc:
        return f"(could not import {_entry_point_name(entry_point)}: {exc})"
    return inspect.cleandoc(target.__doc__ or "(no docstring)")


def build_gallery() -> str:
    """The Markdown text of the gallery for the ids registered in this process under ``mathgym/``."""
    import gymnasium as gym

    from mathgym.envs.registration import describe, mathgym_ids, requirements

    ids = mathgym_ids()
    by_class: dict[str, list[str]] = {}
    for env_id in ids:
        by_class.setdefault(_entry_point_name(gym.spec(env_id).entry_point), []).append(env_id)
    out = [
        "# Environment gallery",
        "",
        "<!-- generated by `mathgym gallery`; do not edit: tests/cli/test_gallery.py fails when stale -->",
        "",
        f"Every id mathgym registers ({len(ids)}), grouped by environment class: the class docstring once, "
        "then "
        "for each id its defaults, spaces, default reward and a sample problem with its gold answer and "
        "reference solution. `env.unwrapped.problem` is the `Problem` of the current episode (`.answer` is "
        "the gold answer, `.solution` the reference steps, `.meta` its level and parameters). Ids whose "
        "observation space is `Box`/`MultiDiscrete` train with stable-baselines3; `UnicodeText` ids are for "
        "LLM policies (GRPO, TRL, vLLM).",
        "",
        "| id | class | description |",
        "|---|---|---|",
    ]
    for env_id in ids:
        cls = _entry_point_name(gym.spec(env_id).entry_point).split(":")[-1]
        anchor = re.sub(r"[^a-z0-9-]", "", env_id.lower().replace("/", ""))
        out.append(f"| [`{env_id}`](#{anchor}) | `{cls}` | {describe(env_id)} |")
    with _no_local_data():
        for entry_point, members in by_class.items():
            doc = _class_docstring(gym.spec(members[0]).entry_point)
            # a fence longer than any backtick run inside, so code blocks in the docstring stay inside it
            fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", doc)), default=0))
            out += [
                "",
                f"## `{entry_point}`",
                "",
                "<details><summary>class docstring</summary>",
                "",
                f"{fence}text",
                doc,
                fence,
                "",
                "</details>",
            ]
            for env_id in members:
                spec = gym.spec(env_id)
                out += ["", f"### {env_id}", "", describe(env_id), ""]
                defaults = ", ".join(f"{k}={_stable_repr(v)}" for k, v in sorted((spec.kwargs or {}).items()))
                out.append(f'- `gym.make("{env_id}")`' + (f" defaults: `{defaults}`" if defaults else ""))
                out.append(
                    f"- episode limit (`max_episode_steps`): {spec.max_episode_steps or 'none in the spec'}"
                )
                needs = requirements(env_id)
                if needs:
                    out.append(
                        f"- needs: {', '.join(needs)} (not created for this page; try `mathgym sample "
                        f"{env_id}` where it is installed)"
                    )
                    continue
                out += _sample_lines(env_id)
    out += [
        "",
        "## Multi-agent games (PettingZoo)",
        "",
        "Modules of `mathgym.envs.multiagent` (`mathgym list --multiagent`); each has `env()` (AEC) and "
        "`parallel_env()`.",
        "",
        "| module | description |",
        "|---|---|",
    ]
    from mathgym.envs.multiagent import GAMES

    for name, description in GAMES.items():
        out.append(f"| `{name}` | {description} |")
    return "\n".join(out) + "\n"
