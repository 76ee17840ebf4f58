"""A researcher's generator, env ids and agent reach the CLI: ``--import``, ``module:id``, entry points;
``register_generator_env`` makes single- and step-mode ids (issue 16, "Extending mathgym")."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import gymnasium as gym
import pytest

PLUGIN = textwrap.dedent('''
    """A user's package: a generator registered as env ids, and an agent."""
    from dataclasses import dataclass

    from mathgym.agents.base import Agent
    from mathgym.generators.base import Generated, GeneratorConfig, ProblemGenerator, boxed
    from mathgym.registration import register_generator_env


    @dataclass(frozen=True)
    class DoublingConfig(GeneratorConfig):
        top: int = 10


    class Doubling(ProblemGenerator):
        name = "DoublingPlugin"
        description = "double a number"
        topic = "arithmetic"
        config_class = DoublingConfig
        levels = ({"top": 10}, {"top": 1000})
        default_level = 0

        def generate(self, rng, config):
            n = int(rng.integers(1, config.top + 1))
            steps = [f"2 * {n} = {2 * n}.", boxed(str(2 * n))]
            return Generated(f"What is twice {n}?", str(2 * n), steps, "integer")


    IDS = register_generator_env(Doubling, namespace="ext", name="Doubling")


    class Doubler(Agent):
        name = "my-agent"

        def act(self, observation, info):
            n = int(observation.split("twice ")[1].split("?")[0])
            return f"The answer is \\\\boxed{{{2 * n}}}."


    def register():
        """An entry point that is a function: called with no arguments."""
        import gymnasium

        if "ext/Called-v0" not in gymnasium.registry:
            gymnasium.register("ext/Called-v0", entry_point="mathgym.envs.math.env:MathEnv",
                               kwargs={"source": "generator:Arithmetic"})
''')


@pytest.fixture
def plugin_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "ext_plugin.py").write_text(PLUGIN)
    return folder


@pytest.fixture
def imported_plugin(plugin_dir, monkeypatch):
    """The plugin imported into this process, and everything it registered removed afterwards: other tests
    in this worker compare the registries with mathgym's own tables."""
    import sys

    from mathgym.agents.base import AGENTS
    from mathgym.generators.base import GENERATORS

    monkeypatch.syspath_prepend(str(plugin_dir))
    import ext_plugin

    yield ext_plugin
    for env_id in [i for i in gym.registry if i.startswith("ext/")]:
        del gym.registry[env_id]
    GENERATORS.unregister("DoublingPlugin")
    AGENTS.unregister("my-agent")
    sys.modules.pop("ext_plugin", None)


def test_register_generator_env_makes_single_and_step_ids(imported_plugin) -> None:
    ext_plugin = imported_plugin

    assert ext_plugin.IDS == ["ext/Doubling-v0", "ext/Doubling-Step-v0"]
    env = gym.make("ext/Doubling-v0", level=1)
    obs, info = env.reset(seed=0)
    problem = env.unwrapped.problem
    assert problem.meta["level"] == 1 and int(problem.answer) % 2 == 0
    _, reward, terminated, _, info = env.step(f"\\boxed{{{problem.answer}}}")
    assert terminated and info["verdict"]["correct"] and reward > 0
    step_env = gym.make("ext/Doubling-Step-v0")
    assert step_env.unwrapped.mode == "step"
    # registering again with the same arguments is harmless, with others it is an error
    from mathgym.registration import register_generator_env

    assert register_generator_env("DoublingPlugin", namespace="ext", name="Doubling") == ext_plugin.IDS
    with pytest.raises(ValueError, match="already registered"):
        register_generator_env("DoublingPlugin", namespace="ext", name="Doubling", level=1)
    with pytest.raises(ValueError, match="not a registered generator"):
        register_generator_env("NoSuchGenerator", namespace="ext")
    with pytest.raises(ValueError, match="namespace"):
        register_generator_env("DoublingPlugin", namespace="mathgym")


def test_eval_a_plugin_env_and_agent_with_import(mathgym_process, plugin_dir) -> None:
    """The issue's ``mathgym eval ext/MyEnv-v0 --agent my-agent``."""
    env = {"PYTHONPATH": str(plugin_dir)}
    outcome = mathgym_process(
        "--import",
        "ext_plugin",
        "eval",
        "ext/Doubling-v0",
        "--agent",
        "my-agent",
        "-n",
        "4",
        "--no-progress",
        env=env,
    )
    assert outcome.code == 0, outcome.output
    assert "ext/Doubling-v0" in outcome.output and "100.0%" in outcome.output
    listing = mathgym_process("--import", "ext_plugin", "list", env=env)
    assert "ext/Doubling-v0" in listing.output and "ext/Doubling-Step-v0" in listing.output


def test_eval_a_plugin_env_by_module_colon_id(mathgym_process, plugin_dir) -> None:
    """Gymnasium's ``module:id`` form imports the module first, also in a fresh process (spawn workers)."""
    env = {"PYTHONPATH": str(plugin_dir)}
    outcome = mathgym_process("eval", "ext_plugin:ext/Doubling-Step-v0", "-n", "3", "--no-progress", env=env)
    assert outcome.code == 0, outcome.output  # the reference agent solves the plugin's problems step by step
    assert "100.0%" in outcome.output
    missing = mathgym_process("eval", "not_installed_pkg:ext/X-v0", env=env)
    assert missing.code == 2 and "cannot import 'not_installed_pkg'" in missing.output


def test_entry_points_load_without_import(mathgym_process, plugin_dir) -> None:
    """An installed package declares ``mathgym.*`` entry points; every command loads them."""
    info = plugin_dir / "ext_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ext-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[mathgym.generators]\ndoubling = ext_plugin\n\n[mathgym.envs]\ncalled = ext_plugin:register\n"
    )
    env = {"PYTHONPATH": str(plugin_dir)}
    outcome = mathgym_process(
        "eval", "ext/Doubling-v0", "--agent", "my-agent", "-n", "2", "--no-progress", env=env
    )
    assert outcome.code == 0, outcome.output
    listing = mathgym_process("list", env=env)
    assert "ext/Called-v0" in listing.output and "ext/Doubling-v0" in listing.output
    (info / "entry_points.txt").write_text("[mathgym.agents]\nbroken = ext_plugin_missing\n")
    broken = mathgym_process("list", env=env)
    assert broken.code == 2 and "entry point 'broken'" in broken.output and "Traceback" not in broken.output


def test_import_refuses_a_path(mathgym) -> None:
    outcome = mathgym("--import", "plugins/mine.py", "list")
    assert outcome.code == 2 and "module name" in outcome.output


def test_plugin_ids_work_in_spawned_vector_env_workers(plugin_dir, tmp_path) -> None:
    """The ``module:id`` form is what lets a spawn-context worker (a fresh interpreter) find the id."""
    import subprocess
    import sys

    script = tmp_path / "spawn_check.py"
    script.write_text(
        textwrap.dedent("""
        import json, sys
        import gymnasium as gym

        if __name__ == "__main__":
            envs = gym.make_vec("ext_plugin:ext/Doubling-v0", num_envs=2, vectorization_mode="async",
                                vector_kwargs={"context": "spawn"})
            obs, info = envs.reset(seed=0)
            print(json.dumps({"n": len(obs)}))
            envs.close()
    """)
    )
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "PYTHONPATH": str(plugin_dir)},
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"n": 2}


def test_imported_plugins_reach_spawned_workers_by_their_bare_ids(
    plugin_dir, tmp_path, imported_plugin, monkeypatch
) -> None:
    """``--import`` exports MATHGYM_IMPORT; a spawned process loads it when it imports gymnasium."""
    import os
    import subprocess
    import sys

    script = tmp_path / "bare_spawn_check.py"
    script.write_text(
        textwrap.dedent("""
        import gymnasium as gym

        if __name__ == "__main__":
            envs = gym.make_vec("ext/Doubling-v0", num_envs=2, vectorization_mode="async",
                                vector_kwargs={"context": "spawn"})
            obs, info = envs.reset(seed=0)
            print(len(obs))
            envs.close()
    """)
    )
    env = {**os.environ, "PYTHONPATH": str(plugin_dir), "MATHGYM_IMPORT": "ext_plugin"}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0 and out.stdout.strip().endswith("2"), out.stderr
    from mathgym.plugins import ENV_VAR, load_plugins

    monkeypatch.setenv(ENV_VAR, "")  # restored after the test
    load_plugins(["ext_plugin"], entry_points=False)  # already imported by the fixture, which cleans up
    assert os.environ[ENV_VAR].split(",") == ["ext_plugin"]
