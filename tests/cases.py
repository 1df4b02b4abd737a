"""Random LSTM problems in every layout, and PyTorch's answer to them."""

from __future__ import annotations

import numpy as np

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


