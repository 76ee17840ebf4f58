"""Multi-agent reasoning games on PettingZoo (installed as ``mathgym.envs.multiagent``)."""
