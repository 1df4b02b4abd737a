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
