"""The figure pieces of the HTML and LaTeX documents (mixed into their targets).

The document walk calls ``step_end(dv, step)`` after each step's derivation and
``solution_end(dv)`` at the end of a solution; :func:`pictures` says what goes there.
"""

from __future__ import annotations

from html import escape

from ... import derivation as d
from . import pictures


class Figures:
    """The two places of the walk where figures go."""

    def step_end(self, dv: d.Derivation, step: d.Step) -> None:
        self.figure(dv, step)

    def solution_end(self, dv: d.Derivation) -> None:
        self.figure(dv, None)


class HtmlFigures(Figures):
    """Each figure as an inline ``<svg>`` (real text, a ``<title>``) with its caption."""

    def figure(self, dv: d.Derivation, step: d.Step | None) -> None:
        for picture in pictures(dv, step, self.diagram):
            self.figures = getattr(self, "figures", 0) + 1
            self.out.append(f'<figure class="picture" style="margin:1em 0;text-align:center">'
                            f"\n{picture.svg(f'fig{self.figures}')}"
                            f'<figcaption style="font-size:0.9em;color:#444">'
                            f"{escape(picture.caption)}</figcaption>\n</figure>")


class LatexFigures(Figures):
    """Each figure as a LaTeX picture (vector paths, text in the document's fonts), scaled
    down to the line when it is wider, with its caption."""

    def figure(self, dv: d.Derivation, step: d.Step | None) -> None:
        from ..documents.latex import escape as tex_escape
        from .output import FIGURE, PREAMBLE

        for picture in pictures(dv, step, self.diagram):
            if not getattr(self, "figure_preamble", False):
                at = self.out.index(r"\begin{document}")
                self.out[at:at] = PREAMBLE
                self.figure_preamble = True
            self.out.append(FIGURE % (picture.latex(), tex_escape(picture.caption)))
