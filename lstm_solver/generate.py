"""Randomized variants of a question, for a class: valid, distinct and instructive.

Every variant is a problem file in the usual format. Unless saturated ones are
allowed, every pre-activation stays within ±3, so that no gate is simply 0 or 1
(seed 001's Question 1, where every input gate is ≈ 1, is the example to avoid).
The same seed gives the same variants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import yaml

from .cells import CELLS
from .naming import naming_for
from .problem import parse_problem

MAX_PRE_ACTIVATION = 3.0
TRIES = 2000  # per variant, before giving up with a message


class GenerateError(Exception):
    """The options cannot give the variants asked for."""


@dataclass(frozen=True)
class Spec:
    cell: str = "lstm"
    hidden: int = 2
    inputs: int = 2
    steps: int = 1
    layout: str = "split"
    orientation: str = "column"
    numbers: str = "integers"  # "integers" (small whole numbers) | "decimal" (one place)
    ask: tuple[str, ...] = ()
    saturated: bool = False  # allow |pre-activation| > 3
    output: int = 0  # an output layer with this many classes (softmax); 0: none
    options: dict[str, str] = field(default_factory=dict)  # reset, z_multiplies, activation
    convention: str = "W_h"  # split: which of W and U multiplies h_{t-1} (naming.py)
    names: str = "W/U"  # split: W/U, W_x/W_h, Wx/Wh or W_ih/W_hh


def generate(spec: Spec, count: int, seed: int = 0, tries: int = TRIES) -> list[str]:
    """``count`` distinct problem files (YAML text) for ``spec``."""
    from .solver import solve

    rng = np.random.default_rng(seed)
    seen: set[str] = set()
    out: list[str] = []
    for k in range(1, count + 1):
        for _ in range(tries):
            data = _draw(spec, rng)
            body = yaml.safe_dump(data, sort_keys=False, default_flow_style=None)
            if body in seen:
                continue
            derivation = solve(parse_problem(body))
            if spec.saturated or _unsaturated(derivation):
                break
        else:
            raise GenerateError(
                f"no unsaturated variant (every pre-activation within ±{MAX_PRE_ACTIVATION:g}) "
                f"found in {tries} tries: use smaller sizes, --numbers decimal, or --saturated")
        seen.add(body)
        header = (f"# Variant {k} of {count} (lstm-solve generate, seed {seed}).\n"
                  f"# {spec.cell.upper()}, hidden size {spec.hidden}, input size {spec.inputs}, "
                  f"{spec.steps} step{'s' * (spec.steps > 1)}, layout {spec.layout}"
                  + (f", {_named(spec)}" if spec.layout == "split" else "") + ".\n")
        title = yaml.safe_dump({"title": f"Variant {k}"}, sort_keys=False)
        out.append(header + title + body)
    return out


def _named(spec: Spec) -> str:
    """"W on h_{t-1}, U on x_t": what the variant's matrices multiply, for its header."""
    naming = naming_for(spec.names, spec.convention)
    on = {"W": "h_{t-1}", "U": "x_t"}
    return ", ".join(f"{key} on {on[naming.slot(key)]}" for key in naming.weights)


def _unsaturated(derivation) -> bool:
    for step in derivation.steps:
        for q in step.quantities:
            z = q.pre_activation
            if z is not None and q.short != "y" and np.max(np.abs(z)) > MAX_PRE_ACTIVATION:
                return False
    return True


def _draw(spec: Spec, rng: np.random.Generator) -> dict:
    H, X = spec.hidden, spec.inputs
    # keep pre-activations small for any size: fewer (or smaller) weights as H + X grows
    nonzero = min(0.8, 2 / (H + X))
    scale = min(1.0, (4 / (H + X)) ** 0.5)
    if spec.numbers == "integers":
        def weights(*shape):
            signs = rng.choice([-1, 1], size=shape)
            return signs * (rng.random(size=shape) < nonzero)

        def inputs(*shape):
            return rng.integers(-2, 3, size=shape)

        def state(*shape):  # h lies in (-1, 1): halves keep it there
            return rng.integers(-1, 2, size=shape) / 2
    else:
        def weights(*shape):
            return np.round(rng.uniform(-scale, scale, size=shape), 1)

        def inputs(*shape):
            return np.round(rng.uniform(-2, 2, size=shape), 1)

        def state(*shape):
            return np.round(rng.uniform(-0.9, 0.9, size=shape), 1)

    cell = CELLS[spec.cell](**spec.options)
    naming = naming_for(spec.names, spec.convention)
    gates = {}
    for gate in cell.gates:
        W, U, b = weights(H, H), weights(H, X), weights(H)
        if spec.layout == "split":  # in the file's names, in the order its source writes them
            drawn = {"W": W, "U": U, "b": b}
            params = {naming.key(s): drawn[s] for s in naming.slot_order if s in drawn}
        else:
            params = {"W": np.hstack([W, U]), "b": b}
        if spec.orientation == "row":
            params = {k: v.T if v.ndim == 2 else v for k, v in params.items()}
        gates[gate.name] = {k: _plain(v) for k, v in params.items()}
    data: dict = {"cell": spec.cell, **spec.options}
    if spec.layout == "split" and spec.names == "W/U" and spec.convention != "W_h":
        data["convention"] = spec.convention
    question = "Compute every quantity"
    if spec.ask:
        question = "Compute " + ", ".join(f"{a}_t" for a in spec.ask)
    data["question"] = question + (f" for t = 1 to {spec.steps}." if spec.steps > 1
                                   else " for t = 1.")
    if spec.layout != "split":
        data["layout"] = spec.layout
    if spec.orientation != "column":
        data["orientation"] = spec.orientation
    data["gates"] = gates
    data["initial"] = {s: _plain(state(H)) if s == "h" else _plain(inputs(H))
                       for s in cell.state}
    xs = inputs(spec.steps, X)
    data["x"] = _plain(xs[0]) if spec.steps == 1 else _plain(xs)
    if spec.output:
        V = weights(spec.output, H)
        data["output_layer"] = {"V": _plain(V.T if spec.orientation == "row" else V),
                                "activation": "softmax"}
    if spec.ask:
        data["ask"] = list(spec.ask)
    return data


def _plain(a: np.ndarray):
    """Numbers YAML writes as a person would: 2, -1, 0.3."""
    if a.dtype.kind == "i":
        return a.tolist()
    return np.where(a == 0, 0.0, a).tolist()  # no -0.0
