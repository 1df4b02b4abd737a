"""The LSTM against torch.nn.LSTMCell in float64, in every layout and orientation.

Random problems are written as YAML, solved, and compared with PyTorch's
cell given the same weights, mapped onto weight_ih / weight_hh (i, f, g, o).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import problem_text

from lstm_solver.problem import parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solve import solve

GATES = ("input", "forget", "candidate", "output")  # PyTorch's row-block order i, f, g, o
LAYOUTS = [
    ("split", None, "column"),
    ("split", None, "row"),
    ("concat", ["h", "x"], "column"),
    ("concat", ["x", "h"], "column"),
    ("concat", ["h", "x", 1], "column"),
    ("concat", [1, "x", "h"], "column"),
    ("concat", ["x", "h"], "row"),
    ("concat", ["h", "x", 1], "row"),
]


def _r(rng, *shape):
    """Random numbers with 3 decimals: exact in YAML, the same floats in torch."""
    return np.round(rng.uniform(-1.5, 1.5, size=shape), 3)


def random_case(seed: int, layout, stack, orientation, two_biases=False):
    rng = np.random.default_rng(seed)
    H, X, T = rng.integers(1, 5), rng.integers(1, 5), rng.integers(1, 4)
    W_ih, W_hh = _r(rng, 4 * H, X), _r(rng, 4 * H, H)
    b_ih, b_hh = _r(rng, 4 * H), (_r(rng, 4 * H) if two_biases else np.zeros(4 * H))
    h0, c0, xs = _r(rng, H), _r(rng, H), _r(rng, T, X)
    gates = {}
    for k, gate in enumerate(GATES):
        rows = slice(k * H, (k + 1) * H)
        Wi, Wh, b = W_ih[rows], W_hh[rows], b_ih[rows] + b_hh[rows]
        if layout == "split":
            p = {"W": Wh, "U": Wi, "b": b_ih[rows]}
            if two_biases:
                p["b_h"] = b_hh[rows]
        else:
            cols = {"h": Wh, "x": Wi, 1: b[:, None]}
            p = {"W": np.hstack([cols[s] for s in stack])}
            if 1 not in stack:
                p["b"] = b
        if orientation == "row":
            p = {k: v.T if v.ndim == 2 else v for k, v in p.items()}
        gates[gate] = {k: v.tolist() for k, v in p.items()}
    data = {"cell": "lstm", "layout": layout, "orientation": orientation, "gates": gates,
            "initial": {"h": h0.tolist(), "c": c0.tolist()}, "x": xs.tolist()}
    if stack:
        data["stack"] = stack
    if T == 1:
        data["x"] = xs[0].tolist()
    torch_params = (W_ih, W_hh, b_ih, b_hh, h0, c0, xs)
    return data, torch_params


def torch_lstm(torch, W_ih, W_hh, b_ih, b_hh, h0, c0, xs):
    H = len(h0)
    cell = torch.nn.LSTMCell(W_ih.shape[1], H, dtype=torch.float64)
    with torch.no_grad():
        for p, v in ((cell.weight_ih, W_ih), (cell.weight_hh, W_hh), (cell.bias_ih, b_ih),
                     (cell.bias_hh, b_hh)):
            p.copy_(torch.tensor(v))
    h, c = torch.tensor(h0)[None], torch.tensor(c0)[None]
    out = []
    for x in xs:
        with torch.no_grad():
            gates = torch.tensor(x)[None] @ cell.weight_ih.T + cell.bias_ih + (
                h @ cell.weight_hh.T + cell.bias_hh)
            h, c = cell(torch.tensor(x)[None], (h, c))
        i, f, g, o = gates[0].reshape(4, H)
        out.append({"i": torch.sigmoid(i), "f": torch.sigmoid(f), "g": torch.tanh(g),
                    "o": torch.sigmoid(o), "c": c[0], "h": h[0],
                    "pre_g": g})
    return out


CASES = [(seed, *layout) for seed in range(6) for layout in LAYOUTS]


@pytest.mark.parametrize("seed,layout,stack,orientation", CASES)
def test_matches_torch_lstm_cell(torch, seed, layout, stack, orientation):
    data, params = random_case(seed, layout, stack, orientation)
    result = to_dict(solve(parse_problem(problem_text(data))))
    expected = torch_lstm(torch, *params)
    assert len(result["steps"]) == len(expected)
    for step, ref in zip(result["steps"], expected):
        for q in "ifgohc":
            np.testing.assert_allclose(step["values"][q], ref[q].numpy(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(step["pre_activations"]["g"], ref["pre_g"].numpy(), atol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_second_bias_b_h_matches_bias_hh(torch, seed):
    data, params = random_case(100 + seed, "split", None, "column", two_biases=True)
    result = to_dict(solve(parse_problem(problem_text(data))))
    for step, ref in zip(result["steps"], torch_lstm(torch, *params)):
        for q in "ch":
            np.testing.assert_allclose(step["values"][q], ref[q].numpy(), atol=1e-12)


def test_start_index_labels_steps(torch):
    data, params = random_case(7, "split", None, "column")
    data["start"] = 5
    result = to_dict(solve(parse_problem(problem_text(data))))
    assert [s["t"] for s in result["steps"]] == list(range(5, 5 + len(result["steps"])))
