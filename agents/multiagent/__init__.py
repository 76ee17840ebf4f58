"""Multi-agent agents and training: rollouts of one policy in several roles, self-play, CFR, evaluation."""
