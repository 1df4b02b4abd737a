"""Published worked examples, and the seed's exam questions, as their authors answer them.

- click4ai, "LSTM Cell" (https://click4ai.perfionixai.com/problems/lstm-cell):
  concat [x; h], no bias; answers to 3 decimals.
- The notebook github.com/Yasmeen-Akl/DL-lSTM- (also menna-ibrahimm/LSTM-Notebook):
  a one-unit LSTM over x = 1, 2, 3 with y = 4 h; answers to 4 decimals.
- DESIGN.md §4 and seed 001 Question 2: g, c, h at t = 2 with f, i, o given.
"""

from __future__ import annotations

import pytest
from conftest import PROBLEMS

from lstm_solver.problem import load_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve


def solved(name: str) -> dict:
    return to_dict(solve(load_problem(PROBLEMS / name)))


def rounded(values, digits):
    return [round(v, digits) for v in values]


def test_click4ai_concat_example():
    step = solved("concat_published_click4ai.yaml")["steps"][0]
    published = {"f": [0.657, 0.574], "i": [0.562, 0.599], "g": [0.462, 0.422],
                 "o": [0.562, 0.611], "c": [0.260, 0.253], "h": [0.143, 0.151]}
    for q, values in published.items():
        assert rounded(step["values"][q], 3) == values, q
    assert rounded(step["pre_activations"]["f"], 2) == [0.65, 0.30]


def test_scalar_notebook_example():
    steps = solved("sequence_scalar_output.yaml")["steps"]
    published = [  # f, i, c_tilde, C, o, h per step, as the notebook prints them
        (0.6225, 0.6457, 0.6044, 0.3902, 0.6900, 0.2564),
        (0.7361, 0.7775, 0.9009, 0.9877, 0.8459, 0.6398),
        (0.8269, 0.8730, 0.9798, 1.6721, 0.9344, 0.8707),
    ]
    for step, row in zip(steps, published, strict=True):
        got = tuple(round(step["values"][q][0], 4) for q in "figcoh")
        assert got == row
    assert round(steps[-1]["values"]["y"][0], 4) == 3.4827


def test_seed_001_question_2_as_in_design():
    data = solved("seed001_q2_given_gates.yaml")
    step = data["steps"][0]
    assert step["t"] == 2 and step["x"] == [0.0, 2.0]
    assert sorted(step["given"]) == ["f", "i", "o"]
    assert rounded(step["values"]["g"], 5) == [1.0, 1.0]
    assert rounded(step["values"]["c"], 5) == [1.14729, 2.13622]
    assert rounded(step["values"]["h"], 5) == [0.27228, 0.97248]
    assert rounded(step["pre_activations"]["g"], 4) == [13.5351, 13.7612]
    # The handwritten answer h_t[2] = 0.9719 is a slip: it is 0.9725.
    assert round(step["values"]["h"][1], 4) == 0.9725


def test_seed_001_question_1_input_gate_saturates():
    step = solved("seed001_q1_embedding_input_gate.yaml")["steps"][0]
    assert step["x"] == [2.0, 3.0, 3.0, 4.0]  # row 2 of the target weight matrix
    pre = step["pre_activations"]["i"]
    assert pre == pytest.approx([48.64, 53.12, 47.4, 30.2])
    assert all(30 <= z <= 53.2 for z in pre)
    assert rounded(step["values"]["i"], 4) == [1.0] * 4  # not [0.017, 0.980, 0.003, 0]
    assert rounded(step["values"]["c"], 4) == [2.0, 2.0, 2.0, 1.99]
