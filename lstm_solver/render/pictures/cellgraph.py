"""A cell's figure read from its definition (cells.py): boxes, operations and wires.

The update equations and the gates' input forms are parsed (they are written
in a small Python-like notation) into trees of :class:`Op`; nothing here knows
which cell it is reading. The *rail* is the state carried along the top of the
standard figure: the state whose update adds a term holding its own previous
value (the LSTM's c, the GRU's h).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ...cells import Cell, Gate

Arg = "Op | str"  # a name: a gate ("f"), a previous state ("c_prev"), an update ("c"), "x"


@dataclass(eq=False)
class Op:
    """One operation of an update: ``had`` (⊙), ``add``, ``one_minus`` (1 − z), ``sub``,
    ``mul`` (a parameter matrix times a vector) or an element-wise activation (``tanh``)."""

    kind: str
    args: list  # Op | str
    quantity: str | None = None  # the quantity it computes, when it is one (a coupled i)

    def leaves(self) -> list[str]:
        out = []
        for a in self.args:
            out += a.leaves() if isinstance(a, Op) else [a]
        return out


def parse(text: str):
    """``add(had(f, c_prev), had(i, g))`` as a tree of :class:`Op` (names as str)."""
    return _node(ast.parse(text, mode="eval").body)


def _node(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = [_node(a) for a in node.args]
        kind = node.func.id
        if kind == "sub" and args[0] == "1":
            return Op("one_minus", args[1:])
        return Op(kind, args)
    raise ValueError(f"cannot read {ast.dump(node)} in a cell definition")  # a bug in cells.py


@dataclass(eq=False)
class GateNode:
    gate: Gate
    recurrent: Op | None = None  # what replaces h_{t-1} at the box's input (r ⊙ h_{t-1})
    inside: str | None = None  # a gate that multiplies part of this gate's pre-activation
    extra: list = field(default_factory=list)  # terms added inside: a peephole w ⊙ c


@dataclass(eq=False)
class CellGraph:
    cell: Cell
    gates: list[GateNode]
    updates: dict[str, object]  # state short -> Op tree (or a name)
    rail: str | None  # the state drawn along the top

    def gate(self, short: str) -> GateNode | None:
        return next((g for g in self.gates if g.gate.short == short), None)

    def rail_chain(self) -> list[Op]:
        """The operations on the rail, left to right: from the one reading the
        previous state up to the update's root."""
        if self.rail is None:
            return []
        return path_to(self.updates[self.rail], f"{self.rail}_prev")


def path_to(tree, leaf: str) -> list[Op]:
    """The operations from ``leaf``'s parent up to ``tree``'s root (innermost first)."""
    if not isinstance(tree, Op):
        return []
    for a in tree.args:
        if a == leaf:
            return [tree]
        if isinstance(a, Op):
            below = path_to(a, leaf)
            if below:
                return below + [tree]
    return []


def read(cell: Cell) -> CellGraph:
    """The figure's structure from the cell's definition."""
    gates = []
    for gate in cell.gates:
        node = GateNode(gate)
        if gate.recurrent:
            node.recurrent = parse(gate.recurrent)
        if gate.form:
            shorts = {g.short for g in cell.gates}
            node.inside = next((n for n in parse(gate.form).leaves() if n in shorts), None)
        node.extra = [parse(e) for e in gate.extra]
        gates.append(node)
    parsed = {u.short: parse(u.equation) for u in cell.updates}
    # a quantity that is not carried (a coupled LSTM's i = 1 − f) stands where it is used
    inner = {s: tree for s, tree in parsed.items() if s not in cell.state}
    for s, tree in inner.items():
        if isinstance(tree, Op):
            tree.quantity = s
    updates = {s: _substitute(tree, inner) for s, tree in parsed.items() if s in cell.state}
    rail = next((s for s in cell.state if s in updates
                 and isinstance(updates[s], Op) and updates[s].kind == "add"
                 and path_to(updates[s], f"{s}_prev")), None)
    return CellGraph(cell, gates, updates, rail)


def _substitute(tree, inner: dict):
    """``tree`` with each leaf naming an inner quantity replaced by its operations."""
    if not isinstance(tree, Op):
        return inner.get(tree, tree)
    return Op(tree.kind, [_substitute(a, inner) for a in tree.args], tree.quantity)


def parameters(graph: CellGraph, tree) -> list[str]:
    """The leaves of ``tree`` that are parameters (a projection's W_hr, a peephole's
    weight), not wires: neither a gate, a state, x nor the constant 1."""
    known = {g.gate.short for g in graph.gates} | set(graph.cell.state) | {"x", "1"}
    leaves = tree.leaves() if isinstance(tree, Op) else [tree]
    return [a for a in leaves if a not in known and not a.endswith("_prev")]


# --- names for the figure's labels --------------------------------------------------------

# how a result is written: in Unicode (the SVG) and in LaTeX
PLAIN = {"had": "⊙", "add": "+", "minus": "−", "tanh": "tanh({})", "other": "{name}({})",
         "mul": "{} {}"}
TEX = {"had": r"\odot", "add": "+", "minus": "-", "tanh": r"\tanh({})",
       "other": r"\mathrm{{{name}}}({})", "mul": "{}\\,{}"}


def describe(tree, name, signs: dict = TEX) -> str:
    """A tree written out, each leaf by ``name(leaf)``: ``f_{2} \\odot c_{1}``."""
    if not isinstance(tree, Op) or tree.quantity:
        return name(tree.quantity if isinstance(tree, Op) else tree)
    parts = [describe(a, name, signs) for a in tree.args]
    wrapped = [f"({p})" if isinstance(a, Op) and not a.quantity and a.kind in (
        "add", "one_minus", "sub") and tree.kind == "had" else p
        for a, p in zip(tree.args, parts)]
    if tree.kind in ("had", "add"):
        return f" {signs[tree.kind]} ".join(wrapped)
    if tree.kind == "one_minus":
        return f"1 {signs['minus']} {wrapped[0]}"
    if tree.kind == "sub":
        return f" {signs['minus']} ".join(wrapped)
    if tree.kind == "mul":  # W (v): a matrix times a vector
        inner = f"({parts[1]})" if isinstance(tree.args[1], Op) else parts[1]
        return signs["mul"].format(parts[0], inner)
    form = signs["tanh"] if tree.kind == "tanh" else signs["other"]
    return form.format(parts[0], name=tree.kind)


def key(tree) -> str:
    """A name for an operation's result, fit for an id: ``f-times-c_prev``."""
    if not isinstance(tree, Op) or tree.quantity:
        return tree.quantity if isinstance(tree, Op) else tree
    parts = [key(a) for a in tree.args]
    if tree.kind in ("had", "add"):
        return f"-{'times' if tree.kind == 'had' else 'plus'}-".join(parts)
    return "-".join([tree.kind.replace("_", ""), *parts])
