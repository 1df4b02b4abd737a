"""Weights in: PyTorch modules and state_dicts, Keras layers and weight files, as
problems (``Problem.from_torch``, ``Problem.from_keras``, ``lstm-solve import``).

Each library has its module (``torch.py``, ``keras.py``; ``files.py`` reads the
files); this one assembles the problem mapping they share: a network of units (a
layer in a direction), each a gate -> {W, U, b, b_h} mapping, read by the problem
reader like any problem file. Neither torch nor keras is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ProblemError

# the gates in the order a library stacks their blocks
TORCH_ORDER = {"lstm": ("input", "forget", "candidate", "output"),  # i, f, g, o
               "gru": ("reset", "update", "candidate"),  # r, z, n
               "rnn": ("hidden",)}
KERAS_ORDER = {"lstm": ("input", "forget", "candidate", "output"),  # i, f, c, o
               "gru": ("update", "reset", "candidate"),  # z, r, h
               "rnn": ("hidden",)}
CELL_OF_BLOCKS = {4: "lstm", 3: "gru", 1: "rnn"}


@dataclass
class UnitWeights:
    """One layer in one direction: its gates' parameters as arrays, keyed as the problem
    file names them (PyTorch's W_ih, W_hh, b_ih, b_hh or d2l's W_x, W_h, b, b_h)."""

    layer: int  # 1-based
    direction: str  # "forward" | "backward"
    gates: dict[str, dict[str, np.ndarray]]
    projection: np.ndarray | None = None  # PyTorch's weight_hr (P × H): h_t = W_hr (o ⊙ tanh c)


@dataclass
class Network:
    """What a problem needs from a library's network, apart from its inputs."""

    cell: str
    orientation: str  # "column" (PyTorch: W·v) | "row" (Keras: v·W)
    units: list[UnitWeights]
    options: dict[str, str] = field(default_factory=dict)
    output_layer: dict[str, Any] | None = None  # {V, c, activation}
    title: str | None = None
    reverse_inputs: bool = False  # Keras go_backwards: the layer reads x from the last step

    @property
    def layers(self) -> int:
        return max(u.layer for u in self.units)

    @property
    def directions(self) -> int:
        return 2 if any(u.direction == "backward" for u in self.units) else 1

    def _weights(self, unit: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(the matrix on x_t, the one on h_{t-1}) of a unit's first gate."""
        gate = next(iter(self.units[unit].gates.values()))
        if "W_ih" in gate:  # PyTorch's names, (out, in)
            return gate["W_ih"].T, gate["W_hh"].T
        return gate["W_x"], gate["W_h"]  # d2l's names, (in, out)

    @property
    def hidden_size(self) -> int:
        return self._weights()[1].shape[1]

    @property
    def input_size(self) -> int:
        return self._weights()[0].shape[0]

    @property
    def state_size(self) -> int:
        """The size of h_t: the projection's P (PyTorch's proj_size), else H."""
        projection = self.units[0].projection
        return self.hidden_size if projection is None else projection.shape[0]


def cell_of(blocks: int, hidden: int, where: str, file: str, cell: str | None) -> str:
    """The cell a stack of ``blocks`` gate blocks is; checked against ``cell`` if given."""
    found = CELL_OF_BLOCKS.get(blocks)
    if found is None:
        raise ProblemError(f"holds {blocks} blocks of {hidden} rows: expected 4 (LSTM), 3 "
                           "(GRU) or 1 (RNN)", file=file, key=where)
    if cell is not None and cell != found:
        raise ProblemError(f"holds {blocks} gate blocks of the hidden size {hidden}, so it "
                           f"is {a_cell(found)}, not {a_cell(cell)} (--cell {cell})",
                           file=file, key=where)
    return found


def a_cell(cell: str) -> str:
    return ("an " if cell in ("lstm", "rnn") else "a ") + cell.upper()


def split_blocks(array: np.ndarray, order: tuple[str, ...], axis: int) -> dict[str, np.ndarray]:
    """A library's stacked matrix (or bias) cut into one block per gate."""
    parts = np.split(array, len(order), axis=axis)
    return dict(zip(order, parts, strict=True))


def sequence(x: Any, inputs: int, file: str, batch_first: bool = False) -> np.ndarray:
    """The inputs as (steps, X): a vector is one step, a matrix a step a row; a batch
    must hold one sequence (its axis 0 with ``batch_first``, as Keras; else axis 1)."""
    array = as_array(x, "x", file)
    if array.ndim == 1:
        array = array[None]
    elif array.ndim == 3:
        axis = 0 if batch_first else 1
        if array.shape[axis] != 1:
            index = "0" if axis == 0 else ":, 0"
            raise ProblemError(f"holds a batch of {array.shape[axis]} sequences (shape "
                               f"{tuple(array.shape)}); a problem has one: give x[{index}]",
                               file=file, key="x")
        array = np.take(array, 0, axis=axis)
    elif array.ndim != 2:
        raise ProblemError(f"expected (steps, inputs), found shape {tuple(array.shape)}",
                           file=file, key="x")
    if array.shape[1] != inputs or not len(array):
        raise ProblemError(f"has {array.shape[1]} inputs per step (shape "
                           f"{tuple(array.shape)}) but the network reads {inputs}",
                           file=file, key="x")
    return array


def states(value: Any, units: int, hidden: int, what: str, file: str,
           size: str = "the hidden size") -> list[np.ndarray | None]:
    """An initial state per unit: (H,), (units, H) or (units, 1, H), as PyTorch's h0
    (layer by layer, forward before backward); None gives zeros."""
    if value is None:
        return [None] * units
    array = as_array(value, what, file)
    if array.ndim == 3 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim == 1:
        array = array[None]
    if array.shape != (units, hidden):
        each = "" if units == 1 else f", one per layer and direction ({units})"
        raise ProblemError(f"expected {units} state{'s' if units > 1 else ''} of {size} "
                           f"{hidden}{each}; found shape {tuple(array.shape)}",
                           file=file, key=what)
    return list(array)


def as_array(value: Any, what: str, file: str) -> np.ndarray:
    """A numpy array of a tensor, an array or nested lists (keeping float32 as float32)."""
    from ..plain import _as_numpy

    array = _as_numpy(value)
    if array is None:
        try:
            array = np.asarray(value)
        except (TypeError, ValueError):
            array = np.asarray(None)
    if array.dtype.kind not in "fiu" or array.size == 0:
        raise ProblemError(f"expected numbers, found {type(value).__name__}"
                           + (f" of {array.dtype}" if array.dtype.kind != "O" else ""),
                           file=file, key=what)
    if not np.isfinite(array).all():
        raise ProblemError("holds NaN or infinity", file=file, key=what)
    return array


def mapping(net: Network, xs: Any, initial: dict[str, list], keys: dict) -> dict:
    """The problem mapping: the network's units in the file's shape, the inputs, and any
    other problem keys the caller gives (title, decimals, ask, ...)."""
    data: dict[str, Any] = {"cell": net.cell, **net.options}
    if net.title:
        data["title"] = net.title
    if net.orientation != "column":
        data["orientation"] = net.orientation

    def block(k: int, unit: UnitWeights) -> dict:
        out: dict[str, Any] = {"gates": unit.gates}
        if unit.projection is not None:
            out["projection"] = {"W": unit.projection}
        start = {s: values[k] for s, values in initial.items() if values[k] is not None}
        if start:
            out["initial"] = start
        return out

    blocks = [block(k, u) for k, u in enumerate(net.units)]
    if net.layers == 1 and net.directions == 1:
        data.update(blocks[0])
    elif net.layers == 1:
        data.update(bidirectional=True, forward=blocks[0], backward=blocks[1])
    elif net.directions == 1:
        data["layers"] = blocks
    else:
        data["bidirectional"] = True
        data["layers"] = [{"forward": blocks[k], "backward": blocks[k + 1]}
                          for k in range(0, len(blocks), 2)]
    if isinstance(xs, np.ndarray):  # (steps, X), checked; else as written (the reader checks)
        data["x"] = xs[::-1] if net.reverse_inputs else xs
        if len(xs) == 1:
            data["x"] = data["x"][0]
    else:
        data["x"] = xs
    if net.output_layer:
        data["output_layer"] = net.output_layer
    data.update(keys)
    return data
