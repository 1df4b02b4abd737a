"""Weight files in (``lstm-solve import``): a PyTorch state_dict (``.pt``/``.pth``), numpy
arrays (``.npz``, with PyTorch's or Keras's names) or Keras weights (``.weights.h5``).

A ``.pt`` file is read with ``torch.load(..., weights_only=True)``: tensors and plain
containers only, so that a pickle never runs code. A ``.npz`` is read without pickles.
The inputs and initial states stay as written (the problem reader checks them), so
that 0.1 typed on the command line is 0.1 in the problem.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ProblemError
from . import Network, UnitWeights, a_cell, mapping
from . import keras as keras_weights
from . import torch as torch_weights

SUFFIXES = (".pt", ".pth", ".npz", ".h5")
KERAS_KEY = re.compile(r"^(?P<prefix>.*?)(?P<kind>recurrent_kernel|kernel|bias)$")


def import_problem(path: str | Path, x: Any, *, cell: str | None = None, h0: Any = None,
                   c0: Any = None, prefix: str | None = None, layers: tuple[str, ...] = (),
                   activation: str | None = None, reset: str | None = None,
                   output_layer: str | None = None, output_activation: str = "softmax",
                   **keys: Any):
    """The problem of the network whose weights ``path`` holds, reading ``x``.

    ``x``, ``h0`` and ``c0`` are plain data (as a problem file writes them; ``h0`` one
    vector per layer and direction for a stack). ``prefix`` picks one network in a
    bigger model's state_dict (``lstm`` for ``lstm.weight_ih_l0``); ``layers`` names
    the Keras layers (bottom first) in a ``.weights.h5`` holding several; ``activation``
    is a plain RNN's (not stored in the weights; default tanh); ``reset`` a Keras GRU's
    without bias (``after``, Keras's default). ``output_layer`` names the linear (Dense)
    layer on top, with ``output_activation``.
    """
    from ..problem import parse_problem

    path = Path(path)
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ProblemError(f"expected a weights file ({', '.join(SUFFIXES)}; Keras: "
                           "name.weights.h5)", file=file)
    if not path.is_file():
        raise ProblemError("no such file" if not path.exists() else "is not a file", file=file)
    if activation is not None and cell not in (None, "rnn"):
        raise ProblemError(f"--activation applies to a plain RNN (--cell rnn), not {cell}",
                           file=file)
    if suffix in (".pt", ".pth"):
        net = _torch_network(_read_pt(path), file, cell, activation, prefix, output_layer)
    elif suffix == ".npz":
        arrays = _read_npz(path)
        if any(torch_weights.KEY.match(k) for k in arrays):
            net = _torch_network(arrays, file, cell, activation, prefix, output_layer)
        elif any(KERAS_KEY.match(k) for k in arrays):
            net = _keras_npz(arrays, file, cell, activation, reset, prefix, layers,
                             output_layer)
        else:
            raise ProblemError(f"holds {_names(arrays)}: expected PyTorch's names "
                               "(weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0) or "
                               "Keras's (kernel, recurrent_kernel, bias)", file=file)
    else:
        net = _keras_h5(path, file, cell, activation, reset, layers, output_layer)
    if net.output_layer is not None:
        net.output_layer["activation"] = output_activation
    units = len(net.units)
    initial = {"h": _per_unit(h0, units, "--h0", file)}
    if net.cell == "lstm":
        initial["c"] = _per_unit(c0, units, "--c0", file)
    elif c0 is not None:
        raise ProblemError(f"--c0 is an LSTM's cell state; {a_cell(net.cell)} has only h0",
                           file=file)
    net.title = net.title or f"Weights from {path.name}"
    return parse_problem(mapping(net, x, initial, keys), file)


def _per_unit(value: Any, units: int, what: str, file: str) -> list:
    """A state given once (one layer-direction) or as one vector per unit."""
    if value is None:
        return [None] * units
    if units == 1:
        return [value]
    if isinstance(value, list) and len(value) == units and all(
            isinstance(v, (list, str)) for v in value):
        return list(value)
    raise ProblemError(f"the network has {units} layers and directions in all: give a list "
                       f"of {units} vectors (layer by layer, forward before backward, as "
                       "PyTorch's h0)", file=file, key=what)


# --- PyTorch ----------------------------------------------------------------------------


def _read_pt(path: Path) -> dict[str, np.ndarray]:
    """A state_dict (or a checkpoint holding one) as arrays, read without running code."""
    import pickle

    from ..extras import need

    torch = need("torch", "reading a .pt file")
    try:
        with warnings.catch_warnings():  # torch's remarks on a file's pickle protocol
            warnings.simplefilter("ignore")
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
        what = f" ({found.group(1)})" if found else ""
        raise ProblemError(f"holds Python objects{what}, not only weights; torch.load with "
                           "weights_only=True does not run them. Save the weights with "
                           "torch.save(model.state_dict(), path)", file=str(path)) from None
    except Exception as exc:  # whatever a damaged file makes torch's reader raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ProblemError(f"cannot be read as PyTorch weights ({first[:200]})",
                           file=str(path)) from None
    state: dict[str, np.ndarray] = {}
    _tensors(obj, "", state, torch)
    if not state:
        raise ProblemError("holds no tensors: save the weights with "
                           "torch.save(model.state_dict(), path)", file=str(path))
    return state


def _tensors(obj: Any, prefix: str, out: dict, torch, depth: int = 0) -> None:
    """Every tensor in nested dicts (a checkpoint's "model_state_dict", ...), dotted."""
    if depth > 20:
        return
    if isinstance(obj, torch.Tensor):
        from ..plain import _as_numpy

        out[prefix.rstrip(".")] = _as_numpy(obj)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _tensors(value, f"{prefix}{key}.", out, torch, depth + 1)


def _torch_network(state: dict[str, np.ndarray], file: str, cell: str | None,
                   activation: str | None, prefix: str | None,
                   output_layer: str | None) -> Network:
    net = torch_weights.network(state, file, cell, activation, prefix)
    if output_layer is not None:
        weight, bias = _find(state, output_layer, ("weight", "bias"), file)
        net.output_layer = {"V": weight, **({"c": bias} if bias is not None else {})}
    return net


def _find(arrays: dict, name: str, kinds: tuple[str, str], file: str):
    """The (weight, bias) of a linear layer called ``name`` (bias may be absent)."""
    for sep in (".", "/", "_", ""):
        found = [arrays.get(f"{name}{sep}{kind}") for kind in kinds]
        if found[0] is not None:
            if found[0].ndim != 2:
                raise ProblemError(f"expected a matrix, found shape {found[0].shape}",
                                   file=file, key=f"{name}{sep}{kinds[0]}")
            return found[0], found[1]
    raise ProblemError(f"no output layer {name!r} ({name}.{kinds[0]}); the file holds "
                       f"{_names(arrays)}", file=file, key="--output-layer")


# --- numpy ------------------------------------------------------------------------------


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except Exception as exc:  # a damaged zip, a pickle refused, ...
        raise ProblemError(f"cannot be read as numpy arrays ({str(exc)[:200]})",
                           file=str(path)) from None
    for name, array in arrays.items():
        if array.dtype.kind not in "fiu":
            raise ProblemError(f"holds {array.dtype}, not numbers", file=str(path), key=name)
    return arrays


def _keras_npz(arrays: dict, file: str, cell: str | None, activation: str | None,
               reset: str | None, prefix: str | None, layers: tuple[str, ...],
               output_layer: str | None) -> Network:
    groups: dict[str, dict[str, np.ndarray]] = {}
    for name, array in arrays.items():
        m = KERAS_KEY.match(name)
        if m:
            groups.setdefault(m["prefix"], {})[m["kind"]] = array
    groups = {p: g for p, g in groups.items() if "recurrent_kernel" in g}
    order = list(layers) or ([prefix] if prefix is not None else list(groups))
    found = []
    for name in order:
        group = groups.get(name) or groups.get(name + "/") or groups.get(name + ".") or \
            groups.get(name + "_")
        if group is None:
            raise ProblemError(f"no layer {name!r} (kernel, recurrent_kernel, bias); found "
                               f"{', '.join(repr(p) for p in groups) or 'none'}", file=file)
        found.append((name, {"forward": group}))
    if len(found) > 1 and not layers:
        raise ProblemError(f"holds several layers ({', '.join(repr(n) for n, _ in found)}): "
                           "name them bottom first (--layer NAME, repeated)", file=file)
    net = _keras_units(found, file, cell, activation, reset)
    if output_layer is not None:
        kernel, bias = _find(arrays, output_layer, ("kernel", "bias"), file)
        net.output_layer = {"V": kernel, **({"c": bias} if bias is not None else {})}
    return net


# --- Keras .weights.h5 -------------------------------------------------------------------


def _keras_h5(path: Path, file: str, cell: str | None, activation: str | None,
              reset: str | None, layers: tuple[str, ...], output_layer: str | None
              ) -> Network:
    """Keras 3's weights file: layers/<name>/cell/vars/{0,1,2} (kernel, recurrent kernel,
    bias), layers/<name>/{forward_layer,backward_layer}/cell/vars for Bidirectional and
    layers/<name>/vars/{0,1} for a Dense."""
    from ..extras import need

    h5py = need("h5py", "reading a Keras .weights.h5 file")
    try:
        f = h5py.File(path, "r")
    except Exception as exc:  # not HDF5, or damaged
        raise ProblemError(f"cannot be read as HDF5 ({str(exc)[:200]})", file=file) from None
    with f:
        recurrent: dict[str, dict[str, dict[str, np.ndarray]]] = {}
        dense: dict[str, list[np.ndarray]] = {}
        aliases: dict[str, str] = {}  # the layer's own name -> its group's name

        def visit(name: str, obj) -> None:
            parts = name.split("/")
            if not isinstance(obj, h5py.Group) or parts[-1] != "vars":
                return
            arrays = [np.asarray(obj[k]) for k in sorted(obj, key=_index) if k.isdigit()]
            if len(parts) >= 3 and parts[-2] == "cell":
                owner = parts[-3]
                if owner in ("forward_layer", "backward_layer") and len(parts) >= 4:
                    layer = parts[-4]
                    direction = owner.removesuffix("_layer")
                else:
                    layer, direction = owner, "forward"
                recurrent.setdefault(layer, {})[direction] = dict(zip(
                    ("kernel", "recurrent_kernel", "bias"), arrays))
            elif len(parts) >= 2:
                own = obj.attrs.get("name")
                if isinstance(own, bytes):
                    own = own.decode("utf-8", "replace")
                if isinstance(own, str) and own != parts[-2]:
                    aliases.setdefault(own, parts[-2])
                if arrays and len(arrays) <= 2 and parts[-2] not in ("forward_layer",
                                                                     "backward_layer"):
                    dense[parts[-2]] = arrays

        f.visititems(visit)
    for name in list(dense):
        if name in recurrent:
            del dense[name]
    layers = tuple(aliases.get(name, name) for name in layers)
    output_layer = aliases.get(output_layer, output_layer) if output_layer else None
    if not recurrent:
        raise ProblemError("holds no recurrent layer (layers/NAME/cell/vars): is it a Keras 3 "
                           ".weights.h5 of an LSTM, GRU or SimpleRNN?", file=file)
    names = list(layers) or list(recurrent)
    known = {group: own for own, group in aliases.items()}

    def shown(group: str) -> str:
        return repr(group) + (f" ({known[group]!r})" if group in known else "")

    for name in names:
        if name not in recurrent:
            raise ProblemError(f"no recurrent layer {name!r}; found "
                               f"{', '.join(shown(n) for n in recurrent)}", file=file,
                               key="--layer")
    if len(names) > 1 and not layers:
        raise ProblemError(f"holds several recurrent layers ({', '.join(map(shown, names))}): "
                           "name them bottom first (--layer NAME, repeated)", file=file)
    net = _keras_units([(n, recurrent[n]) for n in names], file, cell, activation, reset)
    if output_layer is not None:
        if output_layer not in dense or dense[output_layer][0].ndim != 2:
            raise ProblemError(f"no Dense layer {output_layer!r}; found "
                               f"{', '.join(shown(n) for n in dense) or 'none'}", file=file,
                               key="--output-layer")
        kernel, *bias = dense[output_layer]
        net.output_layer = {"V": kernel, **({"c": bias[0]} if bias else {})}
    return net


def _index(key: str) -> int:
    return int(key) if key.isdigit() else -1


def _keras_units(layers: list[tuple[str, dict]], file: str, cell: str | None,
                 activation: str | None, reset: str | None) -> Network:
    """Units from Keras arrays, layer by layer; the options from the arrays' shapes."""
    units: list[UnitWeights] = []
    options: dict[str, str] | None = None
    for k, (name, directions) in enumerate(layers, start=1):
        if "backward" in directions and "forward" not in directions:
            raise ProblemError("has a backward layer without its forward one", file=file,
                               key=name)
        for direction in ("forward", "backward"):
            arrays = directions.get(direction)
            if arrays is None:
                continue
            where = name if direction == "forward" and len(directions) == 1 else \
                f"{name}/{direction}_layer"
            if "kernel" not in arrays or "recurrent_kernel" not in arrays:
                raise ProblemError("misses its kernel or recurrent kernel", file=file, key=where)
            gates = keras_weights.gates(arrays["kernel"], arrays["recurrent_kernel"],
                                        arrays.get("bias"), [f"{where}/{n}" for n in (
                                            "kernel", "recurrent_kernel", "bias")], file, cell)
            cell = {4: "lstm", 3: "gru", 1: "rnn"}[len(gates)]
            mine = _keras_options(cell, arrays.get("bias"), activation, reset, file)
            if options is not None and mine != options:
                raise ProblemError(f"is a GRU with reset_after={mine['reset'] == 'after'}, "
                                   "unlike the layer below: a problem has one cell", file=file,
                                   key=where)
            options = mine
            units.append(UnitWeights(k, direction, gates))
    if units and any(u.direction == "backward" for u in units) and not all(
            len(d) == 2 for _, d in layers):
        raise ProblemError("mixes bidirectional and one-directional layers", file=file)
    return Network(cell or "lstm", "row", units, options or {})


def _keras_options(cell: str, bias: np.ndarray | None, activation: str | None,
                   reset: str | None, file: str) -> dict[str, str]:
    if cell == "rnn":
        return {"activation": activation or "tanh"}
    if activation is not None:
        raise ProblemError(f"--activation applies to a plain RNN; this is an {cell.upper()}",
                           file=file)
    if cell == "gru":
        after = bias is None and (reset or "after") == "after" or bias is not None and \
            bias.ndim == 2
        if bias is not None and reset is not None and (reset == "after") != after:
            raise ProblemError(f"--reset {reset}, but the GRU's bias has shape {bias.shape}, "
                               f"which is reset_after={after} in Keras", file=file)
        return {"reset": "after" if after else "before", "z_multiplies": "previous"}
    return {}


def _names(arrays: dict) -> str:
    names = list(arrays)
    return ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")


def comment(problem, path: str | Path) -> str:
    """The lines heading an imported problem file: where it came from and how the
    library's tensors became the file's gates."""
    lines = [f"Imported by lstm-solve from {Path(path).name}."]
    if problem.orientation == "column":
        order = {"lstm": "i, f, g, o", "gru": "r, z, n", "rnn": "h"}[problem.cell]
        lines += [f"PyTorch's gate blocks ({order}); each gate's W_ih, b_ih, W_hh, b_hh are",
                  "its rows of weight_ih, bias_ih, weight_hh, bias_hh."]
    else:
        order = {"lstm": "i, f, c, o", "gru": "z, r, h", "rnn": "h"}[problem.cell]
        lines += [f"Keras's gate blocks ({order}), row vectors (x·W_x + h·W_h + b); each",
                  "gate's W_x, W_h, b are its columns of kernel, recurrent_kernel, bias",
                  "(b_h: of the bias's second row, a GRU with reset_after)."]
    return "\n".join(lines)
