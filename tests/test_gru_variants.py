"""The GRU forms PyTorch has no twin for (reset before; z weighing the candidate).

Checked against a plain-numpy GRU written from the equations (below), in every
layout and orientation, and against a published worked example.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import PROBLEMS, problem_text

from lstm_solver.problem import load_problem, parse_problem
from lstm_solver.render.json import to_dict
from lstm_solver.solver import solve


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_gru(p, h, xs, z_multiplies, reset):
    """The GRU equations, one by one, in plain numpy (column vectors)."""
    out = []
    for x in xs:
        r = sigmoid(p["Wr"] @ h + p["Ur"] @ x + p["br"])
        z = sigmoid(p["Wz"] @ h + p["Uz"] @ x + p["bz"])
        if reset == "before":
            g = np.tanh(p["Wg"] @ (r * h) + p["Ug"] @ x + p["bg"] + p["bhg"])
        else:
            g = np.tanh(r * (p["Wg"] @ h + p["bhg"]) + p["Ug"] @ x + p["bg"])
        h = z * h + (1 - z) * g if z_multiplies == "previous" else (1 - z) * h + z * g
        out.append({"r": r, "z": z, "g": g, "h": h})
    return out


def random_params(rng, H, X, second_bias):
    r = lambda *shape: np.round(rng.uniform(-1.5, 1.5, size=shape), 3)  # noqa: E731
    p = {}
    for gate in "rzg":
        p[f"W{gate}"], p[f"U{gate}"], p[f"b{gate}"] = r(H, H), r(H, X), r(H)
    p["bhg"] = r(H) if second_bias else np.zeros(H)
    return p


def problem_for(p, h0, xs, layout, stack, orientation, z_multiplies, reset):
    gates = {}
    for name, gate in (("reset", "r"), ("update", "z"), ("candidate", "g")):
        W, U, b = p[f"W{gate}"], p[f"U{gate}"], p[f"b{gate}"]
        if layout == "split":
            entry = {"W": W, "U": U, "b": b}
            if gate == "g" and p["bhg"].any():
                entry["b_h"] = p["bhg"]
        else:
            cols = {"h": W, "x": U, 1: b[:, None]}
            entry = {"W": np.hstack([cols[s] for s in stack])}
            if 1 not in stack:
                entry["b"] = b
        if orientation == "row":
            entry = {k: v.T if v.ndim == 2 else v for k, v in entry.items()}
        gates[name] = {k: v.tolist() for k, v in entry.items()}
    data = {"cell": "gru", "z_multiplies": z_multiplies, "reset": reset, "layout": layout,
            "orientation": orientation, "gates": gates, "initial": {"h": h0.tolist()},
            "x": xs.tolist()}
    if stack:
        data["stack"] = stack
    return data


LAYOUTS = [("split", None, "column"), ("split", None, "row"), ("concat", ["h", "x"], "column"),
           ("concat", ["x", "h", 1], "column"), ("concat", ["x", "h"], "row")]
FORMS = list(itertools.product(("previous", "candidate"), ("before", "after")))


@pytest.mark.parametrize("z_multiplies,reset", FORMS)
@pytest.mark.parametrize("layout,stack,orientation", LAYOUTS)
@pytest.mark.parametrize("seed", range(3))
def test_gru_forms_match_numpy(seed, layout, stack, orientation, z_multiplies, reset):
    rng = np.random.default_rng(seed)
    H, X, T = int(rng.integers(1, 4)), int(rng.integers(1, 4)), 2 + seed % 2
    p = random_params(rng, H, X, second_bias=layout == "split")
    h0, xs = np.round(rng.uniform(-1, 1, H), 3), np.round(rng.uniform(-1, 1, (T, X)), 3)
    data = problem_for(p, h0, xs, layout, stack, orientation, z_multiplies, reset)
    result = to_dict(solve(parse_problem(problem_text(data))))
    expected = numpy_gru(p, h0, xs, z_multiplies, reset)
    for step, ref in zip(result["steps"], expected, strict=True):
        for q in "rzgh":
            np.testing.assert_allclose(step["values"][q], ref[q], rtol=0, atol=1e-12)


def test_the_forms_differ():
    """The options change the numbers (so the tests above can tell them apart)."""
    rng = np.random.default_rng(5)
    p = random_params(rng, 2, 2, True)
    h0, xs = np.array([0.5, -0.3]), np.array([[1.0, 2.0]])
    hs = {form: numpy_gru(p, h0, xs, *form)[0]["h"] for form in FORMS}
    assert len({tuple(np.round(h, 6)) for h in hs.values()}) == 4


def test_published_click4ai_gru():
    """click4ai "GRU Cell": z = [0.599, 0.587], r = [0.599, 0.611], ĥ = [0.500, 0.337],
    h = [0.300, 0.198], rounded by hand (tanh(0.35) = 0.3364, so ĥ₂ is 0.336 and
    h₂ = 0.587 × 0.3364 = 0.197): agreement to one unit in the third decimal."""
    step = to_dict(solve(load_problem(PROBLEMS / "gru_published_click4ai.yaml")))["steps"][0]
    published = {"z": [0.599, 0.587], "r": [0.599, 0.611], "g": [0.500, 0.337],
                 "h": [0.300, 0.198]}
    for q, values in published.items():
        np.testing.assert_allclose(step["values"][q], values, atol=1.5e-3)
    assert step["pre_activations"]["g"] == pytest.approx([0.55, 0.35])
    assert step["pre_activations"]["z"] == pytest.approx([0.40, 0.35])
