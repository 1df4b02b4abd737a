"""Which weight multiplies what (issue 16): W/U with `convention:`, W_x/W_h, W_ih/W_hh.

One problem written every way gives the very same numbers, equal to PyTorch's
cells in float64; every output says which matrix multiplies which; a swap the
shapes can catch names the key; a mixed file is refused where it mixes.
"""

from __future__ import annotations

import copy
import json
import re

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from conftest import PROBLEMS, problem_text, require_program

from lstm_solver.cli import main
from lstm_solver.errors import ProblemError
from lstm_solver.naming import COURSE, D2L, PYTORCH, WIKIPEDIA
from lstm_solver.problem import parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve

ORDER = {"lstm": ("input", "forget", "candidate", "output"),
         "gru": ("reset", "update", "candidate"), "rnn": ("hidden",)}
OPTIONS = {"lstm": {}, "gru": {"reset": "after"}, "rnn": {}}


def ways(Wi, Wh, bi, bh, row: bool) -> dict[str, tuple[dict, dict]]:
    """One gate's PyTorch blocks (W_ih·x, W_hh·h) written each way: (top keys, gate keys)."""
    t = (lambda m: m.T.tolist()) if row else (lambda m: m.tolist())
    bi, bh = bi.tolist(), bh.tolist()
    return {
        "W/U": ({}, {"W": t(Wh), "U": t(Wi), "b": bi, "b_h": bh}),
        "convention: W_x": ({"convention": "W_x"}, {"W": t(Wi), "U": t(Wh), "b": bi, "b_h": bh}),
        "W_x/W_h": ({}, {"W_x": t(Wi), "W_h": t(Wh), "b": bi, "b_h": bh}),
        "Wx/Wh": ({}, {"Wh": t(Wh), "Wx": t(Wi), "b_h": bh, "b": bi}),
        "W_ih/W_hh": ({}, {"W_ih": t(Wi), "b_ih": bi, "W_hh": t(Wh), "b_hh": bh}),
    }


def torch_cell(torch, cell: str, X: int, H: int):
    kind = {"lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell, "rnn": torch.nn.RNNCell}[cell]
    return kind(X, H, dtype=torch.float64)


@pytest.mark.parametrize("row", [False, True], ids=["column", "row"])
@pytest.mark.parametrize("H,X", [(2, 2), (3, 2)])
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_every_naming_gives_the_same_numbers_as_pytorch(torch, cell, H, X, row):
    torch.manual_seed(H * 10 + X + len(cell))
    module = torch_cell(torch, cell, X, H)
    p = {k: getattr(module, k).detach().numpy() for k in
         ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    T = 3
    xs = torch.randn(T, X, dtype=torch.float64)
    h0, c0 = torch.randn(H, dtype=torch.float64), torch.randn(H, dtype=torch.float64)
    per_gate = [ways(p["weight_ih"][k * H:(k + 1) * H], p["weight_hh"][k * H:(k + 1) * H],
                     p["bias_ih"][k * H:(k + 1) * H], p["bias_hh"][k * H:(k + 1) * H], row)
                for k in range(len(ORDER[cell]))]
    results = {}
    for way in per_gate[0]:
        data = {"cell": cell, **OPTIONS[cell], **per_gate[0][way][0],
                "gates": {gate: ways_[way][1] for gate, ways_ in zip(ORDER[cell], per_gate)},
                "initial": {"h": h0.tolist(), **({"c": c0.tolist()} if cell == "lstm" else {})},
                "x": xs.tolist()}
        if row:
            data["orientation"] = "row"
        results[way] = to_dict(solve(parse_problem(problem_text(data))))
    reference = results["W/U"]
    for way, result in results.items():  # identical, to the last bit
        assert [s["values"] for s in result["steps"]] == [
            s["values"] for s in reference["steps"]], way
        assert [s["pre_activations"] for s in result["steps"]] == [
            s["pre_activations"] for s in reference["steps"]], way
    h, c = h0[None], c0[None]
    with torch.no_grad():
        for step, x in zip(reference["steps"], xs, strict=True):
            if cell == "lstm":
                h, c = module(x[None], (h, c))
                np.testing.assert_allclose(step["values"]["c"], c[0].numpy(), rtol=0, atol=1e-12)
            else:
                h = module(x[None], h)
            np.testing.assert_allclose(step["values"]["h"], h[0].numpy(), rtol=0, atol=1e-12)


# --- the equations in the file's own letters and order -----------------------------------

GATE = {"W": [[0.5, -0.2], [0.1, 0.3]], "U": [[0.4, 0.1], [0.2, -0.5]], "b": [0.1, -0.1]}


def run(tmp_path, data, *options: str, name: str = "q.yaml"):
    path = tmp_path / name
    path.write_text(problem_text(data) if isinstance(data, dict) else data)
    return CliRunner().invoke(main, [str(path), *options], env={"COLUMNS": "80"})


@pytest.mark.parametrize("top,gate,equation,form", [
    ({}, {"W": GATE["W"], "U": GATE["U"], "b": GATE["b"]},
     "fₜ = σ(W_f hₜ₋₁ + U_f xₜ + b_f)", "split (W·h + U·x)"),
    ({"convention": "W_x"}, {"W": GATE["U"], "U": GATE["W"], "b": GATE["b"]},
     "fₜ = σ(W_f xₜ + U_f hₜ₋₁ + b_f)", "split (W·x + U·h)"),
    ({}, {"W_x": GATE["U"], "W_h": GATE["W"], "b": GATE["b"], "b_h": [0, 1]},
     "fₜ = σ(W_xf xₜ + W_hf hₜ₋₁ + b_f + b_hf)", "split (W_x·x + W_h·h)"),
    ({}, {"Wx": GATE["U"], "Wh": GATE["W"]}, "fₜ = σ(W_xf xₜ + W_hf hₜ₋₁)",
     "split (Wx·x + Wh·h)"),
    ({}, {"W_hh": GATE["W"], "W_ih": GATE["U"], "b_hh": [0, 1], "b_ih": GATE["b"]},
     "fₜ = σ(W_if xₜ + b_if + W_hf hₜ₋₁ + b_hf)", "split (W_ih·x + W_hh·h)"),
    ({"orientation": "row"}, {"W_x": GATE["U"], "W_h": GATE["W"], "b": GATE["b"]},
     "fₜ = σ(xₜ W_xf + hₜ₋₁ W_hf + b_f)", "split (W_x·x + W_h·h)"),
])
def test_equations_in_the_files_letters_and_order(tmp_path, top, gate, equation, form):
    data = {"cell": "lstm", **top, "gates": {"forget": gate}, "x": [1, 0.5]}
    result = run(tmp_path, data)
    assert result.exit_code == 0, result.stderr
    assert equation in result.stdout
    assert form in result.stdout
    values = json.loads(run(tmp_path, data, "--format", "json").stdout)["steps"][0]["values"]
    U = np.array(GATE["U"])  # on x_t (h_0 = 0 here); x·U in row orientation
    U = U.T if top.get("orientation") == "row" else U
    b = np.array(GATE["b"] if "b" in gate or "b_ih" in gate else [0, 0]) + np.array(
        [0, 1] if "b_h" in gate or "b_hh" in gate else [0, 0])
    np.testing.assert_allclose(values["f"], 1 / (1 + np.exp(-(U @ [1, 0.5] + b))),
                               atol=1e-15)


def test_pytorch_gru_candidate_is_written_as_pytorch_writes_it():
    out = CliRunner().invoke(main, [str(PROBLEMS / "names_pytorch_gru.yaml")]).stdout
    assert "nₜ = tanh(W_in xₜ + b_in + rₜ ⊙ (W_hn hₜ₋₁ + b_hn))" in out
    assert "rₜ = σ(W_ir xₜ + b_ir + W_hr hₜ₋₁ + b_hr)" in out


def test_latex_shows_the_files_letters(tmp_path):
    data = {"cell": "lstm", "convention": "W_x", "gates": {"forget": GATE}, "x": [1, 0.5]}
    tex = run(tmp_path, data, "--format", "latex").stdout
    assert r"f_{t} &= \sigma\left(W_{f} x_{t} + U_{f} h_{t-1} + b_{f}\right)" in tex
    data = {"cell": "lstm", "gates": {"forget": {"W_ih": GATE["U"], "W_hh": GATE["W"]}},
            "x": [1, 0.5]}
    tex = run(tmp_path, data, "--format", "latex").stdout
    assert r"W_{if} x_{t} + W_{hf} h_{t-1}" in tex
    assert r"W_{if} &= \begin{bmatrix}" in tex  # the data listed in the file's names


# --- no silent swap: the note in every format, the error that names the key --------------

SQUARE = {"cell": "lstm", "gates": {"input": GATE, "forget": GATE}, "x": [1, 0.5]}
SAYS = {"W_h": "W multiplies hₜ₋₁ and U multiplies xₜ", "W_x": "W multiplies xₜ and U "
        "multiplies hₜ₋₁"}


def _plain(text: str) -> str:
    """LaTeX, Markdown or HTML text with its escapes and tags removed, spaces joined."""
    math = r"<math><msub><mi>(\w)</mi>"  # a name in words, in MathML
    text = re.sub(math + r"<mrow><mi>t</mi><mo>−</mo><mn>1</mn></mrow></msub></math>", r"\1ₜ₋₁",
                  text)
    text = re.sub(math + r"<mi>t</mi></msub></math>", r"\1ₜ", text)
    text = re.sub(math + r"<mi>(\w+)</mi></msub></math>", r"\1_\2", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = text.replace(r"\_", "_").replace("$_{t-1}$", "ₜ₋₁").replace("$_{t}$", "ₜ")
    # names set as math ($h_{t-1}$, $W_{x}$), what to write as code (`convention: W_x`)
    text = re.sub(r"\$([A-Za-z])_\{t-1\}\$", r"\1ₜ₋₁", text)
    text = re.sub(r"\$([A-Za-z])_\{t\}\$", r"\1ₜ", text)
    text = re.sub(r"\$([A-Za-z])_\{(\w+)\}\$", r"\1_\2", text)
    text = re.sub(r"\\texttt\{([^{}]*)\}", r"\1", text).replace("`", "")
    return " ".join(text.split())


@pytest.mark.parametrize("convention", ["W_h", "W_x"])
@pytest.mark.parametrize("fmt", ["terminal", "json", "latex", "markdown", "html"])
@pytest.mark.parametrize("sheet", ["--key", "--questions"])
def test_square_bare_names_say_which_multiplies_which_in_every_format(tmp_path, fmt,
                                                                      convention, sheet):
    data = {**SQUARE, "convention": convention}
    result = run(tmp_path, data, "--format", fmt, sheet)
    assert result.exit_code == 0, result.stderr
    other = "W_x" if convention == "W_h" else "W_h"
    if fmt == "json":
        (note,) = json.loads(result.stdout)["notes"]
        says = SAYS[convention].replace("hₜ₋₁", "h_{t-1}").replace("xₜ", "x_t")
    else:
        note, says = _plain(result.stdout), SAYS[convention]
    assert says in note
    assert f"convention: {convention}" in note
    assert "H = X, so the shapes cannot tell W from U" in note
    assert f"write convention: {other}" in note


def test_the_note_is_in_the_pdf(tmp_path):
    require_program("pdflatex")
    require_program("pdftotext")
    import subprocess

    result = run(tmp_path, {**SQUARE, "convention": "W_x"}, "--format", "pdf", "-o",
                 str(tmp_path / "key.pdf"))
    assert result.exit_code == 0, result.stderr
    text = subprocess.run(["pdftotext", str(tmp_path / "key.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "convention: W_h" in " ".join(text.split())
    assert "W multiplies x" in text


def test_different_sizes_still_say_it_without_the_warning(tmp_path):
    data = {"cell": "rnn", "gates": {"h": {"W": [[1, 0], [0, 1]], "U": [[1, 2, 3], [4, 5, 6]]}},
            "x": [1, 0, 1]}
    result = run(tmp_path, data)
    assert "W multiplies hₜ₋₁ and U multiplies xₜ (convention: W_h, the default)." in \
        " ".join(result.stdout.split())
    assert "H = X" not in result.stdout


def test_one_layer_with_different_sizes_settles_the_whole_file(tmp_path):
    """One naming per file: layer 1's shapes (H ≠ X) confirm the convention for layer 2."""
    square = {"h": {"W": [[1, 0], [0, 1]], "U": [[1, 2], [3, 4]]}}
    data = {"cell": "rnn", "x": [1, 0, 1], "layers": [
        {"gates": {"h": {"W": [[1, 0], [0, 1]], "U": [[1, 2, 3], [4, 5, 6]]}}},
        {"gates": square}]}
    out = " ".join(run(tmp_path, data).stdout.split())
    assert "W multiplies hₜ₋₁ and U multiplies xₜ (convention: W_h, the default)." in out
    assert "H = X" not in out
    data = {"cell": "rnn", "x": [1, 0], "layers": [{"gates": square}, {"gates": square}]}
    assert "H = X, so the shapes cannot tell W from U" in " ".join(
        run(tmp_path, data).stdout.split())


def test_explicit_names_say_it_in_their_own_words(tmp_path):
    data = {"cell": "lstm", "gates": {"input": {"W_ih": GATE["U"], "W_hh": GATE["W"]}},
            "x": [1, 0.5]}
    out = " ".join(run(tmp_path, data).stdout.split())
    assert ("W_ih multiplies xₜ and W_hh multiplies hₜ₋₁ in every gate, as PyTorch's weight_ih "
            "and weight_hh (printed W_ii and W_hi in the input gate, and so on).") in out
    assert "convention" not in out  # the names say it: no key to name


def test_concat_says_which_columns_multiply_which():
    out = " ".join(CliRunner().invoke(main, [str(PROBLEMS / "seed001_q2_given_gates.yaml")],
                                      env={"COLUMNS": "80"}).stdout.split())
    assert ("W multiplies the stacked vector [hₜ₋₁; xₜ]: its columns 1–2 multiply hₜ₋₁ and "
            "columns 3–4 multiply xₜ.") in out


def test_concat_in_rows_says_which_rows_multiply_which(tmp_path):
    data = {"cell": "rnn", "layout": "concat", "orientation": "row", "stack": ["x", "h", 1],
            "gates": {"h": {"W": [[1, 2], [3, 4], [5, 6], [7, 8], [9, 0], [1, 1]]}},
            "x": [1, 2, 3]}
    out = " ".join(run(tmp_path, data).stdout.split())
    assert ("W multiplies the stacked vector [xₜ, hₜ₋₁, 1]: its rows 1–3 multiply xₜ, rows 4–5 "
            "multiply hₜ₋₁ and row 6 is the bias.") in out


def test_a_file_from_wikipedia_with_different_sizes_names_the_key(tmp_path):
    # W_f x_t + U_f h_{t-1}: W is H×X = 2×3, U is H×H; read with the default convention
    data = {"cell": "lstm", "gates": {"forget": {"W": [[1, 2, 3], [4, 5, 6]],
                                                 "U": [[1, 0], [0, 1]]}}, "x": [1, 2, 3]}
    result = run(tmp_path, data)
    assert result.exit_code == 2 and result.stdout == ""
    message = result.stderr
    assert message.startswith("error: ") and "q.yaml:5:5: gates.forget.W" in message
    for fragment in ("gates.forget.W: is 2×3", "W multiplies h_{t-1} (convention: W_h, the "
                     "default)", "expected 2×2", "the other convention: W on x_t and U on "
                     "h_{t-1}", "write 'convention: W_x'"):
        assert fragment in message, message


@pytest.mark.parametrize("row", [False, True])
def test_a_course_file_read_with_convention_w_x_names_the_key(tmp_path, row):
    W, U = np.eye(2), np.arange(6).reshape(2, 3)
    t = (lambda m: m.T.tolist()) if row else (lambda m: m.tolist())
    data = {"cell": "gru", "convention": "W_x", "orientation": "row" if row else "column",
            "gates": {"r": {"W": t(W), "U": t(U)}}, "x": [1, 2, 3]}
    message = run(tmp_path, data).stderr
    assert "gates.r.U: is" in message and "U multiplies h_{t-1} (convention: W_x)" in message
    assert "write 'convention: W_h'" in message


def test_shapes_that_fit_neither_convention_give_the_plain_message(tmp_path):
    data = {"cell": "rnn", "gates": {"h": {"W": [[1, 2, 3], [4, 5, 6]],
                                           "U": [[1, 0, 0], [0, 1, 0]]}}, "x": [1, 2, 3]}
    message = run(tmp_path, data).stderr
    assert "expected 2×2" in message and "convention: W_x" not in message


# --- one naming per file -----------------------------------------------------------------

MIXED = [
    ("cell: lstm\ngates:\n  input:\n    W: [[1, 2], [3, 4]]\n    U: [[1, 0], [0, 1]]\n"
     "  forget:\n    W_x: [[1, 2], [3, 4]]\n    W_h: [[1, 0], [0, 1]]\nx: [1, 2]\n",
     ["q.yaml:7:5", "gates.forget.W_x", "names its weights W/U", "gates.input.W, line 4",
      "write 'U' for it"]),
    ("cell: lstm\ngates:\n  input:\n    W: [[1, 2], [3, 4]]\n    W_h: [[1, 0], [0, 1]]\n"
     "x: [1, 2]\n", ["q.yaml:5:5", "gates.input.W_h", "write 'W' for it"]),
    ("cell: lstm\nconvention: W_x\ngates:\n  input:\n    W: [[1, 2], [3, 4]]\n"
     "    W_h: [[1, 0], [0, 1]]\nx: [1, 2]\n", ["q.yaml:6:5", "write 'U' for it"]),
    ("cell: lstm\ngates:\n  input:\n    b: [1, 2]\n    W_ih: [[1, 2], [3, 4]]\n"
     "    W_hh: [[1, 0], [0, 1]]\nx: [1, 2]\n",
     ["q.yaml:4:5", "gates.input.b", "W_ih/W_hh", "write 'b_ih' for it"]),
    ("cell: lstm\ngates:\n  input: {Wx: [[1, 2], [3, 4]], W_h: [[1, 0], [0, 1]]}\nx: [1, 2]\n",
     ["q.yaml:3:33", "gates.input.W_h", "Wx/Wh", "write 'Wh' for it"]),
    ("cell: rnn\nlayers:\n - gates: {h: {W: [[1]], U: [[1]]}}\n"
     " - gates: {h: {W_x: [[1]], W_h: [[1]]}}\nx: [1, 2]\n",
     ["q.yaml:4:16", "layers[1].gates.h.W_x", "layers[0].gates.h.W, line 3"]),
    ("cell: gru\nbidirectional: true\nforward: {gates: {r: {W_ih: [[1]], W_hh: [[1]]}}}\n"
     "backward: {gates: {r: {W: [[1]], U: [[1]]}}}\nx: [1]\n",
     ["q.yaml:4:24", "backward.gates.r.W", "names its weights W_ih/W_hh"]),
    ("cell: lstm\nconvention: W_x\ngates:\n  input: {W_x: [[1]], W_h: [[1]]}\nx: [1]\n",
     ["q.yaml:2:1", "convention", "say it already", "remove 'convention'"]),
    ("cell: lstm\nlayout: concat\nconvention: W_h\ngates:\n  input: {W: [[1, 1]]}\nx: [1]\n",
     ["q.yaml:3:1", "applies to layout: split"]),
    ("cell: lstm\nlayout: concat\ngates:\n  input: {W_ih: [[1, 1]]}\nx: [1]\n",
     ["gates.input.W_ih", "belongs to layout: split", "expected one of: W, b"]),
    ("cell: lstm\ngates:\n  input: {W_ih: [[1]]}\nx: [1]\n",
     ["gates.input", "missing 'W_hh', the matrix that multiplies h_{t-1}"]),
    ("cell: lstm\nconvention: W_x\ngates:\n  input: {W: [[1]]}\nx: [1]\n",
     ["gates.input", "missing 'U', the matrix that multiplies h_{t-1} (convention: W_x)"]),
    ("cell: lstm\ngates:\n  input: {W_x: [[1]], W_h: [[1]], V: [[1]]}\nx: [1]\n",
     ["gates.input.V", "expected one of: W_x, W_h, b, b_h"]),
    ("cell: lstm\nconvention: w_x\nx: [1]\n", ["convention", "did you mean 'W_x'"]),
    ("cell: lstm\ngates:\n  input: {W_x: [[1], [1]], W_h: [[1, 0], [0, 1]], b_h: [1]}\nx: [1]\n",
     ["gates.input.b_h", "has 1 entries"]),
]


@pytest.mark.parametrize("text,fragments", MIXED, ids=range(len(MIXED)))
def test_mixed_or_misplaced_names_are_refused_where_they_stand(tmp_path, text, fragments):
    result = run(tmp_path, text)
    assert result.exit_code == 2, result.stdout
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


# --- the one place other modules read names from -------------------------------------------


def test_gate_params_say_what_each_matrix_multiplies_and_what_the_file_called_it():
    problem = parse_problem(problem_text({"cell": "gru", "gates": {"n": {
        "W_ih": [[1, 2]], "W_hh": [[3]], "b_ih": [4], "b_hh": [5]}}, "x": [1, 1]}))
    p = problem.gates["g"]
    assert problem.naming is PYTORCH and p.naming is PYTORCH
    assert p.W.exact == ((3,),) and p.U.exact == ((1, 2),)  # W on h_{t-1}, U on x_t, always
    got = [(q.slot, q.key, q.label, q.multiplies) for q in p.written()]
    assert got == [("U", "W_ih", "W_in", "x_t"), ("b", "b_ih", "b_in", ""),
                   ("W", "W_hh", "W_hn", "h_{t-1}"), ("b_h", "b_hh", "b_hn", "")]
    course = parse_problem(problem_text({"cell": "rnn", "gates": {"h": GATE}, "x": [1, 1]}))
    assert course.naming is COURSE
    assert [q.label for q in course.gates["h"].written()] == ["W_h", "U_h", "b_h"]
    wiki = parse_problem(problem_text({"cell": "rnn", "convention": "W_x",
                                       "gates": {"h": GATE}, "x": [1, 1]}))
    assert wiki.naming is WIKIPEDIA
    assert wiki.gates["h"].W.array.tolist() == GATE["U"]  # the file's U: on h_{t-1}
    assert wiki.gates["h"].param("W").key == "U"
    d2l = parse_problem(problem_text({"cell": "rnn", "gates": {"h": {"W_x": [[1]],
                                                                      "W_h": [[2]]}}, "x": 1}))
    assert d2l.naming is D2L and [q.label for q in d2l.gates["h"].written()] == ["W_xh", "W_hh"]


# --- check: the other convention, named once ---------------------------------------------

def _lstm_step(P, h, c, x, other: bool) -> dict:
    """One LSTM step in numpy; ``other``: each gate's W on x_t and U on h_(t-1)."""
    out = {}
    for k, (W, U, b) in P.items():
        W, U = (np.array(U), np.array(W)) if other else (np.array(W), np.array(U))
        z = W @ h + U @ x + np.array(b)
        out[k] = np.tanh(z) if k == "g" else 1 / (1 + np.exp(-z))
    out["c"] = out["f"] * c + out["i"] * out["g"]
    out["h"] = out["o"] * np.tanh(out["c"])
    return out


CHECKED = {"i": ([[0.5, -0.2], [0.1, 0.3]], [[0.4, 0.1], [0.2, -0.5]], [0.1, -0.1]),
           "f": ([[0.2, 0.4], [-0.3, 0.1]], [[0.3, -0.2], [0.1, 0.4]], [0.3, 0.2]),
           "g": ([[-0.1, 0.6], [0.4, -0.2]], [[0.7, 0.2], [-0.6, 0.3]], [0.5, -0.25]),
           "o": ([[0.3, 0.3], [0.2, -0.4]], [[-0.2, 0.5], [0.3, 0.1]], [0.05, 0.0])}
H0, C0, X0 = np.array([0.4, -0.3]), np.array([0.8, -0.6]), np.array([1.0, 0.5])


@pytest.mark.parametrize("convention", ["W_h", "W_x"])
def test_check_names_the_other_convention_once(tmp_path, convention):
    names = {"i": "input", "f": "forget", "g": "candidate", "o": "output"}
    # the file is written in its convention; the student read it the other way round
    gates = {names[k]: ({"W": W, "U": U, "b": b} if convention == "W_h" else
                        {"W": U, "U": W, "b": b}) for k, (W, U, b) in CHECKED.items()}
    problem = tmp_path / "q.yaml"
    problem.write_text(problem_text({"cell": "lstm", "convention": convention, "gates": gates,
                                     "initial": {"h": H0.tolist(), "c": C0.tolist()},
                                     "x": X0.tolist()}))
    truth = _lstm_step(CHECKED, H0, C0, X0, other=False)
    slipped = _lstm_step(CHECKED, H0, C0, X0, other=True)

    def answers(name, values):
        path = tmp_path / f"{name}.yaml"
        path.write_text(f"student: {name}\n" + "".join(
            f"{k}: [{', '.join(f'{v:.4f}' for v in values[k])}]\n" for k in "ifgoch"))
        return str(path)

    ada, bob = answers("ada", slipped), answers("bob", truth)
    result = CliRunner().invoke(main, ["check", str(problem), ada, "--format", "json"])
    assert result.exit_code == 1, result.stderr
    items = json.loads(result.stdout)["students"][0]["items"]
    says = ("the other convention: W on xₜ and U on hₜ₋₁" if convention == "W_h" else
            "the other convention: W on hₜ₋₁ and U on xₜ")
    wrong = [i for i in items if i["verdict"] == "wrong"]
    assert {i["quantity"] for i in wrong} == set("ifgo")  # c and h follow from them
    assert all(i["diagnosis"] == says for i in wrong), wrong
    result = CliRunner().invoke(main, ["check", str(problem), ada, bob, "--format", "json"])
    slips = json.loads(result.stdout)["slips"]
    assert slips == [{"diagnosis": says, "students": 1}]  # a pattern, named once
    text = CliRunner().invoke(main, ["check", str(problem), ada, bob],
                              env={"COLUMNS": "100"}).stdout
    assert text.count(says) >= 1


def test_explicit_names_have_no_convention_slip(tmp_path):
    from lstm_solver.slips import slips

    problem = parse_problem(problem_text({"cell": "rnn", "gates": {"h": {
        "W_x": [[1, 2], [3, 4]], "W_h": [[1, 0], [0, 1]]}}, "x": [1, 1]}))
    said = [s.says for s in slips(problem, "h")]
    assert not any("convention" in s for s in said)
    assert "W_xh and W_hh swapped in hₜ" in said  # as the equations print them
    assert "W_xh transposed in hₜ" in said


# --- counts and variants ------------------------------------------------------------------


def test_count_names_follow_the_convention(tmp_path):
    base = {"task": "count_parameters", "cell": "gru", "hidden_size": 4, "input_size": 3}
    default = json.loads(run(tmp_path, base, "--format", "json").stdout)["parameters"]
    flipped = json.loads(run(tmp_path, {**base, "convention": "W_x"}, "--format",
                             "json").stdout)["parameters"]
    assert default["total"] == flipped["total"] == 3 * (4 * 3 + 4 * 4 + 4)
    assert default["breakdown"][:2] == [{"name": "W_r", "shape": [4, 4], "count": 16},
                                        {"name": "U_r", "shape": [4, 3], "count": 12}]
    assert flipped["breakdown"][:2] == [{"name": "W_r", "shape": [4, 3], "count": 12},
                                        {"name": "U_r", "shape": [4, 4], "count": 16}]
    out = run(tmp_path, {**base, "convention": "W_x"}).stdout
    assert "convention: W_x" in out and "W_r" in out and "reset: xₜ" in out
    assert "convention" in run(tmp_path, {**base, "convention": "Wx"}).stderr


@pytest.mark.parametrize("options,naming,key", [
    (["--convention", "W_x"], WIKIPEDIA, "convention: W_x"),
    (["--names", "W_x/W_h"], D2L, "W_x:"),
    (["--names", "W_ih/W_hh", "--orientation", "row"], PYTORCH, "b_ih:"),
])
def test_generate_writes_the_naming_asked_for(tmp_path, options, naming, key):
    out = tmp_path / "v"
    common = ["generate", "-o", str(out), "--count", "3", "--seed", "4"]
    result = CliRunner().invoke(main, [*common, *options, "--sheets", "markdown"])
    assert result.exit_code == 0, result.stderr
    base = tmp_path / "base"
    row = ["--orientation", "row"] if "row" in options else []
    CliRunner().invoke(main, ["generate", "-o", str(base), "--count", "3", "--seed", "4", *row])
    for k in range(1, 4):
        text = (out / f"variant-{k:03d}.yaml").read_text()
        assert key in text
        problem = parse_problem(text)
        assert problem.naming is naming
        same = parse_problem((base / f"variant-{k:03d}.yaml").read_text())
        assert to_dict(solve(problem))["steps"] == to_dict(solve(same))["steps"]
    if naming is WIKIPEDIA:  # H = X: the sheet says which multiplies which, and the key
        sheet = (out / "questions.md").read_text()
        assert "`convention: W_x`" in sheet and "H = X" in sheet


@pytest.mark.parametrize("options", [["--convention", "W_x", "--layout", "concat"],
                                     ["--names", "W_ih/W_hh", "--convention", "W_x"],
                                     ["--convention", "W_y"]])
def test_generate_refuses_contradictory_naming_options(tmp_path, options):
    result = CliRunner().invoke(main, ["generate", "-o", str(tmp_path / "v"), *options])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and not (tmp_path / "v").exists()


# --- fuzz the new keys --------------------------------------------------------------------

BASES = {
    "convention": {"cell": "lstm", "convention": "W_x",
                   "gates": {"input": {"W": [[1, 2], [3, 4]], "U": [[1], [2]], "b": [0, 1]}},
                   "initial": {"h": [0.1, 0.2], "c": [0, 1]}, "x": [1]},
    "d2l": {"cell": "rnn", "orientation": "row",
            "gates": {"h": {"W_x": [[1, 2]], "W_h": [[1, 0], [0, 1]], "b": [0, 1],
                            "b_h": [1, 1]}}, "x": [[1], [2]]},
    "pytorch": {"cell": "gru", "reset": "after",
                "gates": {"r": {"W_ih": [[1], [2]], "W_hh": [[1, 0], [0, 1]], "b_ih": [0, 1],
                                "b_hh": [1, 1]},
                          "n": {"W_ih": [[1], [2]], "W_hh": [[1, 0], [0, 1]]}}, "x": [1]},
    "compact": {"cell": "lstm", "layers": [{"gates": {"o": {"Wx": [[1]], "Wh": [[1]]}}},
                                           {"gates": {"o": {"Wx": [[1]], "Wh": [[1]]}}}],
                "x": [1, 2]},
}
WEIRD = [None, 5, "abc", [], [[]], {}, {"a": 1}, [1, "x"], True, -1, 1.5, [[1, 2], [3]],
         "1 2\n3", "W_x", "W_h", "w" * 100_000, [[[[[["W_x"]]]]]], {"W_x": {"W_h": [1]}},
         "\u202e\x00"]


def _paths(d, path=()):
    for k, v in d.items():
        yield path + (k,)
        if isinstance(v, dict):
            yield from _paths(v, path + (k,))
        if isinstance(v, list) and v and isinstance(v[0], dict):
            for i, item in enumerate(v):
                yield from _paths(item, path + (k, i))


CASES = [(name, path) for name, base in BASES.items() for path in _paths(base)]


@pytest.mark.parametrize("name,path", CASES, ids=[f"{n}:{'.'.join(map(str, p))}"
                                                  for n, p in CASES])
def test_odd_values_in_the_new_keys_give_a_message_not_a_traceback(name, path):
    for odd in WEIRD:
        data = copy.deepcopy(BASES[name])
        cur = data
        for key in path[:-1]:
            cur = cur[key]
        cur[path[-1]] = odd
        try:
            to_dict(solve(parse_problem(yaml.safe_dump(data), "odd.yaml")))
        except ProblemError as exc:
            assert str(exc).startswith("odd.yaml")


def test_every_mix_of_parameter_keys_is_solved_or_refused_with_its_place():
    """Each gate gets some of every naming's keys (with square 1×1 values): the file is
    either solved or refused at a line, never a traceback."""
    import itertools
    import random

    keys = ["W", "U", "b", "b_h", "W_x", "W_h", "Wx", "Wh", "W_ih", "W_hh", "b_ih", "b_hh", "w",
            "W_xh", 1, "Wi"]
    rng = random.Random(16)
    seen = 0
    for _ in range(300):
        gates = {}
        for gate in rng.sample(["input", "forget", "g", "o"], rng.randint(1, 3)):
            chosen = rng.sample(keys, rng.randint(1, 5))
            gates[gate] = {k: ([[1]] if str(k)[0] in "WUw1" else [0.5]) for k in chosen}
        data = {"cell": "lstm", "gates": gates, "x": [1]}
        if rng.random() < 0.3:
            data["convention"] = rng.choice(["W_h", "W_x", "W_ih"])
        text = yaml.safe_dump(data, sort_keys=False)
        try:
            solve(parse_problem(text, "mix.yaml"))
            seen += 1
        except ProblemError as exc:
            assert exc.file == "mix.yaml" and exc.line is not None, str(exc)
    assert seen > 0  # some mixes are valid files
    for a, b in itertools.combinations(["W", "W_x", "Wx", "W_ih"], 2):
        text = f"cell: rnn\ngates:\n  h: {{{a}: [[1]], {b}: [[1]]}}\nx: [1]\n"
        with pytest.raises(ProblemError, match="one naming throughout"):
            parse_problem(text)
