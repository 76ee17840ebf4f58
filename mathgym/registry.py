"""One name → object table for every kind of thing mathgym lets users name.

Generators, program families, perturbations, rewards, refinements, sources, agents and env ids each keep a
:class:`Registry`. All of them register the same way, refuse a second object under a taken name the same
way and answer an unknown name with the same error, so the command line, ``mathgym list`` and plugin
loading read every table alike::

    from mathgym.registry import Registry

    SOURCES: Registry[SourceFactory] = Registry("source kind")
    SOURCES.register("jsonl", "mathgym.sources.datasets:JsonlSource")   # imported on first lookup
    SOURCES.register("mine", MySource)
    SOURCES["jsonl"]            # the class (importing its module the first time)
    SOURCES["jsnl"]             # UnknownName: unknown source kind 'jsnl'. Did you mean 'jsonl'? Known: ...
    SOURCES.names()             # sorted names, without importing anything

A registry is a read-only :class:`~collections.abc.Mapping`: ``name in registry``, iteration, ``len``,
``items()`` and ``get(name, default)`` work as on a dict (``items()``/``values()`` import lazy entries).
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar, cast, overload

T = TypeVar("T")
_Target = TypeVar("_Target")


class UnknownName(KeyError, ValueError):
    """A name that a registry does not hold; the message suggests close names and lists the known ones.

    It is both a ``KeyError`` (a missing key of a table) and a ``ValueError`` (a bad argument), so callers
    that caught either before keep working.
    """

    def __str__(self) -> str:
        # KeyError's own __str__ shows the repr of its argument (quotes and escaped newlines)
        return str(self.args[0]) if self.args else ""


class DuplicateName(ValueError):
    """A name already registered with another object (register with ``replace=True`` to override)."""


def unknown_name(
    kind: str,
    name: object,
    known: Sequence[str],
    *,
    hint: str = "",
    aliases: Sequence[str] = (),
    cutoff: float = 0.6,
) -> UnknownName:
    """The error for a name missing from a table of ``known`` names: close names first, then the known ones.

    :param kind: what the names name (``"generator"``).
    :param name: the name asked for.
    :param known: the names the table holds (listed in the message).
    :param hint: a sentence appended to the message.
    :param aliases: other spellings that also count as close names (short forms of ids), not listed.
    :param cutoff: :func:`difflib.get_close_matches`'s similarity cutoff.
    """
    text = str(name)
    candidates = [*known, *aliases]
    lowered = {k.lower(): k for k in candidates}
    close = (
        [lowered[text.lower()]]
        if text.lower() in lowered
        else difflib.get_close_matches(text, candidates, n=3, cutoff=cutoff)
    )
    message = f"unknown {kind} {name!r}."
    if close:
        message += f" Did you mean {', '.join(map(repr, close))}?"
    if known:
        message += f" Known: {', '.join(sorted(known))}"
    if hint:
        message += f"; {hint}" if known else f" {hint}"
    return UnknownName(message)


def import_object(path: str) -> Any:
    """The object that a ``"package.module:attribute"`` string names.

    :param path: ``module:attribute``; the attribute may be dotted (``module:Class.method``).
    :raises ImportError: the module cannot be imported or has no such attribute (the message names both).
    """
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise ImportError(f"{path!r} is not a 'package.module:attribute' path")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError as error:
            raise ImportError(f"module {module_name!r} has no attribute {attribute!r}") from error
    return target


class Registry(Mapping[str, T], Generic[T]):
    """A table of named objects of one kind, with lazy ``"module:attribute"`` entries.

    :param kind: what the names name, for messages (``"generator"``, ``"source kind"``, ...).
    :param populate: a module whose import registers the built-in entries; imported before the first lookup
        or listing (``"mathgym.generators"``), so a registry can be read before its package is imported.
    :param hint: a sentence added to the unknown-name error (``"or give 'package.module:Class'"``).
    :param entries: the built-in entries, name -> object or ``"module:attribute"``.
    """

    def __init__(
        self,
        kind: str,
        *,
        populate: str | None = None,
        hint: str = "",
        entries: Mapping[str, T | str] | None = None,
    ) -> None:
        self.kind = kind
        self.hint = hint
        self._populate = populate
        self._entries: dict[str, T | str] = {}
        for name, target in (entries or {}).items():
            self.register(name, target)

    # -- registering ---------------------------------------------------------------------------------

    @overload
    def register(
        self, name: str, target: None = None, *, replace: bool = False
    ) -> Callable[[_Target], _Target]: ...
    @overload
    def register(self, name: str, target: _Target, *, replace: bool = False) -> _Target: ...

    def register(self, name: str, target: Any = None, *, replace: bool = False) -> Any:
        """Register ``target`` (an object, or a ``"module:attribute"`` string imported on first lookup).

        Without ``target`` it returns a decorator (``@REGISTRY.register("name")``). Registering the same
        object (or an equal one) under its name again is a no-op, so a module imported twice stays harmless.

        :param name: the name users give.
        :param target: the object or its import path.
        :param replace: replace an entry registered under ``name`` with another object.
        :returns: ``target`` (or the decorator).
        :raises DuplicateName: ``name`` is taken by another object and ``replace`` is false.
        """
        if target is None:

            def decorator(obj: _Target) -> _Target:
                self.register(name, obj, replace=replace)
                return obj

            return decorator
        if not isinstance(name, str) or not name:
            raise ValueError(f"a {self.kind} name is a non-empty string, got {name!r}")
        existing = self._entries.get(name)
        if existing is not None and not replace and existing is not target and existing != target:
            raise DuplicateName(
                f"a {self.kind} named {name!r} is already registered ({existing!r}); "
                "pick another name or pass replace=True"
            )
        self._entries[name] = target
        return target

    def unregister(self, name: str) -> None:
        """Forget ``name`` (no error when it is not registered); for tests and plugin reloading."""
        self._entries.pop(name, None)

    # -- reading -------------------------------------------------------------------------------------

    def _load_builtins(self) -> None:
        if self._populate is not None:
            populate, self._populate = self._populate, None
            importlib.import_module(populate)

    def __getitem__(self, name: str) -> T:
        self._load_builtins()
        try:
            entry = self._entries[name]
        except (KeyError, TypeError):
            raise self.unknown(name) from None
        if isinstance(entry, str):
            entry = import_object(entry)
            self._entries[name] = entry
        return cast(T, entry)

    def __contains__(self, name: object) -> bool:
        self._load_builtins()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        self._load_builtins()
        return iter(list(self._entries))

    def __len__(self) -> int:
        self._load_builtins()
        return len(self._entries)

    def names(self) -> list[str]:
        """The registered names, sorted (imports no lazy entry)."""
        self._load_builtins()
        return sorted(self._entries)

    def unknown(self, name: object) -> UnknownName:
        """The error for a name this registry does not hold: close names first, then every known name."""
        return unknown_name(self.kind, name, self.names(), hint=self.hint)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self._entries)} entries)"
