"""EquationSolve: solve a linear equation in x by choosing rewrite rules and the node to apply them to.

``engine`` (token arrays, rules, mask, observation), ``batch`` (the same for many equations in numpy),
``parser`` and ``printing`` (text to tokens and back), ``problems`` (the problem source), ``env`` (the Gymnasium
env) and ``vector`` (the native vector env).
"""
