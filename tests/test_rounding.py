"""Rounding as a course asks (issue 17): round: [h] rounds only the named quantities
before they are carried; round_half: down (halves toward 0) and truncate."""

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
from lstm_solver.numbers import Rounding
from lstm_solver.problem import parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve

# An LSTM whose output gate is σ(0) = 0.5 exactly whenever x_t = 0 (its weights are 0 on
# h_{t-1} and x_t is 0 or 1), and whose h_t is not a whole number.
HALF = {"cell": "lstm",
        "gates": {"input": {"W": [[0]], "U": [[0]], "b": [10]},
                  "forget": {"W": [[0]], "U": [[0]], "b": [10]},
                  "candidate": {"W": [[0.5]], "U": [[2]], "b": [0]},
                  "output": {"W": [[0]], "U": [[3]], "b": [0]}},
        "x": [1, 0, 0, 1], "decimals": 0, "round": ["h"]}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def by_hand(xs, round_every: bool):
    """The sequence worked in numpy: h rounded to a whole number at each step (half up);
    ``round_every``: every value rounded as soon as it is computed (carry: rounded)."""
    r = (lambda v: np.floor(v + 0.5)) if round_every else (lambda v: v)
    h = c = 0.0
    out = []
    for x in xs:
        i, f = r(sigmoid(10.0)), r(sigmoid(10.0))
        g = r(np.tanh(r(r(0.5 * h) + r(2.0 * x))))
        o = r(sigmoid(r(3.0 * x)))
        c = r(r(f * c) + r(i * g))
        h = np.floor(o * np.tanh(c) + 0.5) if not round_every else r(r(o * r(np.tanh(c))))
        out.append((o, h))
    return out


def test_round_h_keeps_gates_of_exactly_one_half():
    steps = to_dict(solve(parse_problem(problem_text(HALF))))["steps"]
    o = [s["values"]["o"][0] for s in steps]
    assert o[1] == o[2] == 0.5  # σ(0) stays 0.5: it is not carried rounded
    want = by_hand(HALF["x"], round_every=False)
    assert [s["values"]["h"][0] for s in steps] == [h for _, h in want]
    assert all(float(h).is_integer() for h in (s["values"]["h"][0] for s in steps))
    # rounding everything (carry: rounded alone) makes o = 1 and gives other h_t
    every = {k: v for k, v in HALF.items() if k != "round"} | {"carry": "rounded"}
    rounded = to_dict(solve(parse_problem(problem_text(every))))["steps"]
    assert [s["values"]["o"][0] for s in rounded][1:3] == [1.0, 1.0]
    assert [s["values"]["h"][0] for s in rounded] == [h for _, h in by_hand(HALF["x"], True)]
    assert [s["values"]["h"][0] for s in rounded] != [s["values"]["h"][0] for s in steps]


def test_round_with_digits_per_quantity_and_the_rest_carried_exactly():
    data = {**HALF, "decimals": 4, "round": {"h": 1, "c": 2}}
    steps = to_dict(solve(parse_problem(problem_text(data))))["steps"]
    for s in steps:
        assert s["values"]["h"][0] == round(s["values"]["h"][0], 1)
        assert s["values"]["c"][0] == round(s["values"]["c"][0], 2)
    assert steps[1]["values"]["o"] == [0.5]
    g = steps[0]["values"]["g"][0]
    assert g == np.tanh(2.0)  # not rounded


@pytest.mark.parametrize("fmt", ["terminal", "latex", "markdown", "html", "json"])
def test_the_round_step_shows_in_every_format(tmp_path, fmt):
    path = tmp_path / "q.yaml"
    path.write_text(problem_text(HALF))
    out = CliRunner().invoke(main, [str(path), "--format", fmt], env={"COLUMNS": "100"})
    assert out.exit_code == 0, out.stderr
    text = out.stdout
    if fmt == "json":
        assert "round: only h (to 0 decimals)" in " ".join(json.loads(text)["notes"])
        return
    plain = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    said = ("round: only h (to 0 decimals) is rounded before being carried" if fmt == "terminal"
            else "Round only h to 0 decimal places (a final 5 rounded up) before carrying it")
    assert said in plain, plain[:3000]
    if fmt == "terminal":
        assert "hₜ = round(oₜ ⊙ tanh(cₜ))" in text
        # the argument shown with more digits than the result: round(0.3808) = 0
        assert re.search(r"round\(0\.\d{4}\) = [01]\n", text), text
    elif fmt in ("latex", "markdown"):
        assert r"\operatorname{round}" in text
    else:
        assert "round" in plain


@pytest.mark.parametrize("mode,x,shown", [
    ("up", 0.125, "0.13"), ("even", 0.125, "0.12"), ("down", 0.125, "0.12"),
    ("truncate", 0.129, "0.12"), ("down", 0.126, "0.13"), ("truncate", -0.129, "-0.12"),
    ("down", -0.125, "-0.12"), ("up", -0.125, "-0.13"),
])
def test_round_half_modes(mode, x, shown):
    assert Rounding(2, mode).show(x) == shown


def test_truncating_sheet_carries_truncated_values():
    data = {"cell": "rnn", "gates": {"hidden": {"W": [[0.5]], "U": [[0.6]], "b": [0]}},
            "x": [1, 1], "decimals": 2, "carry": "rounded", "round_half": "truncate"}
    steps = to_dict(solve(parse_problem(problem_text(data))))["steps"]
    h1 = steps[0]["values"]["h"][0]
    assert h1 == 0.53  # tanh(0.6) = 0.537...
    # every value is written truncated: 0.5(0.53) = 0.265 -> 0.26, + 0.6 = 0.86
    assert steps[1]["pre_activations"]["h"][0] == 0.86
    assert steps[1]["values"]["h"][0] == 0.69  # tanh(0.86) = 0.6963..., truncated


def test_round_works_in_the_symbolic_path():
    from lstm_solver.symbolic import evaluate

    steps, _ = evaluate(parse_problem(problem_text({**HALF, "carry": "rounded"})))
    numeric = to_dict(solve(parse_problem(problem_text(HALF))))["steps"]
    assert [float(s["h"][0]) for s in steps] == [s["values"]["h"][0] for s in numeric]


BAD = [
    ({"round": ["h"], "carry": "exact"}, ["round", "carry: exact carries every value"]),
    ({"round": ["q"]}, ["round[0]", "unknown quantity 'q'"]),
    ({"round": {"h": 16}}, ["round.h", "expected a whole number from 0 to 15"]),
    ({"round": {"h": -1}}, ["round.h", "from 0 to 15"]),
    ({"round": {"hh": 1}}, ["round.hh", "did you mean 'h'"]),
    ({"round": ["y"]}, ["round[0]", "y needs an output_layer"]),
    ({"round": []}, ["round", "at least one"]),
    ({"round": ["h", "h"]}, ["round[1]", "named twice"]),
    ({"round": ["c", "C"]}, ["round[1]", "named twice"]),
    ({"round": 5}, ["round", "expected the quantities to round"]),
    ({"round_half": "nearest"}, ["round_half", "expected one of: up, even, down, truncate"]),
]


@pytest.mark.parametrize("change,fragments", BAD, ids=range(len(BAD)))
def test_bad_rounding_keys_are_refused_at_their_place(tmp_path, change, fragments):
    data = {k: v for k, v in HALF.items() if k != "round"} | change
    path = tmp_path / "q.yaml"
    path.write_text(problem_text(data))
    result = CliRunner().invoke(main, [str(path)])
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert re.search(r"q\.yaml:\d+:\d+: ", result.stderr), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


WEIRD = [None, 5, "abc", [], [[]], {}, {"a": 1}, [1, "x"], True, -1, 1.5, "h", ["h", None],
         {"h": "zero"}, {"h": None}, {"h": True}, "w" * 100_000, [[[["h"]]]], {"h": {"h": 1}},
         "\u202e\x00", 10**400, {None: 1}, {1: 1}]


def test_odd_values_in_round_give_a_message_not_a_traceback():
    for key, odd in itertools.product(("round", "round_half", "carry"), WEIRD):
        data = copy.deepcopy(HALF)
        data[key] = odd
        try:
            solve(parse_problem(yaml.safe_dump(data), "odd.yaml"))
        except ProblemError as exc:
            assert str(exc).startswith("odd.yaml"), str(exc)
