"""``task: count_parameters``: the trainable weights of a network, matrix by matrix.

Each gate has W (H×H, multiplying h_{t-1}), U (H×X, multiplying x_t) and, with
bias, b (and, with ``bias: double``, PyTorch's second bias b_h); with
``convention: W_x`` the letters W and U change places (naming.py). Layer k > 1
reads layer k−1's output (H, or 2H when bidirectional). An embedding
(vocab × dim) and an output layer V (out × H, and its bias c) are counted too.

The LSTM variants count as their libraries count them: a coupled cell has no
input-gate parameters; peepholes add a diagonal weight (H) per gate that has one;
a projection (PyTorch's proj_size P) adds W_hr (P × H), and h_{t-1} then has P
entries (the matrices on it are H × P, the next layer reads P). A learned initial
state (``initial_state: learned``, as Flux) adds h_0 (H, or P) and, for an LSTM, c_0 (H)
per layer and direction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .cells import CELLS
from .naming import naming_for
from .problem import CountProblem
from .solution import CountSolution

ROLES = {"W": "h_(t-1)", "U": "x_t"}  # what the matrix in each slot multiplies

GROUP_FROM = 3  # layers: deeper networks count layers 2 to L as one group


@dataclass(frozen=True)
class Item:
    name: str
    shape: tuple[int, ...]
    unit: str = ""  # "layer 2, backward", or "" for a one-layer, one-direction network
    role: str = ""  # what it multiplies, for the reader
    times: int = 1  # identical matrices counted together (layers 2 to L of a deep network)

    @property
    def count(self) -> int:
        n = self.times
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
    cell = CELLS[problem.cell](problem.lstm, **problem.options)
    H, n_gates = problem.hidden_size, len(cell.gates)
    P = problem.proj_size or H  # the size of h_t
    directions = ("forward", "backward") if problem.bidirectional else ("forward",)
    items: list[Item] = []
    terms: list[str] = []
    if problem.embedding_vocab:
        items.append(Item("E", (problem.embedding_vocab, problem.input_size),
                          role="embedding, one row per word"))
        terms.append(f"{problem.embedding_vocab}×{problem.input_size}")
    biases = {"true": ("b",), "false": (), "double": ("b", "b_h")}[problem.bias]
    naming = naming_for("W/U", problem.convention)
    present = ("W", "U", *biases)
    learned = 0
    times_gates = f"×{n_gates}" if n_gates > 1 else ""
    # layers 2 to L are alike: beyond GROUP_FROM layers they are counted together, so that
    # a 1,000-layer network is a table of a few rows, not of 24,000
    grouped = problem.layers > GROUP_FROM
    for layer in range(1, (2 if grouped else problem.layers) + 1):
        X = problem.input_size if layer == 1 else P * len(directions)
        together = grouped and layer == 2
        times = (problem.layers - 1) * len(directions) if together else 1
        for direction in directions if not together else ("",):
            unit = ", ".join(p for p in (
                f"layer {layer}" if problem.layers > 1 and not together else "",
                f"layers 2–{problem.layers}, each ({times:,}×)" if together else "",
                direction if problem.bidirectional and not together else "") if p)
            for gate in cell.gates:
                for slot in naming.slot_order:
                    if slot in ("W", "U"):
                        items.append(Item(naming.param(slot, gate.short, None, present).label,
                                          (H, P) if slot == "W" else (H, X), unit,
                                          f"{gate.name}: {ROLES[slot]}", times))
                for b in biases:
                    items.append(Item(naming.param(b, gate.short, None, present).label, (H,),
                                      unit, f"{gate.name}: bias", times))
            unit_terms = [f"{H}×{X}{times_gates}", f"{H}×{P}{times_gates}"]
            if biases:
                unit_terms.append(f"{H}{times_gates}" + ("×2" if len(biases) == 2 else ""))
            peep = problem.lstm.peephole
            for g in peep:
                items.append(Item(f"w_c{g}", (H,), unit,
                                  f"{cell.gate(g).name}: peephole (diagonal, on c)", times))
            if peep:
                unit_terms.append(f"{H}×{len(peep)}" if len(peep) > 1 else f"{H}")
            if problem.proj_size:
                items.append(Item("W_hr", (P, H), unit, "projection: h_t = W_hr (o_t ⊙ tanh c_t)",
                                  times))
                unit_terms.append(f"{P}×{H}")
            if problem.initial_state == "learned":
                states = [("h_0", P)] + [("c_0", H)] * (cell.name == "lstm")
                for name, n in states:
                    items.append(Item(name, (n,), unit, "initial state (learned)", times))
                    unit_terms.append(f"{n}")
                    learned += n * times
            terms += [f"({' + '.join(unit_terms)})×{times}"] if together else unit_terms
    if problem.output_size:
        n_in = P * len(directions)
        items.append(Item("V", (problem.output_size, n_in), role="output layer"))
        terms.append(f"{problem.output_size}×{n_in}")
        if problem.bias != "false":
            items.append(Item("c", (problem.output_size,), role="output layer: bias"))
            terms.append(f"{problem.output_size}")
    derivation = CountDerivation(problem, items, " + ".join(terms))
    derivation.notes.extend(_other_libraries(problem, cell.name, n_gates, derivation.total,
                                             learned))
    return derivation


def _other_libraries(problem: CountProblem, cell: str, n_gates: int, total: int,
                     learned: int = 0) -> list[str]:
    """What PyTorch, Keras, TensorFlow or Flux would report, where that differs, and why;
    and which of them have the LSTM variants counted."""
    units = problem.layers * (2 if problem.bidirectional else 1)
    per_bias = units * n_gates * problem.hidden_size  # one bias vector per gate, everywhere
    v = problem.lstm
    module = {"lstm": "nn.LSTM", "gru": "nn.GRU", "rnn": "nn.RNN"}[cell]
    if problem.proj_size:
        module = f"nn.LSTM(proj_size={problem.proj_size})"
    keras = {"lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN"}[cell]
    lacks = [w for w, used in (("peepholes", v.peephole), ("coupled gates", v.coupled)) if used]
    no_state = f", and has no learned initial state ({learned:,} fewer)" if learned else ""
    notes = []
    if lacks:
        notes.append(f"PyTorch's nn.LSTM has no {' or '.join(lacks)}: TensorFlow has them.")
    elif problem.bias == "true":
        notes.append(f"PyTorch ({module} with bias=True) would report "
                     f"{total + per_bias - learned:,}: it keeps two bias vectors per gate "
                     f"(bias_ih and bias_hh), {per_bias:,} more{no_state}.")
        if cell == "gru":
            notes.append(f"Keras (GRU with reset_after=True, its default) would report "
                         f"{total + per_bias - learned:,}: it adds a second bias for the "
                         f"recurrent part{no_state}.")
    elif learned:
        notes.append(f"PyTorch ({module}) would report {total - learned:,}: it has no learned "
                     f"initial state.")
    if problem.bias == "double" and not (lacks or problem.proj_size):
        notes.append(f"Keras ({keras}) would report {total - per_bias - learned:,}"
                     + (" with reset_after=False" if cell == "gru" else "")
                     + f": it keeps one bias vector per gate, {per_bias:,} fewer{no_state}.")
    if cell == "lstm" and (lacks or problem.proj_size):
        tf = ("tf.contrib.rnn.CoupledInputForgetGateLSTMCell" if v.coupled
              else "tf.compat.v1.nn.rnn_cell.LSTMCell")
        args = ", ".join(a for a, used in (("use_peepholes=True", v.peephole),
                                           (f"num_proj={problem.proj_size}", problem.proj_size))
                         if used)
        one_bias = total - (per_bias if problem.bias == "double" else 0) - learned
        if problem.bias != "false" and (not v.peephole or set(v.peephole) == (
                {"f", "o"} if v.coupled else {"i", "f", "o"})):
            notes.append(f"TensorFlow ({tf}({args})) would report {one_bias:,}: one bias per "
                         f"gate" + (", and no learned initial state" if learned else "") + "."
                         + ("" if not problem.proj_size else " Keras has no projection LSTM."))
    if learned:
        notes.append(f"Flux counts the learned initial state too ({learned:,} of the "
                     f"{total:,}): its GRU(3 => 5), for one, reports 135 + 5 = 140.")
    return notes
