"""Training configs as command lines: a dataclass whose fields carry docstrings becomes an argparse parser.

The training configs (:class:`~mathgym.agents.grpo.GRPOConfig`, :class:`~mathgym.agents.sb3_train.TrainConfig`,
:class:`~mathgym.agents.sft.SFTConfig`) are written in one style, CleanRL's: a flat dataclass with a string
literal under each field. :func:`field_docs` reads those strings from the class source, and
:func:`config_parser` turns the fields into ``--field-name`` options whose ``--help`` text they are::

    @dataclass
    class Config:
        steps: int = 100
        \"\"\"optimizer steps\"\"\"

    config = parse_config(Config)  # python -m ... --steps 20; --help lists "optimizer steps (default: 100)"

Values parse by the field's default (or, without one, its annotation): ``bool`` reads ``1/true/yes``
(anything else is false), ``dict`` and ``list`` read JSON, a field without a default is a required option.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import json
import textwrap
import typing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

ConfigT = TypeVar("ConfigT")


def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of a (data)class and its bases: ``{field name: text}``.

    A field's docstring is the string literal statement right after its annotated assignment. The text is
    dedented and its lines joined with single spaces.
    """
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or not dataclasses.is_dataclass(klass):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):  # defined where inspect cannot read the source
            continue
        body = ast.parse(source).body[0]
        assert isinstance(body, ast.ClassDef)
        for node, after in zip(body.body, body.body[1:]):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[node.target.id] = " ".join(inspect.cleandoc(after.value.value).split())
    return docs


def _truthy(text: str) -> bool:
    return text.lower() in ("1", "true", "yes")


def _value_type(cls: type, f: dataclasses.Field, default: Any) -> Callable[[str], Any]:
    """How the option's text becomes the field's value: by the default's type, else by the annotation."""
    if default is not None and default is not dataclasses.MISSING:
        kind: Any = type(default)
    else:
        hint = typing.get_type_hints(cls).get(f.name, str)
        options = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
        kind = typing.get_origin(options[0]) or options[0]
    if kind is bool:
        return _truthy
    if kind in (dict, list):
        return json.loads
    return kind if isinstance(kind, type) and kind is not Any else str


def config_parser(
    cls: type, *, description: str | None = None, prog: str | None = None
) -> argparse.ArgumentParser:
    """An argparse parser with one ``--field-name`` option per field of the dataclass ``cls``.

    :param cls: a dataclass whose fields carry docstrings (see :func:`field_docs`).
    :param description: the ``--help`` header (default: the first line of the class docstring).
    :param prog: the program name shown in usage lines.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"config_parser needs a dataclass, got {cls!r}")
    docs = field_docs(cls)
    header = description if description is not None else (inspect.getdoc(cls) or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog=prog, description=header)
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        convert = _value_type(cls, f, default)
        text = docs.get(f.name, "").replace("%", "%%")  # argparse formats help with %
        if convert is json.loads:
            text += " (JSON)"
        flag = "--" + f.name.replace("_", "-")
        if default is dataclasses.MISSING:
            parser.add_argument(flag, dest=f.name, type=convert, required=True, help=text.strip())
        else:
            text += " (default: %(default)s)"
            parser.add_argument(flag, dest=f.name, type=convert, default=default, help=text.strip())
    return parser


def parse_config(
    cls: type[ConfigT],
    argv: Sequence[str] | None = None,
    *,
    description: str | None = None,
    prog: str | None = None,
) -> ConfigT:
    """Parse ``argv`` (default: ``sys.argv[1:]``) into an instance of the dataclass ``cls``."""
    namespace = config_parser(cls, description=description, prog=prog).parse_args(argv)
    return cls(**vars(namespace))
