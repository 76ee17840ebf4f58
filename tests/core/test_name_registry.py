"""mathgym.registry: one register/lookup/duplicate/unknown-name behaviour for every name table."""

from __future__ import annotations

import pytest

from mathgym.agents.base import AGENTS
from mathgym.generators.base import GENERATORS
from mathgym.registry import DuplicateName, Registry, UnknownName, import_object
from mathgym.rewards.refinements import REFINEMENTS
from mathgym.rewards.registry import REWARDS
from mathgym.sources.registry import SOURCES
from mathgym.variants.perturb import PERTURBATIONS
from mathgym.variants.program import PROGRAM_FAMILIES


def test_register_lookup_and_list() -> None:
    table: Registry[object] = Registry("widget")
    first = object()
    assert table.register("b", first) is first
    table.register("a", "collections:OrderedDict")
    assert table.names() == ["a", "b"] and "a" in table and len(table) == 2
    import collections

    assert table["a"] is collections.OrderedDict and table["b"] is first
    assert table.get("missing") is None


def test_decorator_registers_and_returns_the_object() -> None:
    table: Registry[type] = Registry("widget")

    @table.register("thing")
    class Thing:
        pass

    assert table["thing"] is Thing


def test_duplicates_are_errors_unless_identical_or_replaced() -> None:
    table: Registry[object] = Registry("widget")
    one, two = object(), object()
    table.register("x", one)
    table.register("x", one)  # the same object again (a module imported twice) is harmless
    with pytest.raises(DuplicateName, match="already registered"):
        table.register("x", two)
    table.register("x", two, replace=True)
    assert table["x"] is two
    table.unregister("x")
    assert "x" not in table


def test_unknown_name_is_a_key_and_value_error_with_hints() -> None:
    table: Registry[int] = Registry("widget", hint="or write your own", entries={"outcome": 1, "format": 2})
    with pytest.raises(UnknownName) as info:
        table["outcom"]
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    assert (
        str(info.value)
        == "unknown widget 'outcom'. Did you mean 'outcome'? Known: format, outcome; or write your own"
    )
    with pytest.raises(UnknownName, match="Did you mean 'outcome'"):
        table["OUTCOME"]  # a different case is the closest name


def test_populate_imports_the_builtins_before_the_first_lookup() -> None:
    table: Registry[object] = Registry("widget", populate="json")
    assert table.names() == []  # populating imported json, which registers nothing here


def test_import_object_names_what_is_missing() -> None:
    assert import_object("os.path:join") is __import__("os").path.join
    with pytest.raises(ImportError, match="no attribute"):
        import_object("os.path:nope")
    with pytest.raises(ImportError, match="module:attribute"):
        import_object("os.path")


@pytest.mark.parametrize(
    ("registry", "builtin"),
    [
        (GENERATORS, "Arithmetic"),
        (PROGRAM_FAMILIES, "alg.linear-equation"),
        (PERTURBATIONS, "rename"),
        (REWARDS, "outcome"),
        (REFINEMENTS, "clip_delta"),
        (SOURCES, "generator"),
        (AGENTS, "reference"),
    ],
)
def test_mathgym_tables_are_registries(registry: Registry[object], builtin: str) -> None:
    assert isinstance(registry, Registry) and builtin in registry.names()
    with pytest.raises(UnknownName):
        registry[builtin + "-nope"]
