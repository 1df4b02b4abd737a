"""Learning platforms: Moodle XML (moodle.py) and QTI 1.2 for Canvas (qti.py), each a
thin layer over the asked numbers (asked.py) and the document walk (platforms/html.py).

Nothing heavy is imported here.
"""

from __future__ import annotations

PLATFORMS = ("moodle", "qti")


def render(solutions, target: str, set_name: str | None = None, title: str = "",
           full: bool = False) -> str | bytes:
    """Moodle XML (text) or a QTI zip (bytes) for ``solutions``; ``set_name`` makes them
    variants of one question (a Moodle category; Canvas question groups)."""
    if target == "moodle":
        from .moodle import render as moodle

        return moodle(solutions, set_name, full)
    from .qti import render as qti

    return qti(solutions, set_name, title, full)


def quiz_numbers(solution) -> list:
    """The asked numbers of a quiz question (asked.py); for a batch, every row's, each
    labelled with its row (the question gives every row's data)."""
    from dataclasses import replace

    from ...asked import asked_numbers

    numbers = asked_numbers(solution)
    rows = getattr(solution, "rows", None) or []
    if not rows:
        return numbers
    out = [replace(n, label=f"{n.label} (batch row 1)") for n in numbers]
    for k, row in enumerate(rows, start=2):
        out += [replace(n, label=f"{n.label} (batch row {k})") for n in asked_numbers(row)]
    return out
