"""Reading a student's answer file: the names students write, keyed by step, layer and
direction.

    student: Ada                 # optional; the file name otherwise
    problem: variant-003.yaml    # optional: the variant answered (a class with variants)
    g_t: [1, 1]                  # g, g_t, gt, G_t, c_tilde, C̃ₜ ... (one-step problem)
    C_2: [1.1469, 2.1363]        # a step in the name: c_2, c2, c_{2}, C₂
    steps: {2: {h: [0.2723, 0.9719]}}
    layers: {2: {h: [...]}}      # a stacked network
    forward: {h: [...]}          # a bidirectional one (and backward:)
    h: [0.27, null]              # null (or ?) leaves an entry unanswered
    batch: [{h: [...]}, {h: [...]}]   # a batch: each row's answers, in the rows' order

Every malformed file gives one ProblemError located at its key; a name that could mean
two things is an error, never a guess. Nothing here imports sympy.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ProblemError
from .files import read_file
from .numbers import MAX_DIM, Number, NumberError, parse_number, parse_table
from .problem import Problem
from .yamlsource import Document, control_character, read_text

META_KEYS = ("student", "problem")
DIRECTIONS = ("forward", "backward")
BLANKS = (None, "?", "")


@dataclass(frozen=True)
class Slot:
    """Where a quantity lives: its layer, direction, step and short name."""

    layer: int  # 1-based
    direction: str  # "forward" | "backward" | "both" (a bidirectional network's outputs)
    k: int  # the step's index (0-based); t = problem.start + k
    short: str  # canonical short name: i f g o c h, r z g h, x, y
    row: int = 0  # a batch's row (0-based)


@dataclass(frozen=True)
class Written:
    """One vector as the student wrote it; None where an entry was left blank."""

    numbers: tuple[Number | None, ...]
    path: tuple = ()  # where in the file
    name: str = ""  # the key the student used

    @property
    def array(self) -> np.ndarray:
        return np.array([math.nan if x is None else _float(x) for x in self.numbers])

    def decimals(self, i: int) -> int | None:
        """Digits written after the point (None: an exact fraction, or blank)."""
        x = self.numbers[i]
        if isinstance(x, Decimal):
            return max(0, -int(x.as_tuple().exponent))
        return 0 if isinstance(x, int) else None

    def text(self, i: int) -> str | None:
        x = self.numbers[i]
        if isinstance(x, Decimal) and -20 < x.adjusted() < 20:
            return format(x, "f")
        return None if x is None else str(x)


@dataclass
class Answers:
    """What one student wrote: slot -> vector."""

    values: dict[Slot, Written]
    student: str
    file: str
    problem: str | None = None  # the variant the file names (problem:)
    gradients: dict = field(default_factory=dict)  # the backward pass (gradient_answers.py)


# --- the names of quantities ----------------------------------------------------------------

Namer = Callable[[Problem], dict[str, str]]


def _cell_names(problem: Problem) -> dict[str, str]:
    cell = problem.cell_def
    names = {n: cell.quantity(n) for n in cell.names()}
    words = {"hidden": "h", "hidden_state": "h", "cell": "c", "cell_state": "c",
             "x": "x", "y": "y", "y_hat": "y", "yhat": "y"}
    names.update({w: s for w, s in words.items() if s in cell.quantities or s in "xy"})
    return names


NAMERS: list[Namer] = [_cell_names]
"""Where the names come from: the cell's quantities; a new kind of answer (a gradient)
adds a namer returning its names -> short names."""


def quantity_names(problem: Problem) -> dict[str, str]:
    """Every name a student may write for a quantity of ``problem`` -> its short name."""
    out: dict[str, str] = {}
    for namer in NAMERS:
        out.update(namer(problem))
    return out


_SUBSCRIPT_IN = str.maketrans("₀₁₂₃₄₅₆₇₈₉ₜ₋₊", "0123456789t-+")
_SUBSCRIPT_OUT = str.maketrans("0123456789t-+", "₀₁₂₃₄₅₆₇₈₉ₜ₋₊")
_SUB = re.compile(r"_?(t|t-1|t\+1|\d+|prev|previous|next)", re.IGNORECASE)
_STEP = re.compile(r"(?:t\s*=?\s*|step\s*)?(\d+)", re.IGNORECASE)
_LAYER = re.compile(r"(?:layer\s*|l\s*)?(\d+)", re.IGNORECASE)


def normal_name(raw: str) -> str:
    """A name as typed, handwritten or pasted from LaTeX, in one spelling:
    ``C̃₂`` -> ``C_tilde_2``, ``h_{t-1}`` -> ``h_t-1``, ``\\tilde{c}_t`` -> ``c_tilde_t``."""
    s = unicodedata.normalize("NFD", raw)
    s = s.replace("\u0303", "_tilde").replace("\u0302", "_hat").replace("−", "-")
    s = re.sub(r"[₀-₉ₜ₋₊]+", lambda m: "_" + m.group().translate(_SUBSCRIPT_IN), s)
    s = re.sub(r"\\(tilde|hat)\s*\{?\s*([A-Za-z])\s*\}?", r"\2_\1", s)
    s = re.sub(r"^~\s*([A-Za-z])", r"\1_tilde", s)
    s = re.sub(r"([A-Za-z])\s*~", r"\1_tilde", s)
    s = re.sub(r"[\s${}()\\]", "", s)
    s = re.sub(r"_+", "_", s).strip("_")
    return s


def meanings(raw: str, names: dict[str, str]) -> set[tuple[str, str | None]]:
    """What a key could mean: (short name, subscript or None), every reading there is."""
    s = normal_name(raw)
    folded: dict[str, set[str]] = {}
    for n, short in names.items():
        folded.setdefault(n.casefold(), set()).add(short)

    def lookup(base: str) -> set[str]:
        if base in names:
            return {names[base]}
        return folded.get(base.casefold(), set())

    out = {(short, None) for short in lookup(s)}
    if s in names:
        return out  # a name as the problem format spells it wins
    for i in range(1, len(s)):
        if _SUB.fullmatch(s[i:]):
            sub = s[i:].lstrip("_").lower()
            out |= {(short, sub) for short in lookup(s[:i])}
    return out


def subscript(text: str) -> str:
    return text.translate(_SUBSCRIPT_OUT)


def symbol(problem: Problem, short: str, dt: int | None = 0) -> str:
    """A quantity at no step in particular, in the problem's notation: ``uₜ``, ``Cₜ₋₁``."""
    base = {"c_tilde": "c̃", "h_tilde": "h̃"}.get(problem.symbol(short), problem.symbol(short))
    return base + {0: "ₜ", -1: "ₜ₋₁", 1: "ₜ₊₁", None: ""}[dt]


def label(problem: Problem, slot: Slot | None = None, index: int | None = None, *,
          short: str = "", t: int | None = None, layer: int = 1,
          direction: str = "forward") -> str:
    """A quantity in the problem's notation: ``c₂[1]``, ``h→₃``, ``h⁽²⁾₁``."""
    if slot is not None:
        short, t, layer, direction = (slot.short, problem.start + slot.k, slot.layer,
                                      slot.direction)
    from .gradient_answers import gradient_label, is_gradient

    if is_gradient(short):  # ∂L/∂h₂, δ_o₂, ∂L/∂W_f (the backward pass)
        out = gradient_label(problem, short, t, layer, direction)
        return out if index is None else f"{out}[{index + 1}]"
    base = symbol(problem, short, None)
    if problem.bidirectional and direction in DIRECTIONS:
        base += "→" if direction == "forward" else "←"
    if problem.layers > 1 and direction != "both":
        base += "⁽" + str(layer).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")) + "⁾"
    out = base + (subscript(str(t)) if t is not None else "ₜ")
    return out if index is None else f"{out}[{index + 1}]"


# --- reading a file -------------------------------------------------------------------------


def read_answer_file(path: str | Path) -> Document:
    """The YAML of an answer file, every failure a located ProblemError."""
    return read_document(read_file(path, "an answer file"), str(path))


ANSWERS_EXPECTED = "expected a mapping of quantities to the values you wrote, such as " \
    "'h: [0.27, 0.97]'"


def read_document(text: str, file: str) -> Document:
    try:
        doc = read_text(text, file)
    except ProblemError as exc:
        if exc.message.startswith("the file is empty"):  # not a problem file's 'cell: lstm'
            raise ProblemError(f"the file is empty: {ANSWERS_EXPECTED}", file=file) from None
        raise
    if not isinstance(doc.data, dict):
        found = "a list" if isinstance(doc.data, list) else repr(doc.data)
        raise ProblemError(f"{ANSWERS_EXPECTED}; found {found}", file=file, line=1, column=1)
    return doc


def metadata(doc: Document) -> tuple[str, str | None]:
    """(student, problem) from an answer file: the file's name when no student is given."""
    out = []
    for key in META_KEYS:
        value = doc.data.get(key)
        if isinstance(value, (list, dict, bool)):
            raise doc.error((key,), f"expected text, found {_what(value)}")
        bad = control_character(str(value)) if value is not None else None
        if bad:  # "\0" in a quoted name: the CSV and the reports could not show it
            raise doc.error((key,), f"holds the control character {bad}: remove it")
        out.append(None if value is None else str(value).strip() or None)
    return out[0] or Path(doc.file).stem, out[1]


def parse_document(doc: Document, problem: Problem) -> Answers:
    from .gradient_answers import take

    student, variant = metadata(doc)
    gradients = take(doc, doc.data, problem)  # dh, d_pre, grad, ... (the backward pass)
    values = _Reader(doc, problem).read()
    return Answers(values, student, doc.file, variant, gradients)


def parse_answers(text: str, problem: Problem, file: str = "<answers>") -> Answers:
    return parse_document(read_document(text, file), problem)


def load_answers(path: str | Path, problem: Problem) -> Answers:
    return parse_document(read_answer_file(path), problem)


@dataclass(frozen=True)
class _Context:
    """What the keys above a value said: its layer, direction and step."""

    layer: int | None = None
    direction: str | None = None
    t: int | None = None
    said: dict = field(default_factory=dict)  # part -> the key that set it (for messages)

    def set(self, doc: Document, path: tuple, part: str, value, key) -> _Context:
        old = getattr(self, part)
        if old is not None and old != value:
            what = {"t": "step", "layer": "layer", "direction": "direction"}[part]
            raise doc.error(path, f"{key!r} names {what} {value}, but it stands under "
                            f"{self.said[part]!r} ({what} {old})", at_key=True)
        said = {**self.said, part: key}
        return _Context(**{**self.__dict__, part: value, "said": said})


class _Reader:
    def __init__(self, doc: Document, problem: Problem):
        self.doc = doc
        self.problem = problem
        self.names = quantity_names(problem)
        self.steps = range(problem.start, problem.start + problem.steps)
        self.out: dict[Slot, Written] = {}

    def fail(self, path: tuple, message: str, at_key: bool = True) -> ProblemError:
        return self.doc.error(path, message, at_key)

    def read(self) -> dict[Slot, Written]:
        data = {k: v for k, v in self.doc.data.items() if k not in META_KEYS}
        if "batch" in data:
            return self.batch(data)
        self.block(data, (), _Context())
        return self.out

    def batch(self, data: dict) -> dict[Slot, Written]:
        """``batch: [{h: ...}, ...]``: each row's answers, read against that row (issue 17)."""
        from dataclasses import replace

        problem = self.problem
        rows = data.pop("batch")
        if data:
            key = next(iter(data))
            raise self.fail((key,), f"with 'batch:', give every answer in its row (found "
                            f"{key!r} outside)")
        if not problem.batch:
            raise self.fail(("batch",), "the problem has no batch: give the values without "
                            "'batch:'")
        if not isinstance(rows, list) or not 1 <= len(rows) <= len(problem.batch):
            raise self.fail(("batch",), f"expected a list of up to {len(problem.batch)} rows "
                            f"(the problem's batch), each a mapping of quantities to values; "
                            f"found {_what(rows)}" + (f" of {len(rows)}" if isinstance(
                                rows, list) else ""), at_key=False)
        for k, block in enumerate(rows):
            reader = _Reader(self.doc, problem.row(k))
            reader.block(block, ("batch", k), _Context())
            self.out.update({replace(slot, row=k): w for slot, w in reader.out.items()})
        return self.out

    def block(self, data: Any, path: tuple, ctx: _Context) -> None:
        if not isinstance(data, dict):
            raise self.fail(path, f"expected a mapping of quantities to the values you wrote "
                            f"(such as 'h: [0.27, 0.97]'), found {_what(data)}", at_key=False)
        for key, value in data.items():
            where = path + (key,)
            if key == "batch":
                raise self.fail(where, "'batch' belongs at the top of the file")
            if key == "steps":
                self.keyed(value, where, ctx, "t")
            elif key == "layers":
                self.keyed(value, where, ctx, "layer")
            elif key in DIRECTIONS:
                if not self.problem.bidirectional:
                    raise self.fail(where, f"'{key}' is for a bidirectional network; this one "
                                    "reads the sequence one way")
                self.block(value, where, ctx.set(self.doc, where, "direction", key, key))
            elif key in META_KEYS:
                raise self.fail(where, f"'{key}' belongs at the top of the file")
            elif self.step_key(key) is not None:
                self.block(value, where, ctx.set(self.doc, where, "t", self.step(key, where),
                                                 key))
            else:
                self.quantity(key, value, where, ctx)

    def keyed(self, value: Any, path: tuple, ctx: _Context, part: str) -> None:
        """``steps: {2: {...}}`` or ``layers: {2: {...}}`` (a list: 1, 2, ... in order)."""
        what = {"t": "step", "layer": "layer"}[part]
        if isinstance(value, list) and part == "layer":
            value = {k + 1: v for k, v in enumerate(value)}
            items = [(k, v, path + (k - 1,)) for k, v in value.items()]
        elif isinstance(value, dict):
            items = [(k, v, path + (k,)) for k, v in value.items()]
        else:
            example = "2: {h: [...]}" if part == "t" else "2: {h: [...]}  (layer 2)"
            raise self.fail(path, f"expected a mapping of {what}s to values, such as "
                            f"'{example}'; found {_what(value)}", at_key=False)
        for key, block, where in items:
            n = self.step(key, where) if part == "t" else self.layer(key, where)
            self.block(block, where, ctx.set(self.doc, where, part, n, key))

    def step_key(self, key: Any) -> int | None:
        if isinstance(key, bool):
            return None
        if isinstance(key, int):
            return key
        m = _STEP.fullmatch(str(key).strip())
        return int(m.group(1)) if m else None

    def step(self, key: Any, path: tuple) -> int:
        t = self.step_key(key)
        if t is None:
            raise self.fail(path, f"expected a step (such as 2 or t=2), found {key!r}")
        self.check_step(t, path)
        return t

    def check_step(self, t: int, path: tuple, short: str | None = None) -> None:
        if t in self.steps:
            return
        span = _span(self.steps)
        hint = ""
        if short and len(self.steps) == 1:
            hint = f"; did you mean '{self.problem.symbol(short)}_{self.steps.start}'?"
        if t == self.steps.start - 1:
            raise self.fail(path, f"t = {t} is the state before the first computed step (the "
                            f"problem gives it); the problem computes {span}{hint}")
        raise self.fail(path, f"there is no step {t}; the problem computes {span}{hint}")

    def layer(self, key: Any, path: tuple) -> int:
        m = _LAYER.fullmatch(str(key).strip()) if not isinstance(key, bool) else None
        n = int(m.group(1)) if m else None
        if n is None or not 1 <= n <= self.problem.layers:
            layers = self.problem.layers
            raise self.fail(path, f"expected a layer from 1 to {layers}, found {key!r}"
                            + (" (the network has one layer)" if layers == 1 else ""))
        return n

    # -- one quantity ---------------------------------------------------------------------

    def quantity(self, key: Any, value: Any, path: tuple, ctx: _Context) -> None:
        problem = self.problem
        found = meanings(str(key), self.names)
        if not found:
            raise self.fail(path, self.unknown(key))
        shorts = {short for short, _ in found}
        if len(found) > 1:
            said = " or ".join(sorted(f"{short}" + (f" at t = {sub}" if sub else "")
                                      for short, sub in found))
            raise self.fail(path, f"{key!r} could mean {said}: write one of the names "
                            f"{', '.join(sorted(shorts))} (keyed by step if needed)")
        short, sub = next(iter(found))
        nice = label(problem, short=short, t=None)
        if sub in ("t-1", "prev", "previous", "t+1", "next"):
            base = re.sub(r"_?(t-1|t\+1|prev|previous|next)$", "", normal_name(str(key)),
                          flags=re.IGNORECASE)
            raise self.fail(path, f"{key!r} names the state the step reads "
                            f"({symbol(problem, short, -1)}), which the problem gives or an "
                            f"earlier step computes; did you mean '{base}_t'?")
        if sub not in (None, "t"):
            t = int(sub)
            if problem.layers > 1 and ctx.layer is None and t <= problem.layers:
                raise self.fail(path, f"{key!r} could be {short} at t = {t} or the {short} of "
                                f"layer {t}: write 'steps: {{{t}: {{{short}: ...}}}}' or "
                                f"'layers: {{{t}: {{{short}: ...}}}}'")
            if not isinstance(value, dict) and self.length(value) == 1 and value is not None and (
                    self.size(short, ctx.direction or "forward", ctx.layer or 1) > 1):
                raise self.fail(path, f"{key!r} holds one number, but {nice} has "
                                f"{self.size(short, ctx.direction or 'forward', ctx.layer or 1)}"
                                f" entries: if {t} is an entry, "
                                f"write '{short}: [...]' with every entry; if it is the step, "
                                f"give the whole vector")
            self.check_step(t, path, short)
            ctx = ctx.set(self.doc, path, "t", t, key)
        if isinstance(value, dict):  # h: {1: [...], 2: [...]}, by step
            if not value:
                raise self.fail(path, "expected a vector, or a mapping of steps to vectors; "
                                "found an empty mapping", at_key=False)
            for t, vec in value.items():
                where = path + (t,)
                if self.step_key(t) is None:
                    raise self.fail(where, f"expected a vector, or a mapping of steps to "
                                    f"vectors (such as '{short}: {{2: [...]}}'); found the key "
                                    f"{t!r}")
                inner = ctx.set(self.doc, where, "t", self.step(t, where), t)
                layer, direction = self.place(short, vec, where, inner)
                self.store(key, short, vec, where, inner.t, layer, direction)
            return
        layer, direction = self.place(short, value, path, ctx)
        self.store(key, short, value, path, ctx.t, layer, direction)

    def unknown(self, key: Any) -> str:
        computed = [self.problem.symbol(s) for s in self.problem.cell_def.quantities]
        extra = ["x"] * bool(self.problem.embedding) + ["y"] * bool(self.problem.output_layer)
        near = difflib.get_close_matches(normal_name(str(key)), list(self.names), n=1,
                                         cutoff=0.6)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        cell = self.problem.cell.upper()
        return (f"unknown quantity {key!r}{hint}; {'an' if cell[0] in 'LR' else 'a'} {cell} "
                f"here computes {', '.join(computed + extra)} (a name may carry the step: "
                f"h_t, h_2, h2, h₂)")

    def place(self, short: str, value: Any, path: tuple, ctx: _Context) -> tuple[int, str]:
        """The layer and direction of a quantity whose keys may not have said them."""
        problem = self.problem
        layer = ctx.layer
        if short == "y":
            if layer not in (None, problem.layers):
                raise self.fail(path, f"y is computed on the top layer ({problem.layers})")
            layer = problem.layers
        elif short == "x":
            if not problem.embedding:
                raise self.fail(path, "x_t is given in the problem (it has no embedding "
                                "lookup to compute)")
            if layer not in (None, 1):
                raise self.fail(path, "x_t is the first layer's input (its embedding)")
            layer = 1
        elif layer is None:
            if problem.layers > 1:
                raise self.fail(path, f"the network has {problem.layers} layers: key the "
                                f"values by layer, as 'layers: {{{problem.layers}: "
                                f"{{{short}: [...]}}}}'")
            layer = 1
        direction = ctx.direction
        if not problem.bidirectional:
            return layer, "forward"
        if short in ("y", "x") and direction is None:
            return layer, "both" if short == "y" else "forward"
        if direction is None:
            both = 2 * problem.hidden_size
            top = short == "h" and layer == problem.layers
            if top and self.length(value) == both:
                return layer, "both"
            raise self.fail(path, f"the network is bidirectional: put {short} under "
                            f"'forward:' or 'backward:'" + (
                                f" (or give h as [h→; h←], {both} entries)"
                                if top else ""))
        if short == "y":
            raise self.fail(path, "y reads both directions: give it outside forward:/backward:")
        return layer, direction

    def length(self, value: Any) -> int | None:
        try:
            rows = parse_table(value) if value is not None else None
        except NumberError:
            return None
        if rows is None:
            return None
        if rows and all(isinstance(r, list) for r in rows):
            return len(rows) if all(len(r) == 1 for r in rows) else (
                len(rows[0]) if len(rows) == 1 else None)
        return len(rows)

    def size(self, short: str, direction: str, layer: int = 1) -> int:
        problem = self.problem
        if short == "y":
            V = problem.output_layer.V
            return V.shape[0 if problem.orientation == "column" else 1]
        unit = next(u for u in problem.units if u.layer == layer and (
            u.direction == direction or direction == "both"))
        if short == "x":
            return unit.input_size
        n = unit.h_size if short == "h" else unit.hidden_size  # P with a projection
        return 2 * n if direction == "both" else n

    def store(self, key, short, value, path, t, layer, direction) -> None:
        problem = self.problem
        n = self.size(short, direction, layer)
        if t is None:
            if problem.steps == 1:
                t = problem.start
            else:
                vectors = self.per_step(value, n, path)
                if vectors is None:
                    span = _span(self.steps)
                    raise self.fail(path, f"the problem has {problem.steps} steps ({span}): "
                                    f"key the values by step, as 'steps: {{{problem.start}: "
                                    f"{{{short}: [...]}}}}', or give one vector per step")
                for k, vec in enumerate(vectors):
                    self.put(Slot(layer, direction, k, short),
                             self.vector(vec, path + (k,), n, short, problem.start + k),
                             key, path)
                return
        k = t - problem.start
        self.put(Slot(layer, direction, k, short), self.vector(value, path, n, short, t), key,
                 path)

    def per_step(self, value: Any, n: int, path: tuple) -> list | None:
        """A list of one vector per step (as ``x:`` is written), or None."""
        if isinstance(value, str):
            try:
                value = parse_table(value)
            except NumberError:
                return None
        if not isinstance(value, list) or len(value) != self.problem.steps:
            return None
        if not all(isinstance(v, list) and len(v) == n for v in value):
            return None
        return value

    def put(self, slot: Slot, written: Written, key, path: tuple) -> None:
        if slot in self.out:
            first = self.out[slot].name
            raise self.fail(path, f"{label(self.problem, slot)} is given twice (as {first!r} "
                            f"and {key!r})")
        self.out[slot] = Written(written.numbers, path, str(key))

    def vector(self, value: Any, path: tuple, n: int, short: str, t: int) -> Written:
        name = label(self.problem, short=short, t=t)
        if value is None:
            return Written((None,) * n, path)
        try:
            entries = _entries(value)
        except NumberError as exc:
            raise self.fail(path + exc.path, exc.message, at_key=False) from None
        if len(entries) != n:
            raise self.fail(path, f"has {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}"
                            f" but {name} has {n}", at_key=False)
        numbers = []
        for i, x in enumerate(entries):
            if isinstance(x, str) and x.strip() in BLANKS:
                numbers.append(None)
                continue
            try:
                numbers.append(parse_number(x))
            except NumberError as exc:
                raise self.fail(path + (i,), exc.message, at_key=False) from None
        return Written(tuple(numbers), path)


def _entries(value: Any) -> list:
    """The entries of a vector as written: flat, a numpy-style column, a row, or text."""
    if isinstance(value, str):
        if value.strip() in BLANKS:
            return [value]
        rows = parse_table(value)
    elif isinstance(value, list):
        if not value:
            raise NumberError("expected numbers, found an empty list")
        rows = value
    elif isinstance(value, dict):
        raise NumberError("expected a vector (a list of numbers), found a mapping")
    else:
        return [value]
    if all(isinstance(r, list) for r in rows):
        if all(len(r) == 1 for r in rows):
            rows = [r[0] for r in rows]
        elif len(rows) == 1:
            rows = rows[0]
        else:
            raise NumberError(f"expected a vector, found a {len(rows)}×{len(rows[0])} matrix")
    if len(rows) > MAX_DIM:
        raise NumberError(f"{len(rows)} entries are more than this tool handles ({MAX_DIM})")
    for i, x in enumerate(rows):
        if isinstance(x, (list, dict)):
            raise NumberError(f"expected a number, found {_what(x)}", (i,))
    return [("" if x is None else x) for x in rows]


def _span(steps: range) -> str:
    return f"t = {steps.start}" if len(steps) == 1 else f"t = {steps.start} to {steps[-1]}"


def _what(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def _float(x: Number) -> float:
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf

