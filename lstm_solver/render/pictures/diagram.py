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
from .cellgraph import PLAIN, TEX, CellGraph, Op, describe, key, parameters, path_to, read

NUM = 7.5  # numbers, pt
NAME = 8.0  # names of the values
NOTE = 6.5  # "given", "64 values"
SYMBOL = 9.0  # ×, +, σ in the nodes
ROW = NUM * 1.3  # a line of a column of numbers
R = 7.0  # an operation's circle
BOX_H = 17.0
PAD = 3.0
GAP = 10.0  # between the contents of two columns
LEVEL = 22.0  # the least height between two levels
SHOWN = 4  # vectors up to this size are shown whole
EXIT = 16.0  # the shortest arrow out to a state on the right
INSIDE = 4.0  # the × on a box's edge where a gate multiplies inside it
STUB = 10.0  # the short wire of a peephole into its gate's box

# each sign as the SVG shows it and as LaTeX sets it
FUNCTIONS = {"sigmoid": ("σ", r"\sigma"), "tanh": ("tanh", r"\tanh"),
             "relu": ("ReLU", r"\mathrm{ReLU}")}
OPS = {"had": ("×", r"\times"), "add": ("+", "+"), "one_minus": ("1−", "1{-}"),
       "sub": ("−", "-")}
VDOTS = ("⋮", r"\vdots")


def _sign(table: dict, key: str) -> tuple[str, str]:
    return table.get(key, (key, rf"\mathrm{{{key}}}"))


def _centred(x: float, y: float, sign: tuple[str, str], size: float) -> s.Text:
    """A sign centred on (x, y): σ in a box, × in a circle (σ in italic, as in math)."""
    plain, tex = sign
    return s.Text(x, y - 0.33 * size, plain, size, ha="center", tex=tex, italic=plain == "σ")


# --- the values on the wires -------------------------------------------------------------


@dataclass
class Label:
    """A value's block: its name, = , and its numbers in a bracketed column."""

    name: str  # in Unicode (f₂ ⊙ c₁)
    tex: str  # in LaTeX (f_{2} \odot c_{1})
    cells: list[str]  # as printed, elided to SHOWN with ⋮
    size: int
    key: str
    given: bool = False
    missing: bool = False
    metrics: bool = False  # measured as LaTeX sets it (else as the SVG shows it)

    def __post_init__(self):
        m = self.metrics
        self.name_w, self.name_h, _ = s.measure(self.name + " =", NAME, italic=True, tex=m)
        self.num_w = max([s.measure(c, NUM, tex=m)[0] for c in self.cells] + [0])
        notes = self.notes()
        self.note_w = max([s.measure(n, NOTE, italic=True, tex=m)[0] for n in notes] + [0])
        self.left_w = max(self.name_w, self.note_w)
        self.w = self.left_w + 4 + 4 + self.num_w + 4 + 3
        self.stack = NAME * 1.2 + len(notes) * NOTE * 1.2  # the name, the notes below it
        self.h = max(len(self.cells) * ROW, self.stack) + 2

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
        top = yc + self.stack / 2
        items.append(s.Text(x, top - NAME * 0.95, self.name + " =", NAME, tex=self.tex + " =",
                            italic=True, gid=f"name-{self.key}"))
        for k, note in enumerate(self.notes()):
            items.append(s.Text(x, top - NAME * 1.2 - (k + 1) * NOTE * 1.2 + NOTE * 0.3,
                                note, NOTE, italic=True))
        top = yc + len(self.cells) * ROW / 2
        bl, br = x + self.left_w + 4, x + self.w - 3
        items.append(s.Bracket(bl, yc - len(self.cells) * ROW / 2 - 1, top + 1, True))
        items.append(s.Bracket(br, yc - len(self.cells) * ROW / 2 - 1, top + 1, False))
        for k, cell in enumerate(self.cells):
            base = top - (k + 1) * ROW + 0.28 * ROW
            if cell == VDOTS[0]:
                items.append(s.Text((bl + br) / 2, base, cell, NUM, ha="center", tex=VDOTS[1]))
            else:
                items.append(s.Text(br - 4, base, cell, NUM, ha="right",
                                    gid=f"v-{self.key}-{k}"))
        return items


def shown(values: np.ndarray, rounding, bare) -> list[str]:
    """A vector's numbers as the solution prints them (− for minus): all of them up to
    SHOWN, else the first two, ⋮ and the last."""
    cells = numbers(values, rounding, bare)
    keep = list(range(len(cells))) if len(cells) <= SHOWN else [0, 1, None, len(cells) - 1]
    return [VDOTS[0] if k is None else _minus(cells[k]) for k in keep]


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
            stack += d.children(node)

    def name(self, leaf: str) -> Name:
        if leaf.endswith("_prev"):
            return Name(self.p.symbol(leaf[:-5]), "", self.back)
        if leaf == "x":
            return Name("x", "", 0)
        if leaf == "1":
            return Name("1")
        if leaf not in self.p.cell_def.quantities and "_" in leaf:  # a parameter: W_hr
            base, sub = leaf.split("_", 1)
            return Name(base, sub)
        q = self.step.get(leaf)
        return q.name if q else Name(self.p.symbol(leaf), "", 0)

    def tex(self, leaf: str) -> str:
        from ..documents.latex import name

        n = self.name(leaf)
        return "1" if n.base == "1" else name(n, self.step.t)

    def plain(self, leaf: str) -> str:
        from ..text import name

        return name(self.name(leaf), self.step.t)

    def sig(self, tree):
        if not isinstance(tree, Op) or tree.quantity:  # a quantity is a leaf of the others
            n = self.name(tree.quantity if isinstance(tree, Op) else tree)
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
        if isinstance(tree, Op):
            names = (describe(tree, self.plain, PLAIN), describe(tree, self.tex, TEX))
        else:
            names = (self.plain(tree), self.tex(tree))
        q = self.step.get(tree) if isinstance(tree, str) else None
        if q is not None:
            bare = q.given or (q.tree is not None and all(d.as_written(q.tree)))
            return Label(*names, shown(q.value, rounding, bare), len(q.value), key, q.given,
                         metrics=self.metrics)
        node = self.nodes.get(self.sig(tree))
        if node is not None:
            return Label(*names, shown(node.value, rounding, d.as_written(node)),
                         len(node.value), key, metrics=self.metrics)
        if tree == "x" and self.step.x is not None:
            return Label(*names, shown(self.step.x, rounding, False), len(self.step.x), key,
                         metrics=self.metrics)
        if isinstance(tree, str) and tree.endswith("_prev") and \
                tree[:-5] in self.step.previous:
            value = self.step.previous[tree[:-5]]
            return Label(*names, shown(value, rounding, False), len(value), key,
                         metrics=self.metrics)
        return Label(*names, ["?"], 1, key, missing=True, metrics=self.metrics)


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
        """Each operation's role (on the rail, reading the rail from below it, or hanging
        under its user), the operand straight below it (``vertical``: a gate it has to
        itself, or an operation) and those that come in from the left (``side``); the
        columns, in the order a person computes; then the levels."""
        g = self.graph
        rail = g.rail_chain()
        rail_ids = {id(op) for op in rail}
        rail_value = g.rail
        fed_ids: set[int] = set()
        chains: list[list[Op]] = []  # each from the rail down to its update's root
        for state, tree in g.updates.items():
            if state != g.rail and isinstance(tree, Op) and rail_value:
                chains.append(path_to(tree, rail_value))
                fed_ids |= {id(op) for op in chains[-1]}

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
            params = set(parameters(g, tree))
            hanging = [a for a in tree.args if a not in chain and a not in params and not (
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
        for chain in chains:
            self._chain([self.by_op[id(op)] for op in chain])
        self.rail = [self.by_op[id(op)] for op in rail]
        self._levels()

    def _chain(self, fed: list[Node]) -> None:
        """A chain reading the rail (tanh(c), o ⊙ tanh(c)...) stands in one column down to
        the operation fed from below (by o); what is applied after it (a projection W_hr)
        follows on its right, on its level, towards the exit."""
        k = next((i for i, n in enumerate(fed) if n.vertical is not None), len(fed) - 1)
        column = fed[k].column or self._column("fed")
        for n in fed[:k + 1]:
            n.column = column
        for before, n in zip(fed[k:], fed[k + 1:]):
            n.role, n.above, n.side = "after", None, [before]
            n.column = self._column(f"after-{len(self.columns)}")

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

    # -- the labels ----------------------------------------------------------------------

    def _labels(self) -> None:
        v, g = self.values, self.graph
        gate_exits = {node for _, node in self.exits if isinstance(node, str)}
        self.gate_labels = {gn.gate.short: v.label(gn.gate.short, gn.gate.short)
                            for gn in g.gates if gn.gate.short in self.gate_col
                            and gn.gate.short not in gate_exits}
        for n in self.nodes:
            if n.role != "inline" and n not in self.rail[-1:] and not self._is_exit(n):
                n.label = (v.label(n.op.quantity, n.op.quantity) if n.op.quantity else
                           v.label(n.op, "op-" + key(n.op)))
        # h_{t-1} feeds the gates along the bus; the rail's state comes in on the rail
        self.sources = [(f"{g.rail}_prev", "rail")] if g.rail else []
        if g.rail != "h":
            self.sources.append(("h_prev", "bus"))
        self.source_labels = {leaf: v.label(leaf, leaf.replace("_prev", "-prev"))
                              for leaf, _ in self.sources}
        self.x_label = v.label("x", "x")
        self.exit_labels = {state: v.label(state, f"{state}-out") for state, _ in self.exits}
        if g.rail:
            self.exit_labels[g.rail] = v.label(g.rail, f"{g.rail}-out")

    # -- heights -------------------------------------------------------------------------

    def _heights(self) -> None:
        """From the bottom: the x label, the bus, the gates, each level, the rail."""
        g = self.graph
        self.y_bus = self.x_label.h + PAD + 10
        self.gate_bottom = self.y_bus + 9
        self.y_gate = self.gate_bottom + BOX_H / 2
        self.gate_top = self.gate_bottom + BOX_H
        gaps: dict[int, float] = {0: max([lb.h for lb in self.gate_labels.values()] + [0])}
        stacked: dict[tuple[int, str], float] = {}  # labels sharing a gap in one column
        for n in self.nodes:
            if n.label is not None:
                at = n.level - 1 if self._hangs_down(n) else n.level
                h = stacked[at, n.column] = stacked.get((at, n.column), -PAD) + n.label.h + PAD
                gaps[at] = max(gaps.get(at, 0), h)
        y = {0: self.gate_top}
        top = self.rail_level if g.rail else max([n.level for n in self.nodes] + [1])
        for k in range(1, top + 1):
            y[k] = y[k - 1] + max(LEVEL, gaps.get(k - 1, 0) + 2 * PAD + (R if k > 1 else 0) + R)
        self.y_level = y
        self.y_exit = {state: (y[self.rail_level] if state == g.rail else
                               y[node.level] if isinstance(node, Node) else y[1])
                       for state, node in [*self.exits, *([(g.rail, None)] if g.rail else [])]}
        # the labels on the left, and those on the right, must not meet: lift what is above
        for group in ([(self._source_y(where), self.source_labels[leaf])
                       for leaf, where in self.sources],
                      [(self.y_exit[st], lb) for st, lb in self.exit_labels.items()]):
            group.sort(key=lambda item: item[0])
            for (ya, la), (yb, lb) in zip(group, group[1:]):
                short = (la.h + lb.h) / 2 + PAD - (yb - ya)
                if short > 0:
                    for k in y:
                        y[k] += short if k > 0 and y[k] >= yb - 0.01 else 0
                    for st in self.y_exit:
                        self.y_exit[st] += short if self.y_exit[st] >= yb - 0.01 else 0
        self.y_rail = y[self.rail_level] if g.rail else None
        top_labels = [n.label.h for n in self.rail[:-1] if n.label]
        height = max(y.values()) + R + (max(top_labels) + 2 * PAD if top_labels else PAD) + 4
        for st, lb in self.exit_labels.items():
            height = max(height, self.y_exit[st] + lb.h / 2 + PAD)
        for leaf, where in self.sources:
            height = max(height, self._source_y(where) + self.source_labels[leaf].h / 2 + PAD)
        self.height = height

    def _source_y(self, where: str) -> float:
        return self.y_level[self.rail_level] if where == "rail" else self.y_bus

    def y_of(self, n: Node) -> float:
        return self.y_gate if n.role == "inline" else self.y_level[n.level]

    # -- columns -------------------------------------------------------------------------

    def _columns(self) -> None:
        """Reserve each column's rectangles, then set the columns apart left to right."""
        g = self.graph
        left = Column("left")
        for leaf, where in self.sources:
            lb, yc = self.source_labels[leaf], self._source_y(where)
            left.reserve(-lb.w - 4, 0, yc - lb.h / 2, yc + lb.h / 2)
        order = [left]
        if g.rail == "h":  # h_{t-1} drops from the rail to the bus
            drop = Column("drop")
            drop.reserve(-0.5, 0.5, self.y_bus, self.y_rail)
            order.append(drop)
        xin, xl = Column("xin"), self.x_label
        xin.reserve(-xl.w / 2, xl.w / 2, PAD, PAD + xl.h)
        xin.reserve(-0.5, 0.5, PAD + xl.h, self.y_bus)
        order.append(xin)
        self.widths = {}
        for name, col in self.columns.items():
            order.append(col)
            if name.startswith("gate-"):
                self._reserve_gate(col, name[5:])
        for n in self.nodes:
            self._reserve_node(self.columns[n.column], n)
        right = Column("right")
        for st, lb in self.exit_labels.items():  # each state leaves by an arrow of its own
            y = self.y_exit[st]
            right.reserve(-EXIT, 4 + lb.w, y - lb.h / 2, y + lb.h / 2)
        order.append(right)
        for k, b in enumerate(order):
            b.x = max([a.x + _separation(a, b) for a in order[:k]] + [0.0])
        shift = 2 - min([r[0] for r in left.rects] + [0])
        self.X = {col.key: col.x + shift for col in order}
        self.width = self.X["right"] + max([r[1] for r in right.rects] + [0]) + 2

    def _reserve_gate(self, col: Column, short: str) -> None:
        gn = self.graph.gate(short)
        word = _sign(FUNCTIONS, gn.gate.activation)[0]
        w = max(28.0, s.measure(word, SYMBOL, tex=self.tex)[0] + 12) + (
            2 * INSIDE if gn.inside else 0)
        self.widths[short] = w
        col.reserve(-w / 2, w / 2, self.gate_bottom, self.gate_top)
        extra = self._extra(short)
        if extra:  # a peephole comes into the box from its left
            tw = s.measure(extra[0], NOTE + 0.5, italic=True, tex=self.tex)[0]
            col.reserve(-w / 2 - STUB - 3 - tw, -w / 2, self.y_gate - 6, self.y_gate + 6)
        col.reserve(-0.5, 0.5, self.y_bus, self.gate_bottom)
        lb = self.gate_labels.get(short)
        band = (self.gate_top + PAD, self.gate_top + PAD + (lb.h if lb else 0))
        if lb is not None and self._goes_right(short):
            col.reserve(-w / 2, -w / 2 + lb.w, *band)
        elif lb is not None:
            col.reserve(PAD, PAD + lb.w, *band)
        if not self._goes_right(short):
            col.reserve(-0.5, 0.5, self.gate_top, self._gate_reach(short))

    def _reserve_node(self, col: Column, n: Node) -> None:
        y = self.y_of(n)
        half, rad = self._half_width(n), self._radius(n)
        col.reserve(-half, half, y - rad, y + rad)
        if n.role == "inline":
            col.reserve(-0.5, 0.5, self.y_bus, y)
        if n.role == "fed" and n.above is not None:
            col.reserve(-0.5, 0.5, y, self.y_rail if isinstance(n.above, str) else
                        self.y_of(n.above))
        if n.user is not None and n.user.column == n.column:
            col.reserve(-0.5, 0.5, y, self.y_of(n.user))
        lb = n.label
        if lb is None:
            return
        if n.role == "rail" or (n.user is not None and n.user.column != n.column):
            col.reserve(half + PAD, half + PAD + lb.w, y + PAD, y + PAD + lb.h)  # on its right
        else:
            ya, yb = self._beside(n)
            col.reserve(PAD, PAD + lb.w, (ya + yb - lb.h) / 2, (ya + yb + lb.h) / 2)

    # -- drawing -------------------------------------------------------------------------

    def scene(self) -> s.Scene:
        self._labels()
        self._heights()
        self._columns()
        sc = s.Scene(self.width, self.height)
        self._draw_gates(sc)
        self._draw_inputs_to_boxes(sc)
        self._draw_operations(sc)
        self._draw_rail(sc)
        self._draw_sources(sc)
        self._draw_exits(sc)
        return sc

    def _draw_gates(self, sc: s.Scene) -> None:
        X, y_gate = self.X, self.y_gate
        for short, column in self.gate_col.items():
            x, w = X[column], self.widths[short]
            gn, q = self.graph.gate(short), self.step.get(short)
            sign = _sign(FUNCTIONS, gn.gate.activation)
            given = q is None or q.given  # a box that computed nothing here is dashed
            sc.add(s.Box(x, y_gate, w, BOX_H, dashed=given, fill="white" if given else s.FILL),
                   _centred(x, y_gate, sign, SYMBOL),
                   s.Wire([(x, self.y_bus), (x, self.gate_bottom)]))
            extra = self._extra(short)
            if extra:
                x0 = x - w / 2 - STUB
                sc.add(s.Wire([(x0, y_gate), (x - w / 2, y_gate)]),
                       s.Text(x0 - 3, y_gate - 0.33 * NOTE, extra[0], NOTE + 0.5, ha="right",
                              tex=extra[1], italic=True))
            lb = self.gate_labels.get(short)
            if lb is not None:
                x0 = x - w / 2 if self._goes_right(short) else x + PAD
                sc.add(*lb.draw(x0, self.gate_top + PAD + lb.h / 2))
            self._gate_wires(sc, short, x)

    def _draw_inputs_to_boxes(self, sc: s.Scene) -> None:
        """A gate whose output feeds another gate's box: through an operation on the box's
        input (r ⊙ h_{t-1}, reset before) or into the box through a × (reset after)."""
        X, y_gate, widths = self.X, self.y_gate, self.widths
        for short, n in self.inline.items():
            x, half = X[n.column], self._half_width(n)
            sc.add(s.Wire([(x, self.y_bus), (x, y_gate - half)]), s.Circle(x, y_gate, half),
                   _centred(x, y_gate, _sign(OPS, n.op.kind), SYMBOL))
            for a in n.op.leaves():
                if a in self.gate_col:
                    xa = X[self.gate_col[a]] + widths[a] / 2
                    sc.add(s.Wire([(xa, y_gate), (x - half, y_gate)]))
            sc.add(s.Wire([(x + half, y_gate),
                           (X[self.gate_col[short]] - widths[short] / 2, y_gate)]))
        for gn in self.graph.gates:
            if gn.inside in self.gate_col and gn.gate.short in self.gate_col:
                xa = X[self.gate_col[gn.inside]] + widths[gn.inside] / 2
                xb = X[self.gate_col[gn.gate.short]] - widths[gn.gate.short] / 2
                sc.add(s.Wire([(xa, y_gate), (xb - INSIDE, y_gate)]),
                       s.Circle(xb, y_gate, INSIDE, mark=True),
                       _centred(xb, y_gate, OPS["had"], NOTE))

    def _draw_operations(self, sc: s.Scene) -> None:
        X = self.X
        for n in self.nodes:
            if n.role == "inline":
                continue
            x, y, half = X[n.column], self.y_of(n), self._half_width(n)
            if n.op.kind in OPS:
                sc.add(s.Circle(x, y, half), _centred(x, y, _sign(OPS, n.op.kind), SYMBOL))
            else:
                sc.add(s.Ellipse(x, y, 2 * half, 2 * R),
                       _centred(x, y, self._word(n), NAME))
            for a in n.side:  # an operation's output coming in from the left
                if isinstance(a, Node):
                    xa = X[a.column] + self._half_width(a)
                    sc.add(s.Wire([(xa, y), (x - half, y)]))
                    if a.label is not None:
                        lb = a.label
                        x0 = max(xa + PAD, (xa + x - half) / 2 - lb.w / 2)
                        sc.add(*lb.draw(x0, y + PAD + lb.h / 2))
            up = n.user
            if up is not None and up.column == n.column and up.level > n.level:
                sc.add(s.Wire([(x, y + self._radius(n)), (x, self.y_of(up) - self._radius(up))]))
                if n.label is not None:
                    ya, yb = self._beside(n)
                    sc.add(*n.label.draw(x + PAD, (ya + yb) / 2))
            if n.role == "fed" and isinstance(n.above, str):  # reads the rail
                sc.add(s.Dot(x, self.y_rail), s.Wire([(x, self.y_rail), (x, y + R)]))
            elif n.role == "fed" and n.above is not None:
                ya = self.y_of(n.above)
                sc.add(s.Wire([(x, ya - R), (x, y + R)]))
                if n.above.label is not None:
                    lo, hi = self._beside(n.above)
                    sc.add(*n.above.label.draw(x + PAD, (lo + hi) / 2))

    def _draw_rail(self, sc: s.Scene) -> None:
        if not self.graph.rail:
            return
        y, X = self.y_rail, self.X
        xs = [X[n.column] for n in self.rail]
        sc.add(s.Wire([(X["left"], y), (xs[0] - R, y)]))
        for n, a, b in zip(self.rail, xs, xs[1:]):
            sc.add(s.Wire([(a + R, y), (b - R, y)]))
            if n.label is not None:
                lb = n.label
                sc.add(*lb.draw(max(a + R + PAD, (a + b) / 2 - lb.w / 2), y + PAD + lb.h / 2))
        sc.add(s.Wire([(xs[-1] + R, y), (X["right"], y)]))

    def _draw_sources(self, sc: s.Scene) -> None:
        """The previous states on the left, h_{t-1} along the bus, x_t from below."""
        X = self.X
        for leaf, where in self.sources:
            lb = self.source_labels[leaf]
            sc.add(*lb.draw(X["left"] - lb.w - 4, self._source_y(where)))
        fed = list(self.gate_col.values()) + [n.column for n in self.inline.values()]
        drop = "drop" in X
        sc.add(s.Wire([(X["drop"] if drop else X["left"], self.y_bus),
                       (max(X[c] for c in fed), self.y_bus)], arrow=False))
        if drop:
            sc.add(s.Dot(X["drop"], self.y_rail),
                   s.Wire([(X["drop"], self.y_rail), (X["drop"], self.y_bus)], arrow=False))
        xl = self.x_label
        sc.add(s.Dot(X["xin"], self.y_bus),
               s.Wire([(X["xin"], PAD + xl.h + 1), (X["xin"], self.y_bus)], arrow=False),
               *xl.draw(X["xin"] - xl.w / 2, PAD + xl.h / 2))

    def _draw_exits(self, sc: s.Scene) -> None:
        X = self.X
        for state, node in self.exits:
            ye = self.y_exit[state]
            if isinstance(node, Node):
                sc.add(s.Wire([(X[node.column] + self._half_width(node), ye), (X["right"], ye)]))
            else:  # a gate's output is the state (the RNN's h)
                x = X[self.gate_col[node]]
                sc.add(s.Wire([(x, self.gate_top), (x, ye), (X["right"], ye)]))
        for state, lb in self.exit_labels.items():
            sc.add(*lb.draw(X["right"] + 4, self.y_exit[state]))

    # -- helpers -------------------------------------------------------------------------

    def _is_exit(self, n: Node) -> bool:
        return any(node is n for _, node in self.exits)

    def _hangs_down(self, n: Node) -> bool:
        """An operation reading the rail whose result goes down (tanh of the cell state)."""
        return n.role == "fed" and n.user is not None and n.user.level < n.level

    def _goes_right(self, short: str) -> bool:
        """Does this gate's output go into the next box (r in a GRU), not up?"""
        users = [g for g in self.graph.gates if g.inside == short] + [
            g for g, node in self.inline.items() if short in node.op.leaves()]
        return bool(users) and short not in self.claimed and short not in self.taps

    def _gate_reach(self, short: str) -> float:
        """How high a gate's output wire goes."""
        ys = [self.y_level[n.level] for n in self.taps.get(short, [])]
        if short in self.claimed:
            ys.append(self.y_level[self.claimed[short].level])
        if any(state == short for state, _ in self.exits):
            ys.append(self.y_level[1])
        return max(ys + [self.y_level[0]])

    def _gate_wires(self, sc: s.Scene, short: str, x: float) -> None:
        """A gate's output: straight up to the operation above it, and into the side of
        the operations it also feeds (a dot where the wire splits)."""
        taps = sorted(self.taps.get(short, []), key=lambda t: t.level)
        up = self.claimed.get(short)
        if up is not None:
            sc.add(s.Wire([(x, self.gate_top), (x, self.y_of(up) - self._radius(up))]))
        for k, t in enumerate(taps):
            yt, xt = self.y_of(t), self.X[t.column] - self._half_width(t)
            last = k == len(taps) - 1
            if up is not None or not last:
                sc.add(s.Dot(x, yt))
            start = [(x, self.gate_top)] if up is None and last else []
            sc.add(s.Wire([*start, (x, yt), (xt, yt)]))

    def _half_width(self, n: Node) -> float:
        if n.op.kind in OPS:
            return max(R, s.measure(OPS[n.op.kind][0], SYMBOL, tex=self.tex)[0] / 2 + 3)
        word = self._word(n)[0]
        return max(R, s.measure(word, NAME, tex=self.tex)[0] / 2 + 5)

    def _extra(self, short: str) -> tuple[str, str] | None:
        """What a gate adds inside its sum besides the products (a peephole w_ci ⊙ c_{t-1}),
        as the SVG and as LaTeX write it; None when nothing."""
        gn = self.graph.gate(short)
        if not gn.extra:
            return None
        v = self.values
        weight = Name("w", "c" + self.dv.problem.symbol(short).removesuffix("_tilde"))

        def plain(leaf: str) -> str:
            from ..text import name

            return name(weight) if leaf == "PEEP" else v.plain(leaf)

        def tex(leaf: str) -> str:
            from ..documents.latex import name

            return name(weight) if leaf == "PEEP" else v.tex(leaf)

        return (" + ".join(describe(e, plain, PLAIN) for e in gn.extra),
                " + ".join(describe(e, tex, TEX) for e in gn.extra))

    def _word(self, n: Node) -> tuple[str, str]:
        """What an ellipse says: its function (tanh), or the matrix it multiplies by."""
        if n.op.kind == "mul":
            matrix = n.op.args[0]
            return self.values.plain(matrix), self.values.tex(matrix)
        return _sign(FUNCTIONS, n.op.kind)

    def _radius(self, n: Node) -> float:
        """Half the node's height."""
        return self._half_width(n) if n.op.kind in OPS else R

    def _beside(self, n: Node) -> tuple[float, float]:
        """The stretch of wire beside which an operation's label stands."""
        y = self.y_of(n)
        if self._hangs_down(n):  # just under the operation (another label may be below)
            return max(self.y_of(n.user) + R, y - R - n.label.h - 2 * PAD), y - R
        top = self.y_of(n.user) - R if n.user is not None else y + LEVEL
        return y + R, min(top, y + R + 2 * PAD + n.label.h)


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
             f"({_sign(FUNCTIONS, gn.gate.activation)[0]})"
             for gn in graph.gates]
    states = [name(v.name(f"{st}_prev"), step.t) for st in graph.cell.state]
    out = [name(v.name(st), step.t) for st in graph.cell.state]
    where = "" if len(p.units) == 1 else f" (layer {step.layer}, {step.direction})"
    return (f"The {p.cell.upper()} cell at t = {step.t}{where}, drawn from its equations: "
            f"{' and '.join(states)} come in on the left and {name(Name('x', '', 0), step.t)}"
            f" from below; the {', '.join(gates)}; {' and '.join(out)} leave on the right. "
            "Each wire is labelled with its value at this step.")
