"""Documents: LaTeX (and PDF), Markdown and HTML, one walk (document.py) over the
derivations with a module per target.

Nothing heavy is imported here: ``documents.pdf`` (and its PdfError) is imported by
the command line at start-up.
"""

from __future__ import annotations


def render(solutions, target: str, full: bool = False, questions: bool = False,
           title: str = "", diagram: str = "first") -> str:
    """``diagram``: the cell's figure after the first step (of each layer and direction),
    after ``all`` steps, or ``none`` (no pictures); HTML and LaTeX only."""
    from .targets import TARGETS

    return TARGETS[target](full, questions, diagram).render(solutions, title)
