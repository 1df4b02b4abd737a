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
    if is_gradient(q):
        return "gradient"
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
    if k == "gradient":
        return gradient_title(dv, q)
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
    operands = d.children(node)
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


# --- the backward pass ------------------------------------------------------------------------

GRADIENT_TITLES = {"loss": "Loss", "dh": "Gradient of the hidden state",
                   "dc": "Gradient of the cell state", "dx": "Gradient of the input",
                   "grad": "Parameter gradient", "norm": "Global gradient norm",
                   "scale": "Clipping scale", "update": "SGD update"}


def is_gradient(q: d.Quantity) -> bool:
    return q.short in GRADIENT_TITLES or q.short[:2] in ("d.", "δ.")


def gradient_title(dv: d.Derivation, q: d.Quantity) -> str:
    """"Gradient of the cell state", "Output gate, pre-activation", ..."""
    if q.short == "dh" and q.name.sub == "both":
        return "Gradient of both directions' outputs"
    if q.short in GRADIENT_TITLES:
        return GRADIENT_TITLES[q.short]
    short = q.short[2:]
    gate = dv.problem.cell_def.gate(short)
    what = "output" if short == "y" else (gate.name + " gate" if gate.name not in (
        "candidate", "hidden") else gate.name)
    if q.short.startswith("δ."):
        return f"{what[0].upper()}{what[1:]}'s pre-activation"
    return f"Gradient of the {what}"


def flow_factors(dv: d.Derivation, state: str = "h") -> list[float]:
    """Per step going back: ‖what reaches the state at t from step t+1‖ / ‖∂L/∂(state)ₜ₊₁‖."""
    rows = [r for r in dv.backward.flow if (r.layer, r.direction) == (1, "forward")]
    out = []
    for later, row in zip(rows, rows[1:]):
        back = row.dh_back if state == "h" else row.dc_back
        total = later.dh if state == "h" else later.dc
        if back is not None and total:
            out.append(back / total)
    return out


def _mean(factors: list[float]) -> float:
    product = 1.0
    for f in factors:
        product *= f
    return product ** (1 / len(factors)) if product > 0 else 0.0


def gradient_flow(dv: d.Derivation) -> str:
    """One line in plain words: does the gradient shrink (vanish) or grow (explode) as it
    goes back through time?"""
    factors = flow_factors(dv, "h")
    if not factors:
        return "One step: nothing flows back through time here."
    g = _mean(factors)
    n = len(factors)
    total = 1.0
    for f in factors:
        total *= f
    said = (f"Going back one step, what reaches hₜ from step t+1 is about ×{g:.2g} of "
            f"‖∂L/∂hₜ₊₁‖" + (f" (×{total:.2g} over {n} steps)" if n > 1 else ""))
    if len(dv.problem.units) > 1:
        said = f"In layer 1{', forward,' if dv.problem.bidirectional else ''}: " + said[0].lower() \
            + said[1:]
    cells = flow_factors(dv, "c")
    lstm = ""
    if cells:
        gc = _mean(cells)
        lstm = (f"; through the cell state, ∂L/∂cₜ₊₁ ⊙ fₜ₊₁ keeps about ×{gc:.2g} a step"
                + (", the longer path the LSTM keeps open" if gc > g else ""))
    if g < 0.5:
        verdict = (f": it shrinks going back (at this rate, 10 steps back it is ×{g ** 10:.1g}), "
                   "the vanishing gradient: far-back steps barely learn from later losses")
    elif g > 2:
        verdict = (f": it grows going back (at this rate, 10 steps back it is ×{g ** 10:.2g}), "
                   "the exploding gradient: clipping (clip: {max_norm}) scales such a step "
                   "down before the update")
    else:
        verdict = ": neither vanishing nor exploding over these steps"
    return said + verdict + lstm + "."


def unit_label(p, layer: int, direction: str) -> str:
    """"layer 2 · forward", "backward", "outputs (both directions)", or "" for one unit."""
    if direction == "both":
        return "outputs (both directions)"
    if len(p.units) == 1:
        return ""
    parts = ([f"layer {layer}"] if p.layers > 1 else []) + (
        [direction] if p.bidirectional else [])
    return " · ".join(parts)


def backward_heading(p, step: d.Step, what: str | None = None) -> str:
    """"Backward · step t = 2", "Backward · layer 2 · forward · t = 3", ..."""
    unit = unit_label(p, step.layer, step.direction)
    tail = what or (f"t = {step.t}" if unit else f"step t = {step.t}")
    return " · ".join(x for x in ("Backward", unit, tail) if x)


def backward_intro(dv: d.Derivation) -> list[str]:
    """What the backward pass's names mean, said once before it."""
    p = dv.problem
    lines = ["From the last step back to the first. δ_gₜ is ∂L/∂(pre-activation of gₜ); "
             "∂L/∂hₜ adds the loss's part at t and what step t+1 hands back."]
    if p.rounding.carry == "exact":
        lines.append("≈ marks a line whose shown numbers do not give its shown result in the "
                     "last digit: every value is carried unrounded.")
    if p.layers > 1:
        lines.append("Layer by layer from the top: ∂L/∂x_lₜ is what layer l hands down to "
                     "the layer below, whose hₜ is layer l's input xₜ.")
    if p.bidirectional:
        lines.append("∂L/∂h_bothₜ is the gradient of [h→ₜ; h←ₜ], the two directions side by "
                     "side; each direction takes its own part. The backward direction is "
                     "worked from t = 1 up, the reverse of the order it read the sequence.")
    loss = p.training.loss
    if loss is not None:
        what = "yₜ" if loss.on == "y" else "hₜ"
        lines.append(f"{what[0]}*ₜ is the target for {what}"
                     + (" (the class it should give)" if loss.kind == "cross_entropy" else "")
                     + ("; only the last step counts" if loss.steps == "last" else "") + ".")
    else:
        given = " and ".join(f"∂L/∂{s}" for s in p.training.upstream)
        lines.append(f"{given} at the last step {'is' if len(p.training.upstream) == 1 else 'are'}"
                     " given (the upstream gradient)" + (
                         "; ∂L/∂c_up is the given one, added to what comes through hₜ"
                         if "c" in p.training.upstream else "") + ".")
    return lines
