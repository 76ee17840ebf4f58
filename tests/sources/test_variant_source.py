"""VariantSource and the variant env ids: indexing, pinning a variant with reset options, specs."""

from __future__ import annotations

import gymnasium as gym
import pytest

from mathgym.sources.registry import make_source
from mathgym.sources.variants import VariantSource, families_from_spec, resolve_family
from mathgym.variants.program import TOPICS


def test_indexing_find_and_select() -> None:
    src = VariantSource("topic:algebra", n_variants=5)
    assert len(src) == 5 * len(src.families) and len(src.families) >= 4
    p = src[7]
    assert p.id == f"{src.families[1].id}/v2"
    assert src.find(p.id).to_json() == p.to_json()
    assert src.select({"family": src.families[0].id, "variant": 3}).id == f"{src.families[0].id}/v3"
    assert src.select({"family": src.families[0].id}).meta["variant"] == 0
    assert src.select({"problem_id": "x"}) is None
    outside = src.select({"family": "dyn/nt.last-digit+noop", "variant": 2})  # any resolvable family works
    assert outside.family == "dyn/nt.last-digit+noop" and outside.meta["perturbations"][-1]["kind"] == "noop"
    with pytest.raises(ValueError, match="also needs 'family'"):
        src.select({"variant": 1})
    with pytest.raises(KeyError, match="ids start with"):
        src.select({"family": "nope/1"})


def test_specs() -> None:
    assert len(families_from_spec("gsm-symbolic/p2")) == 50
    spread = families_from_spec("dyn:10")
    assert len(spread) == 10 and {f.topic for f in spread} == set(TOPICS)
    assert [f.id for f in families_from_spec("dyn/alg.ages@d2+noop, gsm-symbolic/p2/0001")] == [
        "dyn/alg.ages@d2+noop",
        "gsm-symbolic/p2/0001",
    ]
    with pytest.raises(ValueError, match="twice"):
        families_from_spec("dyn/alg.ages,dyn/alg.ages")
    only_units = VariantSource("topic:word problems", perturbations="units")
    assert 0 < len(only_units.families) < len(families_from_spec("topic:word problems"))
    assert resolve_family("gsm-symbolic/p2/0007").variant(0).meta["default_instance"]
    assert isinstance(make_source("variants:topic:calculus", n_variants=2), VariantSource)


def test_env_pins_a_variant_with_reset_options() -> None:
    env = gym.make("mathgym/GSMSymbolic-P2-v0")
    obs, info = env.reset(seed=0, options={"family": "gsm-symbolic/p2/0003", "variant": 4})
    problem = env.unwrapped.problem
    assert info["problem_id"] == "gsm-symbolic/p2/0003/v4" and info["family"] == "gsm-symbolic/p2/0003"
    assert problem.prompt in obs
    _, reward, terminated, _, info = env.step(f"\\boxed{{{problem.answer}}}")
    assert terminated and info["verdict"]["correct"] and reward > 0
    env.reset(options={"family": "gsm-symbolic/p2/0003", "variant": 0})
    assert env.unwrapped.problem.meta["default_instance"]
    env.close()


@pytest.mark.parametrize("topic", list(TOPICS.values()))
def test_topic_envs_serve_their_topic(topic: str) -> None:
    env = gym.make(f"mathgym/Dynamic-{topic}-v0", n_variants=3)
    for seed in range(3):
        env.reset(seed=seed)
        assert TOPICS[env.unwrapped.problem.topic] == topic
    env.close()
