"""Multi-agent agents and training (installed as ``mathgym.agents.multiagent``); modules load on import:

* :mod:`.rollout` — LLM policies playing text games, one policy in several roles (role in the prompt).
* :mod:`.llm_selfplay` — LLM self-play: GRPO's clipped loss with SPIRAL's per-(game, role) baseline.
* :mod:`.selfplay` — the role baseline, and sampled regret-matching self-play through PettingZoo envs.
* :mod:`.kuhn` — exact Kuhn Poker values, best responses, exploitability, equilibria, CFR / CFR+.
* :mod:`.independent` — one seat as a Gymnasium env; independent MaskablePPO learners per seat.
* :mod:`.proposers` — uniform and learnability proposers for ProposerSolver; choice entropy.
* :mod:`.evaluation` — matches, round robins, Elo, ProcessBench F1.
"""
