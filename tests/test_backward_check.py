"""lstm-solve check with answers about the backward pass: dh, dc, dy, d_pre, d_values
per step; grad, loss, norm, scale and updated for the whole problem; judged by the
marking contract (correct, imprecise, follows, wrong, missing)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import PROBLEMS

from lstm_solver.check import check, parse_answers
from lstm_solver.cli import main
from lstm_solver.errors import ProblemError
from lstm_solver.gradient_answers import is_gradient
from lstm_solver.problem import load_problem, parse_problem

GOMEZ = PROBLEMS / "gomez_lstm_backprop.yaml"
GRU = PROBLEMS / "gru_clipping.yaml"
ASK = "ask: [dh, dc, d_pre, d_values, grad, loss, norm, updated]\n"
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


def gomez(ask: str = ""):
    return parse_problem(GOMEZ.read_text() + ask, str(GOMEZ))


def verdicts(problem, text: str) -> dict:
    """(t, quantity, index) -> verdict of the gradient numbers the student wrote."""
    report = check(problem, parse_answers(text, problem, "answers.yaml"))
    return {(i.t, i.quantity, i.index): i.verdict for i in report.items
            if is_gradient(i.quantity) and i.answer is not None}


def test_every_kind_of_gradient_answer_is_checked():
    v = verdicts(gomez(), ALL_RIGHT)
    assert set(v.values()) == {"correct"}
    assert {q for _, q, _ in v} == {"dh", "dc", "d_pre.o", "d_pre.g", "d_pre.f", "d_pre.i",
                                    "d_values.o", "grad.candidate.W", "grad.candidate.U",
                                    "grad.candidate.b", "grad.initial.h", "grad.initial.c",
                                    "loss", "norm", "updated.candidate.W"}
    assert v[(0, "grad.candidate.W", 1)] == "correct"  # t: the step before the first


def test_what_is_asked_and_not_answered_is_missing():
    problem = gomez(ASK)
    report = check(problem, parse_answers(ALL_RIGHT, problem, "a.yaml"))
    missing = {(i.t, i.quantity) for i in report.items if i.verdict == "missing"}
    assert (1, "dc") in missing and (0, "grad.output.W") in missing
    assert (0, "updated.output.U") in missing and all(is_gradient(q) for _, q in missing)
    assert report.out_of > 0 and 0 < report.score < 1


def test_a_slip_carried_back_follows():
    """∂L/∂h₂ wrong, and ∂L/∂c₂ worked from it: wrong, then follows (not wrong twice)."""
    text = "steps:\n  2:\n    dh: [-0.50000]\n    dc: [-0.07438]\n    d_pre: {o: [-0.05538]}\n"
    v = verdicts(gomez(), text)
    assert v[(2, "dh", 0)] == "wrong"
    assert v[(2, "dc", 0)] == "follows"
    assert v[(2, "d_pre.o", 0)] == "correct"
    text = "steps:\n  2:\n    d_values: {o: [-0.40000]}\n    d_pre: {o: [-0.05102]}\n"
    v = verdicts(gomez(), text)
    assert v[(2, "d_values.o", 0)] == "wrong" and v[(2, "d_pre.o", 0)] == "follows"


def test_fewer_decimals_than_asked_is_imprecise():
    v = verdicts(gomez(), "norm: 0.2049\nloss: 0.1\n")
    assert v[(0, "norm", 0)] == "imprecise" and v[(0, "loss", 0)] == "imprecise"


def test_gradients_follow_from_the_students_deltas():
    text = ("steps:\n  2:\n    d_pre: {output: [-0.06000]}\n  1:\n    d_pre: {output: [0.00176]}\n"
            "grad:\n  output: {b: [-0.05824]}\n")
    v = verdicts(gomez(), text)
    assert v[(2, "d_pre.o", 0)] == "wrong"
    assert v[(0, "grad.output.b", 0)] == "follows"  # −0.06 + 0.00176


def test_cli_json_and_the_worked_step(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text(GOMEZ.read_text() + "ask: [grad]\n")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("grad:\n  output: {b: [0.05361]}\n")
    result = CliRunner().invoke(main, ["check", str(problem), str(wrong)])
    assert result.exit_code == 1
    assert "∂L/∂b_o[1]" in result.stdout and "✗ wrong" in result.stdout
    assert "∂L/∂b_o = Σₜ δ_oₜ" in result.stdout  # how it goes
    data = json.loads(CliRunner().invoke(main, ["check", str(problem), str(wrong), "--format",
                                                "json"]).stdout)
    items = [i for i in data["students"][0]["items"] if i["quantity"] == "grad.output.b"]
    assert items[0]["t"] is None and items[0]["verdict"] == "wrong"


def test_clipping_scale_and_update_of_the_gru():
    problem = load_problem(GRU)
    truth = json.loads(CliRunner().invoke(main, [str(GRU), "--format", "json"]).stdout)
    back = truth["backward"]
    W = [[round(x, 4) for x in r] for r in back["updated"]["reset"]["W"]]
    text = (f"scale: {back['clip']['scale']:.4f}\nnorm: {back['norm']:.4f}\n"
            f"updated:\n  reset: {{W: {W}}}\n")
    v = verdicts(problem, text)
    assert set(v.values()) == {"correct"}
    assert {q for _, q, _ in v} == {"scale", "norm", "updated.reset.W"}


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
    ("scale: 1\n", "s is not part of this problem's backward pass"),
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
    answered = [(i.quantity, i.verdict) for i in report.items if i.answer is not None]
    assert answered == [("c", "correct"), ("c", "correct"), ("dc", "correct"),
                        ("dc", "correct"), ("d_values.o", "correct"), ("d_values.o", "correct")]


def test_forward_answers_with_slips_on_a_problem_with_a_loss(tmp_path):
    """Found by the fuzzer (listed as known in tests/fuzzing.py until now): answers of h
    alone, wrong at both steps, on the clipped GRU crashed check twice — the step worked
    again from the student's numbers kept the two-step loss (KeyError in bptt.py), and
    the feedback's "at every step" named ∂L/∂hₜ with no step (IndexError)."""
    answers = tmp_path / "h_only.yaml"
    answers.write_text("steps:\n  1: {h: [0.5, -0.3]}\n  2: {h: [0.1, 0.2]}\n")
    csv = tmp_path / "marks.csv"
    result = CliRunner().invoke(main, ["check", str(PROBLEMS / "gru_clipping.yaml"),
                                       str(answers), "--csv", str(csv)])
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    feedback = csv.read_text(encoding="utf-8-sig")
    assert "First wrong: h₁[1] = 0.5, expected 0.7977" in feedback
    assert "∂L/∂hₜ" in feedback and "at every step" in feedback
