"""The machine-readable solution (DESIGN.md §4): ``lstm-solve/1``."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from .. import derivation as d
from ..forms import notes as head_notes

FORMAT = "lstm-solve/1"


def _numbers(values) -> list[float | None]:
    """JSON has no ∞ or NaN: a number that is not finite (an overflow beyond float64) is
    null, and the step's "non_finite" says where it arose and why."""
    return [float(v) if math.isfinite(v) else None for v in values]


def _non_finite(step: d.Step) -> dict[str, str]:
    from .notes import non_finite

    found = {q.short: non_finite(step, q) for q in step.quantities}
    return {short: why for short, why in found.items() if why}


def dumps(data: Any, **options: Any) -> str:
    """``json.dumps`` that never writes the bare NaN or Infinity JSON does not allow:
    any float that is not finite becomes null (the documents' notes say why)."""
    try:
        return json.dumps(data, allow_nan=False, **options)
    except ValueError:
        return json.dumps(_finite(data), allow_nan=False, **options)


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


def count_to_dict(derivation) -> dict[str, Any]:
    """``task: count_parameters``: the total and each matrix with its shape and count."""
    return {"format": FORMAT, "task": "count_parameters", "cell": derivation.problem.cell,
            "parameters": {
                "total": derivation.total,
                "breakdown": [{"name": f"{i.unit}: {i.name}" if i.unit else i.name,
                               "shape": list(i.shape), "count": i.count,
                               **({"times": i.times} if i.times > 1 else {})}
                              for i in derivation.items],
                "formula": f"{derivation.formula} = {derivation.total}",
                "notes": derivation.notes,
            }}


def to_dict(derivation: d.Derivation) -> dict[str, Any]:
    """Values are unrounded (or, with ``carry: rounded``, the rounded values carried).

    Steps of a network with several layers or directions carry "layer" (1-based) and
    "direction"; a bidirectional one also has "outputs": [h_fwd; h_bwd] (and y) per step.
    A batch is {"format", "cell", "notes", "batch": [...]}, one single problem's object
    per row.
    """
    if derivation.problem.batch:
        out: dict[str, Any] = {"format": FORMAT, "cell": derivation.problem.cell}
        said = head_notes(derivation.problem, "h_{t-1}", "x_t")
        if said:
            out["notes"] = said
        out["batch"] = [_single(dv) for dv in (derivation, *derivation.rows)]
        return out
    return _single(derivation)


def _single(derivation: d.Derivation) -> dict[str, Any]:
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
        non_finite = _non_finite(step)
        if non_finite:
            entry["non_finite"] = non_finite
        steps.append(entry)
    out: dict[str, Any] = {"format": FORMAT, "cell": derivation.problem.cell}
    problem = derivation.problem
    said = head_notes(problem.row(0) if problem.batch else problem, "h_{t-1}", "x_t")
    if said:
        out["notes"] = said  # which matrix multiplies which (naming.py), packing, variants
    out["steps"] = steps
    if derivation.outputs:
        out["outputs"] = [{"t": step.t, **{q.short: _numbers(q.value) for q in step.quantities},
                           **({"non_finite": _non_finite(step)} if _non_finite(step) else {})}
                          for step in derivation.outputs]
    if derivation.backward is not None:
        out["backward"] = backward_to_dict(derivation)
    return out


def _array(values) -> list:
    values = np.asarray(values)
    return [_array(row) for row in values] if values.ndim > 1 else _numbers(values)


def backward_to_dict(derivation: d.Derivation) -> dict[str, Any]:
    """DESIGN.md §7: the loss, each step's gradients (from the last step back), the
    parameters' gradients shaped as in the file (before clipping), their norm, clipping and
    the updated parameters; unrounded. ``d_values`` adds ∂L/∂(gate output) (and ∂L/∂ŷ)."""
    b = derivation.backward
    problem = derivation.problem
    layered = len(problem.units) > 1
    out: dict[str, Any] = {}
    if b.loss is not None:
        out["loss"] = _numbers(b.loss.value)[0]
    steps = []
    for step in b.steps:
        entry: dict[str, Any] = {"t": step.t}
        if layered:
            entry.update(layer=step.layer, direction=step.direction)
        for key in ("dh", "dc"):
            q = step.get(key)
            if q is not None:
                entry[key] = _numbers(q.value)
        q = step.get("δ.y")
        if q is not None:
            entry["dy"] = _numbers(q.value)
        entry["d_pre"] = {q.short[2:]: _numbers(q.value) for q in step.quantities
                          if q.short.startswith("δ.") and q.short != "δ.y"}
        entry["d_values"] = {q.short[2:]: _numbers(q.value) for q in step.quantities
                             if q.short.startswith("d.")}
        steps.append(entry)
    out["steps"] = steps
    gradients: dict[str, Any] = {}
    updated: dict[str, Any] = {}
    parts: dict[tuple, dict] = {}
    for g in b.gradients:
        where = g.where
        if len(where) >= 3 and where[-2] == "W" and where[-1] in ("h", "x", 1):
            parts.setdefault(where[:-1], {})[where[-1]] = g  # a column block of a concat W
            continue
        _put(gradients, where, _array(g.gradient.value))
        if g.update is not None:
            _put(updated, where, _array(g.update.value))
    row = problem.orientation == "row"
    for where, blocks in parts.items():
        order = [s for s in problem.stack if s in blocks]
        join = np.vstack if row else np.hstack

        def block(g, value, row=row):
            value = np.asarray(value)
            return value[:, None] if value.ndim == 1 and not row else (
                value[None, :] if value.ndim == 1 else value)

        _put(gradients, where, _array(join([block(blocks[s], blocks[s].gradient.value)
                                           for s in order])))
        if all(blocks[s].update is not None for s in order):
            _put(updated, where, _array(join([block(blocks[s], blocks[s].update.value)
                                              for s in order])))
    for step in b.initial:
        where = _unit_prefix(problem, step.layer, step.direction) + ("initial",)
        for q in step.quantities:
            _put(gradients, where + (q.short[1:],), _numbers(q.value))
    out["gradients"] = _lists(gradients)
    if b.norm is not None:
        out["norm"] = _numbers(b.norm.value)[0]
    if b.clip is not None:
        out["clip"] = {"max_norm": b.max_norm, "scale": _numbers(b.clip.value)[0]}
    if updated:
        out["updated"] = _lists(updated)
    return out


def _unit_prefix(problem, layer: int, direction: str) -> tuple:
    """Where a layer's (and direction's) gates are in the problem file."""
    out: tuple = ("layers", layer - 1) if problem.layers > 1 else ()
    return out + ((direction,) if problem.bidirectional else ())


def _lists(tree):
    """{"layers": {0: ..., 1: ...}} -> {"layers": [..., ...]}, as the file writes layers."""
    if not isinstance(tree, dict):
        return tree
    if tree and all(isinstance(k, int) for k in tree):
        return [_lists(tree[k]) for k in sorted(tree)]
    return {k: _lists(v) for k, v in tree.items()}


def _put(tree: dict, where: tuple, value) -> None:
    for key in where[:-1]:
        tree = tree.setdefault(key, {})
    tree[where[-1]] = value


def render(derivation) -> str:
    if isinstance(derivation, d.Derivation):
        return dumps(to_dict(derivation), indent=2)
    return dumps(count_to_dict(derivation), indent=2, ensure_ascii=False)


def render_many(solutions: list) -> str:
    """One solution as its object; several as {"format", "problems": [...]}."""
    if len(solutions) == 1:
        return render(solutions[0])
    items = [to_dict(s) if isinstance(s, d.Derivation) else count_to_dict(s) for s in solutions]
    for item, solution in zip(items, solutions, strict=True):
        item["file"] = solution.problem.file
    return dumps({"format": FORMAT, "problems": items}, indent=2, ensure_ascii=False)
