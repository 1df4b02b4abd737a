"""The worked solution as data: a tree of steps per quantity, per time step.

It knows nothing of how it is printed; each renderer walks it. Every node
holds its operands and its result (``value``, a float64 vector); ``exact``
holds sympy values element by element when exact values were asked for and
stay short (fractions, σ(1353/100)), else None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .solution import ForwardSolution

if TYPE_CHECKING:
    from .equations import Equation, Name
    from .problem import Problem


ARROWS = {"forward": "→", "backward": "←"}  # h→ and h← name the two directions' states


@dataclass(eq=False)
class Node:
    value: np.ndarray
    exact: tuple | None


@dataclass(eq=False)
class Leaf(Node):
    """A named value: a parameter, an input, a state or an earlier result."""

    name: Name
    from_file: bool = False  # written in the problem (so whole numbers are shown bare)
    transposed: bool = False  # Wᵀ (its value is already the transpose): backward products


@dataclass(eq=False)
class Product(Node):
    """A matrix-vector product, W·v (or v·W when ``row``), expanded row by row."""

    matrix: Leaf
    vector: Node
    row: bool = False


@dataclass(eq=False)
class Sum(Node):
    terms: tuple[Node, ...]
    signs: tuple[int, ...] = ()  # +1 / -1 per term; empty means all +

    def sign(self, k: int) -> int:
        return self.signs[k] if self.signs else 1


@dataclass(eq=False)
class Hadamard(Node):
    """The element-wise product a ⊙ b."""

    left: Node
    right: Node


@dataclass(eq=False)
class Activation(Node):
    """σ, tanh, ReLU (element by element) or softmax, applied to ``arg``; or "round": the
    rounding a question asks before a value is carried (``round: [h]``), to ``digits``."""

    function: str
    arg: Node
    digits: int | None = None  # "round" only


@dataclass(eq=False)
class Stack(Node):
    """The stacked vector [h_{t-1}; x_t] (or with a 1 for a bias column)."""

    parts: tuple[Node, ...]


@dataclass(eq=False)
class Lookup(Node):
    """An embedding lookup: x_t = Eᵀ·w_t selects a row (or column) of E."""

    matrix: Leaf
    onehot: Leaf
    index: int | None  # 0-based word index when w_t is one-hot
    layout: str  # "rows" | "columns"


# --- the backward pass (BPTT): the few nodes gradients need beyond the forward ones ---


@dataclass(eq=False)
class Derivative(Node):
    """An activation's derivative written with its output y (``of``): σ' = y(1 − y),
    tanh' = 1 − y², ReLU' = [y > 0], element by element. ``of`` is the named output
    (oₜ) or the activation itself (tanh(cₜ))."""

    function: str
    of: Node


@dataclass(eq=False)
class Outer(Node):
    """The outer product left·rightᵀ (rightᵀ·left... written vᵀδ in row orientation): one
    step's share of a weight gradient, a matrix."""

    left: Node
    right: Node
    row: bool = False


@dataclass(eq=False)
class StepSum(Node):
    """Σₜ over the steps: a parameter's gradient gathered from every step."""

    terms: tuple[Node, ...]
    steps: tuple[int, ...]  # t of each term


@dataclass(eq=False)
class Part(Node):
    """Entries ``start`` to ``stop`` (0-based, stop excluded) of a vector: the h_{t-1} (or
    x_t) part of Wᵀδ when W multiplies a stacked vector."""

    arg: Node
    start: int
    stop: int


@dataclass(eq=False)
class Scale(Node):
    """A number times a vector or matrix: 2(ŷ − y), (2/N)(ŷ − y), the clipping scale."""

    factor: float
    label: str  # the factor as written ("2", "2/6", "0.4263")
    arg: Node


@dataclass(eq=False)
class SoftmaxGrad(Node):
    """Back through a softmax: y ⊙ (g − (g · y)), g = ∂L/∂y."""

    out: Node
    grad: Node


@dataclass(eq=False)
class Loss(Node):
    """The loss over the counted steps (its value has one entry)."""

    kind: str  # half_squared_error | squared_error | mean_squared_error | cross_entropy
    predictions: tuple[Node, ...]
    targets: tuple[Node, ...]
    steps: tuple[int, ...]
    classes: tuple[int | None, ...] = ()
    count: int = 1  # mean_squared_error: how many numbers are averaged


@dataclass(eq=False)
class Norm(Node):
    """The global L2 norm √(Σ ‖g‖²) over every parameter gradient (its value has one entry)."""

    terms: tuple[Node, ...]


@dataclass(eq=False)
class Clip(Node):
    """The clipping scale min(1, max_norm / ‖g‖)."""

    norm: Node
    max_norm: float
    label: str  # max_norm as written


@dataclass(eq=False)
class Update(Node):
    """One SGD step θ − λ·s·g (s the clipping scale, left out when 1)."""

    param: Leaf
    rate: float
    rate_label: str
    grad: Leaf
    scale: float = 1.0
    scale_label: str = ""


def as_written(node: Node) -> list[bool]:
    """Per element: was it written in the problem file (not computed)?"""
    if isinstance(node, Leaf):
        return [node.from_file] * len(node.value)
    if isinstance(node, Stack):
        return [b for part in node.parts for b in as_written(part)]
    if isinstance(node, Lookup):
        return [node.index is not None and node.matrix.from_file] * len(node.value)
    if isinstance(node, Activation) and node.function == "round" and node.digits == 0:
        return [True] * len(node.value)  # rounded to whole numbers: written bare, as by hand
    return [False] * len(node.value)


def children(node: Node) -> list[Node]:
    """The operands of a forward node, in reading order (none for a leaf)."""
    if isinstance(node, Product):
        return [node.matrix, node.vector]
    if isinstance(node, Sum):
        return list(node.terms)
    if isinstance(node, Hadamard):
        return [node.left, node.right]
    if isinstance(node, Activation):
        return [node.arg]
    if isinstance(node, Stack):
        return list(node.parts)
    if isinstance(node, Lookup):
        return [node.matrix, node.onehot]
    return []


def leaves(node: Node) -> list[Leaf]:
    """The named values in a tree (parameters, inputs, states), each once, in reading
    order; the constant 1 of 1 − z is left out."""
    out: dict[tuple, Leaf] = {}

    def walk(n: Node) -> None:
        if isinstance(n, Leaf):
            out.setdefault((n.name.base, n.name.sub, n.name.dt), n)
            return
        for child in (getattr(n, f, None) for f in ("matrix", "vector", "arg", "left",
                                                    "right", "onehot")):
            if isinstance(child, Node):
                walk(child)
        for child in getattr(n, "terms", ()) or getattr(n, "parts", ()):
            walk(child)

    walk(node)
    return [leaf for leaf in out.values() if leaf.name.base != "1"]


@dataclass(eq=False)
class Quantity:
    """One computed (or given) quantity at one time step."""

    short: str  # canonical short name: i f g o c h, x, y
    name: Name
    value: np.ndarray
    exact: tuple | None = None
    tree: Node | None = None  # None when the problem gave the value
    equation: Equation | None = None
    given: bool = False
    finite: bool = True  # False: ∞ or NaN (an overflow) met on the way; notes.non_finite says why

    @property
    def pre_activation(self) -> np.ndarray | None:
        tree = self.tree
        if isinstance(tree, Activation) and tree.function == "round":  # round: [h]
            tree = tree.arg
        return tree.arg.value if isinstance(tree, Activation) else None


@dataclass(eq=False)
class Step:
    """One time step of one layer in one direction ("both": a bidirectional output)."""

    t: int
    x: np.ndarray | None
    quantities: list[Quantity] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # short -> why it cannot be computed
    layer: int = 1
    direction: str = "forward"
    previous: dict[str, np.ndarray] = field(default_factory=dict)  # the state read: h, c

    def get(self, short: str) -> Quantity | None:
        return next((q for q in self.quantities if q.short == short), None)



@dataclass(eq=False)
class ParamGradient:
    """A parameter's gradient (Σₜ of its steps' shares) and, when asked, its update."""

    where: tuple  # as the problem file writes it: ("input", "W"), ("output_layer", "V"),
    #               ("embedding",); with layers ("layers", 0, "input", "W"), ("forward", ...)
    gradient: Quantity
    update: Quantity | None = None
    value: np.ndarray | None = None  # the parameter itself
    layer: int = 1
    direction: str = "forward"  # "both": the output layer on a bidirectional network


@dataclass(frozen=True)
class Flow:
    """At one step: ‖∂L/∂hₜ‖ (‖∂L/∂cₜ‖), and the norm of the part that came back from
    step t+1 (None at the last step)."""

    t: int
    dh: float
    dc: float | None = None
    dh_back: float | None = None
    dc_back: float | None = None
    layer: int = 1
    direction: str = "forward"


@dataclass(eq=False)
class Backward:
    """The backward pass through time: the loss, each step's gradients (from the last step
    back), the initial state's, every parameter's, their norm, clipping and the update."""

    loss: Quantity | None
    steps: list[Step]  # quantities: gradient Quantities ("dh", "dc", "d.o", "δ.o", ...)
    initial: list[Step]  # ∂L/∂h₀ (and c₀), a Step per layer and direction
    gradients: list[ParamGradient]
    norm: Quantity | None = None
    clip: Quantity | None = None  # the scale
    max_norm: float | None = None
    learning_rate: float | None = None
    flow: list[Flow] = field(default_factory=list)  # how ‖∂L/∂hₜ‖ changes going back


@dataclass(eq=False, repr=False)
class Derivation(ForwardSolution):
    """The worked solution; ``values``, ``to_json()``, ``to_latex()``... and the notebook
    display come from :class:`~lstm_solver.solution.ForwardSolution`."""

    problem: Problem
    steps: list[Step]  # layer by layer; in each, forward steps then backward steps
    exact: bool = False
    outputs: list[Step] = field(default_factory=list)  # bidirectional: [h_fwd; h_bwd], y
    rows: list[Derivation] = field(default_factory=list)  # a batch's rows 2, 3, ... (issue 17)
    backward: Backward | None = None  # with a loss (or upstream): the gradients

    @property
    def rounding(self):
        return self.problem.rounding
