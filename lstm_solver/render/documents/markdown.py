"""Markdown (GitHub-flavoured): headings, tables, and LaTeX math in $...$ and $$...$$,
which GitHub and Jupyter render."""

from __future__ import annotations

from ..inline import Math, Rich, Verbatim, rich
from .latex import LatexMath, math_inline, name, subscripted, total_line, words


def _md(text: str) -> str:
    """Plain text safe in Markdown: characters that would start markup are escaped;
    names with a subscript (W_x, hₜ₋₁) as math, identifiers (forget_bias) as code."""
    return "".join(f"${subscripted(piece)}$" if kind == "math" else
                   f"`{piece}`" if kind == "code" else _characters(piece)
                   for kind, piece in words(text))


def _characters(text: str) -> str:
    for ch in "\\`*_[]<>#|$":
        text = text.replace(ch, "\\" + ch)
    return text


def rich_text(parts: str | Rich) -> str:
    """Words with inline math, for Markdown."""
    return "".join(f"${math_inline(p)}$" if isinstance(p, Math) else _md(
        p.text if isinstance(p, Verbatim) else p) for p in rich(parts))


class MarkdownDocument(LatexMath):
    """Mixed into Document: the Markdown pieces."""

    def begin(self, title: str, toc: bool) -> None:
        self.multi = toc
        self.toc_at = None
        if toc and self.contents:
            self.out += [f"# {rich_text(title)}", ""]
            self.toc_at = len(self.out)

    def end(self) -> None:
        if self.toc_at is not None:
            toc = ["## Contents", ""] + [f"- [{text}](#{anchor})" for text, anchor in
                                         getattr(self, "sections", [])] + [""]
            self.out[self.toc_at:self.toc_at] = toc

    def heading(self, text: str, level: int) -> None:
        level = min(level + (1 if self.multi else 0), 6)
        if level == 2 and self.multi:
            self.sections = getattr(self, "sections", [])
            self.sections.append((_md(text), _anchor(text)))
        self.out += [f"{'#' * level} {rich_text(text)}", ""]

    def page_break(self) -> None:
        self.out += ['<div style="break-after: page"></div>', ""]

    def name_line(self, student: str | None) -> None:
        blank = "\\_" * 30
        who = f"**{_md(student)}**" if student else blank
        self.out += [f"Name: {who} &emsp; Student ID: {blank[:40]}", ""]

    def paragraph(self, text, style: str = "") -> None:
        body = rich_text(text).replace("\n", "  \n")
        if style == "dim":
            body = f"<sub>{body}</sub>"
        elif style == "warning":
            body = f"**{body}**"
        elif style == "note":
            body = f"*{body}*"
        self.out += [body, ""]

    def math(self, lines: list[str], pairs: int = 1) -> None:
        self.out += ["$$", r"\begin{aligned}", " \\\\\n".join(lines), r"\end{aligned}", "$$",
                     ""]

    def quantity_heading(self, title: str, math_name: str) -> None:
        self.out += [f"{'#' * (5 if self.multi else 4)} {_md(title)} ${math_name}$", ""]

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.out.append("| " + " | ".join(rich_text(h) for h in header) + " |")
        self.out.append("|" + "|".join("---" for _ in header) + "|")
        self.out += ["| " + " | ".join(rich_text(c) for c in r) + " |" for r in rows]
        self.out.append("")

    def results(self, header, rows) -> None:
        def cell(c) -> str:
            if isinstance(c, str):
                return _md(c)
            return _md("[" + ", ".join(c.entries) + "]") + (" (given)" if c.given else "")

        heads = [_md(h) if isinstance(h, str) else f"${name(h)}$" for h in header]
        self.out.append("| " + " | ".join(heads) + " |")
        self.out.append("|" + "|".join("---" for _ in header) + "|")
        self.out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
        self.out.append("")

    def answers(self, caption: str, columns, t: int) -> None:
        """A table to write in: a row per entry, a column per asked quantity."""
        size = max(n for _, n in columns)
        self.out += [f"**{rich_text(caption)}**", ""]
        self.out.append("| $k$ | " + " | ".join(f"${name(n, t)}$" for n, _ in columns) + " |")
        self.out.append("|---|" + "|".join("---" for _ in columns) + "|")
        self.out += [f"| {k + 1} | " + " | ".join("&emsp;" * 6 if k < n else "—"
                                                  for _, n in columns) + " |"
                     for k in range(size)]
        self.out.append("")

    def total(self, formula: str, total: int) -> None:
        self.out += ["$$" + total_line(formula, total).replace("&=", "=") + "$$", ""]


def _anchor(text: str) -> str:
    """GitHub's heading anchor: lower case, spaces to hyphens, punctuation dropped."""
    out = "".join(ch for ch in text.lower() if ch.isalnum() or ch in " -_")
    return out.replace(" ", "-")
