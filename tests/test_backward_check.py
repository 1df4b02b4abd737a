"""lstm-solve check with answers about the backward pass: dh, dc, dy, d_pre, d_values
per step; grad, loss, norm, scale and updated for the whole problem."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import PROBLEMS

from lstm_solver.check import check, parse_answers
from lstm_solver.cli import main
from lstm_solver.errors import ProblemError
from lstm_solver.problem import load_problem

GOMEZ = PROBLEMS / "gomez_lstm_backprop.yaml"
GRU = PROBLEMS / "gru_clipping.yaml"
ALL_RIGHT = """
student: Ada
steps:
  2:
    dh: [-0.47802]
    dc: [-0.07111]
    d_pre: {o: [-0.05538], a: [-0.01938], forget: [-0.00631], i: [-0.00112]}
    d_values: {output: [-0.43418]}
  1:
    dh: [0.01804]
    d_pre: {candidate: [-0.01702]}
grad:
  candidate: {W: [[-0.02672, -0.09220]], U: [[-0.01040]], b: [-0.03641]}
  initial: {h: [-0.00343], c: [-0.04557]}
loss: 0.11491
norm: 0.20492
updated:
  candidate: {W: [[0.45267, 0.25922]]}
"""


def verdicts(problem_path, text: str) -> dict:
    problem = load_problem(problem_path)
    report = check(problem, parse_answers(text, problem, "answers.yaml"))
    return {(i.t, i.quantity, i.index): i.verdict for i in report.items}


def test_every_kind_of_gradient_answer_is_checked():
    v = verdicts(GOMEZ, ALL_RIGHT)
    assert set(v.values()) == {"correct"}
    assert {q for _, q, _ in v} == {"dh", "dc", "d_pre.o", "d_pre.g", "d_pre.f", "d_pre.i",
                                    "d_values.o", "grad.candidate.W", "grad.candidate.U",
                                    "grad.candidate.b", "grad.initial.h", "grad.initial.c",
                                    "loss", "norm", "updated.candidate.W"}
    assert v[(None, "grad.candidate.W", 1)] == "correct"


def test_a_slip_carried_back_follows():
    """∂L/∂h₂ wrong, and ∂L/∂c₂ worked from it: wrong, then follows (not wrong twice)."""
    text = "steps:\n  2:\n    dh: [-0.50000]\n    dc: [-0.07438]\n    d_pre: {o: [-0.05538]}\n"
    v = verdicts(GOMEZ, text)
    assert v[(2, "dh", 0)] == "wrong"
    assert v[(2, "dc", 0)] == "follows"
    assert v[(2, "d_pre.o", 0)] == "correct"  # it does not depend on ∂L/∂h₂ only...
    # δ_o₂ from the student's own ∂L/∂o₂ follows too
    text = "steps:\n  2:\n    d_values: {o: [-0.40000]}\n    d_pre: {o: [-0.05102]}\n"
    v = verdicts(GOMEZ, text)
    assert v[(2, "d_values.o", 0)] == "wrong" and v[(2, "d_pre.o", 0)] == "follows"


def test_gradients_follow_from_the_students_deltas():
    text = ("steps:\n  2:\n    d_pre: {output: [-0.06000]}\n  1:\n    d_pre: {output: [0.00176]}\n"
            "grad:\n  output: {b: [-0.05824]}\n")
    v = verdicts(GOMEZ, text)
    assert v[(2, "d_pre.o", 0)] == "wrong"
    assert v[(None, "grad.output.b", 0)] == "follows"  # −0.06 + 0.00176


def test_cli_exit_codes_json_and_the_worked_step(tmp_path):
    right = tmp_path / "right.yaml"
    right.write_text(ALL_RIGHT)
    result = CliRunner().invoke(main, ["check", str(GOMEZ), str(right)])
    assert result.exit_code == 0, result.output
    assert "∂L/∂W_a[2]" in result.stdout and "Every number is right" in result.stdout
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("grad:\n  output: {b: [0.05361]}\n")
    result = CliRunner().invoke(main, ["check", str(GOMEZ), str(wrong)])
    assert result.exit_code == 1
    assert "The first wrong step: ∂L/∂b_o[1] = 0.05361" in result.stdout
    assert "∂L/∂b_o = Σₜ δ_oₜ" in result.stdout  # how it goes
    data = json.loads(CliRunner().invoke(main, ["check", str(GOMEZ), str(wrong), "--format",
                                                "json"]).stdout)
    assert data["items"][0]["quantity"] == "grad.output.b" and data["items"][0]["t"] is None


def test_clipping_scale_and_update_of_the_gru(tmp_path):
    problem = load_problem(GRU)
    truth = json.loads(CliRunner().invoke(main, [str(GRU), "--format", "json"]).stdout)
    back = truth["backward"]
    W = [[round(x, 4) for x in r] for r in back["updated"]["reset"]["W"]]
    text = (f"scale: {back['clip']['scale']:.4f}\nnorm: {back['norm']:.4f}\n"
            f"updated:\n  reset: {{W: {W}}}\n")
    report = check(problem, parse_answers(text, problem, "a.yaml"))
    assert {i.verdict for i in report.items} == {"correct"}
    assert {i.quantity for i in report.items} == {"scale", "norm", "updated.reset.W"}


@pytest.mark.parametrize("text,fragment", [
    ("steps:\n  2:\n    d_pre: {forgot: [1]}\n", "not a gate of this LSTM"),
    ("steps:\n  2:\n    dh: [1, 2]\n", "has 2 entries but ∂L/∂h_2 has 1"),
    ("steps:\n  2:\n    d_pre: [1]\n", "expected a mapping of gates"),
    ("grad:\n  candidate: {V: [[1]]}\n", "unknown key 'V'; expected one of: U, W, b"),
    ("grad:\n  candidate: {W: [[1]]}\n", "is 1×1 but the problem's is 1×2"),
    ("grad:\n  hidden: {W: [[1]]}\n", "no parameters called 'hidden'"),
    ("updated:\n  initial: {h: [1]}\n", "no parameters called 'initial'"),
    ("loss: big\n", "expected a number"),
    ("dh: [1]\n", "key the gradients by step"),
    ("scale: 1\n", "a.yaml: scale: s is not part of this problem's backward pass"),
])
def test_bad_gradient_answers_are_located(text, fragment):
    problem = load_problem(GOMEZ)
    with pytest.raises(ProblemError) as info:
        check(problem, parse_answers(text, problem, "a.yaml"))
    assert fragment in str(info.value)


def test_a_problem_without_a_loss_has_no_gradients_to_check():
    problem = load_problem(PROBLEMS / "seed001_q2_given_gates.yaml")
    with pytest.raises(ProblemError, match="no loss"):
        parse_answers("dh: [1, 2]\n", problem, "a.yaml")


def test_one_step_problem_takes_gradients_at_the_top():
    problem = load_problem(PROBLEMS / "lstm_upstream_given_dh.yaml")
    report = check(problem, parse_answers(
        "c: [0.65, -0.98]\ndc: [0.0539, -0.0260]\nd_values: {o: [0.0572, 0.1506]}\n",
        problem, "a.yaml"))
    assert [(i.quantity, i.verdict) for i in report.items] == [
        ("c", "correct"), ("c", "correct"), ("dc", "correct"), ("dc", "correct"),
        ("d_values.o", "correct"), ("d_values.o", "correct")]
