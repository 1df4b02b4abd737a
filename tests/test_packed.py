"""Packed weights (issue 17): the gates' blocks side by side, as libraries keep them.

A packed file and its hand-sliced twin give identical derivations (a property test);
PyTorch's own weight_ih_l0 / weight_hh_l0 / bias_ih_l0 / bias_hh_l0 (and Keras's
kernel, recurrent_kernel, bias) give the library's numbers in float64; the slicing
is said once, in every format; bad packed values are refused at their key.
"""

from __future__ import annotations

import copy
import html
import json
import os
import re

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from conftest import problem_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_solver.cli import main
from lstm_solver.errors import ProblemError
from lstm_solver.problem import parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve

# the gate's key for each order letter (written out here, independently): an alias the
# cells know (j, u, n) names the gate so, and is printed so (j_t, as TensorFlow writes it)
NAMES = {"lstm": {"i": "input", "f": "forget", "o": "output", "g": "candidate",
                  "c": "candidate", "j": "j"},
         "gru": {"r": "reset", "z": "update", "u": "u", "n": "n", "h": "candidate"},
         "rnn": {"h": "hidden"}}
PRESET = {"pytorch": {"lstm": "ifgo", "gru": "rzn"}, "keras": {"lstm": "ifco", "gru": "zrh"},
          "cs231n": {"lstm": "ifog"}, "tensorflow": {"lstm": "ijfo"}}
KEYS = {"W_x/W_h": ("W_x", "W_h", "b", "b_h"), "Wx/Wh": ("Wx", "Wh", "b", "b_h"),
        "W_ih/W_hh": ("W_ih", "W_hh", "b_ih", "b_hh"), "W/U": ("U", "W", "b", "b_h")}


def hand_sliced(data: dict, cell: str, row: bool) -> dict:
    """The twin: each gate's block cut out by hand (numpy slicing) into gates:."""
    out = copy.deepcopy(data)
    packed = out.pop("packed")
    letters = packed.pop("order")
    letters = PRESET.get(letters, {}).get(cell, letters)
    n = len(letters)
    gates = {}
    for key, value in packed.items():
        a = np.array(value, dtype=object)
        size = (a.shape[1] if row and a.ndim == 2 else a.shape[0]) // n
        for k, letter in enumerate(letters):
            part = a[:, k * size:(k + 1) * size] if (row and a.ndim == 2) else \
                a[k * size:(k + 1) * size]
            gates.setdefault(NAMES[cell][letter], {})[key] = part.tolist()
    out["gates"] = gates
    return out


def _numbers(rng, *shape):
    return np.round(rng.uniform(-2, 2, size=shape), 2).tolist()


@st.composite
def packed_problems(draw):
    cell = draw(st.sampled_from(["lstm", "gru", "rnn"]))
    layout = draw(st.sampled_from(["split", "concat"]))
    row = draw(st.booleans())
    H, X, T = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 10**6)))
    letters = {"lstm": "ifgo", "gru": "rzn", "rnn": "h"}[cell]
    order = "".join(draw(st.permutations(letters)))
    # the candidate's other letters (c, j for an LSTM; h for a GRU), or a preset
    order = draw(st.sampled_from([order, order.replace("g", "j"), order.replace("g", "c"),
                                  order.replace("n", "h"), *(
                                      [p for p in PRESET if cell in PRESET[p]])]))
    n = len(letters)
    data: dict = {"cell": cell, "orientation": "row" if row else "column"}
    if cell == "gru":
        data["reset"] = draw(st.sampled_from(["before", "after"]))
    t = (lambda m: np.array(m).T.tolist()) if row else (lambda m: m)
    if layout == "split":
        naming = draw(st.sampled_from(sorted(KEYS)))
        kx, kh, kb, kbh = KEYS[naming]
        packed = {"order": order, kx: t(_numbers(rng, n * H, X)), kh: t(_numbers(rng, n * H, H))}
        if draw(st.booleans()):
            packed[kb] = _numbers(rng, n * H)
        if draw(st.booleans()):
            packed[kbh] = _numbers(rng, n * H)
        if naming == "W/U" and draw(st.booleans()):
            data["convention"] = "W_x"
            packed["W"], packed["U"] = packed.pop("U"), packed.pop("W")
    else:
        stack = draw(st.sampled_from([["h", "x"], ["x", "h"], ["x", "h", 1]]))
        data.update(layout="concat", stack=stack)
        width = H + X + (1 in stack)
        packed = {"order": order, "W": t(_numbers(rng, n * H, width))}
        if 1 not in stack and draw(st.booleans()):
            packed["b"] = _numbers(rng, n * H)
    data["packed"] = packed
    data["initial"] = {"h": _numbers(rng, H), **({"c": _numbers(rng, H)} if cell == "lstm"
                                                 else {})}
    data["x"] = _numbers(rng, T, X)
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packed_problems())
def test_a_packed_file_and_its_hand_sliced_twin_give_identical_derivations(data):
    row = data["orientation"] == "row"
    twin = hand_sliced(data, data["cell"], row)
    packed, sliced = (parse_problem(problem_text(d)) for d in (data, twin))
    a, b = solve(packed), solve(sliced)
    assert to_dict(a)["steps"] == to_dict(b)["steps"]  # every value, to the last bit
    # and the same worked lines: the packed one only adds its slicing sentence
    from rich.console import Console

    from lstm_solver.render.terminal import TerminalSolution

    def shown(dv) -> str:
        console = Console(width=100, color_system=None, record=True)
        with console.capture() as capture:
            console.print(TerminalSolution(dv))
        text = capture.get()
        return text[text.index("Step t ="):]

    assert shown(a) == shown(b)


def test_the_slicing_is_said_once_in_every_format(tmp_path):
    data = {"cell": "lstm", "orientation": "row", "packed": {
        "order": "cs231n", "Wx": np.arange(40).reshape(2, 20).tolist(),
        "Wh": np.zeros((5, 20)).tolist(), "b": [0] * 20}, "x": [0.01, -0.02]}
    path = tmp_path / "q.yaml"
    path.write_text(problem_text(data))
    said = ("columns 1–5 are the input gate's W_xi, columns 6–10 the forget gate's W_xf, "
            "columns 11–15 the output gate's W_xo and columns 16–20 the candidate's W_xg; "
            "Wh and b are cut the same way")
    for fmt in ("terminal", "json", "latex", "markdown", "html"):
        out = CliRunner().invoke(main, [str(path), "--format", fmt],
                                 env={"COLUMNS": "80"}).stdout
        out = re.sub(r"\$([A-Za-z])_\{(\w+)\}\$", r"\1_\2", out)  # $W_{xi}$ in words
        out = re.sub(r"<math><msub><mi>(\w)</mi><mi>(\w+)</mi></msub></math>", r"\1_\2", out)
        flat = " ".join(html.unescape(re.sub(r"<[^>]+>", "", out)).replace(r"\_", "_")
                        .replace("--", "–").split())
        if fmt == "json":
            flat = " ".join(json.loads(out)["notes"])
        assert flat.count(said) == 1, (fmt, flat[:2000])
        assert "order: cs231n" in flat
    sheet = CliRunner().invoke(main, [str(path), "--questions"], env={"COLUMNS": "80"}).stdout
    assert "W_x =" in sheet and "W_xi =" not in sheet  # the sheet gives Wx as written


# --- the libraries' own packed weights, in float64 ------------------------------------------


def _torch_unit(module, layer: int, suffix: str, h0, c0, k: int, projection: bool) -> dict:
    def g(name: str) -> list:
        return getattr(module, f"{name}_l{layer}{suffix}").detach().numpy().tolist()

    unit = {"packed": {"order": "pytorch", "W_ih": g("weight_ih"), "W_hh": g("weight_hh"),
                       "b_ih": g("bias_ih"), "b_hh": g("bias_hh")},
            "initial": {"h": h0[k].tolist(), **({"c": c0[k].tolist()} if c0 is not None
                                                else {})}}
    if projection:
        unit["projection"] = {"W": g("weight_hr")}
    return unit


@pytest.mark.parametrize("kind,layers,bidirectional,proj", [
    ("LSTM", 1, False, 0), ("LSTM", 2, True, 0), ("GRU", 2, False, 0), ("GRU", 1, True, 0),
    ("RNN", 2, True, 0), ("LSTM", 1, False, 2), ("LSTM", 2, True, 2),
])
def test_pytorch_packed_weights_as_pytorch_keeps_them(torch, kind, layers, bidirectional,
                                                      proj):
    """weight_ih_l0 (4H × X), weight_hh_l0, bias_ih_l0, bias_hh_l0 pasted as they are:
    torch.nn.LSTM / GRU / RNN (and LSTM(proj_size=P)) in float64 give the same h_t."""
    torch.manual_seed(17 + layers + 10 * bidirectional + proj)
    X, H, T = 3, 4, 3
    extra = {"proj_size": proj} if proj else {}
    module = getattr(torch.nn, kind)(X, H, num_layers=layers, bidirectional=bidirectional,
                                     dtype=torch.float64, **extra)
    nd = 2 if bidirectional else 1
    P = proj or H
    x = torch.randn(T, X)
    h0 = torch.randn(layers * nd, P)
    c0 = torch.randn(layers * nd, H) if kind == "LSTM" else None
    with torch.no_grad():
        out, _ = module(x, (h0, c0) if kind == "LSTM" else h0)
    cell = kind.lower()
    data: dict = {"cell": cell, "x": x.tolist()}
    if cell == "gru":
        data["reset"] = "after"  # PyTorch's GRU: r_t ⊙ (W_hn h_{t-1} + b_hn)

    def unit(layer, direction):
        k = layer * nd + (direction == "backward")
        return _torch_unit(module, layer, "_reverse" if direction == "backward" else "",
                           h0, c0, k, bool(proj))

    if bidirectional:
        data["bidirectional"] = True
        data["layers"] = [{"forward": unit(k, "forward"), "backward": unit(k, "backward")}
                          for k in range(layers)]
    else:
        data["layers"] = [unit(k, "forward") for k in range(layers)]
    result = to_dict(solve(parse_problem(problem_text(data))))
    if bidirectional:
        got = np.array([o["h"] for o in result["outputs"]])
    else:
        got = np.array([s["values"]["h"] for s in result["steps"]
                        if s.get("layer", 1) == layers])
    np.testing.assert_allclose(got, out.numpy(), rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # keras's own, on numpy 2
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_keras_kernels_as_keras_keeps_them(kind):
    """Keras's kernel (X × 4H, i, f, c, o; GRU z, r, h), recurrent_kernel and bias, in row
    orientation: the same h_t as Keras itself (on the PyTorch backend, float64)."""
    pytest.importorskip("torch")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    keras.config.set_floatx("float64")
    try:
        rng = np.random.default_rng(3)
        X, H, T = 3, 2, 3
        layer = getattr(keras.layers, kind)(H, return_sequences=True, dtype="float64")
        x = rng.normal(size=(1, T, X))
        out = keras.ops.convert_to_numpy(layer(x))[0]
        kernel, recurrent, bias = (np.asarray(keras.ops.convert_to_numpy(w))
                                   for w in layer.weights)
        bias = rng.normal(size=bias.shape)  # not zeros, so that the bias blocks matter
        layer.set_weights([kernel, recurrent, bias])
        out = keras.ops.convert_to_numpy(layer(x))[0]
    finally:
        keras.config.set_floatx("float32")
    packed = {"order": "keras", "W_x": kernel.tolist(), "W_h": recurrent.tolist()}
    data = {"cell": kind.lower(), "orientation": "row", "x": x[0].tolist()}
    if kind == "GRU":  # reset_after=True: bias is (2, 3H), the input's and the recurrent's
        packed.update(b=bias[0].tolist(), b_h=bias[1].tolist())
        data["reset"] = "after"
    else:
        packed["b"] = bias.tolist()
    data["packed"] = packed
    result = to_dict(solve(parse_problem(problem_text(data))))
    got = np.array([s["values"]["h"] for s in result["steps"]])
    np.testing.assert_allclose(got, out, rtol=0, atol=1e-12)


# --- bad packed values, at their key ------------------------------------------------------

PACKED_BASE = "cell: lstm\npacked:\n  order: ifgo\n  W_x: [[1], [2], [3], [4]]\n" \
              "  W_h: [[1], [2], [3], [4]]\nx: [1]\n"
BAD = [
    (PACKED_BASE.replace("order: ifgo", "order: ifgx"),
     ["q.yaml:3:10", "packed.order", "'x' is not a gate's letter", "i, f, o and the "
      "candidate as g, c or j"]),
    (PACKED_BASE.replace("order: ifgo", "order: iffo"),
     ["packed.order", "names the forget gate twice"]),
    (PACKED_BASE.replace("order: ifgo", "order: ifg"),
     ["packed.order", "names the output gate not at all"]),
    (PACKED_BASE.replace("order: ifgo", "order: pytorhc"),
     ["packed.order", "did you mean 'pytorch'"]),
    (PACKED_BASE.replace("order: ifgo", "order: [i, f, g, o]"),
     ["packed.order", "found a list"]),
    (PACKED_BASE.replace("  order: ifgo\n", ""), ["q.yaml:3:3", "missing 'order'"]),
    (PACKED_BASE.replace("  W_h: [[1], [2], [3], [4]]\n", ""),
     ["packed", "missing 'W_h', the packed matrix that multiplies h_{t-1}"]),
    (PACKED_BASE.replace("W_x: [[1], [2], [3], [4]]", "W_x: [[1], [2], [3]]"),
     ["q.yaml:4:8", "packed.W_x", "has 3 rows", "4 gates"]),
    (PACKED_BASE.replace("W_h: [[1], [2], [3], [4]]", "W_h: [[1], [2]]"),
     ["packed.W_h", "has 2 rows but packed.W_x has 4"]),
    (PACKED_BASE.replace("W_h: [[1], [2], [3], [4]]",
                         "W_h: [[1], [2], [3], [4], [5], [6], [7], [8]]"),
     ["packed.W_h", "has 8 rows"]),
    (PACKED_BASE + "gates: {input: {W_x: [[1]], W_h: [[1]]}}\n",
     ["packed", "either 'gates'", "or 'packed'"]),
    (PACKED_BASE.replace("  W_h:", "  b: [1, 2]\n  W_h:"),
     ["packed.b", "has 2 entries but packed.W_x has 4"]),
    (PACKED_BASE.replace("  W_h:", "  U: [[1]]\n  W_h:"), ["packed.U", "names its weights"]),
    (PACKED_BASE.replace("  W_h:", "  V: [[1]]\n  W_h:"), ["packed.V", "unknown key 'V'"]),
    (PACKED_BASE.replace("order: ifgo", "order: cs231n").replace("cell: lstm", "cell: gru"),
     ["packed.order", "no packed layout for a GRU"]),
    (PACKED_BASE.replace("order: ifgo", "order: tensorflow").replace("cell: lstm",
                                                                     "cell: gru"),
     ["packed.order", "write order: keras"]),
    ("cell: lstm\ncoupled: true\npacked: {order: ifgo, W_x: [[1], [2], [3]], "
     "W_h: [[1], [2], [3]]}\nx: [1]\n", ["packed.order", "coupled: true has no input gate"]),
    ("cell: lstm\ncoupled: true\npacked: {order: pytorch, W_x: [[1], [2], [3]], "
     "W_h: [[1], [2], [3]]}\nx: [1]\n", ["packed.order", "no packed layout for a coupled"]),
    ("cell: lstm\nlayers:\n  - {packed: {order: ifgo, W_x: [[1], [2], [3], [4]], "
     "W_h: [[1], [2], [3], [4]]}}\n  - {packed: {order: ifgo, W_x: [[1, 1], [2, 2], [3, 3], "
     "[4, 4]], W_h: [[1], [2], [3], [4]]}}\nx: [1]\n",
     ["layers[1].packed.W_x", "gives x_t 2 entries, but layer 2 reads h_t of layer 1, which "
      "has 1"]),
    ("cell: lstm\nlayout: concat\npacked: {order: ifgo, W: [[1, 2], [3, 4], [5, 6], [7, 8]], "
     "W_x: [[1]]}\nx: [1]\n", ["packed.W_x", "unknown key", "expected one of: order, W, b"]),
]


@pytest.mark.parametrize("text,fragments", BAD, ids=range(len(BAD)))
def test_bad_packed_values_are_refused_at_their_key(tmp_path, text, fragments):
    path = tmp_path / "q.yaml"
    path.write_text(text)
    result = CliRunner().invoke(main, [str(path)])
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


WEIRD = [None, 5, "abc", [], [[]], {}, {"a": 1}, [1, "x"], True, -1, 1.5, [[1, 2], [3]],
         "1 2\n3", "ifgo", "pytorch", "W_x", "w" * 100_000, [[[[["ifgo"]]]]],
         {"order": {"order": "ifgo"}}, "\u202e\x00", "[[1 2]\n 3]", 10**400]


def test_odd_values_anywhere_in_packed_give_a_message_not_a_traceback():
    base = yaml.safe_load(PACKED_BASE.replace("  W_h:", "  b: [1, 2, 3, 4]\n  W_h:"))
    base["layers"] = [{"packed": base.pop("packed")}]
    paths = [("layers", 0, "packed"), ("layers", 0, "packed", "order"),
             ("layers", 0, "packed", "W_x"), ("layers", 0, "packed", "W_h"),
             ("layers", 0, "packed", "b"), ("layers", 0)]
    for path in paths:
        for odd in WEIRD:
            data = copy.deepcopy(base)
            cur = data
            for key in path[:-1]:
                cur = cur[key]
            cur[path[-1]] = odd
            try:
                solve(parse_problem(yaml.safe_dump(data), "odd.yaml"))
            except ProblemError as exc:
                assert str(exc).startswith("odd.yaml"), str(exc)
