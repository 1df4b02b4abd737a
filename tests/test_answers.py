"""Answer files: the names students write, steps, layers and directions, and every
malformed file a located message (never a traceback)."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from conftest import PROBLEMS

from lstm_solver.answers import Slot, parse_answers
from lstm_solver.check import check
from lstm_solver.errors import ProblemError
from lstm_solver.problem import parse_problem

Q2 = PROBLEMS / "seed001_q2_given_gates.yaml"
SEQ = PROBLEMS / "sequence_scalar_output.yaml"
STACKED = PROBLEMS / "lstm_two_layers.yaml"
BIDI = PROBLEMS / "gru_bidirectional.yaml"
GRU_U = PROBLEMS / "gru_seed000_update_candidate.yaml"


def load(path):
    return parse_problem(path.read_text(), str(path))


def slots(text: str, path=Q2) -> dict:
    problem = load(path)
    answers = parse_answers(text, problem, "a.yaml")
    return {(s.layer, s.direction, problem.start + s.k, s.short): [
        None if x is None else float(x) for x in w.numbers]
        for s, w in answers.values.items()}


@pytest.mark.parametrize("key,short", [
    ("g", "g"), ("g_t", "g"), ("gt", "g"), ("G_t", "g"), ("c_tilde", "g"), ("C̃_t", "g"),
    ("\\tilde{C}_t", "g"), ("candidate", "g"), ("a_t", "g"),
    ("c", "c"), ("C_t", "c"), ("c_2", "c"), ("c2", "c"), ("c_{2}", "c"), ("C₂", "c"),
    ("Cₜ", "c"), ("s_t", "c"), ("cell_state", "c"),
    ("h", "h"), ("h_t", "h"), ("ht", "h"), ("H_t", "h"), ("h2", "h"), ("h_{2}", "h"),
    ("h₂", "h"), ("$h_2$", "h"), ("hidden", "h"),
])
def test_names_students_write(key, short):
    assert slots(f"{key}: [1, 2]\n") == {(1, "forward", 2, short): [1.0, 2.0]}


def test_a_whole_answer_in_natural_names():
    got = slots("g_t: [1, 1]\nC_t: [1.1473, 2.1362]\nh₂: [0.2723, 0.9725]\n")
    assert set(got) == {(1, "forward", 2, q) for q in "gch"}
    q2 = load(Q2)
    report = check(q2, parse_answers("g_t: [1, 1]\nC_t: [1.1473, 2.1362]\nh₂: [0.2723, "
                                     "0.9725]\n", q2))
    assert report.all_correct and report.score == 1


@pytest.mark.parametrize("text,fragments", [
    ("h_t-1: [1, 2]\n", ["a.yaml:1:1", "h_t-1", "hₜ₋₁", "did you mean 'h_t'"]),
    ("h_{t-1}: [1, 2]\n", ["did you mean 'h_t'"]),
    ("C_prev: [1, 2]\n", ["did you mean 'C_t'"]),
    ("h_1: [1, 2]\n", ["t = 1 is the state before the first computed step",
                       "did you mean 'h_2'"]),
    ("h_3: [1, 2]\n", ["there is no step 3", "computes t = 2"]),
    ("hh: [1, 2]\n", ["unknown quantity 'hh'", "did you mean 'h'", "an LSTM"]),
    ("r: [1, 2]\n", ["unknown quantity 'r'", "i, f, g, o, c, h"]),
    ("h_2: 0.27\n", ["holds one number", "hₜ has 2 entries", "if 2 is an entry"]),
    ("h: [1, 2, 3]\n", ["a.yaml:1:4", "has 3 entries but h₂ has 2"]),
    ("h: [0.1, oops]\n", ["a.yaml:1:10", "h[1]", "expected a number", "'oops'"]),
    ("c: [1, 2]\nC_t: [1, 2]\n", ["a.yaml:2:1", "c₂ is given twice", "'c'", "'C_t'"]),
    ("steps: {2: {h_3: [1, 2]}}\n", ["there is no step 3"]),
    ("steps: {5: {h: [1, 2]}}\n", ["a.yaml:1:9", "there is no step 5"]),
    ("forward: {h: [1, 2]}\n", ["'forward' is for a bidirectional network"]),
    ("layers: {2: {h: [1, 2]}}\n", ["expected a layer from 1 to 1", "one layer"]),
    ("- 1\n", ["a.yaml:1:1", "expected a mapping", "found a list"]),
    ("h: {a: 1}\n", ["a.yaml:1:5", "h.a", "a mapping of steps to vectors", "'a'"]),
    ("h: {2: {a: 1}}\n", ["a.yaml:1:8", "expected a vector (a list of numbers), found a "
                          "mapping"]),
    ("student: [1]\n", ["student", "expected text"]),
    ("steps: {2: {student: x}}\n", ["'student' belongs at the top"]),
])
def test_bad_answers_get_located_messages(text, fragments):
    q2 = load(Q2)
    with pytest.raises(ProblemError) as info:
        parse_answers(text, q2, "a.yaml")
    message = str(info.value)
    assert message.startswith("a.yaml")
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_blanks_are_missing_entries():
    assert slots("h: [0.2723, null]\ng: [1, '?']\nc:\n") == {
        (1, "forward", 2, "h"): [0.2723, None], (1, "forward", 2, "g"): [1.0, None],
        (1, "forward", 2, "c"): [None, None]}
    q2 = load(Q2)
    report = check(q2, parse_answers("h: [0.2723, null]\n", q2))
    assert [i.verdict for i in report.items if i.quantity == "h"] == ["correct", "missing"]


def test_steps_written_every_way():
    want = {(1, "forward", t, "h"): [v] for t, v in ((1, 0.2564), (2, 0.6398), (3, 0.8707))}
    for text in ("steps: {1: {h: [0.2564]}, 2: {h: [0.6398]}, 3: {h: [0.8707]}}\n",
                 "h_1: [0.2564]\nh2: [0.6398]\nh₃: [0.8707]\n",
                 "1: {h: 0.2564}\nt=2: {h: 0.6398}\nt3: {h: 0.8707}\n",
                 "h: [[0.2564], [0.6398], [0.8707]]\n",
                 "h: |\n  0.2564\n  0.6398\n  0.8707\n",
                 "h: {1: 0.2564, 2: [0.6398], t=3: [[0.8707]]}\n"):
        assert slots(text, SEQ) == want, text
    with pytest.raises(ProblemError, match="the problem has 3 steps"):
        slots("h: [0.2564]\n", SEQ)


def test_layers_and_directions():
    got = slots("layers:\n  1: {steps: {1: {h: [0.1, 0.2]}}}\n  2: {h_2: [0.3, 0.4]}\n",
                STACKED)
    assert got == {(1, "forward", 1, "h"): [0.1, 0.2], (2, "forward", 2, "h"): [0.3, 0.4]}
    assert slots("layers: [{h_1: [1, 2]}, {h_1: [3, 4]}]\n", STACKED) == {
        (1, "forward", 1, "h"): [1, 2], (2, "forward", 1, "h"): [3, 4]}
    assert slots("steps: {2: {layers: {2: {c: [1, 2]}}}}\n", STACKED) == {
        (2, "forward", 2, "c"): [1, 2]}
    for text, fragment in (("h_1: [1, 2]\n", "could be h at t = 1 or the h of layer 1"),
                           ("steps: {1: {h: [1, 2]}}\n", "the network has 2 layers"),
                           ("layers: {3: {h: [1, 2]}}\n", "a layer from 1 to 2")):
        with pytest.raises(ProblemError, match=fragment):
            slots(text, STACKED)
    got = slots("forward: {h_1: [1, 2]}\nbackward: {steps: {3: {h: [3, 4]}}}\n"
                "steps: {2: {y: [0.5, 0.5], h: [1, 2, 3, 4]}}\n", BIDI)
    assert got == {(1, "forward", 1, "h"): [1, 2], (1, "backward", 3, "h"): [3, 4],
                   (1, "both", 2, "y"): [0.5, 0.5], (1, "both", 2, "h"): [1, 2, 3, 4]}
    with pytest.raises(ProblemError, match="put h under 'forward:' or 'backward:'"):
        slots("h_1: [1, 2]\n", BIDI)


def test_the_files_own_names():
    """seed 000's GRU calls the update gate u: u, u_t, z and update all name it."""
    got = slots("u_1: [1, 2]\nz_2: [3, 4]\nupdate: {3: [5, 6]}\n", GRU_U)
    assert got == {(1, "forward", 1, "z"): [1, 2], (1, "forward", 2, "z"): [3, 4],
                   (1, "forward", 3, "z"): [5, 6]}


# --- fuzz: odd values at every key of full answer files -------------------------------------

ANSWERS = {
    Q2: {"student": "Ada", "problem": "q2", "g_t": [1, 1], "C_2": [1.1, 2.1],
         "steps": {2: {"h": [0.2, 0.9]}}},
    STACKED: {"layers": {1: {"steps": {1: {"h": [0.1, 0.2]}}}, 2: {"h_2": [0.3, 0.4]}}},
    BIDI: {"forward": {"h_1": [1, 2]}, "backward": {"steps": {3: {"h": [3, 4]}}},
           "steps": {2: {"y": [0.5, 0.5]}}},
}
WEIRD = [None, 5, "abc", [], [[]], {}, {"a": 1}, [1, "x"], True, -1, 1.5, [[1, 2], [3]],
         "1 2\n3", "?", [None, None], [1e400, 1], ".nan", [[1, 2], [3, 4], [5, 6]],
         {"h": {"h": {"h": 1}}}, "h" * 5000, 10**400]


def _paths(d, path=()):
    for k, v in d.items():
        yield path + (k,)
        if isinstance(v, dict):
            yield from _paths(v, path + (k,))


CASES = [(p, path) for p, base in ANSWERS.items() for path in _paths(base)]


@pytest.mark.parametrize("problem_path,path", CASES,
                         ids=[f"{p.stem}:{'.'.join(map(str, k))}" for p, k in CASES])
def test_any_odd_value_anywhere_gives_a_message_not_a_traceback(problem_path, path):
    problem = load(problem_path)
    for odd in WEIRD:
        data = copy.deepcopy(ANSWERS[problem_path])
        cur = data
        for key in path[:-1]:
            cur = cur[key]
        cur[path[-1]] = odd
        text = yaml.safe_dump(data) if not isinstance(odd, int) or abs(odd) < 10**300 else \
            json.dumps(data)
        try:
            check(problem, parse_answers(text, problem, "odd.yaml"))
        except ProblemError as exc:
            assert str(exc).startswith("odd.yaml")


def test_odd_keys_are_located():
    problem = load(Q2)
    for key in ("?", "1.5", "-", "h__", "h_t_t", "𝐡", "h^2", "~", "$$", "steps_2", "[h]"):
        try:
            check(problem, parse_answers(f"'{key}': [1, 2]\n", problem, "odd.yaml"))
        except ProblemError as exc:
            assert str(exc).startswith("odd.yaml:1:1")
    assert Slot(1, "forward", 0, "h") == Slot(1, "forward", 0, "h")
