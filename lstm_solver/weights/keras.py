"""Keras 3 in: ``LSTM``, ``GRU`` and ``SimpleRNN`` layers (a ``Bidirectional`` one, or a
``Sequential`` stack of them with a ``Dense`` on top) as problems.

Keras computes with row vectors, x_t·kernel + h_{t-1}·recurrent_kernel + bias, each
matrix shaped (in, out) with the gates' blocks side by side as columns: LSTM i, f, c, o;
GRU z, r, h; so a problem from Keras has ``orientation: row`` and, per gate, in d2l's
names, W_x = its columns of ``kernel``, W_h = of ``recurrent_kernel``, b = of ``bias``.
A GRU computes h_t = z ⊙ h_{t-1} + (1 − z) ⊙ ĥ (``z_multiplies: previous``); with
``reset_after=True`` (the default) its bias is (2, 3·units), the input bias (b) and the
recurrent one (b_h, inside r ⊙ (h·W_h + b_h)): ``reset: after``; with
``reset_after=False`` one bias and ``reset: before``. The layer's own objects are read
(``get_config``, ``get_weights``), so Keras's backend does not matter and keras itself is
not imported here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ProblemError
from . import (
    KERAS_ORDER,
    Network,
    UnitWeights,
    a_cell,
    cell_of,
    mapping,
    sequence,
    split_blocks,
    states,
)

CELLS = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn"}
SKIPPED = ("InputLayer", "Dropout")  # nothing at inference
DENSE_ACTIVATIONS = {"softmax": "softmax", "sigmoid": "sigmoid", "tanh": "tanh",
                     "linear": "identity", None: "identity"}
FILE = "Problem.from_keras"


def from_layer(layer: Any, x: Any, h0: Any = None, c0: Any = None, **keys: Any):
    """The problem of ``layer`` reading ``x`` (steps, inputs) (or a batch of one, (1, steps,
    inputs)) from the state ``h0`` (and ``c0``): (H,), or (layers × directions, H) for a
    stack, as PyTorch orders them. ``keys`` are other problem keys (title, decimals...)."""
    from ..problem import parse_problem

    recurrent, dense = _layers(layer)
    units: list[UnitWeights] = []
    cells, names = [], []
    reverse = False
    for k, item in enumerate(recurrent, start=1):
        if _name(item) == "Bidirectional":
            if item.merge_mode != "concat":
                raise ProblemError(f"merge_mode={item.merge_mode!r}: a bidirectional problem "
                                   "hands on [h→; h←] (merge_mode='concat')", file=FILE,
                                   key=item.name)
            pair = (("forward", item.forward_layer), ("backward", item.backward_layer))
            names.append(f"Bidirectional({_describe(item.forward_layer)})")
        else:
            pair = (("forward", item),)
            names.append(_describe(item))
            if item.get_config().get("go_backwards"):
                if len(recurrent) > 1:
                    raise ProblemError("go_backwards in a stack: only a single layer (or "
                                       "Bidirectional) reads backwards here", file=FILE,
                                       key=item.name)
                reverse = True
        for direction, one in pair:
            cell, options, gates = _unit(one)
            cells.append((cell, options, one.name))
            units.append(UnitWeights(k, direction, gates))
    if len({_name(item) == "Bidirectional" for item in recurrent}) > 1:
        raise ProblemError("mixes Bidirectional and one-directional layers: a problem's "
                           "layers are all one or the other", file=FILE, key=layer.name)
    cell, options, _ = cells[0]
    for other, other_options, name in cells[1:]:
        if (other, other_options) != (cell, options):
            raise ProblemError(f"is a {other.upper()} {other_options or ''} but the first layer "
                               f"is a {cell.upper()} {options or ''}: a problem has one cell",
                               file=FILE, key=name)
    net = Network(cell, "row", units, options, reverse_inputs=reverse)
    if dense is not None:
        net.output_layer = _dense(dense)
        names.append(f"Dense({dense.get_config()['units']}, {net.output_layer['activation']})")
    net.title = "Keras " + " → ".join(names) + (" (x read from the last step: go_backwards)"
                                               if reverse else "")
    inputs = net.input_size
    xs = sequence(x, inputs, FILE, batch_first=True)
    H = net.hidden_size
    initial = {"h": states(h0, len(units), H, "h0", FILE)}
    if cell == "lstm":
        initial["c"] = states(c0, len(units), H, "c0", FILE)
    elif c0 is not None:
        raise ProblemError(f"c0 is an LSTM's cell state; {a_cell(cell)} has only h0",
                           file=FILE, key="c0")
    return parse_problem(mapping(net, xs, initial, keys), f"<keras {names[0]}>")


def _name(layer: Any) -> str:
    for cls in type(layer).__mro__:
        if cls.__module__.startswith("keras"):
            return cls.__name__
    return type(layer).__name__


def _layers(layer: Any) -> tuple[list, Any]:
    """The recurrent layers (bottom first) and the Dense on top (or None)."""
    kind = _name(layer)
    if kind in CELLS or kind == "Bidirectional":
        return [layer], None
    if not hasattr(layer, "layers") or not type(layer).__module__.startswith("keras"):
        raise TypeError("Problem.from_keras takes a Keras LSTM, GRU or SimpleRNN layer, a "
                        f"Bidirectional one, or a Sequential model of them; found {kind}")
    recurrent, dense = [], None
    for item in layer.layers:
        name = _name(item)
        if name in SKIPPED:
            continue
        if dense is not None:
            raise ProblemError(f"{name} after the Dense layer: the Dense must be the last",
                               file=FILE, key=item.name)
        if name in CELLS or name == "Bidirectional":
            recurrent.append(item)
        elif name == "Dense" and recurrent:
            dense = item
        else:
            raise ProblemError(f"a {name} layer is not part of a problem (LSTM, GRU, "
                               "SimpleRNN, Bidirectional, then one Dense)", file=FILE,
                               key=item.name)
    if not recurrent:
        raise ProblemError("holds no LSTM, GRU or SimpleRNN layer", file=FILE, key=layer.name)
    return recurrent, dense


def _describe(layer: Any) -> str:
    cfg = layer.get_config()
    extra = ""
    if _name(layer) == "GRU" and not cfg.get("reset_after", True):
        extra += ", reset_after=False"
    if cfg.get("activation") not in (None, "tanh"):
        extra += f", activation='{cfg['activation']}'"
    if not cfg.get("use_bias", True):
        extra += ", use_bias=False"
    return f"{_name(layer)}({cfg['units']}{extra})"


def _unit(layer: Any) -> tuple[str, dict[str, str], dict]:
    """One layer's (one direction's) cell, options and gates."""
    kind = _name(layer)
    cfg = layer.get_config()
    weights = layer.get_weights()
    if not weights:
        raise ProblemError("has no weights yet: call it once (layer(x)) or build it",
                           file=FILE, key=layer.name)
    cell = CELLS[kind]
    activation = _activation(cfg.get("activation"))
    recurrent_activation = _activation(cfg.get("recurrent_activation", "sigmoid"))
    if cell != "rnn" and (activation, recurrent_activation) != ("tanh", "sigmoid"):
        raise ProblemError(f"activation={activation!r}, recurrent_activation="
                           f"{recurrent_activation!r}: the problem format's {cell.upper()} uses "
                           "tanh and sigmoid", file=FILE, key=layer.name)
    options: dict[str, str] = {}
    if cell == "gru":
        options = {"reset": "after" if cfg.get("reset_after", True) else "before",
                   "z_multiplies": "previous"}
    elif cell == "rnn":
        if activation not in ("tanh", "sigmoid", "relu"):
            raise ProblemError(f"activation={activation!r}: a plain RNN here is tanh, "
                               "sigmoid or relu", file=FILE, key=layer.name)
        options = {"activation": activation}
    names = [f"{layer.name}.{n}" for n in ("kernel", "recurrent_kernel", "bias")]
    kernel, recurrent = weights[0], weights[1]
    bias = weights[2] if len(weights) > 2 else None
    return cell, options, gates(kernel, recurrent, bias, names, FILE, cell)


def _activation(value: Any) -> str | None:
    if isinstance(value, dict):  # a serialized function
        value = value.get("config", value).get("name", value.get("class_name"))
    return None if value is None else str(value)


def _dense(layer: Any) -> dict[str, Any]:
    cfg = layer.get_config()
    activation = _activation(cfg.get("activation"))
    if activation not in DENSE_ACTIVATIONS:
        raise ProblemError(f"activation={activation!r}: an output layer here is softmax, "
                           "sigmoid, tanh or linear", file=FILE, key=layer.name)
    weights = layer.get_weights()
    out: dict[str, Any] = {"V": weights[0], "activation": DENSE_ACTIVATIONS[activation]}
    if len(weights) > 1:
        out["c"] = weights[1]
    return out


def gates(kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray | None,
          names: list[str], file: str, cell: str | None = None
          ) -> dict[str, dict[str, np.ndarray]]:
    """One unit's gates cut from Keras's kernel (in, n·units), recurrent kernel
    (units, n·units) and bias ((n·units,), or (2, 3·units) for a GRU with reset_after)."""
    k_name, r_name, b_name = names
    for name, m in ((k_name, kernel), (r_name, recurrent)):
        if m.ndim != 2:
            raise ProblemError(f"expected a matrix, found shape {m.shape}", file=file, key=name)
    H = recurrent.shape[0]
    if H == 0 or recurrent.shape[1] % H:
        raise ProblemError(f"is {recurrent.shape[0]}×{recurrent.shape[1]}: its columns "
                           f"should be a whole number of blocks of the units ({H})",
                           file=file, key=r_name)
    cell = cell_of(recurrent.shape[1] // H, H, r_name, file, cell)
    order = KERAS_ORDER[cell]
    if kernel.shape[1] != recurrent.shape[1]:
        raise ProblemError(f"has {kernel.shape[1]} columns but {r_name} has "
                           f"{recurrent.shape[1]}", file=file, key=k_name)
    # d2l's names (naming.py's W_x/W_h): x·W_x + h·W_h + b, as Keras computes
    params = {"W_x": split_blocks(kernel, order, 1), "W_h": split_blocks(recurrent, order, 1)}
    if bias is not None:
        width = recurrent.shape[1]
        if bias.shape == (2, width) and cell == "gru":
            params["b"] = split_blocks(bias[0], order, 0)
            params["b_h"] = split_blocks(bias[1], order, 0)
        elif bias.shape == (width,):
            params["b"] = split_blocks(bias, order, 0)
        else:
            want = f"({width},)" + (f" or (2, {width})" if cell == "gru" else "")
            raise ProblemError(f"has shape {bias.shape}, expected {want}", file=file,
                               key=b_name)
    return {gate: {key: blocks[gate] for key, blocks in params.items()} for gate in order}
