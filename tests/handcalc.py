"""Hand calculations in plain numpy, written from the equations (not from lstm_solver):
the true answers for the check tests, and the same with a slip written in by hand.

Parameters come from a problem file's data (split layout, column vectors).
"""

from __future__ import annotations

import numpy as np

LSTM_GATES = ("input", "forget", "candidate", "output")
GRU_GATES = ("reset", "update", "candidate")


def sig(z):
    return 1 / (1 + np.exp(-z))


ALIASES = {"input": "i", "forget": "f", "candidate": "g", "output": "o", "reset": "r",
           "update": "z"}


def params(gates: dict, name: str):
    g = gates.get(name) or gates.get(ALIASES[name]) or gates.get("u")
    W, U = np.array(g["W"], float), np.array(g["U"], float)
    b = np.array(g.get("b", np.zeros(len(W))), float)
    b_h = np.array(g.get("b_h", np.zeros(len(W))), float)
    return W, U, b, b_h


def lstm_step(gates: dict, h, c, x, slip: str = "") -> dict:
    out = {}
    for name, short in zip(LSTM_GATES, "ifgo"):
        W, U, b, b_h = params(gates, name)
        if slip == f"wu_{short}":
            W, U = U, W
        act = np.tanh if short == "g" else sig
        out[short] = act(W @ h + U @ x + b + b_h)
    out["c"] = out["f"] * c + out["i"] * out["g"]
    out["h"] = out["o"] * np.tanh(out["c"])
    return out


def gru_step(gates: dict, h, x, z_multiplies="previous", reset="before", slip="") -> dict:
    (Wr, Ur, br, bhr), (Wz, Uz, bz, bhz), (Wg, Ug, bg, bhg) = (
        params(gates, n) for n in GRU_GATES)
    r = sig(Wr @ h + Ur @ x + br + bhr)
    z = sig(Wz @ h + Uz @ x + bz + bhz)
    if reset == "before":
        g = np.tanh(Wg @ (r * h) + Ug @ x + bg + bhg)
    else:
        g = np.tanh(r * (Wg @ h + bhg) + Ug @ x + bg)
    form = z_multiplies
    if slip == "other_form":
        form = {"previous": "candidate", "candidate": "previous"}[form]
    new = z * h + (1 - z) * g if form == "previous" else (1 - z) * h + z * g
    return {"r": r, "z": z, "g": g, "h": new}


def inputs(data: dict) -> list[np.ndarray]:
    """x as steps: a list of vectors, or (input size 1) a list of numbers."""
    xs = np.array(data["x"], float)
    unit = data["layers"][0] if "layers" in data else data.get("forward", data)
    gate = next(iter(unit["gates"].values()))
    size = np.array(gate["U"]).shape[1]
    if xs.ndim == 1:
        return [xs] if size == len(xs) else [np.array([v]) for v in xs]
    return list(xs)


def run_unit(data: dict, unit: dict, xs, slip: str = "", backward: bool = False,
             carry=None) -> list[dict]:
    """One layer in one direction: a dict of values per step, in step order.

    ``carry`` (a function) is applied to every value the student writes down and
    carries on with (e.g. rounding to 2 decimals)."""
    carry = carry or (lambda v: v)
    gates = unit["gates"]
    H = len(gates[next(iter(gates))]["W"])
    init = unit.get("initial", {})
    h = np.array(init.get("h", np.zeros(H)), float)
    c = np.array(init.get("c", np.zeros(H)), float)
    order = range(len(xs) - 1, -1, -1) if backward else range(len(xs))
    out: list[dict] = [{} for _ in xs]
    for k in order:
        if data["cell"] == "lstm":
            step = lstm_step(gates, h, c, xs[k], slip)
            step = {q: carry(v) for q, v in step.items()}
            h, c = step["h"], step["c"]
        else:
            step = gru_step(gates, h, xs[k], data.get("z_multiplies", "previous"),
                            data.get("reset", "before"), slip)
            step = {q: carry(v) for q, v in step.items()}
            h = step["h"]
        out[k] = step
    return out


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def rounded(values: dict, digits: int = 4) -> dict:
    """What a student writes: every vector rounded to ``digits`` decimals."""
    return {q: [round(float(v), digits) for v in vec] for q, vec in values.items()}
