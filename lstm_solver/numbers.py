"""Numbers as a problem file writes them, and as a solution shows them.

Values are read exactly: integers as ``int``, decimals as written as
``decimal.Decimal`` (exact, and fast to read), fractions written as strings
(``"1/3"``) as ``fractions.Fraction``. A matrix may be nested
lists, a numpy-style column (``[[0], [2]]``) or a pasted block of text.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, replace
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
)
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from .limits import FLOAT_MAX, FLOAT_MIN, MAX_DIM, MAX_ENTRIES, MAX_NUMBER_CHARS

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


class OneHot(Value):
    """The one-hot vector of word ``index`` among ``size``: its entries are made only when
    something asks for them (a sequence of 1,000 tokens over 4,096 words would otherwise
    hold four million numbers)."""

    def __init__(self, index: int, size: int, key: str = ""):
        for name, value in (("index", index), ("size", size), ("key", key)):
            object.__setattr__(self, name, value)

    @cached_property
    def exact(self) -> Exact:  # type: ignore[override]
        return (0,) * self.index + (1,) + (0,) * (self.size - self.index - 1)

    @property
    def is_matrix(self) -> bool:
        return False

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.size,)

    @cached_property
    def array(self) -> np.ndarray:
        out = np.zeros(self.size)
        out[self.index] = 1.0
        return out


def to_float(exact: Any) -> Any:
    if isinstance(exact, tuple):
        return [to_float(e) for e in exact]
    try:
        return float(exact)
    except OverflowError:  # beyond float64 (parse_number refuses it): infinity
        return math.inf if exact > 0 else -math.inf


_BAD_WORDS = {"nan", "inf", "infinity", "-inf", "+inf", "-infinity", "+infinity"}


def as_fraction(x: Number) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(x)


def parse_number(item: Any) -> Number:
    """One number, exactly; NumberError says what was found instead.

    A number must be one float64 can carry (the solution is computed in float64):
    magnitude at most about 1.8e308, and 0 or at least about 2.2e-308.
    """
    if isinstance(item, bool) or item is None:
        raise NumberError(f"expected a number, found {_show(item)}")
    if isinstance(item, (int, Fraction)):
        return _in_range(item, item)
    if isinstance(item, Decimal):
        if not item.is_finite():
            raise NumberError(f"expected a finite number, found {item}")
        return _in_range(item, item)
    if isinstance(item, float):
        if not math.isfinite(item):
            raise NumberError(f"expected a finite number, found {item}")
        return _in_range(Fraction(item), item)
    if isinstance(item, str):
        text = item.strip().replace("−", "-").replace("_", "")
        if text.lower().lstrip("+-.") in {"nan", "inf", "infinity"} or text.lower() in _BAD_WORDS:
            raise NumberError(f"expected a finite number, found {item!r}")
        if len(text) > MAX_NUMBER_CHARS and _LONG_NUMBER.match(text):
            raise NumberError(f"a number written with {len(text):,} characters; at most "
                              f"{MAX_NUMBER_CHARS} are read (float64 keeps about 17 digits)")
        if len(text) > MAX_NUMBER_CHARS:
            raise NumberError(f"expected a number (such as 2, 0.5 or \"1/3\"), found "
                              f"{_short(item)}")
        try:
            number = Fraction(text) if "/" in text else Decimal(text)
        except (ValueError, ZeroDivisionError, ArithmeticError):
            raise NumberError(
                f"expected a number (such as 2, 0.5 or \"1/3\"), found {item!r}"
            ) from None
        return _in_range(number, text)
    raise NumberError(f"expected a number, found {_show(item)}")


_LONG_NUMBER = re.compile(r"[-+]?[\d.]")


def _in_range(number: Number, written: Any) -> Number:
    """``number`` if float64 can carry it, else a NumberError that says so."""
    size = number.copy_abs() if isinstance(number, Decimal) else abs(number)  # no context
    if size > FLOAT_MAX:
        raise NumberError(f"{written} is beyond the range of float64, in which the solution is "
                          f"computed (magnitudes up to about {FLOAT_MAX:.1e})")
    if 0 < size < FLOAT_MIN:
        raise NumberError(f"{written} is too small for float64, in which the solution is "
                          f"computed (a magnitude below about {FLOAT_MIN:.1e} would be read "
                          "as 0); write 0 if you mean 0")
    return number


def _short(item: Any, room: int = 40) -> str:
    text = repr(item)
    return text if len(text) <= room else f"{text[:room // 2]}…{text[-room // 2:]}"


def _show(item: Any) -> str:
    if isinstance(item, dict):
        return "a mapping"
    if isinstance(item, list):
        return "a list"
    if item is None:
        return "nothing (null)"
    if isinstance(item, bool):
        return str(item).lower()
    return _short(item)


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
    fast = _plain_rows(rows)
    if fast is not None:
        return _value(*fast, key)
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
    fast = _plain_rows([rows])
    if fast is not None:
        return _value(fast[0][0], fast[1][0], key)
    return Value(tuple(_number_at(x, (i,)) for i, x in enumerate(rows)), key)


_PLAIN_TYPES = {int, Decimal}


def _plain_rows(rows: list) -> tuple[tuple, np.ndarray] | None:
    """Rows of equal length, every entry an int or a Decimal within float64's range, as
    tuples and as floats; None when any entry needs a closer look (then one by one)."""
    kinds: set = set()
    for row in rows:
        if type(row) is not list or len(row) != len(rows[0]):
            return None
        kinds.update(map(type, row))
    if not rows[0] or not kinds <= _PLAIN_TYPES:
        return None
    try:
        array = np.array(rows, dtype=float)
    except (OverflowError, ValueError):
        return None
    magnitude = np.abs(array)
    if not (magnitude <= FLOAT_MAX).all():
        return None
    small = np.flatnonzero(magnitude < FLOAT_MIN)  # zeros, or too small: see which
    flat = [x for row in rows for x in row] if small.size else []
    if any(flat[k] != 0 for k in small):
        return None
    return tuple(map(tuple, rows)), array


def _value(exact: tuple, array: np.ndarray, key: str) -> Value:
    value = Value(exact, key)
    value.__dict__["array"] = array  # what the cached property would compute
    return value


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

# room for every finite float64 with 15 decimals (the default context has 28 digits, and
# quantizing 1e25 to 4 decimals would need 30)
_WIDE = Context(prec=400, Emax=999, Emin=-999)


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
                                                 rounding=MODES[self.round_half], context=_WIDE)

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
        return _fixed(x, self.decimals, self.round_half)

    def at(self, digits: int) -> Rounding:
        """The same rounding to ``digits`` decimals."""
        return replace(self, decimals=digits)


MODES = {"up": ROUND_HALF_UP, "even": ROUND_HALF_EVEN, "down": ROUND_HALF_DOWN,
         "truncate": ROUND_DOWN}
ROUND_HALF = tuple(MODES)  # the choices of round_half


@functools.lru_cache(maxsize=1 << 16)  # a solution shows the same weights step after step
def _fixed(x: float, decimals: int, round_half: str) -> str:
    """``x`` to ``decimals`` digits, rounded from its shortest decimal form; never "-0.00"."""
    text = repr(x)
    if "e" not in text and "E" not in text:
        whole, _, fraction = text.partition(".")
        if len(fraction) <= decimals:  # nothing to round: 0.073 -> 0.0730
            if decimals == 0:
                return whole if whole != "-0" else "0"
            out = f"{whole}.{fraction.ljust(decimals, '0')}"
            return out[1:] if out.startswith("-") and not out.strip("-0.") else out
        if round_half in ("up", "truncate"):  # on the digits themselves: no Decimal
            # half up rounds a tie away from 0 (ROUND_HALF_UP), truncate toward 0
            n = int(whole.lstrip("-") + fraction[:decimals])
            n += round_half == "up" and fraction[decimals] >= "5"
            digits = str(n).rjust(decimals + 1, "0")
            out = f"{digits[:-decimals]}.{digits[-decimals:]}" if decimals else digits
            return "-" + out if whole.startswith("-") and n else out
    value = Decimal(text).quantize(Decimal(1).scaleb(-decimals), rounding=MODES[round_half],
                                   context=_WIDE)
    out = format(value, "f")  # str() would write 1E-7 for small values
    return out[1:] if out.startswith("-") and value == 0 else out
