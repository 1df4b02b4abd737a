"""Answers about the backward pass, in an answer file for ``lstm-solve check``.

The names mirror the JSON ``backward`` object (DESIGN.md §7). Per step (under
``steps: {t: ...}``, as ``dh: {t: [...]}``, or at the top for a one-step problem):
``dh``, ``dc``, ``dy``, ``d_pre: {gate: vector}`` (δ, the gradient of the gate's
pre-activation) and ``d_values: {gate: vector}`` (the gradient of the gate's output,
∂L/∂o). For the whole problem: ``grad: {gate: {W: matrix, ...}, output_layer: {...},
embedding: ..., initial: {h, c}}`` with the file's own parameter names, ``loss``,
``norm``, ``scale`` (the clipping scale) and ``updated: {gate: {W: ...}}``.

A stacked or bidirectional network's gradients are keyed as its forward answers are:
``layers: {1: {dh: {2: [...]}, grad: {input: {W: ...}}}}``, ``forward:``/``backward:``
(or ``grad: {layers: {1: ...}}``); the loss, the norm, the scale, δ_y and the output
layer's and the embedding's gradients belong to the whole network, at the top.

Each number gets the verdicts of check.py: correct, follows (right when recomputed
from the student's own earlier gradients: the backward pass runs from the last step
back and from the top layer down, so "earlier" is later in time or higher up), wrong.
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
NETWORK_KEYS = ("loss", "norm", "scale")  # one number for the whole network
SHARED = ("output_layer", "embedding")  # parameters of the whole network, not of a unit
KEYS = {"dh": "dh", "dc": "dc", "dy": "δ.y"}  # answer key -> the backward quantity's key

Key = tuple[Any, str, int, str]
"""(t or None, "dh" | "d_pre.o" | "grad.input.W" | "loss" | ..., layer, direction): a
parameter's name is its place within its layer and direction ("grad.input.W" of layer 2);
the whole network's numbers (loss, norm, scale, the output layer's and the embedding's
gradients) have the unit of whole_unit()."""


def whole_unit(problem: Problem) -> tuple[int, str]:
    """The (layer, direction) of the whole network's numbers: the one unit, or the top
    layer's outputs ("both") when there are several."""
    return (1, "forward") if len(problem.units) == 1 else (problem.layers, "both")


def output_unit(problem: Problem) -> tuple[int, str]:
    """The (layer, direction) of the output layer's δ_y: the top layer, or a bidirectional
    network's outputs."""
    return (problem.layers, "both") if problem.bidirectional else (problem.layers, "forward")


def prefix(problem: Problem, layer: int, direction: str) -> tuple:
    """Where a unit's parameters are in the JSON ``gradients`` (and the problem file):
    (), ("layers", 1), ("forward",), ("layers", 0, "backward")."""
    if direction == "both":
        return ()
    out: tuple = ("layers", layer - 1) if problem.layers > 1 else ()
    return out + ((direction,) if problem.bidirectional else ())


def split_path(problem: Problem, path: tuple) -> tuple[tuple, int, str]:
    """A JSON ``gradients`` path -> (the place within its unit, layer, direction)."""
    path = tuple(path)
    if path and path[0] in SHARED:
        return path, *whole_unit(problem)
    layer, direction = 1, "forward"
    if problem.layers > 1 and path[:1] == ("layers",):
        layer, path = int(path[1]) + 1, path[2:]
    if problem.bidirectional and path[:1] and path[0] in ("forward", "backward"):
        direction, path = path[0], path[1:]
    return path, layer, direction


def json_path(problem: Problem, key: Key) -> tuple:
    """grad.input.W of layer 2 -> ("layers", 1, "input", "W") (without "grad")."""
    _, name, layer, direction = key
    rest = tuple(name.split(".")[1:])
    return rest if rest[:1] and rest[0] in SHARED else prefix(problem, layer, direction) + rest


def take(doc: Document, data: dict, problem: Problem) -> dict[Key, Value]:
    """Remove the backward-pass answers from an answer file's data (at the top, under
    ``steps:``, ``layers:``, ``forward:``/``backward:``, in any order, as the forward
    answers are keyed) and read them."""
    taker = _Taker(doc, problem)
    taker.block(data, (), None)
    return taker.out


class _Taker:
    def __init__(self, doc: Document, problem: Problem):
        from .answers import _Context, _Reader

        self.doc, self.problem = doc, problem
        self.reader = _Reader(doc, problem)  # its checks of steps and layers, its messages
        self.context = _Context
        self.out: dict[Key, Value] = {}
        self._shapes: dict | None = None

    @property
    def shapes(self) -> dict:
        if self._shapes is None:
            self._shapes = _shapes(self.problem)
        return self._shapes

    def fail(self, path: tuple, message: str, at_key: bool = True) -> ProblemError:
        return self.doc.error(path, message, at_key)

    def block(self, data: dict, path: tuple, ctx) -> None:
        from .answers import DIRECTIONS, META_KEYS

        ctx = ctx or self.context()
        for key in list(data):
            value = data[key]
            where = path + (key,)
            if key in STEP_KEYS or key in WHOLE_KEYS:
                self.gradient(key, data.pop(key), where, ctx)
            elif key == "steps" and isinstance(value, dict):
                for t, sub in value.items():
                    if isinstance(sub, dict):
                        here = where + (t,)
                        self.block(sub, here, ctx.set(self.doc, here, "t",
                                                      self.reader.step(t, here), t))
            elif key == "layers" and isinstance(value, (dict, list)):
                items = (value.items() if isinstance(value, dict) else
                         ((k + 1, v) for k, v in enumerate(value)))
                for n, sub in items:
                    if isinstance(sub, dict):
                        here = where + ((n - 1,) if isinstance(value, list) else (n,))
                        self.block(sub, here, ctx.set(self.doc, here, "layer",
                                                      self.reader.layer(n, here), n))
            elif key in DIRECTIONS and isinstance(value, dict):
                self.direction(key, where)
                self.block(value, where, ctx.set(self.doc, where, "direction", key, key))
            elif key not in META_KEYS and isinstance(value, dict) and (
                    self.reader.step_key(key) is not None):
                self.block(value, where, ctx.set(self.doc, where, "t",
                                                 self.reader.step(key, where), key))

    def direction(self, key: str, where: tuple) -> None:
        if not self.problem.bidirectional:
            raise self.fail(where, f"'{key}' is for a bidirectional network; this one reads "
                            "the sequence one way")

    def put(self, key: Key, value: Value, where: tuple) -> None:
        if key in self.out:
            raise self.fail(where, f"{label(self.problem, key[1], key[0], key[2], key[3])} "
                            f"is given twice (also as {self.out[key].key!r})")
        self.out[key] = value

    def gradient(self, key: str, value: Any, where: tuple, ctx) -> None:
        problem = self.problem
        if problem.training is None:
            raise self.fail(where, "the problem has no loss (or upstream gradient), so there "
                            "is no backward pass to check: add 'loss' to the problem file")
        if key in NETWORK_KEYS:
            if (ctx.layer, ctx.direction, ctx.t) != (None, None, None):
                raise self.fail(where, f"{label(problem, key, None)} is one number for the "
                                f"whole problem: give '{key}' at the top of the file")
            self.put((None, key, *whole_unit(problem)), _number(self.doc, value, where), where)
        elif key in ("grad", "updated"):
            if ctx.t is not None:
                raise self.fail(where, f"'{key}' sums over every step: give it outside "
                                "'steps:' (at the top, or under its layer or direction)")
            self.tree(value, where, key, ctx.layer, ctx.direction)
        elif isinstance(value, dict) and value and ctx.t is None and all(
                self.reader.step_key(k) is not None for k in value):  # dh: {2: [...]}
            for t, sub in value.items():
                here = where + (t,)
                self.step(key, sub, here, self.reader.step(t, here), ctx)
        else:
            t = ctx.t
            if t is None:
                if problem.steps > 1:
                    raise self.fail(where, f"the problem has {problem.steps} steps: key the "
                                    f"gradients by step, as 'steps: {{{problem.start}: "
                                    f"{{{key}: [...]}}}}' or '{key}: {{{problem.start}: "
                                    "[...]}'")
                t = problem.start
            self.step(key, value, where, t, ctx)

    def unit(self, what: str, where: tuple, ctx, output: bool = False) -> tuple[int, str]:
        """The (layer, direction) an answer about one unit belongs to."""
        p = self.problem
        if output:  # δ_y, ∂L/∂ŷ: the output layer's
            if ctx.direction is not None:
                raise self.fail(where, "the output layer reads both directions: give its "
                                "gradients outside forward:/backward:")
            if ctx.layer not in (None, p.layers):
                raise self.fail(where, f"the output layer is on the top layer ({p.layers})")
            return output_unit(p)
        layer, direction = ctx.layer, ctx.direction
        if layer is None:
            if p.layers > 1:
                raise self.fail(where, f"the network has {p.layers} layers: key the "
                                f"gradients by layer, as 'layers: {{{p.layers}: {{{what}}}}}'")
            layer = 1
        if direction is None:
            if p.bidirectional:
                raise self.fail(where, f"the network is bidirectional: put "
                                f"'{what.split(':')[0]}' under 'forward:' or 'backward:'")
            direction = "forward"
        return layer, direction

    def step(self, key: str, raw: Any, where: tuple, t: int, ctx) -> None:
        problem = self.problem
        cell = problem.cell_def
        if key in ("d_pre", "d_values"):
            if not isinstance(raw, dict):
                raise self.fail(where, "expected a mapping of gates to vectors, such as "
                                "'o: [0.1, -0.2]'", at_key=False)
            for name, vec in raw.items():
                gate = cell.gate(str(name))
                short = gate.short if gate else None
                if key == "d_values" and short is None and str(name) == "y" and \
                        problem.output_layer:
                    short = "y"
                if short is None:
                    names = ", ".join(g.name for g in cell.gates)
                    raise self.fail(where + (name,), f"not a gate of this "
                                    f"{problem.cell.upper()} (expected one of: {names})")
                here = where + (name,)
                layer, direction = self.unit(f"{key}: {{{name}: [...]}}", here, ctx,
                                             output=short == "y")
                n = _output_size(problem) if short == "y" else self._unit(
                    layer, direction).hidden_size
                self.put((t, f"{key}.{short}", layer, direction),
                         _vector(self.doc, vec, here, n, f"∂L/∂{short}_{t}"), here)
            return
        if key == "dc" and "c" not in cell.state:
            raise self.fail(where, f"a {problem.cell.upper()} has no cell state c")
        if key == "dy":
            if not problem.output_layer:
                raise self.fail(where, "the problem has no output layer")
            layer, direction = self.unit("dy: [...]", where, ctx, output=True)
            self.put((t, key, layer, direction), _vector(
                self.doc, raw, where, _output_size(problem), f"δ_y at t = {t}"), where)
            return
        layer, direction = self.unit(f"{key}: [...]", where, ctx)
        u = self._unit(layer, direction)
        n = u.h_size if key == "dh" else u.hidden_size
        self.put((t, key, layer, direction),
                 _vector(self.doc, raw, where, n, f"∂L/∂{key[1:]}_{t}"), where)

    def _unit(self, layer: int, direction: str):
        return next(u for u in self.problem.units
                    if (u.layer, u.direction) == (layer, direction))

    def tree(self, raw: Any, path: tuple, top: str, layer, direction) -> None:
        """grad/updated: a mapping that mirrors the problem file (gate -> key -> matrix),
        under its layer and direction, or with ``layers:``/``forward:`` inside."""
        if not isinstance(raw, dict):
            raise self.fail(path, "expected a mapping that mirrors the problem file, such "
                            "as 'input: {W: [[...]]}'", at_key=False)
        for key, value in raw.items():
            here = path + (key,)
            if key == "layers" and isinstance(value, (dict, list)):
                items = (value.items() if isinstance(value, dict) else
                         ((k + 1, v) for k, v in enumerate(value)))
                for n, sub in items:
                    where = here + ((n - 1,) if isinstance(value, list) else (n,))
                    k = self.reader.layer(n, where)
                    if layer not in (None, k):
                        raise self.fail(where, f"layer {k} stands under layer {layer}")
                    self.tree(sub, where, top, k, direction)
            elif key in ("forward", "backward"):
                self.direction(key, here)
                if direction not in (None, key):
                    raise self.fail(here, f"'{key}' stands under '{direction}'")
                self.tree(value, here, top, layer, key)
            else:
                self.param(key, value, here, top, layer, direction)

    def param(self, key: Any, value: Any, here: tuple, top: str, layer, direction) -> None:
        problem, shapes = self.problem, self.shapes
        gate = problem.cell_def.gate(str(key))
        name = gate.name if gate else str(key)
        if name in SHARED:
            if (layer, direction) != (None, None):
                raise self.fail(here, f"'{key}' belongs to the whole network: give it at "
                                f"the top, as '{top}: {{{key}: ...}}'")
            unit: tuple = whole_unit(problem)
            base: tuple = ()
        else:
            ctx = self.context(layer=layer, direction=direction)
            unit = self.unit(f"{top}: {{{key}: ...}}", here, ctx)
            base = prefix(problem, *unit)
        known = sorted({w[len(base)] for w in shapes if w[:len(base)] == base and
                        len(w) > len(base) and not (top == "updated" and
                                                    w[len(base)] == "initial")})
        if name == "embedding" and ("embedding",) in shapes:
            return self.leaf(value, here, top, ("embedding",), unit)
        keys = sorted({str(w[-1]) for w in shapes if w[:-1] == base + (name,)})
        if not keys or (top == "updated" and name == "initial"):
            raise self.fail(here, f"no parameters called {key!r} here; expected one of: "
                            f"{', '.join(map(str, known))}")
        if not isinstance(value, dict):
            raise self.fail(here, f"expected a mapping of {', '.join(keys)}", at_key=False)
        for pkey, matrix in value.items():
            if base + (name, pkey) not in shapes:
                raise self.fail(here + (pkey,), f"unknown key {pkey!r}; expected one of: "
                                f"{', '.join(keys)}")
            self.leaf(matrix, here + (pkey,), top, (name, pkey), unit)

    def leaf(self, raw: Any, path: tuple, top: str, where: tuple, unit: tuple) -> None:
        shape = self.shapes[(() if where[0] in SHARED else prefix(self.problem, *unit))
                            + where]
        try:
            value = parse_matrix(raw, dotted(path) or "") if len(shape) == 2 else \
                parse_vector(raw, dotted(path) or "")
        except NumberError as exc:
            raise self.doc.error(path + exc.path, exc.message) from None
        if value.shape != shape:
            shown = "×".join(map(str, value.shape))
            raise self.doc.error(path, f"is {shown} but the problem's is "
                                 f"{'×'.join(map(str, shape))}")
        self.put((None, ".".join([top, *map(str, where)]), *unit), value, path)


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


def _output_size(problem: Problem) -> int:
    V = problem.output_layer.V
    return V.shape[1 if problem.orientation == "row" else 0]


def _shapes(problem: Problem) -> dict[tuple, tuple]:
    """Where each parameter is written (its JSON ``gradients`` path) -> its shape (and the
    initial states')."""
    out: dict[tuple, tuple] = {}
    names = {"i": "input", "f": "forget", "o": "output"}
    for unit in problem.units:
        base = prefix(problem, unit.layer, unit.direction)
        for p in unit.gates.values():
            gate = problem.cell_def.gate(p.gate).name
            for slot in ("W", "U", "b", "b_h"):
                value = getattr(p, slot)
                if value is not None:
                    key = p.naming.key(slot) if problem.layout == "split" else slot
                    out[base + (gate, key)] = value.shape
        for short, value in unit.peephole.items():
            out[base + ("peephole", names[short])] = value.shape
        if unit.projection is not None:
            out[base + ("projection", "W")] = unit.projection.shape
        for state in problem.cell_def.state:
            out[base + ("initial", state)] = (unit.h_size if state == "h" else
                                              unit.hidden_size,)
    if problem.output_layer:
        out[("output_layer", "V")] = problem.output_layer.V.shape
        if problem.output_layer.c is not None:
            out[("output_layer", "c")] = problem.output_layer.c.shape
    if problem.embedding:
        out[("embedding",)] = problem.embedding.matrix.shape
    return out


# --- checking --------------------------------------------------------------------------------


def expected(back: dict, key: Key, problem: Problem) -> np.ndarray | None:
    """The true value an answer key names, in the JSON ``backward`` object ``back``."""
    t, name, layer, direction = key
    if t is None:
        if name in ("loss", "norm"):
            return np.array([back[name]]) if name in back else None
        if name == "scale":
            return np.array([back["clip"]["scale"]]) if "clip" in back else None
        node = back.get("gradients" if name.startswith("grad.") else "updated")
        for part in json_path(problem, key):
            if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return None
        return None if isinstance(node, (dict, type(None))) else np.asarray(node, dtype=float)
    step = next((s for s in back["steps"] if s["t"] == t and s.get("layer", 1) == layer and
                 s.get("direction", "forward") == direction), None)
    if step is None:
        return None
    if "." in name:
        group, gate = name.split(".")
        value = step.get(group, {}).get(gate)
    else:
        value = step.get(name)
    return None if value is None else np.asarray(value, dtype=float)


def _override(problem: Problem, key: Key) -> tuple | None:
    """The bptt override an answer stands for: (t, "dh", layer, direction), (t, "δ.o",
    layer, direction), or a parameter's place such as ("layers", 1, "input", "W")."""
    t, name, layer, direction = key
    if t is not None:
        if name in KEYS:
            return (t, KEYS[name], layer, direction)
        group, gate = name.split(".")
        return (t, ("δ." if group == "d_pre" else "d.") + gate, layer, direction)
    if name.startswith("grad.") and not name.startswith("grad.initial"):
        return json_path(problem, key)
    return None


def _step_name(short: str) -> str:
    """A backward quantity's key -> its answer name: δ.o -> d_pre.o, d.o -> d_values.o."""
    reverse = {v: k for k, v in KEYS.items()}
    return reverse.get(short) or (
        ("d_pre." if short.startswith("δ.") else "d_values.") + short[2:])


def _rank(truth) -> dict:
    """The order the backward pass computes things in (what is 'earlier'): the loss, each
    unit's steps from the top layer down (as bptt works them), then the whole network's."""
    rank: dict = {"loss": 0}
    n = 1
    for step in truth.backward.steps:
        for q in step.quantities:
            rank[(step.t, _step_name(q.short), step.layer, step.direction)] = n
            n += 1
    for i, top in enumerate(("initial", "grad", "norm", "scale", "updated")):
        rank[top] = n + i
    return rank


def rank_of(rank: dict, key: Key) -> int:
    if key in rank:
        return rank[key]
    if key[1].startswith("grad.initial."):
        return rank["initial"]
    return rank.get(key[1].split(".")[0], len(rank) + 10)


def recomputed(problem: Problem, truth, answers: dict[Key, Value], key: Key,
               rank: dict) -> np.ndarray | None:
    """The value ``key`` takes when everything computed before it is the student's own
    (in a stacked network, the layers above included: what they hand down is recomputed
    from the student's gradients)."""
    from .bptt import backward

    mine = rank_of(rank, key)
    overrides = {}
    for other, value in answers.items():
        if rank_of(rank, other) < mine:
            target = _override(problem, other)
            if target is not None:
                overrides[target] = value.array
    if not overrides:
        return None
    from .render.json import backward_to_dict

    try:
        dv = replace(truth, backward=backward(problem, truth, overrides))
    except (ValueError, KeyError, ProblemError):
        return None
    return expected(backward_to_dict(dv), key, problem)


def mark(problem: Problem, layer: int | None, direction: str | None) -> str:
    """→, ←, ⁽²⁾: which direction and layer, as the forward answers' labels say it."""
    if layer is None or direction is None or direction == "both" or len(problem.units) == 1:
        return ""
    out = ("→" if direction == "forward" else "←") if problem.bidirectional else ""
    if problem.layers > 1:
        out += "⁽" + str(layer).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")) + "⁾"
    return out


def label(problem: Problem, quantity: str, t, layer: int | None = None,
          direction: str | None = None) -> str:
    """How a gradient answer is named to the student: ∂L/∂h₂, δ_o₂, ∂L/∂W_f, W′_f; with
    several layers or directions, as the forward answers: ∂L/∂h⁽²⁾₂, δ_o→₂, ∂L/∂W_f⁽²⁾."""
    from .equations import Name
    from .render.text import name

    sign = mark(problem, layer, direction)
    if quantity in ("loss", "norm", "scale"):
        return {"loss": "L", "norm": "‖g‖", "scale": "s"}[quantity]
    if quantity.split(".")[0] in STEP_KEYS:  # t None: at every step, ∂L/∂hₜ
        if quantity in ("dh", "dc"):
            out = name(Name("∂" + problem.symbol(quantity[1:]), "", 0), t)
        elif quantity == "dy":
            out = name(Name("δ", "y", 0), t)
        else:
            group, short = quantity.split(".")
            base = "y" if short == "y" else problem.symbol(short)
            out = name(Name("δ", base.removesuffix("_tilde"), 0), t) if group == "d_pre" \
                else name(Name("∂" + base, "", 0), t)
        sub = subscript_of(t) if t is not None else "ₜ"
        return out[:-len(sub)] + sign + sub if sign and out.endswith(sub) else out
    top, *path = quantity.split(".")
    printed = _printed(problem, path, sign)
    return f"∂L/∂{printed}" if top == "grad" else (
        printed.replace("_", "′_", 1) if "_" in printed else printed + "′")


def subscript_of(t: int) -> str:
    from .answers import subscript

    return subscript(str(t))


def _printed(problem: Problem, path: list[str], sign: str = "") -> str:
    """W_f for ["forget", "W"], V for ["output_layer", "V"], h₀ for ["initial", "h"];
    ``sign`` (→, ⁽²⁾) before the step's subscript or at the end."""
    from .equations import Name
    from .render.text import name

    if path[0] == "initial":
        sub = subscript_of(problem.start - 1)
        return name(Name(problem.symbol(path[1]), "", -1), problem.start).removesuffix(
            sub) + sign + sub
    if path[0] == "output_layer":
        return path[1]
    if path[0] == "embedding":
        return "E"
    gate = problem.cell_def.gate(path[0])
    p = problem.gates.get(gate.short) if gate else None
    if p is not None and problem.layout == "split":
        slot = p.naming.slot(path[1])
        if slot is not None:
            return p.param(slot).label + sign
    return (f"{path[1]}_{p.letter}" if p is not None else ".".join(path)) + sign


def gradient_label(problem: Problem, quantity: str, t, layer: int | None = None,
                   direction: str | None = None) -> str:
    """label(), where an answer about the whole problem has the t of whole_t()."""
    whole = quantity.split(".")[0] in ("grad", "updated", "loss", "norm", "scale")
    return label(problem, quantity, None if whole else t, layer, direction)


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
    rounded), imprecise, follows (recomputed from the student's own earlier gradients,
    through the layers above too), wrong, missing. Several layers or directions: each
    item carries its unit's layer and direction."""
    from .check import Item
    from .render.json import backward_to_dict
    from .training import gradients_asked

    problem = checker.problem
    truth = checker.truth
    if truth.backward is None:
        return []
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
        if ask_name(key[1]) in asked and key not in answers and not given(truth, *key) \
                and not joined(key):
            keys.append(key)
    rank = _rank(truth)
    items = []
    for key in sorted(keys, key=lambda k: rank_of(rank, k)):
        t, quantity, layer, direction = key
        true = expected(backs[0], key, problem)
        if true is None:
            raise ProblemError(f"{label(problem, quantity, t, layer, direction)} is not part "
                               "of this problem's backward pass (no clipping or learning "
                               "rate given?)", file=answers[key].key and problem.file)
        true = true.ravel()
        value = answers.get(key)
        is_asked = ask_name(quantity) in asked and not given(truth, *key) and not joined(key)
        share = _marks(problem, quantity, t, len(true)) if is_asked else Fraction(0)
        flat = _flat(value) if value is not None else [None] * len(true)
        answer = np.array([np.nan if x is None else float(x) for x in flat])
        verdict = np.where(np.isnan(answer), "missing", "").astype(object)
        open_ = verdict == ""
        refs = [ref.ravel() for b in backs if (ref := expected(b, key, problem)) is not None]
        for ref in refs:
            hit = open_ & _within(answer, ref, checker.tol)
            verdict[hit] = "correct"
            open_ &= ~hit
        for i in np.flatnonzero(open_):
            digits = _digits(flat[i])
            if digits is not None and digits < checker.decimals and any(
                    _rounds(flat[i], digits, float(ref[i]), problem.rounding.round_half)
                    for ref in refs):
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
                layer=layer, direction=direction,
                written=None if flat[i] is None else str(flat[i]), out_of=share,
                marks=share * checker.marking.credit(str(verdict[i])), asked=is_asked))
    return items


def joined(key: Key) -> bool:
    """∂L/∂[h→; h←]ₜ, a bidirectional network's outputs' gradient: worked, never asked (as
    [h→; h←] is not; each direction's ∂L/∂hₜ is)."""
    return key[0] is not None and key[3] == "both" and key[1] == "dh"


def _all_keys(back: dict, problem: Problem) -> list[Key]:
    """Every answer key the backward pass has a value for."""
    out: list[Key] = []
    for step in back["steps"]:
        unit = (step.get("layer", 1), step.get("direction", "forward"))
        for name in ("dh", "dc", "dy"):
            if name in step:
                out.append((step["t"], name, *unit))
        for group in ("d_values", "d_pre"):
            out += [(step["t"], f"{group}.{g}", *unit) for g in step.get(group, {})]
    whole = whole_unit(problem)
    out += [(None, "loss", *whole)] if "loss" in back else []
    out += _tree_keys(problem, "grad", back["gradients"])
    out += [(None, "norm", *whole)] if "norm" in back else []
    out += [(None, "scale", *whole)] if "clip" in back else []
    out += _tree_keys(problem, "updated", back.get("updated", {}))
    return out


def _tree_keys(problem: Problem, top: str, tree) -> list[Key]:
    out = []
    for path, _ in _leaves(tree):
        rest, layer, direction = split_path(problem, path)
        out.append((None, ".".join([top, *map(str, rest)]), layer, direction))
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


def given(dv, t, quantity: str, layer: int = 1, direction: str = "forward") -> bool:
    """Was this gradient given in the question (upstream: ∂L/∂h at the last step)?"""
    found = worked(dv, t, quantity, layer, direction) if t is not None else None
    return bool(found and found[1] is not None and found[1].given)


def worked(dv, t, quantity: str, layer: int = 1, direction: str = "forward"):
    """(step, quantity) of the solution that works out a gradient answer, or None."""
    b = dv.backward
    if b is None:
        return None
    if t is not None:
        key = KEYS.get(quantity) or (("δ." if quantity.startswith("d_pre") else "d.")
                                     + quantity.split(".")[1])
        for step in b.steps:
            if (step.t, step.layer, step.direction) == (t, layer, direction) and \
                    step.get(key) is not None:
                return step, step.get(key)
        return None
    top = quantity.split(".")[0]
    if top in ("grad", "updated"):
        path = json_path(dv.problem, (t, quantity, layer, direction))
        for g in b.gradients:
            if tuple(g.where) == path:
                return None, (g.gradient if top == "grad" else g.update)
        for step in b.initial:  # ∂L/∂h₀ (and c₀) of each unit
            if path[-2:-1] == ("initial",) and (step.layer, step.direction) == (
                    layer, direction):
                q = step.get("d" + path[-1])
                return (step, q) if q is not None else None
    if quantity == "norm":
        return None, b.norm
    if quantity == "scale":
        return None, b.clip
    if quantity == "loss":
        return None, b.loss
    return None


def asked_gradients(dv) -> list:
    """The gradients a question asks for (``ask: [dh, grad, ...]``), one AskedNumber per
    element, for the quiz exports (asked.py): from the last step back (the top layer
    first), then the loss, the parameters' gradients, the norm, the scale and the updated
    parameters; with several layers or directions, each labelled with its own, as the
    forward numbers are (" (layer 2, backward)")."""
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
    whole = whole_unit(p)

    def add(quantity: str, t, values, layer, direction) -> None:
        flat = np.asarray(values, dtype=float).ravel()
        where = ""
        if len(p.units) > 1 and direction != "both":
            parts = ([f"layer {layer}"] if p.layers > 1 else []) + (
                [direction] if p.bidirectional else [])
            where = f" ({', '.join(parts)})"
        for i, v in enumerate(flat):
            name = f"{label(p, quantity, t)}[{i + 1}]{where}"
            if not np.isfinite(v):
                raise ProblemError(f"{name} is {v} (the numbers overflow): it cannot be a "
                                   "quiz answer", file=p.file)
            out.append(AskedNumber(name, float(v), p.rounding.decimals,
                                   Fraction(1, len(flat)), None, t, quantity, i, layer,
                                   direction))

    for step in back["steps"]:
        layer, direction = step.get("layer", 1), step.get("direction", "forward")
        for name in ("dh", "dc", "dy"):
            if name in asked and name in step and not given(dv, step["t"], name, layer,
                                                            direction) and not joined(
                    (step["t"], name, layer, direction)):
                add(name, step["t"], step[name], layer, direction)
        for group in ("d_values", "d_pre"):
            if group in asked:
                for gate, values in step[group].items():
                    add(f"{group}.{gate}", step["t"], values, layer, direction)
    if "loss" in asked and "loss" in back:
        add("loss", None, [back["loss"]], *whole)
    for top in ("grad", "updated"):
        if top in asked:
            for key in _tree_keys(p, top, back.get("updated", {}) if top == "updated"
                                  else back["gradients"]):
                add(key[1], None, expected(back, key, p), key[2], key[3])
    if "norm" in asked and "norm" in back:
        add("norm", None, [back["norm"]], *whole)
    if "scale" in asked and "clip" in back:
        add("scale", None, [back["clip"]["scale"]], *whole)
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
