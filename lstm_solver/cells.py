"""The cells as data: their gates, carried state and update equations.

Adding a cell is adding a definition here. Equations are written in a small
notation that :mod:`lstm_solver.equations` turns into sympy: ``had(a, b)`` is
a⊙b, ``add(...)`` a sum, ``sub(1, z)`` is 1 − z, activations are called by
name (``tanh(c)``), and ``h_prev`` is h_{t-1}. A gate's pre-activation is
W·h_{t-1} + U·x_t + b (+ b_h) in the problem's layout, unless the gate says
otherwise: ``recurrent`` replaces h_{t-1} (GRU, reset before: r⊙h_{t-1}),
``input`` replaces x_t, and
``form`` gives the whole pre-activation in terms of REC (the W·h_{t-1}
product), INP (the U·x_t product), B and BH (the biases).
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

    @property
    def quantities(self) -> tuple[str, ...]:
        """Canonical short names in the order a person computes them."""
        return tuple(g.short for g in self.gates) + tuple(u.short for u in self.updates)

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


def lstm() -> Cell:
    return Cell(
        name="lstm",
        gates=(
            Gate("input", "i", (), "sigmoid", "write"),
            Gate("forget", "f", (), "sigmoid", "keep"),
            Gate("candidate", "g", ("c_tilde", "a"), "tanh", "candidate"),
            Gate("output", "o", (), "sigmoid", "expose"),
        ),
        updates=(
            Update("c", "add(had(f, c_prev), had(i, g))", "cell"),
            Update("h", "had(o, tanh(c))", "hidden"),
        ),
        state=("h", "c"),
        state_aliases={"c": ("C", "s", "p")},
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

    def __call__(self, **chosen: str) -> Cell:
        return self.define(**chosen)


CELLS: dict[str, CellType] = {
    "lstm": CellType(lstm),
    "gru": CellType(gru, {"z_multiplies": ("previous", "candidate"),
                          "reset": ("before", "after")}),
    "rnn": CellType(rnn, {"activation": ("tanh", "sigmoid", "relu")}),
}
