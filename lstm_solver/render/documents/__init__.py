"""Documents: LaTeX (and PDF), Markdown and HTML, one walk (document.py) over the
derivations with a module per target.

Nothing heavy is imported here: ``documents.pdf`` (and its PdfError) is imported by
the command line at start-up.
"""

from __future__ import annotations


def render(solutions, target: str, full: bool = False, questions: bool = False,
           title: str = "", page_per_problem: bool = False, diagram: str = "first") -> str:
    """One document for ``solutions``: the key, or with ``questions`` the students'
    sheet; ``page_per_problem`` starts each problem on a new page; ``diagram``: the
    cell's figure after the first step (of each layer and direction), after ``all``
    steps, or ``none`` (no pictures); HTML and LaTeX only."""
    from .targets import TARGETS

    return TARGETS[target](full, questions, page_per_problem, diagram).render(solutions,
                                                                              title)
