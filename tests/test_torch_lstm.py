"""The LSTM against torch.nn.LSTMCell in float64, in every layout and orientation.

Random problems are written as YAML, solved, and compared with PyTorch's
cell given the same weights, mapped onto weight_ih / weight_hh (i, f, g, o).
"""

from __future__ import annotations

import numpy as np
import pytest
from cases import LAYOUTS, random_case, torch_lstm
from conftest import problem_text

from lstm_solver.problem import parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve

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


@pytest.mark.parametrize("layout", ["rows", "columns"])
@pytest.mark.parametrize("activation", ["softmax", "sigmoid", "tanh", "identity"])
def test_embedding_and_output_layer_match_torch(torch, layout, activation):
    """nn.Embedding -> nn.LSTMCell -> nn.Linear (+ activation), token by token."""
    rng = np.random.default_rng(len(layout) * 10 + len(activation))
    data, params = random_case(int(rng.integers(1000)), "split", None, "column")
    W_ih, W_hh, b_ih, b_hh, h0, c0, _ = params
    H, X = len(h0), W_ih.shape[1]
    vocab, n_out = 5, 3
    E = np.round(rng.uniform(-1, 1, size=(vocab, X)), 3)
    V, c = np.round(rng.uniform(-1, 1, size=(n_out, H)), 3), np.round(rng.uniform(-1, 1, n_out), 3)
    tokens = [3, 0, 4]
    data.pop("x")
    data["tokens"] = tokens
    data["embedding"] = (E if layout == "rows" else E.T).tolist()
    data["embedding_layout"] = layout
    data["output_layer"] = {"V": V.tolist(), "c": c.tolist(), "activation": activation}
    result = to_dict(solve(parse_problem(problem_text(data))))

    emb = torch.nn.Embedding(vocab, X)
    linear = torch.nn.Linear(H, n_out)
    with torch.no_grad():
        emb.weight.copy_(torch.tensor(E))
        linear.weight.copy_(torch.tensor(V))
        linear.bias.copy_(torch.tensor(c))
        xs = emb(torch.tensor(tokens)).numpy()
    act = {"softmax": lambda z: torch.softmax(z, -1), "sigmoid": torch.sigmoid,
           "tanh": torch.tanh, "identity": lambda z: z}[activation]
    for step, ref, x in zip(result["steps"], torch_lstm(torch, W_ih, W_hh, b_ih, b_hh, h0, c0,
                                                        xs), xs, strict=True):
        np.testing.assert_allclose(step["x"], x, atol=1e-15)
        with torch.no_grad():
            y = act(linear(ref["h"][None]))[0].numpy()
        np.testing.assert_allclose(step["values"]["y"], y, atol=1e-12)
