"""The machine-readable solution (DESIGN.md §4): ``lstm-solve/1``."""

from __future__ import annotations

import json
import math
from typing import Any

from .. import derivation as d
from ..naming import multiplies_sentence

FORMAT = "lstm-solve/1"


def _numbers(values) -> list[float | str]:
    # JSON has no infinity; a value beyond float64 (from inputs near 1e308) is written as text.
    return [float(v) if math.isfinite(v) else ("Infinity" if v > 0 else "-Infinity")
            for v in values]


def count_to_dict(derivation) -> dict[str, Any]:
    """``task: count_parameters``: the total and each matrix with its shape and count."""
    return {"format": FORMAT, "task": "count_parameters", "cell": derivation.problem.cell,
            "parameters": {
                "total": derivation.total,
                "breakdown": [{"name": f"{i.unit}: {i.name}" if i.unit else i.name,
                               "shape": list(i.shape), "count": i.count}
                              for i in derivation.items],
                "formula": f"{derivation.formula} = {derivation.total}",
                "notes": derivation.notes,
            }}


def to_dict(derivation: d.Derivation) -> dict[str, Any]:
    """Values are unrounded (or, with ``carry: rounded``, the rounded values carried).

    Steps of a network with several layers or directions carry "layer" (1-based) and
    "direction"; a bidirectional one also has "outputs": [h_fwd; h_bwd] (and y) per step.
    """
    layered = len(derivation.problem.units) > 1
    steps = []
    for step in derivation.steps:
        entry: dict[str, Any] = {
            "t": step.t,
            "x": _numbers(step.x) if step.x is not None else None,
            "values": {q.short: _numbers(q.value) for q in step.quantities if q.short != "x"},
            "pre_activations": {q.short: _numbers(q.pre_activation) for q in step.quantities
                                if q.pre_activation is not None},
            "given": [q.short for q in step.quantities if q.given],
        }
        if layered:
            entry.update(layer=step.layer, direction=step.direction)
        if step.missing:
            entry["cannot_compute"] = dict(step.missing)
        steps.append(entry)
    out: dict[str, Any] = {"format": FORMAT, "cell": derivation.problem.cell}
    which = multiplies_sentence(derivation.problem, "h_{t-1}", "x_t")
    if which:
        out["notes"] = [which]  # which matrix multiplies which (naming.py)
    out["steps"] = steps
    if derivation.outputs:
        out["outputs"] = [{"t": step.t, **{q.short: _numbers(q.value) for q in step.quantities}}
                          for step in derivation.outputs]
    return out


def render(derivation) -> str:
    if isinstance(derivation, d.Derivation):
        return json.dumps(to_dict(derivation), indent=2)
    return json.dumps(count_to_dict(derivation), indent=2, ensure_ascii=False)


def render_many(solutions: list) -> str:
    """One solution as its object; several as {"format", "problems": [...]}."""
    if len(solutions) == 1:
        return render(solutions[0])
    items = [to_dict(s) if isinstance(s, d.Derivation) else count_to_dict(s) for s in solutions]
    for item, solution in zip(items, solutions, strict=True):
        item["file"] = solution.problem.file
    return json.dumps({"format": FORMAT, "problems": items}, indent=2, ensure_ascii=False)
