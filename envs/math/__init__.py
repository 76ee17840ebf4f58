"""Text math environments over problem sources: procedural generators, datasets and dynamic variants.

:class:`~mathgym.envs.math.env.MathEnv` serves ``mathgym/<Generator>-v0``, ``mathgym/GSM8K-v0``,
``mathgym/MATH500-v0``, ``mathgym/Math-v0`` and the ``mathgym/Dynamic-*`` and ``GSMSymbolic`` ids
(see :mod:`mathgym.envs.registration`); :class:`~mathgym.envs.math.vector.MathVectorEnv` is their vector env
(``gym.make_vec(id, n)``): ``n`` episodes per call over one shared source.
"""
