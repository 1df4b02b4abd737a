"""The backward pass through time, with numbers.

The equations come from :mod:`lstm_solver.chainrule` (the chain rule applied to
the cell's own forward equations); here they are evaluated step by step, from
the last step back to the first, into derivation nodes that every renderer
already knows how to print: the loss, then at each step ∂L/∂ŷ and δ_y (with an
output layer), ∂L/∂hₜ (the loss's part plus step t+1's), ∂L/∂cₜ, each gate's
∂L/∂(output) and δ (its pre-activation's), then the initial state's gradient,
every parameter's gradient as Σₜ of outer products, their global norm, clipping
and the SGD update.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from sympy import MatMul, MatrixSymbol, Transpose

from . import derivation as d
from .chainrule import (
    Deriv,
    Outer,
    Part,
    Reverse,
    Scaled,
    SoftmaxBack,
    adjoint,
    is_neg,
    neg,
    part,
    reverse,
    shift,
)
from .equations import Name, System, add, build, output_equation
from .errors import ProblemError
from .problem import Problem, Unit
from .solver import _safe_matvec, _safe_sum, _Walker

ADJOINT_BASES = ("∂", "δ")


def backward(problem: Problem, dv: d.Derivation, overrides: dict | None = None) -> d.Backward:
    """The gradients of ``problem``'s loss (or upstream gradient), derived step by step.

    Layer by layer from the top: a bidirectional network's outputs first, then each
    layer in each direction, from its last step back; what a layer's input x_t receives
    is handed to the layer below as part of ∂L/∂h_t.

    ``overrides`` puts other values in place of some gradients, as a student wrote them
    ((t, "dh", layer, direction), (t, "δ.o", layer, direction), ... or a parameter's
    location such as ("input", "W") or ("layers", 1, "input", "W")), so that
    what follows from them can be recomputed (check.py's "follows")."""
    with np.errstate(all="ignore"):  # huge finite inputs: ±inf where float64 ends, never a warning
        return _backward(problem, dv, overrides or {})


def _backward(problem: Problem, dv: d.Derivation, overrides: dict) -> d.Backward:
    training = problem.training
    for step in dv.steps + dv.outputs:
        for short, why in step.missing.items():
            raise ProblemError(f"the backward pass needs every quantity, but "
                               f"{problem.symbol(short)} at t = {step.t} cannot be computed "
                               f"({why})", file=problem.file,
                               key="loss" if training.loss else "upstream")
    top = problem.layers
    results: list[_Result] = []
    handed: dict[int, list[tuple[MatrixSymbol, dict[int, np.ndarray]]]] = {}  # layer ->
    #   what the layer above gives its h_t: (symbol, value per step index)
    if problem.bidirectional and dv.outputs:
        joined = _Backprop(problem, _outputs_unit(problem), dv.outputs, overrides, top=True)
        results.append(joined.run())
        handed[top] = [(joined.dh_symbol, joined.values("dh"))]
    for layer in range(top, 0, -1):
        below = []
        units = problem.layer(layer)
        for unit in units:
            steps = [s for s in dv.steps if (s.layer, s.direction) == (unit.layer,
                                                                       unit.direction)]
            prop = _Backprop(problem, unit, steps, overrides,
                             top=layer == top and not problem.bidirectional,
                             handed=_handed(handed.get(layer), unit, units, problem),
                             hands_down=layer > 1)
            results.append(prop.run())
            if layer > 1:
                arrow = d.ARROWS[unit.direction] if len(units) > 1 else ""
                sym = MatrixSymbol(Name("∂x", f"{layer}{arrow}", 0).encode(),
                                   *prop.system.quantity["x"].shape)
                below.append((sym, prop.values("dx")))
        if below:
            handed[layer - 1] = below
    anyone = results[0]
    back = d.Backward(anyone.loss(dv) if training.loss else None,
                      [s for r in results for s in r.steps],
                      [r.initial for r in results if r.initial is not None and
                       r.initial.quantities],
                      sorted((g for r in results for g in r.gradients), key=_file_rank))
    back.flow = [f for r in results for f in r.flow]
    if back.gradients:
        anyone.norm_clip_update(back)
    return back


def _file_rank(g: d.ParamGradient) -> tuple:
    """Embedding, then the layers (forward before backward), then the output layer, as a
    problem file writes them (stable: each unit keeps its gates' order)."""
    if g.where[0] == "embedding":
        return (0, 0, 0)
    if g.where[0] == "output_layer":
        return (2, 0, 0)
    return (1, g.layer, 0 if g.direction == "forward" else 1)


def _outputs_unit(problem: Problem) -> Unit:
    """A bidirectional network's outputs, [h→; h←] and y on it, as a unit without gates."""
    return Unit(problem.layers, "both", {}, {}, problem.output_size, None)


def _handed(given, unit: Unit, units: list[Unit], problem: Problem):
    """What this unit's h_t receives from above: (expression, values per symbol)."""
    if not given:
        return None
    total = add(*[sym for sym, _ in given])
    if len(units) > 1:  # two directions read [h→; h←]: each its own part
        start = sum(u.h_size for u in units[:units.index(unit)])
        total = part(total, start, start + unit.h_size)
    return total, {Name.of(sym): values for sym, values in given}


@dataclass
class _Result:
    steps: list[d.Step]
    initial: d.Step | None
    gradients: list[d.ParamGradient]
    flow: list[d.Flow]
    loss: Any  # () -> the loss quantity
    norm_clip_update: Any


class _Backprop:
    """One unit (a layer in a direction, or a bidirectional network's outputs) from its
    last step back."""

    def __init__(self, problem: Problem, unit: Unit, steps: list[d.Step],
                 overrides: dict | None = None, top: bool = True, handed=None,
                 hands_down: bool = False):
        self.overrides = overrides or {}
        self.problem = problem
        self.unit = unit
        self.steps = sorted(steps, key=lambda s: s.t)  # by time, whatever the direction
        self.cell = problem.cell_def
        self.row = problem.orientation == "row"
        self.training = problem.training
        self.top = top or unit.direction == "both"  # the loss (or upstream) is read here
        self.loss = self.training.loss if self.top else None
        self.handed = handed
        if unit.direction == "both":
            self.system = _outputs_system(problem)
        else:
            self.system = build(problem, unit, lookup=unit.layer == 1,
                                output=unit.layer == problem.layers and
                                not problem.bidirectional)
        out = problem.output_layer
        shortcut = bool(out and self.loss and self.loss.on == "y" and (
            self.loss.kind == "cross_entropy"))
        also = ("h",) if unit.direction == "both" else ("x",) if hands_down else ()
        self.rev: Reverse = reverse(self.system, self.cell, self.row, shortcut, also)
        self.walker = _GradWalker(problem)
        for sym, value in self.system.params.items():
            if value is not None:
                self.walker.bind(sym, value.array, None, True)
        self.walker.bind(MatrixSymbol(Name("1").encode(), 1, 1), np.ones(1), None, True)
        self.table: dict[int, dict[tuple[str, str], np.ndarray]] = {}
        self.written: set[tuple[int, str, str]] = set()  # values the problem wrote
        self.zero: set[tuple[int, str, str]] = set()  # adjoints that are 0 at a step
        self.carried_norms: dict[tuple[int, str], float] = {}  # ‖what came from t+1‖
        self._fill_table()

    @property
    def dh_symbol(self) -> MatrixSymbol:
        h = self.system.quantity["h"]
        return MatrixSymbol(Name("∂h", "both", 0).encode(), *h.shape)

    def values(self, key: str) -> dict[int, np.ndarray]:
        """Step index -> the value of gradient ``key`` (dh, dx) computed by run()."""
        n = Name.of(adjoint(self.system.quantity[key[1:]]))
        return {k: row[(n.base, n.sub)] for k, row in self.table.items()
                if (n.base, n.sub) in row}

    # -- the values each step can read -------------------------------------------------------

    def _fill_table(self) -> None:
        p = self.problem
        backward = self.unit.direction == "backward"
        first = self.steps[-1] if backward else self.steps[0]  # the first one computed
        before = first.t - p.start + (1 if backward else -1)  # the state it read
        self.table[before] = {(p.symbol(s), ""): v for s, v in first.previous.items()}
        for s in first.previous:
            self.written.add((before, p.symbol(s), ""))
        for step in self.steps:
            k = step.t - p.start
            row = self.table.setdefault(k, {})
            for q in step.quantities:
                row[(q.name.base, q.name.sub)] = q.value
                if q.given:
                    self.written.add((k, q.name.base, q.name.sub))
            if self.unit.direction == "both":
                row[("h", "both")] = step.get("h").value
            if step.x is not None:
                row[("x", "")] = step.x
                if self.unit.layer == 1 and not p.embedding:  # the problem's own inputs
                    self.written.add((k, "x", ""))
            if p.embedding and self.unit.layer == 1:
                row[("w", "")] = p.inputs[k].array
                self.written.add((k, "w", ""))
            target = self.loss.targets[k] if self.loss else None
            if target is not None:
                row[(self._target_base(), "")] = target.array
                self.written.add((k, self._target_base(), ""))
            for name, values in (self.handed[1].items() if self.handed else ()):
                if k in values:
                    row[(name.base, name.sub)] = values[k]

    def _target_base(self) -> str:
        return ("y" if self.loss.on == "y" else self.problem.symbol("h")) + "*"

    def _bind(self, expr, k: int) -> None:
        """Give every time-indexed symbol of ``expr`` its value at step k + its offset."""
        for sym in expr.atoms(MatrixSymbol):
            n = Name.of(sym)
            if n.dt is None:
                continue
            where = k + n.dt
            value = self.table.get(where, {}).get((n.base, n.sub))
            if value is None:
                raise KeyError(f"no value for {sym} at step {where}")  # a bug, not input
            self.walker.bind(sym, value, None, (where, n.base, n.sub) in self.written)

    def _is_zero(self, expr, k: int) -> bool:
        for sym in expr.atoms(MatrixSymbol):
            n = Name.of(sym)
            if n.dt is not None and (k + n.dt, n.base, n.sub) in self.zero:
                return True
        return False

    # -- the pass -------------------------------------------------------------------------

    def run(self) -> _Result:
        out_steps: list[d.Step] = []
        shares: dict[MatrixSymbol, list[tuple[int, d.Node]]] = {}
        order = [s.t - self.problem.start for s in self.steps]  # by time
        if self.unit.direction != "backward":
            order.reverse()  # a forward unit is worked from its last step back
        layer, direction = self.unit.layer, self.unit.direction
        initial = None
        for i, k in enumerate(order):
            self.walker.clear_step()
            t = self.problem.start + k
            out = d.Step(t, None, layer=layer, direction=direction)
            later = order[i - 1] if i and direction != "both" else None  # read this state
            for adj in self.rev.adjoints:
                q = self._adjoint(adj, k, later)
                if q is not None:
                    out.quantities.append(q)
            for sym, terms in self.rev.params.items():
                for term in terms:
                    if self._skipped(term, k):
                        continue
                    self._bind(term.expr, k)
                    shares.setdefault(sym, []).append((t, self.walker.walk(term.expr)))
            out_steps.append(out)
            if i == len(order) - 1 and direction != "both":
                initial = d.Step(t, None, layer=layer, direction=direction,
                                 quantities=self._initial(k))
        flow = [d.Flow(s.t, _norm(s.get("dh")), _norm(s.get("dc")),
                       self.carried_norms.get((s.t, "h")), self.carried_norms.get((s.t, "c")),
                       layer, direction) for s in out_steps if direction != "both"]
        return _Result(out_steps, initial, self._gradients(shares), flow, self._loss,
                       self._norm_clip_update)

    def _skipped(self, term, k: int) -> bool:
        given = {short for (kk, short) in self.problem.given if kk == k}
        return (term.via is not None and term.via in given) or self._is_zero(term.expr, k)

    def _adjoint(self, adj, k: int, later: int | None) -> d.Quantity | None:
        n = Name.of(adj.symbol)
        own = self.overrides.get((self.problem.start + k, adj.key, self.unit.layer,
                                  self.unit.direction))
        if own is not None:  # a value written instead (a student's): what follows uses it
            own = np.asarray(own, dtype=float)
            self.table[k][(n.base, n.sub)] = own
            self.walker.bind(adj.symbol, own, None)
            return d.Quantity(adj.key, n, own, None, given=True)
        terms = [t.expr for t in adj.terms if not self._skipped(t, k)]
        given = self._upstream(adj, k)
        if given is not None:
            if adj.key == "dh":
                self.table[k][(n.base, n.sub)] = given.array
                self.written.add((k, n.base, n.sub))
                return d.Quantity(adj.key, n, given.array, None, given=True)
            up = MatrixSymbol(Name("∂" + self.problem.symbol(adj.quantity), "up").encode(),
                              *adj.symbol.shape)
            self.walker.bind(up, given.array, None, True)
            terms.insert(0, up)
        terms = self._external(adj, k) + terms
        if later is not None and adj.key == "d" + adj.quantity and (
                adj.quantity in self.rev.carried):
            carried = [shift(t.expr, later - k) for t in self.rev.carried[adj.quantity]
                       if not self._skipped_at(t, later)]
            if carried:
                self._bind(add(*carried), k)
                flow = self.walker.walk(add(*carried)).value
                self.carried_norms[(self.problem.start + k, adj.quantity)] = float(
                    np.linalg.norm(flow))
            terms += carried
        if not terms:
            self.zero.add((k, n.base, n.sub))
            self.table[k][(n.base, n.sub)] = np.zeros(max(adj.symbol.shape))
            return None
        expr = add(*terms)
        self._bind(expr, k)
        tree = self.walker.walk(expr)
        self.table[k][(n.base, n.sub)] = tree.value
        self.walker.bind(adj.symbol, tree.value, None)
        return d.Quantity(adj.key, n, tree.value, None, tree)

    def _skipped_at(self, term, later: int) -> bool:
        given = {short for (kk, short) in self.problem.given if kk == later}
        return (term.via is not None and term.via in given) or self._is_zero(term.expr, later)

    def _upstream(self, adj, k: int):
        if not self.top or self.loss or k != self._last():
            return None
        state = adj.quantity if adj.key in ("dh", "dc") else None
        return self.training.upstream.get(state) if state else None

    def _last(self) -> int:
        return len(self.steps) - 1 if self.unit.direction == "forward" else 0

    def _external(self, adj, k: int) -> list:
        """The loss's part of an adjoint at step k (∂L/∂ŷ, δ_y or ∂L/∂h), and what the
        layer above (or the outputs) hands to ∂L/∂h."""
        handed = []
        if self.handed and adj.key == "dh" and adj.quantity == "h" and all(
                k in values for values in self.handed[1].values()):
            handed = [self.handed[0]]
        return self._loss_part(adj, k) + handed

    def _loss_part(self, adj, k: int) -> list:
        loss = self.loss
        if loss is None or loss.targets[k] is None:
            return []
        if loss.on == "y" and adj.key not in ("d.y", "δ.y"):
            return []
        if loss.on == "h" and adj.key != "dh":
            return []
        if loss.on == "y" and adj.key == "δ.y" and any(a.key == "d.y"
                                                       for a in self.rev.adjoints):
            return []
        value = self.system.quantity["y" if loss.on == "y" else "h"]
        target = MatrixSymbol(Name(self._target_base(), "", 0).encode(), *value.shape)
        diff = add(value, neg(target))
        if loss.kind == "squared_error":
            return [Scaled(2, "2", diff)]
        if loss.kind == "mean_squared_error":
            count = len(loss.counted) * max(value.shape)
            return [Scaled(2 / count, f"2/{count}", diff)]
        return [diff]

    def _initial(self, k: int) -> list[d.Quantity]:
        """∂L/∂h₀ (and c₀): what the first step hands to the state it read."""
        out = []
        for state, terms in self.rev.carried.items():
            exprs = [t.expr for t in terms if not self._skipped(t, k)]
            if not exprs:
                continue
            expr = add(*exprs)
            self._bind(expr, k)
            tree = self.walker.walk(expr)
            sym = adjoint(self.system.quantity[state + "_prev"])
            out.append(d.Quantity("d" + state, Name.of(sym), tree.value, None, tree))
        return out

    # -- the loss ---------------------------------------------------------------------------

    def _loss(self, dv: d.Derivation | None = None) -> d.Quantity:
        loss = self.loss
        base = "y" if loss.on == "y" else self.problem.symbol("h")
        preds, targets, ts = [], [], []
        for k in loss.counted:
            t = self.problem.start + k
            preds.append(d.Leaf(self.table[k][(base, "")], None, Name(base, "", 0)))
            targets.append(d.Leaf(self.table[k][(self._target_base(), "")], None,
                                  Name(self._target_base(), "", 0), True))
            ts.append(t)
        count = len(ts) * len(preds[0].value)
        value = _loss_value(loss.kind, preds, targets, count)
        node = d.Loss(np.array([value]), None, loss.kind, tuple(preds), tuple(targets),
                      tuple(ts), tuple(loss.classes[k] for k in loss.counted)
                      if loss.classes else (), count)
        return d.Quantity("loss", Name("L"), node.value, None, node)

    # -- parameters ---------------------------------------------------------------------------

    def _gradients(self, shares) -> list[d.ParamGradient]:
        where = _locations(self.problem, self.unit, self.system)
        out = []
        for sym in self.system.params:
            if sym not in shares or _constant(sym):
                continue
            items = sorted(shares[sym], key=lambda item: item[0])
            nodes = tuple(node for _, node in items)
            value = np.sum([node.value for node in nodes], axis=0)
            tree = nodes[0] if len(nodes) == 1 else d.StepSum(
                value, None, nodes, tuple(t for t, _ in items))
            n = Name.of(sym)
            place = where.get(sym, (n.base + n.sub,))
            if place in self.overrides:
                value = np.asarray(self.overrides[place], dtype=float).reshape(value.shape)
            q = d.Quantity("grad", Name("∂" + n.base, n.sub), value, None, tree)
            out.append(d.ParamGradient(place, q, None, self.system.params[sym].array,
                                       self.unit.layer, self.unit.direction))
        return sorted(out, key=lambda g: self._file_order(g.where))

    def _file_order(self, where: tuple) -> tuple:
        """The order the problem file gives them in: embedding, gates, output layer."""
        gates = [g.name for g in self.cell.gates]
        where = where[len(_prefix(self.problem, self.unit)):] if where[0] not in (
            "embedding", "output_layer") else where
        if where[0] == "embedding":
            return (0, 0, 0, 0)
        if where[0] in ("peephole", "projection"):  # after the gates, in i, f, o order
            return (1, len(gates), ["input", "forget", "output", "W"].index(where[1]), 0)
        if where[0] in gates:
            p = self.unit.gates[self.cell.gate(where[0]).short]
            keys = [p.naming.key(s) for s in p.naming.slot_order] + ["W", "b"]
            part = {"h": 0, "x": 1, 1: 2}.get(where[2], 0) if len(where) > 2 else 0
            return (1, gates.index(where[0]), keys.index(where[1]), part)
        return (2, 0, ["V", "c"].index(where[-1]), 0)

    def _norm_clip_update(self, back: d.Backward) -> None:
        terms = tuple(d.Leaf(g.gradient.value, None, g.gradient.name)
                      for g in back.gradients)
        total = math.sqrt(sum(float(np.sum(np.square(t.value))) for t in terms))
        node = d.Norm(np.array([total]), None, terms)
        back.norm = d.Quantity("norm", Name("‖g‖"), node.value, None, node)
        scale, label = 1.0, ""
        if self.training.max_norm is not None:
            max_norm = float(self.training.max_norm)
            scale = 1.0 if total <= max_norm else max_norm / total
            clip = d.Clip(np.array([scale]), None, d.Leaf(node.value, None, Name("‖g‖")),
                          max_norm, str(self.training.max_norm))
            back.clip = d.Quantity("scale", Name("s"), clip.value, None, clip)
            back.max_norm = max_norm
            label = self.problem.rounding.show(scale) if scale != 1 else ""
        if self.training.learning_rate is None:
            return
        rate = float(self.training.learning_rate)
        back.learning_rate = rate
        for g in back.gradients:
            n = Name(g.gradient.name.base[1:], g.gradient.name.sub)
            theta = g.value
            step_ = rate * scale * g.gradient.value if scale else np.zeros_like(theta)
            value = theta - np.nan_to_num(step_, nan=0.0, posinf=np.inf, neginf=-np.inf)
            node = d.Update(value, None, d.Leaf(theta, None, n, True), rate,
                            str(self.training.learning_rate),
                            d.Leaf(g.gradient.value, None, g.gradient.name), scale, label)
            g.update = d.Quantity("update", Name(n.base + "′", n.sub), value, None, node)


def _norm(q: d.Quantity | None) -> float | None:
    return None if q is None else float(np.linalg.norm(q.value))


def _loss_value(kind: str, preds, targets, count: int) -> float:
    if kind == "cross_entropy":
        total = 0.0
        for p, y in zip(preds, targets):
            j = int(np.argmax(y.value))
            total += -math.log(p.value[j]) if p.value[j] > 0 else math.inf
        return total
    squares = sum(float(np.sum(np.square(p.value - y.value))) for p, y in zip(preds, targets))
    return {"half_squared_error": 0.5, "squared_error": 1.0,
            "mean_squared_error": 1.0 / count}[kind] * squares


def _locations(problem: Problem, unit: Unit, system) -> dict:
    """Each parameter symbol -> where the problem file writes it: (gate, key) with the
    file's own key (W, U, W_x, W_hh, b_ih, ...), ("output_layer", "V"), ("embedding",);
    a column block of a concat W (GRU, reset: after) is (gate, "W", "h" | "x" | 1)."""
    by_value: dict[int, tuple] = {}
    for gate_short, p in unit.gates.items():
        gate = problem.cell_def.gate(gate_short).name
        for slot in ("W", "U", "b", "b_h"):
            value = getattr(p, slot)
            if value is not None:
                key = p.naming.key(slot) if problem.layout == "split" else slot
                by_value[id(value)] = (*_prefix(problem, unit), gate, key)
    if problem.output_layer:
        by_value[id(problem.output_layer.V)] = ("output_layer", "V")
        if problem.output_layer.c is not None:
            by_value[id(problem.output_layer.c)] = ("output_layer", "c")
    if problem.embedding:
        by_value[id(problem.embedding.matrix)] = ("embedding",)
    names = {"i": "input", "f": "forget", "o": "output"}
    for gate_short, value in unit.peephole.items():  # issue 17's variants: their weights
        by_value[id(value)] = (*_prefix(problem, unit), "peephole", names[gate_short])
    if unit.projection is not None:
        by_value[id(unit.projection)] = (*_prefix(problem, unit), "projection", "W")
    out = {}
    for sym, value in system.params.items():
        if value is None:
            continue
        if id(value) in by_value:
            out[sym] = by_value[id(value)]
            continue
        n = Name.of(sym)  # a concat W cut into its h-, x- and bias columns
        for gate_short, p in unit.gates.items():
            gate = problem.cell_def.gate(gate_short).name
            part = {("W", "h" + p.letter): "h", ("W", "x" + p.letter): "x",
                    ("b", p.letter): 1}.get((n.base, n.sub))
            if part is not None:
                out[sym] = (*_prefix(problem, unit), gate, "W", part)
    return out


def _constant(sym) -> bool:
    """A symbol named by its value: TensorFlow's forget_bias (a constant, no gradient)."""
    base = Name.of(sym).base
    return base[:1].isdigit() or base[:1] == "-"


def _prefix(problem: Problem, unit: Unit) -> tuple:
    """Where a unit's gates are written: (), ("layers", 0), ("forward",), ("layers", 1,
    "backward")."""
    if unit.direction == "both":
        return ()
    out: tuple = ("layers", unit.layer - 1) if problem.layers > 1 else ()
    return out + ((unit.direction,) if problem.bidirectional else ())


def _outputs_system(problem: Problem) -> System:
    """y = activation(V [h→; h←] + c): a bidirectional network's output layer alone."""
    row = problem.orientation == "row"
    n = problem.output_size
    h = MatrixSymbol(Name("h", "both", 0).encode(), *((1, n) if row else (n, 1)))
    q: dict = {"h": h}
    params: dict = {}
    equations = [output_equation(problem, q, params, n)] if problem.output_layer else []
    return System(equations, params, q)


# --- the walker, taught the gradient expressions ------------------------------------------------


class _GradWalker(_Walker):
    """The forward walker, plus Wᵀ·v, −e, f'(·), outer products, parts and scales."""

    def __init__(self, problem: Problem):
        super().__init__(problem, exact=False)

    def walk(self, expr, lookup: bool = False) -> d.Node:
        if is_neg(expr):
            inner = self.walk(neg(expr))
            return self._node(d.Sum, -inner.value, None, terms=(inner,), signs=(-1,))
        if isinstance(expr, Deriv):
            of = self.walk(expr.args[1])
            y = of.value
            value = {"sigmoid": lambda: y * (1 - y), "tanh": lambda: 1 - y * y,
                     "relu": lambda: (y > 0).astype(float),
                     "identity": lambda: np.ones_like(y)}[expr.function]()
            return self._node(d.Derivative, value, None, function=expr.function, of=of)
        if isinstance(expr, Outer):
            left, right = (self.walk(a) for a in expr.args)
            value = np.outer(left.value, right.value)
            zero = (left.value == 0)[:, None] | (right.value == 0)[None, :]
            value = np.where(np.isnan(value) & zero, 0.0, value)  # 0 × ∞ is 0 here
            return self._node(d.Outer, value, None, left=left, right=right, row=self.row)
        if isinstance(expr, Part):
            arg = self.walk(expr.args[0])
            start, stop = int(expr.args[1]), int(expr.args[2])
            return d.Part(arg.value[start:stop], None, arg, start, stop)
        if isinstance(expr, Scaled):
            arg = self.walk(expr.args[2])
            factor = float(expr.args[0])
            return self._node(d.Scale, factor * arg.value, None, factor=factor,
                              label=expr.args[1].name, arg=arg)
        if isinstance(expr, SoftmaxBack):
            out, grad = (self.walk(a) for a in expr.args)
            dot = float(_safe_sum([np.array([x]) for x in grad.value * out.value])[0])
            value = np.nan_to_num(out.value * (grad.value - dot), nan=0.0, posinf=np.inf,
                                  neginf=-np.inf)
            return self._node(d.SoftmaxGrad, value, None, out=out, grad=grad)
        if isinstance(expr, MatMul) and not lookup and any(
                isinstance(a, Transpose) for a in expr.args):
            return self._transposed_product(expr)
        return super().walk(expr, lookup)

    def _transposed_product(self, expr) -> d.Node:
        a, b = expr.args
        vec_expr, mat_expr = (a, b) if self.row else (b, a)
        matrix = self.walk(mat_expr.arg)
        leaf = d.Leaf(matrix.value.T, None, matrix.name, matrix.from_file, transposed=True)
        vector = self.walk(vec_expr)
        M = leaf.value
        value = _safe_matvec(M.T if self.row else M, vector.value)
        return self._node(d.Product, value, None, matrix=leaf, vector=vector, row=self.row)

    def _node(self, cls, value, exact, **fields) -> d.Node:
        if self.round_nodes:
            value = self.rounding.round(np.asarray(value))
        return cls(value, None, **fields)

