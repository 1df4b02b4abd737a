"""Problem.from_torch: PyTorch modules -> problem -> solve, against the module's own
outputs in float64 (every cell, layers, directions, biases, initial states)."""

from __future__ import annotations

import zlib
from decimal import Decimal

import numpy as np
import pytest

from lstm_solver import Problem, ProblemError, load_problem, parse_problem, solve

CASES = [
    # (module, layers, bidirectional, extra keyword arguments)
    ("LSTM", 1, False, {}),
    ("LSTM", 2, False, {}),
    ("LSTM", 1, True, {}),
    ("LSTM", 2, True, {"batch_first": True}),
    ("LSTM", 1, False, {"bias": False}),
    ("GRU", 1, False, {}),
    ("GRU", 3, False, {}),
    ("GRU", 2, True, {}),
    ("GRU", 1, True, {"bias": False}),
    ("RNN", 1, False, {}),
    ("RNN", 2, True, {"nonlinearity": "relu"}),
    ("RNN", 1, False, {"nonlinearity": "relu", "bias": False}),
]


def _module(torch, kind, layers, bidirectional, kwargs, X, H):
    cls = getattr(torch.nn, kind)
    return cls(X, H, num_layers=layers, bidirectional=bidirectional, dtype=torch.float64,
               **kwargs)


@pytest.mark.parametrize("initial", [False, True], ids=["zeros", "given"])
@pytest.mark.parametrize("kind,layers,bidirectional,kwargs", CASES)
def test_sequence_modules(torch, kind, layers, bidirectional, kwargs, initial):
    seed = zlib.crc32(repr((kind, layers, bidirectional, kwargs, initial)).encode())
    torch.manual_seed(seed)
    X, H, T = 3, 2 + layers % 2, 4
    module = _module(torch, kind, layers, bidirectional, kwargs, X, H)
    for p in module.parameters():  # wider than PyTorch's init: the gates are not all ~0.5
        torch.nn.init.uniform_(p, -1.5, 1.5)
    D = 2 if bidirectional else 1
    x = torch.randn(T, X)
    h0 = torch.randn(D * layers, H) if initial else None
    c0 = torch.randn(D * layers, H) if initial and kind == "LSTM" else None
    batched = kwargs.get("batch_first")
    inp = x[None] if batched else x
    state_in = None
    if initial:  # (layers × directions, batch, H) for a batched input
        h, c = (h0[:, None], c0[:, None] if c0 is not None else None) if batched else (h0, c0)
        state_in = (h, c) if kind == "LSTM" else h
    with torch.no_grad():
        out, state = module(inp, state_in)
    out = out[0] if batched else out
    problem = Problem.from_torch(module, inp, h0, c0)
    solution = solve(problem)
    np.testing.assert_allclose(solution.values["h"], out.numpy(), rtol=0, atol=1e-13)
    # the final states of every layer and direction (h_n; c_n for an LSTM)
    h_n = state[0] if kind == "LSTM" else state
    for k, unit in enumerate(problem.units):
        values = solution.layer_values(unit.layer, unit.direction)
        last = 0 if unit.direction == "backward" else -1
        got = h_n[k, 0] if batched else h_n[k]
        np.testing.assert_allclose(values["h"][last], got.numpy(), rtol=0, atol=1e-13)
        if kind == "LSTM":
            got = state[1][k, 0] if batched else state[1][k]
            np.testing.assert_allclose(values["c"][last], got.numpy(), rtol=0, atol=1e-13)
    # the problem file a person reads gives the same problem
    assert parse_problem(problem.to_yaml(), problem.file) == problem


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
@pytest.mark.parametrize("steps", [1, 3])
def test_cells(torch, kind, steps):
    torch.manual_seed(steps)
    X, H = 2, 3
    cell = getattr(torch.nn, kind)(X, H, dtype=torch.float64)
    xs, h = torch.randn(steps, X), torch.randn(H)
    c = torch.randn(H)
    problem = Problem.from_torch(cell, xs if steps > 1 else xs[0], h,
                                 c if kind == "LSTMCell" else None)
    values = solve(problem).values
    with torch.no_grad():
        for k in range(steps):
            if kind == "LSTMCell":
                h, c = cell(xs[k], (h, c))
                np.testing.assert_allclose(values["c"][k], c.numpy(), rtol=0, atol=1e-13)
            else:
                h = cell(xs[k], h)
            np.testing.assert_allclose(values["h"][k], h.numpy(), rtol=0, atol=1e-13)


def test_gates_in_pytorch_order(torch):
    """i, f, g, o and r, z, n: each gate's value, not only h, matches PyTorch's blocks."""
    torch.manual_seed(5)
    lstm, gru = torch.nn.LSTMCell(2, 2), torch.nn.GRUCell(2, 2)
    x, h, c = torch.randn(2), torch.randn(2), torch.randn(2)
    with torch.no_grad():
        pre = lstm.weight_ih @ x + lstm.bias_ih + lstm.weight_hh @ h + lstm.bias_hh
        i, f, g, o = pre.chunk(4)
        v = solve(Problem.from_torch(lstm, x, h, c)).values
        for name, ref in (("i", i.sigmoid()), ("f", f.sigmoid()), ("g", g.tanh()),
                          ("o", o.sigmoid())):
            np.testing.assert_allclose(v[name][0], ref.numpy(), rtol=0, atol=1e-14)
        gi = gru.weight_ih @ x + gru.bias_ih
        gh = gru.weight_hh @ h + gru.bias_hh
        r = (gi[:2] + gh[:2]).sigmoid()
        z = (gi[2:4] + gh[2:4]).sigmoid()
        n = (gi[4:] + r * gh[4:]).tanh()
        v = solve(Problem.from_torch(gru, x, h)).values
        for name, ref in (("r", r), ("z", z), ("g", n)):
            np.testing.assert_allclose(v[name][0], ref.numpy(), rtol=0, atol=1e-14)


def test_float32_weights_are_written_short(torch):
    """A float32 weight is written as its shortest decimal; the problem then matches the
    float32 module to float32's precision."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(2, 2, dtype=torch.float32)
    x = torch.randn(3, 2, dtype=torch.float32)
    problem = Problem.from_torch(lstm, x)
    text = problem.to_yaml()
    w = np.float32(lstm.weight_hh_l0[0, 0].item())
    assert str(w) in text and repr(float(w)) not in text
    assert problem.gates["i"].W.exact[0][0] == Decimal(str(w))
    assert np.float32(problem.gates["i"].W.array[0, 0]) == w  # the same float32
    with torch.no_grad():
        out, _ = lstm(x)
    np.testing.assert_allclose(solve(problem).values["h"], out.numpy(), rtol=0, atol=1e-6)


def test_keys_and_title(torch):
    gru = torch.nn.GRU(1, 2)
    problem = Problem.from_torch(gru, [[0.5], [1.0]], title="Q3", decimals=3, ask=["h"])
    assert (problem.title, problem.rounding.decimals, problem.ask) == ("Q3", 3, ("h",))
    assert problem.options == {"z_multiplies": "previous", "reset": "after"}
    assert Problem.from_torch(torch.nn.RNN(2, 2, nonlinearity="relu"), [1, 2]).title == \
        "PyTorch nn.RNN(2, 2, nonlinearity='relu')"


def test_errors(torch):
    lstm = torch.nn.LSTM(3, 2, num_layers=2)
    with pytest.raises(ProblemError, match=r"x: has 2 inputs per step .* reads 3"):
        Problem.from_torch(lstm, torch.zeros(4, 2))
    with pytest.raises(ProblemError, match=r"x: holds a batch of 5 sequences"):
        Problem.from_torch(lstm, torch.zeros(4, 5, 3))
    with pytest.raises(ProblemError, match=r"h0: expected 2 states of the hidden size 2"):
        Problem.from_torch(lstm, torch.zeros(4, 3), torch.zeros(2))
    with pytest.raises(ProblemError, match="c0 is an LSTM's cell state"):
        Problem.from_torch(torch.nn.GRU(3, 2), torch.zeros(4, 3), c0=torch.zeros(1, 2))
    with pytest.raises(ProblemError,
                       match=r"h0: expected 1 state of the projection.s size \(proj_size\) 2"):
        Problem.from_torch(torch.nn.LSTM(3, 4, proj_size=2), torch.zeros(4, 3),
                           torch.zeros(1, 4))  # h0 has proj_size entries
    state = torch.nn.LSTM(3, 4, proj_size=2).state_dict()
    state["weight_hr_l0"] = torch.zeros(2, 3)
    with pytest.raises(ProblemError, match=r"weight_hr_l0: is 2×3 .* weight_hh_l0 should be "
                                           r"12×2 .* found 16×2"):
        _network(state)
    state = torch.nn.LSTM(3, 4, num_layers=2, proj_size=2).state_dict()
    del state["weight_hr_l1"]
    with pytest.raises(ProblemError,
                       match="weight_hr in some layers only .weight_hr_l1 is not there"):
        _network(state)
    with pytest.raises(ProblemError, match="NaN"):
        Problem.from_torch(lstm, torch.full((2, 3), float("nan")))
    with pytest.raises(TypeError, match="nn.LSTM, nn.GRU, nn.RNN"):
        Problem.from_torch(torch.nn.Linear(2, 2), torch.zeros(2))


def _network(state):
    from lstm_solver.weights.torch import network

    return network({k: v.numpy() for k, v in state.items()}, "state.pt")


@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True), (3, False)])
def test_projection_is_proj_size(torch, layers, bidirectional):
    """nn.LSTM(proj_size=P): h_t = W_hr (o ⊙ tanh c_t) has P entries, weight_hh reads it;
    the problem's h (every layer and direction) is the module's."""
    torch.manual_seed(layers)
    module = torch.nn.LSTM(3, 4, num_layers=layers, bidirectional=bidirectional, proj_size=2,
                           dtype=torch.float64)
    for p in module.parameters():
        torch.nn.init.uniform_(p, -1.5, 1.5)
    D = 2 if bidirectional else 1
    x, h0, c0 = torch.randn(4, 3), torch.randn(D * layers, 2), torch.randn(D * layers, 4)
    with torch.no_grad():
        out, (h_n, c_n) = module(x, (h0, c0))
    problem = Problem.from_torch(module, x, h0, c0)
    assert all(u.proj_size == 2 and u.hidden_size == 4 for u in problem.units)
    solution = solve(problem)
    np.testing.assert_allclose(solution.values["h"], out.numpy(), rtol=0, atol=1e-13)
    for k, unit in enumerate(problem.units):
        values = solution.layer_values(unit.layer, unit.direction)
        last = 0 if unit.direction == "backward" else -1
        np.testing.assert_allclose(values["h"][last], h_n[k].numpy(), rtol=0, atol=1e-13)
        np.testing.assert_allclose(values["c"][last], c_n[k].numpy(), rtol=0, atol=1e-13)
    assert parse_problem(problem.to_yaml(), problem.file) == problem


def test_imported_problem_file_round_trips(torch, tmp_path):
    torch.manual_seed(3)
    module = torch.nn.GRU(2, 2, num_layers=2, bidirectional=True)
    problem = Problem.from_torch(module, torch.randn(3, 2), torch.randn(4, 2))
    path = tmp_path / "problem.yaml"
    path.write_text(problem.to_yaml("from a test"), encoding="utf-8")
    again = load_problem(path)
    assert again.to_yaml() == problem.to_yaml()
    assert again.units == problem.units and again.inputs == problem.inputs
