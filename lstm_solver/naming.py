"""Which weight multiplies what: the names a problem file gives a gate's parameters.

Inside lstm-solve a gate's parameters have ONE meaning, whatever a file calls
them (the fields of :class:`~lstm_solver.problem.GateParams`, the *slots*):

- ``W`` multiplies h_{t-1} (the state), ``U`` multiplies x_t (the input);
- ``b`` is the bias (PyTorch's bias_ih), ``b_h`` the second bias (bias_hh), which
  a GRU with ``reset: after`` puts inside r_t ⊙ (W h_{t-1} + b_h).

A :class:`Naming` says what a file calls each slot, how the equations print it
and in which order its source writes the pre-activation, so that the solver,
the slips and the counts never branch on it:

============  ==================  ===============================  =================
naming        keys                printed (forget gate)            source
============  ==================  ===============================  =================
W/U, W_h      W, U, b, b_h        W_f h_{t-1} + U_f x_t + b_f      course notes,
                                                                   Goodfellow et al.
W/U, W_x      W, U, b, b_h        W_f x_t + U_f h_{t-1} + b_f      Wikipedia, slides
W_x/W_h       W_x, W_h, b, b_h    W_xf x_t + W_hf h_{t-1} + b_f    d2l.ai
Wx/Wh         Wx, Wh, b, b_h      the same                         d2l.ai
W_ih/W_hh     W_ih, W_hh,         W_if x_t + b_if + W_hf h_{t-1}   PyTorch
              b_ih, b_hh          + b_hf
============  ==================  ===============================  =================

This module imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SLOTS = ("W", "U", "b", "b_h")
MULTIPLIES = {"W": "h_{t-1}", "U": "x_t", "b": "", "b_h": ""}  # what each slot multiplies
TERMS = {"REC": "W", "INP": "U", "B": "b", "BH": "b_h"}  # cells.py's names for the terms
CONVENTIONS = ("W_h", "W_x")  # the `convention:` key: which bare letter multiplies h_{t-1}


@dataclass(frozen=True)
class Param:
    """One parameter as the file wrote it: its meaning, its key and how it is printed."""

    slot: str  # "W" (multiplies h_{t-1}), "U" (multiplies x_t), "b" or "b_h"
    key: str  # as the file writes it: "U", "W_x", "W_ih", "b_ih", ...
    base: str  # the printed letter: "W" of W_xf
    sub: str  # the printed subscript: "xf" of W_xf
    value: Any  # a numbers.Value

    @property
    def multiplies(self) -> str:
        """"h_{t-1}", "x_t", or "" for a bias."""
        return MULTIPLIES[self.slot]

    @property
    def label(self) -> str:
        """The printed name as plain text: W_xf, U_f, b_hf."""
        return f"{self.base}_{self.sub}" if self.sub else self.base


@dataclass(frozen=True)
class Naming:
    """How a file names the slots W, U, b, b_h (see the module's table)."""

    name: str  # "W/U", "W_x/W_h", "Wx/Wh" or "W_ih/W_hh"
    convention: str  # "W_h" | "W_x" with bare W/U; "" where the names say it
    keys: tuple[str, str, str, str]  # the file's key for W, U, b, b_h (SLOTS' order)
    printed: tuple[tuple[str, str], ...]  # (letter, subscript before the gate's letter)
    order: tuple[str, ...]  # the terms as the source writes them: REC, INP, B, BH
    source: str  # who writes it so

    @property
    def explicit(self) -> bool:
        """The names themselves say what each matrix multiplies (not bare W and U)."""
        return not self.convention

    def key(self, slot: str) -> str:
        return self.keys[SLOTS.index(slot)]

    def slot(self, key: str) -> str | None:
        return SLOTS[self.keys.index(key)] if key in self.keys else None

    def param(self, slot: str, gate_letter: str, value, present: tuple[str, ...] = ()) -> Param:
        """Slot ``slot`` of the gate ``gate_letter``; ``present``: the slots the gate gives.

        A printed name never reads as another key of the same gate: in an RNN (the gate
        h) with both biases, b would print b_h, which is the file's second bias, and b_h
        would print b_hh; both are then printed as the file writes them, b and b_h.
        """
        base, prefix = self.printed[SLOTS.index(slot)]
        if slot in ("b", "b_h") and self._biases_clash(gate_letter, present):
            base, _, sub = self.key(slot).partition("_")
            return Param(slot, self.key(slot), base, sub, value)
        return Param(slot, self.key(slot), base, prefix + gate_letter, value)

    def _biases_clash(self, letter: str, present: tuple[str, ...]) -> bool:
        if not {"b", "b_h"} <= set(present):
            return False
        labels = {s: f"{self.printed[SLOTS.index(s)][0]}_{self.printed[SLOTS.index(s)][1]}"
                     f"{letter}" for s in ("b", "b_h")}
        return labels["b"] == self.key("b_h") or labels["b_h"] == self.key("b")

    @property
    def weights(self) -> tuple[str, str]:
        """The two weight keys in the order the source writes them: ("W", "U"), ("W_x", "W_h")."""
        first = [self.key(TERMS[t]) for t in self.order if TERMS[t] in ("W", "U")]
        return first[0], first[1]

    @property
    def slot_order(self) -> tuple[str, ...]:
        return tuple(TERMS[t] for t in self.order)

    def form(self) -> str:
        """The pre-activation in short: "W·h + U·x", "W_ih·x + W_hh·h"."""
        letters = {"W": "h", "U": "x"}
        return " + ".join(f"{self.key(TERMS[t])}·{letters[TERMS[t]]}" for t in self.order
                          if TERMS[t] in letters)


_BIASES = (("b", ""), ("b", "h"))
COURSE = Naming("W/U", "W_h", ("W", "U", "b", "b_h"), (("W", ""), ("U", ""), *_BIASES),
                ("REC", "INP", "B", "BH"), "the course notes and Goodfellow et al., ch. 10")
WIKIPEDIA = Naming("W/U", "W_x", ("U", "W", "b", "b_h"), (("U", ""), ("W", ""), *_BIASES),
                   ("INP", "REC", "B", "BH"), "Wikipedia and many slides")
D2L = Naming("W_x/W_h", "", ("W_h", "W_x", "b", "b_h"), (("W", "h"), ("W", "x"), *_BIASES),
             ("INP", "REC", "B", "BH"), "d2l.ai")
D2L_COMPACT = Naming("Wx/Wh", "", ("Wh", "Wx", "b", "b_h"), D2L.printed, D2L.order, "d2l.ai")
PYTORCH = Naming("W_ih/W_hh", "", ("W_hh", "W_ih", "b_ih", "b_hh"),
                 (("W", "h"), ("W", "i"), ("b", "i"), ("b", "h")), ("INP", "B", "REC", "BH"),
                 "PyTorch")
NAMINGS = (COURSE, D2L, D2L_COMPACT, PYTORCH)  # one per set of keys; WIKIPEDIA is COURSE's keys
NAMES = tuple(n.name for n in NAMINGS)


def naming_for(name: str = "W/U", convention: str = "W_h") -> Naming:
    """The naming called ``name`` ("W/U", "W_x/W_h", ...); bare W/U read by ``convention``."""
    if name == "W/U":
        return WIKIPEDIA if convention == "W_x" else COURSE
    return next(n for n in NAMINGS if n.name == name)


def families(key: str) -> list[Naming]:
    """The namings whose keys include ``key`` (b and b_h belong to three)."""
    return [n for n in NAMINGS if key in n.keys]


def split_keys() -> list[str]:
    """Every parameter key of layout: split, each once."""
    return list(dict.fromkeys(k for n in NAMINGS for k in n.keys))


# --- the sentence every output shows ---------------------------------------------------------


def multiplies_sentence(problem, h: str = "hₜ₋₁", x: str = "xₜ") -> str | None:
    """Which matrix multiplies which, in words, for a solution's header (None without gates).

    With bare W/U and H = X the shapes cannot catch a swap: the sentence then also
    names the ``convention:`` key that reads the file the other way. ``h`` and ``x``
    are how h_{t-1} and x_t are written (plain "h_{t-1}" in JSON).
    """
    units = [u for u in problem.units if u.gates]
    if not units:
        return None
    if problem.layout == "concat":
        return _concat_sentence(problem, units, h, x)
    naming: Naming = problem.naming
    every = " in every gate" if len(problem.cell_def.gates) > 1 else ""
    if naming.explicit:
        p = next(iter(units[0].gates.values()))
        printed = f"printed {p.param('U').label} and {p.param('W').label}"
        if every:
            printed += f" in the {problem.cell_def.gate(p.gate).name} gate, and so on"
        torch = ", as PyTorch's weight_ih and weight_hh" if naming is PYTORCH else ""
        return (f"{naming.key('U')} multiplies {x} and {naming.key('W')} multiplies {h}{every}"
                f"{torch} ({printed}).")
    first, second = (h, x) if naming.convention == "W_h" else (x, h)
    text = (f"W multiplies {first} and U multiplies {second}{every} "
            f"(convention: {naming.convention}" + (", the default" if naming is COURSE else "")
            + ").")
    if all(u.hidden_size == u.input_size for u in units):  # else the shapes settle it
        other = "W_x" if naming.convention == "W_h" else "W_h"
        text += (f" H = X, so the shapes cannot tell W from U: if your W multiplies {second}, "
                 f"write convention: {other}.")
    return text


def _concat_sentence(problem, units, h: str, x: str) -> str:
    sizes = {(u.hidden_size, u.input_size) for u in units}
    lines = "row" if problem.orientation == "row" else "column"
    parts = {"h": h, "x": x, 1: "1"}
    sep = ", " if problem.orientation == "row" else "; "
    text = "W multiplies the stacked vector [" + sep.join(parts[s] for s in problem.stack) + "]"
    if len(sizes) == 1:
        H, X = sizes.pop()
        start, pieces = 1, []
        for s in problem.stack:
            n = {"h": H, "x": X, 1: 1}[s]
            span = f"{lines} {start}" if n == 1 else f"{lines}s {start}–{start + n - 1}"
            verb = "is the bias" if s == 1 else (
                f"multiplies {parts[s]}" if n == 1 else f"multiply {parts[s]}")
            pieces.append(f"{span} {verb}")
            start += n
        text += ": its " + ", ".join(pieces[:-1]) + " and " + pieces[-1]
    return text + "."


def other_convention(naming: Naming, h: str = "h_(t-1)") -> str:
    """"the other convention: W on x_t and U on h_(t-1)", in the file's letters."""
    if naming.convention == "W_h":
        return f"the other convention: W on x_t and U on {h}"
    return f"the other convention: W on {h} and U on x_t"
