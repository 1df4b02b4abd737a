"""The JSON Schema knows the courses' own forms (issue 17): every file using them
validates (and writes back as itself), and what the reader refuses, the schema refuses."""

from __future__ import annotations

import pytest
import yaml
from conftest import PROBLEMS, ROOT, problem_text, require

from lstm_solver import ProblemError, load_problem, parse_problem
from lstm_solver.schema import load

FILES = sorted((ROOT / "tests" / "published").glob("*.yaml")) + sorted(
    p for p in PROBLEMS.glob("*.yaml") if any(k in p.read_text() for k in (
        "packed:", "batch:", "peephole:", "projection:", "coupled:", "round:", "forget_bias:",
        "initial_state:", "round_half: truncate")))


@pytest.fixture(scope="module")
def validator():
    jsonschema = require("jsonschema")
    return jsonschema.Draft202012Validator(load())


def errors(validator, data) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(data)]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_files_with_the_new_keys_validate_and_write_back_as_themselves(validator, path):
    assert errors(validator, yaml.safe_load(path.read_text())) == []
    problem = load_problem(path)
    written = problem.to_yaml()
    assert errors(validator, yaml.safe_load(written)) == [], written
    assert parse_problem(written, problem.file) == problem


def test_there_is_a_file_for_every_new_key():
    text = "".join(p.read_text() for p in FILES)
    for key in ("packed:", "batch:", "peephole:", "projection:", "coupled:", "round:",
                "forget_bias:", "initial_state:", "round_half: down", "round_half: truncate",
                "order: pytorch", "order: keras", "order: cs231n", "order: tensorflow"):
        assert key in text, key


LSTM = {"cell": "lstm", "gates": {"forget": {"W": [[1]], "U": [[1]]}}, "x": [1]}
PACKED = {"order": "ifgo", "W_x": [[1], [2], [3], [4]], "W_h": [[1], [2], [3], [4]]}
REFUSED = {
    "a peephole on a GRU": {"cell": "gru", "peephole": {"forget": [1]}, "x": [1],
                            "gates": {"reset": {"W": [[1]], "U": [[1]]}}},
    "forget_bias on an RNN": {"cell": "rnn", "forget_bias": 1, "x": [1],
                              "gates": {"h": {"W": [[1]], "U": [[1]]}}},
    "a peephole on the candidate": {**LSTM, "peephole": {"candidate": [1]}},
    "an empty peephole": {**LSTM, "peephole": {}},
    "a projection without W": {**LSTM, "projection": {}},
    "coupled as text": {**LSTM, "coupled": "yes please"},
    "packed and gates": {**LSTM, "packed": PACKED},
    "packed without order": {"cell": "lstm", "packed": {"W_x": [[1]], "W_h": [[1]]}, "x": [1]},
    "packed with an unknown letter": {"cell": "lstm", "packed": {**PACKED, "order": "ifgx"},
                                      "x": [1]},
    "a GRU's packed in LSTM letters": {"cell": "gru", "packed": {"order": "ifgo",
                                                                 "W_x": [[1]] * 3,
                                                                 "W_h": [[1]] * 3},
                                       "x": [1]},
    "a batch and x": {**LSTM, "batch": [{"x": [1]}]},
    "a batch row with y": {**{k: v for k, v in LSTM.items() if k != "x"},
                           "batch": [{"x": [1], "y": [1]}]},
    "an empty batch": {**{k: v for k, v in LSTM.items() if k != "x"}, "batch": []},
    "round_half: nearest": {**LSTM, "round_half": "nearest"},
    "round to 16 digits": {**LSTM, "round": {"h": 16}},
    "a count's learned state in a problem": {**LSTM, "initial_state": "learned"},
    "a count's projection as a matrix": {"task": "count_parameters", "cell": "lstm",
                                         "hidden_size": 4, "input_size": 2,
                                         "projection": [[1]]},
    "a count's coupled GRU": {"task": "count_parameters", "cell": "gru", "hidden_size": 4,
                              "input_size": 2, "coupled": True},
    "a count's learnt state": {"task": "count_parameters", "cell": "gru", "hidden_size": 4,
                               "input_size": 2, "initial_state": "learnt"},
}


@pytest.mark.parametrize("what", REFUSED)
def test_what_the_reader_refuses_the_schema_refuses(validator, what):
    data = REFUSED[what]
    with pytest.raises(ProblemError):
        parse_problem(problem_text(data))
    assert errors(validator, data), f"the schema accepts {what}"
