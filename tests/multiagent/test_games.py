"""Scripted episodes of every game end with the rewards that ground truth dictates."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mathgym.envs.multiagent import debate_v0, kuhn_poker_v0, nim_v0, proposer_solver_v0, solver_verifier_v0
from mathgym.envs.multiagent.errors import (
    LabelledSolution,
    first_error_prediction,
    inject_first_error,
    oracle_step_labeler,
    process_error_injector,
)
from mathgym.envs.multiagent.proposer_solver_v0 import learnability
from mathgym.sources.procedural import ProceduralSource


def play_aec(env, script, *, seed=0, options=None):
    """Run an AEC episode where ``script(agent, observation, info)`` gives each action; returns the returns
    and each agent's last info."""
    env.reset(seed=seed, options=options)
    returns, infos = {}, {}
    for agent in env.agent_iter():
        observation, reward, terminated, truncated, info = env.last()
        returns[agent] = returns.get(agent, 0.0) + reward
        infos[agent] = info
        env.step(None if terminated or truncated else script(agent, observation, info))
    return returns, infos


def wrong(answer: str) -> str:
    return str(int(answer) + 1)


# ---------------------------------------------------------------------------------------- SolverVerifier
@pytest.mark.parametrize(
    ("solution", "judgement", "expected"),
    [
        ("reference", "\\boxed{-1}", {"solver_0": 1.0, "verifier_0": 1.0}),  # right answer, accepted
        ("reference", "\\boxed{0}", {"solver_0": 0.0, "verifier_0": 0.0}),  # right answer, wrongly flagged
        ("wrong", "\\boxed{-1}", {"solver_0": 0.0, "verifier_0": 0.0}),  # wrong answer slips through
        (
            "wrong",
            "The first error is in \\boxed{1}",
            {"solver_0": 0.0, "verifier_0": 1.0},
        ),  # caught (outcome-level)
        ("wrong", "no idea", {"solver_0": 0.0, "verifier_0": 0.0}),  # unreadable judgement
    ],
)
def test_solver_verifier_cooperative_rewards(solution, judgement, expected):
    env = solver_verifier_v0.env(level=0)

    def script(agent, observation, info):
        problem = env.unwrapped.game.problem
        if agent == "verifier_0":
            return judgement
        steps = list(problem.meta["solution"][:-1])
        answer = problem.answer if solution == "reference" else wrong(problem.answer)
        return "\n".join(steps + [f"The answer is \\boxed{{{answer}}}."])

    returns, infos = play_aec(env, script)
    assert returns == expected
    assert infos["verifier_0"]["label_exact"] is False
    assert infos["verifier_0"]["answer_correct"] is (solution == "reference")


def test_solver_verifier_zero_sum_pays_the_solver_for_fooling_the_verifier():
    env = solver_verifier_v0.env(level=0, zero_sum=True)

    def script(agent, observation, info):
        problem = env.unwrapped.game.problem
        return "\\boxed{-1}" if agent == "verifier_0" else f"It is \\boxed{{{wrong(problem.answer)}}}."

    returns, _ = play_aec(env, script)
    assert returns == {"solver_0": 1.0, "verifier_0": -1.0}


def test_solver_writes_over_several_turns_until_a_final_answer():
    env = solver_verifier_v0.parallel_env(level=0, max_solver_turns=5)
    env.reset(seed=2)
    problem = env.game.problem
    for step in problem.meta["solution"][:-1]:
        _, _, _, _, infos = env.step({"solver_0": step})
        assert infos["solver_0"]["acting"] and not infos["verifier_0"]["acting"]
    observations, _, _, _, infos = env.step({"solver_0": problem.meta["solution"][-1]})
    assert infos["verifier_0"]["acting"]
    assert f"Step {len(problem.meta['solution']) - 1}: The answer is" in observations["verifier_0"]["text"]


def test_solver_without_a_final_answer_is_judged_after_its_turn_limit():
    env = solver_verifier_v0.parallel_env(level=0, max_solver_turns=2)
    env.reset(seed=0)
    env.step({"solver_0": "let me think"})
    _, _, _, _, infos = env.step({"solver_0": "still thinking"})
    assert infos["verifier_0"]["acting"]
    _, rewards, terminations, _, infos = env.step({"verifier_0": "\\boxed{0}"})
    assert rewards == {"solver_0": 0.0, "verifier_0": 1.0} and all(terminations.values())
    assert infos["verifier_0"]["verdict"]["reason"] == "no_answer"


def test_step_labeler_makes_labels_exact():
    env = solver_verifier_v0.env(level=0, step_labeler=lambda problem, steps: 1)

    def script(agent, observation, info):
        problem = env.unwrapped.game.problem
        return (
            "\\boxed{0}"
            if agent == "verifier_0"
            else f"step one\nstep two\n\\boxed{{{wrong(problem.answer)}}}"
        )

    returns, infos = play_aec(env, script)
    assert infos["verifier_0"]["label"] == 1 and infos["verifier_0"]["label_exact"]
    assert (
        returns["verifier_0"] == 0.0
    )  # index 0 is a wrong step, but not the first wrong one the labeler names


@pytest.mark.parametrize("seed", range(6))
def test_reference_mode_rewards_exactly_the_first_error(seed):
    env = solver_verifier_v0.parallel_env(solver="reference", error_rate=1.0, level=1)
    obs, _ = env.reset(seed=seed)
    game = env.game
    label, reference = game.label, list(game.problem.meta["solution"])
    assert 0 <= label < len(game.steps)
    assert game.steps[:label] == reference[:label] and game.steps[label] != reference[label]
    assert f"Step {label}: {game.steps[label]}" in obs["verifier_0"]["text"]
    wrong_index = (label + 1) % len(game.steps)
    _, rewards, _, _, infos = env.step({"verifier_0": f"\\boxed{{{wrong_index}}}"})
    assert rewards == {"verifier_0": 0.0}
    env.reset(seed=seed)
    _, rewards, _, _, infos = env.step({"verifier_0": f"\\boxed{{{label}}}"})
    assert rewards == {"verifier_0": 1.0} and infos["verifier_0"]["prediction"] == label


def test_reference_mode_without_errors_expects_correct_and_the_injector_is_swappable():
    env = solver_verifier_v0.parallel_env(solver="reference", error_rate=0.0)
    env.reset(seed=0)
    assert env.game.label == -1 and env.game.steps == list(env.game.problem.meta["solution"])
    _, rewards, _, _, _ = env.step({"verifier_0": "correct"})
    assert rewards == {"verifier_0": 1.0}

    def always_first(problem, rng):
        return LabelledSolution(("1 + 1 = 3.", "The answer is \\boxed{3}."), 0, "scripted")

    env = solver_verifier_v0.parallel_env(solver="reference", error_rate=1.0, error_injector=always_first)
    env.reset(seed=0)
    assert env.game.steps == ["1 + 1 = 3.", "The answer is \\boxed{3}."] and env.game.label == 0


def test_injected_error_changes_one_number_and_carries_it():
    problem = ProceduralSource("MultiStepWord", level=1)[5]
    for seed in range(20):
        solution = inject_first_error(problem, np.random.default_rng(seed))
        k = solution.first_error
        reference = list(problem.meta["solution"])
        assert list(solution.steps[:k]) == reference[:k]
        assert solution.steps[k] != reference[k]


@pytest.mark.parametrize("generator", ["Arithmetic", "LinearEquation", "MultiStepWord", "Fractions"])
def test_process_injector_labels_agree_with_the_oracle_checker(generator):
    # the default injector is the process-rewards one: its label is the oracle's first wrong step
    for index in range(5):
        problem = ProceduralSource(generator, level=1)[index]
        solution = process_error_injector(problem, np.random.default_rng(index))
        assert 0 <= solution.first_error < len(solution.steps)
        assert oracle_step_labeler(problem, solution.steps) == solution.first_error
        assert oracle_step_labeler(problem, problem.meta["solution"]) == -1


def test_oracle_labeler_gives_agent_written_solutions_exact_labels():
    env = solver_verifier_v0.env(level=0, step_labeler=oracle_step_labeler)

    def script(agent, observation, info):
        problem = env.unwrapped.game.problem
        if agent == "verifier_0":
            return "\\boxed{0}"
        steps = list(problem.meta["solution"])
        return "\n".join(steps[:-1] + [f"The answer is \\boxed{{{wrong(problem.answer)}}}."])

    returns, infos = play_aec(env, script)
    info = infos["verifier_0"]
    assert info["label_exact"] and info["label"] == len(info["steps"]) - 1  # only the final step is wrong
    assert returns["verifier_0"] == 0.0


def test_first_error_prediction_reads_processbench_answers():
    assert first_error_prediction("So \\boxed{2}.", 4) == 2
    assert first_error_prediction("\\boxed{1} no wait \\boxed{-1}", 4) == -1
    assert first_error_prediction("correct") == -1
    assert first_error_prediction("\\boxed{4}", 4) is None  # out of range
    assert first_error_prediction("step 2 is wrong") is None


# ------------------------------------------------------------------------------------------- Kuhn Poker
def test_kuhn_rewards_match_the_payoff_of_every_deal_and_history():
    for cards in itertools.permutations(range(3), 2):
        for history in kuhn_poker_v0.TERMINAL_HISTORIES:
            moves = iter(history)
            returns, infos = play_aec(
                kuhn_poker_v0.env(), lambda a, o, i: "pb".index(next(moves)), options={"cards": cards}
            )
            win = kuhn_poker_v0.payoff(cards, history)
            assert returns == {"player_0": win, "player_1": -win}, (cards, history)
            assert infos["player_0"]["history"] == history


def test_kuhn_text_moves_and_forfeit():
    assert kuhn_poker_v0.parse_move("I could bet, but I [check]", "") == 0
    assert kuhn_poker_v0.parse_move("call", "b") == 1
    assert kuhn_poker_v0.parse_move("check", "b") is None  # no check facing a bet
    script = {"player_0": "[bet]", "player_1": "I check"}  # player_1 faces a bet: check is illegal
    returns, infos = play_aec(
        kuhn_poker_v0.env(action_type="text"), lambda a, o, i: script[a], options={"cards": (0, 2)}
    )
    assert returns == {"player_0": 1.0, "player_1": -1.0} and infos["player_0"]["forfeit"] == "player_1"


def test_kuhn_mask_marks_the_player_to_move():
    env = kuhn_poker_v0.parallel_env()
    obs, infos = env.reset(seed=0)
    assert obs["player_0"]["action_mask"].tolist() == [1, 1] and obs["player_1"]["action_mask"].tolist() == [
        0,
        0,
    ]
    assert infos["player_0"]["acting"] and not infos["player_1"]["acting"]


# -------------------------------------------------------------------------------------------------- Nim
@pytest.mark.parametrize("seed", range(10))
def test_nim_optimal_player_wins_every_winning_position(seed):
    env = nim_v0.env()
    env.reset(seed=seed)
    start = list(env.unwrapped.game.heaps)
    rng = np.random.default_rng(seed)
    game = env.unwrapped.game

    def script(agent, observation, info):
        if agent == "player_0":
            return game.encode(*nim_v0.optimal_move(info["heaps"]))
        return int(rng.choice(np.flatnonzero(observation["action_mask"])))

    returns, _ = play_aec(env, script, seed=seed)
    if nim_v0.nim_sum(start):
        assert returns == {"player_0": 1.0, "player_1": -1.0}


def test_nim_text_move_and_forfeit():
    returns, infos = play_aec(
        nim_v0.env(action_type="text"),
        lambda a, o, i: {"player_0": "take 3 from heap 0", "player_1": "take 9 from heap 1"}[a],
        options={"heaps": [3, 1, 1]},
    )
    assert returns == {"player_0": 1.0, "player_1": -1.0} and infos["player_0"]["forfeit"] == "player_1"
    returns, _ = play_aec(nim_v0.env(), lambda a, o, i: 0, options={"heaps": [1, 0, 0]})
    assert returns == {"player_0": 1.0, "player_1": -1.0}  # taking the last object wins


# ---------------------------------------------------------------------------------------- ProposerSolver
def test_learnability_pays_for_the_frontier_only():
    assert learnability(1.0, 0.1) == 0.0  # always solved: nothing to learn
    assert learnability(0.0, 0.1) == 0.0  # never solved
    assert learnability(0.05, 0.1) == 0.0  # the anti-drift guard
    assert learnability(0.5, 0.1) == 0.5
    assert learnability(0.25, 0.0) == 0.75  # Absolute Zero's 1 - p


def test_proposer_is_paid_by_the_solvers_recent_success():
    env = proposer_solver_v0.parallel_env(window=4)
    spec = 'Let me pick {"generator": "Arithmetic", "level": 0}'
    rewards_seen = []
    for episode, solve in enumerate([True, False, False, True]):
        env.reset(seed=episode)
        _, _, _, _, infos = env.step({"proposer_0": spec})
        assert infos["solver_0"]["spec_key"] == "Arithmetic/L0"
        answer = env.game.problem.answer if solve else wrong(env.game.problem.answer)
        _, rewards, terminations, _, infos = env.step({"solver_0": f"\\boxed{{{answer}}}"})
        assert all(terminations.values()) and rewards["solver_0"] == float(solve)
        rewards_seen.append(rewards["proposer_0"])
    # estimates 1, 1/2, 1/3, 1/2 -> learnability 0, 1/2, 2/3, 1/2
    assert rewards_seen == pytest.approx([0.0, 0.5, 2 / 3, 0.5])
    env.reset(seed=9, options={"forget": True})
    assert env.game.success_estimate("Arithmetic/L0") is None


@pytest.mark.parametrize(
    "spec",
    [
        "write me a hard problem",
        '{"generator": "Nope", "level": 1}',
        '{"generator": "Arithmetic", "level": 9}',
        '{"generator": "Arithmetic", "config": {"digits": 99}}',
    ],
)
def test_invalid_specification_costs_the_proposer_and_ends_the_episode(spec):
    env = proposer_solver_v0.parallel_env()
    env.reset(seed=0)
    _, rewards, terminations, _, infos = env.step({"proposer_0": spec})
    assert rewards == {"proposer_0": -1.0, "solver_0": 0.0} and all(terminations.values())
    assert infos["proposer_0"]["invalid_spec"]


def test_discrete_proposer_and_knob_specifications():
    env = proposer_solver_v0.parallel_env(proposer_action="discrete")
    env.reset(seed=0)
    _, _, _, _, infos = env.step({"proposer_0": 7})
    assert infos["solver_0"]["spec"] == proposer_solver_v0.MATH_MENU[7]
    env = proposer_solver_v0.parallel_env()
    env.reset(seed=0)
    _, _, _, _, infos = env.step(
        {"proposer_0": '{"generator": "Arithmetic", "config": {"digits": 3, "terms": 2}}'}
    )
    # knobs apply on top of the generator's default level, and the key names every knob that differs
    assert (
        infos["solver_0"]["spec_key"].startswith("Arithmetic/")
        and "digits=3" in infos["solver_0"]["spec_key"]
    )
    assert "terms=2" in infos["solver_0"]["spec_key"] and "Calculate" in env.game.problem.prompt


def _countdown_plan(values, target, n_slots):
    """(i, j, op) moves reaching target, by depth-first search over the Countdown rules."""
    from mathgym.envs.classic.countdown.game import OPERATORS, apply

    def search(slots):
        if target in [v for v in slots if v is not None]:
            return []
        for i, j in itertools.permutations(range(len(slots)), 2):
            if slots[i] is None or slots[j] is None:
                continue
            for k, op in enumerate(OPERATORS):
                if op in "+*" and i > j:
                    continue
                value = apply(op, slots[i], slots[j])
                if value is None:
                    continue
                nxt = list(slots)
                nxt[i], nxt[j] = value, None
                rest = search(nxt)
                if rest is not None:
                    return [(i * n_slots + j) * 4 + k] + rest
        return None

    return search(list(values) + [None] * (n_slots - len(values)))


def test_countdown_solver_is_rewarded_for_reaching_the_target():
    env = proposer_solver_v0.parallel_env(task="countdown")
    env.reset(seed=0)
    _, _, _, _, infos = env.step({"proposer_0": 1})
    problem = env.game.problem
    plan = _countdown_plan(problem.meta["numbers"], problem.meta["target"], env.game.inner.n)
    for action in plan:
        obs, rewards, terminations, truncations, infos = env.step({"solver_0": action})
    assert all(terminations.values()) and rewards["solver_0"] == 1.0 and infos["solver_0"]["solved"]


def test_equation_solver_is_rewarded_when_the_equation_is_solved():
    from mathgym.agents.equation_agents import EquationSolverAgent

    env = proposer_solver_v0.parallel_env(task="equation")
    env.reset(seed=0)
    env.step({"proposer_0": 2})
    assert env.game.spec_key == "LinearEquation/L2"
    agent = EquationSolverAgent(env=env.game.inner)  # the reference solver of the equation env
    rewards, terminations = {}, {}
    for _ in range(env.game.inner.max_moves):
        rewards, terminations = env.step({"solver_0": agent.act(None, env.game.inner_info)})[1:3]
        if all(terminations.values()):
            break
    assert rewards == {"proposer_0": 0.0, "solver_0": 1.0} and env.game.solved


# ------------------------------------------------------------------------------------------------ Debate
@pytest.mark.parametrize(
    ("mode", "pick", "expected"),
    [
        ("truth", "\\boxed{0}", {"debater_0": 1.0, "debater_1": 0.0, "judge_0": 1.0}),
        ("truth", "\\boxed{1}", {"debater_0": 1.0, "debater_1": 0.0, "judge_0": 0.0}),
        ("zero_sum", "I side with \\boxed{1}", {"debater_0": -1.0, "debater_1": 1.0, "judge_0": 0.0}),
        ("zero_sum", "\\boxed{-1}", {"debater_0": 0.0, "debater_1": 0.0, "judge_0": 0.0}),
        ("zero_sum", "hmm", {"debater_0": 0.0, "debater_1": 0.0, "judge_0": 0.0}),
    ],
)
def test_debate_rewards_follow_the_verifier(mode, pick, expected):
    env = debate_v0.env(rounds=2, reward_mode=mode, level=0)

    def script(agent, observation, info):
        problem = env.unwrapped.game.problem
        if agent == "judge_0":
            return pick
        if info["round"] == 1:
            return "I stand by my answer."  # no new boxed answer: round 0's counts
        answer = problem.answer if agent == "debater_0" else wrong(problem.answer)
        return f"The answer is \\boxed{{{answer}}}."

    returns, infos = play_aec(env, script)
    assert returns == expected
    assert infos["judge_0"]["correct"] == {"debater_0": True, "debater_1": False}


def test_debaters_move_simultaneously_and_judge_sees_the_transcript():
    env = debate_v0.parallel_env(rounds=1)
    _, infos = env.reset(seed=0)
    assert infos["debater_0"]["acting"] and infos["debater_1"]["acting"] and not infos["judge_0"]["acting"]
    obs, _, _, _, infos = env.step({"debater_0": "\\boxed{1} first", "debater_1": "\\boxed{2} second"})
    assert "Debater 0: \\boxed{1} first" in obs["judge_0"]["text"] and infos["judge_0"]["acting"]
    with pytest.raises(KeyError, match="judge_0"):
        env.step({"debater_0": "late"})
