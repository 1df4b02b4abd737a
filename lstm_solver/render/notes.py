"""One line in plain language per quantity: what the numbers mean."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .. import derivation as d
from ..limits import FLOAT_MAX

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
    v = float(v)
    return f"{round(100 * v)} %" if np.isfinite(v) else "NaN %" if np.isnan(v) else "∞ %"


def _each(values: np.ndarray, fmt, unit: str, joiner: str = "of") -> str:
    """'33 % of memory cell 1 and 90 % of cell 2', or a summary for long vectors."""
    n = len(values)
    if n > LISTED:
        if not np.isfinite(values).all():  # no mean, and no order with a NaN
            return f"{fmt(values[0])} for {unit} 1 (and {n - 1} more; some are not finite)"
        lo, hi = int(np.argmin(values)), int(np.argmax(values))
        return (f"{fmt(np.mean(values))} on average over {n} {unit}s, from {fmt(values[lo])} "
                f"({unit} {lo + 1}) to {fmt(values[hi])} ({unit} {hi + 1})")
    parts = [f"{fmt(v)} {joiner} {unit} {k + 1}" for k, v in enumerate(values)]
    return parts[0] if n == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _rough(v: float) -> str:
    v = float(v)
    if not np.isfinite(v):
        return "NaN" if np.isnan(v) else "∞" if v > 0 else "-∞"
    return f"{v:.2f}" if abs(v) < 1e6 else f"{v:.2e}"


def _signed(v: float) -> str:
    v = float(v)
    return f"{v:+.2f}" if np.isfinite(v) else "NaN" if np.isnan(v) else "+∞" if v > 0 else "-∞"


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
            moves = [f"cell {k + 1} {_rough(a)} → {_rough(b)}"
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
        if not np.isfinite(v).all():
            return "probabilities, but some are not finite numbers (see above)"
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
    """"f₂ ≈ [0.33, 0.90]: keeps 33 % of memory cell 1 ...", or "" if there is none.

    A value that is not a finite number (an overflow beyond float64) is reported
    first, where it arises and why (see ``non_finite``).
    """
    from .text import inline, name, numbers

    text = describe(kind(dv, step, q), q.value, step.previous.get(q.short))
    warning = non_finite(step, q)
    if warning:
        text = f"{text}. {warning}" if text else warning
    if not text:
        return ""
    rough = replace(dv.rounding, decimals=min(2, dv.rounding.decimals))
    return f"{name(q.name, step.t)} ≈ {inline(numbers(q.value, rough))}: {text}"


_LARGEST = f"{FLOAT_MAX:.1e}".replace("e+", "e")


def non_finite(step: d.Step, q: d.Quantity) -> str:
    """Where and why ``q`` meets ∞ or NaN at this step; "" when every number is finite.

    Named, in the order of computing: the first part whose finite operands give
    a result beyond float64 (an overflow: carried as ∞), the first where ∞
    meets ∞ or 0 (NaN), and the first value handed in from an earlier step that
    is already not finite.
    """
    if q.tree is None:
        return "" if np.isfinite(q.value).all() else f"NOT FINITE at t = {step.t}"
    if q.finite:  # the solver saw every value on the way
        return ""
    found: dict[str, d.Node] = {}
    overflows: list[d.Node] = []
    _walk_non_finite(q.tree, found, overflows)
    if not found and not overflows:
        return ""
    from .text import TextPrinter, name

    def where(node: d.Node, bad: np.ndarray) -> str:
        k = np.flatnonzero(bad)
        which = ", ".join(str(i + 1) for i in k[:LISTED]) + (", …" if len(k) > LISTED else "")
        kind = "row" if isinstance(node, (d.Product, d.Lookup)) else "entry"
        kind = (kind + "s" if kind == "row" else "entries") if len(k) > 1 else kind
        label = name(q.name, step.t) if node is q.tree else TextPrinter(step.t).doprint(node)
        return f"{kind} {which} of {label}"

    parts = []
    if overflows:
        shown = [where(node, np.isinf(node.value)) for node in overflows[:3]]
        many = len(overflows) > 1 or np.isinf(overflows[0].value).sum() > 1
        parts.append(f"{' and '.join(shown)}{' and more' if len(overflows) > 3 else ''} "
                     f"{'are' if many else 'is'} beyond float64's largest number "
                     f"(about {_LARGEST}) and carried as ∞")
    if "nan" in found:
        node = found["nan"]
        how = {d.Sum: "∞ − ∞", d.Hadamard: "∞ × 0", d.Product: "∞ × 0 or ∞ − ∞"}.get(
            type(node), "∞")
        bad = np.isnan(node.value)
        verb = "have" if bad.sum() > 1 else "has"
        parts.append(f"{where(node, bad)} {verb} no value ({how}): NaN")
    if "earlier" in found:
        node = found["earlier"]
        bad = ~np.isfinite(node.value)
        verb = "come" if bad.sum() > 1 else "comes"
        parts.append(f"{where(node, bad)} {verb} from an earlier overflow")
    return f"OVERFLOW at t = {step.t}: " + "; ".join(parts)


def _walk_non_finite(node: d.Node, found: dict[str, d.Node], overflows: list[d.Node]) -> None:
    """Post-order: every node where an overflow arises into ``overflows``, the first where
    NaN arises and the first handed in already not finite into ``found``."""
    operands = _operands(node)
    for child in operands:
        _walk_non_finite(child, found, overflows)
    value = node.value
    if np.isfinite(value).all():
        return
    if not operands or isinstance(node, d.Stack):
        found.setdefault("earlier", node)  # handed in, not computed here
        return
    if all(np.isfinite(o.value).all() for o in operands):
        if np.isinf(value).any():
            overflows.append(node)
        else:
            found.setdefault("nan", node)
    if np.isnan(value).any() and not any(np.isnan(o.value).any() for o in operands):
        found.setdefault("nan", node)


def _operands(node: d.Node) -> list[d.Node]:
    if isinstance(node, d.Product):
        return [node.matrix, node.vector]
    if isinstance(node, d.Sum):
        return list(node.terms)
    if isinstance(node, d.Hadamard):
        return [node.left, node.right]
    if isinstance(node, d.Activation):
        return [node.arg]
    if isinstance(node, d.Stack):
        return list(node.parts)
    if isinstance(node, d.Lookup):
        return [node.matrix, node.onehot]
    return []
