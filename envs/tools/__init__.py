"""Text math environments whose agents run code in the sandbox.

:class:`~mathgym.envs.tools.tool_math.ToolMathEnv` (tool-integrated reasoning, ``mathgym/ToolMath-*``) and
:class:`~mathgym.envs.tools.program_of_thought.ProgramOfThoughtEnv` (``mathgym/PoT-*``).
"""
