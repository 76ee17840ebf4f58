"""Every failure of the command line is one ``error:`` line, never a traceback (issue 16, "The CLI")."""

from __future__ import annotations

import inspect

import pytest
from cli_helpers import assert_one_line_error


def _commands():
    """``(name, callback)`` of every command of the ``mathgym`` app, sub-apps included."""
    import typer

    from mathgym.cli import app

    group = typer.main.get_command(app)
    stack = [("", group)]
    while stack:
        prefix, command = stack.pop()
        for name, sub in getattr(command, "commands", {}).items():
            stack.append((f"{prefix}{name} ", sub))
        if getattr(command, "callback", None) is not None and prefix:
            yield prefix.strip(), command.callback


def test_every_numeric_option_has_a_range() -> None:
    """A count, size or rate without ``min``/``max`` would accept ``-5`` and run with it."""
    from typer.models import OptionInfo

    unchecked = []
    for name, callback in _commands():
        for param in inspect.signature(callback).parameters.values():
            info = param.default
            annotation = str(param.annotation)
            numeric = (
                any(t in annotation for t in ("int", "float"))
                and "List" not in annotation
                and "list" not in annotation
            )
            if isinstance(info, OptionInfo) and numeric and info.min is None and info.max is None:
                unchecked.append(f"{name} --{param.name.replace('_', '-')}")
    assert not unchecked, f"numeric options without a range: {unchecked}"


@pytest.mark.parametrize(
    "args, words",
    [
        (["eval", "Arithmetic-v0", "-n", "-5"], ["-n must be >= 1, got -5"]),
        (["eval", "Arithmetic-v0", "-n", "0"], ["-n must be >= 1, got 0"]),
        (["eval", "Arithmetic-v0", "--seed", "-1"], ["--seed must be >= 0"]),
        (["train", "EquationSolve-v0", "--steps", "-10"], ["--steps must be >= 1, got -10"]),
        (["train", "EquationSolve-v0", "--n-envs", "0"], ["--n-envs must be >= 1"]),
        (["sample", "Arithmetic-v0", "-n", "0"], ["-n must be >= 1"]),
        (["sweep", "--variants", "0"], ["--variants must be >= 1"]),
        (["report", "x.sqlite", "--reps", "5"], ["--reps must be >= 100"]),
        (["design-reward", "Countdown-v0", "--samples", "0"], ["samples must be >= 1"]),
        (
            ["design-reward", "Countdown-v0", "--prefilter-threshold", "1.5"],
            ["--prefilter-threshold must be <= 1"],
        ),
        (["train-prm", "--steps", "0"], ["--steps must be >= 1"]),
        (["demo", "--seeds", "0"], ["--seeds must be >= 1"]),
        (["eval", "Arithmetic-v0", "--policy", "hf:x/y", "--max-tokens", "0"], ["--max-tokens must be >= 1"]),
        (
            ["eval", "Arithmetic-v0", "--policy", "hf:x/y", "--temperature", "-1"],
            ["--temperature must be >= 0"],
        ),
    ],
)
def test_out_of_range_numbers_are_refused_before_any_work(mathgym, args, words) -> None:
    assert_one_line_error(mathgym(*args), *words, "--help")


def test_train_with_negative_steps_leaves_the_last_model_alone(mathgym, tmp_path) -> None:
    """The issue's case: ``train --steps -10`` exited 0, replaced the model, printed the old success rate."""
    outcome = mathgym("train", "EquationSolve-v0", "--steps", "-10")
    assert_one_line_error(outcome, "--steps")
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    "args, words",
    [
        (["eval", "Arithmetic-v0", "--policy", "foo:bar"], ["bad policy spec 'foo:bar'"]),
        (["eval", "Arithmetic-v0", "--policy", "hf:/missing/path"], ["no model at /missing/path"]),
        (["eval", "Arithmetic-v0", "--policy", "vllm:/missing/path"], ["no model at /missing/path"]),
        (["eval", "Arithmetic-v0", "--policy", "vllm:./missing"], ["no model at ./missing"]),
        (["eval", "Arithmetic-v0", "--policy", "openai:localhost:8000#m"], ["server URL"]),
        (["eval", "Arithmetic-v0", "--policy", "hf:x/y", "--samples", "4"], ["--temperature > 0"]),
        (["eval", "Arithmetic-v0", "--temperature", "0.5"], ["only apply to --policy"]),
    ],
)
def test_bad_policies_fail_at_once_in_one_line(mathgym, args, words, monkeypatch) -> None:
    from mathgym.cli import policy as policy_module

    def load(*_args, **_kwargs):
        raise AssertionError("a bad policy must be reported before any model or server is touched")

    monkeypatch.setattr(policy_module, "evaluate_policy", load)
    outcome = mathgym(*args)
    assert_one_line_error(outcome, *words)


def test_a_folder_without_a_checkpoint_is_not_a_model(mathgym, tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    assert_one_line_error(
        mathgym("eval", "Arithmetic-v0", "--policy", f"hf:{tmp_path / 'empty'}"),
        "not a model checkpoint folder",
    )


def test_bad_env_arguments_name_the_argument_not_the_constructor(mathgym) -> None:
    outcome = mathgym("eval", "Arithmetic-v0", "--env-arg", "difficulty=banana")
    assert_one_line_error(outcome, "takes no argument 'difficulty'", "level")
    assert "ProceduralSource.__init__" not in outcome.output and "environment creator" not in outcome.output
    outcome = mathgym("eval", "Arithmetic-v0", "--env-arg", "level=banana")
    assert_one_line_error(outcome, "could not create mathgym/Arithmetic-v0 with level='banana'")
    assert_one_line_error(mathgym("sample", "EquationSolve-v0", "--env-arg", "max_moves=0"), "max_moves")
    assert_one_line_error(
        mathgym("train", "EquationSolve-v0", "--env-arg", "nope=1"), "takes no argument 'nope'"
    )


def test_report_on_a_file_that_is_not_a_store(mathgym, tmp_path) -> None:
    (tmp_path / "notes.sqlite").write_text("these are notes, not a database\n" * 50)
    assert_one_line_error(mathgym("report", str(tmp_path / "notes.sqlite")), "not an SQLite database")
    import sqlite3

    with sqlite3.connect(tmp_path / "other.sqlite") as conn:
        conn.execute("CREATE TABLE t (x)")
    assert_one_line_error(mathgym("report", str(tmp_path / "other.sqlite")), "not a mathgym results store")
    with sqlite3.connect(tmp_path / "other.sqlite") as conn:  # and report did not write its tables into it
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["t"]


@pytest.mark.parametrize(
    "args, words",
    [
        (["eval", "mathgym/Nope-v0"], ["unknown environment id"]),
        (["eval", "Arithmetic-v0", "--agent", "nobody"], ["unknown agent 'nobody'", "reference"]),
        (["eval", "Arithmetic-v0", "--nope"], ["No such option: --nope"]),
        (["eval"], ["Missing argument"]),
        (["train", "Arithmetic-v0"], ["stable-baselines3 trains", "GRPO"]),
        (["train", "EquationSolve-v0", "--algo", "sac"], ["--algo must be one of"]),
        (
            ["--import", "no_such_plugin_module", "list"],
            ["cannot import plugin module 'no_such_plugin_module'"],
        ),
    ],
)
def test_usage_errors_are_one_line(mathgym, args, words) -> None:
    assert_one_line_error(mathgym(*args), *words)


def test_an_unexpected_exception_is_one_line_and_debug_shows_the_traceback(mathgym_process, tmp_path) -> None:
    plugin = tmp_path / "broken_agent_plugin.py"
    plugin.write_text(
        "from mathgym.agents.base import Agent\n\nclass Broken(Agent):\n    name = 'broken'\n\n"
        "    def act(self, observation, info):\n        raise ZeroDivisionError('the agent divided by 0')\n"
    )
    args = (
        "--import",
        "broken_agent_plugin",
        "eval",
        "Arithmetic-v0",
        "--agent",
        "broken",
        "-n",
        "1",
        "--no-progress",
    )
    outcome = mathgym_process(*args, env={"PYTHONPATH": str(tmp_path)})
    assert_one_line_error(outcome, "ZeroDivisionError: the agent divided by 0", "MATHGYM_DEBUG=1", code=1)
    debug = mathgym_process(*args, env={"PYTHONPATH": str(tmp_path), "MATHGYM_DEBUG": "1"})
    assert debug.code == 1 and "Traceback" in debug.output


def test_version_and_bare_command(mathgym) -> None:
    from mathgym import __version__

    outcome = mathgym("--version")
    assert outcome.code == 0 and outcome.output.strip() == f"mathgym {__version__}"
    bare = mathgym()
    assert bare.code == 0 and "Commands" in bare.output and "error:" not in bare.output


def test_agent_help_lists_the_registered_agents(mathgym) -> None:
    from mathgym.agents import AGENTS
    from mathgym.cli import BUILTIN_AGENTS

    # mathgym's own agents (a plugin imported by another test in this process may have added its own)
    assert sorted(BUILTIN_AGENTS) == sorted(
        n for n, cls in AGENTS.items() if cls.__module__.startswith("mathgym.")
    )
    text = " ".join(mathgym("eval", "--help").output.split())
    assert "see agents/" not in text
    for name in ("reference", "random", "equation-solver", "sb3"):
        assert name in text


def test_quiet_libraries_unless_verbose(mathgym, monkeypatch) -> None:
    import os

    # set, then delete: monkeypatch records the original state and restores it after the test, so the
    # variables the command sets do not leak into later tests of this worker
    for name in ("VLLM_LOGGING_LEVEL", "MATHGYM_DEBUG", "TRANSFORMERS_VERBOSITY", "TORCH_CPP_LOG_LEVEL"):
        monkeypatch.setenv(name, "x")
        monkeypatch.delenv(name)

    assert mathgym("list").code == 0
    assert os.environ["VLLM_LOGGING_LEVEL"] == "ERROR"
    monkeypatch.delenv("VLLM_LOGGING_LEVEL")
    assert mathgym("-v", "list").code == 0
    assert "VLLM_LOGGING_LEVEL" not in os.environ and os.environ["MATHGYM_DEBUG"] == "1"


def test_sample_prints_sets_with_single_braces(mathgym) -> None:
    """The issue's ``\\boxed{{-11, -7}}``: a set answer is boxed as ``\\{...\\}``."""
    outcome = mathgym("sample", "Quadratic-v0", "-n", "3")
    assert outcome.code == 0, outcome.output
    assert "\\boxed{\\{" in outcome.output and "{{" not in outcome.output
