"""Property: every derived gradient is the loss's slope, measured by finite differences.

For random cells, options, layouts, orientations and losses, a few parameter entries
(and the initial state) are nudged by ±ε in the problem file, the perturbed problems
solved by the forward pass alone, and (L(θ + ε) − L(θ − ε)) / 2ε compared with the
gradient the backward pass derived.
"""

from __future__ import annotations

import copy

import numpy as np
from bptt_cases import CELLS, LAYOUTS, LOSSES, random_case
from conftest import problem_text
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_solver.problem import parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve

EPS = 1e-6


def loss_of(data: dict) -> float:
    return to_dict(solve(parse_problem(problem_text(data))))["backward"]["loss"]


def entries(data: dict):
    """(path to a number in the file, where its gradient is in the JSON)."""
    for gate, params in data["gates"].items():
        for key, value in params.items():
            arr = np.asarray(value)
            for index in np.ndindex(arr.shape):
                yield ("gates", gate, key, *index), (gate, key, *index)
    for key in ("V", "c"):
        if "output_layer" in data:
            arr = np.asarray(data["output_layer"][key])
            for index in np.ndindex(arr.shape):
                yield ("output_layer", key, *index), ("output_layer", key, *index)
    for state, value in data["initial"].items():
        for i in range(len(value)):
            yield ("initial", state, i), ("initial", state, i)


def get(tree, path):
    for key in path:
        tree = tree[key]
    return tree


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), cell=st.sampled_from(CELLS),
       layout=st.sampled_from(LAYOUTS), loss=st.sampled_from(LOSSES),
       pick=st.randoms(use_true_random=False))
def test_gradients_match_finite_differences(seed, cell, layout, loss, pick):
    data, _ = random_case(seed, cell[0], cell[1], *layout, loss=loss, output=loss[2])
    grads = to_dict(solve(parse_problem(problem_text(data))))["backward"]["gradients"]
    candidates = list(entries(data))
    for path, where in pick.sample(candidates, min(4, len(candidates))):
        up, down = copy.deepcopy(data), copy.deepcopy(data)
        for d, sign in ((up, 1), (down, -1)):
            parent = get(d, path[:-1])
            parent[path[-1]] = float(parent[path[-1]]) + sign * EPS
        slope = (loss_of(up) - loss_of(down)) / (2 * EPS)
        derived = get(grads, where)
        assert abs(slope - derived) <= 1e-5 * max(1.0, abs(derived)), (path, slope, derived)
