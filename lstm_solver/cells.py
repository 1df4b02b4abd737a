"""The cells as data: their gates, carried state and update equations.

Adding a cell is adding a definition here. Equations are written in a small
notation that :mod:`lstm_solver.equations` turns into sympy: ``had(a, b)`` is
a⊙b, ``add(...)`` a sum, ``sub(1, z)`` is 1 − z, activations are called by
name (``tanh(c)``), and ``h_prev`` is h_{t-1}. A gate's pre-activation is
W·h_{t-1} + U·x_t + b (+ b_h) in the problem's layout, unless the gate says
otherwise: ``recurrent`` replaces h_{t-1} (GRU, reset before: r⊙h_{t-1}),
``input`` replaces x_t, and
``form`` gives the whole pre-activation in terms of REC (the W·h_{t-1}
product), INP (the U·x_t product), B and BH (the biases), and ``extra`` adds
terms to it: PEEP is the gate's peephole vector (``had(PEEP, c_prev)``), FB
TensorFlow's forget bias. ``mul(W_hr, v)`` is a product with the projection
matrix (W_hr·v, or v·W_hr in row orientation).
The LSTM's variants (:class:`LstmVariant`) are changes to these equations only.
This module imports nothing heavy, so that validating a file stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Gate:
    """A gate: an affine map of the inputs through an activation."""

    name: str  # canonical, as in the problem file
    short: str  # canonical short name, used in JSON
    aliases: tuple[str, ...]
    activation: str
    note: str  # which plain-language line describes it (see render/notes.py)
    recurrent: str | None = None
    input: str | None = None
    form: str | None = None
    extra: tuple[str, ...] = ()  # terms added after W·h_{t-1} + U·x_t, before the biases
    last: tuple[str, ...] = ()  # terms added after the biases (TensorFlow's forget bias)


@dataclass(frozen=True)
class Update:
    """A quantity computed from others without parameters (c_t, h_t)."""

    short: str
    equation: str
    note: str


@dataclass(frozen=True)
class Cell:
    name: str
    gates: tuple[Gate, ...]
    updates: tuple[Update, ...]
    state: tuple[str, ...]  # carried from step to step
    state_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    order: tuple[str, ...] = ()  # when the gates are not all computed first (peepholes)

    @property
    def quantities(self) -> tuple[str, ...]:
        """Canonical short names in the order a person computes them."""
        return self.order or (tuple(g.short for g in self.gates)
                              + tuple(u.short for u in self.updates))

    def gate(self, key: str) -> Gate | None:
        """The gate called ``key`` (canonical name, short name or alias)."""
        for gate in self.gates:
            if key in (gate.name, gate.short, *gate.aliases):
                return gate
        return None

    def quantity(self, key: str) -> str | None:
        """The canonical short name for ``key``: a gate, or a state and its aliases."""
        gate = self.gate(key)
        if gate:
            return gate.short
        for short in self.quantities:
            if key == short or key in self.state_aliases.get(short, ()):
                return short
        return None

    def names(self) -> list[str]:
        """Every name a problem file may use for a quantity."""
        out = []
        for gate in self.gates:
            out += [gate.name, gate.short, *gate.aliases]
        for update in self.updates:
            out += [update.short, *self.state_aliases.get(update.short, ())]
        return out


@dataclass(frozen=True)
class LstmVariant:
    """The LSTM variants a problem asks for; their parameters are in the units.

    - ``forget_bias`` (TensorFlow): a number added to f_t's pre-activation, as its own term;
    - ``coupled`` (Greff et al. 2015; TF's CoupledInputForgetGateLSTMCell): i_t = 1 − f_t,
      so the input gate has no parameters;
    - ``peephole`` (Gers & Schmidhuber 2000; TF's use_peepholes): the gates (i, f, o) that
      see the cell state through a diagonal weight, i and f c_{t-1}, o c_t;
    - ``projection`` (Sak et al. 2014; PyTorch's proj_size, TF's num_proj):
      h_t = W_hr (o_t ⊙ tanh(c_t)), of size P, which is the h carried.
    """

    forget_bias: object = None  # the number (exact), or None
    coupled: bool = False
    peephole: tuple[str, ...] = ()
    projection: bool = False

    def __bool__(self) -> bool:
        return self != LstmVariant()


PEEPHOLE_GATES = ("i", "f", "o")


def lstm(variant: LstmVariant | None = None) -> Cell:
    v = variant or LstmVariant()

    def peep(short: str, state: str) -> tuple[str, ...]:
        return (f"had(PEEP, {state})",) if short in v.peephole else ()

    input_gate = Gate("input", "i", (), "sigmoid", "write", extra=peep("i", "c_prev"))
    gates = (() if v.coupled else (input_gate,)) + (
        Gate("forget", "f", (), "sigmoid", "keep", extra=peep("f", "c_prev"),
             last=("FB",) if v.forget_bias is not None else ()),
        Gate("candidate", "g", ("c_tilde", "a", "j"), "tanh", "candidate"),
        Gate("output", "o", (), "sigmoid", "expose", extra=peep("o", "c")),
    )
    out = "had(o, tanh(c))"
    updates = ((Update("i", "sub(1, f)", "write"),) if v.coupled else ()) + (
        Update("c", "add(had(f, c_prev), had(i, g))", "cell"),
        Update("h", f"mul(W_hr, {out})" if v.projection else out, "hidden"),
    )
    order = ("f", "i") if v.coupled else ("i", "f")
    order += ("g", "c", "o", "h") if "o" in v.peephole else ("g", "o", "c", "h")
    return Cell(
        name="lstm",
        gates=gates,
        updates=updates,
        state=("h", "c"),
        state_aliases={"c": ("C", "s", "p"), **({"i": ("input",)} if v.coupled else {})},
        order=order if v else (),
    )


def gru(z_multiplies: str = "previous", reset: str = "before") -> Cell:
    """Cho et al. 2014 (z multiplies h_{t-1}) or Chung et al. 2014 (z multiplies the
    candidate); the reset gate applied before W (r⊙h_{t-1}) or after it, as PyTorch."""
    candidate = Gate(
        "candidate", "g", ("h_tilde", "n"), "tanh", "candidate",
        recurrent="had(r, h_prev)" if reset == "before" else None,
        form="add(had(r, add(REC, BH)), INP, B)" if reset == "after" else None,
    )
    new_h = {"previous": "add(had(z, h_prev), had(sub(1, z), g))",
             "candidate": "add(had(sub(1, z), h_prev), had(z, g))"}[z_multiplies]
    return Cell(
        name="gru",
        gates=(
            Gate("reset", "r", (), "sigmoid", "reset"),
            Gate("update", "z", ("u",), "sigmoid", f"update_{z_multiplies}"),
            candidate,
        ),
        updates=(Update("h", new_h, "hidden"),),
        state=("h",),
    )


def rnn(activation: str = "tanh") -> Cell:
    return Cell(
        name="rnn",
        gates=(Gate("hidden", "h", (), activation, "rnn"),),
        updates=(),
        state=("h",),
    )


@dataclass(frozen=True)
class CellType:
    """A cell a problem file can name, with its options (the first choice is the default)."""

    define: Callable[..., Cell]
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)

    variants: bool = False  # takes an LstmVariant

    def __call__(self, variant: LstmVariant | None = None, **chosen: str) -> Cell:
        return self.define(variant, **chosen) if self.variants else self.define(**chosen)


CELLS: dict[str, CellType] = {
    "lstm": CellType(lstm, variants=True),
    "gru": CellType(gru, {"z_multiplies": ("previous", "candidate"),
                          "reset": ("before", "after")}),
    "rnn": CellType(rnn, {"activation": ("tanh", "sigmoid", "relu")}),
}
