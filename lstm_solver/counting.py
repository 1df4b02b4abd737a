"""``task: count_parameters``: the trainable weights of a network, matrix by matrix.

Each gate has W (H×H, multiplying h_{t-1}), U (H×X, multiplying x_t) and, with
bias, b (and, with ``bias: double``, PyTorch's second bias b_h); with
``convention: W_x`` the letters W and U change places (naming.py). Layer k > 1
reads layer k−1's output (H, or 2H when bidirectional). An embedding
(vocab × dim) and an output layer V (out × H, and its bias c) are counted too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .cells import CELLS
from .naming import naming_for
from .problem import CountProblem
from .solution import CountSolution

ROLES = {"W": "h_(t-1)", "U": "x_t"}  # what the matrix in each slot multiplies


@dataclass(frozen=True)
class Item:
    name: str
    shape: tuple[int, ...]
    unit: str = ""  # "layer 2, backward", or "" for a one-layer, one-direction network
    role: str = ""  # what it multiplies, for the reader

    @property
    def count(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


@dataclass(frozen=True, repr=False)
class CountDerivation(CountSolution):
    problem: CountProblem
    items: list[Item]
    formula: str  # as the notes write it: 20×10×4 + 20×20×4 + 100×20
    notes: list[str] = field(default_factory=list)  # what PyTorch or Keras would report

    @property
    def total(self) -> int:
        return sum(item.count for item in self.items)


def count(problem: CountProblem) -> CountDerivation:
    cell = CELLS[problem.cell](**problem.options)
    H, n_gates = problem.hidden_size, len(cell.gates)
    directions = ("forward", "backward") if problem.bidirectional else ("forward",)
    items: list[Item] = []
    terms: list[str] = []
    if problem.embedding_vocab:
        items.append(Item("E", (problem.embedding_vocab, problem.input_size),
                          role="embedding, one row per word"))
        terms.append(f"{problem.embedding_vocab}×{problem.input_size}")
    biases = {"true": ("b",), "false": (), "double": ("b", "b_h")}[problem.bias]
    naming = naming_for("W/U", problem.convention)
    for layer in range(1, problem.layers + 1):
        X = problem.input_size if layer == 1 else H * len(directions)
        for direction in directions:
            unit = ", ".join(p for p in (
                f"layer {layer}" if problem.layers > 1 else "",
                direction if problem.bidirectional else "") if p)
            for gate in cell.gates:
                for slot in naming.slot_order:
                    if slot in ("W", "U"):
                        items.append(Item(naming.param(slot, gate.short, None).label,
                                          (H, H) if slot == "W" else (H, X), unit,
                                          f"{gate.name}: {ROLES[slot]}"))
                for b in biases:
                    items.append(Item(naming.param(b, gate.short, None).label, (H,), unit,
                                      f"{gate.name}: bias"))
            times_gates = f"×{n_gates}" if n_gates > 1 else ""
            terms.append(f"{H}×{X}{times_gates}")
            terms.append(f"{H}×{H}{times_gates}")
            if biases:
                terms.append(f"{H}{times_gates}" + ("×2" if len(biases) == 2 else ""))
    if problem.output_size:
        n_in = H * len(directions)
        items.append(Item("V", (problem.output_size, n_in), role="output layer"))
        terms.append(f"{problem.output_size}×{n_in}")
        if problem.bias != "false":
            items.append(Item("c", (problem.output_size,), role="output layer: bias"))
            terms.append(f"{problem.output_size}")
    derivation = CountDerivation(problem, items, " + ".join(terms))
    derivation.notes.extend(_other_libraries(problem, cell.name, n_gates, derivation.total))
    return derivation


def _other_libraries(problem: CountProblem, cell: str, n_gates: int, total: int) -> list[str]:
    """Where PyTorch's or Keras's own count would differ, and why."""
    units = problem.layers * (2 if problem.bidirectional else 1)
    per_bias = units * n_gates * problem.hidden_size  # one bias vector per gate, everywhere
    module = {"lstm": "nn.LSTM", "gru": "nn.GRU", "rnn": "nn.RNN"}[cell]
    keras = {"lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN"}[cell]
    notes = []
    if problem.bias == "true":
        notes.append(f"PyTorch ({module} with bias=True) would report {total + per_bias:,}: it "
                     f"keeps two bias vectors per gate (bias_ih and bias_hh), {per_bias:,} "
                     "more.")
        if cell == "gru":
            notes.append(f"Keras (GRU with reset_after=True, its default) would report "
                         f"{total + per_bias:,} too: it adds a second bias for the recurrent "
                         "part.")
    elif problem.bias == "double":
        notes.append(f"Keras ({keras}) would report {total - per_bias:,}"
                     + (" with reset_after=False" if cell == "gru" else "")
                     + f": it keeps one bias vector per gate, {per_bias:,} fewer.")
    return notes
