"""The static id table of math envs matches the generator registry."""

from mathgym.envs.registration import GENERATOR_IDS
from mathgym.generators.base import GENERATORS


def test_every_generator_has_an_env_id_and_back() -> None:
    assert set(GENERATOR_IDS) == set(GENERATORS)
