"""Parsing shared by the CLI commands: repeatable ``KEY=VALUE`` options (``--env-arg``, ``--hp``)."""
from __future__ import annotations

import json
from typing import Any

import typer


def parse_key_values(items: list[str] | None, flag: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}``: each value is read as JSON, else kept as text.

    Reading JSON first lets ``--env-arg max_steps=8`` pass an int and ``--hp 'net_arch=[64,64]'`` a list
    without a type table per option, while plain words still need no quoting.

    :param items: the option's values as typer collected them (``None`` when the option was not given).
    :param flag: the option's name, for the error message.
    :raises typer.BadParameter: an item without ``=``.
    """
    values: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{flag} wants KEY=VALUE, got {item!r}")
        try:
            values[key] = json.loads(text)
        except json.JSONDecodeError:
            values[key] = text
    return values
