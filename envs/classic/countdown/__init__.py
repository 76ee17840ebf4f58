"""Countdown: reach a target number from given numbers with + - * /.

``game`` (generator, source and verifier shared by both forms), ``env`` (numeric spaces for classic RL),
``vector`` (its native vector env) and ``text_env`` (the text form for LLMs).
"""
