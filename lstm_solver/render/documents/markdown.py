"""Markdown (GitHub-flavoured): headings, tables, and LaTeX math in $...$ and $$...$$,
which GitHub and Jupyter render."""

from __future__ import annotations

from .latex import LatexMath, name, total_line


def _md(text: str) -> str:
    """Plain text safe in Markdown: characters that would start markup are escaped."""
    for ch in "\\`*_[]<>#|$":
        text = text.replace(ch, "\\" + ch)
    return text


class MarkdownDocument(LatexMath):
    """Mixed into Document: the Markdown pieces."""

    def begin(self, title: str, toc: bool) -> None:
        self.multi = toc
        self.toc_at = None
        if toc:
            self.out += [f"# {_md(title)}", ""]
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
        self.out += [f"{'#' * level} {_md(text)}", ""]

    def paragraph(self, text: str, style: str = "") -> None:
        body = _md(text).replace("\n", "  \n")
        if style == "dim":
            body = f"<sub>{body}</sub>"
        elif style == "warning":
            body = f"**{body}**"
        elif style == "note":
            body = f"*{body}*"
        self.out += [body, ""]

    def math(self, lines: list[str]) -> None:
        self.out += ["$$", r"\begin{aligned}", " \\\\\n".join(lines), r"\end{aligned}", "$$",
                     ""]

    def quantity_heading(self, title: str, math_name: str) -> None:
        self.out += [f"{'#' * (5 if self.multi else 4)} {_md(title)} ${math_name}$", ""]

    def worked(self, label: str, rows: list[str]) -> None:
        self.out += [f"${label}$:", ""]
        self.math([f"& {r}" for r in rows])

    def result(self, lhs: str, value: str) -> None:
        self.out += [f"$${lhs} = {value}$$", ""]

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.out.append("| " + " | ".join(_md(h) for h in header) + " |")
        self.out.append("|" + "|".join("---" for _ in header) + "|")
        self.out += ["| " + " | ".join(_md(c) for c in r) + " |" for r in rows]
        self.out.append("")

    def results(self, header, rows) -> None:
        def cell(c) -> str:
            if isinstance(c, str):
                return _md(c)
            return _md("[" + ", ".join("…" if e == "⋮" else e for e in c.entries) + "]") + (
                " (given)" if c.given else "")

        heads = [_md(h) if isinstance(h, str) else f"${name(h)}$" for h in header]
        self.out.append("| " + " | ".join(heads) + " |")
        self.out.append("|" + "|".join("---" for _ in header) + "|")
        self.out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
        self.out.append("")

    def total(self, formula: str, total: int) -> None:
        self.out += ["$$" + total_line(formula, total).replace("&=", "=") + "$$", ""]

def _anchor(text: str) -> str:
    """GitHub's heading anchor: lower case, spaces to hyphens, punctuation dropped."""
    out = "".join(ch for ch in text.lower() if ch.isalnum() or ch in " -_")
    return out.replace(" ", "-")
