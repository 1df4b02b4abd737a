"""Randomized variants of a question, for a class: valid, distinct and instructive.

Every variant is a problem file in the usual format. Unless saturated ones are
allowed, every pre-activation stays within ±3, so that no gate is simply 0 or 1
(seed 001's Question 1, where every input gate is ≈ 1, is the example to avoid).
The same seed gives the same variants.

Instructive numbers (the default, small integers): few zero entries, never a matrix
or vector of zeros, h₀ and c₀ not zero (unless ``zero_initial``), so that every
weight plays its part. To stay within ±3 without zeros, each gate's weights are
signed so that its pre-activation at the first step lands near a target, and the
input of each later step is chosen, among a few drawn, to keep that step's
pre-activations small; the solver then checks every step. Larger sizes, which
cannot stay within ±3 so, get inputs of ±1 and then more zeros, as far as needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import yaml

from .cells import CELLS
from .naming import naming_for
from .problem import parse_problem
from .training import GRADIENT_ASKS

MAX_PRE_ACTIVATION = 3.0
TRIES = 2000  # per variant, before giving up with a message
LEVEL_AFTER = 12  # failed tries before the numbers get smaller and sparser
CANDIDATES = 256  # inputs drawn for each later step, the best kept


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
    zero_initial: bool = False  # h₀ = 0 (and c₀ = 0); otherwise the states are not zero


def generate(spec: Spec, count: int, seed: int = 0, tries: int = TRIES,
             students: list[str] | None = None) -> list[str]:
    """``count`` distinct problem files (YAML text) for ``spec``; with ``students``, one
    for each (``count`` is then their number), its ``student:`` and title naming them."""
    count = len(students) if students else count
    from .solver import solve

    rng = np.random.default_rng(seed)
    seen: set[str] = set()
    out: list[str] = []
    level = 0  # how small and sparse the numbers must be; kept from variant to variant
    for k in range(1, count + 1):
        for attempt in range(tries):
            if attempt and attempt % LEVEL_AFTER == 0:
                level += 1
            variant = _draw(spec, rng, level)
            body = yaml.safe_dump(variant.data(spec), sort_keys=False,
                                  default_flow_style=None)
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
        if students:
            title = yaml.safe_dump({"title": f"Variant {k}: {students[k - 1]}",
                                    "student": students[k - 1]}, sort_keys=False,
                                   allow_unicode=True, width=10**6)
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


class _Integers:
    """Small whole numbers that make an instructive question: few zeros (never a matrix
    or vector of zeros), h₀ = ±1/2 and c₀ = ±1 (not zero, unless asked), and each gate's
    weights signed so that its pre-activation at the first step lands near a target
    within ±2.5 (the solver then checks every step).

    ``level`` (0, 1, ...) is raised when variants keep failing the check: inputs of ±1
    only, then more zeros, so that larger sizes still give unsaturated variants.
    """

    TARGETS = (-2.5, -2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0, 2.5)

    def __init__(self, rng: np.random.Generator, level: int):
        self.rng = rng
        self.zero = min(0.85, 0.06 + 0.12 * max(0, level - 1))  # a weight's chance of 0
        self.big_inputs = level == 0  # inputs of ±2 as well as ±1

    def inputs(self, *shape) -> np.ndarray:
        magnitude = self.rng.choice([1, 2], size=shape, p=[0.7, 0.3]) if self.big_inputs \
            else np.ones(shape, dtype=int)
        return magnitude * self.rng.choice([-1, 1], size=shape)

    def state(self, n: int) -> np.ndarray:  # h lies in (-1, 1): halves keep it there
        return self.rng.choice([-1, 1], size=n) / 2

    def memory(self, n: int) -> np.ndarray:
        return self.rng.choice([-1, 1], size=n)

    def weights(self, *shape) -> np.ndarray:
        """Entries of ±1 (a few 0), never all zero."""
        while True:
            w = self.rng.choice([-1, 1], size=shape) * (self.rng.random(shape) >= self.zero)
            if w.any():
                return w

    def rows(self, n: int, reads: np.ndarray, hidden: int) -> np.ndarray:
        """``n`` rows of weights for the vector ``reads`` (h₀, then x₁, then the bias's
        1; ``hidden`` entries of h₀), each signed so that row · reads is near a nonzero
        target: a sign is flipped while that brings the sum nearer. W, U and b each have
        a nonzero entry."""
        while True:
            out = self.weights(n, len(reads))
            for row in out:
                self._balance(row, reads, self.rng.choice(self.TARGETS))
            if all(p.any() for p in (out[:, :hidden], out[:, hidden:-1], out[:, -1])):
                return out

    def _balance(self, row: np.ndarray, reads: np.ndarray, target: float) -> None:
        while True:
            z = float(row @ reads)
            flips = z - 2 * row * reads  # the sum after flipping each sign
            if z == 0:  # σ(0) = 0.5 teaches little: any flip that moves it off 0
                flips = np.where(flips == 0, np.inf, flips)
                target = flips[int(np.argmin(np.abs(flips)))]
            j = int(np.argmin(np.abs(flips - target)))
            if not np.isfinite(flips[j]) or abs(flips[j] - target) >= abs(z - target) - 1e-9:
                return
            row[j] = -row[j]


class _Decimals:
    """One decimal place: weights smaller as H + X grows; no entry is exactly 0."""

    def __init__(self, rng: np.random.Generator, H: int, X: int):
        self.rng = rng
        self.scale = min(1.0, (4 / (H + X)) ** 0.5)

    def _nonzero(self, a: np.ndarray) -> np.ndarray:
        return np.where(a == 0, 0.1 * self.rng.choice([-1, 1], size=a.shape), a)

    def inputs(self, *shape) -> np.ndarray:
        return self._nonzero(np.round(self.rng.uniform(-2, 2, size=shape), 1))

    def state(self, n: int) -> np.ndarray:
        return self._nonzero(np.round(self.rng.uniform(-0.9, 0.9, size=n), 1))

    memory = state

    def weights(self, *shape) -> np.ndarray:
        return self._nonzero(np.round(self.rng.uniform(-self.scale, self.scale, size=shape), 1))

    def rows(self, n: int, reads: np.ndarray, hidden: int) -> np.ndarray:
        return self.weights(n, len(reads))


@dataclass
class _Variant:
    """A variant's numbers, column-oriented: each gate's W, U and b, the initial
    states, one input per step, and the output layer's V."""

    gates: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    initial: dict[str, np.ndarray]
    xs: np.ndarray
    V: np.ndarray | None = None
    training: dict | None = None  # a loss (and clipping, a learning rate): gradients asked

    def data(self, spec: Spec) -> dict:
        """The problem file's mapping, in the layout and orientation asked."""
        naming = naming_for(spec.names, spec.convention)
        gates = {}
        for gate, (W, U, b) in self.gates.items():
            if spec.layout == "split":  # in the file's names, in the order its source writes
                drawn = {"W": W, "U": U, "b": b}
                params = {naming.key(s): drawn[s] for s in naming.slot_order if s in drawn}
            else:
                params = {"W": np.hstack([W, U]), "b": b}
            if spec.orientation == "row":
                params = {k: v.T if v.ndim == 2 else v for k, v in params.items()}
            gates[gate] = {k: _plain(v) for k, v in params.items()}
        data: dict = {"cell": spec.cell, **spec.options}
        if spec.layout == "split" and spec.names == "W/U" and spec.convention != "W_h":
            data["convention"] = spec.convention
        question = "Compute every quantity"
        forward = [a for a in spec.ask if a not in GRADIENT_ASKS]
        if forward:
            question = "Compute " + ", ".join(f"{a}_t" for a in forward)
        data["question"] = question + (f" for t = 1 to {spec.steps}." if spec.steps > 1
                                       else " for t = 1.")
        if spec.layout != "split":
            data["layout"] = spec.layout
        if spec.orientation != "column":
            data["orientation"] = spec.orientation
        data["gates"] = gates
        data["initial"] = {s: _plain(v) for s, v in self.initial.items()}
        data["x"] = _plain(self.xs[0]) if len(self.xs) == 1 else _plain(self.xs)
        if self.V is not None:
            V = self.V.T if spec.orientation == "row" else self.V
            data["output_layer"] = {"V": _plain(V), "activation": "softmax"}
        if self.training:
            data.update(self.training)
            data["question"] += (" Then compute the gradients asked by backpropagation "
                                 "through time.")
        if spec.ask:
            data["ask"] = list(spec.ask)
        return data


def _draw(spec: Spec, rng: np.random.Generator, level: int = 0) -> _Variant:
    H, X = spec.hidden, spec.inputs
    numbers = _Integers(rng, level) if spec.numbers == "integers" else _Decimals(rng, H, X)
    cell = CELLS[spec.cell](**spec.options)
    xs = numbers.inputs(spec.steps, X)
    initial = {s: (numbers.state(H) if s == "h" else numbers.memory(H)) for s in cell.state}
    if spec.zero_initial:
        initial = {s: np.zeros(H, dtype=int) for s in cell.state}
    reads = np.concatenate([initial["h"], xs[0], [1]])  # what [W U b] multiplies at t = 1
    gates = {}
    for gate in cell.gates:
        rows = numbers.rows(H, reads, H)
        gates[gate.name] = (rows[:, :H], rows[:, H:H + X], rows[:, -1])
    asked = [a for a in spec.ask if a in GRADIENT_ASKS]
    variant = _Variant(gates, initial, xs,
                       numbers.weights(spec.output, H) if spec.output else None,
                       _training(spec, asked, rng, H) if asked else None)
    for t in range(1, spec.steps):
        xs[t] = _next_input(spec, variant, t, numbers)
    return variant


def _training(spec: Spec, asked: list[str], rng: np.random.Generator, H: int) -> dict:
    """A loss with random targets (cross-entropy on a softmax output, else ½‖h − h*‖²), and
    clipping or a learning rate when the scale or the update is asked."""
    out: dict = {}
    if spec.output:
        targets = rng.integers(0, spec.output, size=spec.steps).tolist()
        out["loss"] = {"kind": "cross_entropy", "targets": targets}
    else:
        targets = (rng.integers(-2, 3, size=(spec.steps, H)) / 2).tolist()
        out["loss"] = {"kind": "half_squared_error", "targets": targets}
    if "scale" in asked:
        out["clip"] = {"max_norm": 1}
    if "updated" in asked:
        out["learning_rate"] = 0.1
    return out


def _next_input(spec: Spec, variant: _Variant, t: int, numbers) -> np.ndarray:
    """x at step ``t`` (0-based): of a few drawn, one that keeps every gate's W h + U x + b
    small, h being the state the steps before leave (solved)."""
    from .solver import solve

    before = _Variant(variant.gates, variant.initial, variant.xs[:t])
    text = yaml.safe_dump(before.data(replace(spec, steps=t, ask=())), sort_keys=False)
    h = solve(parse_problem(text)).steps[-1].get("h").value
    W = np.vstack([w for w, _, _ in variant.gates.values()])
    U = np.vstack([u for _, u, _ in variant.gates.values()])
    b = np.concatenate([c for _, _, c in variant.gates.values()])
    candidates = numbers.inputs(CANDIDATES, spec.inputs)
    z = np.abs(W @ h + b + candidates @ U.T)
    worst = np.max(z, axis=1)
    good = np.flatnonzero((worst <= MAX_PRE_ACTIVATION - 0.5) & np.all(z > 1e-9, axis=1))
    return candidates[good[0] if len(good) else int(np.argmin(worst))]


def _plain(a: np.ndarray):
    """Numbers YAML writes as a person would: 2, -1, 0.3."""
    if a.dtype.kind == "i":
        return a.tolist()
    return np.where(a == 0, 0.0, a).tolist()  # no -0.0
