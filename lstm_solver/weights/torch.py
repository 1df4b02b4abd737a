"""PyTorch in: ``nn.LSTM``, ``nn.GRU``, ``nn.RNN`` and their cells (or a state_dict of
their parameters) as problems.

PyTorch computes, per layer and direction (the formulas of its documentation),
W_ih x_t + b_ih + W_hh h_{t-1} + b_hh with the gates' blocks stacked as rows: LSTM
i, f, g, o; GRU r, z, n, where n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))
and h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}; RNN tanh or ReLU. In the problem file's
split layout (column orientation) a gate is therefore, in PyTorch's own names,
W_ih = its rows of ``weight_ih``, b_ih = of ``bias_ih``, W_hh = of ``weight_hh`` and
b_hh = of ``bias_hh`` (both biases are kept, as PyTorch adds both); a GRU is
``reset: after`` with ``z_multiplies: previous``. The numbers are the module's own
(a float32 weight written as its shortest decimal, 0.1 rather than 0.10000000149011612).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ProblemError
from . import (
    TORCH_ORDER,
    Network,
    UnitWeights,
    a_cell,
    cell_of,
    mapping,
    sequence,
    split_blocks,
    states,
)

MODULES = {"LSTM": "lstm", "LSTMCell": "lstm", "GRU": "gru", "GRUCell": "gru", "RNN": "rnn",
           "RNNCell": "rnn"}
KEY = re.compile(r"^(?P<prefix>.*?)(?P<kind>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
                 r"(?:_l(?P<layer>\d+))?(?P<reverse>_reverse)?$")
FILE = "Problem.from_torch"


def from_module(module: Any, x: Any, h0: Any = None, c0: Any = None, **keys: Any):
    """The problem of ``module`` reading the sequence ``x`` from the state ``h0``
    (and ``c0``), as PyTorch's own arguments (``h0`` of shape (layers × directions, H);
    a batch must hold one sequence). ``keys`` are other problem keys: title, decimals,
    ask, output_layer, ... A module in training mode with dropout between layers is
    solved as in ``eval()`` mode."""
    from ..extras import need
    from ..problem import parse_problem

    torch = need("torch", "Problem.from_torch")
    kind = _kind(module, torch)
    cell = MODULES[kind]
    activation = getattr(module, "nonlinearity", None)
    state = {name: _numpy(tensor) for name, tensor in module.state_dict().items()}
    net = network(state, FILE, cell, activation)
    describe = module.extra_repr()
    if activation not in (None, "tanh") and "nonlinearity" not in describe:
        describe += f", nonlinearity='{activation}'"
    net.title = f"PyTorch nn.{kind}({describe})"
    inputs = net.input_size
    xs = sequence(x, inputs, FILE, batch_first=getattr(module, "batch_first", False))
    initial = _initial(net, h0, c0)
    return parse_problem(mapping(net, xs, initial, keys), f"<nn.{kind}>")


def _initial(net: Network, h0: Any, c0: Any) -> dict[str, list]:
    units, H = len(net.units), net.hidden_size
    size = "the hidden size" if net.state_size == H else "the projection's size (proj_size)"
    initial = {"h": states(h0, units, net.state_size, "h0", FILE, size)}
    if net.cell == "lstm":
        initial["c"] = states(c0, units, H, "c0", FILE)
    elif c0 is not None:
        raise ProblemError(f"c0 is an LSTM's cell state; {a_cell(net.cell)} has only h0",
                           file=FILE, key="c0")
    return initial


def _kind(module: Any, torch) -> str:
    for cls in type(module).__mro__:
        if cls.__name__ in MODULES and cls.__module__.startswith("torch.nn"):
            return cls.__name__
    raise TypeError(f"Problem.from_torch takes an nn.LSTM, nn.GRU, nn.RNN or their Cell; "
                    f"found {type(module).__name__}")


def _numpy(tensor) -> np.ndarray:
    from ..plain import _as_numpy

    return _as_numpy(tensor)


def network(state: Mapping[str, np.ndarray], file: str, cell: str | None = None,
            activation: str | None = None, prefix: str | None = None) -> Network:
    """The network a state_dict describes (``weight_ih_l0``, ``bias_hh_l1_reverse``, or a
    cell's ``weight_ih``...; in a bigger model's state_dict, under one ``prefix``)."""
    groups: dict[str, dict[tuple, dict[str, tuple[str, np.ndarray]]]] = {}
    for name, array in state.items():
        m = KEY.match(name)
        if m:
            unit = (int(m["layer"]) if m["layer"] is not None else None, bool(m["reverse"]))
            groups.setdefault(m["prefix"], {}).setdefault(unit, {})[m["kind"]] = (name, array)
    if prefix is not None:
        wanted = prefix if not prefix or prefix.endswith(".") else prefix + "."
        if wanted not in groups:
            raise ProblemError(f"no recurrent weights under {prefix!r}; found: "
                               f"{_prefixes(groups)}", file=file, key="prefix")
        groups = {wanted: groups[wanted]}
    if not groups:
        raise ProblemError("holds no recurrent weights (weight_ih_l0, weight_hh_l0, ... or "
                           "a cell's weight_ih, weight_hh)", file=file)
    if len(groups) > 1:
        raise ProblemError(f"holds several recurrent networks ({_prefixes(groups)}): name one "
                           "(--prefix)", file=file)
    (where, units), = groups.items()
    layers = sorted({layer for layer, _ in units}, key=lambda k: -1 if k is None else k)
    if None in layers and len(layers) > 1:
        raise ProblemError("mixes a cell's weights (weight_ih) with a layer's "
                           "(weight_ih_l0)", file=file)
    if layers != [None] and layers != list(range(len(layers))):
        raise ProblemError(f"has layers {layers}: expected 0, 1, ... in order (a layer is "
                           "missing)", file=file)
    bidirectional = any(reverse for _, reverse in units)
    out: list[UnitWeights] = []
    found_cell = cell
    width = None  # what the layer below hands on
    for k, layer in enumerate(layers):
        for reverse in ((False, True) if bidirectional else (False,)):
            tensors = units.get((layer, reverse))
            suffix = ("" if layer is None else f"_l{layer}") + ("_reverse" if reverse else "")
            if tensors is None:
                raise ProblemError(f"misses {where}weight_ih{suffix} (the other direction "
                                   "is there)", file=file)
            for kind in ("weight_ih", "weight_hh"):
                if kind not in tensors:
                    raise ProblemError(f"misses {where}{kind}{suffix}", file=file)
            projection = _projection(tensors, file)
            if out and (projection is None) != (out[0].projection is None):
                raise ProblemError(f"has weight_hr in some layers only ({where}weight_hr"
                                   f"{suffix} {'is' if projection is not None else 'is not'} "
                                   "there; PyTorch projects every layer or none)", file=file)
            found_cell, gates = _unit(tensors, file, found_cell, width, projection)
            out.append(UnitWeights(k + 1, "backward" if reverse else "forward", gates,
                                   projection))
        P = next(iter(out[-1].gates.values()))["W_hh"].shape[1]  # h_t's size: H, or P
        width = P * (2 if bidirectional else 1)
    cell = found_cell
    options: dict[str, str] = {}
    if cell == "gru":
        options = {"reset": "after", "z_multiplies": "previous"}
    elif cell == "rnn":
        options = {"activation": activation or "tanh"}
    elif activation not in (None, "tanh"):
        raise ProblemError(f"a nonlinearity ({activation}) applies to a plain RNN only; this "
                           f"is an {cell.upper()}", file=file, key="activation")
    return Network(cell, "column", out, options)


def _projection(tensors: dict[str, tuple[str, np.ndarray]], file: str) -> np.ndarray | None:
    """An LSTM's weight_hr (proj_size P × hidden size H), checked against weight_hh."""
    if "weight_hr" not in tensors:
        return None
    (name, W_hr), (hh_name, W_hh) = tensors["weight_hr"], tensors["weight_hh"]
    if W_hr.ndim != 2 or W_hh.ndim != 2 or not W_hr.size:
        raise ProblemError(f"expected a matrix, found shape {W_hr.shape}", file=file, key=name)
    P, H = W_hr.shape
    if W_hh.shape != (4 * H, P):
        raise ProblemError(f"is {P}×{H} (proj_size × hidden size), so {hh_name} should be "
                           f"{4 * H}×{P} (an LSTM's four blocks); found {W_hh.shape[0]}×"
                           f"{W_hh.shape[1]}", file=file, key=name)
    return W_hr


def _unit(tensors: dict[str, tuple[str, np.ndarray]], file: str, cell: str | None,
          width: int | None, projection: np.ndarray | None = None
          ) -> tuple[str, dict[str, dict[str, np.ndarray]]]:
    """One layer-direction's cell and gates: W, U, b, b_h cut from PyTorch's stacked
    tensors (with a projection, weight_hh reads h_t's P entries: its blocks are H × P)."""
    (hh_name, W_hh), (ih_name, W_ih) = tensors["weight_hh"], tensors["weight_ih"]
    if W_hh.ndim != 2 or W_ih.ndim != 2:
        raise ProblemError(f"expected a matrix, found shape {W_hh.shape}", file=file,
                           key=hh_name if W_hh.ndim != 2 else ih_name)
    H = W_hh.shape[1] if projection is None else projection.shape[1]
    if H == 0 or W_hh.shape[0] % H:
        raise ProblemError(f"is {W_hh.shape[0]}×{H}: its rows should be a whole number of "
                           f"blocks of the hidden size {H}", file=file, key=hh_name)
    cell = cell_of(W_hh.shape[0] // H, H, hh_name, file, cell)
    order = TORCH_ORDER[cell]
    if W_ih.shape[0] != W_hh.shape[0]:
        raise ProblemError(f"has {W_ih.shape[0]} rows but {hh_name} has {W_hh.shape[0]}",
                           file=file, key=ih_name)
    if width is not None and W_ih.shape[1] != width:
        raise ProblemError(f"reads {W_ih.shape[1]} inputs, but the layer below hands on "
                           f"{width}", file=file, key=ih_name)
    # PyTorch's own names (naming.py's W_ih/W_hh), in the order its documentation writes
    params = {"W_ih": split_blocks(W_ih, order, 0), "W_hh": split_blocks(W_hh, order, 0)}
    biases = [k for k in ("bias_ih", "bias_hh") if k in tensors]
    if len(biases) == 1:
        name = tensors[biases[0]][0]
        other = "bias_hh" if biases[0] == "bias_ih" else "bias_ih"
        raise ProblemError(f"has no {name.replace(biases[0], other)} to go with it (PyTorch "
                           "keeps both biases or neither)", file=file, key=name)
    for kind, key in (("bias_ih", "b_ih"), ("bias_hh", "b_hh")):
        if kind in tensors:
            name, bias = tensors[kind]
            if bias.shape != (W_hh.shape[0],):
                raise ProblemError(f"has shape {bias.shape}, expected ({W_hh.shape[0]},)",
                                   file=file, key=name)
            params[key] = split_blocks(bias, order, 0)
    return cell, {gate: {key: blocks[gate] for key, blocks in params.items()} for gate in order}


def _prefixes(groups: dict) -> str:
    return ", ".join(repr(p.rstrip(".")) if p else "(no prefix)" for p in groups)
