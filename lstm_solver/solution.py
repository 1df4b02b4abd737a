"""What ``solve`` returns, as a Python user and Jupyter meet it.

The derivation (a worked solution) and the parameter count inherit these methods:
their values as numpy arrays, the documents the command line writes (JSON, LaTeX,
Markdown, HTML, the terminal's text), a short ``repr``, ``print()`` giving the worked
solution, and ``_repr_mimebundle_`` so that a notebook displays them. The renderers
are imported only when asked for.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

MIMETYPES = ("text/plain", "text/markdown", "text/latex", "text/html")
HTML_CLASS = "lstm-solve"
# in a notebook's output area: the page's margins and heading sizes, smaller
NOTEBOOK_CSS = """
body { margin: 0.5rem 0; }
h1 { font-size: 1.5em; }
h2 { font-size: 1.3em; }
h3 { font-size: 1.15em; }
"""


class Solution:
    """The rendering methods every solution shares (a subclass is a dataclass with
    ``problem``)."""

    problem: Any

    def to_dict(self) -> dict:
        """The machine-readable solution (DESIGN.md §4) as Python data."""
        raise NotImplementedError

    def to_json(self) -> str:
        """The JSON ``lstm-solve FILE --format json`` prints (``lstm-solve/1``)."""
        from .render import json

        return json.render(self)

    def to_text(self, full: bool = False, questions: bool = False, width: int = 80) -> str:
        """The worked solution as the terminal shows it, without colour."""
        import io

        from rich.console import Console

        from .render import terminal

        buffer = io.StringIO()
        terminal.render(self, Console(file=buffer, width=width, color_system=None), full,
                        questions)
        return buffer.getvalue()

    def to_latex(self, full: bool = False, questions: bool = False) -> str:
        """A standalone LaTeX document (``--format latex``); ``questions``: the sheet."""
        return self._document("latex", full, questions)

    def to_markdown(self, full: bool = False, questions: bool = False) -> str:
        """GitHub-flavoured Markdown with $...$ math (``--format markdown``)."""
        return self._document("markdown", full, questions)

    def to_html(self, full: bool = False, questions: bool = False) -> str:
        """One self-contained HTML page, math in MathML (``--format html``)."""
        return self._document("html", full, questions)

    def _document(self, target: str, full: bool, questions: bool) -> str:
        from .render.documents import render

        return render([self], target, full, questions)

    def __str__(self) -> str:
        return self.to_text()

    def __rich__(self):
        """``rich.print(solution)``: the worked solution with colour."""
        raise NotImplementedError

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        """Jupyter's display: HTML (with MathML) in a browser, LaTeX in nbconvert's PDF,
        Markdown, and the worked text in a terminal (IPython)."""
        wanted = [m for m in MIMETYPES if (not include or m in include)
                  and not (exclude and m in exclude)]
        make = {
            "text/plain": self.to_text,
            "text/markdown": self.to_markdown,
            "text/latex": lambda: latex_body(self.to_latex()),
            "text/html": lambda: html_fragment(self.to_html()),
        }
        return {m: make[m]() for m in wanted}


class ForwardSolution(Solution):
    """A worked forward pass (``Derivation``): its values as numpy arrays."""

    steps: list
    outputs: list

    def to_dict(self) -> dict:
        from .render.json import to_dict

        return to_dict(self)

    def __rich__(self):
        from .render.terminal import TerminalSolution

        return TerminalSolution(self)

    @property
    def t(self) -> np.ndarray:
        """The step indices t, in time order (``start``, ``start`` + 1, ...)."""
        p = self.problem
        return np.arange(p.start, p.start + p.steps)

    @property
    def values(self) -> dict[str, np.ndarray]:
        """What the network hands on, per quantity, as arrays (steps, size) in time order.

        One layer: every quantity (``"i" "f" "g" "o" "c" "h"``, ``"r" "z"`` for a GRU,
        ``"x"`` the input, ``"y"`` the output layer). A stack: the top layer's. A
        bidirectional network: ``"h"`` = [h→; h←] (and ``"y"``); each direction's
        quantities are in ``layer_values``. A value that cannot be computed at a step is
        NaN there; a quantity never computed is absent. With ``carry: rounded`` these are
        the rounded values carried.
        """
        p = self.problem
        if p.bidirectional:
            return self._collect(self.outputs, lambda q: q.value)
        return self.layer_values(p.layers, "forward")

    @property
    def pre_activations(self) -> dict[str, np.ndarray]:
        """The same for each gate's argument of σ/tanh/softmax (as ``values``; the top
        layer, forward direction)."""
        p = self.problem
        return self._collect(self._unit_steps(p.layers, "forward"), lambda q: q.pre_activation)

    def layer_values(self, layer: int | None = None, direction: str = "forward"
                     ) -> dict[str, np.ndarray]:
        """Every quantity of one layer (1-based; default: the top) in one direction."""
        return self._collect(self._unit_steps(layer, direction), lambda q: q.value,
                             with_x=True)

    def _unit_steps(self, layer: int | None, direction: str) -> list:
        p = self.problem
        layer = p.layers if layer is None else layer
        if not 1 <= layer <= p.layers:
            raise ValueError(f"layer {layer} does not exist: the network has "
                             f"{p.layers} layer{'s' if p.layers > 1 else ''} (1-based)")
        if direction not in ("forward", "backward") or (direction == "backward"
                                                        and not p.bidirectional):
            raise ValueError(f"direction {direction!r}: expected 'forward'"
                             + (" or 'backward'" if p.bidirectional else
                                " (the network is not bidirectional)"))
        steps = [s for s in self.steps if s.layer == layer and s.direction == direction]
        return sorted(steps, key=lambda s: s.t)

    def _collect(self, steps: list, get, with_x: bool = False) -> dict[str, np.ndarray]:
        out: dict[str, list] = {}
        if with_x and any(s.x is not None for s in steps):
            out["x"] = [s.x for s in steps]
        for k, step in enumerate(steps):
            for q in step.quantities:
                value = get(q)
                if value is not None:
                    out.setdefault(q.short, [None] * len(steps))[k] = value
        arrays = {}
        for short, rows in out.items():
            size = next(len(r) for r in rows if r is not None)
            array = np.array([r if r is not None else np.full(size, np.nan) for r in rows],
                             dtype=float)
            array.flags.writeable = False
            arrays[short] = array
        return arrays

    def __repr__(self) -> str:
        p = self.problem
        parts = [p.cell.upper(), f"H={p.hidden_size}"]
        if p.input_size:
            parts.append(f"X={p.input_size}")
        if p.layers > 1:
            parts.append(f"{p.layers} layers")
        if p.bidirectional:
            parts.append("bidirectional")
        last = p.start + p.steps - 1
        parts.append(f"t={p.start}" + (f"..{last}" if p.steps > 1 else ""))
        head = ", ".join(parts)
        values = self.values
        shown = "y" if "y" in values else "h"
        if shown in values:
            row = values[shown][-1]
            numbers = ", ".join(p.rounding.show(v) for v in row[:6]) + (
                ", ..." if len(row) > 6 else "")
            head += f"; {shown}_{last} = [{numbers}]"
        title = f"{p.title!r}: " if p.title else ""
        return f"<Derivation {title}{head}>"


class CountSolution(Solution):
    """A parameter count (``CountDerivation``)."""

    items: list
    total: int

    def to_dict(self) -> dict:
        from .render.json import count_to_dict

        return count_to_dict(self)

    def __rich__(self):
        from .render.terminal import TerminalCount

        return TerminalCount(self)

    @property
    def values(self) -> dict[str, int]:
        """``{"total": n}`` and each matrix's count by its JSON name ("W_i",
        "layer 2, backward: U_f", ...)."""
        return {"total": self.total, **{(f"{i.unit}: {i.name}" if i.unit else i.name): i.count
                                        for i in self.items}}

    def __repr__(self) -> str:
        p = self.problem
        title = f"{p.title!r}: " if p.title else ""
        return (f"<CountDerivation {title}{p.cell.upper()}, H={p.hidden_size}, "
                f"X={p.input_size}: {self.total:,} parameters>")


# --- documents as fragments for a notebook ----------------------------------------------

_ROOT = re.compile(r"^(html|body)\s+")


def latex_body(document: str) -> str:
    """The body of a standalone LaTeX document: what nbconvert sets in its own."""
    match = re.search(r"\\begin\{document\}\n?(.*?)\\end\{document\}", document, re.S)
    return match.group(1).strip() + "\n" if match else document


def html_fragment(page: str) -> str:
    """A page's body in a ``<div class="lstm-solve">``, its style scoped to that div, so
    that it shows in a notebook without restyling the notebook."""
    styles = "".join(re.findall(r"<style>(.*?)</style>", page, re.S))
    body = re.search(r"<body>(.*)</body>", page, re.S)
    inner = body.group(1).strip() if body else page
    style = f"<style>{scope_css(styles + NOTEBOOK_CSS, '.' + HTML_CLASS)}</style>"
    return f'<div class="{HTML_CLASS}">{style}\n{inner}\n</div>\n'


def scope_css(css: str, scope: str) -> str:
    """Every selector prefixed with ``scope`` (``body`` and ``html`` become the scope
    itself); @media blocks are scoped inside, other @-rules kept as they are."""
    out, k = [], 0
    while k < len(css):
        open_at = css.find("{", k)
        if open_at < 0:
            break
        depth, end = 1, open_at + 1
        while end < len(css) and depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        head, inner = css[k:open_at].strip(), css[open_at + 1:end - 1]
        if head.startswith("@media") or head.startswith("@supports"):
            out.append(f"{head} {{{scope_css(inner, scope)}}}")
        elif head.startswith("@"):
            out.append(f"{head} {{{inner}}}")
        else:
            selectors = []
            for sel in head.split(","):
                sel = sel.strip()
                if sel in ("body", "html", ":root"):
                    selectors.append(scope)
                else:
                    selectors.append(f"{scope} {_ROOT.sub('', sel)}")
            out.append(f"{', '.join(selectors)} {{{inner}}}")
        k = end
    return "\n".join(out)
