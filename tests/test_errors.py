"""Bad input: one located message on stderr, exit code 2, never a traceback."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from click.testing import CliRunner

from lstm_solver.cli import main
from lstm_solver.errors import ProblemError
from lstm_solver.problem import parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve

GOOD_GATE = "gates:\n  input:\n    W: [[1, 2], [3, 4]]\n    U: [[1, 0], [0, 1]]\n"

# (file text, fragments the message must contain: line:column, key, expected, found)
CASES = {
    "yaml_syntax": ("cell: lstm\nx: [1, 2\n", ["bad.yaml:3:1", "YAML syntax error"]),
    "empty": ("", ["bad.yaml", "empty"]),
    "comment_only": ("# nothing here\n", ["empty"]),
    "top_level_list": ("- 1\n- 2\n", ["bad.yaml:1:1", "expected a mapping", "found a list"]),
    "top_level_scalar": ("lstm\n", ["expected a mapping", "'lstm'"]),
    "unknown_key": ("cell: lstm\nlayuot: split\nx: [1]\n",
                    ["bad.yaml:2:1", "layuot", "did you mean 'layout'"]),
    "unknown_gate": ("cell: lstm\ngates:\n  froget: {W: [[1]], U: [[1]]}\nx: [1]\n",
                     ["bad.yaml:3:3", "gates.froget", "did you mean 'forget'"]),
    "unknown_param": ("cell: lstm\ngates:\n  input: {W: [[1]], V: [[1]]}\nx: [1]\n",
                      ["gates.input.V", "unknown key 'V'", "expected one of: W, U, b, b_h"]),
    "unknown_cell": ("cell: lsmt\nx: [1]\n", ["bad.yaml:1:7", "cell", "did you mean 'lstm'"]),
    "missing_cell": ("x: [1]\n", ["missing required key 'cell'"]),
    "missing_x": ("cell: lstm\n" + GOOD_GATE, ["missing required key 'x'"]),
    "missing_U": ("cell: lstm\ngates:\n  input: {W: [[1]]}\nx: [1]\n",
                  ["bad.yaml:3:10", "gates.input", "missing 'U'"]),
    "ragged": ("cell: lstm\ngates:\n  input:\n    W: [[1, 2], [3]]\n    U: [[1], [1]]\nx: [1]\n",
               ["bad.yaml:4:17", "gates.input.W[1]", "ragged", "row 2 has 1"]),
    "shape_U": ("cell: lstm\ngates:\n  input:\n    W: [[1, 2], [3, 4]]\n"
                "    U: [[1, 2, 3], [4, 5, 6]]\nx: [1, 2]\n",
                ["bad.yaml:6:4", "x", "has 2 entries", "gates.input.U has 3 columns"]),
    "shape_W": ("cell: lstm\ngates:\n  input:\n    W: [[1, 2, 3], [3, 4, 5]]\n"
                "    U: [[1], [1]]\nx: [1]\n",
                ["bad.yaml:4:8", "gates.input.W", "is 2×3", "expected 2×2"]),
    "shape_bias": ("cell: lstm\n" + GOOD_GATE + "    b: [1, 2, 3]\nx: [1, 2]\n",
                   ["gates.input.b", "has 3 entries", "hidden size"]),
    "hidden_mismatch": ("cell: lstm\n" + GOOD_GATE + "  forget: {W: [[1]], U: [[1, 1]]}\n"
                        "x: [1, 2]\n", ["gates.forget.W", "has 1 rows", "same hidden size"]),
    "initial_length": ("cell: lstm\n" + GOOD_GATE + "initial: {h: [1, 2, 3]}\nx: [1, 2]\n",
                       ["bad.yaml:6:14", "initial.h", "has 3 entries"]),
    "not_a_number": ("cell: lstm\ngates:\n  input:\n    W: [[1, x2], [3, 4]]\n"
                     "    U: [[1], [1]]\nx: [1]\n",
                     ["bad.yaml:4:13", "gates.input.W[0][1]", "expected a number", "'x2'"]),
    "boolean": ("cell: lstm\n" + GOOD_GATE + "x: [yes, 2]\n",
                ["x[0]", "expected a number, found true"]),
    "nan": ("cell: lstm\n" + GOOD_GATE + "x: [.nan, 2]\n", ["x[0]", "finite", "nan"]),
    "inf_text": ("cell: lstm\n" + GOOD_GATE + "x: ['-inf', 2]\n", ["x[0]", "finite"]),
    "python_tag": ("cell: lstm\ngates:\n  input:\n    W: !!python/object/apply:os.system [ls]\n",
                   ["bad.yaml:4:8", "gates.input.W", "tag", "not allowed"]),
    "custom_tag": ("cell: !lstm lstm\nx: [1]\n", ["tag", "not allowed"]),
    "duplicate_key": ("cell: lstm\ncell: gru\nx: [1]\n", ["bad.yaml:2:1", "appears twice"]),
    "stack_with_split": ("cell: lstm\nstack: [x, h]\n" + GOOD_GATE + "x: [1, 2]\n",
                         ["stack", "applies to 'layout: concat' only"]),
    "bad_stack": ("cell: lstm\nlayout: concat\nstack: [h, y]\nx: [1]\n",
                  ["stack", "expected h and x"]),
    "bias_twice": ("cell: lstm\nlayout: concat\nstack: [h, x, 1]\ngates:\n"
                   "  input: {W: [[1, 1, 1]], b: [1]}\nx: [1]\n",
                   ["gates.input.b", "bias is a column of W"]),
    "decimals": ("cell: lstm\n" + GOOD_GATE + "x: [1, 2]\ndecimals: 99\n",
                 ["decimals", "from 0 to 15", "99"]),
    "carry": ("cell: lstm\n" + GOOD_GATE + "x: [1, 2]\ncarry: exactly\n",
              ["carry", "expected one of: exact, rounded", "did you mean 'exact'"]),
    "given_per_step": ("cell: lstm\n" + GOOD_GATE + "x: [[1, 2], [3, 4]]\ngiven: {f: [1, 1]}\n",
                       ["given.f", "2 steps", "one vector per step"]),
    "token_range": ("cell: lstm\n" + GOOD_GATE + "embedding: [[1, 2], [3, 4]]\ntokens: [0, 7]\n",
                    ["tokens[1]", "from 0 to 1", "7"]),
    "tokens_without_embedding": ("cell: lstm\n" + GOOD_GATE + "tokens: [0]\n",
                                 ["tokens", "needs an 'embedding'"]),
    "embedding_dim": ("cell: lstm\n" + GOOD_GATE + "embedding: [[1, 2, 3]]\nx: [1]\n",
                      ["embedding", "x_t needs 2"]),
    "output_V": ("cell: lstm\n" + GOOD_GATE + "x: [1, 2]\noutput_layer: {V: [[1, 2, 3]]}\n",
                 ["output_layer.V", "has 3 columns", "h_t has 2"]),
    "output_activation": ("cell: lstm\n" + GOOD_GATE + "x: [1, 2]\n"
                          "output_layer: {V: [[1, 2]], activation: softmx}\n",
                          ["output_layer.activation", "did you mean 'softmax'"]),
    "option_wrong_cell": ("cell: lstm\nreset: after\n" + GOOD_GATE + "x: [1, 2]\n",
                          ["bad.yaml:2:1", "reset", "applies to cell: gru only"]),
    "option_value": ("cell: gru\nz_multiplies: new\nx: [1]\n",
                     ["z_multiplies", "expected one of: previous, candidate"]),
    "rnn_activation": ("cell: rnn\nactivation: tahn\nx: [1]\n",
                       ["activation", "did you mean 'tanh'"]),
    "gru_gate_name": ("cell: gru\ngates:\n  forget: {W: [[1]], U: [[1]]}\nx: [1]\n",
                      ["gates.forget", "expected one of: reset, r, update, z, u"]),
    "layers_and_gates": ("cell: lstm\n" + GOOD_GATE + "layers: []\nx: [1, 2]\n",
                         ["gates", "with 'layers', give 'gates' inside each layer"]),
    "layers_empty": ("cell: lstm\nlayers: []\nx: [1]\n", ["layers", "expected a list"]),
    "layer_without_gates": ("cell: rnn\nlayers:\n  - gates: {h: {W: [[1]], U: [[1]]}}\n"
                            "  - initial: {h: [1]}\nx: [1]\n",
                            ["layers[1]", "missing 'gates'"]),
    "layer_sizes": ("cell: rnn\nlayers:\n  - gates: {h: {W: [[1, 0], [0, 1]], U: [[1], [1]]}}\n"
                    "  - gates: {h: {W: [[1]], U: [[1, 2, 3]]}}\nx: [1]\n",
                    ["bad.yaml:4:30", "layers[1].gates.h.U", "gives x_t 3 entries",
                     "layer 2 reads h_t of layer 1, which has 2"]),
    "bidirectional_missing_backward": (
        "cell: rnn\nbidirectional: true\nforward: {gates: {h: {W: [[1]], U: [[1]]}}}\n"
        "x: [1]\n", ["missing 'backward'"]),
    "forward_without_bidirectional": (
        "cell: rnn\nforward: {gates: {h: {W: [[1]], U: [[1]]}}}\nx: [1]\n",
        ["forward", "needs bidirectional: true"]),
    "bidirectional_not_bool": ("cell: rnn\nbidirectional: maybe\nx: [1]\n",
                               ["bidirectional", "expected true or false"]),
    "given_with_layers": ("cell: rnn\nlayers:\n  - gates: {h: {W: [[1]], U: [[1]]}}\n"
                          "  - gates: {h: {W: [[1]], U: [[1]]}}\ngiven: {h: [1]}\nx: [1]\n",
                          ["given", "one-layer, one-direction"]),
    "bidirectional_output_size": (
        "cell: rnn\nbidirectional: true\nforward: {gates: {h: {W: [[1]], U: [[1]]}}}\n"
        "backward: {gates: {h: {W: [[1]], U: [[1]]}}}\noutput_layer: {V: [[1]]}\nx: [1]\n",
        ["output_layer.V", "has 1 columns but h_t has 2"]),
    "marks_unknown": ("cell: lstm\n" + GOOD_GATE + "x: [1, 2]\nmarks: {hh: 2}\n",
                      ["bad.yaml:7:9", "marks.hh", "did you mean 'h'"]),
    "marks_negative": ("cell: lstm\n" + GOOD_GATE + "x: [1, 2]\nmarks: {h: -2}\n",
                       ["marks.h", "from 0 to 1,000,000", "-2"]),
    "marks_not_asked": ("cell: lstm\n" + GOOD_GATE + "x: [1, 2]\nask: [h]\nmarks: {c: 1}\n",
                        ["marks.c", "does not ask for it (ask: h)"]),
    "marks_given": ("cell: lstm\n" + GOOD_GATE + "x: [1, 2]\ngiven: {f: [1, 1]}\n"
                    "marks: {f: 1}\n", ["marks.f", "given in the question"]),
    "marks_step": ("cell: lstm\n" + GOOD_GATE + "x: [1, 2]\nmarks: {h: {3: 1}}\n",
                   ["marks.h[3]", "expected a step of the problem (t = 1)"]),
    "marks_text": ("cell: lstm\n" + GOOD_GATE + "x: [1, 2]\nmarks: {h: lots}\n",
                   ["marks.h", "expected a number", "'lots'"]),
    "marks_list": ("cell: lstm\n" + GOOD_GATE + "x: [1, 2]\nmarks: [1, 2]\n",
                   ["marks", "expected a mapping of quantities to marks"]),
    "student_list": ("cell: lstm\n" + GOOD_GATE + "x: [1, 2]\nstudent: [Ada]\n",
                     ["student", "expected text, found a list"]),
    "alias_bomb": ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n"
        for i in range(8)), ["more than 1,000,000 values"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_gives_located_message_and_exit_2(tmp_path, name):
    text, fragments = CASES[name]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, [str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output + result.stderr
    assert result.stdout == ""
    message = result.stderr
    assert message.startswith("error: ") and message.count("\n") == 1
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_missing_file(tmp_path):
    result = CliRunner().invoke(main, [str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml: no such file" in result.stderr


def test_folder_instead_of_file(tmp_path):
    result = CliRunner().invoke(main, [str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("cell: lstm\ntitle: caf\xe9\n".encode("latin-1"))
    result = CliRunner().invoke(main, [str(path)])
    assert result.exit_code == 2 and "not UTF-8" in result.stderr


def test_oversized_matrix_is_refused(tmp_path):
    path = tmp_path / "wide.yaml"
    path.write_text("cell: lstm\ngates:\n  input:\n    W: [[" + ", ".join(["1"] * 5000) +
                    "]]\n    U: [[1]]\nx: [1]\n")
    result = CliRunner().invoke(main, [str(path)])
    assert result.exit_code == 2
    assert "gates.input.W: a 1×5000 matrix is larger than this tool handles" in result.stderr


def test_too_many_values_are_refused_before_parsing(tmp_path):
    row = "[" + ", ".join(["1"] * 1100) + "]"
    path = tmp_path / "big.yaml"
    path.write_text("cell: lstm\ngates:\n  input:\n    W: [" + ", ".join([row] * 950) +
                    "]\n    U: [[1]]\nx: [1]\n")
    result = CliRunner().invoke(main, [str(path)])
    assert result.exit_code == 2
    assert "more than 1,000,000 values" in result.stderr


def test_huge_finite_values_give_no_nan_and_no_warning():
    """1e300 inputs: σ and tanh saturate exactly; a product beyond float64 is ±inf, never NaN."""
    gate = "{W: [[1, -2], [2, 1]], U: [[3, 1.0e+300], [1, 1]], b: ['1e300', -1.0e+300]}"
    text = ("cell: lstm\ngates:\n"
            + "".join(f"  {g}: {gate}\n" for g in ("input", "forget", "candidate", "output"))
            + "initial: {h: [1.0e+300, -1.0e+300], c: [1.0e+300, 2]}\n"
            + "x: [[1.0e+300, -1.0e+300], [1, 2]]\n"
            + "output_layer: {V: [[1.0e+300, 1], [1, -1.0e+300]], activation: softmax}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        derivation = solve(parse_problem(text))
        result = to_dict(derivation)
        CliRunner().invoke(main, ["--help"])
    for step in derivation.steps:
        for q in step.quantities:
            assert not np.isnan(q.value).any(), (step.t, q.short, q.value)
    for step in result["steps"]:
        for gate in "ifo":
            assert all(0 <= v <= 1 for v in step["values"][gate])
        assert all(-1 <= v <= 1 for v in step["values"]["g"])
        np.testing.assert_allclose(sum(step["values"]["y"]), 1.0)
    # row 1 is -1e600 (σ = 0 exactly); row 2 cancels to 0 (σ = 1/2)
    assert result["steps"][0]["values"]["i"] == [0.0, 0.5]


def test_huge_values_render_without_traceback(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("cell: lstm\ngates:\n  input: {W: [[1.0e+300]], U: [[1.0e+300]]}\n"
                    "initial: {h: [1.0e+300]}\nx: [1.0e+300]\n")
    result = CliRunner().invoke(main, [str(path)])
    assert result.exit_code == 0, result.stderr
    assert "σ(∞) = 1.0000" in result.stdout


BASE = {"cell": "lstm", "layout": "split",
        "gates": {"input": {"W": [[1, 2], [3, 4]], "U": [[1], [2]], "b": [0, 1]}},
        "initial": {"h": [0.1, 0.2], "c": [0, 1]}, "x": [1], "given": {"f": [1, 1]},
        "output_layer": {"V": [[1, 2]], "c": [0], "activation": "softmax"}, "decimals": 3,
        "ask": ["h"], "title": "T", "marks": {"h": 2}, "student": "Ada"}
WEIRD = [None, 5, "abc", [], [[]], {}, {"a": 1}, [1, "x"], True, -1, 1.5, [[1, 2], [3]],
         "1 2\n3"]


def _paths(d, path=()):
    for k, v in d.items():
        yield path + (k,)
        if isinstance(v, dict):
            yield from _paths(v, path + (k,))


@pytest.mark.parametrize("path", list(_paths(BASE)), ids=".".join)
def test_any_odd_value_anywhere_gives_a_message_not_a_traceback(path):
    """Every key of a full problem, set to each of a dozen odd values."""
    import copy

    import yaml

    for odd in WEIRD:
        data = copy.deepcopy(BASE)
        cur = data
        for key in path[:-1]:
            cur = cur[key]
        cur[path[-1]] = odd
        try:
            to_dict(solve(parse_problem(yaml.safe_dump(data), "odd.yaml")))
        except ProblemError as exc:
            assert str(exc).startswith("odd.yaml")
