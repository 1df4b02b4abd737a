"""The document targets: LaTeX, Markdown and HTML, each a Document with its pieces."""

from __future__ import annotations

from ..pictures.figures import HtmlFigures, LatexFigures
from .document import Document
from .html import HtmlDocument
from .latex import LatexDocument
from .markdown import MarkdownDocument


class Latex(LatexFigures, LatexDocument, Document):
    """A complete standalone LaTeX document (article, amsmath)."""


class Markdown(MarkdownDocument, Document):
    """GitHub-flavoured Markdown with $...$ and $$...$$ math."""


class Html(HtmlFigures, HtmlDocument, Document):
    """One self-contained HTML page, math in MathML, nothing fetched."""


TARGETS = {"latex": Latex, "markdown": Markdown, "html": Html}
