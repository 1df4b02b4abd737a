"""Batches (issue 17): rows sharing the weights, each with its own x and initial state.

The key works the first row in full and gives the others as a table (every row in
full with --full); --format json gives {"batch": [...]}, one single problem's object
per row; each row's numbers equal the same problem solved alone.
"""

from __future__ import annotations

import copy
import itertools
import json
import re

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from conftest import problem_text

from lstm_solver.cli import main
from lstm_solver.errors import ProblemError
from lstm_solver.problem import parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve

GATES = {"input": {"W": [[0.5, -0.2], [0.1, 0.3]], "U": [[0.4], [0.2]], "b": [0.1, -0.1]},
         "forget": {"W": [[0.2, 0.4], [-0.3, 0.1]], "U": [[0.3], [0.1]], "b": [1, 1]},
         "candidate": {"W": [[-0.1, 0.6], [0.4, -0.2]], "U": [[0.7], [-0.6]], "b": [0.5, 0]},
         "output": {"W": [[0.3, 0.3], [0.2, -0.4]], "U": [[-0.2], [0.3]], "b": [0.05, 0]}}
ROWS = [{"x": [1, 2], "initial": {"h": [0.1, 0.2], "c": [0.3, -0.4]}},
        {"x": [0.5, -1]},
        {"x": [[2], [0]], "initial": {"c": [1, 1]}}]
BATCH = {"cell": "lstm", "gates": GATES, "batch": ROWS}


def alone(row: dict) -> dict:
    data = {"cell": "lstm", "gates": GATES, **row}
    return to_dict(solve(parse_problem(problem_text(data))))


def test_each_row_is_the_same_problem_solved_alone():
    result = to_dict(solve(parse_problem(problem_text(BATCH))))
    assert set(result) == {"format", "cell", "notes", "batch"}
    assert len(result["batch"]) == 3
    for row, got in zip(ROWS, result["batch"], strict=True):
        want = alone(row)
        assert got == want  # each row shaped like (and equal to) a single problem's JSON


def test_the_key_works_the_first_row_and_tables_the_others(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text(problem_text(BATCH))
    out = CliRunner().invoke(main, [str(path)], env={"COLUMNS": "80"}).stdout
    assert out.count("Input gate i₁") == 1  # only row 1 worked
    assert "Batch row 1 of 3: x₁ = [1], x₂ = [2]" in " ".join(out.split()) or \
        "Batch row 1 of 3: x₁ = [1]; x₂ = [2]" in " ".join(out.split())
    table = out[out.index("Batch rows 2–3"):]
    rows = [alone(r) for r in ROWS[1:]]
    for row in rows:  # every number of rows 2 and 3, as printed at 4 decimals
        for step in row["steps"]:
            for q in "ifgoch":
                for v in step["values"][q]:
                    assert f"{v:.4f}" in table, (q, v)
    full = CliRunner().invoke(main, [str(path), "--full"], env={"COLUMNS": "80"}).stdout
    assert full.count("Input gate i₁") == 3 and "Batch row 3 of 3" in full


@pytest.mark.parametrize("fmt", ["latex", "markdown", "html"])
def test_documents_give_the_rows_too(tmp_path, fmt):
    path = tmp_path / "q.yaml"
    path.write_text(problem_text(BATCH))
    out = CliRunner().invoke(main, [str(path), "--format", fmt]).stdout
    plain = " ".join(re.sub(r"<[^>]+>", " ", out).replace("--", "–").split())
    assert "Batch rows 2–3 (the same weights)" in plain
    assert "A batch of 3 rows, each with its own input and initial state, sharing the " \
        "weights" in plain
    v = alone(ROWS[2])["steps"][1]["values"]["h"][0]
    assert f"{v:.4f}" in out
    full = CliRunner().invoke(main, [str(path), "--format", fmt, "--full"]).stdout
    assert "Batch row 3 of 3" in " ".join(re.sub(r"<[^>]+>", " ", full).split())
    sheet = CliRunner().invoke(main, [str(path), "--format", fmt, "--questions"]).stdout
    said = " ".join(re.sub(r"<[^>]+>", " ", sheet).split())
    assert "Batch row 3:" in said  # its data
    assert said.count("Batch row 3") >= 2  # its data, and a grid for its answers


def test_stacked_batches_share_the_layers_states_and_rows_can_use_tokens():
    layers = {"cell": "gru", "layers": [
        {"gates": {"r": {"W": [[0.5]], "U": [[1, 0]]}, "z": {"W": [[0.1]], "U": [[0, 1]]},
                   "n": {"W": [[0.2]], "U": [[1, 1]]}}},
        {"gates": {"r": {"W": [[0.3]], "U": [[1]]}, "z": {"W": [[0.2]], "U": [[0.5]]},
                   "n": {"W": [[0.7]], "U": [[1]]}}}],
        "embedding": [[1, 0], [0, 1], [1, 1]], "batch": [{"tokens": [0, 2]}, {"tokens": [1, 1]}]}
    result = to_dict(solve(parse_problem(problem_text(layers))))
    for row, tokens in zip(result["batch"], ([0, 2], [1, 1]), strict=True):
        single = {k: v for k, v in layers.items() if k != "batch"} | {"tokens": tokens}
        assert row == to_dict(solve(parse_problem(problem_text(single))))


BAD = [
    ({"x": [1, 2]}, ["q.yaml:", "x", "gives 'x' in each of its rows"]),
    ({"batch": []}, ["batch", "expected a list of rows"]),
    ({"batch": {"x": [1]}}, ["batch", "expected a list of rows"]),
    ({"batch": [{"x": [1]}, {"y": [1]}]},
     ["batch[1].y", "unknown key", "expected one of: x, tokens, initial"]),
    ({"batch": [{"x": [1]}, {}]}, ["batch[1]", "missing required key 'x'"]),
    ({"batch": [{"x": [1, 2]}, {"x": [1]}]}, ["batch[1].x", "has 1 steps but batch[0] has 2"]),
    ({"batch": [{"x": [[1, 2]]}]}, ["batch[0].x", "has 2 entries but x_t needs 1"]),
    ({"batch": [{"x": [1], "initial": {"h": [1]}}]},
     ["batch[0].initial.h", "has 1 entries but the hidden size of the gates has 2"]),
    ({"batch": [{"x": [1], "initial": {"q": [1]}}]}, ["batch[0].initial.q", "unknown key"]),
    ({"batch": [{"tokens": [1]}]}, ["batch[0].tokens", "needs an 'embedding'"]),
    ({"batch": [{"x": [1]}] * 1001}, ["batch", "at most 1000"]),
]


@pytest.mark.parametrize("change,fragments", BAD, ids=range(len(BAD)))
def test_bad_batches_are_refused_at_their_place(tmp_path, change, fragments):
    data = {**BATCH, **change}
    path = tmp_path / "q.yaml"
    path.write_text(problem_text(data))
    result = CliRunner().invoke(main, [str(path)])
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def test_a_layered_batch_refuses_per_row_initial_states(tmp_path):
    data = {"cell": "rnn", "layers": [{"gates": {"h": {"W": [[1]], "U": [[1]]}}}] * 2,
            "batch": [{"x": [1], "initial": {"h": [1]}}]}
    with pytest.raises(ProblemError, match="share the initial states of its layers"):
        parse_problem(problem_text(data))


WEIRD = [None, 5, "abc", [], [[]], {}, {"a": 1}, [1, "x"], True, -1, 1.5, [[1, 2], [3]],
         "1 2\n3", "w" * 100_000, [[[[[1]]]]], {"x": {"x": [1]}}, "\u202e\x00", 10**400,
         [{"x": None}], [{"initial": None}], [None]]


def test_odd_values_in_a_batch_give_a_message_not_a_traceback():
    paths = [("batch",), ("batch", 0), ("batch", 0, "x"), ("batch", 0, "initial"),
             ("batch", 0, "initial", "h"), ("batch", 1, "x")]
    for path, odd in itertools.product(paths, WEIRD):
        data = copy.deepcopy(BATCH)
        cur = data
        for key in path[:-1]:
            cur = cur[key]
        cur[path[-1]] = odd
        try:
            json.dumps(to_dict(solve(parse_problem(yaml.safe_dump(data), "odd.yaml"))))
        except ProblemError as exc:
            assert str(exc).startswith("odd.yaml"), str(exc)


def test_rows_reuse_the_equations(monkeypatch):
    """A batch of many rows builds its sympy equations once."""
    import lstm_solver.solver as solver

    calls = []
    original = solver.build
    monkeypatch.setattr(solver, "build", lambda *a, **k: calls.append(1) or original(*a, **k))
    data = {**BATCH, "batch": [{"x": [float(k)]} for k in range(50)]}
    dv = solve(parse_problem(problem_text(data)))
    assert len(dv.rows) == 49 and len(calls) == 1
    np.testing.assert_allclose(dv.rows[-1].steps[0].x, [49.0])


# --- check: per-row answers ---------------------------------------------------------------


def _answers(tmp_path, text: str) -> str:
    path = tmp_path / "ada.yaml"
    path.write_text(text)
    return str(path)


def test_check_marks_each_row_against_its_own_solution(tmp_path):
    problem = tmp_path / "q.yaml"
    problem.write_text(problem_text({**BATCH, "ask": ["c", "h"]}))
    rows = [alone(r)["steps"] for r in ROWS]

    def written(steps, slip=0.0):  # every c and h to 4 decimals, h of row 2 slipped
        return {"steps": {s["t"]: {"c": [round(v, 4) for v in s["values"]["c"]],
                                   "h": [round(v + slip, 4) for v in s["values"]["h"]]}
                          for s in steps}}

    text = yaml.safe_dump({"student": "Ada", "batch": [
        written(steps, 0.3 * (k == 1)) for k, steps in enumerate(rows)]}, sort_keys=False)
    result = CliRunner().invoke(main, ["check", str(problem), _answers(tmp_path, text),
                                       "--format", "json"])
    assert result.exit_code == 1, result.stderr  # row 2's h is wrong
    items = json.loads(result.stdout)["students"][0]["items"]
    assert {i["row"] for i in items} == {1, 2, 3}
    wrong = [i for i in items if i["verdict"] == "wrong"]
    assert wrong and all(i["row"] == 2 and i["quantity"] == "h" for i in wrong)
    assert all(i["verdict"] == "correct" for i in items if i["row"] != 2)
    # the terminal names the row of each table and of each number in its feedback
    out = CliRunner().invoke(main, ["check", str(problem), _answers(tmp_path, text)],
                             env={"COLUMNS": "100"}).stdout
    assert "Batch row 2 · Step t = 1" in out and "(row 2)" in out


@pytest.mark.parametrize("text,says", [
    ("batch: [{h: [1, 2]}]\nh: [1, 2]\n", "give every answer in its row"),
    ("batch: {h: [1, 2]}\n", "expected a list of up to 3 rows"),
    ("batch: [{h: [1, 2]}, {h: [1, 2]}, {h: [1, 2]}, {h: [1, 2]}]\n", "up to 3 rows"),
    ("batch: [{q: [1, 2]}]\n", "unknown quantity 'q'"),
    ("steps: {1: {batch: [{h: [1, 2]}]}}\n", "'batch' belongs at the top"),
])
def test_check_refuses_bad_per_row_answers(tmp_path, text, says):
    problem = tmp_path / "q.yaml"
    problem.write_text(problem_text(BATCH))
    result = CliRunner().invoke(main, ["check", str(problem), _answers(tmp_path, text)])
    assert result.exit_code != 0 and says in result.stderr, result.stderr  # the file, located
    assert "ada.yaml:" in result.stderr and "Traceback" not in result.stderr


def test_check_refuses_batch_answers_to_a_single_problem(tmp_path):
    problem = tmp_path / "q.yaml"
    problem.write_text(problem_text({"cell": "lstm", "gates": GATES, "x": [1]}))
    result = CliRunner().invoke(main, ["check", str(problem),
                                       _answers(tmp_path, "batch: [{h: [1, 2]}]\n")])
    assert result.exit_code != 0 and "the problem has no batch" in result.stderr


def test_a_batch_or_round_with_a_backward_pass_is_refused_at_its_key(tmp_path):
    with pytest.raises(ProblemError, match="works one sequence"):
        parse_problem(problem_text({**BATCH, "upstream": {"h": [1, 1]}}), "q.yaml")
    single = {"cell": "lstm", "gates": GATES, "x": [1], "round": ["h"],
              "upstream": {"h": [1, 1]}}
    with pytest.raises(ProblemError, match="cannot differentiate"):
        parse_problem(problem_text(single), "q.yaml")
