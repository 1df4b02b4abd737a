"""The cell's figure at one step, laid out from the cell's definition, every wire
labelled with its value.

The standard figure, as the course notes draw the LSTM: the carried state runs
along the top (the *rail*: c_{t-1} → × f_t → + i_t ⊙ g_t → c_t); the gates sit
in a row below it, fed by h_{t-1} and x_t from the bottom; each update's
operations (⊙, +, 1 − z, tanh) stand where their operands meet. Nothing here
names a cell: the boxes, operations and wires come from :mod:`.cellgraph`.

Layout, in points: every operation gets a *level* (0 the gates, the rail on
top), every gate and operation a *column*; each column reserves rectangles
(its boxes, wires and labels) and the columns are set apart just enough that
no two rectangles at the same height meet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ... import derivation as d
from ...equations import Name
from ..text import numbers
from . import scene as s
from .cellgraph import CellGraph, Op, describe, read

NUM = 7.5  # numbers, pt
NAME = 8.0  # names of the values
NOTE = 6.5  # "given", "64 values"
SYMBOL = 9.0  # ×, +, σ in the nodes
ROW = NUM * 1.3  # a line of a column of numbers
R = 7.0  # an operation's circle
BOX_H = 17.0
PAD = 3.0
GAP = 12.0  # between the contents of two columns
LEVEL = 22.0  # the least height between two levels
SHOWN = 4  # vectors up to this size are shown whole
EXIT = 18.0  # the shortest arrow out to a state on the right
INSIDE = 4.0  # the × on a box's edge where a gate multiplies inside it

FUNCTIONS = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{ReLU}"}
OPS = {"had": r"\times", "add": "+", "one_minus": "1{-}", "sub": "-"}
GATE_WORDS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}


# --- the values on the wires -------------------------------------------------------------


@dataclass
class Label:
    """A value's block: its name, = , and its numbers in a bracketed column."""

    tex: str
    cells: list[str]  # as printed, elided to SHOWN with ⋮
    size: int
    key: str
    given: bool = False
    missing: bool = False
    metrics: bool = False  # measured as LaTeX sets it (else as the SVG shows it)

    def __post_init__(self):
        m = self.metrics
        self.name_w, self.name_h, _ = s.measure(self.tex + " =", NAME, math=True, tex=m)
        self.num_w = max([s.measure(c, NUM, math=c == r"\vdots", tex=m)[0]
                          for c in self.cells] + [0])
        notes = self.notes()
        self.note_w = max([s.measure(n, NOTE, italic=True, tex=m)[0] for n in notes] + [0])
        self.left_w = max(self.name_w, self.note_w)
        self.w = self.left_w + 4 + 4 + self.num_w + 4 + 3
        self.h = max(len(self.cells) * ROW, NAME + len(notes) * NOTE * 1.2) + 2

    def notes(self) -> list[str]:
        out = []
        if self.given:
            out.append("given")
        if self.missing:
            out.append("not computed")
        if self.size > SHOWN:
            out.append(f"{self.size} values")
        return out

    def draw(self, x: float, yc: float) -> list:
        """Items for the block with its left edge at ``x``, centred on ``yc``."""
        items: list = []
        notes = self.notes()
        below = len(notes) * NOTE * 1.2
        name_base = yc + below / 2 - 0.33 * NAME
        items.append(s.Text(x, name_base, self.tex + " =", NAME, math=True,
                            gid=f"name-{self.key}"))
        for k, note in enumerate(notes):
            items.append(s.Text(x, name_base - NAME * 0.55 - (k + 1) * NOTE * 1.15, note,
                                NOTE, italic=True))
        top = yc + len(self.cells) * ROW / 2
        bl, br = x + self.left_w + 4, x + self.w - 3
        items.append(s.Bracket(bl, yc - len(self.cells) * ROW / 2 - 1, top + 1, True))
        items.append(s.Bracket(br, yc - len(self.cells) * ROW / 2 - 1, top + 1, False))
        for k, cell in enumerate(self.cells):
            base = top - (k + 1) * ROW + 0.28 * ROW
            if cell == r"\vdots":
                items.append(s.Text((bl + br) / 2, base, cell, NUM, ha="center", math=True))
            else:
                items.append(s.Text(br - 4, base, cell, NUM, ha="right",
                                    gid=f"v-{self.key}-{k}"))
        return items


def shown(values: np.ndarray, rounding, bare) -> list[str]:
    """A vector's numbers as the solution prints them (− for minus): all of them up to
    SHOWN, else the first two, ⋮ and the last."""
    cells = numbers(values, rounding, bare)
    keep = list(range(len(cells))) if len(cells) <= SHOWN else [0, 1, None, len(cells) - 1]
    return [r"\vdots" if k is None else _minus(cells[k]) for k in keep]


def _minus(text: str) -> str:
    return text.replace("-", "\u2212")


# --- reading the step --------------------------------------------------------------------


def _sig_node(node: d.Node):
    if isinstance(node, d.Leaf):
        return ("leaf", node.name.base, node.name.sub, node.name.dt)
    if isinstance(node, d.Hadamard):
        return ("had", *sorted((_sig_node(node.left), _sig_node(node.right)), key=repr))
    if isinstance(node, d.Sum):
        return ("sum", *sorted(((node.sign(k), _sig_node(t)) for k, t in
                                enumerate(node.terms)), key=repr))
    if isinstance(node, d.Activation):
        return (node.function, _sig_node(node.arg))
    return ("other", id(node))


def _children(node: d.Node) -> list[d.Node]:
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


class StepValues:
    """Names and values of everything the figure labels, read from the derivation."""

    def __init__(self, dv: d.Derivation, step: d.Step, tex: bool = False):
        self.dv, self.step, self.p, self.metrics = dv, step, dv.problem, tex
        self.back = -1 if step.direction == "forward" else 1
        self.nodes: dict = {}
        stack = [q.tree for q in step.quantities if q.tree is not None]
        while stack:
            node = stack.pop()
            self.nodes.setdefault(_sig_node(node), node)
            stack += _children(node)

    def name(self, leaf: str) -> Name:
        if leaf.endswith("_prev"):
            return Name(self.p.symbol(leaf[:-5]), "", self.back)
        if leaf == "x":
            return Name("x", "", 0)
        if leaf == "1":
            return Name("1")
        q = self.step.get(leaf)
        return q.name if q else Name(self.p.symbol(leaf), "", 0)

    def tex(self, leaf: str) -> str:
        from ..documents.latex import name

        n = self.name(leaf)
        return "1" if n.base == "1" else name(n, self.step.t)

    def sig(self, tree):
        if not isinstance(tree, Op):
            n = self.name(tree)
            return ("leaf", n.base, n.sub, n.dt)
        args = [self.sig(a) for a in tree.args]
        if tree.kind == "had":
            return ("had", *sorted(args, key=repr))
        if tree.kind == "add":
            return ("sum", *sorted(((1, a) for a in args), key=repr))
        if tree.kind == "one_minus":
            return ("sum", *sorted(((1, ("leaf", "1", "", None)), (-1, args[0])), key=repr))
        if tree.kind == "sub":
            return ("sum", *sorted(((1, args[0]), (-1, args[1])), key=repr))
        return (tree.kind, args[0])

    def label(self, tree, key: str) -> Label:
        """The label of a leaf (a gate, a state, x) or of an operation's result."""
        rounding = self.dv.rounding
        tex = describe(tree, self.tex) if isinstance(tree, Op) else self.tex(tree)
        q = self.step.get(tree) if isinstance(tree, str) else None
        if q is not None:
            bare = q.given or (q.tree is not None and all(d.as_written(q.tree)))
            return Label(tex, shown(q.value, rounding, bare), len(q.value), key, q.given,
                         metrics=self.metrics)
        node = self.nodes.get(self.sig(tree))
        if node is not None:
            return Label(tex, shown(node.value, rounding, d.as_written(node)),
                         len(node.value), key, metrics=self.metrics)
        if tree == "x" and self.step.x is not None:
            return Label(tex, shown(self.step.x, rounding, False), len(self.step.x), key,
                         metrics=self.metrics)
        if isinstance(tree, str) and tree.endswith("_prev") and \
                tree[:-5] in self.step.previous:
            value = self.step.previous[tree[:-5]]
            return Label(tex, shown(value, rounding, False), len(value), key,
                         metrics=self.metrics)
        return Label(tex, ["?"], 1, key, missing=True, metrics=self.metrics)


# --- the layout ----------------------------------------------------------------------------


@dataclass
class Column:
    key: str
    rects: list = field(default_factory=list)  # (dx0, dx1, y0, y1)
    x: float = 0.0

    def reserve(self, dx0: float, dx1: float, y0: float, y1: float) -> None:
        self.rects.append((dx0, dx1, min(y0, y1), max(y0, y1)))


def _separation(a: Column, b: Column) -> float:
    need = 0.0
    for _, ax1, ay0, ay1 in a.rects:
        for bx0, _, by0, by1 in b.rects:
            if ay0 < by1 + 1 and by0 < ay1 + 1:
                need = max(need, ax1 - bx0 + GAP)
    return need


@dataclass(eq=False)
class Node:
    """An operation of the figure: where it stands and what feeds it."""

    op: Op
    role: str  # rail | fed (reads the rail, below it) | hang (below its user) | inline
    user: Node | None = None
    vertical: object = None  # the operand straight below (a gate short or a Node)
    above: Node | str | None = None  # fed: the operand straight above
    side: list = field(default_factory=list)  # operands from the left
    column: str = ""
    level: int = 1
    label: Label | None = None


class Layout:
    def __init__(self, dv: d.Derivation, step: d.Step, tex: bool = False):
        self.dv, self.step, self.tex = dv, step, tex
        self.graph: CellGraph = read(dv.problem.cell_def)
        self.values = StepValues(dv, step, tex)
        self.nodes: list[Node] = []
        self.by_op: dict[int, Node] = {}
        self.columns: dict[str, Column] = {}
        self.gate_col: dict[str, str] = {}
        self.claimed: dict[str, Node] = {}  # gate -> the operation straight above it
        self.taps: dict[str, list[Node]] = {}  # gate -> operations fed from its side
        self.inline: dict[str, Node] = {}  # gate -> the operation at its input (r ⊙ h)
        self.exits: list[tuple[str, object]] = []  # (state, Node | gate short)
        self._structure()

    # -- structure ---------------------------------------------------------------------

    def _column(self, key: str) -> str:
        self.columns.setdefault(key, Column(key))
        return key

    def _gate(self, short: str) -> None:
        if short in self.gate_col or self.graph.gate(short) is None:
            return
        gn = self.graph.gate(short)
        attached = []
        if gn.recurrent is not None:
            attached = [a for a in gn.recurrent.leaves() if self.graph.gate(a)]
        if gn.inside:
            attached.append(gn.inside)
        for a in attached:
            self._gate(a)
        if gn.recurrent is not None:
            node = Node(gn.recurrent, "inline", level=0)
            node.column = self._column(f"in-{short}")
            self.nodes.append(node)
            self.inline[short] = node
        self.gate_col[short] = self._column(f"gate-{short}")

    def _structure(self) -> None:
        g = self.graph
        rail = g.rail_chain()
        rail_ids = {id(op) for op in rail}
        rail_value = g.rail
        fed_ids: set[int] = set()
        for state, tree in g.updates.items():
            if state != g.rail and isinstance(tree, Op) and rail_value:
                fed_ids |= {id(op) for op in _path_of(tree, rail_value)}

        def visit(tree, user: Node | None) -> None:
            if not isinstance(tree, Op):
                if g.gate(tree):
                    self._gate(tree)
                return
            role = "rail" if id(tree) in rail_ids else "fed" if id(tree) in fed_ids else "hang"
            node = Node(tree, role, user)
            self.by_op[id(tree)] = node
            for a in tree.args:
                visit(a, node)
            chain = [a for a in tree.args if (isinstance(a, Op) and id(a) in rail_ids | fed_ids)
                     or a == rail_value or a == f"{g.rail}_prev"]
            hanging = [a for a in tree.args if a not in chain and not (
                isinstance(a, str) and (a.endswith("_prev") or a == "x"))]
            if role == "fed" and chain:
                a = chain[0]
                node.above = self.by_op.get(id(a), a) if isinstance(a, Op) else a
            for a in reversed(hanging):
                if isinstance(a, Op):
                    node.vertical = node.vertical or self.by_op[id(a)]
                    if node.vertical is not self.by_op[id(a)]:
                        node.side.append(self.by_op[id(a)])
                elif a in self.claimed or node.vertical is not None:
                    node.side.append(a)
                else:
                    node.vertical = a
                    self.claimed[a] = node
            node.side.reverse()
            for a in node.side:
                if isinstance(a, str):
                    self.taps.setdefault(a, []).append(node)
            if isinstance(node.vertical, Node):
                node.column = node.vertical.column
            elif isinstance(node.vertical, str):
                node.column = self.gate_col[node.vertical]
            elif role != "fed":
                node.column = self._column(f"op-{len(self.nodes)}")
            self.nodes.append(node)

        for state, tree in g.updates.items():
            visit(tree, None)
            if state != g.rail:
                self.exits.append((state, self.by_op.get(id(tree), tree)))
        for gn in g.gates:
            self._gate(gn.gate.short)
        for state in g.cell.state:  # a state that is a gate's output (the RNN's h)
            if state not in g.updates and g.gate(state):
                self.exits.append((state, state))
        # a chain reading the rail stands in one column: its lowest operation's
        fed = [n for n in self.nodes if n.role == "fed"]
        if fed:
            column = next((n.column for n in fed if n.column), "")
            if not column:
                column = self._column("fed")
            for n in fed:
                n.column = column
        self.rail = [self.by_op[id(op)] for op in rail]
        self._levels()

    def _levels(self) -> None:
        def level(v) -> int:
            return v.level if isinstance(v, Node) else 0

        ops = [n for n in self.nodes if n.role != "inline"]
        for _ in range(4 * len(ops) + 4):
            changed = False

            def lift(n: Node, to: int) -> None:
                nonlocal changed
                if n.level < to:
                    n.level, changed = to, True

            for n in ops:
                if n.vertical is not None:
                    lift(n, level(n.vertical) + 1)
                for a in n.side:
                    if isinstance(a, Node):
                        lift(a, n.level)
                        lift(n, a.level)
                if n.role == "fed" and isinstance(n.above, Node):
                    lift(n.above, n.level + 1)
            for gate, taps in self.taps.items():
                up = self.claimed.get(gate)
                if up is not None and up.role != "rail":
                    for t in taps:
                        lift(up, t.level + 1)
            if not changed:
                break
        top = max([n.level for n in ops if n.role != "rail"] + [0])
        self.rail_level = top + 1
        for n in self.rail:
            n.level = self.rail_level

    # -- geometry ------------------------------------------------------------------------

    def scene(self) -> s.Scene:
        v = self.values
        g = self.graph
        labels: dict[str, Label] = {}
        exits = {node for _, node in self.exits if isinstance(node, str)}
        for gn in g.gates:
            if gn.gate.short in self.gate_col and gn.gate.short not in exits:
                labels[gn.gate.short] = v.label(gn.gate.short, gn.gate.short)
        for k, n in enumerate(self.nodes):
            if n.role == "inline" or n in self.rail[-1:] or self._is_exit(n):
                continue
            n.label = v.label(n.op, f"op{k + 1}")
        sources = []  # (leaf, where): the rail's previous state, h_{t-1} at the bus
        bus_state = "h"
        if g.rail:
            sources.append((f"{g.rail}_prev", "rail"))
        if g.rail != bus_state:
            sources.append((f"{bus_state}_prev", "bus"))
        source_labels = {leaf: v.label(leaf, leaf.replace("_prev", "-prev"))
                         for leaf, _ in sources}
        x_label = v.label("x", "x")
        exit_labels = {state: v.label(state, f"{state}-out") for state, _ in self.exits}
        if g.rail:
            exit_labels[g.rail] = v.label(g.rail, f"{g.rail}-out")

        # heights: the x label, the bus, the gates, then each level
        y_bus = x_label.h + PAD + 10
        gate_bottom = y_bus + 9
        y_gate = gate_bottom + BOX_H / 2
        gate_top = gate_bottom + BOX_H
        band = max([lb.h for lb in labels.values()] + [0])
        gaps: dict[int, float] = {}
        for n in self.nodes:
            if n.label is None:
                continue
            at = n.level - 1 if n.role == "fed" and n.user is not None and \
                n.user.level < n.level else n.level
            gaps[at] = max(gaps.get(at, 0), n.label.h)
        y_level = {0: gate_top}
        levels = self.rail_level if g.rail else max([n.level for n in self.nodes] + [1])
        for k in range(1, levels + 1):
            below = band if k == 1 else gaps.get(k - 1, 0)
            y_level[k] = y_level[k - 1] + max(LEVEL, below + 2 * PAD + (R if k > 1 else 0)
                                              + R)
        y_exit = {state: (y_level[self.rail_level] if state == g.rail else
                          y_level[node.level] if isinstance(node, Node) else y_level[1])
                  for state, node in [*self.exits, *([(g.rail, None)] if g.rail else [])]}
        # the labels on the left and on the right must not meet: lift the levels above
        for group in ([(y_level[self.rail_level] if where == "rail" else y_bus,
                        source_labels[leaf]) for leaf, where in sources],
                      [(y_exit[state], exit_labels[state]) for state in exit_labels]):
            group.sort(key=lambda item: item[0])
            for (ya, la), (yb, lb) in zip(group, group[1:]):
                short = (la.h + lb.h) / 2 + PAD - (yb - ya)
                if short > 0:
                    for k in y_level:
                        if y_level[k] >= yb - 0.01 and k > 0:
                            y_level[k] += short
                    for state in y_exit:
                        if y_exit[state] >= yb - 0.01:
                            y_exit[state] += short
        y_rail = y_level[self.rail_level] if g.rail else None

        def y_of(n: Node) -> float:
            return y_gate if n.role == "inline" else y_level[n.level]

        top_labels = [n.label.h for n in self.rail[:-1] if n.label]
        height = max(y_level.values()) + R + (max(top_labels) + 2 * PAD if top_labels else
                                              PAD) + 4
        for state, lb in exit_labels.items():
            height = max(height, y_exit[state] + lb.h / 2 + PAD)
        for leaf, where in sources:
            yc = y_rail if where == "rail" else y_bus
            height = max(height, yc + source_labels[leaf].h / 2 + PAD)

        # columns, left to right
        left = Column("left")
        for leaf, where in sources:
            lb = source_labels[leaf]
            yc = y_rail if where == "rail" else y_bus
            left.reserve(-lb.w - 4, 0, yc - lb.h / 2, yc + lb.h / 2)
        order = [left]
        drop = None
        if g.rail == bus_state:
            drop = Column("drop")
            drop.reserve(-0.5, 0.5, y_bus, y_rail)
            order.append(drop)
        xin = Column("xin")
        xin.reserve(-x_label.w / 2, x_label.w / 2, PAD, PAD + x_label.h)
        xin.reserve(-0.5, 0.5, PAD + x_label.h, y_bus)
        order.append(xin)
        widths = {}
        for key, col in self.columns.items():
            order.append(col)
            if key.startswith("gate-"):
                short = key[5:]
                gn = g.gate(short)
                word = FUNCTIONS.get(gn.gate.activation, gn.gate.activation)
                widths[short] = max(28.0, s.measure(word, SYMBOL, math=True,
                                                    tex=self.tex)[0] + 12) + (
                    2 * INSIDE if gn.inside else 0)
                w = widths[short]
                col.reserve(-w / 2, w / 2, gate_bottom, gate_top)
                col.reserve(-0.5, 0.5, y_bus, gate_bottom)
                lb = labels.get(short)
                if lb is not None and self._goes_right(short):
                    col.reserve(-w / 2, -w / 2 + lb.w, gate_top + PAD, gate_top + PAD + lb.h)
                elif lb is not None:
                    col.reserve(PAD, PAD + lb.w, gate_top + PAD, gate_top + PAD + lb.h)
                if not self._goes_right(short):
                    col.reserve(-0.5, 0.5, gate_top, self._gate_reach(short, y_level))
        for n in self.nodes:
            col = self.columns[n.column]
            y = y_of(n)
            half, rad = self._half_width(n), self._radius(n)
            col.reserve(-half, half, y - rad, y + rad)
            if n.role == "inline":
                col.reserve(-0.5, 0.5, y_bus, y)
            if n.role == "fed" and n.above is not None:
                ya = y_rail if isinstance(n.above, str) else y_of(n.above)
                col.reserve(-0.5, 0.5, y, ya)
            if n.user is not None and n.user.column == n.column:
                col.reserve(-0.5, 0.5, y, y_of(n.user))
            if n.label is not None:
                lb = n.label
                if n.user is not None and n.user.column != n.column and n.role != "rail":
                    col.reserve(half + PAD, half + PAD + lb.w, y + PAD, y + PAD + lb.h)
                elif n.role == "rail":
                    col.reserve(half + PAD, half + PAD + lb.w, y + PAD, y + PAD + lb.h)
                else:
                    ya, yb = self._beside(n, y_of)
                    yc = (ya + yb) / 2
                    col.reserve(PAD, PAD + lb.w, yc - lb.h / 2, yc + lb.h / 2)
        right = Column("right")
        for state, lb in exit_labels.items():  # each state leaves by an arrow of its own
            right.reserve(-EXIT, 4 + lb.w, y_exit[state] - lb.h / 2, y_exit[state] + lb.h / 2)
        order.append(right)
        for k, b in enumerate(order):
            b.x = max([a.x + _separation(a, b) for a in order[:k]] + [0.0])
        shift = -min(dx0 for r in [left] for dx0, _, _, _ in r.rects) + 2 if left.rects else 2
        for col in order:
            col.x += shift
        width = right.x + max([dx1 for dx0, dx1, _, _ in right.rects] + [0]) + 2
        X = {col.key: col.x for col in order}

        sc = s.Scene(width, height)
        # boxes and their outputs
        for short, key in self.gate_col.items():
            x = X[key]
            gn = g.gate(short)
            q = self.step.get(short)
            w = widths[short]
            word = FUNCTIONS.get(gn.gate.activation, gn.gate.activation)
            sc.add(s.Box(x, y_gate, w, BOX_H, dashed=q is None or q.given,
                         fill="white" if q is None or q.given else s.FILL),
                   s.Text(x, y_gate - 0.33 * SYMBOL, word, SYMBOL, ha="center", math=True))
            sc.add(s.Wire([(x, y_bus), (x, gate_bottom)]))
            lb = labels.get(short)
            if lb is not None and self._goes_right(short):
                sc.add(*lb.draw(x - w / 2, gate_top + PAD + lb.h / 2))
            elif lb is not None:
                sc.add(*lb.draw(x + PAD, gate_top + PAD + lb.h / 2))
            self._gate_wires(sc, short, x, gate_top, y_level, X, y_of)
        # the inline operations (r ⊙ h_{t-1}) and gates feeding another gate's box
        for short, n in self.inline.items():
            x = X[n.column]
            half = self._half_width(n)
            sc.add(s.Wire([(x, y_bus), (x, y_gate - half)]), s.Circle(x, y_gate, half),
                   s.Text(x, y_gate - 0.33 * SYMBOL, OPS[n.op.kind], SYMBOL, ha="center",
                          math=True))
            for a in n.op.leaves():
                if a in self.gate_col:
                    xa = X[self.gate_col[a]] + widths[a] / 2
                    sc.add(s.Wire([(xa, y_gate), (x - half, y_gate)]))
            sc.add(s.Wire([(x + half, y_gate), (X[self.gate_col[short]] - widths[short] / 2,
                                              y_gate)]))
        for gn in g.gates:
            if gn.inside and gn.inside in self.gate_col and gn.gate.short in self.gate_col:
                xa = X[self.gate_col[gn.inside]] + widths[gn.inside] / 2
                xb = X[self.gate_col[gn.gate.short]] - widths[gn.gate.short] / 2
                # the gate multiplies part of the box's sum: it enters through a ×
                sc.add(s.Wire([(xa, y_gate), (xb - INSIDE, y_gate)]),
                       s.Circle(xb, y_gate, INSIDE, mark=True),
                       s.Text(xb, y_gate - 0.33 * NOTE, r"\times", NOTE, ha="center",
                              math=True))
        # the operations
        for n in self.nodes:
            if n.role == "inline":
                continue
            x, y = X[n.column], y_of(n)
            half = self._half_width(n)
            if n.op.kind in OPS:
                sc.add(s.Circle(x, y, half), s.Text(x, y - 0.33 * SYMBOL, OPS[n.op.kind], SYMBOL,
                                                 ha="center", math=True))
            else:
                sc.add(s.Ellipse(x, y, 2 * half, 2 * R),
                       s.Text(x, y - 0.33 * NAME, FUNCTIONS.get(n.op.kind, n.op.kind), NAME,
                              ha="center", math=True))
            for a in n.side:  # an operation's output coming in from the left
                if isinstance(a, Node):
                    xa = X[a.column] + self._half_width(a)
                    sc.add(s.Wire([(xa, y), (x - half, y)]))
                    if a.label is not None:
                        lb = a.label
                        mid = (xa + x - half) / 2
                        sc.add(*lb.draw(max(xa + PAD, mid - lb.w / 2), y + PAD + lb.h / 2))
            if n.user is not None and n.user.column == n.column and n.user.level > n.level:
                yu = y_of(n.user)
                sc.add(s.Wire([(x, y + R), (x, yu - self._radius(n.user))]))
                if n.label is not None:
                    ya, yb = self._beside(n, y_of)
                    sc.add(*n.label.draw(x + PAD, (ya + yb) / 2))
            if n.role == "fed" and n.above is not None:
                if isinstance(n.above, str):
                    sc.add(s.Dot(x, y_rail), s.Wire([(x, y_rail), (x, y + R)]))
                else:
                    ya = y_of(n.above)
                    sc.add(s.Wire([(x, ya - R), (x, y + R)]))
                    if n.above.label is not None:
                        sc.add(*n.above.label.draw(x + PAD, (ya - R + y + R) / 2))
        # the rail
        if g.rail:
            xs = [X[n.column] for n in self.rail]
            sc.add(s.Wire([(X["left"], y_rail), (xs[0] - R, y_rail)]))
            for k, (a, b) in enumerate(zip(xs, xs[1:])):
                sc.add(s.Wire([(a + R, y_rail), (b - R, y_rail)]))
                lb = self.rail[k].label
                if lb is not None:
                    mid = (a + b) / 2
                    sc.add(*lb.draw(max(a + R + PAD, mid - lb.w / 2), y_rail + PAD + lb.h / 2))
            sc.add(s.Wire([(xs[-1] + R, y_rail), (X["right"], y_rail)]))
            sc.add(*exit_labels[g.rail].draw(X["right"] + 4, y_rail))
        # sources: the rail's previous state on the left, h_{t-1} along the bus
        x_start = X["left"]
        for leaf, where in sources:
            yc = y_rail if where == "rail" else y_bus
            sc.add(*source_labels[leaf].draw(x_start - source_labels[leaf].w - 4, yc))
        x_end = max([X[c] + (widths.get(c[5:], 0) / 2 if c.startswith("gate-") else 0)
                     for c in list(self.gate_col.values()) +
                     [n.column for n in self.inline.values()]])
        bus_from = X["drop"] if drop else x_start
        bus_to = max(X[c] for c in list(self.gate_col.values()) +
                     [n.column for n in self.inline.values()])
        sc.add(s.Wire([(bus_from, y_bus), (bus_to, y_bus)], arrow=False))
        del x_end
        if drop:
            sc.add(s.Dot(X["drop"], y_rail), s.Wire([(X["drop"], y_rail), (X["drop"], y_bus)],
                                                     arrow=False))
        sc.add(s.Dot(X["xin"], y_bus), s.Wire([(X["xin"], PAD + x_label.h + 1),
                                               (X["xin"], y_bus)], arrow=False))
        sc.add(*x_label.draw(X["xin"] - x_label.w / 2, PAD + x_label.h / 2))
        # the states leaving on the right
        for state, node in self.exits:
            ye = y_exit[state]
            if isinstance(node, Node):
                x = X[node.column]
                sc.add(s.Wire([(x + self._half_width(node), ye), (X["right"], ye)]))
            else:  # a gate's output is the state
                x = X[self.gate_col[node]]
                sc.add(s.Wire([(x, gate_top), (x, ye), (X["right"], ye)]))
            sc.add(*exit_labels[state].draw(X["right"] + 4, ye))
        return sc

    # -- helpers -------------------------------------------------------------------------

    def _is_exit(self, n: Node) -> bool:
        return any(node is n for _, node in self.exits)

    def _goes_right(self, short: str) -> bool:
        """Does this gate's output go into the next box (r in a GRU), not up?"""
        users = [g for g in self.graph.gates if g.inside == short] + [
            g for g, node in self.inline.items() if short in node.op.leaves()]
        return bool(users) and short not in self.claimed and short not in self.taps

    def _gate_reach(self, short: str, y_level) -> float:
        ys = [y_level[n.level] for n in self.taps.get(short, [])]
        if short in self.claimed:
            ys.append(y_level[self.claimed[short].level])
        if any(state == short for state, _ in self.exits):
            ys.append(y_level[1])
        return max(ys + [y_level[0]])

    def _gate_wires(self, sc, short, x, gate_top, y_level, X, y_of) -> None:
        taps = self.taps.get(short, [])
        up = self.claimed.get(short)
        if up is not None:
            sc.add(s.Wire([(x, gate_top), (x, y_of(up) - self._radius(up))]))
        for k, t in enumerate(sorted(taps, key=lambda t: t.level)):
            yt = y_of(t)
            xt = X[t.column] - self._half_width(t)
            if up is not None or k < len(taps) - 1:
                sc.add(s.Dot(x, yt))
            start = (x, gate_top) if up is None and k == len(taps) - 1 else (x, yt)
            sc.add(s.Wire([start, (x, yt), (xt, yt)] if start != (x, yt) else [(x, yt),
                                                                               (xt, yt)]))
        if up is None and len(taps) > 1:
            sc.add(s.Wire([(x, gate_top), (x, max(y_of(t) for t in taps))], arrow=False))

    def _half_width(self, n: Node) -> float:
        if n.op.kind in OPS:
            return max(R, s.measure(OPS[n.op.kind], SYMBOL, math=True, tex=self.tex)[0] / 2 + 3)
        word = FUNCTIONS.get(n.op.kind, n.op.kind)
        return max(R, s.measure(word, NAME, math=True, tex=self.tex)[0] / 2 + 5)

    def _radius(self, n: Node) -> float:
        """Half the node's height."""
        return self._half_width(n) if n.op.kind in OPS else R

    def _beside(self, n: Node, y_of) -> tuple[float, float]:
        """The stretch of wire beside which an operation's label stands."""
        y = y_of(n)
        if n.role == "fed" and n.user is not None and n.user.level < n.level:
            return y_of(n.user) + R, y - R
        top = y_of(n.user) - R if n.user is not None else y + LEVEL
        return y + R, min(top, y + R + 2 * PAD + n.label.h)


def _path_of(tree: Op, leaf: str) -> list[Op]:
    """The operations from ``leaf`` up to ``tree``'s root."""
    from .cellgraph import _path_to

    return _path_to(tree, leaf)


def cell_scene(dv: d.Derivation, step: d.Step, tex: bool = False) -> s.Scene:
    """The cell's figure at ``step``, with its values; ``tex``: measured for LaTeX."""
    return Layout(dv, step, tex).scene()


def describe_cell(dv: d.Derivation, step: d.Step) -> str:
    """What the figure shows, in words (its title)."""
    from ..text import name

    p = dv.problem
    graph = read(p.cell_def)
    v = StepValues(dv, step)
    gates = [f"{gn.gate.name} gate {name(v.name(gn.gate.short), step.t)} "
             f"({GATE_WORDS.get(gn.gate.activation, gn.gate.activation)})"
             for gn in graph.gates]
    states = [name(v.name(f"{st}_prev"), step.t) for st in graph.cell.state]
    out = [name(v.name(st), step.t) for st in graph.cell.state]
    where = "" if len(p.units) == 1 else f" (layer {step.layer}, {step.direction})"
    return (f"The {p.cell.upper()} cell at t = {step.t}{where}, drawn from its equations: "
            f"{' and '.join(states)} come in on the left and {name(Name('x', '', 0), step.t)}"
            f" from below; the {', '.join(gates)}; {' and '.join(out)} leave on the right. "
            "Each wire is labelled with its value at this step.")
