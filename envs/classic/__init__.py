"""Classic-RL environments with numeric spaces: EquationSolve, Countdown and SymbolicRegression.

Each family's state is held in arrays (no sympy on the hot path) and each also comes as a native Gymnasium
vector env that steps many instances with array code (``gym.make_vec(id, n)``):

* :mod:`~mathgym.envs.classic.equation_solve` — solve a linear equation with rewrite rules;
* :mod:`~mathgym.envs.classic.countdown` — reach a target from given numbers (and its text form for LLMs);
* :mod:`~mathgym.envs.classic.symbolic_regression` — build an expression that fits data (DSO's design).
"""
