"""Aidan Gomez's published numerical LSTM example (2016): forward values, the gates'
deltas at both steps, and the weights after one SGD step with λ = 0.1.

The post writes 5 decimals and carries its numbers truncated: its state 0.78572
is 0.785726… truncated, its output 0.77197 is tanh(1.5176)·0.84993 from the
truncated state (0.771981… carried exactly). So every published number is
compared within 1.5 units of its 5th decimal, and the truncations are checked as
such. (The post's W multiplies x_t and its U multiplies h_{t-1}, as the file reads them
with convention: W_x.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import PROBLEMS

from lstm_solver import load_problem, solve
from lstm_solver.render.json import to_dict

TOL = 1.5e-5


@pytest.fixture(scope="module")
def result():
    return to_dict(solve(load_problem(PROBLEMS / "gomez_lstm_backprop.yaml")))


def truncated(x: float, digits: int) -> float:
    return math.trunc(x * 10**digits) / 10**digits


def test_forward_values_published_truncated(result):
    s1, s2 = (step["values"] for step in result["steps"])
    # state₀ 0.78572, out₀ 0.53631, state₁ 1.5176: our exact values, truncated
    assert truncated(s1["c"][0], 5) == 0.78572 and round(s1["c"][0], 5) == 0.78573
    assert truncated(s1["h"][0], 5) == 0.53631
    assert truncated(s2["c"][0], 4) == 1.5176
    # out₁ 0.77197 is what the truncated numbers give; carried exactly it is 0.77198
    assert abs(s2["h"][0] - 0.77197) < TOL
    assert math.isclose(math.tanh(1.5176) * 0.84993, 0.77197, abs_tol=5e-6)
    for values, gates in ((s1, (0.81775, 0.96083, 0.85195, 0.81757)),
                          (s2, (0.84980, 0.98118, 0.87030, 0.84993))):
        for short, published in zip("gifo", gates):
            assert abs(values[short][0] - published) < TOL, short


def test_deltas(result):
    """δa, δi, δf, δo and δstate at the post's t = 1 then t = 0 (ours 2 then 1)."""
    later, first = result["backward"]["steps"]
    assert (later["t"], first["t"]) == (2, 1)
    published = {2: {"g": -0.01938, "i": -0.00112, "f": -0.00631, "o": -0.05538},
                 1: {"g": -0.01702, "i": -0.00165, "f": 0.0, "o": 0.00176}}
    for step in (later, first):
        for gate, value in published[step["t"]].items():
            assert abs(step["d_pre"][gate][0] - value) < TOL, (step["t"], gate)
    assert abs(later["dc"][0] - -0.07110) < TOL
    assert abs(first["dc"][0] - -0.05348) < TOL
    # Δout₀, what t = 1 hands back to h: ∂L/∂h₁ minus the loss's own part h₁ − 0.5
    h1 = result["steps"][0]["values"]["h"][0]
    assert abs(first["dh"][0] - (h1 - 0.5) - -0.01828) < TOL


def test_sgd_update(result):
    updated = result["backward"]["updated"]
    published = {"candidate": ([0.45267, 0.25922], 0.15104, 0.20364),
                 "input": ([0.95022, 0.80067], 0.80006, 0.65028),
                 "forget": ([0.70031, 0.45189], 0.10034, 0.15063),
                 "output": ([0.60259, 0.41626], 0.25297, 0.10536)}
    for gate, (on_x, on_h, bias) in published.items():
        np.testing.assert_allclose(updated[gate]["W"][0], on_x, atol=TOL, rtol=0)
        assert abs(updated[gate]["U"][0][0] - on_h) < TOL
        assert abs(updated[gate]["b"][0] - bias) < TOL
