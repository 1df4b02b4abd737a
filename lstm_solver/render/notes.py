"""One line in plain language per quantity: what the numbers mean."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .. import derivation as d

TITLES = {
    "keep": "Forget gate",
    "write": "Input gate",
    "expose": "Output gate",
    "candidate": "Candidate",
    "cell": "Cell state",
    "hidden": "Hidden state",
    "lookup": "Embedding lookup",
    "output": "Output layer",
    "reset": "Reset gate",
    "update_previous": "Update gate",
    "update_candidate": "Update gate",
    "rnn": "Hidden state",
    "joined": "Both directions",
}

LISTED = 4  # up to this many elements are named one by one


def _pct(v: float) -> str:
    return f"{round(100 * float(v))} %"


def _each(values: np.ndarray, fmt, unit: str, joiner: str = "of") -> str:
    """'33 % of memory cell 1 and 90 % of cell 2', or a summary for long vectors."""
    n = len(values)
    if n > LISTED:
        lo, hi = int(np.argmin(values)), int(np.argmax(values))
        return (f"{fmt(np.mean(values))} on average over {n} {unit}s, from {fmt(values[lo])} "
                f"({unit} {lo + 1}) to {fmt(values[hi])} ({unit} {hi + 1})")
    parts = [f"{fmt(v)} {joiner} {unit} {k + 1}" for k, v in enumerate(values)]
    return parts[0] if n == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _signed(v: float) -> str:
    return f"{float(v):+.2f}"


def describe(kind: str, values: np.ndarray, previous: np.ndarray | None = None) -> str:
    """What a quantity's values mean, for a reader new to the cell."""
    v = np.asarray(values, dtype=float)
    if kind == "keep":
        return f"keeps {_each(v, _pct, 'memory cell')} (1 keeps all, 0 forgets)"
    if kind == "write":
        return f"writes {_each(v, _pct, 'candidate')} into the memory (0 writes nothing)"
    if kind == "expose":
        return f"lets out {_each(v, _pct, 'cell')}, after tanh, as the hidden state"
    if kind == "candidate":
        return f"proposes {_each(v, _signed, 'unit', 'for')} (tanh keeps each between -1 and 1)"
    if kind == "cell":
        if previous is not None and len(v) <= LISTED:
            moves = [f"cell {k + 1} {float(a):.2f} → {float(b):.2f}"
                     for k, (a, b) in enumerate(zip(previous, v))]
            return "the memory after forgetting and writing: " + ", ".join(moves)
        return "the memory after forgetting and writing"
    if kind == "hidden":
        return "what the cell outputs at this step and carries to the next"
    if kind == "reset":
        return f"lets {_each(v, _pct, 'unit')} of hₜ₋₁ into the candidate"
    if kind == "update_previous":
        return (f"keeps {_each(v, _pct, 'unit')} of the previous state; the rest comes "
                "from the candidate")
    if kind == "update_candidate":
        return (f"takes {_each(v, _pct, 'unit')} from the candidate; the rest is kept from "
                "the previous state")
    if kind == "rnn":
        return "the new hidden state, carried to the next step"
    if kind == "joined":
        return "the forward and the backward state side by side"
    if kind == "softmax":
        k = int(np.argmax(v))
        return f"probabilities summing to 1; the most likely class is {k + 1} (p = {v[k]:.2f})"
    if kind == "output":
        return "the network's output at this step"
    return ""


def kind(dv: d.Derivation, step: d.Step, q: d.Quantity) -> str:
    """Which line describes ``q``: the gate's or update's note, or lookup, output, ..."""
    cell = dv.problem.cell_def
    if step.direction == "both" and q.short == "h":
        return "joined"
    if q.short == "x":
        return "lookup"
    if q.short == "y":
        softmax = isinstance(q.tree, d.Activation) and q.tree.function == "softmax"
        return "softmax" if softmax else "output"
    gate = cell.gate(q.short)
    return gate.note if gate else next(u.note for u in cell.updates if u.short == q.short)


def title(dv: d.Derivation, step: d.Step, q: d.Quantity) -> str:
    """"Forget gate", "Cell state", ..."""
    k = kind(dv, step, q)
    return TITLES.get({"softmax": "output"}.get(k, k), q.short)


def line(dv: d.Derivation, step: d.Step, q: d.Quantity) -> str:
    """"f₂ ≈ [0.33, 0.90]: keeps 33 % of memory cell 1 ...", or "" if there is none."""
    from .text import inline, name, numbers

    text = describe(kind(dv, step, q), q.value, step.previous.get(q.short))
    if not text:
        return ""
    rough = replace(dv.rounding, decimals=min(2, dv.rounding.decimals))
    return f"{name(q.name, step.t)} ≈ {inline(numbers(q.value, rough))}: {text}"
