"""SymbolicRegression: build an expression token by token (prefix order) that fits a dataset (DSO's design).

``tokens`` (library, constraints, prefix builder, evaluation), ``nguyen`` (the benchmarks and DSR's published
rates), ``recovery`` (symbolic equivalence to the target), ``env`` and ``vector`` (the native vector env).
"""
