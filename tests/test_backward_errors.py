"""Bad backward-pass keys (loss, upstream, clip, learning_rate): one located message,
exit code 2, never a traceback; and odd values anywhere in them."""

from __future__ import annotations

import copy

import pytest
import yaml
from click.testing import CliRunner

from lstm_solver.cli import main
from lstm_solver.errors import ProblemError
from lstm_solver.problem import parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve

LSTM = ("cell: lstm\ngates:\n  input: {W: [[1, 2], [3, 4]], U: [[1], [0]]}\n"
        "  forget: {W: [[1, 0], [0, 1]], U: [[1], [1]]}\n"
        "  candidate: {W: [[1, 0], [0, 1]], U: [[1], [1]]}\n"
        "  output: {W: [[1, 0], [0, 1]], U: [[1], [1]]}\nx: [[1], [2]]\n")
OUT = "output_layer: {V: [[1, 2], [0, 1], [1, 1]], activation: softmax}\n"

CASES = {
    "loss_not_mapping": (LSTM + "loss: 5\n", ["bad.yaml:8:7", "loss", "expected a mapping"]),
    "loss_unknown_key": (LSTM + "loss: {kind: squared_error, target: [1, 2]}\n",
                         ["loss.target", "did you mean 'targets'"]),
    "loss_kind": (LSTM + "loss: {kind: l2, targets: [[1, 2], [1, 2]]}\n",
                  ["bad.yaml:8:14", "loss.kind", "half_squared_error", "found 'l2'"]),
    "loss_on": (LSTM + "loss: {on: x, targets: [[1, 2], [1, 2]]}\n",
                ["loss.on", "expected one of: h, y", "'x'"]),
    "loss_on_y_without_output": (LSTM + "loss: {on: y, targets: [0, 1]}\n",
                                 ["loss.on", "no output_layer"]),
    "cross_entropy_without_softmax": (
        LSTM + "output_layer: {V: [[1, 2]], activation: sigmoid}\n"
        "loss: {kind: cross_entropy, targets: [0, 0]}\n",
        ["loss.kind", "needs a softmax output layer", "activation: sigmoid"]),
    "cross_entropy_on_h": (LSTM + "loss: {kind: cross_entropy, on: h, targets: [0, 1]}\n",
                           ["loss.kind", "softmax", "on: h"]),
    "targets_missing": (LSTM + "loss: {kind: squared_error}\n",
                        ["loss", "missing 'targets'"]),
    "targets_count": (LSTM + "loss: {targets: [[1, 2], [1, 2], [3, 4]]}\n",
                      ["loss.targets", "has 3 targets", "2 (one per step)"]),
    "targets_one_vector": (LSTM + "loss: {targets: [1, 2]}\n",
                           ["loss.targets", "one vector", "2 (one per step)"]),
    "targets_size": (LSTM + "loss: {targets: [[1, 2], [1, 2, 3]]}\n",
                     ["bad.yaml:8:26", "loss.targets[1]", "has 3 entries", "h_t has 2"]),
    "targets_size_y": (LSTM + OUT + "loss: {kind: squared_error, targets: [[1, 2], [1, 2]]}\n",
                       ["loss.targets[0]", "has 2 entries", "y_t has 3", "V has 3 rows"]),
    "targets_not_numbers": (LSTM + "loss: {targets: [[1, a], [1, 2]]}\n",
                            ["loss.targets[0][1]", "expected a number", "'a'"]),
    "class_range": (LSTM + OUT + "loss: {kind: cross_entropy, targets: [0, 3]}\n",
                    ["loss.targets[1]", "class index from 0 to 2", "found 3"]),
    "class_fraction": (LSTM + OUT + "loss: {kind: cross_entropy, targets: [0, 1.5]}\n",
                       ["loss.targets[1]", "class index"]),
    "not_one_hot": (LSTM + OUT + "loss: {kind: cross_entropy, targets: [[0, 1, 1], 0]}\n",
                    ["loss.targets[0]", "one-hot", "[0, 1, 1]"]),
    "loss_steps": (LSTM + "loss: {steps: first, targets: [[1, 2], [1, 2]]}\n",
                   ["loss.steps", "expected one of: all, last"]),
    "last_step_count": (LSTM + "loss: {steps: last, targets: [[1, 2], [1, 2], [1, 2]]}\n",
                        ["loss.targets", "1 (for the last step) or 2"]),
    "loss_and_upstream": (LSTM + "loss: {targets: [[1, 2], [1, 2]]}\nupstream: {h: [1, 2]}\n",
                          ["bad.yaml:9:1", "upstream", "either 'loss' or 'upstream'"]),
    "upstream_size": (LSTM + "upstream: {h: [1, 2, 3]}\n",
                      ["upstream.h", "has 3 entries", "hidden size"]),
    "upstream_missing_h": (LSTM + "upstream: {c: [1, 2]}\n", ["upstream", "missing 'h'"]),
    "upstream_c_for_gru": ("cell: gru\ngates:\n  reset: {W: [[1]], U: [[1]]}\nx: [1]\n"
                           "upstream: {h: [1], c: [1]}\n",
                           ["upstream.c", "unknown key 'c'", "expected one of: h"]),
    "upstream_not_mapping": (LSTM + "upstream: [1, 2]\n",
                             ["upstream", "expected a mapping", "found a list"]),
    "clip_without_loss": (LSTM + "clip: {max_norm: 1}\n",
                          ["bad.yaml:8:1", "clip", "needs a loss"]),
    "rate_without_loss": (LSTM + "learning_rate: 0.1\n", ["learning_rate", "needs a loss"]),
    "clip_missing_max_norm": (LSTM + "upstream: {h: [1, 2]}\nclip: {}\n",
                              ["clip", "missing 'max_norm'"]),
    "clip_unknown_key": (LSTM + "upstream: {h: [1, 2]}\nclip: {maxnorm: 1}\n",
                         ["clip.maxnorm", "did you mean 'max_norm'"]),
    "clip_negative": (LSTM + "upstream: {h: [1, 2]}\nclip: {max_norm: -1}\n",
                      ["clip.max_norm", "positive number", "-1"]),
    "clip_text": (LSTM + "upstream: {h: [1, 2]}\nclip: {max_norm: big}\n",
                  ["clip.max_norm", "expected a number"]),
    "rate_zero": (LSTM + "upstream: {h: [1, 2]}\nlearning_rate: 0\n",
                  ["learning_rate", "positive number"]),
    "rate_list": (LSTM + "upstream: {h: [1, 2]}\nlearning_rate: [0.1]\n",
                  ["learning_rate", "expected a number"]),
    "bidirectional_upstream": (
        "cell: rnn\nbidirectional: true\nforward: {gates: {h: {W: [[1]], U: [[1]]}}}\n"
        "backward: {gates: {h: {W: [[1]], U: [[1]]}}}\nx: [1]\nupstream: {h: [1]}\n",
        ["upstream", "one direction"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_backward_keys(tmp_path, name):
    text, fragments = CASES[name]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, [str(path)])
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output + result.stderr
    message = result.stderr
    assert message.startswith("error: ") and message.count("\n") == 1, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_on_is_the_string_on_not_true():
    """YAML 1.1 reads a plain `on:` as true; in a loss it is the key "on"."""
    p = parse_problem(LSTM + "loss: {on: h, targets: [[1, 2], [0, 1]]}\n")
    assert p.training.loss.on == "h"
    p = parse_problem(LSTM + OUT + "loss:\n  on: y\n  kind: cross_entropy\n  targets: [2, 0]\n")
    assert p.training.loss.on == "y" and p.training.loss.classes == (2, 0)


def test_target_forms():
    p = parse_problem(LSTM + OUT + "loss: {kind: cross_entropy, targets: [[0, 0, 1], 1]}\n")
    assert p.training.loss.classes == (2, 1)
    assert p.training.loss.targets[0].exact == (0, 0, 1)
    one = "cell: rnn\ngates: {h: {W: [[1]], U: [[1]]}}\nx: [1, 2, 3]\n"
    p = parse_problem(one + "loss: {targets: [0.5, 1, 2]}\n")  # size 1: a number a step
    assert [t.exact[0] for t in p.training.loss.targets] == [0.5, 1, 2]
    p = parse_problem(one + "loss: {steps: last, targets: 2}\n")
    assert p.training.loss.targets[:2] == (None, None) and p.training.loss.counted == [2]
    p = parse_problem(one + "loss: {steps: last, targets: [1, 2, 3]}\n")  # one per step
    assert p.training.loss.counted == [2] and p.training.loss.targets[2].exact == (3,)
    p = parse_problem(LSTM + "loss: {targets: \"1 2\\n3 4\"}\n")  # pasted text
    assert p.training.loss.targets[1].exact == (3, 4)
    p = parse_problem(LSTM + "upstream: {h: [1, 2], C: [0, 1]}\nclip: {max_norm: '1/2'}\n"
                      "learning_rate: 0.01\n")
    assert set(p.training.upstream) == {"h", "c"} and str(p.training.max_norm) == "1/2"


BASE = {"cell": "lstm",
        "gates": {"input": {"W": [[1, 2], [3, 4]], "U": [[1], [2]], "b": [0, 1]}},
        "given": {"f": [0.5, 0.5], "g": [0.1, -0.2], "o": [0.9, 0.8]},
        "initial": {"h": [0.1, 0.2], "c": [0, 1]}, "x": [[1], [2]],
        "output_layer": {"V": [[1, 2], [0, 1]], "c": [0, 0], "activation": "softmax"},
        "loss": {"kind": "cross_entropy", "on": "y", "targets": [0, 1], "steps": "all"},
        "clip": {"max_norm": 1}, "learning_rate": 0.1}
WEIRD = [None, 5, "abc", [], [[]], {}, {"a": 1}, [1, "x"], True, -1, 1.5, [[1, 2], [3]],
         "1 2\n3", 10**400, "1/0", [[[1]]], {"h": [1, 2]}]


def _paths(d, path=()):
    for k, v in d.items():
        yield path + (k,)
        if isinstance(v, dict):
            yield from _paths(v, path + (k,))


@pytest.mark.parametrize("path", [p for p in _paths(BASE) if p[0] in (
    "loss", "clip", "learning_rate")], ids=".".join)
def test_odd_values_in_backward_keys(path):
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


@pytest.mark.parametrize("odd", WEIRD, ids=str)
def test_odd_upstream(odd):
    data = copy.deepcopy(BASE)
    del data["loss"]
    data["upstream"] = {"h": odd}
    try:
        to_dict(solve(parse_problem(yaml.safe_dump(data), "odd.yaml")))
    except ProblemError as exc:
        assert str(exc).startswith("odd.yaml")


def test_huge_values_give_no_nan_and_no_warning():
    """1e300 inputs through the backward pass: ±inf where float64 ends, never NaN or a
    warning; the JSON stays valid."""
    import json
    import warnings

    import numpy as np

    from lstm_solver.render.json import render

    gate = "{W: [[1, -2], [2, 1]], U: [[3, 1.0e+300], [1, 1]], b: ['1e300', -1.0e+300]}"
    text = ("cell: lstm\ngates:\n"
            + "".join(f"  {g}: {gate}\n" for g in ("input", "forget", "candidate", "output"))
            + "initial: {h: [1.0e+300, -1.0e+300], c: [1.0e+300, 2]}\n"
            + "x: [[1.0e+300, -1.0e+300], [1, 2]]\n"
            + "output_layer: {V: [[1.0e+300, 1], [1, -1.0e+300]], activation: softmax}\n"
            + "loss: {kind: cross_entropy, targets: [0, 1]}\nclip: {max_norm: 1}\n"
            + "learning_rate: 0.1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        derivation = solve(parse_problem(text))
        data = json.loads(render(derivation))
    b = derivation.backward
    for step in b.steps:
        for q in step.quantities:
            assert not np.isnan(q.value).any(), (step.t, q.short)
    for g in b.gradients:
        assert not np.isnan(g.gradient.value).any() and not np.isnan(g.update.value).any()
    assert "NaN" not in json.dumps(data)


def test_the_schema_describes_the_backward_keys():
    """The editor's JSON Schema accepts what the reader reads and refuses what it refuses."""
    from conftest import _require

    from lstm_solver.schema import load

    jsonschema = _require("jsonschema")
    validator = jsonschema.Draft202012Validator(load())
    good = {"cell": "rnn", "gates": {"h": {"W": [[1]], "U": [[1]]}}, "x": [1, 2],
            "loss": {"kind": "squared_error", "on": "h", "targets": [0.5, 1], "steps": "last"},
            "clip": {"max_norm": "1/2"}, "learning_rate": 0.1, "ask": ["h", "dh", "grad"]}
    assert list(validator.iter_errors(good)) == []
    for bad in ({"upstream": {"h": [1]}}, {"loss": None, "clip": {"max_norm": 1}},
                {"loss": {"kind": "l2", "targets": [1, 2]}}, {"clip": {"max_norm": -1}},
                {"loss": {"targets": [1, 2], "target": 1}}, {"ask": ["grads"]}):
        data = {**good, **bad}
        data = {k: v for k, v in data.items() if v is not None}
        assert list(validator.iter_errors(data)), bad
        with pytest.raises(ProblemError):
            parse_problem(yaml.safe_dump(data))
