"""lstm-solve check: verdicts, error carried forward, every slip diagnosed, a class.

Slipped answers are made here by a plain-numpy LSTM with the slip written in by
hand, independently of slips.py, and then must be recognised.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import PROBLEMS

from lstm_solver.check import check, parse_answers
from lstm_solver.cli import main
from lstm_solver.errors import ProblemError
from lstm_solver.problem import parse_problem

Q1 = PROBLEMS / "seed001_q1_embedding_input_gate.yaml"
Q2 = PROBLEMS / "seed001_q2_given_gates.yaml"

P = {  # an LSTM step with H = X = 2, all four gates, a non-zero state
    "i": ([[0.5, -0.2], [0.1, 0.3]], [[0.4, 0.1], [0.2, -0.5]], [0.1, -0.1]),
    "f": ([[0.2, 0.4], [-0.3, 0.1]], [[0.3, -0.2], [0.1, 0.4]], [0.3, 0.2]),
    "g": ([[-0.1, 0.6], [0.4, -0.2]], [[0.7, 0.2], [-0.6, 0.3]], [0.5, -0.25]),
    "o": ([[0.3, 0.3], [0.2, -0.4]], [[-0.2, 0.5], [0.3, 0.1]], [0.05, 0.0]),
}
H0, C0, X = [0.4, -0.3], [0.8, -0.6], [1.0, 0.5]
NAMES = {"i": "input", "f": "forget", "g": "candidate", "o": "output"}
PROBLEM = parse_problem(
    "cell: lstm\ngates:\n" + "".join(
        f"  {NAMES[k]}: {{W: {W}, U: {U}, b: {b}}}\n" for k, (W, U, b) in P.items())
    + f"initial: {{h: {H0}, c: {C0}}}\nx: {X}\n", "step.yaml")


def sig(z):
    return 1 / (1 + np.exp(-z))


def lstm_by_hand(slip: str = "", digits: int | None = None) -> dict[str, np.ndarray]:
    """One LSTM step in numpy, with one slip written in by hand."""
    r = (lambda v: np.round(v, digits)) if digits else (lambda v: v)
    h, c, x = (np.array(v) for v in (H0, C0, X))
    out = {}
    for k, (W, U, b) in P.items():
        W, U, b = np.array(W), np.array(U), np.array(b)
        act = np.tanh if k == "g" else sig
        if slip == "swap" and k == "f":
            act = np.tanh
        if slip == "nobias" and k == "i":
            b = b * 0
        if slip == "added" and k == "i":
            out[k] = r(act(r(W @ (h + x)) + b))
            continue
        if slip == "added_u" and k == "f":
            out[k] = r(act(r(U @ (h + x)) + b))
            continue
        if slip == "wu" and k == "f":
            W, U = U, W
        if slip == "transpose" and k == "g":
            W = W.T
        if slip == "order" and k == "o":
            W, U, b = (np.array(a) for a in P["g"])
        out[k] = r(act(r(r(W @ r(h)) + r(U @ x) + b)))
    i, f, g, o = out["i"], out["f"], out["g"], out["o"]
    out["c"] = r(r(i * r(c)) + r(f * g)) if slip == "fi" else r(r(f * r(c)) + r(i * g))
    if slip == "cprev":
        out["h"] = r(o * r(np.tanh(c)))
    elif slip == "notanh":
        out["h"] = r(o * out["c"])
    else:
        out["h"] = r(o * r(np.tanh(out["c"])))
    return out


def answers(values: dict, problem=PROBLEM) -> str:
    return "".join(f"{k}: [{', '.join(f'{x:.4f}' for x in v)}]\n" for k, v in values.items())


def verdicts(text: str, problem=PROBLEM) -> dict:
    report = check(problem, parse_answers(text, problem))
    return {(i.quantity, i.index): (i.verdict, i.diagnosis) for i in report.items}


SLIPS = [
    ("swap", "f", "σ and tanh swapped in f_t"),
    ("nobias", "i", "the bias left out of i_t"),
    ("added", "i", "h_(t-1) and x_t added instead of stacked in i_t"),
    ("added_u", "f", "h_(t-1) and x_t added instead of stacked in f_t"),
    # one gate alone cannot tell a W/U swap from the other convention, named once for all
    ("wu", "f", "the other convention: W on x_t and U on h_(t-1)"),
    ("transpose", "g", "W_g transposed"),
    ("order", "o", "the candidate gate's parameters used for o_t"),
    ("fi", "c", "the forget and input gates swapped"),
    ("cprev", "h", "c_(t-1) used where c_t belongs in h_t"),
    ("notanh", "h", "the tanh left out in h_t"),
]


def test_correct_answers_are_correct():
    true = lstm_by_hand()
    assert all(v == "correct" for v, _ in verdicts(answers(true)).values())


@pytest.mark.parametrize("slip,quantity,says", SLIPS, ids=[s[0] for s in SLIPS])
def test_each_slip_is_recognised(slip, quantity, says):
    true, slipped = lstm_by_hand(), lstm_by_hand(slip)
    assert not np.allclose(true[quantity], slipped[quantity], atol=1e-3)  # a real slip
    got = verdicts(answers({quantity: slipped[quantity]}))
    for k in range(2):
        if abs(true[quantity][k] - slipped[quantity][k]) > 2e-4:
            verdict, diagnosis = got[(quantity, k)]
            assert verdict == "wrong"
            assert diagnosis is not None and diagnosis.startswith(says), diagnosis


@pytest.mark.parametrize("quantity", ["c", "h"])
def test_rounding_too_early_is_recognised(quantity):
    """Every intermediate rounded to 2 digits, as lstm_by_hand does..."""
    slipped = lstm_by_hand(digits=2)
    got = verdicts(answers({quantity: slipped[quantity]}))
    assert any(d and "rounded too early (to 2 digits)" in d for _, d in got.values()), got


def test_rounding_only_the_gates_too_early_is_recognised():
    """...or only the gates, c and h, each rounded to 2 digits as it is written down."""
    h, c, x = (np.array(v) for v in (H0, C0, X))
    gates = {}
    for k, (W, U, b) in P.items():
        act = np.tanh if k == "g" else sig
        gates[k] = np.round(act(np.array(W) @ h + np.array(U) @ x + b), 2)
    c_new = np.round(gates["f"] * c + gates["i"] * gates["g"], 2)
    h_new = gates["o"] * np.tanh(c_new)
    got = verdicts(answers({"h": h_new}))
    wrong = [d for v, d in got.values() if v == "wrong"]
    assert wrong and all(d and "rounded too early (to 2 digits)" in d for d in wrong), got


def test_other_gru_update_form_is_recognised():
    gru = parse_problem(
        "cell: gru\ngates:\n  reset: {W: [[0.5, -0.2], [0.1, 0.3]], U: [[0.4], [0.2]]}\n"
        "  update: {W: [[0.2, 0.4], [-0.3, 0.1]], U: [[0.3], [0.1]], b: [0.3, -0.2]}\n"
        "  candidate: {W: [[-0.1, 0.6], [0.4, -0.2]], U: [[0.7], [-0.6]]}\n"
        "initial: {h: [0.4, -0.3]}\nx: [1.5]\n")
    h0, x = np.array([0.4, -0.3]), np.array([1.5])
    r = sig(np.array([[0.5, -0.2], [0.1, 0.3]]) @ h0 + np.array([0.4, 0.2]) * x)
    z = sig(np.array([[0.2, 0.4], [-0.3, 0.1]]) @ h0 + np.array([0.3, 0.1]) * x + [0.3, -0.2])
    g = np.tanh(np.array([[-0.1, 0.6], [0.4, -0.2]]) @ (r * h0) + np.array([0.7, -0.6]) * x)
    slipped = (1 - z) * h0 + z * g  # z weighing the candidate, where the problem says h_(t-1)
    got = verdicts(answers({"h": slipped}), gru)
    assert all(v == "wrong" and d.startswith("the other GRU update form")
               for v, d in got.values()), got


def test_seed_answers():
    q1 = parse_problem(Q1.read_text(), str(Q1))
    got = verdicts("i: [0.017, 0.980, 0.003, 0]\n", q1)
    assert [got[("i", k)][0] for k in range(4)] == ["wrong"] * 4
    q2 = parse_problem(Q2.read_text(), str(Q2))
    got = verdicts("g: [1, 1]\nc: [1.1469, 2.1363]\nh: [0.2723, 0.9719]\n", q2)
    assert got[("g", 0)][0] == got[("g", 1)][0] == "correct"
    assert got[("h", 0)][0] == "correct"
    assert got[("h", 1)][0] == "wrong"  # 0.9719 should be 0.9725
    assert got[("c", 1)][0] == "correct"
    assert got[("c", 0)][0] == "wrong"  # 1.1469 is 0.0004 from 1.1473


def test_error_carried_forward_over_a_sequence(tmp_path):
    path = PROBLEMS / "sequence_scalar_output.yaml"
    problem = parse_problem(path.read_text(), str(path))
    # the true values are c = 0.3902, 0.9877, 1.6721 and h = 0.2564, 0.6398, 0.8707;
    # the student slips in c_1 and then works on correctly from their own numbers
    c1 = 0.5000
    o1, f2, i2, g2, o2 = 0.6900, 0.7361, 0.7775, 0.9009, 0.8459
    h1 = round(o1 * np.tanh(c1), 4)  # from their own c_1
    # h_1 changed, so the gates of step 2 change too: recompute them from h_1
    f2 = round(sig(0.1 * h1 + 0.5 * 2), 4)
    i2 = round(sig(0.2 * h1 + 0.6 * 2), 4)
    g2 = round(np.tanh(0.3 * h1 + 0.7 * 2), 4)
    o2 = round(sig(0.4 * h1 + 0.8 * 2), 4)
    c2 = round(f2 * c1 + i2 * g2, 4)
    h2 = round(o2 * np.tanh(c2), 4)
    text = (f"steps:\n  1: {{c: [{c1}], h: [{h1}]}}\n"
            f"  2: {{f: [{f2}], i: [{i2}], g: [{g2}], o: [{o2}], c: [{c2}], h: [{h2}]}}\n")
    report = check(problem, parse_answers(text, problem))
    got = {(i.t, i.quantity): i.verdict for i in report.items}
    assert got[(1, "c")] == "wrong"
    assert all(v == "follows" for key, v in got.items() if key != (1, "c")), got
    assert report.first_wrong.t == 1 and report.first_wrong.quantity == "c"


def test_json_and_exit_codes(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(answers(lstm_by_hand()))
    problem = tmp_path / "step.yaml"
    problem.write_text("cell: lstm\ngates:\n" + "".join(
        f"  {NAMES[k]}: {{W: {W}, U: {U}, b: {b}}}\n" for k, (W, U, b) in P.items())
        + f"initial: {{h: {H0}, c: {C0}}}\nx: {X}\n")
    result = CliRunner().invoke(main, ["check", str(problem), str(good), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["format"] == "lstm-solve-check/1" and data["all_correct"] is True
    item = data["items"][0]
    assert set(item) == {"t", "quantity", "index", "answer", "expected", "verdict",
                         "diagnosis"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(answers({"h": lstm_by_hand("notanh")["h"]}))
    result = CliRunner().invoke(main, ["check", str(problem), str(bad)])
    assert result.exit_code == 1
    assert "The first wrong step: h₁[1]" in result.stdout
    assert "the tanh left out" in result.stdout
    assert "Hidden state h₁" in result.stdout  # the right path, worked out
    broken = tmp_path / "broken.yaml"
    broken.write_text("h: [0.1, oops]\n")
    result = CliRunner().invoke(main, ["check", str(problem), str(broken)])
    assert result.exit_code == 2 and "broken.yaml:1:10: h[1]: expected a number" in result.stderr


@pytest.mark.parametrize("text,fragment", [
    ("r: [1, 2]\n", "the problem does not compute 'r'"),
    ("h: [1, 2, 3]\n", "has 3 entries but h_1 has 2"),
    ("- 1\n", "expected a mapping"),
    ("steps: {5: {h: [1, 2]}}\n", "there is no step 5"),
    ("h: [1, 2]\nsteps: {1: {h: [1, 2]}}\n", "give every value under its step"),
])
def test_bad_answers(text, fragment):
    with pytest.raises(ProblemError, match=fragment.replace("[", r"\[")):
        parse_answers(text, PROBLEM)


def test_class_summary_and_csv(tmp_path):
    problem = tmp_path / "step.yaml"
    problem.write_text("cell: lstm\ngates:\n" + "".join(
        f"  {NAMES[k]}: {{W: {W}, U: {U}, b: {b}}}\n" for k, (W, U, b) in P.items())
        + f"initial: {{h: {H0}, c: {C0}}}\nx: {X}\n")
    folder = tmp_path / "submissions"
    folder.mkdir()
    true = lstm_by_hand()
    (folder / "ada.yaml").write_text("student: Ada\n" + answers({k: true[k] for k in "ch"}))
    for who in ("bob", "cy"):
        slipped = lstm_by_hand("notanh")
        (folder / f"{who}.yaml").write_text(answers({"c": true["c"], "h": slipped["h"]}))
    out = tmp_path / "marks.csv"
    result = CliRunner().invoke(main, ["check", str(problem), str(folder), "--csv", str(out)])
    assert result.exit_code == 1, result.stderr
    assert "Students" in result.stdout and "Ada" in result.stdout
    assert "Most common slips" in result.stdout and "the tanh left out" in result.stdout
    rows = list(csv.DictReader(out.open()))
    assert [r["student"] for r in rows] == ["Ada", "bob", "cy"]
    assert rows[0]["score"] == "1.000" and rows[1]["wrong"] == "2"
    assert rows[1]["first wrong"] == "h (t=1)"
    data = json.loads(CliRunner().invoke(main, ["check", str(problem), str(folder),
                                                "--format", "json"]).stdout)
    assert [s["student"] for s in data["students"]] == ["Ada", "bob", "cy"]
    shares = {(q["t"], q["quantity"]): q["share_correct"] for q in data["per_quantity"]}
    assert shares[(1, "c")] == 1.0 and abs(shares[(1, "h")] - 1 / 3) < 1e-9
    assert data["slips"][0]["students"] == 2
    again = CliRunner().invoke(main, ["check", str(problem), str(folder), "--csv", str(out)])
    assert again.exit_code == 2 and "--force" in again.stderr


@pytest.mark.parametrize("key", ["g", "c", "h", "steps", "student", "zz"])
def test_odd_answers_give_messages(key):
    q2 = parse_problem(Q2.read_text(), str(Q2))
    for odd in [None, 5, "abc", [], [[]], {}, {"a": 1}, [1, "x"], True, 1.5, [[1, 2], [3]]]:
        values = {"g": [1, 1], "c": [1.1, 2.1], "h": [0.2, 0.9], key: odd}
        text = "".join(f"{k}: {json.dumps(v)}\n" for k, v in values.items())
        try:
            check(q2, parse_answers(text, q2, "a.yaml"))
        except ProblemError as exc:
            assert str(exc).startswith("a.yaml")
