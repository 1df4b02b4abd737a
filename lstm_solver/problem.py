"""Reading and validating a problem file (format version 1, DESIGN.md §2).

``load_problem(path)`` returns an immutable :class:`Problem` or raises a
:class:`ProblemError` that names the file, line, column and key.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import limits
from .cells import CELLS, PEEPHOLE_GATES, Cell, LstmVariant
from .errors import ProblemError
from .files import read_file
from .limits import MAX_LAYERS, MAX_STEPS, MAX_WORK
from .naming import (
    CONVENTIONS,
    COURSE,
    MULTIPLIES,
    Naming,
    Param,
    families,
    naming_for,
    other_convention,
    split_keys,
)
from .numbers import (
    ROUND_HALF,
    NumberError,
    OneHot,
    Rounding,
    Value,
    parse_matrix,
    parse_number,
    parse_table,
    parse_vector,
)
from .packing import Packed
from .training import GRADIENT_ASKS, Training, read_training
from .yamlsource import Document, control_character, dotted, read_text

TOP_KEYS = (
    "cell", "title", "question", "layout", "stack", "orientation", "gates", "initial",
    "layers", "bidirectional", "forward", "backward", "x", "tokens", "embedding",
    "embedding_layout", "given", "start", "decimals", "carry", "round_half", "output_layer",
    "activation", "z_multiplies", "reset", "ask", "convention", "marks", "student",
    "packed", "forget_bias", "coupled", "peephole", "projection", "round", "batch",
    "loss", "upstream", "clip", "learning_rate",  # the backward pass (training.py)
)
UNIT_KEYS = ("gates", "initial", "packed", "peephole", "projection")
LSTM_VARIANTS = ("forget_bias", "coupled", "peephole", "projection")  # LSTM only
PEEPHOLE_KEYS = ("input", "i", "forget", "f", "output", "o")
PROJECTION_KEYS = ("W",)
BATCH_KEYS = ("x", "tokens", "initial")
DIRECTIONS = ("forward", "backward")
SPLIT_KEYS = ("W", "U", "b", "b_h")  # the slots; a file may name them otherwise (naming.py)
CONCAT_KEYS = ("W", "b")
OUTPUT_KEYS = ("V", "c", "activation")
OUTPUT_ACTIVATIONS = ("softmax", "sigmoid", "tanh", "identity")


@dataclass(frozen=True)
class GateParams:
    """The parameters a problem gives for one gate.

    The fields have one meaning whatever the file calls them: ``W`` multiplies
    h_{t-1}, ``U`` multiplies x_t (in concat layout ``W`` is the whole matrix),
    ``b`` is the bias, ``b_h`` the second bias (PyTorch's bias_hh). ``naming``
    says what the file calls each and how it is printed: ask :meth:`param` or
    :meth:`written` for the file's key, the printed letter and what it multiplies.
    """

    gate: str  # canonical short name
    symbol: str  # the name the problem uses for it (an alias, or the short name)
    key: str  # where it was written: gates.<key>
    path: tuple = ()  # the same, as a key path
    W: Value | None = None  # multiplies h_{t-1}
    U: Value | None = None  # multiplies x_t
    b: Value | None = None
    b_h: Value | None = None
    naming: Naming = COURSE

    @property
    def letter(self) -> str:
        """The gate's letter in printed names: f of W_f (c of c_tilde)."""
        return self.symbol.removesuffix("_tilde")

    def param(self, slot: str) -> Param:
        """Slot "W", "U", "b" or "b_h" as the file names and the solution prints it."""
        present = tuple(s for s in ("W", "U", "b", "b_h") if getattr(self, s) is not None)
        return self.naming.param(slot, self.letter, getattr(self, slot), present)

    def written(self) -> list[Param]:
        """The parameters given, in the order the file's source writes them."""
        return [self.param(s) for s in self.naming.slot_order if getattr(self, s) is not None]


@dataclass(frozen=True)
class OutputLayer:
    V: Value
    c: Value | None
    activation: str


@dataclass(frozen=True)
class Embedding:
    matrix: Value
    layout: str  # "rows": one row per word (vocab × dim); "columns": dim × vocab

    @property
    def vocab(self) -> int:
        return self.matrix.shape[0 if self.layout == "rows" else 1]

    @property
    def dim(self) -> int:
        return self.matrix.shape[1 if self.layout == "rows" else 0]


@dataclass(frozen=True)
class Unit:
    """One layer in one direction: its gates and initial state."""

    layer: int  # 1-based
    direction: str  # "forward" | "backward" (reads the sequence from the last step)
    gates: dict[str, GateParams]
    initial: dict[str, Value]
    hidden_size: int
    input_size: int | None
    key: str = ""  # where it was written: "" (top level), "layers[1].backward", ...
    peephole: dict[str, Value] = field(default_factory=dict)  # i, f, o -> diagonal weights
    projection: Value | None = None  # W_hr: h_t = W_hr (o_t ⊙ tanh c_t), P × H (H × P in rows)
    proj_size: int | None = None  # P
    packed: Packed | None = None  # the packed matrices the gates were cut from

    @property
    def h_size(self) -> int:
        """The size of h_t: P with a projection, else H."""
        return self.proj_size or self.hidden_size


@dataclass(frozen=True)
class BatchRow:
    """One row of a batch: its own inputs and initial state; the weights are shared."""

    inputs: tuple[Value, ...]
    tokens: tuple[int, ...] | None = None
    initial: dict[str, Value] | None = None  # the (first) unit's; None: the problem's


@dataclass(frozen=True)
class Problem:
    """A validated problem: exact numbers, consistent shapes."""

    cell: str
    units: tuple[Unit, ...]  # layer by layer, forward before backward
    inputs: tuple[Value, ...]  # x_t per step as written (one-hot vectors with an embedding)
    file: str = "<problem>"
    title: str | None = None
    question: str | None = None
    layout: str = "split"
    stack: tuple[Any, ...] = ("h", "x")
    orientation: str = "column"
    symbols: dict[str, str] = field(default_factory=dict)  # short -> notation used
    tokens: tuple[int, ...] | None = None
    embedding: Embedding | None = None
    given: dict[tuple[int, str], Value] = field(default_factory=dict)  # (step index, short)
    start: int = 1
    rounding: Rounding = Rounding()
    output_layer: OutputLayer | None = None
    options: dict[str, str] = field(default_factory=dict)  # cell options (reset: after, ...)
    ask: tuple[str, ...] = ()  # the quantities the question asks for (short names); all if ()
    variant: Cell | None = None  # a changed cell definition (check.py tries slips with it)
    naming: Naming = COURSE  # what the file calls W, U, b, b_h (one naming per file)
    lstm: LstmVariant = LstmVariant()  # forget_bias, coupled, peephole, projection
    batch: tuple[BatchRow, ...] = ()  # rows sharing the weights; inputs are the first's
    # marks per quantity per step (check.py): short -> marks, or short -> {t: marks}
    marks: dict[str, Fraction | dict[int, Fraction]] = field(default_factory=dict)
    student: str | None = None  # the student this variant is for (generate --students)
    training: Training | None = None  # loss/upstream, clip, learning rate: the backward pass

    @property
    def steps(self) -> int:
        return len(self.inputs)

    @property
    def cell_def(self) -> Cell:
        return self.variant or CELLS[self.cell](self.lstm, **self.options)

    def row(self, k: int) -> Problem:
        """Row ``k`` (0-based) of a batch as a problem of its own."""
        r = self.batch[k]
        units = self.units
        if r.initial is not None:
            units = (replace(units[0], initial=r.initial), *units[1:])
        return replace(self, inputs=r.inputs, tokens=r.tokens, units=units, batch=())

    @property
    def layers(self) -> int:
        return self.units[-1].layer

    @property
    def bidirectional(self) -> bool:
        return any(u.direction == "backward" for u in self.units)

    def layer(self, k: int) -> list[Unit]:
        return [u for u in self.units if u.layer == k]

    # the first layer's sizes, parameters and state (all there is in a one-layer problem)
    @property
    def gates(self) -> dict[str, GateParams]:
        return self.units[0].gates

    @property
    def initial(self) -> dict[str, Value]:
        return self.units[0].initial

    @property
    def hidden_size(self) -> int:
        return self.units[0].hidden_size

    @property
    def input_size(self) -> int | None:
        return self.units[0].input_size

    @property
    def output_size(self) -> int:
        """What the top layer hands on: h_t, or [h_fwd; h_bwd]."""
        return sum(u.h_size for u in self.layer(self.layers))

    def symbol(self, short: str) -> str:
        return self.symbols.get(short, short)

    def to_yaml(self, comment: str | None = None) -> str:
        """The problem file (one matrix row a line); reading it back gives this Problem."""
        from .yamlwriter import problem_yaml

        return problem_yaml(self, comment)

    @classmethod
    def from_torch(cls, module, x, h0=None, c0=None, **keys) -> Problem:
        """The problem of running a PyTorch ``nn.LSTM``/``GRU``/``RNN`` (or its ``Cell``)
        on ``x``, with its weights; ``keys`` are other problem keys (title, decimals...).
        See :mod:`lstm_solver.weights.torch`."""
        from .weights.torch import from_module

        return from_module(module, x, h0, c0, **keys)

    @classmethod
    def from_keras(cls, layer, x, h0=None, c0=None, **keys) -> Problem:
        """The problem of running a Keras ``LSTM``/``GRU``/``SimpleRNN`` (a ``Bidirectional``
        one, or a ``Sequential`` stack of them with a ``Dense`` on top) on ``x``.
        See :mod:`lstm_solver.weights.keras`."""
        from .weights.keras import from_layer

        return from_layer(layer, x, h0, c0, **keys)


@dataclass(frozen=True)
class CountProblem:
    """``task: count_parameters``: how many trainable weights a network has."""

    cell: str
    hidden_size: int
    input_size: int
    output_size: int | None = None
    embedding_vocab: int | None = None  # the embedding (vocab × dim) is then counted
    bias: str = "true"  # "true" (one bias per gate) | "false" | "double" (PyTorch's two)
    layers: int = 1
    bidirectional: bool = False
    options: dict[str, str] = field(default_factory=dict)
    file: str = "<problem>"
    title: str | None = None
    question: str | None = None
    convention: str = "W_h"  # which of W and U multiplies h_{t-1} (naming.py)
    lstm: LstmVariant = LstmVariant()  # coupled, peephole gates, projection (proj_size)
    proj_size: int | None = None  # P, PyTorch's proj_size
    initial_state: str = "zeros"  # "learned": the initial state is trained too (Flux)

    def to_yaml(self, comment: str | None = None) -> str:
        """The problem file; reading it back gives this CountProblem."""
        from .yamlwriter import problem_yaml

        return problem_yaml(self, comment)


COUNT_KEYS = ("task", "cell", "title", "question", "hidden_size", "input_size", "embedding",
              "output_size", "bias", "layers", "bidirectional", "activation", "z_multiplies",
              "reset", "convention", "forget_bias", "coupled", "peephole", "projection",
              "initial_state")
COUNT_EMBEDDING_KEYS = ("vocab", "dim")


def load_problem(path: str | Path) -> Problem | CountProblem:
    """Read and validate a problem file."""
    return parse_problem(read_file(path, "a problem file"), str(path))


def parse_problem(source: str | Mapping, file: str = "<problem>") -> Problem | CountProblem:
    """Validate a problem: YAML text, or a mapping with the same keys built in Python
    (numpy arrays, tensors, tuples and floats welcome); see DESIGN.md §2 for the format."""
    if isinstance(source, str):
        doc = read_text(source, file)
    elif isinstance(source, Mapping):
        from .plain import plain

        doc = Document(plain(dict(source), file), file)
    else:
        raise TypeError(f"expected YAML text or a mapping, found {type(source).__name__}")
    reader = _Reader(doc)
    data = reader.doc.data
    if isinstance(data, dict) and "task" in data:
        return reader.count_problem()
    return reader.problem()


def _times(units: int, rows: int) -> str:
    """" × 4 layers and directions × 3 batch rows", or ""."""
    return ((f" × {units} layers and directions" if units > 1 else "")
            + (f" × {rows} batch rows" if rows > 1 else ""))


def _did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _choices(options) -> str:
    return ", ".join(str(o) for o in options)


def _peep_words(gates: tuple[str, ...], projected: bool) -> str:
    words = [f"peepholes on {', '.join(gates)}" if gates else "no peepholes",
             "a projection" if projected else "no projection"]
    return " and ".join(words)


class _Reader:
    """Walks the document; every complaint is located at its key."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.inputs_from = ""  # what sets the size of x_t ("gates.input.U has 3 columns")

    # -- small helpers ----------------------------------------------------------

    def fail(self, path: tuple, message: str, at_key: bool = False) -> ProblemError:
        return self.doc.error(path, message, at_key)

    def mapping(self, value: Any, path: tuple, allowed, what: str) -> dict:
        if not isinstance(value, dict):
            found = "a list" if isinstance(value, list) else repr(value)
            raise self.fail(path, f"expected a mapping of {what}, found {found}")
        for key in value:
            if key not in allowed:
                raise self.fail(
                    path + (key,),
                    f"unknown key {key!r}{_did_you_mean(key, allowed)}; "
                    f"expected one of: {_choices(allowed)}",
                    at_key=True,
                )
        return value

    def choice(self, data: dict, key: str, options, default, path=()) -> Any:
        value = data.get(key, default)
        if value not in options:
            raise self.fail(
                path + (key,),
                f"expected one of: {_choices(options)}; found {value!r}"
                + (_did_you_mean(value, options) if isinstance(value, str) else ""),
            )
        return value

    def integer(self, data: dict, key: str, default: int | None, low: int, high: int,
                path: tuple = ()) -> int:
        if key not in data and default is None:
            raise self.fail(path, f"missing required key '{key}' (a whole number)")
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(path + (key,), f"expected a whole number from {low} to {high}, "
                            f"found {value!r}")
        return value

    def count_problem(self) -> CountProblem:
        """``task: count_parameters``: the sizes of a network, not its numbers."""
        data = self.doc.data
        self.mapping(data, (), COUNT_KEYS, "keys of a parameter-count question")
        self.choice(data, "task", ("count_parameters",), None)
        if "cell" not in data:
            raise self.fail((), f"missing required key 'cell' (one of: {_choices(CELLS)})")
        cell = self.choice(data, "cell", tuple(CELLS), None)
        options = self.options(data, cell)
        vocab = None
        if "embedding" in data:
            emb = data["embedding"]
            self.mapping(emb, ("embedding",), COUNT_EMBEDDING_KEYS,
                         "embedding sizes (vocab, dim)")
            vocab = self.integer(emb, "vocab", None, 1, 10**9, ("embedding",))
            dim = self.integer(emb, "dim", None, 1, 10**9, ("embedding",))
            if "input_size" in data and data["input_size"] != dim:
                raise self.fail(("input_size",), f"is {data['input_size']!r} but the "
                                f"embedding's dim is {dim}: give one of them")
            inputs = dim
        else:
            inputs = self.integer(data, "input_size", None, 1, 10**9)
        bias = data.get("bias", True)
        bias = {True: "true", False: "false", "double": "double"}.get(
            bias if isinstance(bias, (bool, str)) else None)
        if bias is None:
            raise self.fail(("bias",), f"expected true, false or double (PyTorch's two bias "
                            f"vectors per gate), found {data.get('bias')!r}")
        bidi = data.get("bidirectional", False)
        if not isinstance(bidi, bool):
            raise self.fail(("bidirectional",), f"expected true or false, found {bidi!r}")
        output = None if data.get("output_size") is None else self.integer(
            data, "output_size", None, 1, 10**9)
        return CountProblem(
            cell=cell,
            hidden_size=self.integer(data, "hidden_size", None, 1, 10**9),
            input_size=inputs,
            output_size=output,
            embedding_vocab=vocab,
            bias=bias,
            layers=self.integer(data, "layers", 1, 1, MAX_LAYERS),
            bidirectional=bidi,
            options=options,
            file=self.doc.file,
            title=self.text(data, "title"),
            question=self.text(data, "question"),
            convention=self.choice(data, "convention", CONVENTIONS, "W_h"),
            **self.count_variants(data, cell),
        )

    def count_variants(self, data: dict, cell: str) -> dict:
        """The LSTM variants of a count (peephole: true, projection: P) and the learned
        initial state."""
        self.only_for_lstm(data, cell, LSTM_VARIANTS)
        coupled = self.flag(data, "coupled")
        peephole: tuple[str, ...] = ()
        raw = data.get("peephole", False)
        if raw is True:
            peephole = tuple(g for g in PEEPHOLE_GATES if not (coupled and g == "i"))
        elif isinstance(raw, list):
            peephole = self.peephole_gates(raw, ("peephole",), coupled)
        elif raw is not False:
            raise self.fail(("peephole",), f"expected true (peepholes on the input, forget and "
                            f"output gates, as TensorFlow's use_peepholes) or a list of gates "
                            f"such as [forget, output]; found {raw!r}")
        proj = None
        if "projection" in data:
            proj = self.integer(data, "projection", None, 1, 10**9)
            hidden = data.get("hidden_size")
            if isinstance(hidden, int) and not isinstance(hidden, bool) and proj >= hidden:
                raise self.fail(("projection",), f"is {proj} but the projection size must be "
                                f"smaller than hidden_size ({hidden}), as PyTorch's proj_size")
        lstm = LstmVariant(forget_bias=self.number(data, "forget_bias") if "forget_bias" in data
                           else None, coupled=coupled, peephole=peephole,
                           projection=proj is not None)
        return {"lstm": lstm, "proj_size": proj,
                "initial_state": self.choice(data, "initial_state", ("zeros", "learned"),
                                             "zeros")}

    def only_for_lstm(self, data: dict, cell: str, keys, path: tuple = ()) -> None:
        for key in keys:
            if key in data and cell != "lstm":
                raise self.fail(path + (key,), f"'{key}' is an LSTM variant (this problem is "
                                f"cell: {cell})", at_key=True)

    def flag(self, data: dict, key: str, path: tuple = ()) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(path + (key,), f"expected true or false, found {value!r}")
        return value

    def number(self, data: dict, key: str, path: tuple = ()):
        try:
            return parse_number(data[key])
        except NumberError as exc:
            raise self.fail(path + (key,), exc.message) from None

    def peephole_gates(self, raw: list | dict, path: tuple, coupled: bool) -> tuple[str, ...]:
        """Gate names (input, forget, output, or i, f, o) -> short names, in i, f, o order."""
        names = {"input": "i", "i": "i", "forget": "f", "f": "f", "output": "o", "o": "o"}
        out = []
        for k, name in enumerate(raw):
            where = path + (k,) if isinstance(raw, list) else path + (name,)
            if not isinstance(name, str) or name not in names:
                raise self.fail(where, f"peepholes connect the input, forget and output gates "
                                f"to the cell state: expected one of input, forget, output; "
                                f"found {name!r}{_did_you_mean(name, names)}",
                                at_key=not isinstance(raw, list))
            if coupled and names[name] == "i":
                raise self.fail(where, "coupled: true computes i_t = 1 − f_t, so the input "
                                "gate has no parameters and no peephole", at_key=True)
            if names[name] in out:
                word = {"i": "input", "f": "forget", "o": "output"}[names[name]]
                raise self.fail(where, f"the {word} gate's peephole is given twice",
                                at_key=True)
            out.append(names[name])
        return tuple(g for g in PEEPHOLE_GATES if g in out)

    def text(self, data: dict, key: str) -> str | None:
        value = data.get(key)
        if isinstance(value, (list, dict)):
            raise self.fail((key,), f"expected text, found a {type(value).__name__}")
        if value is None:
            return None
        bad = control_character(str(value))
        if bad:  # e.g. "\0" or "\e[1m" in a quoted string: no document can print it
            raise self.fail((key,), f"holds the control character {bad}, which no output "
                                    "can print: remove it")
        return str(value)

    def matrix(self, value: Any, path: tuple) -> Value:
        try:
            return parse_matrix(value, dotted(path))
        except NumberError as exc:
            raise self.fail(path + exc.path, exc.message) from None

    def vector(self, value: Any, path: tuple) -> Value:
        try:
            return parse_vector(value, dotted(path))
        except NumberError as exc:
            raise self.fail(path + exc.path, exc.message) from None

    def length(self, vec: Value, n: int, path: tuple, what: str) -> Value:
        if vec.shape[0] != n:
            raise self.fail(path, f"has {vec.shape[0]} entries but {what} has {n}")
        return vec

    # -- the problem ------------------------------------------------------------

    def problem(self) -> Problem:
        data = self.doc.data
        if not isinstance(data, dict):
            found = "a list" if isinstance(data, list) else f"{data!r}"
            raise ProblemError(
                f"expected a mapping at the top (such as 'cell: lstm'), found {found}",
                file=self.doc.file, line=1, column=1,
            )
        if "initial_state" in data:  # a count's key: said plainly, not "unknown key"
            raise self.fail(("initial_state",), "applies to task: count_parameters (a learned "
                            "initial state is a trained parameter); give the state itself as "
                            "initial: {h: [...]}", at_key=True)
        self.mapping(data, (), TOP_KEYS, "problem keys")
        if "cell" not in data:
            raise self.fail((), f"missing required key 'cell' (one of: {_choices(CELLS)})")
        cell_name = data["cell"]
        if not isinstance(cell_name, str) or cell_name not in CELLS:
            raise self.fail(("cell",), f"unknown cell {cell_name!r}"
                            f"{_did_you_mean(cell_name, CELLS)}; expected one of: "
                            f"{_choices(CELLS)}")
        options = self.options(data, cell_name)
        lstm = self.lstm_variant(data, cell_name)
        cell = CELLS[cell_name](lstm, **options)
        layout = self.choice(data, "layout", ("split", "concat"), "split")
        orientation = self.choice(data, "orientation", ("column", "row"), "column")
        stack = self.stack(data, layout)
        rounding = self.rounding(data, cell)
        symbols: dict[str, str] = {}
        naming = self.naming(data, layout)
        units = self.units(data, cell, layout, orientation, stack, symbols, naming, lstm)
        first = units[0]
        embedding = self.embedding(data, first.input_size)
        batch = self.batch(data, cell, units, embedding, symbols)
        if batch:  # the first row's inputs; its initial state is batch[0]'s (Problem.row)
            xs, tokens = list(batch[0].inputs), batch[0].tokens
        else:
            xs, tokens = self.inputs(data, first.input_size, embedding)
        if first.input_size is None:
            size = embedding.dim if embedding else xs[0].shape[0]
            units = tuple(replace(u, input_size=size) if u.layer == 1 else u for u in units)
        given = self.given(data, cell, units, len(xs), symbols)
        start = self.integer(data, "start", 1, -10**9, 10**9)
        ask = self.ask(data, cell)
        marks = self.marks(data, cell, ask, given, range(start, start + len(xs)))
        top = sum(u.h_size for u in units if u.layer == units[-1].layer)
        self.bounded(units, len(xs), "batch" if batch else "tokens" if tokens else "x",
                     len(batch) if batch else 1)
        output_layer = self.output_layer(data, top, orientation)
        return Problem(
            cell=cell_name,
            units=units,
            inputs=tuple(xs),
            file=self.doc.file,
            title=self.text(data, "title"),
            question=self.text(data, "question"),
            layout=layout,
            stack=stack,
            orientation=orientation,
            symbols=symbols,
            tokens=tokens,
            embedding=embedding,
            given=given,
            start=start,
            rounding=rounding,
            output_layer=output_layer,
            options=options,
            ask=ask,
            naming=naming,
            lstm=lstm,
            batch=batch,
            marks=marks,
            student=self.text(data, "student"),
            training=read_training(self, data, cell, units, len(xs), output_layer),
        )

    def at_most_steps(self, steps: int, key: str, units: int = 1, rows: int = 1) -> None:
        if steps * units * rows > MAX_STEPS:
            raise self.fail((key,), f"{steps:,} steps{_times(units, rows)} is more than this "
                            f"tool computes (at most {MAX_STEPS:,} steps × layers × "
                            "directions × batch rows)")

    def bounded(self, units, steps: int, key: str, rows: int = 1) -> None:
        """The work a solution takes stays within the limits (README: Limits)."""
        self.at_most_steps(steps, key, len(units), rows)
        work = limits.work(units, steps) * rows
        if work > MAX_WORK:
            raise self.fail((key,), f"{steps:,} steps{_times(len(units), rows)} of these sizes "
                            f"take {work:,} multiply-adds, more than this tool computes (at "
                            f"most {MAX_WORK:,}: steps × Σ gates × H × (H + X))")

    # -- courses' own forms (issue 17) --------------------------------------------------

    def lstm_variant(self, data: dict, cell_name: str) -> LstmVariant:
        """forget_bias and coupled (top level), peephole and projection (where the gates
        are: top level, or in every layer and direction alike)."""
        self.only_for_lstm(data, cell_name, ("forget_bias", "coupled"))
        blocks = [(b, path) for _, _, b, path in self.blocks(data) if isinstance(b, dict)]
        for block, path in blocks:
            self.only_for_lstm(block, cell_name, ("peephole", "projection"), path)
        if cell_name != "lstm":
            return LstmVariant()
        coupled = self.flag(data, "coupled")
        forget_bias = self.number(data, "forget_bias") if "forget_bias" in data else None
        seen: list[tuple[tuple[str, ...], bool, tuple]] = []
        for block, path in blocks:
            raw = block.get("peephole")
            gates: tuple[str, ...] = ()
            if raw is not None:
                where = path + ("peephole",)
                self.mapping(raw, where, PEEPHOLE_KEYS,
                             "peephole weights by gate (input, forget, output)")
                if not raw:
                    raise self.fail(where, "expected the peephole weights of some of the "
                                    "input, forget and output gates, found none")
                gates = self.peephole_gates(raw, where, coupled)
            seen.append((gates, "projection" in block, path))
        gates, projected, path0 = seen[0]
        for other, proj, path in seen[1:]:
            if other != gates or proj != projected:
                what = "peepholes" if other != gates else "a projection"
                raise self.fail(path, f"every layer and direction has the same cell: "
                                f"{dotted(path0)} and {dotted(path)} differ in {what} "
                                f"({_peep_words(gates, projected)} vs "
                                f"{_peep_words(other, proj)})")
        return LstmVariant(forget_bias=forget_bias, coupled=coupled, peephole=gates,
                           projection=projected)

    def rounding(self, data: dict, cell: Cell) -> Rounding:
        """decimals, round_half, carry, and round: [h] (or {h: 0}): only those are rounded
        before they are carried."""
        decimals = self.integer(data, "decimals", 4, 0, 15)
        round_half = self.choice(data, "round_half", ROUND_HALF, "up")
        carry = self.choice(data, "carry", ("exact", "rounded"),
                            "rounded" if "round" in data else "exact")
        if "round" not in data:
            return Rounding(decimals, round_half, carry)
        backward = next((k for k in ("loss", "upstream") if k in data), None)
        if backward:
            raise self.fail(("round",), f"rounds values before they are carried, which the "
                            f"backward pass ('{backward}') cannot differentiate (a step "
                            f"function): remove one of them", at_key=True)
        if carry == "exact":
            raise self.fail(("round",), "names the values rounded before they are carried, "
                            "but carry: exact carries every value unrounded: write carry: "
                            "rounded (or leave carry out)", at_key=True)
        raw = data["round"]
        names = [*cell.names(), "y"]
        if isinstance(raw, str):
            raw = [raw]
        if isinstance(raw, list):
            items = [((k,), key, decimals) for k, key in enumerate(raw)]
        elif isinstance(raw, dict):
            items = [((key,), key, self.integer(raw, key, None, 0, 15, ("round",)))
                     for key in raw]
        else:
            raise self.fail(("round",), f"expected the quantities to round before they are "
                            f"carried, such as [h] (to decimals) or {{h: 0}} (h to whole "
                            f"numbers); found {raw!r}")
        if not items:
            raise self.fail(("round",), "expected at least one quantity, such as [h]")
        out: dict[str, int] = {}
        for where, key, digits in items:
            short = "y" if key == "y" else cell.quantity(str(key)) if isinstance(
                key, (str, int)) and not isinstance(key, bool) else None
            if short is None:
                raise self.fail(("round", *where), f"unknown quantity {key!r}"
                                f"{_did_you_mean(key, names)}; expected any of: "
                                f"{_choices(names)}", at_key=isinstance(raw, dict))
            if short == "y" and "output_layer" not in data:
                raise self.fail(("round", *where), "y needs an output_layer",
                                at_key=isinstance(raw, dict))
            if short in out:
                raise self.fail(("round", *where), f"{key} is named twice",
                                at_key=isinstance(raw, dict))
            out[short] = digits
        return Rounding(decimals, round_half, carry, tuple(out.items()))

    def batch(self, data: dict, cell: Cell, units, embedding, symbols) -> tuple[BatchRow, ...]:
        """``batch:`` rows, each with its own x (or tokens) and initial state."""
        if "batch" not in data:
            return ()
        for key in ("x", "tokens"):
            if key in data:
                raise self.fail((key,), f"a batch gives '{key}' in each of its rows "
                                f"(batch: [{{{key}: ...}}, ...]), not at the top", at_key=True)
        backward = next((k for k in ("loss", "upstream") if k in data), None)
        if backward:
            raise self.fail(("batch",), f"the backward pass ('{backward}') works one sequence: "
                            f"write the row it is for as a problem of its own", at_key=True)
        raw = data["batch"]
        if not isinstance(raw, list) or not raw:
            raise self.fail(("batch",), "expected a list of rows, each with its own x (and "
                            "initial), such as batch: [{x: [1, 0]}, {x: [0, 1]}]")
        if len(raw) > 1000:
            raise self.fail(("batch",), f"has {len(raw)} rows: at most 1000")
        first = units[0]
        rows = []
        steps = None
        for k, item in enumerate(raw):
            at = ("batch", k)
            self.mapping(item, at, BATCH_KEYS, "a batch row's keys (x or tokens, initial)")
            size = first.input_size if first.input_size is not None else (
                rows[0].inputs[0].shape[0] if rows and not embedding else None)
            xs, tokens = self.inputs(item, size, embedding, at)
            if steps is None:
                steps = len(xs)
            elif len(xs) != steps:
                raise self.fail(at + ("tokens" if "tokens" in item else "x",),
                                f"has {len(xs)} steps but batch[0] has {steps}: every row "
                                "reads a sequence of the same length")
            initial = None if len(units) > 1 else first.initial  # the file's, or zeros
            if "initial" in item:
                if len(units) > 1:
                    raise self.fail(at + ("initial",), "a stacked or bidirectional network's "
                                    "rows share the initial states of its layers: give x only",
                                    at_key=True)
                initial = self.initial(item["initial"], at + ("initial",), cell,
                                       first.hidden_size, symbols, first.h_size,
                                       default=first.initial)
            rows.append(BatchRow(tuple(xs), tokens, initial))
        return tuple(rows)

    def ask(self, data: dict, cell: Cell) -> tuple[str, ...]:
        """``ask: [c, h]``: what the question asks for (the final table lists these)."""
        raw = data.get("ask")
        if raw is None:
            return ()
        raw = raw if isinstance(raw, list) else [raw]
        names = [*cell.names(), "y"]
        out = []
        for i, key in enumerate(raw):
            if isinstance(key, str) and key in GRADIENT_ASKS:  # a gradient (training.py)
                needs = {"loss": ("loss" in data or "upstream" in data, "a loss (or upstream "
                                  "gradient) to differentiate"),
                         "dc": ("c" in cell.state, "a cell state (an LSTM)"),
                         "dy": ("output_layer" in data, "an output_layer"),
                         "scale": ("clip" in data, "clip: {max_norm}"),
                         "updated": ("learning_rate" in data, "a learning_rate")}
                for what in ("loss", key):
                    ok, needed = needs.get(what, (True, ""))
                    if not ok:
                        raise self.fail(("ask", i), f"{key} needs {needed}")
                out.append(key)
                continue
            short = "y" if isinstance(key, str) and key == "y" else cell.quantity(str(key))
            if short is None:
                raise self.fail(("ask", i), f"unknown quantity {key!r}"
                                f"{_did_you_mean(key, [*names, *GRADIENT_ASKS])}; expected any "
                                f"of: {_choices(names)} (or, with a loss, "
                                f"{_choices(GRADIENT_ASKS)})")
            if short == "y" and "output_layer" not in data:
                raise self.fail(("ask", i), "y needs an output_layer")
            out.append(short)
        return tuple(dict.fromkeys(out))

    def marks(self, data: dict, cell: Cell, ask: tuple[str, ...], given: dict,
              steps: range) -> dict[str, Fraction | dict[int, Fraction]]:
        """``marks: {c: 2, h: 2}`` (per quantity per step), or per step: ``{h: {3: 2}}``."""
        raw = data.get("marks")
        if raw is None:
            return {}
        extra = ["x"] * ("embedding" in data) + ["y"] * ("output_layer" in data)
        names = [*cell.names(), *extra]
        if not isinstance(raw, dict):
            raise self.fail(("marks",), "expected a mapping of quantities to marks, such as "
                            "'marks: {c: 2, h: 2}' (per quantity per step)")
        given_shorts = {short for _, short in given}
        out: dict[str, Fraction | dict[int, Fraction]] = {}
        for key, value in raw.items():
            path = ("marks", key)
            short = key if key in extra else cell.quantity(str(key))
            if short is None:
                raise self.fail(path, f"unknown quantity {key!r}{_did_you_mean(key, names)}; "
                                f"expected any of: {_choices(names)}", at_key=True)
            if short in out:
                raise self.fail(path, f"marks for {short} are given twice", at_key=True)
            if ask and short not in ask:
                raise self.fail(path, f"marks for {key}, but the question does not ask for it "
                                f"(ask: {', '.join(ask)})", at_key=True)
            if short in given_shorts:
                raise self.fail(path, f"{key} is given in the question, not asked", at_key=True)
            if isinstance(value, dict):
                per_step = {}
                for t, m in value.items():
                    if isinstance(t, bool) or not isinstance(t, int) or t not in steps:
                        span = (f"t = {steps.start}" if len(steps) == 1 else
                                f"t = {steps.start} to {steps[-1]}")
                        raise self.fail(path + (t,), f"expected a step of the problem ({span}), "
                                        f"found {t!r}", at_key=True)
                    per_step[t] = self.mark(m, path + (t,))
                out[short] = per_step
            else:
                out[short] = self.mark(value, path)
        return out

    def mark(self, value: Any, path: tuple) -> Fraction:
        from .numbers import as_fraction, parse_number

        try:
            mark = as_fraction(parse_number(value))
        except NumberError as exc:
            raise self.fail(path, f"{exc.message} (the marks for one quantity at one step, or "
                            "a mapping of steps to marks)") from None
        if not 0 <= mark <= 10**6:
            raise self.fail(path, f"expected marks from 0 to 1,000,000, found {value}")
        return mark

    def options(self, data: dict, cell_name: str) -> dict[str, str]:
        """The cell's options (activation, z_multiplies, reset), each for its cell only."""
        own = CELLS[cell_name].options
        chosen = {}
        for other, kind in CELLS.items():
            for key in kind.options:
                if key in data and key not in own:
                    raise self.fail((key,), f"'{key}' applies to cell: {other} only "
                                    f"(this problem is cell: {cell_name})", at_key=True)
        for key, choices in own.items():
            chosen[key] = self.choice(data, key, choices, choices[0])
        return chosen

    def naming(self, data: dict, layout: str) -> Naming:
        """The file's one naming of the gates' parameters (naming.py): set by its first
        weight key; a key of another naming is refused where it stands."""
        convention = None
        if "convention" in data:
            convention = self.choice(data, "convention", CONVENTIONS, None)
            if layout == "concat":
                raise self.fail(("convention",), "applies to layout: split, where W and U "
                                "are two matrices (concat has one W)", at_key=True)
        if layout == "concat":
            return COURSE
        keys = []  # (path, key) of every parameter key, in the file's order
        for _, _, block, path in self.blocks(data):
            gates = block.get("gates") if isinstance(block, dict) else None
            for gkey, params in gates.items() if isinstance(gates, dict) else ():
                for key in params if isinstance(params, dict) else ():
                    if isinstance(key, str) and key in split_keys():
                        keys.append((path + ("gates", gkey, key), key))
            packed = block.get("packed") if isinstance(block, dict) else None
            for key in packed if isinstance(packed, dict) else ():
                if isinstance(key, str) and key in split_keys():
                    keys.append((path + ("packed", key), key))
        decided = next(((p, families(k)[0]) for p, k in keys if len(families(k)) == 1), None)
        if decided is None:
            return naming_for("W/U", convention or "W_h")
        first, naming = decided
        line = self.doc.key_marks.get(first, (None,))[0]
        seen = f"as at {dotted(first)}" + (f", line {line}" if line else "")
        if naming.explicit and convention is not None:
            raise self.fail(("convention",), f"says which of bare W and U multiplies h_{{t-1}}, "
                            f"but this file's names ({naming.name}, {seen}) say it already: "
                            "remove 'convention'", at_key=True)
        if not naming.explicit:
            naming = naming_for("W/U", convention or "W_h")
        for path, key in keys:
            if key not in naming.keys:
                other = families(key)
                instead = naming.key(other[0].slot(key))
                raise self.fail(path, f"this file names its weights {naming.name} ({seen}), "
                                f"but {key!r} belongs to {' or '.join(n.name for n in other)}: "
                                f"write {instead!r} for it, or use one naming throughout (W/U "
                                "with convention: W_h or W_x; W_x/W_h; Wx/Wh; or W_ih/W_hh "
                                "with b_ih/b_hh)", at_key=True)
        return naming

    def units(self, data, cell, layout, orientation, stack, symbols,
              naming: Naming = COURSE, lstm: LstmVariant | None = None) -> tuple[Unit, ...]:
        """Each layer in each direction, its sizes checked against the layer below."""
        units: list[Unit] = []
        for layer, direction, block, path in self.blocks(data):
            if path:
                self.mapping(block, path, UNIT_KEYS, "gates and initial")
                if not block.get("gates") and not block.get("packed"):
                    raise self.fail(path, "missing 'gates' (every layer and direction needs "
                                    "its parameters; or 'packed')")
            packed = None
            if "packed" in block:
                if "gates" in block:
                    raise self.fail(path + ("packed",), "give either 'gates' (each gate's "
                                    "parameters) or 'packed' (the gates side by side), not "
                                    "both", at_key=True)
                gates, packed = self.packed(block["packed"], path + ("packed",), cell, layout,
                                            orientation, symbols, naming, lstm)
            else:
                gates = self.gates(block.get("gates"), path + ("gates",), cell, layout, stack,
                                   symbols, naming)
            projection = None
            if "projection" in block:
                projection = self.projection(block["projection"], path + ("projection",),
                                             orientation)
            proj_size = None if projection is None else projection.shape[
                1 if orientation == "row" else 0]
            hidden, size, size_from = self.sizes(gates, layout, orientation, stack, proj_size)
            if hidden is None:
                hidden = self.hidden_without_gates(data)
            if projection is not None:
                proj_in = projection.shape[0 if orientation == "row" else 1]
                side = "rows" if orientation == "row" else "columns"
                if proj_in != hidden:
                    raise self.fail(path + ("projection", "W"), f"has {proj_in} {side} but it "
                                    f"multiplies o_t ⊙ tanh(c_t), which has {hidden} entries "
                                    "(the hidden size of the gates)")
                if proj_size >= hidden:
                    raise self.fail(path + ("projection", "W"), f"projects {hidden} entries "
                                    f"onto {proj_size}: the projection size P must be smaller "
                                    f"than the hidden size H, as PyTorch's proj_size")
            peephole = self.peepholes(block.get("peephole"), path + ("peephole",), hidden)
            if layer > 1:
                below = [u for u in units if u.layer == layer - 1]
                want = sum(u.h_size for u in below)
                what = " + ".join(f"{u.h_size} ({u.direction})" for u in below)
                if size != want:
                    p = next(iter(gates.values()))
                    raise self.fail(p.path + (p.naming.key("U" if layout == "split" else "W"),),
                                    f"gives x_t {size} entries, but layer {layer} reads h_t of "
                                    f"layer {layer - 1}, which has {want}"
                                    + (f" = {what}" if len(below) > 1 else ""))
            elif units and size is not None and units[0].input_size is not None and (
                    size != units[0].input_size):
                p = next(iter(gates.values()))
                raise self.fail(p.path + (p.naming.key("U" if layout == "split" else "W"),),
                                f"gives x_t {size} entries but {self.inputs_from} gives "
                                f"it {units[0].input_size}")
            if not units:
                self.inputs_from = size_from  # what sets x_t's size, for later messages
            initial = self.initial(block.get("initial"), path + ("initial",), cell, hidden,
                                   symbols, proj_size)
            units.append(Unit(layer, direction, gates, initial, hidden, size,
                              dotted(path) or "", peephole, projection, proj_size, packed))
        return tuple(units)

    def projection(self, raw, path: tuple, orientation: str) -> Value:
        """``projection: {W: ...}``: W_hr, P × H (H × P in row orientation)."""
        self.mapping(raw, path, PROJECTION_KEYS, "projection keys (W, the P × H matrix W_hr)")
        if "W" not in raw:
            raise self.fail(path, "missing 'W', the projection matrix W_hr (P × H, as "
                            "PyTorch's weight_hr_l0): h_t = W_hr (o_t ⊙ tanh c_t)")
        return self.matrix(raw["W"], path + ("W",))

    def peepholes(self, raw, path: tuple, hidden: int) -> dict[str, Value]:
        """The diagonal peephole weights by gate short name (read in lstm_variant)."""
        names = {"input": "i", "i": "i", "forget": "f", "f": "f", "output": "o", "o": "o"}
        out = {}
        for key, value in (raw or {}).items():
            vec = self.vector(value, path + (key,))
            out[names[key]] = self.length(vec, hidden, path + (key,),
                                          "the hidden size (a peephole is diagonal: one "
                                          "weight per unit)")
        return out

    def packed(self, raw, path: tuple, cell: Cell, layout: str, orientation: str, symbols,
               naming: Naming, lstm: LstmVariant | None) -> tuple[dict[str, GateParams], Packed]:
        """``packed: {order, W_x, W_h, b, b_h}`` (or ``{order, W, b}`` in concat layout): the
        gates' blocks side by side, cut into each gate's parameters (packing.py)."""
        from .packing import block, order_of, out_size

        gates = tuple(g.short for g in cell.gates)
        keys = (*naming.weights, naming.key("b"), naming.key("b_h")) if layout == "split" \
            else CONCAT_KEYS
        self.mapping(raw, path, ("order", *keys), "packed keys (order, "
                     + ", ".join(keys) + ")")
        if "order" not in raw:
            raise self.fail(path, "missing 'order', the gates' order in the packed matrices "
                            "(letters such as ifgo, or pytorch, keras, cs231n, tensorflow)")
        try:
            letters, preset = order_of(raw["order"], cell.name, bool(lstm and lstm.coupled),
                                       gates)
        except ValueError as exc:
            raise self.fail(path + ("order",), str(exc)) from None
        from .packing import LETTERS

        order = tuple(LETTERS[cell.name][ch] for ch in letters)
        needed = naming.weights if layout == "split" else ("W",)
        for key in needed:
            if key not in raw:
                slot = naming.slot(key) if layout == "split" else "W"
                what = {"W": "h_{t-1}", "U": "x_t"}[slot] if layout == "split" else \
                    "the stacked vector"
                raise self.fail(path, f"missing {key!r}, the packed matrix that multiplies "
                                f"{what}")
        row = orientation == "row"
        values = {k: (self.matrix if k in needed else self.vector)(raw[k], path + (k,))
                  for k in keys if k in raw}
        n = len(order)
        first = needed[0]
        side = "columns" if row else "rows"
        total = out_size(values[first], row)
        if total % n:
            raise self.fail(path + (first,), f"has {total} {side}, which the {n} gates of "
                            f"order {letters!r} cannot share: expected {n} × H {side}")
        size = total // n
        for key, value in values.items():
            got = out_size(value, row)
            if got != total:
                what = "entries" if not value.is_matrix else side
                raise self.fail(path + (key,), f"has {got} {what} but packed.{first} has "
                                f"{total} ({n} gates × {size}): every packed value holds the "
                                f"same gates")
        slot_of = naming.slot if layout == "split" else str
        params: dict[str, GateParams] = {}
        for k, short in enumerate(order):
            cut = {slot_of(key): Value(block(v, k, size, row), f"{dotted(path + (key,))} "
                                       f"({letters[k]} block)") for key, v in values.items()}
            letter = letters[k]
            alias = letter != short and cell.gate(letter) is cell.gate(short)  # j, n, u
            if alias:
                symbols[short] = letter
            params[short] = GateParams(short, letter if alias else short, dotted(path), path,
                                       **cut, naming=naming if layout == "split" else COURSE)
        return ({g.short: params[g.short] for g in cell.gates},
                Packed(letters, order, preset, values, size, path))

    def blocks(self, data) -> list[tuple[int, str, dict, tuple]]:
        """(layer, direction, block, path): top-level gates, forward/backward, or layers."""
        bidi = data.get("bidirectional", False)
        if not isinstance(bidi, bool):
            raise self.fail(("bidirectional",), f"expected true or false, found {bidi!r}")
        blocks: list[tuple[int, str, dict, tuple]] = []
        if "layers" in data:
            for key in (*UNIT_KEYS, *DIRECTIONS):
                if key in data:
                    raise self.fail((key,), f"with 'layers', give '{key}' inside each layer",
                                    at_key=True)
            items = data["layers"]
            if not isinstance(items, list) or not items:
                raise self.fail(("layers",), "expected a list of layers, each with 'gates' "
                                "(and optional 'initial')")
            for k, item in enumerate(items):
                path = ("layers", k)
                if bidi:
                    self.mapping(item, path, DIRECTIONS, "directions (forward, backward)")
                    for direction in DIRECTIONS:
                        if direction not in item:
                            raise self.fail(path, f"missing '{direction}' (the problem is "
                                            "bidirectional)")
                        blocks.append((k + 1, direction, item[direction], path + (direction,)))
                else:
                    hint = "gates and initial" + ("; forward and backward need "
                                                  "bidirectional: true" if isinstance(
                                                      item, dict) and "forward" in item else "")
                    self.mapping(item, path, UNIT_KEYS, hint)
                    blocks.append((k + 1, "forward", item, path))
        elif bidi:
            for key in UNIT_KEYS:
                if key in data:
                    raise self.fail((key,), f"a bidirectional problem gives '{key}' inside "
                                    "forward: and backward:", at_key=True)
            for direction in DIRECTIONS:
                if direction not in data:
                    raise self.fail((), f"missing '{direction}' (bidirectional: true needs "
                                    "forward: and backward:, each with gates)")
                blocks.append((1, direction, data[direction], (direction,)))
        else:
            for key in DIRECTIONS:
                if key in data:
                    raise self.fail((key,), f"'{key}' needs bidirectional: true", at_key=True)
            blocks.append((1, "forward", data, ()))
        return blocks

    def stack(self, data: dict, layout: str) -> tuple:
        if "stack" not in data:
            return ("h", "x")
        if layout != "concat":
            raise self.fail(("stack",), "'stack' applies to 'layout: concat' only "
                            "(this problem uses layout: split)")
        stack = data["stack"]
        ok = (
            isinstance(stack, list)
            and sorted(map(str, stack)) in (["h", "x"], ["1", "h", "x"])
            and all(s in ("h", "x", 1) for s in stack)
        )
        if not ok:
            raise self.fail(("stack",), f"expected h and x in some order, optionally with 1 "
                            f"for a bias column (such as [h, x] or [x, h, 1]); found {stack!r}")
        return tuple(stack)

    def gates(self, raw, path, cell, layout, stack, symbols,
              naming: Naming = COURSE) -> dict[str, GateParams]:
        if raw is None:
            return {}
        names = [n for g in cell.gates for n in (g.name, g.short, *g.aliases)]
        if isinstance(raw, dict) and cell.gate("i") is None and cell.name == "lstm":
            for key in ("input", "i"):
                if key in raw:
                    raise self.fail(path + (key,), "coupled: true computes i_t = 1 − f_t, so "
                                    "the input gate has no parameters: remove them",
                                    at_key=True)
        self.mapping(raw, path, names, f"{cell.name.upper()} gates")
        allowed = (*naming.weights, naming.key("b"), naming.key("b_h")) if layout == "split" \
            else CONCAT_KEYS
        found: dict[str, GateParams] = {}
        for key, params in raw.items():
            gate = cell.gate(key)
            gpath = path + (key,)
            where = dotted(gpath)
            if gate.short in found:
                raise self.fail(gpath, f"the {gate.name} gate is given twice "
                                f"(as {found[gate.short].key} and {where})", at_key=True)
            if not isinstance(params, dict):
                raise self.fail(gpath, f"expected a mapping of parameters ({_choices(allowed)})")
            for pkey in params:
                if pkey not in allowed:
                    hint = ""
                    if layout == "concat" and pkey in split_keys():
                        hint = f" ({pkey} belongs to layout: split; concat has one W)"
                    raise self.fail(gpath + (pkey,), f"unknown key {pkey!r}{hint}"
                                    f"{_did_you_mean(pkey, allowed) if not hint else ''}; "
                                    f"expected one of: {_choices(allowed)}", at_key=True)
            if layout == "concat" and "W" not in params:
                raise self.fail(gpath, "missing the weight matrix 'W'")
            for slot in ("W", "U") if layout == "split" else ():
                if naming.key(slot) not in params:
                    message = (f"missing {naming.key(slot)!r}, the matrix that multiplies "
                               f"{MULTIPLIES[slot]}")
                    if naming.convention == "W_x":
                        message += " (convention: W_x)"
                    elif slot == "U" and naming is COURSE:
                        message += " (or use layout: concat with one W)"
                    raise self.fail(gpath, message)
            if 1 in stack and "b" in params:
                raise self.fail(gpath + ("b",), "the stack has a 1, so the bias is a column "
                                "of W; remove 'b' or the 1")
            slot_of = naming.slot if layout == "split" else str
            values = {
                slot_of(p): (self.matrix if slot_of(p) in ("W", "U") else self.vector)(
                    params[p], gpath + (p,))
                for p in allowed if p in params
            }
            found[gate.short] = GateParams(gate.short, key if key != gate.name else gate.short,
                                           where, gpath, **values,
                                           naming=naming if layout == "split" else COURSE)
            if key not in (gate.name, gate.short):
                symbols[gate.short] = key
        return {g.short: found[g.short] for g in cell.gates if g.short in found}

    def sizes(self, gates, layout, orientation, stack, proj_size: int | None = None
              ) -> tuple[int | None, int | None, str]:
        """H and X from the gates' shapes, each checked against the first seen, and what
        set X (for messages). With a projection, h_{t-1} has ``proj_size`` entries."""
        row = orientation == "row"
        hidden = inputs = None
        hidden_from = inputs_from = ""

        def out_in(m: Value) -> tuple[int, int]:  # (outputs, inputs) of a weight matrix
            r, c = m.shape
            return (c, r) if row else (r, c)

        def dim_name(m: Value, which: str) -> str:  # "rows" / "columns" for out or in
            return ("columns" if row else "rows") if which == "out" else (
                "rows" if row else "columns")

        def at(p: GateParams, slot: str) -> tuple:  # where the file wrote a slot
            return p.path + (p.naming.key(slot),)

        for p in gates.values():
            w_out, w_in = out_in(p.W)
            if hidden is None:
                hidden, hidden_from = w_out, dotted(at(p, "W"))
            elif w_out != hidden:
                raise self.fail(at(p, "W"),
                                f"has {w_out} {dim_name(p.W, 'out')} but {hidden_from} has "
                                f"{hidden}: every gate must have the same hidden size")
        for p in gates.values():
            path = p.path
            if layout == "split":
                w_out, w_in = out_in(p.W)
                if w_in != (proj_size or hidden):
                    raise self.fail(at(p, "W"), self.not_on_h(p, gates, hidden, out_in,
                                                              proj_size, row))
                u_out, u_in = out_in(p.U)
                if u_out != hidden:
                    raise self.fail(at(p, "U"), f"has {u_out} {dim_name(p.U, 'out')} but the "
                                    f"hidden size is {hidden} (from {hidden_from})")
                x_size, x_from = u_in, f"{dotted(at(p, 'U'))} has {u_in} {dim_name(p.U, 'in')}"
            else:
                _, k = out_in(p.W)
                x_size = k - (proj_size or hidden) - (1 if 1 in stack else 0)
                parts = " + ".join(
                    {"h": f"h ({proj_size or hidden})", "x": "x", 1: "1 (bias)"}[s]
                    for s in stack)
                if x_size < 1:
                    raise self.fail(path + ("W",), f"has {k} {dim_name(p.W, 'in')}, too few for "
                                    f"the stacked vector [{parts}]")
                x_from = f"{p.key}.W has {k} {dim_name(p.W, 'in')} ({parts})"
            if inputs is None:
                inputs, inputs_from = x_size, x_from
            elif x_size != inputs:
                raise self.fail(at(p, "U" if layout == "split" else "W"),
                                f"gives x_t {x_size} entries but {inputs_from} gives it {inputs}")
            for bias in ("b", "b_h"):
                vec = getattr(p, bias)
                if vec is not None:
                    self.length(vec, hidden, at(p, bias),
                                f"the hidden size (from {hidden_from})")
        return hidden, inputs, inputs_from

    @staticmethod
    def not_on_h(p: GateParams, gates: dict, hidden: int, out_in,
                 proj_size: int | None = None, row: bool = False) -> str:
        """Why the matrix on h_{t-1} has the wrong shape, and, when the shapes fit the
        other convention (W on x_t), which key reads the file that way."""
        n = p.naming
        key = n.key("W")
        shape = f"is {p.W.shape[0]}×{p.W.shape[1]} but "
        h = proj_size or hidden
        expect = f"{h}×{hidden}" if row else f"{hidden}×{h}"
        want = f"which has {h} entries" + (" (the projection's size P)" if proj_size else "") \
            + f": expected {expect}"
        if n.explicit:
            return shape + f"{key} multiplies h_{{t-1}}, {want}"
        default = ", the default" if n.convention == "W_h" else ""
        text = shape + f"{key} multiplies h_{{t-1}} (convention: {n.convention}{default}), {want}"
        others = list(gates.values())
        if all(out_in(q.U) == (hidden, hidden) for q in others) and len(
                {out_in(q.W)[1] for q in others}) == 1:
            flip = "W_x" if n.convention == "W_h" else "W_h"
            source = naming_for("W/U", flip).source
            text += (f". The shapes fit {other_convention(n, 'h_{t-1}')} (as {source} write "
                     f"it): write 'convention: {flip}' at the top of the file")
        return text

    def hidden_without_gates(self, data) -> int:
        """With no gate parameters, H is the length of an initial state or a given value."""
        for key in ("initial", "given"):
            block = data.get(key)
            for value in block.values() if isinstance(block, dict) else ():
                try:
                    return parse_vector(value).shape[0]
                except NumberError:
                    try:
                        return parse_matrix(value).shape[1]  # one vector per step
                    except NumberError:
                        continue
        raise self.fail(("gates",), "cannot tell the hidden size: give the parameters of at "
                        "least one gate (gates: ...) or the initial state")

    def initial(self, raw, path: tuple, cell: Cell, hidden: int, symbols,
                h_size: int | None = None, default: dict | None = None) -> dict[str, Value]:
        """h (of size ``h_size``: P with a projection) and c (of size ``hidden``); zeros, or
        ``default``'s, where not given."""
        raw = {} if raw is None else raw  # (an array has no truth value)
        allowed = [n for s in cell.state for n in (s, *cell.state_aliases.get(s, ()))]
        self.mapping(raw, path, allowed, "initial states")
        out = {}
        for state in cell.state:
            keys = [k for k in raw if cell.quantity(k) == state]
            if len(keys) > 1:
                raise self.fail(path + (keys[1],), f"the initial {state} is given twice "
                                f"(as {keys[0]} and {keys[1]})", at_key=True)
            n = h_size if state == "h" and h_size else hidden
            if keys:
                key = keys[0]
                vec = self.vector(raw[key], path + (key,))
                out[state] = self.length(vec, n, path + (key,), "the projection's size P"
                                         if n != hidden else "the hidden size of the gates")
                if key != state:
                    symbols[state] = key
            elif default is not None:
                out[state] = default[state]
            else:
                out[state] = Value((0,) * n, dotted(path + (state,)))
        return out

    def embedding(self, data, inputs_size) -> Embedding | None:
        if "embedding" not in data:
            for key in ("tokens", "embedding_layout"):
                if key in data:
                    raise self.fail((key,), f"'{key}' needs an 'embedding' matrix")
            return None
        matrix = self.matrix(data["embedding"], ("embedding",))
        layout = data.get("embedding_layout")
        if layout is not None:
            layout = self.choice(data, "embedding_layout", ("rows", "columns"), None)
        rows, cols = matrix.shape
        if layout is None:
            if inputs_size is not None and cols != inputs_size and rows == inputs_size:
                layout = "columns"
            else:
                layout = "rows"
        emb = Embedding(matrix, layout)
        if inputs_size is not None and emb.dim != inputs_size:
            raise self.fail(("embedding",), f"is {rows}×{cols}, so its vectors have {emb.dim} "
                            f"entries, but x_t needs {inputs_size} ({self.inputs_from})")
        return emb

    def inputs(self, data, size, embedding, at: tuple = ()
               ) -> tuple[list[Value], tuple[int, ...] | None]:
        """x (or tokens) of the problem, or of the batch row at ``at``."""
        if "tokens" in data:
            if embedding is None:
                raise self.fail(at + ("tokens",), "'tokens' needs an 'embedding' matrix")
            if "x" in data:
                raise self.fail(at + ("tokens",), "give either 'x' or 'tokens', not both")
            raw = data["tokens"]
            raw = raw if isinstance(raw, list) else [raw]
            if not raw:
                raise self.fail(("tokens",), "expected at least one word index (one per step), "
                                "found an empty list")
            self.at_most_steps(len(raw), "tokens")
            ids = []
            for i, t in enumerate(raw):
                if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < embedding.vocab:
                    raise self.fail(at + ("tokens", i), f"expected a word index from 0 to "
                                    f"{embedding.vocab - 1} (0-based), found {t!r}")
                ids.append(t)
            one_hot = [OneHot(t, embedding.vocab, f"tokens[{i}]") for i, t in enumerate(ids)]
            return one_hot, tuple(ids)
        if "x" not in data:
            raise self.fail(at, "missing required key 'x' (the input x_t, or a list of inputs, "
                            "one per step)" + (", or 'batch' (rows, each with its own x)"
                                               if not at else ""))
        want = embedding.vocab if embedding else size
        what = (f"the embedding's vocabulary has {want} words" if embedding
                else f"x_t needs {want} ({self.inputs_from})")
        path = at + ("x",)
        try:
            rows = parse_table(data["x"])
        except NumberError as exc:
            raise self.fail(path, exc.message) from None
        if not any(isinstance(r, list) for r in rows):
            steps = [rows] if want is None or len(rows) == want or want != 1 else [
                [r] for r in rows]
        elif all(isinstance(r, list) and len(r) == 1 for r in rows) and want != 1:
            steps = [rows]  # a numpy-style column: one vector
        else:
            steps = rows
        self.at_most_steps(len(steps), "x")  # before a vector is made for each
        out = []
        for i, step in enumerate(steps):
            p = path + (i,) if len(steps) > 1 else path
            vec = self.vector(step, p)
            if want is not None and vec.shape[0] != want:
                raise self.fail(p, f"has {vec.shape[0]} entries but {what}")
            out.append(vec)
        want = out[0].shape[0]
        for i, vec in enumerate(out):
            if vec.shape[0] != want:
                raise self.fail(path + (i,), f"has {vec.shape[0]} entries but x[0] has {want}")
        return out, None

    def given(self, data, cell: Cell, units, steps: int, symbols) -> dict:
        raw = data.get("given")
        if raw is None:
            return {}
        if len(units) > 1:
            raise self.fail(("given",), "given values apply to one-layer, one-direction "
                            "problems only", at_key=True)
        hidden = units[0].hidden_size
        self.mapping(raw, ("given",), cell.names(), "given values")
        out = {}
        for key, value in raw.items():
            short = cell.quantity(key)
            path = ("given", key)
            try:
                rows = parse_table(value)
            except NumberError as exc:
                raise self.fail(path, exc.message) from None
            nested = all(isinstance(r, list) for r in rows)
            per_step = nested and not all(len(r) == 1 for r in rows) and len(rows) == steps > 1
            vectors = rows if per_step else [value]
            if steps > 1 and not per_step:
                raise self.fail(path, f"the problem has {steps} steps: give one vector per step "
                                f"(a list of {steps} vectors)")
            for i, v in enumerate(vectors):
                p = path + (i,) if per_step else path
                if (i, short) in out:
                    raise self.fail(p, f"{short} is given twice")
                out[(i, short)] = self.length(self.vector(v, p), hidden, p, "the hidden size")
            if key not in (short, cell.gate(key).name if cell.gate(key) else short):
                symbols.setdefault(short, key)
        return out

    def output_layer(self, data, hidden: int, orientation: str) -> OutputLayer | None:
        """y_t = activation(V h_t + c) on the top layer's output (``hidden`` entries)."""
        raw = data.get("output_layer")
        if raw is None:
            return None
        path = ("output_layer",)
        self.mapping(raw, path, OUTPUT_KEYS, "output-layer keys")
        if "V" not in raw:
            raise self.fail(path, "missing the matrix 'V' (y_t = activation(V h_t + c))")
        V = self.matrix(raw["V"], path + ("V",))
        row = orientation == "row"
        n_in = V.shape[0] if row else V.shape[1]
        n_out = V.shape[1] if row else V.shape[0]
        if n_in != hidden:
            side = "rows" if row else "columns"
            raise self.fail(path + ("V",), f"has {n_in} {side} but h_t has {hidden} entries")
        c = None
        if "c" in raw:
            c = self.length(self.vector(raw["c"], path + ("c",)), n_out, path + ("c",),
                            f"V's output size ({'columns' if row else 'rows'} of V)")
        act = self.choice(raw, "activation", OUTPUT_ACTIVATIONS, "softmax", path)
        return OutputLayer(V, c, act)
