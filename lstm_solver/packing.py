"""Packed weights: one matrix per input with the gates' blocks side by side.

PyTorch, Keras, TensorFlow and CS231n keep a layer's weights as one matrix per
input (PyTorch's ``weight_ih_l0`` is 4H × X, CS231n's ``Wx`` is D × 4H), the
gates' blocks in the library's order. ``packed: {order, W_x, W_h, b, b_h}``
reads them as written: the blocks are cut here into each gate's parameters,
so that nothing else in lstm-solve sees a packed matrix, and the solution
says once how they were cut (:func:`sentences`).

The keys are the file's naming (naming.py): ``W_x``/``W_h``, ``Wx``/``Wh``,
``W_ih``/``W_hh`` with ``b_ih``/``b_hh``, or bare ``W``/``U`` (read by
``convention:``); in concat layout one ``W`` multiplies the stacked vector.
This module imports nothing heavy.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .numbers import Value

# The letters an order may use for each gate (a cell's own letters, and the libraries')
LETTERS = {
    "lstm": {"i": "i", "f": "f", "o": "o", "g": "g", "c": "g", "j": "g"},
    "gru": {"r": "r", "z": "z", "u": "z", "n": "g", "h": "g"},
    "rnn": {"h": "h"},
}
PRESETS = {  # (cell, coupled) -> the library's block order
    "pytorch": {"lstm": "ifgo", "gru": "rzn", "rnn": "h"},
    "keras": {"lstm": "ifco", "gru": "zrh", "rnn": "h"},
    "cs231n": {"lstm": "ifog", "rnn": "h"},
    "tensorflow": {"lstm": "ijfo", "lstm coupled": "jfo", "rnn": "h"},
}
SOURCES = {"pytorch": "PyTorch's weight_ih_l0", "keras": "Keras's kernel",
           "cs231n": "CS231n's Wx", "tensorflow": "TensorFlow's BasicLSTMCell kernel"}
GATE_WORDS = {"i": "the input gate's", "f": "the forget gate's", "o": "the output gate's",
              "g": "the candidate's", "r": "the reset gate's", "z": "the update gate's",
              "h": "the hidden state's"}


@dataclass(frozen=True)
class Packed:
    """The packed matrices as the file wrote them, and how they are cut."""

    letters: str  # the order as letters: "ifgo"
    gates: tuple[str, ...]  # the gates' canonical short names in that order
    preset: str | None  # "pytorch", ... when the order was given by name
    values: dict[str, Value]  # the file's key -> the packed matrix or vector
    size: int  # rows (or columns) per gate: H
    path: tuple  # where it was written: ("packed",), ("layers", 0, "packed"), ...


def order_of(raw, cell: str, coupled: bool, gates: tuple[str, ...]) -> tuple[str, str | None]:
    """(letters, preset) for ``order:``; raises ValueError with the reason."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError(f"expected the gates' order as letters (such as ifgo) or one of: "
                         f"{', '.join(PRESETS)}; found {_show(raw)}")
    text = raw.strip()
    if text.lower() in PRESETS:
        preset = text.lower()
        key = cell + (" coupled" if coupled else "")
        if key not in PRESETS[preset]:
            what = "a coupled LSTM" if coupled else _a(cell)
            hint = {"tensorflow": "; TensorFlow 2's GRU is Keras's: write order: keras"}.get(
                preset, "") if cell == "gru" else ""
            raise ValueError(f"order: {preset} has no packed layout for {what}; write the "
                             f"order of your {len(gates)} gates as letters{hint}")
        return PRESETS[preset][key], preset
    letters = LETTERS[cell]
    bad = [ch for ch in text if ch not in letters]
    if bad:
        close = difflib.get_close_matches(text.lower(), list(PRESETS), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{bad[0]!r} is not a gate's letter here{hint}: {_a(cell)}'s "
                         f"order is its gates' letters ({_letters_help(cell)}) or one of: "
                         f"{', '.join(PRESETS)}; found {text!r}")
    named = [letters[ch] for ch in text]
    for short in gates:
        if named.count(short) != 1:
            said = "twice" if named.count(short) > 1 else "not at all"
            raise ValueError(f"names the {_gate_word(short)} gate {said}: the order must name "
                             f"each of the {len(gates)} gates once ({_letters_help(cell)}); "
                             f"found {text!r}")
    extra = [ch for ch, short in zip(text, named) if short not in gates]
    if extra or len(text) != len(gates):
        raise ValueError(f"has {len(text)} letters but this cell has {len(gates)} gates "
                         f"with parameters" + (" (coupled: true has no input gate)"
                                               if coupled and "i" in text else "")
                         + f"; found {text!r}")
    return text, None


def _a(cell: str) -> str:
    return {"lstm": "an LSTM", "gru": "a GRU", "rnn": "an RNN"}[cell]


def _letters_help(cell: str) -> str:
    return {"lstm": "i, f, o and the candidate as g, c or j",
            "gru": "r, z or u, and the candidate as n or h",
            "rnn": "h"}[cell]


def _gate_word(short: str) -> str:
    return {"i": "input", "f": "forget", "o": "output", "g": "candidate", "r": "reset",
            "z": "update", "h": "hidden"}[short]


def _show(raw) -> str:
    if isinstance(raw, dict):
        return "a mapping"
    if isinstance(raw, list):
        return "a list"
    return repr(raw)


def block(value: Value, k: int, size: int, row: bool) -> tuple:
    """Gate k's block: rows k·size … (k+1)·size − 1 (columns in row orientation); a
    vector's entries."""
    lo, hi = k * size, (k + 1) * size
    if not value.is_matrix:
        return value.exact[lo:hi]
    if row:
        return tuple(r[lo:hi] for r in value.exact)
    return value.exact[lo:hi]


def out_size(value: Value, row: bool) -> int:
    """The gates' dimension of a packed value: rows (columns in row orientation)."""
    if not value.is_matrix:
        return value.shape[0]
    return value.shape[1] if row else value.shape[0]


def label(key: str) -> tuple[str, str]:
    """How a packed key is printed: W_x -> ("W", "x"), Wx -> ("W", "x"), W -> ("W", "")."""
    if key in ("Wx", "Wh"):
        return "W", key[1]
    base, _, sub = key.partition("_")
    return base, sub


def span(lo: int, hi: int, word: str) -> str:
    return f"{word} {lo}" if lo == hi else f"{word}s {lo}–{hi}"


def sentences(problem) -> list[str]:
    """How each packed unit's matrices are cut, once (one sentence for units cut alike)."""
    units = [u for u in problem.units if u.packed is not None]
    if not units:
        return []
    row = problem.orientation == "row"
    groups: dict[tuple, list] = {}
    for u in units:
        p = u.packed
        groups.setdefault((p.letters, p.preset, p.size, tuple(p.values)), []).append(u)
    out = []
    for (letters, preset, size, keys), members in groups.items():
        p = members[0].packed
        gates = members[0].gates
        lines = "column" if row else "row"
        first = next(k for k in keys if p.values[k].is_matrix)
        parts = []
        for k, short in enumerate(p.gates):
            lo, hi = k * size + 1, (k + 1) * size
            param = gates[short].param("W") if problem.layout == "concat" else next(
                q for q in gates[short].written() if q.key == first)
            what = GATE_WORDS[short]
            parts.append(f"{span(lo, hi, lines)} {'is' if lo == hi else 'are'} {what} "
                         f"{param.label}" if k == 0 else f"{span(lo, hi, lines)} {what} "
                         f"{param.label}")
        said = f" (order: {preset})" if preset else ""
        where = ""
        if len(problem.units) > 1:
            names = [_unit_name(u) for u in members]
            where = ("In every layer and direction, " if len(members) == len(problem.units)
                     else f"In {', '.join(names)}, ")
        text = (f"{where}{'the' if where else 'The'} packed {first} holds the gates side by "
                f"side, {size} {lines}{'s' if size > 1 else ''} each, in the order "
                f"{', '.join(letters)}{said}: "
                + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1])
        rest = [k for k in keys if k != first]
        if rest:
            text += (f"; {_and(rest)} {'is' if len(rest) == 1 else 'are'} cut the same way")
        out.append(text + ".")
    return out


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _unit_name(u) -> str:
    return f"layer {u.layer} {u.direction}" if u.direction != "forward" or u.layer > 1 else \
        f"layer {u.layer}"
