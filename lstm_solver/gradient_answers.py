"""Answers about the backward pass, in an answer file for ``lstm-solve check``.

The names mirror the JSON ``backward`` object (DESIGN.md §7). Per step (under
``steps: {t: ...}``, or at the top for a one-step problem): ``dh``, ``dc``, ``dy``,
``d_pre: {gate: vector}`` (δ, the gradient of the gate's pre-activation) and
``d_values: {gate: vector}`` (the gradient of the gate's output, ∂L/∂o). For the
whole problem: ``grad: {gate: {W: matrix, ...}, output_layer: {...}, embedding: ...,
initial: {h, c}}`` with the file's own parameter names, ``loss``, ``norm``,
``scale`` (the clipping scale) and ``updated: {gate: {W: ...}}``.

Each number gets the verdicts of check.py: correct, follows (right when recomputed
from the student's own earlier gradients: the backward pass runs from the last step
back, so "earlier" is later in time), wrong.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import ProblemError
from .numbers import NumberError, Value, parse_matrix, parse_number, parse_vector
from .problem import Problem
from .yamlsource import Document, dotted

STEP_KEYS = ("dh", "dc", "dy", "d_pre", "d_values")
WHOLE_KEYS = ("grad", "loss", "norm", "scale", "updated")
KEYS = {"dh": "dh", "dc": "dc", "dy": "δ.y"}  # answer key -> the backward quantity's key

Key = tuple[Any, str]  # (t or None, "dh" | "d_pre.o" | "grad.input.W" | "loss" | ...)


def take(doc: Document, data: dict, problem: Problem) -> dict[Key, Value]:
    """Remove the backward-pass answers from an answer file's data and read them."""
    found = [k for k in WHOLE_KEYS if k in data]
    steps = data.get("steps") if isinstance(data.get("steps"), dict) else None
    in_steps = [(t, k) for t, block in (steps or {}).items() if isinstance(block, dict)
                for k in STEP_KEYS if k in block]
    top = [k for k in STEP_KEYS if k in data]
    if not (found or in_steps or top):
        return {}
    where = (found or top or [("steps", *in_steps[0])])[0]
    if problem.training is None:
        raise doc.error(where if isinstance(where, tuple) else (where,),
                        "the problem has no loss (or upstream gradient), so there is no "
                        "backward pass to check: add 'loss' to the problem file", at_key=True)
    out: dict[Key, Value] = {}
    shapes = _shapes(problem)
    for key in found:
        value = data.pop(key)
        if key in ("grad", "updated"):
            _tree(doc, value, (key,), key, shapes, out, problem)
        else:
            out[(None, key)] = _number(doc, value, (key,))
    if top:
        if problem.steps > 1:
            raise doc.error((top[0],), f"the problem has {problem.steps} steps: key the "
                            f"gradients by step, as 'steps: {{{problem.start}: {{dh: [...]}}}}'",
                            at_key=True)
        _step(doc, {k: data.pop(k) for k in top}, (), problem.start, problem, out)
    for t, key in in_steps:
        block = steps[t]
        if t not in range(problem.start, problem.start + problem.steps):
            continue  # check.py says which steps there are
        _step(doc, {key: block.pop(key)}, ("steps", t), t, problem, out)
    return out


def _number(doc: Document, raw: Any, path: tuple) -> Value:
    try:
        return Value((parse_number(raw),), dotted(path) or "")
    except NumberError as exc:
        raise doc.error(path, exc.message) from None


def _vector(doc: Document, raw: Any, path: tuple, n: int, what: str) -> Value:
    try:
        vec = parse_vector(raw, dotted(path) or "")
    except NumberError as exc:
        raise doc.error(path + exc.path, exc.message) from None
    if vec.shape[0] != n:
        raise doc.error(path, f"has {vec.shape[0]} entries but {what} has {n}")
    return vec


def _step(doc: Document, block: dict, path: tuple, t: int, problem: Problem, out) -> None:
    cell = problem.cell_def
    H = problem.hidden_size
    for key, raw in block.items():
        where = path + (key,)
        if key in ("d_pre", "d_values"):
            if not isinstance(raw, dict):
                raise doc.error(where, "expected a mapping of gates to vectors, such as "
                                "'o: [0.1, -0.2]'")
            for name, vec in raw.items():
                gate = cell.gate(str(name))
                short = gate.short if gate else None
                if key == "d_values" and short is None and str(name) == "y" and \
                        problem.output_layer:
                    short = "y"
                if short is None:
                    names = ", ".join(g.name for g in cell.gates)
                    raise doc.error(where + (name,), f"not a gate of this "
                                    f"{problem.cell.upper()} (expected one of: {names})",
                                    at_key=True)
                n = _output_size(problem) if short == "y" else H
                out[(t, f"{key}.{short}")] = _vector(doc, vec, where + (name,), n,
                                                     f"∂L/∂{short}_{t}")
        elif key == "dc" and "c" not in cell.state:
            raise doc.error(where, f"a {problem.cell.upper()} has no cell state c",
                            at_key=True)
        elif key == "dy":
            if not problem.output_layer:
                raise doc.error(where, "the problem has no output layer", at_key=True)
            out[(t, key)] = _vector(doc, raw, where, _output_size(problem), f"δ_y at t = {t}")
        else:
            out[(t, key)] = _vector(doc, raw, where, H, f"∂L/∂{key[1:]}_{t}")


def _output_size(problem: Problem) -> int:
    V = problem.output_layer.V
    return V.shape[1 if problem.orientation == "row" else 0]


def _shapes(problem: Problem) -> dict[tuple, tuple]:
    """Where each parameter is written -> its shape (and the initial states')."""
    out: dict[tuple, tuple] = {}
    for p in problem.gates.values():
        gate = problem.cell_def.gate(p.gate).name
        for slot in ("W", "U", "b", "b_h"):
            value = getattr(p, slot)
            if value is not None:
                key = p.naming.key(slot) if problem.layout == "split" else slot
                out[(gate, key)] = value.shape
    if problem.output_layer:
        out[("output_layer", "V")] = problem.output_layer.V.shape
        if problem.output_layer.c is not None:
            out[("output_layer", "c")] = problem.output_layer.c.shape
    if problem.embedding:
        out[("embedding",)] = problem.embedding.matrix.shape
    for state in problem.cell_def.state:
        out[("initial", state)] = (problem.hidden_size,)
    return out


def _tree(doc, raw, path: tuple, top: str, shapes: dict, out: dict, problem: Problem) -> None:
    """grad/updated: a mapping that mirrors the problem file (gate -> key -> matrix)."""
    if not isinstance(raw, dict):
        raise doc.error(path, "expected a mapping that mirrors the problem file, such as "
                        "'input: {W: [[...]]}'")
    for key, value in raw.items():
        here = path + (key,)
        gate = problem.cell_def.gate(str(key))
        name = gate.name if gate else str(key)
        where = (name,)
        if where in shapes:  # the embedding: a matrix
            _leaf(doc, value, here, top, where, shapes[where], out)
            continue
        keys = sorted({w[1] for w in shapes if w[0] == name and len(w) > 1})
        if not keys or (top == "updated" and name == "initial"):
            known = sorted({w[0] for w in shapes if not (top == "updated" and
                                                         w[0] == "initial")})
            raise doc.error(here, f"no parameters called {key!r} here; expected one of: "
                            f"{', '.join(known)}", at_key=True)
        if not isinstance(value, dict):
            raise doc.error(here, f"expected a mapping of {', '.join(keys)}")
        for pkey, matrix in value.items():
            if (name, pkey) not in shapes:
                raise doc.error(here + (pkey,), f"unknown key {pkey!r}; expected one of: "
                                f"{', '.join(keys)}", at_key=True)
            _leaf(doc, matrix, here + (pkey,), top, (name, pkey), shapes[(name, pkey)], out)


def _leaf(doc, raw, path: tuple, top: str, where: tuple, shape: tuple, out: dict) -> None:
    try:
        value = parse_matrix(raw, dotted(path) or "") if len(shape) == 2 else parse_vector(
            raw, dotted(path) or "")
    except NumberError as exc:
        raise doc.error(path + exc.path, exc.message) from None
    if value.shape != shape:
        shown = "×".join(map(str, value.shape))
        raise doc.error(path, f"is {shown} but the problem's is {'×'.join(map(str, shape))}")
    out[(None, ".".join([top, *where]))] = value


# --- checking --------------------------------------------------------------------------------


def expected(back: dict, key: Key) -> np.ndarray | None:
    """The true value an answer key names, in the JSON ``backward`` object ``back``."""
    t, name = key
    if t is None:
        if name in ("loss", "norm"):
            return np.array([back[name]]) if name in back else None
        if name == "scale":
            return np.array([back["clip"]["scale"]]) if "clip" in back else None
        top, *path = name.split(".")
        node = back.get("gradients" if top == "grad" else top)
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return np.asarray(node, dtype=float)
    step = next((s for s in back["steps"] if s["t"] == t), None)
    if step is None:
        return None
    if "." in name:
        group, gate = name.split(".")
        value = step.get(group, {}).get(gate)
    else:
        value = step.get(name)
    return None if value is None else np.asarray(value, dtype=float)


def _override(key: Key) -> tuple | None:
    """The bptt override an answer stands for: (t, "dh"), (t, "δ.o"), ("input", "W")."""
    t, name = key
    if t is not None:
        if name in KEYS:
            return (t, KEYS[name])
        group, gate = name.split(".")
        return (t, ("δ." if group == "d_pre" else "d.") + gate)
    if name.startswith("grad.") and not name.startswith("grad.initial"):
        return tuple(name.split(".")[1:])
    return None


def _rank(truth) -> dict:
    """The order the backward pass computes things in (what is 'earlier')."""
    rank: dict = {(None, "loss"): 0}
    n = 1
    reverse = {v: k for k, v in KEYS.items()}
    for step in truth.backward.steps:
        for q in step.quantities:
            name = reverse.get(q.short) or (
                ("d_pre." if q.short.startswith("δ.") else "d_values.") + q.short[2:])
            rank[(step.t, name)] = n
            n += 1
    rank["initial"] = n
    rank["grad"] = n + 1
    rank[(None, "norm")] = n + 2
    rank[(None, "scale")] = n + 3
    rank["updated"] = n + 4
    return rank


def rank_of(rank: dict, key: Key) -> int:
    if key in rank:
        return rank[key]
    top = key[1].split(".")[0]
    if top == "grad" and key[1].startswith("grad.initial"):
        return rank["initial"]
    return rank.get(top, len(rank) + 10)


def recomputed(problem: Problem, truth, answers: dict[Key, Value], key: Key,
               rank: dict) -> np.ndarray | None:
    """The value ``key`` takes when everything computed before it is the student's own."""
    from .bptt import backward

    mine = rank_of(rank, key)
    overrides = {}
    for other, value in answers.items():
        if rank_of(rank, other) < mine:
            target = _override(other)
            if target is not None:
                overrides[target] = value.array
    if not overrides:
        return None
    from .render.json import backward_to_dict

    try:
        dv = replace(truth, backward=backward(problem, truth, overrides))
    except (ValueError, KeyError, ProblemError):
        return None
    return expected(backward_to_dict(dv), key)


def label(problem: Problem, quantity: str, t) -> str:
    """How a gradient answer is named to the student: ∂L/∂h₂, δ_o₂, ∂L/∂W_f, W′_f."""
    from .equations import Name
    from .render.text import name

    if quantity in ("loss", "norm", "scale"):
        return {"loss": "L", "norm": "‖g‖", "scale": "s"}[quantity]
    if t is not None or quantity.split(".")[0] not in ("grad", "updated"):
        # a step's gradient; t None: the one at every step (∂hₜ), as feedback groups it
        if quantity in ("dh", "dc"):
            return name(Name("∂" + problem.symbol(quantity[1:]), "", 0), t)
        if quantity == "dy":
            return name(Name("δ", "y", 0), t)
        group, short = quantity.split(".")
        base = "y" if short == "y" else problem.symbol(short)
        if group == "d_pre":
            return name(Name("δ", base.removesuffix("_tilde"), 0), t)
        return name(Name("∂" + base, "", 0), t)
    top, *path = quantity.split(".")
    printed = _printed(problem, path)
    return f"∂L/∂{printed}" if top == "grad" else (
        printed.replace("_", "′_", 1) if "_" in printed else printed + "′")


def _printed(problem: Problem, path: list[str]) -> str:
    """W_f for ["forget", "W"], V for ["output_layer", "V"], h₀ for ["initial", "h"]."""
    from .equations import Name
    from .render.text import name

    if path[0] == "initial":
        return name(Name(problem.symbol(path[1]), "", -1), problem.start)
    if path[0] == "output_layer":
        return path[1]
    if path[0] == "embedding":
        return "E"
    gate = problem.cell_def.gate(path[0])
    p = problem.gates.get(gate.short) if gate else None
    if p is not None and problem.layout == "split":
        slot = p.naming.slot(path[1])
        if slot is not None:
            return p.param(slot).label
    return f"{path[1]}_{p.letter}" if p is not None else ".".join(path)


def gradient_label(problem: Problem, quantity: str, t) -> str:
    """label(), where an answer about the whole problem has the t of whole_t()."""
    whole = quantity.split(".")[0] in ("grad", "updated", "loss", "norm", "scale")
    return label(problem, quantity, None if whole else t)


def is_gradient(quantity: str) -> bool:
    return quantity in ("dh", "dc", "dy", "loss", "norm", "scale") or quantity.split(".")[0] in (
        "d_pre", "d_values", "grad", "updated")


ASK_NAME = {"d_pre": "d_pre", "d_values": "d_values", "grad": "grad", "updated": "updated"}


def ask_name(quantity: str) -> str:
    """The ``ask:`` name that asks for an answer's quantity: d_pre.o -> d_pre."""
    return quantity.split(".")[0]


def whole_t(problem: Problem) -> int:
    """The t of an answer about the whole problem (a parameter's gradient, the loss, the
    norm...): the step before the first, which no answer about a step can have."""
    return problem.start - 1


def gradient_items(checker, answers: dict[Key, Value]) -> list:
    """A verdict for every number of the gradient answers and every gradient the question
    asks for (``ask: [dh, grad, ...]``), in the order the backward pass computes them, by
    the rules of check.py: correct (within one unit of the value carried exactly or
    rounded), imprecise, follows (recomputed from the student's own earlier gradients),
    wrong, missing."""
    from .check import Item
    from .render.json import backward_to_dict
    from .training import gradients_asked

    problem = checker.problem
    truth = checker.truth
    if truth.backward is None:
        return []
    if answers and len(problem.units) > 1:
        raise ProblemError("answers about the backward pass are checked for one layer in one "
                           "direction; this network has several", file=problem.file)
    backs = [backward_to_dict(truth)]
    rounded = replace(problem.rounding, carry="rounded", decimals=checker.decimals)
    if problem.rounding != rounded:
        try:
            from .solver import solve

            backs.append(backward_to_dict(solve(replace(problem, rounding=rounded))))
        except (ValueError, KeyError, ProblemError, ArithmeticError):
            pass
    asked = set(gradients_asked(problem))
    keys = list(answers)
    for key in _all_keys(backs[0], problem):
        if ask_name(key[1]) in asked and key not in answers and not given(truth, *key):
            keys.append(key)
    rank = _rank(truth)
    items = []
    for key in sorted(keys, key=lambda k: rank_of(rank, k)):
        t, quantity = key
        true = expected(backs[0], key)
        if true is None:
            raise ProblemError(f"{label(problem, quantity, t)} is not part of this problem's "
                               "backward pass (no clipping or learning rate given?)",
                               file=answers[key].key and problem.file)
        true = true.ravel()
        value = answers.get(key)
        is_asked = ask_name(quantity) in asked and not given(truth, t, quantity)
        share = _marks(problem, quantity, t, len(true)) if is_asked else Fraction(0)
        flat = _flat(value) if value is not None else [None] * len(true)
        answer = np.array([np.nan if x is None else float(x) for x in flat])
        verdict = np.where(np.isnan(answer), "missing", "").astype(object)
        open_ = verdict == ""
        for back in backs:
            ref = expected(back, key)
            if ref is not None:
                hit = open_ & _within(answer, ref.ravel(), checker.tol)
                verdict[hit] = "correct"
                open_ &= ~hit
        for i in np.flatnonzero(open_):
            digits = _digits(flat[i])
            if digits is not None and digits < checker.decimals and any(
                    _rounds(flat[i], digits, float(expected(b, key).ravel()[i]),
                            problem.rounding.round_half) for b in backs
                    if expected(b, key) is not None):
                verdict[i] = "imprecise"
        open_ = verdict == ""
        if open_.any():
            own = recomputed(problem, truth, answers, key, rank)
            if own is not None:
                hit = open_ & _within(answer, own.ravel(), checker.tol)
                verdict[hit] = "follows"
                open_ &= ~hit
        verdict[open_] = "wrong"
        for i in range(len(true)):
            if verdict[i] == "missing" and not is_asked:
                continue
            items.append(Item(
                whole_t(problem) if t is None else t, quantity, i,
                None if flat[i] is None else float(flat[i]), float(true[i]), str(verdict[i]),
                written=None if flat[i] is None else str(flat[i]), out_of=share,
                marks=share * checker.marking.credit(str(verdict[i])), asked=is_asked))
    return items


def _all_keys(back: dict, problem: Problem) -> list[Key]:
    """Every answer key the backward pass has a value for."""
    out: list[Key] = []
    for step in back["steps"]:
        for name in ("dh", "dc", "dy"):
            if name in step:
                out.append((step["t"], name))
        for group in ("d_values", "d_pre"):
            out += [(step["t"], f"{group}.{g}") for g in step.get(group, {})]
    out += [(None, "loss")] if "loss" in back else []
    out += [(None, ".".join(["grad", *map(str, path)]))
            for path, _ in _leaves(back["gradients"])]
    out += [(None, "norm")] if "norm" in back else []
    out += [(None, "scale")] if "clip" in back else []
    out += [(None, ".".join(["updated", *map(str, path)]))
            for path, _ in _leaves(back.get("updated", {}))]
    return out


def _marks(problem: Problem, quantity: str, t, entries: int) -> Fraction:
    marks = getattr(problem, "marks", None) or {}
    mark = marks.get(ask_name(quantity), 1) if isinstance(marks, dict) else 1
    if isinstance(mark, dict):
        mark = mark.get(t, 0)
    return Fraction(str(mark)) / entries


def _flat(value: Value) -> list:
    return [x for row in value.exact for x in (row if isinstance(row, tuple) else (row,))]


def _digits(x) -> int | None:
    if isinstance(x, Decimal):
        return max(0, -int(x.as_tuple().exponent))
    return 0 if isinstance(x, int) else None


def _rounds(x, digits: int, reference: float, round_half: str) -> bool:
    from .numbers import Rounding

    if not np.isfinite(reference) or digits > 15:
        return False
    return Rounding(digits, round_half).decimal(reference) == Decimal(x)


def _within(answer: np.ndarray, reference: np.ndarray, tol: float) -> np.ndarray:
    from .check import within

    return within(answer, reference, tol)


def given(dv, t, quantity: str) -> bool:
    """Was this gradient given in the question (upstream: ∂L/∂h at the last step)?"""
    found = worked(dv, t, quantity) if t is not None else None
    return bool(found and found[1] is not None and found[1].given)


def worked(dv, t, quantity: str):
    """(step, quantity) of the solution that works out a gradient answer, or None."""
    b = dv.backward
    if b is None:
        return None
    if t is not None:
        key = KEYS.get(quantity) or (("δ." if quantity.startswith("d_pre") else "d.")
                                     + quantity.split(".")[1])
        for step in b.steps:
            if step.t == t and step.get(key) is not None:
                return step, step.get(key)
        return None
    top, *path = quantity.split(".")
    whole = None
    for g in b.gradients:
        if list(g.where) == path:
            return whole, (g.gradient if top == "grad" else g.update)
    if quantity == "norm":
        return whole, b.norm
    if quantity == "scale":
        return whole, b.clip
    if quantity == "loss":
        return whole, b.loss
    return None


def asked_gradients(dv) -> list:
    """The gradients a question asks for (``ask: [dh, grad, ...]``), one AskedNumber per
    element, for the quiz exports (asked.py): from the last step back, then the loss,
    the parameters' gradients, the norm, the scale and the updated parameters."""
    from fractions import Fraction

    from .asked import AskedNumber
    from .render.json import backward_to_dict
    from .training import gradients_asked

    p = dv.problem
    asked = gradients_asked(p)
    if not asked or dv.backward is None:
        return []
    back = backward_to_dict(dv)
    out = []

    def add(quantity: str, t, values, layer=1, direction="forward") -> None:
        flat = np.asarray(values, dtype=float).ravel()
        where = ""
        if len(p.units) > 1:
            parts = ([f"layer {layer}"] if p.layers > 1 else []) + (
                [direction] if p.bidirectional else [])
            where = f" ({', '.join(parts)})"
        for i, v in enumerate(flat):
            if not np.isfinite(v):
                raise ProblemError(f"{label(p, quantity, t)}[{i + 1}] is {v} (the numbers "
                                   "overflow): it cannot be a quiz answer", file=p.file)
            out.append(AskedNumber(f"{label(p, quantity, t)}[{i + 1}]{where}", float(v),
                                   p.rounding.decimals, Fraction(1, len(flat)), None, t,
                                   quantity, i, layer, direction))

    for step in back["steps"]:
        layer, direction = step.get("layer", 1), step.get("direction", "forward")
        for name in ("dh", "dc", "dy"):
            if name in asked and name in step and not given(dv, step["t"], name):
                add(name, step["t"], step[name], layer, direction)
        for group in ("d_values", "d_pre"):
            if group in asked:
                for gate, values in step[group].items():
                    add(f"{group}.{gate}", step["t"], values, layer, direction)
    if "loss" in asked and "loss" in back:
        add("loss", None, [back["loss"]])
    for top in ("grad", "updated"):
        if top in asked:
            for path, values in _leaves(back.get("updated", {}) if top == "updated"
                                        else back["gradients"]):
                add(".".join([top, *map(str, path)]), None, values)
    if "norm" in asked and "norm" in back:
        add("norm", None, [back["norm"]])
    if "scale" in asked and "clip" in back:
        add("scale", None, [back["clip"]["scale"]])
    return out


def _leaves(tree, path=()):
    """(path, numbers) of every matrix or vector in a nested gradients mapping."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(tree, list) and tree and isinstance(tree[0], (dict,)):
        for k, value in enumerate(tree):
            yield from _leaves(value, path + (k,))
    else:
        yield path, tree
