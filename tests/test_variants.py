"""LSTM variants as cell options (issue 17): forget_bias, coupled, peephole, projection.

Each is a change to the cell's equations (cells.py). Checked against the papers'
equations written here in numpy (Gers & Schmidhuber 2000 and Graves 2013 for
peepholes, Greff et al. 2015 for the coupled gate, as TensorFlow's LSTMCell and
CoupledInputForgetGateLSTMCell implement them) and against torch.nn.LSTM(proj_size=P)
in float64; every variant is its own term or step in every format; counts include them.
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
from lstm_solver.counting import count
from lstm_solver.errors import ProblemError
from lstm_solver.problem import parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def paper_lstm(P: dict, xs, h, c, peephole=(), coupled=False, forget_bias=0.0, W_hr=None,
               row=False):
    """The papers' LSTM, step by step: gates from W_x x + W_h h (+ w ⊙ c) + b."""
    out = []
    for x in xs:
        def pre(k, x=x, h=h):
            W_x, W_h, b = P[k]
            z = (x @ W_x + h @ W_h) if row else (W_x @ x + W_h @ h)
            return z + b

        f = sigmoid(pre("f") + (P["w_f"] * c if "f" in peephole else 0) + forget_bias)
        i = 1 - f if coupled else sigmoid(pre("i") + (P["w_i"] * c if "i" in peephole else 0))
        g = np.tanh(pre("g"))
        c = f * c + i * g
        o = sigmoid(pre("o") + (P["w_o"] * c if "o" in peephole else 0))  # sees c_t
        m = o * np.tanh(c)
        h = m if W_hr is None else ((m @ W_hr) if row else (W_hr @ m))
        out.append({"i": i, "f": f, "g": g, "o": o, "c": c, "h": h})
    return out


def _params(rng, H, X, P_size, row):
    P = {}
    for k in "ifgo":
        W_x, W_h, b = rng.normal(size=(H, X)), rng.normal(size=(H, P_size)), rng.normal(size=H)
        P[k] = (W_x.T, W_h.T, b) if row else (W_x, W_h, b)
    for k in "ifo":
        P["w_" + k] = rng.normal(size=H)
    return P


NAMES = {"i": "input", "f": "forget", "g": "candidate", "o": "output"}


def _file(P, xs, h0, c0, peephole, coupled, forget_bias, W_hr, row) -> dict:
    gates = {NAMES[k]: {"W_x": P[k][0].tolist(), "W_h": P[k][1].tolist(), "b": P[k][2].tolist()}
             for k in "ifgo" if not (coupled and k == "i")}
    data = {"cell": "lstm", "gates": gates, "initial": {"h": h0.tolist(), "c": c0.tolist()},
            "x": xs.tolist()}
    if row:
        data["orientation"] = "row"
    if peephole:
        data["peephole"] = {NAMES[k]: P["w_" + k].tolist() for k in peephole}
    if coupled:
        data["coupled"] = True
    if forget_bias:
        data["forget_bias"] = forget_bias
    if W_hr is not None:
        data["projection"] = {"W": W_hr.tolist()}
    return data


CASES = [(peep, coupled, fb, proj, row)
         for peep in ((), ("i", "f", "o"), ("f",), ("o",), ("i", "f"))
         for coupled in (False, True) for fb in (0.0, 1.0) for proj in (False, True)
         for row in (False, True)
         if not (coupled and "i" in peep)]


@pytest.mark.parametrize("peephole,coupled,forget_bias,projection,row", CASES,
                         ids=[f"peep{''.join(c[0]) or '-'}-{'cifg' if c[1] else 'lstm'}"
                              f"-fb{c[2]:g}-{'proj' if c[3] else 'noproj'}-"
                              f"{'row' if c[4] else 'col'}" for c in CASES])
def test_variants_against_the_papers_equations(peephole, coupled, forget_bias, projection,
                                               row):
    rng = np.random.default_rng(len(peephole) * 7 + coupled * 3 + projection * 11 + row)
    H, X, T = 3, 2, 3
    P_size = 2 if projection else H
    P = _params(rng, H, X, P_size, row)
    W_hr = rng.normal(size=(P_size, H)) if projection else None
    W_hr = W_hr.T if (projection and row) else W_hr
    xs, h0, c0 = rng.normal(size=(T, X)), rng.normal(size=P_size), rng.normal(size=H)
    data = _file(P, xs, h0, c0, peephole, coupled, forget_bias, W_hr, row)
    result = to_dict(solve(parse_problem(problem_text(data))))
    expected = paper_lstm(P, xs, h0, c0, peephole, coupled, forget_bias, W_hr, row)
    for step, want in zip(result["steps"], expected, strict=True):
        for q in "ifgoch":
            np.testing.assert_allclose(step["values"][q], want[q], rtol=0, atol=1e-12,
                                       err_msg=q)


@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, False), (1, True),
                                                  (3, True)])
def test_projection_against_pytorch_proj_size(torch, layers, bidirectional):
    """torch.nn.LSTM(proj_size=P): h_t = W_hr (o_t ⊙ tanh c_t) of size P, carried, and
    read by the next layer; written gate by gate (W_ih/W_hh names) here."""
    torch.manual_seed(layers * 5 + bidirectional)
    X, H, P, T = 3, 4, 2, 3
    module = torch.nn.LSTM(X, H, num_layers=layers, proj_size=P, bidirectional=bidirectional,
                           dtype=torch.float64)
    nd = 2 if bidirectional else 1
    x, h0, c0 = torch.randn(T, X), torch.randn(layers * nd, P), torch.randn(layers * nd, H)
    with torch.no_grad():
        out, (hn, cn) = module(x, (h0, c0))

    def unit(layer, suffix, k):
        def g(name):
            return getattr(module, f"{name}_l{layer}{suffix}").detach().numpy()

        gates = {NAMES[n]: {"W_ih": g("weight_ih")[j * H:(j + 1) * H].tolist(),
                            "W_hh": g("weight_hh")[j * H:(j + 1) * H].tolist(),
                            "b_ih": g("bias_ih")[j * H:(j + 1) * H].tolist(),
                            "b_hh": g("bias_hh")[j * H:(j + 1) * H].tolist()}
                 for j, n in enumerate("ifgo")}
        return {"gates": gates, "projection": {"W": g("weight_hr").tolist()},
                "initial": {"h": h0[k].tolist(), "c": c0[k].tolist()}}

    data: dict = {"cell": "lstm", "x": x.tolist()}
    if bidirectional:
        data["bidirectional"] = True
        data["layers"] = [{"forward": unit(k, "", 2 * k), "backward": unit(k, "_reverse",
                                                                          2 * k + 1)}
                          for k in range(layers)]
    else:
        data["layers"] = [unit(k, "", k) for k in range(layers)]
    dv = solve(parse_problem(problem_text(data)))
    result = to_dict(dv)
    if bidirectional:
        got = np.array([o["h"] for o in result["outputs"]])
    else:
        got = np.array([s["values"]["h"] for s in result["steps"]
                        if s.get("layer", 1) == layers])
    np.testing.assert_allclose(got, out.numpy(), rtol=0, atol=1e-12)
    last = [s for s in result["steps"] if s.get("layer", 1) == layers and s.get(
        "direction", "forward") == "forward"][-1]
    np.testing.assert_allclose(last["values"]["c"], cn[(layers - 1) * nd].numpy(), atol=1e-12)


# --- each variant is its own term or step, in every format ---------------------------------

VARIANT = {"cell": "lstm", "forget_bias": 1.0, "peephole": {"forget": [0.5, -0.5]},
           "projection": {"W": [[1, 2]]},
           "gates": {g: {"W": [[0.1], [0.2]], "U": [[0.2, 0.3], [0.1, -0.1]], "b": [0.1, 0.2]}
                     for g in ("input", "forget", "candidate", "output")},
           "x": [1, 2]}


def _plain(text: str) -> str:
    import html

    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"</?code>", "", text)))
    text = text.replace(r"\_", "_")
    text = re.sub(r"\\texttt\{([^{}]*)\}", r"\1", text).replace("`", "")  # identifiers
    return " ".join(text.split())


@pytest.mark.parametrize("fmt", ["terminal", "latex", "markdown", "html"])
def test_every_variant_shows_as_its_own_term(tmp_path, fmt):
    path = tmp_path / "q.yaml"
    path.write_text(problem_text(VARIANT))
    out = CliRunner().invoke(main, [str(path), "--format", fmt], env={"COLUMNS": "100"})
    assert out.exit_code == 0, out.stderr
    text = out.stdout
    if fmt == "terminal":
        assert "fₜ = σ(W_f hₜ₋₁ + U_f xₜ + w_cf ⊙ cₜ₋₁ + b_f + 1.0)" in text
        assert "hₜ = W_hr (oₜ ⊙ tanh(cₜ))" in text
        assert "w_cf ⊙ c₀:" in text  # the peephole's own worked lines
        assert "W_hr (o₁ ⊙ tanh(c₁)):" in text  # the projection's own product, row by row
    elif fmt in ("latex", "markdown"):
        assert r"w_{cf} \odot c_{t-1} + b_{f} + 1.0\right)" in text
        assert r"h_{t} &= W_{hr} \left(o_{t} \odot \tanh\left(c_{t}\right)\right)" in text \
            or r"W_{hr} \left(o_{t} \odot \tanh\left(c_{t}\right)\right)" in text
    else:
        assert "<mn>1.0</mn>" in text and "hr" in text
    said = _plain(text)
    assert "forget_bias: 1.0 is added to the forget gate's pre-activation" in said
    assert "Peepholes (Gers & Schmidhuber 2000" in said or "Peepholes (Gers \\& " in said
    assert "Projection (P = 1 of H = 2" in said


def test_json_notes_and_pre_activation_hold_the_variants(tmp_path):
    result = to_dict(solve(parse_problem(problem_text(VARIANT))))
    notes = " ".join(result["notes"])
    assert "forget_bias" in notes and "Peepholes" in notes and "Projection" in notes
    step = result["steps"][0]
    # the forget bias is inside the pre-activation: W h + U x + w ⊙ c + b + 1
    U, b = np.array([[0.2, 0.3], [0.1, -0.1]]), np.array([0.1, 0.2])
    np.testing.assert_allclose(step["pre_activations"]["f"], U @ [1, 2] + b + 1.0, atol=1e-15)
    assert len(step["values"]["h"]) == 1 and len(step["values"]["c"]) == 2


def test_coupled_input_gate_is_one_minus_f_and_has_no_parameters(tmp_path):
    data = {k: v for k, v in VARIANT.items() if k not in ("peephole", "projection")}
    data["coupled"] = True
    data["gates"] = {k: {**v, "W": [[0.1, 0.0], [0.2, 0.1]]} for k, v in data["gates"].items()
                     if k != "input"}
    dv = solve(parse_problem(problem_text(data)))
    step = dv.steps[0]
    assert [q.short for q in step.quantities] == ["f", "i", "g", "o", "c", "h"]
    np.testing.assert_array_equal(step.get("i").value, 1 - step.get("f").value)
    path = tmp_path / "q.yaml"
    path.write_text(problem_text(data))
    out = CliRunner().invoke(main, [str(path)], env={"COLUMNS": "100"}).stdout
    assert "iₜ = 1 - fₜ" in out or "iₜ = 1 − fₜ" in out
    assert "1: 1 - " in out  # 1 − f worked element by element


# --- counts --------------------------------------------------------------------------------


def counted(**keys):
    return count(parse_problem(problem_text({"task": "count_parameters", **keys})))


@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
def test_projection_count_matches_pytorch(torch, layers, bidirectional):
    module = torch.nn.LSTM(5, 7, num_layers=layers, proj_size=3, bidirectional=bidirectional)
    expected = sum(p.numel() for p in module.parameters())
    dv = counted(cell="lstm", hidden_size=7, input_size=5, projection=3, layers=layers,
                 bidirectional=bidirectional, bias="double")
    assert dv.total == expected
    one = counted(cell="lstm", hidden_size=7, input_size=5, projection=3, layers=layers,
                  bidirectional=bidirectional)
    assert f"would report {expected:,}" in " ".join(one.notes)  # PyTorch's, from one bias


def test_peephole_coupled_and_tensorflow_counts():
    H, X, P = 4, 3, 2
    base = 4 * (H * X + H * H + H)
    assert counted(cell="lstm", hidden_size=H, input_size=X, peephole=True).total == base + 3 * H
    # TensorFlow 1's LSTMCell(use_peepholes=True, num_proj=P): kernel (X + P) × 4H, bias 4H,
    # w_{i,f,o}_diag 3H, projection H × P
    tf = (X + P) * 4 * H + 4 * H + 3 * H + H * P
    dv = counted(cell="lstm", hidden_size=H, input_size=X, peephole=True, projection=P)
    assert dv.total == tf
    assert f"tf.compat.v1.nn.rnn_cell.LSTMCell(use_peepholes=True, num_proj={P})) would " \
        f"report {tf:,}" in " ".join(dv.notes)
    assert "PyTorch's nn.LSTM has no peepholes" in " ".join(dv.notes)
    # the coupled cell (CoupledInputForgetGateLSTMCell): 3 gates, peepholes on f and o
    cifg = (X + H) * 3 * H + 3 * H + 2 * H
    dv = counted(cell="lstm", hidden_size=H, input_size=X, coupled=True, peephole=True)
    assert dv.total == cifg and "CoupledInputForgetGateLSTMCell" in " ".join(dv.notes)
    assert {i.name for i in dv.items} >= {"w_cf", "w_co"} and "w_ci" not in {
        i.name for i in dv.items}


def test_learned_initial_state_as_flux_counts_it():
    """Flux: GRU(3 => 5) reports 140 = 135 + the learned h_0 (5); an LSTM adds h_0 and c_0
    per layer and direction."""
    assert counted(cell="gru", hidden_size=5, input_size=3, initial_state="learned").total == 140
    dv = counted(cell="lstm", hidden_size=5, input_size=3, initial_state="learned", layers=2,
                 bidirectional=True)
    plain = counted(cell="lstm", hidden_size=5, input_size=3, layers=2, bidirectional=True)
    assert dv.total == plain.total + 2 * 2 * (5 + 5)
    assert "Flux counts the learned initial state" in " ".join(dv.notes)
    assert f"would report {plain.total + 2 * 2 * 4 * 5:,}" in " ".join(dv.notes)  # PyTorch
    proj = counted(cell="lstm", hidden_size=5, input_size=3, projection=2,
                   initial_state="learned")
    assert proj.total == counted(cell="lstm", hidden_size=5, input_size=3,
                                 projection=2).total + 2 + 5  # h_0 has P entries


# --- bad variant keys, at their place ----------------------------------------------------

GATES = "gates:\n  forget: {W: [[1]], U: [[1]]}\n"
BAD = [
    ("cell: gru\nforget_bias: 1\n" + GATES.replace("forget", "reset") + "x: [1]\n",
     ["q.yaml:2:1", "forget_bias", "LSTM variant", "cell: gru"]),
    ("cell: rnn\npeephole: {input: [1]}\ngates:\n  h: {W: [[1]], U: [[1]]}\nx: [1]\n",
     ["q.yaml:2:1", "peephole", "LSTM variant"]),
    ("cell: lstm\nforget_bias: one\n" + GATES + "x: [1]\n",
     ["q.yaml:2:14", "forget_bias", "expected a number"]),
    ("cell: lstm\ncoupled: yes please\n" + GATES + "x: [1]\n",
     ["coupled", "expected true or false"]),
    ("cell: lstm\ncoupled: true\ngates:\n  input: {W: [[1]], U: [[1]]}\nx: [1]\n",
     ["q.yaml:4:3", "gates.input", "i_t = 1 − f_t", "remove them"]),
    ("cell: lstm\ncoupled: true\npeephole: {input: [1]}\n" + GATES + "x: [1]\n",
     ["peephole.input", "no peephole"]),
    ("cell: lstm\npeephole: {candidate: [1]}\n" + GATES + "x: [1]\n",
     ["q.yaml:2:12", "peephole.candidate", "unknown key", "input, i, forget"]),
    ("cell: lstm\npeephole: [1, 2]\n" + GATES + "x: [1]\n",
     ["peephole", "expected a mapping"]),
    ("cell: lstm\npeephole: {}\n" + GATES + "x: [1]\n", ["peephole", "found none"]),
    ("cell: lstm\npeephole: {forget: [1, 2]}\n" + GATES + "x: [1]\n",
     ["peephole.forget", "has 2 entries", "diagonal"]),
    ("cell: lstm\npeephole: {forget: [1], f: [2]}\n" + GATES + "x: [1]\n",
     ["peephole.f", "given twice"]),
    ("cell: lstm\nprojection: [[1, 2]]\n" + GATES + "x: [1]\n",
     ["projection", "expected a mapping"]),
    ("cell: lstm\nprojection: {V: [[1]]}\n" + GATES + "x: [1]\n",
     ["projection.V", "unknown key"]),
    ("cell: lstm\nprojection: {}\n" + GATES + "x: [1]\n", ["projection", "missing 'W'"]),
    ("cell: lstm\nprojection: {W: [[1, 2]]}\n" + GATES + "x: [1]\n",
     ["projection.W", "has 2 columns", "o_t ⊙ tanh(c_t)"]),
    ("cell: lstm\nprojection: {W: [[1, 0], [0, 1]]}\ngates:\n  forget: {W: [[1, 1], [1, 1]], "
     "U: [[1], [1]]}\nx: [1]\n", ["projection.W", "P must be smaller than the hidden size"]),
    ("cell: lstm\nprojection: {W: [[1, 0]]}\ngates:\n  forget: {W: [[1, 1], [1, 1]], "
     "U: [[1], [1]]}\nx: [1]\n",
     ["gates.forget.W", "is 2×2", "which has 1 entries (the projection's size P): expected "
      "2×1"]),
    ("cell: lstm\nprojection: {W: [[1, 0]]}\ngates:\n  forget: {W: [[1], [1]], "
     "U: [[1], [1]]}\ninitial: {h: [1, 2]}\nx: [1]\n",
     ["initial.h", "has 2 entries but the projection's size P has 1"]),
    ("cell: lstm\nlayers:\n  - {gates: {f: {W: [[1]], U: [[1]]}}, peephole: {f: [1]}}\n"
     "  - {gates: {f: {W: [[1]], U: [[1]]}}}\nx: [1]\n",
     ["layers[1]", "every layer and direction has the same cell", "peepholes on f"]),
    ("cell: lstm\npeephole: {f: [1]}\nlayers:\n  - {gates: {f: {W: [[1]], U: [[1]]}}}\n"
     "x: [1]\n", ["peephole", "inside each layer"]),
    ("cell: lstm\ninitial_state: learned\n" + GATES + "x: [1]\n",
     ["q.yaml:2:1", "initial_state", "task: count_parameters"]),
    ("task: count_parameters\ncell: lstm\nhidden_size: 4\ninput_size: 2\nprojection: 4\n",
     ["projection", "smaller than hidden_size"]),
    ("task: count_parameters\ncell: lstm\nhidden_size: 4\ninput_size: 2\npeephole: [output, "
     "cell]\n", ["peephole[1]", "expected one of input, forget, output"]),
    ("task: count_parameters\ncell: lstm\nhidden_size: 4\ninput_size: 2\ninitial_state: "
     "learnt\n", ["initial_state", "did you mean 'learned'"]),
    ("task: count_parameters\ncell: gru\nhidden_size: 4\ninput_size: 2\ncoupled: true\n",
     ["coupled", "LSTM variant"]),
]


@pytest.mark.parametrize("text,fragments", BAD, ids=range(len(BAD)))
def test_bad_variant_keys_are_refused_at_their_place(tmp_path, text, fragments):
    path = tmp_path / "q.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, [str(path)])
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


WEIRD = [None, 5, "abc", [], [[]], {}, {"a": 1}, [1, "x"], True, False, -1, 1.5, 1e308,
         [[1, 2], [3]], "1 2\n3", "w" * 100_000, [[[[[1]]]]], {"forget": {"forget": [1]}},
         "\u202e\x00", 10**400, {"W": {"W": [[1]]}}, ["input", "input"]]


def test_odd_values_in_the_variant_keys_give_a_message_not_a_traceback():
    base = copy.deepcopy(VARIANT)
    base["coupled"] = False
    paths = [("forget_bias",), ("coupled",), ("peephole",), ("peephole", "forget"),
             ("projection",), ("projection", "W")]
    for path, odd in itertools.product(paths, WEIRD):
        data = copy.deepcopy(base)
        cur = data
        for key in path[:-1]:
            cur = cur[key]
        cur[path[-1]] = odd
        try:
            result = to_dict(solve(parse_problem(yaml.safe_dump(data), "odd.yaml")))
            json.dumps(result)
        except ProblemError as exc:
            assert str(exc).startswith("odd.yaml"), str(exc)
    count_base = {"task": "count_parameters", "cell": "lstm", "hidden_size": 4,
                  "input_size": 2}
    for key, odd in itertools.product(("coupled", "peephole", "projection", "forget_bias",
                                       "initial_state"), WEIRD):
        try:
            count(parse_problem(yaml.safe_dump({**count_base, key: odd}), "odd.yaml"))
        except ProblemError as exc:
            assert str(exc).startswith("odd.yaml"), str(exc)


def test_the_pdf_shows_the_variants_and_the_batch(tmp_path):
    """The PDF (LaTeX compiled) carries the coupled gate's step, the forget bias's term,
    the slicing sentence and the batch's table, as pdftotext reads them."""
    from conftest import PROBLEMS, require_program

    require_program("pdflatex")
    require_program("pdftotext")
    import subprocess

    out = tmp_path / "key.pdf"
    result = CliRunner().invoke(main, [str(PROBLEMS / "coupled_tensorflow_cifg.yaml"),
                                       "--format", "pdf", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True,
                                   text=True, check=True).stdout.replace("’", "'").split())
    for said in ("coupled: the input gate is i = 1 - f", "forget_bias: 1.0 is added",
                 "are the candidate's W", "Batch rows 2",  # W_j set as math
                 "0.103349", "0.100178"):
        assert said in text, said


@pytest.mark.parametrize("name,says", [
    ("peephole_lstm", "PyTorch's LSTM has no peepholes"),
    ("coupled_tensorflow_cifg", "no forget_bias (1.0 added to f_t's pre-activation) and no "
                                "coupled input gate"),
    # a projection is written since main's e4754c1 (nn.LSTM(proj_size)): test_programs.py
    ("round_h_mitx_lstm_states", "round: rounds h before it is carried"),
])
def test_a_pytorch_program_refuses_what_pytorch_lacks(name, says):
    """--format pytorch never writes a program that silently computes another cell."""
    from conftest import PROBLEMS

    result = CliRunner().invoke(main, [str(PROBLEMS / f"{name}.yaml"), "--format", "pytorch"])
    assert result.exit_code == 2 and says in result.stderr, result.stderr


def test_a_pytorch_program_of_a_batch_has_a_section_per_row(tmp_path):
    from conftest import PROBLEMS

    result = CliRunner().invoke(main, [str(PROBLEMS / "packed_cs231n_lstm.yaml"), "--format",
                                       "pytorch"])
    assert result.exit_code == 0, result.stderr
    assert "(batch row 1)" in result.stdout and "(batch row 2)" in result.stdout


# --- the backward pass (issue 11) derives the variants' equations too -----------------------

@pytest.mark.parametrize("peephole,coupled,forget_bias,projection", [
    (("i", "f", "o"), False, 0.0, False), (("f", "o"), True, 1.0, False),
    ((), False, 1.0, True), (("o",), False, 0.0, True), ((), True, 0.0, True),
])
def test_variant_gradients_against_torch_autograd(torch, peephole, coupled, forget_bias,
                                                   projection):
    """∂L/∂θ of every parameter (peepholes and W_hr too) with L = u·h_T (upstream), against
    torch.autograd of the papers' equations in float64."""
    rng = np.random.default_rng(len(peephole) + 3 * coupled + 5 * projection)
    H, X, T = 3, 2, 3
    P_size = 2 if projection else H
    P = _params(rng, H, X, P_size, row=False)
    W_hr = rng.normal(size=(P_size, H)) if projection else None
    xs, h0, c0 = rng.normal(size=(T, X)), rng.normal(size=P_size), rng.normal(size=H)
    u = rng.normal(size=P_size)
    data = _file(P, xs, h0, c0, peephole, coupled, forget_bias, W_hr, False)
    data["upstream"] = {"h": u.tolist()}
    got = to_dict(solve(parse_problem(problem_text(data))))["backward"]["gradients"]

    t = {k: [torch.tensor(a, requires_grad=True) for a in P[k]] for k in "ifgo"}
    w = {k: torch.tensor(P["w_" + k], requires_grad=True) for k in "ifo"}
    R = torch.tensor(W_hr, requires_grad=True) if projection else None
    h, c = torch.tensor(h0), torch.tensor(c0)
    for x in torch.tensor(xs):
        def pre(k, h=h, x=x):
            return t[k][0] @ x + t[k][1] @ h + t[k][2]

        f = torch.sigmoid(pre("f") + (w["f"] * c if "f" in peephole else 0) + forget_bias)
        i = 1 - f if coupled else torch.sigmoid(pre("i") + (w["i"] * c if "i" in peephole
                                                            else 0))
        c = f * c + i * torch.tanh(pre("g"))
        o = torch.sigmoid(pre("o") + (w["o"] * c if "o" in peephole else 0))
        m = o * torch.tanh(c)
        h = R @ m if projection else m
    (torch.tensor(u) @ h).backward()
    for k in "ifgo":
        if coupled and k == "i":
            assert NAMES[k] not in got
            continue
        for j, key in enumerate(("W_x", "W_h", "b")):
            np.testing.assert_allclose(got[NAMES[k]][key], t[k][j].grad.numpy(), rtol=0,
                                       atol=1e-12, err_msg=f"{k} {key}")
    for k in peephole:
        np.testing.assert_allclose(got["peephole"][NAMES[k]], w[k].grad.numpy(), rtol=0,
                                   atol=1e-12, err_msg=f"peephole {k}")
    if projection:
        np.testing.assert_allclose(got["projection"]["W"], R.grad.numpy(), rtol=0, atol=1e-12)
