"""Training configs in one style: a docstring under every field, and that docstring is the ``--help`` text."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from mathgym.agents.grpo import GRPOConfig, _parse_args
from mathgym.agents.sb3_train import TrainConfig
from mathgym.agents.sft import SFTConfig
from mathgym.configs import config_parser, field_docs, parse_config


@pytest.mark.parametrize("config", [GRPOConfig, TrainConfig, SFTConfig], ids=lambda c: c.__name__)
def test_every_training_config_field_has_a_docstring_that_is_its_help(config) -> None:
    docs = field_docs(config)
    help_text = " ".join(config_parser(config).format_help().split())
    for f in dataclasses.fields(config):
        assert docs.get(f.name), f"{config.__name__}.{f.name} has no docstring"
        assert "--" + f.name.replace("_", "-") in help_text
        assert docs[f.name] in help_text, f.name


def test_grpo_command_line_parses_each_kind_of_field() -> None:
    config = _parse_args(
        ["--env-kwargs", '{"level": 2}', "--token-level-loss", "false", "--temperature", "0.5"]
        + ["--system-prompt", "be brief", "--total-updates", "3"]
    )
    assert config.env_kwargs == {"level": 2} and config.token_level_loss is False
    assert config.temperature == 0.5 and config.system_prompt == "be brief" and config.total_updates == 3
    assert _parse_args([]) == GRPOConfig()


@dataclass
class _Toy:
    """A toy config."""

    name: str
    """what to call it; 100% required"""
    sizes: list[int] = field(default_factory=lambda: [1, 2])
    """sizes
    over two lines"""
    limit: float | None = None
    undocumented: int = 3


def test_required_fields_json_fields_optional_fields_and_multi_line_docstrings() -> None:
    assert field_docs(_Toy) == {"name": "what to call it; 100% required", "sizes": "sizes over two lines"}
    config = parse_config(_Toy, ["--name", "x", "--sizes", "[3]", "--limit", "2.5"])
    assert config == _Toy("x", [3], 2.5, 3)
    help_text = config_parser(_Toy).format_help()
    assert "A toy config." in help_text and "100% required" in help_text and "(JSON)" in help_text
    with pytest.raises(SystemExit):
        config_parser(_Toy).parse_args([])  # --name is required
