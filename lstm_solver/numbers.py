"""Numbers as a problem file writes them, and as a solution shows them.

Values are read exactly: integers as ``int``, decimals as written as
``decimal.Decimal`` (exact, and fast to read), fractions written as strings
(``"1/3"``) as ``fractions.Fraction``. A matrix may be nested
lists, a numpy-style column (``[[0], [2]]``) or a pasted block of text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

MAX_DIM = 4096
MAX_ENTRIES = 1_000_000

Number = int | Decimal | Fraction  # always exact
Exact = tuple  # nested tuples of Number


class NumberError(ValueError):
    """Raised with a message and the path (relative to the value) of the bad entry."""

    def __init__(self, message: str, path: tuple = ()):
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass(frozen=True)
class Value:
    """A vector or matrix from the problem file, kept exact.

    ``key`` is where it was written (``gates.input.W``), for messages.
    """

    exact: Exact
    key: str = ""

    @property
    def is_matrix(self) -> bool:
        return bool(self.exact) and isinstance(self.exact[0], tuple)

    @property
    def shape(self) -> tuple[int, ...]:
        if self.is_matrix:
            return (len(self.exact), len(self.exact[0]))
        return (len(self.exact),)

    @cached_property
    def array(self) -> np.ndarray:
        return np.array(to_float(self.exact), dtype=float)


def to_float(exact: Any) -> Any:
    if isinstance(exact, tuple):
        return [to_float(e) for e in exact]
    try:
        return float(exact)
    except OverflowError:  # beyond float64: carried as infinity, shown as such
        return math.inf if exact > 0 else -math.inf


_BAD_WORDS = {"nan", "inf", "infinity", "-inf", "+inf", "-infinity", "+infinity"}


def as_fraction(x: Number) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(x)


def parse_number(item: Any) -> Number:
    """One number, exactly; NumberError says what was found instead."""
    if isinstance(item, bool) or item is None:
        raise NumberError(f"expected a number, found {_show(item)}")
    if isinstance(item, (int, Fraction)):
        return item
    if isinstance(item, Decimal):
        if not item.is_finite():
            raise NumberError(f"expected a finite number, found {item}")
        return item
    if isinstance(item, float):
        if not math.isfinite(item):
            raise NumberError(f"expected a finite number, found {item}")
        return Fraction(item)
    if isinstance(item, str):
        text = item.strip().replace("−", "-").replace("_", "")
        if text.lower().lstrip("+-.") in {"nan", "inf", "infinity"} or text.lower() in _BAD_WORDS:
            raise NumberError(f"expected a finite number, found {item!r}")
        try:
            return Fraction(text) if "/" in text else Decimal(text)
        except (ValueError, ZeroDivisionError, ArithmeticError):
            raise NumberError(
                f"expected a number (such as 2, 0.5 or \"1/3\"), found {item!r}"
            ) from None
    raise NumberError(f"expected a number, found {_show(item)}")


def _show(item: Any) -> str:
    if isinstance(item, dict):
        return "a mapping"
    if isinstance(item, list):
        return "a list"
    if item is None:
        return "nothing (null)"
    if isinstance(item, bool):
        return str(item).lower()
    return repr(item)


_SPLIT = re.compile(r"[\s,;]+")


def _text_rows(text: str) -> list[list[str]]:
    """Rows of a pasted block: one row a line; brackets and commas ignored.

    numpy's own print wraps a wide row at 75 characters and indents the rest: when the
    block has brackets, a row starts with ``[`` and a line without one continues it.
    """
    text = _unwrapped(text.strip())
    bracketed = "[" in text
    rows: list[list[str]] = []
    for line in text.splitlines():
        entries = [e for e in _SPLIT.split(line.replace("[", " ").replace("]", " ").strip())
                   if e]
        if not entries:
            continue
        if bracketed and rows and not line.lstrip().startswith("["):
            rows[-1].extend(entries)  # numpy's continuation line
        else:
            rows.append(entries)
    return rows


_WRAPPERS = ("array(", "tensor(")  # numpy's repr, PyTorch's print
_TRAILER = re.compile(r"(\s*,\s*\w+\s*=\s*[\w.\[\], ]*?)*\s*\)")


def _unwrapped(text: str) -> str:
    """``array([[...]])``, ``tensor([...], requires_grad=True)`` or PyTorch's "Parameter
    containing:" print -> the bracketed numbers inside."""
    text = text.removeprefix("Parameter containing:").lstrip()
    for wrapper in _WRAPPERS:
        if text.startswith(wrapper) and "]" in text:
            last = text.rindex("]")
            if _TRAILER.fullmatch(text, last + 1):
                return text[len(wrapper):last + 1]
    return text


def parse_table(item: Any) -> list[list[Any]] | list[Any]:
    """Raw rows of a matrix-like value: a list of lists, or a flat list."""
    if isinstance(item, str):
        rows = _text_rows(item)
        if not rows:
            raise NumberError("expected numbers, found empty text")
        return rows[0] if len(rows) == 1 else rows
    if isinstance(item, (int, float, Fraction, Decimal)) and not isinstance(item, bool):
        return [item]
    if not isinstance(item, list):
        raise NumberError(f"expected a list of numbers, found {_show(item)}")
    if not item:
        raise NumberError("expected numbers, found an empty list")
    return item


def parse_matrix(item: Any, key: str = "") -> Value:
    """A matrix: rows of equal length."""
    rows = parse_table(item)
    if not any(isinstance(r, list) for r in rows):
        rows = [rows]  # a single row written flat
    _check_size(len(rows), max(len(r) if isinstance(r, list) else 1 for r in rows))
    out = []
    width = None
    for i, row in enumerate(rows):
        if not isinstance(row, list):
            raise NumberError(f"row {i + 1} is {_show(row)}, expected a list of numbers", (i,))
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise NumberError(
                f"ragged matrix: row 1 has {width} entries but row {i + 1} has {len(row)}", (i,)
            )
        out.append(tuple(_number_at(x, (i, j)) for j, x in enumerate(row)))
    if not width:
        raise NumberError("expected numbers, found an empty row")
    return Value(tuple(out), key)


def parse_vector(item: Any, key: str = "") -> Value:
    """A vector: flat, a numpy-style column ``[[a], [b]]``, or a row ``[[a, b]]``."""
    rows = parse_table(item)
    if all(isinstance(r, list) for r in rows):
        if all(len(r) == 1 for r in rows):
            rows = [r[0] for r in rows]
        elif len(rows) == 1:
            rows = rows[0]
        else:
            raise NumberError(
                f"expected a vector, found a {len(rows)}×{len(rows[0])} matrix"
            )
    _check_size(len(rows), 1)
    return Value(tuple(_number_at(x, (i,)) for i, x in enumerate(rows)), key)


def _number_at(x: Any, path: tuple) -> Number:
    try:
        return parse_number(x)
    except NumberError as exc:
        raise NumberError(exc.message, path) from None


def _check_size(rows: int, cols: int) -> None:
    if rows > MAX_DIM or cols > MAX_DIM or rows * cols > MAX_ENTRIES:
        raise NumberError(
            f"a {rows}×{cols} matrix is larger than this tool handles "
            f"(at most {MAX_DIM} rows or columns, {MAX_ENTRIES:,} entries)"
        )


# --- showing numbers ---------------------------------------------------------


@dataclass(frozen=True)
class Rounding:
    """How numbers are shown (and, with ``carry='rounded'``, carried)."""

    decimals: int = 4
    round_half: str = "up"  # "up" | "even" | "down" (halves toward 0) | "truncate"
    carry: str = "exact"  # "exact" | "rounded"
    # with carry "rounded": the quantities rounded before they are carried, each with its
    # digits ((short, digits), ...); empty: every value, to ``decimals``
    only: tuple[tuple[str, int], ...] = ()

    def decimal(self, x: float) -> Decimal:
        """``x`` rounded to ``decimals`` digits, from its shortest decimal form.

        Rounding the shortest repr (not the binary value) makes 0.125 -> 0.13
        with ``round_half: up``, as on paper.
        """
        return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-self.decimals),
                                                 rounding=MODES[self.round_half])

    def round(self, values: np.ndarray) -> np.ndarray:
        """The values a hand calculation would write down and carry on with."""
        flat = [float(self.decimal(v)) + 0.0 if math.isfinite(v) else v  # + 0.0: no -0.0
                for v in values.ravel()]
        return np.array(flat, dtype=float).reshape(values.shape)

    def show(self, x: float, bare: bool = False) -> str:
        """One number as the solution prints it, to ``decimals`` digits.

        ``bare``: a whole number written in the problem stays as written (2, not 2.0000).
        """
        x = float(x)
        if not math.isfinite(x):
            return "∞" if x > 0 else "-∞" if x < 0 else "NaN"
        if bare and x == int(x) and abs(x) < 1e15:
            return str(int(x))
        if abs(x) >= 1e9:
            return f"{x:.{self.decimals}e}"
        rounded = self.decimal(x)
        text = format(rounded, "f")  # never 0E-8 or 1.2E-7
        if text.startswith("-") and rounded == 0:
            text = text[1:]
        return text

    def at(self, digits: int) -> Rounding:
        """The same rounding to ``digits`` decimals."""
        return replace(self, decimals=digits)


MODES = {"up": ROUND_HALF_UP, "even": ROUND_HALF_EVEN, "down": ROUND_HALF_DOWN,
         "truncate": ROUND_DOWN}
ROUND_HALF = tuple(MODES)  # the choices of round_half
