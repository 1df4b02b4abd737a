"""The library: ``from lstm_solver import solve`` however it is imported; solve takes a
path, YAML text, a mapping or a Problem; solutions' values, documents, repr and Jupyter
display; errors; hostile mappings."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import EXAMPLES, ROOT, SOLVED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_solver
from lstm_solver import (
    CountDerivation,
    Derivation,
    ProblemError,
    Solution,
    load_problem,
    parse_problem,
    solve,
)
from lstm_solver.render.json import to_dict
from lstm_solver.solution import html_fragment, latex_body, scope_css

SEED = ROOT / "problems" / "seed001_q2_given_gates.yaml"
COUNT = ROOT / "problems" / "count_seed000_lstm.yaml"


def python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.parametrize("code", [
    # the submodule first, then the name
    "import lstm_solver.solver; from lstm_solver import solve; "
    "print(callable(solve) and solve is lstm_solver.solver.solve)",
    # as a module attribute, twice
    "import lstm_solver as ls; p = 'problems/gru_bidirectional.yaml'; "
    "print(type(ls.solve(p)).__name__ == type(ls.solve(p)).__name__ == 'Derivation')",
    # every public name from a star import
    "from lstm_solver import *; print(all(callable(f) for f in (solve, load_problem, "
    "parse_problem)) and issubclass(ProblemError, Exception) and Problem.__name__ == 'Problem')",
    # dir() lists them; importing the package imports nothing heavy
    "import sys, lstm_solver; names = set(dir(lstm_solver)); "
    "print(set(lstm_solver.__all__) <= names and not {'sympy', 'numpy'} & set(sys.modules))",
])
def test_imports(code):
    assert python(code) == "True"


def test_public_names():
    assert {"solve", "load_problem", "parse_problem", "Problem", "ProblemError", "Derivation",
            "Solution"} <= set(lstm_solver.__all__) <= set(dir(lstm_solver))
    assert issubclass(Derivation, Solution) and issubclass(CountDerivation, Solution)


def _same(a, b) -> None:
    assert to_dict(a) == to_dict(b)


def test_solve_takes_a_path_text_a_mapping_or_a_problem(torch):
    import yaml

    text = SEED.read_text(encoding="utf-8")
    reference = solve(load_problem(SEED))
    for source in (SEED, str(SEED), text, yaml.safe_load(text), load_problem(SEED)):
        _same(solve(source), reference)
    # the values against torch, from the question's numbers (independent of the tool)
    t = torch.tensor
    W, b = t([[3.0, 4, 0, 5], [2, 6, 2, 5]]), t([1.0, 1])
    h0, c0, x = t([0.4165792, 0.32134238]), t([0.44354576, 1.99999732]), t([0.0, 2])
    f, i, o = t([0.33209835, 0.9014788]), t([0.99999057, 0.333263]), t([0.33333224, 0.99998962])
    c = f * c0 + i * torch.tanh(W @ torch.cat([h0, x]) + b)
    h = o * torch.tanh(c)
    values = reference.values
    np.testing.assert_allclose(values["c"][0], c.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(values["h"][0], h.numpy(), rtol=0, atol=1e-12)
    assert values["h"].shape == (1, 2) and not values["h"].flags.writeable


def test_solve_a_count():
    count = solve(COUNT)
    assert isinstance(count, CountDerivation) and count.values["total"] == 4400
    assert sum(v for k, v in count.values.items() if k != "total") == 4400
    assert repr(count) == ("<CountDerivation 'Seed 000: trainable weights of an LSTM word "
                           "predictor': LSTM, H=20, X=10: 4,400 parameters>")
    bundle = count._repr_mimebundle_()
    assert "= 4,400" in bundle["text/plain"] and "= 4,400</p>" in bundle["text/html"]
    assert "= 4{,}400" in bundle["text/latex"]
    assert json.loads(count.to_json())["parameters"]["total"] == 4400


def test_a_mapping_with_arrays_and_floats():
    data = {"cell": "rnn", "activation": "relu",
            "gates": {"hidden": {"W": np.array([[0.5, -0.4], [0.3, 0.2]]),
                                 "U": np.eye(2, dtype=np.float32) * np.float32(0.1),
                                 "b": (0, Fraction(1, 10))}},
            "x": [[1.0, 0.0], np.array([0, 1])]}
    problem = parse_problem(data)
    hidden = problem.gates["h"]
    assert hidden.W.exact == ((Decimal("0.5"), Decimal("-0.4")), (Decimal("0.3"), Decimal("0.2")))
    assert hidden.U.exact[0][0] == Decimal("0.1")  # float32's shortest decimal
    assert hidden.b.exact == (0, Fraction(1, 10))
    assert problem.steps == 2
    h1 = np.maximum(np.array([[0.1, 0], [0, 0.1]]) @ [1, 0] + [0, 0.1], 0)  # U is 0.1, as shown
    np.testing.assert_allclose(solve(data).values["h"][0], h1, rtol=0, atol=1e-15)


def test_errors_say_where():
    with pytest.raises(ProblemError) as caught:
        solve({"cell": "lstm", "gates": {"input": {"W": [[1, 2]], "U": [[1]]}}, "x": [1]})
    assert caught.value.key == "gates.input.W" and caught.value.line is None
    assert str(caught.value).startswith("<problem>: gates.input.W: is 1×2")
    with pytest.raises(ProblemError) as caught:
        solve("cell: lstm\ngates:\n  input: {W: [[1, 2]], U: [[1]]}\nx: [1]\n")
    assert (caught.value.line, caught.value.key) == (3, "gates.input.W")
    with pytest.raises(ProblemError, match="no such file"):
        solve("no/such/problem.yaml")
    with pytest.raises(TypeError, match="a Problem, a path, YAML text or a mapping"):
        solve(42)
    cyclic: dict = {"cell": "rnn"}
    cyclic["x"] = cyclic
    with pytest.raises(ProblemError, match="contains itself"):
        parse_problem(cyclic)


_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.fractions(), st.decimals(allow_nan=True, allow_infinity=True),
    st.just(np.float32(0.1)), st.just(np.array([[1.5, 2], [3, 4]])), st.just(np.arange(3)),
    st.just(np.array(["a", "b"])), st.just(np.array(np.nan)), st.just({1, 2}), st.just(b"x"),
    st.just(object()), st.just((1, 2)))
_values = st.recursive(_leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["W", "U", "b", "h", "x", "input", "hidden", 1]), inner, max_size=3)), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(["x", "gates", "initial", "given", "title", "decimals", "layers",
                            "output_layer", "embedding", "tokens", "stack", "ask", "start"]),
       value=_values)
def test_hostile_mappings_give_problem_errors(key, value):
    """Any Python value at any key: a Problem or a ProblemError, never another exception."""
    data = {"cell": "rnn", "gates": {"hidden": {"W": [[0.5]], "U": [[1]]}}, "x": [1, 2],
            key: value}
    try:
        parse_problem(data)
    except ProblemError as exc:
        assert exc.message and (exc.key is None or isinstance(exc.key, str))


def test_values_of_networks():
    bidi = solve(ROOT / "problems" / "gru_bidirectional.yaml")
    assert set(bidi.values) == {"h", "y"} and bidi.values["h"].shape == (3, 4)
    backward = bidi.layer_values(1, "backward")
    np.testing.assert_array_equal(bidi.values["h"][:, 2:], backward["h"])
    assert list(bidi.t) == [1, 2, 3]
    with pytest.raises(ValueError, match="layer 2 does not exist"):
        bidi.layer_values(2)
    stack = solve(ROOT / "problems" / "lstm_two_layers.yaml")
    assert set(stack.values) == {"x", "i", "f", "g", "o", "c", "h"}
    np.testing.assert_array_equal(stack.values["x"], stack.layer_values(1)["h"])
    with pytest.raises(ValueError, match="not bidirectional"):
        stack.layer_values(1, "backward")
    assert set(stack.pre_activations) == {"i", "f", "g", "o"}


def test_what_cannot_be_computed_is_absent():
    partial = solve("cell: lstm\ngates:\n  input: {W: [[1]], U: [[1]]}\nx: [1, 2]\n")
    assert set(partial.values) == {"x", "i"}  # f, g, o, c, h cannot be computed
    assert partial.values["i"].shape == (2, 1)
    given = solve("cell: rnn\ngiven: {h: [[0.5, 1], [0.25, 2]]}\nx: [[1, 0], [2, 0]]\n")
    assert given.values["h"].tolist() == [[0.5, 1], [0.25, 2]]


@pytest.mark.parametrize("path", SOLVED, ids=lambda p: p.name)
def test_documents_and_display(path, capsys):
    solution = solve(path, exact=True)
    text = repr(solution)
    assert text.startswith("<Derivation ") and "\n" not in text and len(text) < 220
    assert str(solution) == solution.to_text() and "Results" in str(solution)
    assert json.loads(solution.to_json()) == to_dict(solution)
    assert solution.to_latex().startswith(r"\documentclass")
    assert solution.to_html().startswith("<!DOCTYPE html>")
    assert "## " in solution.to_markdown() or "# " in solution.to_markdown()
    bundle = solution._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/markdown", "text/latex", "text/html"}
    assert r"\documentclass" not in bundle["text/latex"] and r"\begin{document}" not in \
        bundle["text/latex"]
    html = bundle["text/html"]
    assert html.startswith('<div class="lstm-solve">') and "<body" not in html
    assert "<math" in html
    for rule in html.split("<style>")[1].split("</style>")[0].split("}"):
        if rule.strip():
            assert all(s.strip().startswith(".lstm-solve") for s in rule.split("{")[0].split(",")
                       ), rule
    last = solution.values.get("y", solution.values.get("h"))
    if last is not None and not math.isnan(last[-1][0]):
        assert solution.problem.rounding.show(last[-1][0]) in html
    assert solution._repr_mimebundle_(include=["text/html"]).keys() == {"text/html"}
    assert "text/latex" not in solution._repr_mimebundle_(exclude=["text/latex"])
    assert capsys.readouterr() == ("", "")  # the library never prints


def test_fragments():
    assert latex_body("\\documentclass{article}\n\\begin{document}\nHi\n\\end{document}\n") == \
        "Hi\n"
    page = ("<!DOCTYPE html><html><head><style>body { color: red; }\nh1, .x p { margin: 0; }\n"
            "@media print { body { color: black; } }</style></head><body><p>x</p></body></html>")
    fragment = html_fragment(page)
    assert fragment.startswith('<div class="lstm-solve"><style>') and "<p>x</p>" in fragment
    assert ".lstm-solve { color: red; }" in fragment
    assert ".lstm-solve h1, .lstm-solve .x p { margin: 0; }" in fragment
    assert "@media print {.lstm-solve { color: black; }}" in fragment
    assert scope_css("body h2 { a: b }", ".s") == ".s h2 { a: b }"


def test_rich_renders_it():
    from rich.console import Console

    console = Console(width=80, record=True, color_system=None)
    console.print(solve(SEED))
    assert "Results" in console.export_text()


def test_problem_file_round_trip_keeps_everything(tmp_path):
    """to_yaml of every example reads back as the same problem (names, numbers, options)."""
    for path in EXAMPLES:
        problem = load_problem(path)
        again = parse_problem(problem.to_yaml(), problem.file)
        assert again == problem, path.name
    text = ("cell: lstm\ntitle: 'Q: \"quoted\" # not a comment'\nquestion: |\n  Two\n\n"
            "  paragraphs.\nlayout: concat\nstack: [x, 1, h]\ngates:\n  c_tilde: {W: [[\"1/3\","
            " 2, 0.125]]}\ninitial: {s: [0.5]}\nx: [1]\nstart: 0\ndecimals: 2\ncarry: rounded\n"
            "round_half: even\nask: [h, s]\n")
    problem = parse_problem(text)
    written = problem.to_yaml()
    assert '"1/3"' in written and "c_tilde:" in written and "s: [0.5]" in written
    assert parse_problem(written) == problem
    path = tmp_path / "p.yaml"
    path.write_text(written, encoding="utf-8")
    assert Path(path).read_text(encoding="utf-8") == written
