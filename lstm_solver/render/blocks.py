"""Two-dimensional text: bracketed matrices laid side by side, as on paper."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

ELIDE_AFTER = 8  # dimensions above this are elided unless --full
HEAD, TAIL = 4, 3


@dataclass(frozen=True)
class Block:
    """Lines of equal width; ``baseline`` is the line operators align to."""

    lines: tuple[str, ...]
    baseline: int = 0

    @property
    def width(self) -> int:
        return display_width(self.lines[0]) if self.lines else 0

    @property
    def height(self) -> int:
        return len(self.lines)

    def __str__(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines)


def display_width(s: str) -> int:
    """Columns on screen: combining marks (the tilde of c̃) take none."""
    if s.isascii():
        return len(s)
    return len(s) - sum(map(bool, map(unicodedata.combining, s)))


def text(s: str) -> Block:
    return Block((s,), 0)


def hjoin(*blocks: Block) -> Block:
    """Blocks side by side, aligned on their baselines."""
    above = max(b.baseline for b in blocks)
    below = max(b.height - b.baseline for b in blocks)
    lines = []
    for row in range(above + below):
        parts = []
        for b in blocks:
            i = row - (above - b.baseline)
            parts.append(b.lines[i] if 0 <= i < b.height else " " * b.width)
        lines.append("".join(parts))
    return Block(tuple(lines), above)


def elide(items: list, full: bool, filler, keep: int = ELIDE_AFTER) -> list:
    """The first and last few of ``items`` with ``filler`` between, unless ``full``."""
    if full or len(items) <= keep:
        return list(items)
    head, tail = (HEAD, TAIL) if keep == ELIDE_AFTER else ((keep + 1) // 2, keep // 2)
    return list(items[:head]) + [filler] + list(items[len(items) - tail:])


def matrix(rows: list[list[str]], full: bool = False, max_width: int | None = None) -> Block:
    """A bracketed matrix of strings (a column vector is a one-column matrix)."""
    return lazy_matrix(len(rows), len(rows[0]), lambda i, j: rows[i][j], full, max_width)


def lazy_matrix(n_rows: int, n_cols: int, cell: Callable[[int, int], str], full: bool = False,
                max_width: int | None = None) -> Block:
    """A bracketed matrix whose entries ``cell(i, j)`` are made only where shown.

    Dimensions above ELIDE_AFTER are elided unless ``full``; then more columns
    are elided until the matrix fits in ``max_width``.
    """
    cache: dict[tuple[int, int], str] = {}

    def get(i: int, j: int) -> str:
        if (i, j) not in cache:
            cache[(i, j)] = cell(i, j)
        return cache[(i, j)]

    rows = elide(list(range(n_rows)), full, None)
    keep = ELIDE_AFTER
    while True:
        cols = elide(list(range(n_cols)), full, None, keep)
        block = _layout([[None if i is None or j is None else get(i, j) for j in cols]
                         for i in rows], cols)
        if full or not max_width or block.width <= max_width or keep <= 2:
            return block
        keep = min(keep, n_cols) - 1


def _layout(grid: list[list[str | None]], cols: list[int | None]) -> Block:
    widths = [max(len(r[j]) for r in grid if r[j] is not None) if c is not None else 1
              for j, c in enumerate(cols)]
    body = []
    for r in grid:
        if all(x is None for x in r):  # the elided rows
            body.append(" ".join("⋮".center(w) for w in widths))
        else:
            body.append(" ".join(("⋯" if x is None else x).rjust(w) for x, w in zip(r, widths)))
    if len(body) == 1:
        return Block((f"[{body[0]}]",), 0)
    lines = []
    for i, line in enumerate(body):
        left, right = ("⎡", "⎤") if i == 0 else ("⎣", "⎦") if i == len(body) - 1 else ("⎢", "⎥")
        lines.append(f"{left}{line}{right}")
    return Block(tuple(lines), (len(lines) - 1) // 2)


def wrap(pieces: list[Block], width: int, indent: int) -> list[Block]:
    """Pack pieces into lines no wider than ``width``; later lines are indented.

    A line break may fall between any two pieces; a piece wider than the
    line stands alone.
    """
    lines: list[list[Block]] = [[]]
    used = 0
    for piece in pieces:
        room = width - (indent if len(lines) > 1 else 0)
        if lines[-1] and used + piece.width > room:
            lines.append([])
            used = 0
        lines[-1].append(piece)
        used += piece.width
    out = []
    for i, line in enumerate(lines):
        if i:
            line = [text(" " * indent), *line]
        out.append(hjoin(*line))
    return out


# --- wide data in blocks, as numpy prints a wide array --------------------------------


def column_blocks(widths: list[int], budget: int, gap: int = 1) -> list[range]:
    """Consecutive columns in blocks no wider than ``budget`` (at least one column each),
    as many as packing needs and of sizes as even as they can be (6 and 6, not 11 and 1).

    ``widths`` are the columns' widths; ``gap`` is added between columns.
    """
    def fits(r: range) -> bool:
        return len(r) == 1 or sum(widths[j] for j in r) + gap * (len(r) - 1) <= budget

    if not widths:  # nothing could be computed: the table has its fixed columns only
        return [range(0)]
    greedy: list[range] = []
    start, used = 0, 0
    for j, w in enumerate(widths):
        extra = w + (gap if j > start else 0)
        if j > start and used + extra > budget:
            greedy.append(range(start, j))
            start, used = j, w
        else:
            used += extra
    greedy.append(range(start, len(widths)))
    n, count = len(widths), len(greedy)
    size = -(-n // count)
    even = [range(k, min(n, k + size)) for k in range(0, n, size)]
    return even if len(even) == count and all(fits(r) for r in even) else greedy


def row_blocks(n: int, most: int) -> list[range]:
    """Rows in blocks of at most ``most`` (a page's worth), of even sizes."""
    count = max(1, -(-n // most))
    size = -(-n // count)
    return [range(k, min(n, k + size)) for k in range(0, n, size)]


def caption(rows: range, cols: range, shape: tuple[int, int], vector: bool) -> str:
    """ "columns 5–8", "rows 1–30, columns 1–4", "entries 9–12", or "" for the whole."""
    def span(what: str, r: range) -> str:
        return f"{what}s {r.start + 1}–{r.stop}" if len(r) > 1 else f"{what} {r.start + 1}"

    n_rows, n_cols = shape
    if vector:
        whole = n_rows if n_cols == 1 else n_cols
        part = rows if n_cols == 1 else cols
        return "" if len(part) == whole else span("entry", part).replace("entrys", "entries")
    parts = []
    if len(rows) < n_rows:
        parts.append(span("row", rows))
    if len(cols) < n_cols:
        parts.append(span("column", cols))
    return ", ".join(parts)


def data_blocks(grid: list[list[str]], budget: int, most_rows: int, vector: bool = False,
                width: Callable[[str], int] | None = None,
                gap: int = 1) -> list[tuple[str, list[list[str]]]]:
    """A matrix of shown numbers cut into blocks that fit: (caption, rows) pairs."""
    measure = width or display_width
    n_rows, n_cols = len(grid), len(grid[0])
    widths = [max(measure(grid[i][j]) for i in range(n_rows)) for j in range(n_cols)]
    out = []
    for rows in row_blocks(n_rows, most_rows):
        for cols in column_blocks(widths, budget, gap):
            out.append((caption(rows, cols, (n_rows, n_cols), vector),
                        [[grid[i][j] for j in cols] for i in rows]))
    return out


# --- worked lines in the terminal ----------------------------------------------------


def wrap_section(lines: list, width: int) -> list[str]:
    """Worked lines (``expand.Line``, plain text) fitted to ``width`` columns.

    A line too long continues under its first term, the operator leading the next
    line; when any line of the section wraps, every result of the section is set in
    one column, so that the eye finds them.
    """
    laid: list[tuple[list[str], str]] = []
    for line in lines:
        pieces = line.pieces()
        end = pieces.pop() if len(pieces) > 1 and (line.rel or line.result) else ""
        indent = " " * display_width(line.head)
        rows = [pieces[0]] if pieces else [""]
        for piece in pieces[1:]:
            if display_width(rows[-1] + piece) <= width:
                rows[-1] += piece
            else:
                rows.append(indent + piece.lstrip())
        laid.append((rows, end))
    if all(len(rows) == 1 and display_width(rows[0] + end) <= width for rows, end in laid):
        return [rows[0] + end for rows, end in laid]
    return [part for row in _in_column(laid, width) for part in _fold(row, width)]


def _fold(row: str, width: int) -> list[str]:
    """A row still wider than ``width`` (one long term, a closed form of --exact) broken
    between words, continued further in: never cut off."""
    if display_width(row) <= width:
        return [row]
    import textwrap

    indent = " " * (len(row) - len(row.lstrip()) + 2)
    return textwrap.wrap(row, width, subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=True) or [row]


def _in_column(laid: list[tuple[list[str], str]], width: int) -> list[str]:
    """The rows of a section that wraps, every result in one column."""
    longest_end = max(display_width(end) for _, end in laid)
    column = min(max(display_width(rows[-1]) for rows, _ in laid), width - longest_end)
    out = []
    for rows, end in laid:
        last = display_width(rows[-1])
        if end and last <= column:
            rows[-1] += " " * (column - last) + end
        elif end:
            rows.append(" " * column + end)
        out += rows
    return out
