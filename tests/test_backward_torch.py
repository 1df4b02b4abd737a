"""The backward pass against torch.autograd in float64: every cell and option, every
layout and orientation, every loss, the output layer and the embedding.

Each problem is solved by lstm-solve; the same network is written out in torch
from its textbook equations (tests/bptt_cases.py), with every parameter a leaf
tensor shaped as the problem file writes it, and autograd's gradients are compared
with the JSON ``backward`` object: the loss, ∂L/∂hₜ, ∂L/∂cₜ, δ of every gate
and of the output layer, ∂L/∂(gate output), every parameter's gradient, and
∂L/∂h₀ (c₀).
"""

from __future__ import annotations

import numpy as np
import pytest
from bptt_cases import CELLS, LAYOUTS, LOSSES, random_case, torch_backward
from conftest import problem_text

from lstm_solver.problem import parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve

ATOL = 1e-10
WORST: list[float] = []  # the largest difference seen, for the closing note


def compare(torch, data: dict, spec: dict, rename: dict | None = None) -> float:
    """Every gradient of the JSON against autograd; the largest difference. ``rename``:
    the file's keys for W, U, b, b_h when it names them otherwise."""
    ours = to_dict(solve(parse_problem(problem_text(data))))["backward"]
    ref = torch_backward(torch, spec)
    worst = 0.0

    def close(a, b, what):
        nonlocal worst
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        assert a.shape == b.shape, (what, a.shape, b.shape)
        np.testing.assert_allclose(a, b, rtol=0, atol=ATOL, err_msg=what)
        worst = max(worst, float(np.max(np.abs(a - b))) if a.size else 0.0)

    if "loss" in ours:
        close(ours["loss"], ref["loss"], "loss")
    T = spec["T"]
    assert [s["t"] for s in ours["steps"]] == list(range(T, 0, -1))
    for step in ours["steps"]:
        r = ref["steps"][step["t"] - 1]
        close(step["dh"], r["dh"], f"dh at t={step['t']}")
        if r["dc"] is not None:
            close(step["dc"], r["dc"], f"dc at t={step['t']}")
        if r["dy"] is not None and "dy" in step:
            close(step["dy"], r["dy"], f"dy at t={step['t']}")
        for g, value in r["d_pre"].items():
            close(step["d_pre"].get(g, np.zeros_like(value)), value, f"δ_{g} at t={step['t']}")
        for g, value in r["d_gates"].items():
            close(step["d_values"].get(g, np.zeros_like(value)), value,
                  f"∂L/∂{g} at t={step['t']}")
    grads = ours["gradients"]
    for where, value in ref["params"].items():
        if rename and len(where) == 2 and where[1] in rename:
            where = (where[0], rename[where[1]])
        node = grads
        for key in where:
            node = node[key]
        close(node, value, "∂L/∂" + ".".join(where))
    for state, value in ref["initial"].items():
        close(grads["initial"][state], value, f"∂L/∂{state}₀")
    WORST.append(worst)
    return worst


CASES = [(cell, opts, layout, k) for cell, opts in CELLS for k, layout in enumerate(LAYOUTS)]


def _id(cell, options, layout, k) -> str:
    stack = ".".join(map(str, layout[1] or []))
    return "-".join([cell, *options.values(), layout[0], stack, layout[2]])


@pytest.mark.parametrize("cell,options,layout,k", CASES, ids=[_id(*c) for c in CASES])
def test_every_cell_and_layout(torch, cell, options, layout, k):
    loss = LOSSES[(k + len(options)) % len(LOSSES)]
    data, spec = random_case(1000 + 17 * k + 3 * len(options), cell, options, *layout,
                             loss=loss, output=loss[2])
    compare(torch, data, spec)


@pytest.mark.parametrize("loss", LOSSES, ids=[f"{k}-{on}-{a}" for k, on, a in LOSSES])
@pytest.mark.parametrize("steps", ["all", "last"])
def test_every_loss(torch, loss, steps):
    for seed in range(3):
        data, spec = random_case(50 + seed, "lstm", {}, "split", None, "column", loss=loss,
                                 output=loss[2], steps=steps)
        compare(torch, data, spec)


@pytest.mark.parametrize("cell,options", CELLS, ids=[c + "-" + "-".join(o.values())
                                                     for c, o in CELLS])
def test_upstream_gradient(torch, cell, options):
    for seed in range(2):
        data, spec = random_case(70 + seed, cell, options, "split", None, "column", loss=None,
                                 output=None, upstream=True)
        compare(torch, data, spec)


@pytest.mark.parametrize("layout", ["rows", "columns"])
@pytest.mark.parametrize("orientation", ["column", "row"])
def test_embedding(torch, layout, orientation):
    for seed in range(2):
        data, spec = random_case(90 + seed, "gru", {"z_multiplies": "previous",
                                                    "reset": "after"},
                                 "split", None, orientation,
                                 loss=("cross_entropy", "y", "softmax"), output="softmax",
                                 embedding=layout)
        compare(torch, data, spec)


def test_two_biases(torch):
    for cell, options in CELLS:
        data, spec = random_case(7, cell, options, "split", None, "row",
                                 loss=LOSSES[0], output=None, two_biases=True)
        compare(torch, data, spec)


@pytest.mark.parametrize("max_norm", [0.05, 1000])
def test_clip_and_sgd_step(torch, max_norm):
    """The norm against torch.nn.utils.clip_grad_norm_, the update against torch.optim.SGD.

    torch divides by ‖g‖ + 1e-6 where the design (and the notes) divide by ‖g‖, so the
    clipped update agrees to about 1e-7; the norm itself exactly."""
    data, spec = random_case(123, "lstm", {}, "concat", ["h", "x", 1], "column",
                             loss=("cross_entropy", "y", "softmax"), output="softmax",
                             clip=max_norm, rate=0.5)
    ours = to_dict(solve(parse_problem(problem_text(data))))["backward"]
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in spec["params"].items()}
    grads = torch_backward(torch, spec)["params"]
    for key, leaf in leaves.items():
        leaf.grad = torch.tensor(grads[key])
    norm = float(torch.nn.utils.clip_grad_norm_(list(leaves.values()), max_norm))
    assert abs(ours["norm"] - norm) < 1e-12
    assert ours["clip"] == {"max_norm": max_norm, "scale": min(1.0, max_norm / ours["norm"])}
    torch.optim.SGD(list(leaves.values()), lr=0.5).step()
    for key, leaf in leaves.items():
        node = ours["updated"]
        for part in key:
            node = node[part]
        np.testing.assert_allclose(node, leaf.detach().numpy(), rtol=0, atol=1e-7)


NAMINGS = {"pytorch": {"W": "W_hh", "U": "W_ih", "b": "b_ih", "b_h": "b_hh"},
           "d2l": {"W": "W_h", "U": "W_x", "b": "b", "b_h": "b_h"},
           "wikipedia": {"W": "U", "U": "W", "b": "b", "b_h": "b_h"}}


@pytest.mark.parametrize("naming", sorted(NAMINGS))
def test_gradients_are_named_as_the_file_names_them(torch, naming):
    """W_ih/W_hh, W_x/W_h or convention: W_x: the gradients carry the file's own keys."""
    keys = NAMINGS[naming]
    for cell, options in CELLS[:4]:
        data, spec = random_case(31, cell, options, "split", None, "column",
                                 loss=LOSSES[0], output=None, two_biases=True)
        for gate, params in data["gates"].items():
            data["gates"][gate] = {keys[k]: v for k, v in params.items()}
        if naming == "wikipedia":
            data["convention"] = "W_x"
        compare(torch, data, spec, rename=keys)


NETWORKS = [(cell, opts, layers, bidi, loss) for (cell, opts), layers, bidi, loss in [
    (CELLS[0], 2, False, ("half_squared_error", "h", None)),
    (CELLS[0], 1, True, ("cross_entropy", "y", "softmax")),
    (CELLS[0], 2, True, ("squared_error", "y", "tanh")),
    (CELLS[3], 3, False, ("cross_entropy", "y", "softmax")),
    (CELLS[2], 2, True, ("mean_squared_error", "h", None)),
    (CELLS[5], 2, True, ("half_squared_error", "y", "identity")),
    (CELLS[7], 3, False, ("squared_error", "h", None)),
]]


@pytest.mark.parametrize("cell,options,layers,bidirectional,loss", NETWORKS,
                         ids=[f"{c}-{n}layers-{'bi' if b else 'uni'}-{loss[0]}"
                              for c, _, n, b, loss in NETWORKS])
@pytest.mark.parametrize("orientation", ["column", "row"])
def test_stacked_and_bidirectional(torch, cell, options, layers, bidirectional, loss,
                                   orientation):
    from bptt_cases import network_case

    for seed in range(2):
        data, reference = network_case(300 + seed, cell, options, layers, bidirectional,
                                       loss, loss[2], orientation)
        ours = to_dict(solve(parse_problem(problem_text(data))))["backward"]
        total, grads = reference(torch)
        assert abs(ours["loss"] - total) < ATOL
        for where, value in grads.items():
            node = ours["gradients"]
            for key in where:
                node = node[key]
            np.testing.assert_allclose(node, value, rtol=0, atol=ATOL, err_msg=str(where))
