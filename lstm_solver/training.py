"""The problem keys of the backward pass (DESIGN.md §7): ``loss:`` (or ``upstream:``),
``clip:`` and ``learning_rate:``, read and checked like every other key.

Every complaint is located at its key (through the problem reader). Numbers stay
exact as written; this module imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .numbers import Number, NumberError, Value, parse_number, parse_table

if TYPE_CHECKING:
    from .cells import Cell
    from .problem import OutputLayer, Unit, _Reader

LOSS_KINDS = ("half_squared_error", "squared_error", "mean_squared_error", "cross_entropy")
LOSS_KEYS = ("kind", "on", "targets", "steps")
LOSS_STEPS = ("all", "last")
TRAINING_KEYS = ("loss", "upstream", "clip", "learning_rate")
# what `ask:` may name of the backward pass (the JSON backward object's names)
GRADIENT_ASKS = ("loss", "dh", "dc", "dy", "d_values", "d_pre", "grad", "norm", "scale",
                 "updated")


def gradients_asked(problem) -> list[str]:
    """The gradients a question asks for: those ``ask:`` names, or by default what its
    sentence asks (∂L/∂hₜ, ∂L/∂cₜ and each gate's δ at every step; with weights, every
    parameter's gradient and their norm; the clipping scale and the update when given)."""
    training = problem.training
    if training is None:
        return []
    if problem.ask:
        return [a for a in problem.ask if a in GRADIENT_ASKS]
    weights = any(u.gates for u in problem.units)
    out = ["dh"] + (["dc"] if "c" in problem.cell_def.state else []) + ["d_pre"]
    out += ["grad", "norm"] if weights else []
    out += ["scale"] if weights and training.max_norm is not None else []
    out += ["updated"] if weights and training.learning_rate is not None else []
    return out


@dataclass(frozen=True)
class Loss:
    """What the loss compares, and with what."""

    kind: str  # one of LOSS_KINDS
    on: str  # "h" (the top layer's output) | "y" (the output layer)
    targets: tuple[Value | None, ...]  # per step index; None where the loss does not look
    classes: tuple[int | None, ...] = ()  # cross_entropy: the target class per step
    steps: str = "all"  # "all" | "last"

    @property
    def counted(self) -> list[int]:
        """The step indices (0-based) whose outputs enter the loss."""
        return [k for k, target in enumerate(self.targets) if target is not None]


@dataclass(frozen=True)
class Training:
    """The backward pass a problem asks for."""

    loss: Loss | None = None
    upstream: dict[str, Value] = field(default_factory=dict)  # "h" (and "c"): ∂L/∂h_T given
    max_norm: Number | None = None  # clip: {max_norm}
    learning_rate: Number | None = None


def read_training(reader: _Reader, data: dict, cell: Cell, units: tuple[Unit, ...],
                  steps: int, output: OutputLayer | None) -> Training | None:
    """``loss``/``upstream``, ``clip`` and ``learning_rate``, or None when none is given."""
    if not any(key in data for key in TRAINING_KEYS):
        return None
    if "loss" in data and "upstream" in data:
        raise reader.fail(("upstream",), "give either 'loss' or 'upstream', not both "
                          "(upstream is ∂L/∂h at the last step, given instead of a loss)",
                          at_key=True)
    if "loss" not in data and "upstream" not in data:
        key = next(k for k in TRAINING_KEYS if k in data)
        raise reader.fail((key,), f"'{key}' needs a loss to differentiate: add 'loss' "
                          "(or 'upstream', ∂L/∂h at the last step)", at_key=True)
    row = data.get("orientation") == "row"
    top = [u for u in units if u.layer == units[-1].layer]
    loss = _loss(reader, data["loss"], steps, output, sum(u.h_size for u in top), row) \
        if "loss" in data else None
    upstream = _upstream(reader, data["upstream"], cell, units) if "upstream" in data else {}
    max_norm = None
    if "clip" in data:
        raw = data["clip"]
        reader.mapping(raw, ("clip",), ("max_norm",), "clipping options (max_norm)")
        if "max_norm" not in raw:
            raise reader.fail(("clip",), "missing 'max_norm' (clip: {max_norm: 1.0} scales "
                              "the gradients down when their norm is above 1.0)")
        max_norm = _positive(reader, raw["max_norm"], ("clip", "max_norm"), "the largest "
                             "gradient norm allowed")
    rate = None
    if "learning_rate" in data:
        rate = _positive(reader, data["learning_rate"], ("learning_rate",), "the SGD step size")
    return Training(loss, upstream, max_norm, rate)


def _positive(reader: _Reader, raw: Any, path: tuple, what: str) -> Number:
    try:
        value = parse_number(raw)
    except NumberError as exc:
        raise reader.fail(path, f"{exc.message} ({what})") from None
    if value <= 0:
        raise reader.fail(path, f"expected a positive number ({what}), found {raw!r}")
    return value


def _upstream(reader: _Reader, raw: Any, cell: Cell, units: tuple[Unit, ...]) -> dict:
    path = ("upstream",)
    allowed = [n for s in cell.state for n in (s, *cell.state_aliases.get(s, ()))]
    reader.mapping(raw, path, allowed, "given gradients at the last step (h"
                   + (", c" if "c" in cell.state else "") + ")")
    top = [u for u in units if u.layer == units[-1].layer]
    if len(top) > 1:
        raise reader.fail(path, "upstream gradients apply to one direction: a bidirectional "
                          "network's last step differs per direction; use 'loss' instead",
                          at_key=True)
    out: dict[str, Value] = {}
    for key, value in raw.items():
        state = cell.quantity(str(key))
        where = path + (key,)
        if state in out:
            raise reader.fail(where, f"∂L/∂{state} is given twice", at_key=True)
        vec = reader.vector(value, where)
        out[state] = reader.length(vec, top[0].h_size if state == "h" else top[0].hidden_size,
                                   where, "the hidden size")
    if "h" not in out:
        raise reader.fail(path, "missing 'h' (∂L/∂h at the last step)")
    return out


def _loss(reader: _Reader, raw: Any, steps: int, output: OutputLayer | None, hidden: int,
          row: bool) -> Loss:
    path = ("loss",)
    if isinstance(raw, dict) and True in raw:
        # YAML 1.1 reads a plain `on` as true: here it is the key "on"
        raw = {("on" if key is True else key): value for key, value in raw.items()}
        for marks in (reader.doc.key_marks, reader.doc.marks):
            if path + (True,) in marks:
                marks[path + ("on",)] = marks[path + (True,)]
    reader.mapping(raw, path, LOSS_KEYS, "loss keys (kind, on, targets, steps)")
    kind = reader.choice(raw, "kind", LOSS_KINDS, "half_squared_error", path)
    on = reader.choice(raw, "on", ("h", "y"), "y" if output else "h", path)
    when = reader.choice(raw, "steps", LOSS_STEPS, "all", path)
    if on == "y" and output is None:
        raise reader.fail(path + ("on",), "the loss is on y, but the problem has no "
                          "output_layer (use on: h, or add output_layer: {V: ...})")
    if kind == "cross_entropy":
        if on != "y" or output is None or output.activation != "softmax":
            found = ("on: h" if on == "h" else "no output_layer" if output is None
                     else f"output_layer.activation: {output.activation}")
            raise reader.fail(path + ("kind",), "cross_entropy needs a softmax output layer "
                              f"(on: y with output_layer.activation: softmax); found {found}")
    if "targets" not in raw:
        raise reader.fail(path, "missing 'targets' (one per step: a vector, a number when "
                          "the size is 1, or a class index for cross_entropy)")
    if on == "y":
        size = output.V.shape[1 if row else 0]
        what = f"y_t has {size} (output_layer.V has {size} {'columns' if row else 'rows'})"
    else:
        size, what = hidden, f"h_t has {hidden}"
    items, item_paths = _target_items(reader, raw["targets"], path + ("targets",), steps, when,
                                      size, kind == "cross_entropy")
    targets: list[Value | None] = [None] * steps
    classes: list[int | None] = [None] * steps
    counted = range(steps) if when == "all" else [steps - 1]
    chosen = items if len(items) == len(counted) else items[-1:]
    for k, item, where in zip(counted, chosen, item_paths[-len(chosen):]):
        if kind == "cross_entropy":
            classes[k] = _class(reader, item, where, size)
            targets[k] = Value(tuple(int(j == classes[k]) for j in range(size)), _key(where))
        else:
            vec = reader.vector(item, where)
            if vec.shape[0] != size:
                raise reader.fail(where, f"has {vec.shape[0]} entries but {what}")
            targets[k] = vec
    return Loss(kind, on, tuple(targets), tuple(classes) if kind == "cross_entropy" else (),
                when)


def _key(path: tuple) -> str:
    from .yamlsource import dotted

    return dotted(path) or ""


def _target_items(reader: _Reader, raw: Any, path: tuple, steps: int, when: str, size: int,
                  classes: bool) -> tuple[list, list[tuple]]:
    """The targets, one item per counted step: a scalar, a vector or a class index each."""
    want = [steps] if when == "all" else sorted({1, steps})
    try:
        rows = parse_table(raw)
    except NumberError as exc:
        raise reader.fail(path, exc.message) from None
    scalars = not any(isinstance(r, list) for r in rows)
    columns = not scalars and all(isinstance(r, list) and len(r) == 1 for r in rows)
    if scalars and (size == 1 or classes) and len(rows) in want:
        items = rows  # a number (or a class index) per step
    elif scalars or (columns and size > 1 and len(rows) == size):
        items = [rows]  # one vector (a numpy-style column too)
    else:
        items = rows
    if len(items) not in want:
        if when == "all":
            expected = f"{steps} (one per step)"
        else:
            expected = f"1 (for the last step) or {steps} (one per step)"
        found = "one vector" if len(items) == 1 else f"{len(items)} targets"
        raise reader.fail(path, f"has {found} but {expected} {'is' if want == [1] else 'are'} "
                          "expected")
    single = len(items) == 1 and (items[0] is rows or not isinstance(raw, list))
    return items, [path if single else path + (i,) for i in range(len(items))]


def _class(reader: _Reader, item: Any, where: tuple, size: int) -> int:
    """A class index (0-based), or a one-hot vector's index."""
    if isinstance(item, list) or isinstance(item, str) and len(item.split()) > 1:
        vec = reader.vector(item, where)
        ones = [j for j, v in enumerate(vec.exact) if v == 1]
        if vec.shape[0] != size:
            raise reader.fail(where, f"has {vec.shape[0]} entries but y_t has {size} classes")
        if len(ones) != 1 or any(v not in (0, 1) for v in vec.exact):
            shown = "[" + ", ".join(str(v) for v in vec.exact) + "]"
            raise reader.fail(where, "a cross_entropy target vector must be one-hot (one 1, "
                              f"the rest 0), found {shown}")
        return ones[0]
    if isinstance(item, bool) or not isinstance(item, (int, Decimal, Fraction)) or (
            item != int(item)) or not 0 <= item < size:
        raise reader.fail(where, f"expected a class index from 0 to {size - 1} (0-based) or "
                          f"a one-hot vector, found {item!r}")
    return int(item)
