"""GRU, plain RNN, stacked and bidirectional networks against PyTorch in float64.

PyTorch's parameters are written into problem files (split layout: W = weight_hh,
U = weight_ih, b = bias_ih, b_h = bias_hh, gate by gate in PyTorch's row order)
and every value is compared with what PyTorch computes.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import problem_text

from lstm_solver.problem import parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve

ORDER = {"lstm": ("input", "forget", "candidate", "output"),
         "gru": ("reset", "update", "candidate"), "rnn": ("hidden",)}


def gates_of(module, suffix: str, cell: str) -> dict:
    """One layer-direction's parameters (suffix: "", "_l0", "_l1_reverse", ...)."""
    p = {k: getattr(module, k + suffix).detach().numpy() for k in
         ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    H = p["weight_hh"].shape[1]
    return {gate: {"W": p["weight_hh"][k * H:(k + 1) * H].tolist(),
                   "U": p["weight_ih"][k * H:(k + 1) * H].tolist(),
                   "b": p["bias_ih"][k * H:(k + 1) * H].tolist(),
                   "b_h": p["bias_hh"][k * H:(k + 1) * H].tolist()}
            for k, gate in enumerate(ORDER[cell])}


def solved(data: dict) -> dict:
    return to_dict(solve(parse_problem(problem_text(data))))


@pytest.mark.parametrize("seed", range(8))
def test_gru_cell_reset_after(torch, seed):
    torch.manual_seed(seed)
    H, X, T = 1 + seed % 4, 1 + (seed * 3) % 4, 1 + seed % 3
    cell = torch.nn.GRUCell(X, H, dtype=torch.float64)
    xs, h = torch.randn(T, X, dtype=torch.float64), torch.randn(H, dtype=torch.float64)
    data = {"cell": "gru", "reset": "after", "gates": gates_of(cell, "", "gru"),
            "initial": {"h": h.tolist()}, "x": xs.tolist()}
    result = solved(data)
    with torch.no_grad():
        for step, x in zip(result["steps"], xs, strict=True):
            h = cell(x[None], h[None])[0]
            np.testing.assert_allclose(step["values"]["h"], h.numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_gru_gates_reset_after(torch, seed):
    """r, z and the candidate n, not only h."""
    torch.manual_seed(100 + seed)
    H, X = 2 + seed % 3, 1 + seed % 3
    cell = torch.nn.GRUCell(X, H, dtype=torch.float64)
    x, h = torch.randn(X, dtype=torch.float64), torch.randn(H, dtype=torch.float64)
    step = solved({"cell": "gru", "reset": "after", "gates": gates_of(cell, "", "gru"),
                   "initial": {"h": h.tolist()}, "x": x.tolist()})["steps"][0]
    with torch.no_grad():
        gi = cell.weight_ih @ x + cell.bias_ih
        gh = cell.weight_hh @ h + cell.bias_hh
        r = torch.sigmoid(gi[:H] + gh[:H])
        z = torch.sigmoid(gi[H:2 * H] + gh[H:2 * H])
        n = torch.tanh(gi[2 * H:] + r * gh[2 * H:])
        h_new = cell(x[None], h[None])[0]
    for name, ref in (("r", r), ("z", z), ("g", n), ("h", h_new)):
        np.testing.assert_allclose(step["values"][name], ref.numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("seed", range(4))
def test_rnn_cell(torch, nonlinearity, seed):
    torch.manual_seed(seed)
    H, X, T = 1 + seed, 2 + seed % 2, 3
    cell = torch.nn.RNNCell(X, H, nonlinearity=nonlinearity, dtype=torch.float64)
    xs, h = torch.randn(T, X, dtype=torch.float64), torch.randn(H, dtype=torch.float64)
    result = solved({"cell": "rnn", "activation": nonlinearity,
                     "gates": gates_of(cell, "", "rnn"), "initial": {"h": h.tolist()},
                     "x": xs.tolist()})
    with torch.no_grad():
        for step, x in zip(result["steps"], xs, strict=True):
            h = cell(x[None], h[None])[0]
            np.testing.assert_allclose(step["values"]["h"], h.numpy(), rtol=0, atol=1e-12)


def test_lstm_two_layers(torch):
    torch.manual_seed(7)
    H, X, T = 3, 2, 4
    lstm = torch.nn.LSTM(X, H, num_layers=2, dtype=torch.float64)
    xs = torch.randn(T, X, dtype=torch.float64)
    h0, c0 = torch.randn(2, H, dtype=torch.float64), torch.randn(2, H, dtype=torch.float64)
    data = {"cell": "lstm", "x": xs.tolist(), "layers": [
        {"gates": gates_of(lstm, f"_l{k}", "lstm"),
         "initial": {"h": h0[k].tolist(), "c": c0[k].tolist()}} for k in range(2)]}
    result = solved(data)
    with torch.no_grad():
        out, (hn, cn) = lstm(xs[:, None], (h0[:, None], c0[:, None]))
    top = [s for s in result["steps"] if s["layer"] == 2]
    assert [s["t"] for s in top] == [1, 2, 3, 4]
    for step, ref in zip(top, out[:, 0], strict=True):
        np.testing.assert_allclose(step["values"]["h"], ref.numpy(), rtol=0, atol=1e-12)
    first = [s for s in result["steps"] if s["layer"] == 1]
    np.testing.assert_allclose(first[-1]["values"]["c"], cn[0, 0].numpy(), atol=1e-12)
    np.testing.assert_allclose(top[0]["x"], first[0]["values"]["h"], atol=0)


@pytest.mark.parametrize("layers", [1, 2])
def test_gru_bidirectional(torch, layers):
    torch.manual_seed(11 + layers)
    H, X, T = 2, 3, 4
    gru = torch.nn.GRU(X, H, num_layers=layers, bidirectional=True, dtype=torch.float64)
    xs = torch.randn(T, X, dtype=torch.float64)
    h0 = torch.randn(2 * layers, H, dtype=torch.float64)

    def unit(k, direction):
        suffix = f"_l{k}" + ("_reverse" if direction == "backward" else "")
        return {"gates": gates_of(gru, suffix, "gru"),
                "initial": {"h": h0[2 * k + (direction == "backward")].tolist()}}

    data = {"cell": "gru", "reset": "after", "bidirectional": True, "x": xs.tolist()}
    if layers == 1:
        data.update(forward=unit(0, "forward"), backward=unit(0, "backward"))
    else:
        data["layers"] = [{d: unit(k, d) for d in ("forward", "backward")}
                          for k in range(layers)]
    result = solved(data)
    with torch.no_grad():
        out, hn = gru(xs[:, None], h0[:, None])
    assert [o["t"] for o in result["outputs"]] == [1, 2, 3, 4]
    for o, ref in zip(result["outputs"], out[:, 0], strict=True):
        np.testing.assert_allclose(o["h"], ref.numpy(), rtol=0, atol=1e-12)
    backward = [s for s in result["steps"] if s["direction"] == "backward"
                and s["layer"] == layers]
    assert [s["t"] for s in backward] == [4, 3, 2, 1]  # reads the sequence from the end
    np.testing.assert_allclose(backward[-1]["values"]["h"], hn[-1, 0].numpy(), atol=1e-12)
