"""task: count_parameters, against the seeds' answers and PyTorch's own counts."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import PROBLEMS, problem_text

from lstm_solver.cli import main
from lstm_solver.counting import count
from lstm_solver.problem import load_problem, parse_problem


def counted(**keys) -> int:
    return count(parse_problem(problem_text({"task": "count_parameters", **keys}))).total


def test_seed_000_lstm_word_predictor():
    derivation = count(load_problem(PROBLEMS / "count_seed000_lstm.yaml"))
    assert derivation.total == 4400
    assert derivation.formula == "20×10×4 + 20×20×4 + 100×20"


def test_seed_001_rnn_with_embedding():
    derivation = count(load_problem(PROBLEMS / "count_seed001_rnn.yaml"))
    assert derivation.total == 143
    assert {(i.name, i.shape) for i in derivation.items} == {
        ("E", (8, 6)), ("W_h", (5, 5)), ("U_h", (5, 6)), ("V", (8, 5))}


MODULES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}


@pytest.mark.parametrize("cell", MODULES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_matches_pytorch_numel(torch, cell, bias, layers, bidirectional):
    H, X = 7, 5
    module = getattr(torch.nn, MODULES[cell])(X, H, num_layers=layers, bias=bias,
                                              bidirectional=bidirectional)
    expected = sum(p.numel() for p in module.parameters())
    assert counted(cell=cell, hidden_size=H, input_size=X, layers=layers,
                   bidirectional=bidirectional, bias="double" if bias else False) == expected


@pytest.mark.parametrize("bias", [True, False])
def test_embedding_and_output_layer_match_pytorch(torch, bias):
    vocab, dim, H, out = 11, 4, 6, 9
    parts = [torch.nn.Embedding(vocab, dim), torch.nn.GRU(dim, H, bias=bias,
                                                          bidirectional=True),
             torch.nn.Linear(2 * H, out, bias=bias)]
    expected = sum(p.numel() for m in parts for p in m.parameters())
    assert counted(cell="gru", hidden_size=H, embedding={"vocab": vocab, "dim": dim},
                   output_size=out, bidirectional=True,
                   bias="double" if bias else False) == expected


def test_one_bias_per_gate_and_what_pytorch_says():
    derivation = count(parse_problem(problem_text({
        "task": "count_parameters", "cell": "lstm", "hidden_size": 3, "input_size": 2})))
    assert derivation.total == 4 * (3 * 2 + 3 * 3 + 3)
    assert "PyTorch (nn.LSTM with bias=True) would report 84" in derivation.notes[0]  # 72 + 12


def test_gru_notes_name_keras_reset_after():
    derivation = count(parse_problem(problem_text({
        "task": "count_parameters", "cell": "gru", "hidden_size": 3, "input_size": 2})))
    assert any("Keras (GRU with reset_after=True" in note for note in derivation.notes)


def test_json_contract():
    result = CliRunner().invoke(main, [str(PROBLEMS / "count_seed000_lstm.yaml"),
                                       "--format", "json"])
    data = json.loads(result.stdout)
    assert data["format"] == "lstm-solve/1" and data["task"] == "count_parameters"
    assert data["parameters"]["total"] == 4400
    first = data["parameters"]["breakdown"][0]
    assert set(first) == {"name", "shape", "count"} and first["count"] == 400
    assert sum(b["count"] for b in data["parameters"]["breakdown"]) == 4400


def test_terminal_shows_the_sum_as_the_notes_write_it():
    result = CliRunner().invoke(main, [str(PROBLEMS / "count_seed000_lstm.yaml")])
    assert "Total = 20×10×4 + 20×20×4 + 100×20 = 4,400" in result.stdout
    assert "W_i" in result.stdout and "100×20" in result.stdout


@pytest.mark.parametrize("text,fragment", [
    ("task: count\ncell: lstm\n", "expected one of: count_parameters"),
    ("task: count_parameters\ncell: lstm\ninput_size: 3\n", "missing required key 'hidden_size'"),
    ("task: count_parameters\ncell: lstm\nhidden_size: 3\n", "missing required key 'input_size'"),
    ("task: count_parameters\ncell: lstm\nhidden_size: 3\ninput_size: 2\nbias: maybe\n",
     "expected true, false or double"),
    ("task: count_parameters\ncell: lstm\nhidden_size: 0\ninput_size: 2\n", "hidden_size"),
    ("task: count_parameters\ncell: lstm\nhidden_size: 3\ninput_size: 2\nx: [1]\n",
     "unknown key 'x'"),
])
def test_bad_count_questions(tmp_path, text, fragment):
    path = tmp_path / "q.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, [str(path)])
    assert result.exit_code == 2 and fragment in result.stderr, result.stderr


ODD = [None, 5, "abc", [], [[]], {}, {"a": 1}, [1, "x"], True, -1, 1.5, "1 2\n3", 0, 10**12]


@pytest.mark.parametrize("key", ["cell", "hidden_size", "input_size", "output_size", "bias",
                                 "layers", "bidirectional", "embedding", "reset"])
def test_odd_values_give_messages(key):
    from lstm_solver.errors import ProblemError

    base = {"task": "count_parameters", "cell": "gru", "hidden_size": 3, "output_size": 4,
            "bias": "double", "layers": 2, "bidirectional": True,
            "embedding": {"vocab": 5, "dim": 2}, "reset": "after"}
    for odd in ODD:
        try:
            count(parse_problem(problem_text({**base, key: odd}), "q.yaml"))
        except ProblemError as exc:
            assert str(exc).startswith("q.yaml")
