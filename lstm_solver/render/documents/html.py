"""One self-contained HTML page: math in MathML (rendered by the browser itself,
nothing fetched), the worked lines too, results as tables.

The pieces (``name``, ``SymbolPrinter``, ``ValuePrinter``, ``notation`` for worked
lines, ``rich_text`` for sentences with inline math) are usable on their own, for
other HTML targets (question text and feedback on a learning platform)."""

from __future__ import annotations

import html
import re
from functools import partial
from html import escape

from ... import derivation as d
from ...equations import Name
from ...numbers import Rounding
from .. import blocks
from ..expand import Notation, pack
from ..inline import Math, Rich, Verbatim, kind, rich
from ..text import Printer, numbers, shown
from ..text import show as show_number

FUNCTIONS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "softmax": "softmax",
             "round": "round"}
ACCENTS = {"c_tilde": ("c", "~"), "h_tilde": ("h", "~"), "h→": ("h", "→"), "h←": ("h", "←")}

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #222; }
h1, h2, h3, h4, h5 { margin-top: 1.6em; }
math[display="block"] { display: block; margin: 0.6em 0 0.6em 1.5em; overflow-x: auto;
                        overflow-y: hidden; padding: 0.2em 0; }
math.worked > mtable > mtr > mtd { padding: 0.2em 0.3em; }
.dim { color: #666; font-size: 0.9em; }
.warning { color: #a00; font-weight: bold; }
.note { font-style: italic; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: right; }
nav ul { list-style: none; padding-left: 0; }
nav li { margin: 0.1em 0; }
.caption { color: #555; font-size: 0.85em; }
.running { color: #555; font-size: 0.85em; border-bottom: 1px solid #bbb; margin-top: 1em; }
.name { margin: 1em 0; }
.blank { display: inline-block; min-width: 18em; border-bottom: 1px solid #222; }
.blank.short { min-width: 10em; }
table.answers td { height: 2em; min-width: 8em; }
table.answers td:first-child { min-width: 2em; }
.page-break { break-before: page; }
"""


def mi(text: str) -> str:
    return f"<mi>{escape(text)}</mi>"


def mn(text: str) -> str:
    """A number; a leading minus as an operator, parentheses around a negative kept."""
    if text.startswith("(") and text.endswith(")"):
        return mrow(fence("("), mn(text[1:-1]), fence(")"))
    if text.startswith(("-", "−")):  # a minus sign, not a hyphen (−0.5, not -0.5)
        return f"<mrow><mo>−</mo><mn>{escape(text[1:])}</mn></mrow>"
    return f"<mn>{escape(text)}</mn>"


def mo(text: str, **attrs: str) -> str:
    """An operator; a hyphen is written as the minus sign it stands for."""
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f"<mo{extra}>{escape('−' if text == '-' else text)}</mo>"


def mrow(*items: str) -> str:
    return "<mrow>" + "".join(items) + "</mrow>"


def name(n: Name, t: int | None = None) -> str:
    """``<msub><mi>W</mi><mi>f</mi></msub>``, h_{t-1} or h_1 in MathML; ∂L/∂hₜ as a
    fraction, a target y*ₜ with its star."""
    if n.base.startswith("∂"):
        inner = name(Name(n.base[1:], n.sub, n.dt), t)
        return f"<mfrac>{mrow(mo('∂'), mi('L'))}{mrow(mo('∂'), inner)}</mfrac>"
    target = n.base.endswith("*") and len(n.base) > 1  # y*ₜ: a loss's target
    if target:
        n = Name(n.base[:-1], n.sub, n.dt)
    if n.base in ACCENTS:
        letter, accent = ACCENTS[n.base]
        base = f"<mover>{mi(letter)}{mo(accent)}</mover>"
    elif n.base == "1":
        base = "<mn mathvariant=\"bold\">1</mn>"
    elif n.base[:1].isdigit() or n.base[:1] == "-":  # TensorFlow's forget_bias, by value
        base = mn(n.base)
    else:
        base = mi(n.base)
    subs = [mi(n.sub)] if n.sub else []
    if n.dt is not None:
        if t is None:
            subs.append(mi("t") if n.dt == 0 else mrow(mi("t"), mo("+" if n.dt > 0 else "-"),
                                                      mn(str(abs(n.dt)))))
        else:
            subs.append(mn(str(t + n.dt)))
    if target:
        return f"<msubsup>{base}{subs[0] if len(subs) == 1 else mrow(*subs)}{mo('*')}</msubsup>" \
            if subs else f"<msup>{base}{mo('*')}</msup>"
    if not subs:
        return base
    return f"<msub>{base}{subs[0] if len(subs) == 1 else mrow(subs[0], mo(','), *subs[1:])}</msub>"


def mtext(text: str) -> str:
    """Words inside math; spaces at the ends kept (MathML would trim them)."""
    return f"<mtext>{escape(text).replace(' ', chr(0xA0))}</mtext>" if text else ""


def fence(ch: str, stretchy: str = "false") -> str:
    """A bracket with no space of its own around it (a stretchy or infix one gets some)."""
    return mo(ch, stretchy=stretchy, lspace="0em", rspace="0em")


def fenced(inner: str, left: str = "(", right: str = ")", stretchy: str = "true") -> str:
    """``inner`` in brackets, stretched to its height (around matrices)."""
    return mrow(fence(left, stretchy=stretchy), inner, fence(right, stretchy=stretchy))


class SymbolPrinter(Printer):
    def __init__(self, t: int | None = None, row: bool = False):
        self.t, self.row = t, row

    def _print_Leaf(self, node: d.Leaf) -> str:
        s = name(node.name, self.t)
        return f"<msup>{s}{mi('T')}</msup>" if node.transposed else s

    def _print_Product(self, node: d.Product) -> str:
        m, v = self.doprint(node.matrix), self._factor(node.vector, d.Hadamard)
        return mrow(v, m) if node.row else mrow(m, v)

    def _print_Lookup(self, node: d.Lookup) -> str:
        E, w = self.doprint(node.matrix), self.doprint(node.onehot)
        T = f"<msup>{E}{mi('T')}</msup>"
        if node.layout == "rows":
            return mrow(w, E) if self.row else mrow(T, w)
        return mrow(w, T) if self.row else mrow(E, w)

    def _print_Sum(self, node: d.Sum) -> str:
        items = []
        for k, term in enumerate(node.terms):
            if k or node.sign(k) < 0:
                items.append(mo("+" if node.sign(k) > 0 else "-"))
            items.append(self.doprint(term))
        return mrow(*items)

    def _print_Hadamard(self, node: d.Hadamard) -> str:
        return mrow(self._factor(node.left), mo("⊙"), self._factor(node.right))

    def _print_Activation(self, node: d.Activation) -> str:
        return mrow(mi(FUNCTIONS[node.function]), fenced(self.doprint(node.arg),
                                                         stretchy="false"))

    def _print_Stack(self, node: d.Stack) -> str:
        sep = mo("," if self.row else ";")
        return fenced(sep.join(self.doprint(p) for p in node.parts), "[", "]", "false")

    def _factor(self, node: d.Node, *also: type) -> str:
        s = self.doprint(node)
        return fenced(s, stretchy="false") if isinstance(node, (d.Sum, d.Scale, *also)) else s

    # -- the backward pass --------------------------------------------------------------

    def _print_Derivative(self, node: d.Derivative) -> str:
        one = mn("1")
        if node.function == "tanh" and isinstance(node.of, d.Activation):
            return fenced(mrow(one, mo("−"), f"<msup>{mi('tanh')}{mn('2')}</msup>",
                               fenced(self.doprint(node.of.arg))))
        y = self._factor(node.of, d.Hadamard, d.Activation)
        if node.function == "sigmoid":
            return mrow(y, mo("⊙"), fenced(mrow(one, mo("−"), y)))
        if node.function == "tanh":
            return fenced(mrow(one, mo("−"), f"<msup>{y}{mn('2')}</msup>"))
        if node.function == "relu":
            return fenced(mrow(y, mo(">"), mn("0")), "[", "]")
        return one

    def _print_Outer(self, node: d.Outer) -> str:
        left, right = (self._factor(n, d.Hadamard, d.Product) for n in (node.left, node.right))
        if node.row:
            return mrow(f"<msup>{left}{mi('T')}</msup>", right)
        return mrow(left, f"<msup>{right}{mi('T')}</msup>")

    def _print_StepSum(self, node: d.StepSum) -> str:
        return mrow(f"<munder>{mo('Σ')}{mi('t')}</munder>", self.doprint(node.terms[-1]))

    def _print_Part(self, node: d.Part) -> str:
        where = (f"{node.start + 1}" if node.stop == node.start + 1 else
                 f"{node.start + 1}:{node.stop}")
        return f"<msub>{fenced(self.doprint(node.arg))}{mn('[' + where + ']')}</msub>"

    def _print_Scale(self, node: d.Scale) -> str:
        return mrow(mn(node.label), fenced(self.doprint(node.arg)))

    def _print_SoftmaxGrad(self, node: d.SoftmaxGrad) -> str:
        y, g = self.doprint(node.out), self.doprint(node.grad)
        return mrow(y, mo("⊙"), fenced(mrow(g, mo("−"), g, mo("·"), y)))

    def _print_Loss(self, node: d.Loss) -> str:
        y, target = self.doprint(node.predictions[-1]), self.doprint(node.targets[-1])
        total = f"<munder>{mo('Σ')}{mi('t')}</munder>" if len(node.steps) > 1 else ""
        if node.kind == "cross_entropy":
            return mrow(mo("−"), total, mi("log"), y, fenced(target, "[", "]"))
        factor = {"half_squared_error": "<mfrac><mn>1</mn><mn>2</mn></mfrac>",
                  "squared_error": "",
                  "mean_squared_error": f"<mfrac><mn>1</mn><mn>{node.count}</mn></mfrac>"
                  }[node.kind]
        return mrow(factor, total, f"<msup>{fenced(mrow(y, mo('−'), target), '‖', '‖')}"
                                   f"{mn('2')}</msup>")

    def _print_Norm(self, node: d.Norm) -> str:
        grad = mrow(mo("∂"), mi("L"), mo("/"), mo("∂"), mi("θ"))
        return (f"<msqrt><munder>{mo('Σ')}{mi('θ')}</munder>"
                f"<msup>{fenced(grad, '‖', '‖')}{mn('2')}</msup></msqrt>")

    def _print_Clip(self, node: d.Clip) -> str:
        return mrow(mi("min"), fenced(mrow(mn("1"), mo(","), mi("max_norm"), mo("/"),
                                           self.doprint(node.norm))))

    def _print_Update(self, node: d.Update) -> str:
        scale = [mi("s")] if node.scale_label else []
        return mrow(self.doprint(node.param), mo("−"), mi("λ"), *scale,
                    self.doprint(node.grad))


def bracketed(grid: list[list[str] | None], width: int) -> str:
    """A bracketed MathML table of numbers; None is a row of ⋮ (elided rows)."""
    body = []
    for r in grid:
        cells = ["⋮"] * width if r is None else r
        body.append("<mtr>" + "".join(f"<mtd>{mn(c) if c not in ('⋮', '⋯') else mo(c)}"
                                      "</mtd>" for c in cells) + "</mtr>")
    return fenced("<mtable>" + "".join(body) + "</mtable>", "[", "]")


class ValuePrinter(Printer):
    """Numbers as bracketed MathML tables."""

    def __init__(self, rounding: Rounding, full: bool = False, row: bool = False):
        self.rounding, self.full, self.row = rounding, full, row

    def table(self, grid: list[list[str] | None], width: int) -> str:
        return bracketed(grid, width)

    def vector(self, node: d.Node) -> str:
        cells = blocks.elide(shown(node, self.rounding), self.full, None)
        if self.row:
            return self.table([["⋯" if c is None else c for c in cells]], len(cells))
        return self.table([None if c is None else [c] for c in cells], 1)

    def _print_Leaf(self, node: d.Leaf) -> str:
        if node.value.ndim == 2:
            M, show = node.value, partial(show_number, self.rounding, written=node.from_file)
            rows = blocks.elide(list(range(M.shape[0])), self.full, None)
            cols = blocks.elide(list(range(M.shape[1])), self.full, None)
            grid = [None if i is None else ["⋯" if j is None else show(M[i, j])
                                            for j in cols] for i in rows]
            return self.table(grid, len(cols))
        return self.vector(node)

    def _print_Product(self, node: d.Product) -> str:
        m, v = self.doprint(node.matrix), self._factor(node.vector)
        return mrow(v, m) if node.row else mrow(m, v)

    def _print_Lookup(self, node: d.Lookup) -> str:
        E, w = self.doprint(node.matrix), self.vector(node.onehot)
        tE = f"<msup>{E}{mi('T')}</msup>" if (node.layout == "rows") != self.row else E
        return mrow(w, tE) if self.row else mrow(tE, w)

    def _print_Sum(self, node: d.Sum) -> str:
        return SymbolPrinter._print_Sum(self, node)

    def _print_Hadamard(self, node: d.Hadamard) -> str:
        return mrow(self._factor(node.left), mo("⊙"), self._factor(node.right))

    def _print_Activation(self, node: d.Activation) -> str:
        return mrow(mi(FUNCTIONS[node.function]), fenced(self.doprint(node.arg)))

    def _print_Stack(self, node: d.Stack) -> str:
        return self.vector(node)

    def _factor(self, node: d.Node) -> str:
        s = self.doprint(node)
        return fenced(s) if isinstance(node, (d.Sum, d.Hadamard)) else s

    # -- the backward pass --------------------------------------------------------------

    def _values(self, values, column: bool, bare=False) -> str:
        cells = blocks.elide(numbers(values, self.rounding, bare), self.full, None)
        if column:
            return self.table([None if c is None else [c] for c in cells], 1)
        return self.table([["⋯" if c is None else c for c in cells]], len(cells))

    def _print_Derivative(self, node: d.Derivative) -> str:
        one = mn("1")
        if node.function == "tanh" and isinstance(node.of, d.Activation):
            return fenced(mrow(one, mo("−"), f"<msup>{mi('tanh')}{mn('2')}</msup>",
                               fenced(self.doprint(node.of.arg))))
        y = self.doprint(node.of)
        if node.function == "sigmoid":
            return mrow(y, mo("⊙"), fenced(mrow(one, mo("−"), y)))
        if node.function == "tanh":
            return fenced(mrow(one, mo("−"), f"<msup>{y}{mn('2')}</msup>"))
        if node.function == "relu":
            return fenced(mrow(y, mo(">"), mn("0")), "[", "]")
        return one

    def _print_Outer(self, node: d.Outer) -> str:
        return mrow(self._values(node.left.value, True, d.as_written(node.left)),
                    self._values(node.right.value, False, d.as_written(node.right)))

    def _print_StepSum(self, node: d.StepSum) -> str:
        terms = blocks.elide(list(node.terms), self.full, None)
        return mo("+").join(mo("⋯") if t is None else self.doprint(t) for t in terms)

    def _print_Part(self, node: d.Part) -> str:
        return SymbolPrinter._print_Part(self, node)

    def _print_Scale(self, node: d.Scale) -> str:
        return mrow(mn(node.label), fenced(self.doprint(node.arg)))

    def _print_SoftmaxGrad(self, node: d.SoftmaxGrad) -> str:
        return SymbolPrinter._print_SoftmaxGrad(self, node)

    def _print_Loss(self, node: d.Loss) -> str:
        from ..text import loss_numbers

        return mrow(*(mo(x) if x in "½−()+⋯" else mn(x) if x[:1].isdigit() else mi(x)
                      for x in loss_numbers(node, self.rounding, self.full).replace(
                          "(", " ( ").replace(")", " ) ").split()))

    def _print_Norm(self, node: d.Norm) -> str:
        squares = [mn(self.rounding.show(float((t.value ** 2).sum()))) for t in node.terms]
        return f"<msqrt>{mo('+').join(blocks.elide(squares, self.full, mo('⋯'), 4))}</msqrt>"

    def _print_Clip(self, node: d.Clip) -> str:
        return mrow(mi("min"), fenced(mrow(mn("1"), mo(","), mn(node.label), mo("/"),
                                           mn(self.rounding.show(node.norm.value[0])))))

    def _print_Update(self, node: d.Update) -> str:
        factor = [mn(node.rate_label)] + ([mo("×"), mn(node.scale_label)]
                                          if node.scale_label else [])
        return mrow(self.doprint(node.param), mo("−"), *factor, mo("×"),
                    self.doprint(node.grad))


    def pieces(self, node: d.Node) -> list[str]:
        """The top-level chain in pieces, for line breaking (as LaTeX's)."""
        if isinstance(node, d.Activation):
            return [mi(FUNCTIONS[node.function]) + fence("(", stretchy="true"),
                    *self.pieces(node.arg), fence(")", stretchy="true")]
        if isinstance(node, d.Sum):
            out = []
            for k, term in enumerate(node.terms):
                sign = "" if node.sign(k) > 0 and k == 0 else mo(
                    "+" if node.sign(k) > 0 else "-")
                out.append(sign + self.doprint(term))
            return out
        return [self.doprint(node)]


LINE = 100  # characters in a line of the page (60rem at the default size), roughly
MOST_ROWS = 10_000  # a page scrolls: no row blocks


def width(mathml: str) -> int:
    """A rough printed width in characters: a table by its widest row, plus the rest."""
    def table(m) -> str:
        rows = re.findall(r"<mtr>(.*?)</mtr>", m.group(1))
        widest = 0
        for r in rows:
            cells = re.findall(r"<mtd[^>]*>(.*?)</mtd>", r)
            widest = max(widest, sum(len(_text(c)) + 1 for c in cells))
        return "x" * (widest + 2)
    flat = re.sub(r"<mtable>(.*?)</mtable>", table, mathml)
    return len(_text(flat))


def _text(mathml: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", mathml))


def math(*rows: tuple[str, str]) -> str:
    """A displayed block of ``lhs = rhs`` rows, aligned on the equals signs."""
    return math_rows([[row] for row in rows])


def math_rows(rows: list[list[tuple[str, str]]]) -> str:
    """A displayed block of lines, each one or more ``lhs = rhs`` pairs (an empty lhs
    continues the row above)."""
    body = ""
    for row in rows:
        cells = []
        for k, (lhs, rhs) in enumerate(row):
            gap = '<mtd><mspace width="2em"/></mtd>' if k else ""
            eq = mo("=") if lhs else ""
            cells.append(f'{gap}<mtd style="text-align:right">{lhs}</mtd><mtd>{eq}</mtd>'
                         f'<mtd style="text-align:left">{rhs}</mtd>')
        body += "<mtr>" + "".join(cells) + "</mtr>"
    return f'<math display="block"><mtable>{body}</mtable></math>'


OPS = {"-": "−", "−": "−", "*": "×"}


def notation(t: int, row: bool = False, budget: int = 0) -> Notation:
    """Worked lines in MathML."""
    from ..exact import unicode

    return Notation(
        label=SymbolPrinter(t, row),
        times="×",
        cdots=mo("⋯"),
        ellipsis=mo("…"),
        vdots=mo("⋮"),
        functions=dict(FUNCTIONS),
        text=mtext,
        exp=lambda z: f"<msup>{mi('e')}{z}</msup>",
        frac=lambda a, b: f"<mfrac>{a}{b}</mfrac>",
        sum_exp=mrow(f"<munder>{mo('Σ')}{mi('j')}</munder>",
                     f"<msup>{mi('e')}<msub>{mi('z')}{mi('j')}</msub></msup>"),
        vector=lambda cells: fenced("<mtable><mtr>" + "".join(
            f"<mtd>{c}</mtd>" for c in cells) + "</mtr></mtable>", "[", "]"),
        exact=unicode,
        exactly=lambda s: mtext(f"  (exactly {s})"),
        num=mn,
        op=lambda s: mo(OPS.get(s, s)),
        paren=lambda a, b: mrow(a, fence("("), b, fence(")")),
        apply=lambda f, z: mrow(mi(f), fence("("), z, fence(")")),
        join=lambda parts: mrow(*parts),
        width=width,
        budget=budget,
        square=lambda x: f"<msup>{mrow(x)}{mn('2')}</msup>",
        sqrt=lambda x: f"<msqrt>{x}</msqrt>",
        norm=lambda x: mrow(mo("‖"), x, mo("‖")),
        log="log",
        half="<mfrac><mn>1</mn><mn>2</mn></mfrac>",
    )


def math_inline(m: Math) -> str:
    """Inline math in MathML (the children of a <math> element)."""
    out = []
    for k, atom in enumerate(m.atoms):
        if isinstance(atom, Name):
            out.append(name(atom, m.t))
        elif atom in "-−" and (k == 0 or m.atoms[k - 1] in ("(", "[", "=")):
            out.append(mo("−", form="prefix"))  # a sign, not a subtraction
        elif kind(atom) == "mn":
            out.append(mn(atom))
        elif atom in "()[]":
            out.append(fence(atom))
        elif kind(atom) == "mo":
            out.append(mo(OPS.get(atom, atom)))
        else:
            out.append(mi(atom))
    return mrow(*out)


def rich_text(parts: str | Rich) -> str:
    """Words with inline math, for HTML."""
    return "".join(f"<math>{math_inline(p)}</math>" if isinstance(p, Math) else _words(
        p.text if isinstance(p, Verbatim) else p) for p in rich(parts))


def _words(text: str) -> str:
    """Words: a name with a subscript (W_xi, hₜ₋₁) as math, an identifier (forget_bias)
    or what to write in a file (convention: W_x) as code."""
    from .latex import words

    out = []
    for sort, piece in words(text):
        if sort == "math":
            sub = mrow(*(mo("−") if ch == "-" else mn(ch) if ch.isdigit() else mi(ch)
                         for ch in piece.sub)) if "-" in piece.sub else mi(piece.sub)
            if piece.inner:
                sub = f"<msub>{sub}{mi(piece.inner)}</msub>"
            base = mi(piece.base) if not piece.tilde else (
                f"<mover>{mi(piece.base)}{mo('~')}</mover>")
            base = f"<msup>{base}{mo('*')}</msup>" if piece.star else base
            out.append(f"<math><msub>{base}{sub}</msub></math>")
        else:
            out.append(f"<code>{escape(piece)}</code>" if sort == "code" else escape(piece))
    return "".join(out)


def data_cells(n: Name, t: int | None, value, row: bool, show=str, full: bool = True,
               budget: int = LINE) -> list[tuple[str, str]]:
    """``(lhs, rhs)`` rows for one matrix or vector, in blocks when too wide."""
    from .latex import grid

    cells = grid(value, show, full, row)
    parts = blocks.data_blocks(cells, budget - 16, MOST_ROWS, value.ndim == 1, gap=1)
    out = []
    for k, (caption, rows) in enumerate(parts):
        label = mtext(f"({caption}) ") if caption else ""
        out.append((name(n, t) if k == 0 else "", mrow(label, bracketed(rows, len(rows[0])))))
    return out


def data_rows(items, row: bool, rounding: Rounding | None = None,
              full: bool = True) -> list[list[list[tuple[str, str]]]]:
    """Displays of lines of ``(lhs, rhs)`` pairs: small matrices several to a line (lines
    of as many aligned with each other), a matrix in blocks on its own."""
    from .document import line_groups

    lines: list[tuple[list[tuple[str, str]], bool]] = []
    for group in line_groups(items):
        used = None
        for n, t, value, bare in group:
            show = str if rounding is None else partial(show_number, rounding, written=bare)
            cells = data_cells(n, t, value, row, show, full)
            w = width(cells[0][0] + cells[0][1]) + 3
            if len(cells) > 1:
                lines += [([c], True) for c in cells]
                used = None
            elif used is None or used + w + 3 > LINE:
                lines.append(([cells[0]], False))
                used = w
            else:
                lines[-1][0].append(cells[0])
                used += w + 3
    displays: list[list[list[tuple[str, str]]]] = []
    previous = None
    for pairs, in_blocks in lines:
        kind = (in_blocks, len(pairs))
        if previous == kind and (not in_blocks or not pairs[0][0]):
            displays[-1].append(pairs)
        else:
            displays.append([pairs])
        previous = kind
    return displays


def _css_string(text: str) -> str:
    """A CSS string literal of ``text`` (safe inside <style>: no quote, backslash, line
    break or < comes through as itself)."""
    out = "".join(ch if ch.isprintable() and ch not in '"\\<>' else f"\\{ord(ch):x} "
                  for ch in text)
    return f'"{out}"'


class HtmlDocument:
    """Mixed into Document: the HTML pieces."""

    tracks_approx = True  # quantity() expands through Document.worked

    def begin(self, title: str, toc: bool) -> None:
        self.multi = toc
        self.out += ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
                     f"<title>{escape(title)}</title>", f"<style>{STYLE}</style>", "</head>",
                     "<body>"]
        self.toc_at = None
        if toc and self.contents:
            self.out.append(f"<h1>{rich_text(title)}</h1>")
            self.toc_at = len(self.out)
        self.anchors: list[tuple[str, str]] = []
        self.sheets: list[str] = []  # page_per_problem: each problem's running head

    def end(self) -> None:
        if self.toc_at is not None:  # the headings carry their numbers: a plain list
            items = "".join(f'<li><a href="#{a}">{escape(t)}</a></li>' for t, a in self.anchors)
            self.out.insert(self.toc_at, f"<nav><h2>Contents</h2><ul>{items}</ul></nav>")
        if self.sheets:
            self.out.append("</section>")
            rules = "".join(f"@page sheet{k} {{ @top-right {{ content: {_css_string(text)}; "
                            "font: 9pt serif; color: #555; } }\n"
                            for k, text in enumerate(self.sheets, start=1))
            self.out.insert(self.out.index("</head>"), f"<style>{rules}</style>")
        self.out += ["</body>", "</html>"]

    def problem_start(self, k: int, solution, many: bool) -> None:
        """With ``page_per_problem``, each problem is a section on pages of its own, named
        so that the printed page's corner repeats the variant (and student) on every page
        (CSS named pages and margin boxes, as Chromium prints them)."""
        from .document import identity

        if self.page_per_problem:
            if self.sheets:
                self.out.append("</section>")
            self.sheets.append(identity(solution.problem))
            self.out.append(f'<section class="sheet" style="page: sheet{k}">')
        super().problem_start(k, solution, many)

    def heading(self, text: str, level: int) -> None:
        level = min(level + (1 if self.multi else 0), 6)
        anchor = f"s{len(self.anchors) + 1}"
        if self.multi and level == 2:
            self.anchors.append((text, anchor))
            self.out.append(f'<h2 id="{anchor}">{rich_text(text)}</h2>')
        else:
            self.out.append(f"<h{level}>{rich_text(text)}</h{level}>")

    def running_header(self, text: str) -> None:
        if self.page_per_problem:  # a page's head: whose sheet, which variant
            self.out.append(f'<div class="running">{rich_text(text)}</div>')

    def page_break(self) -> None:
        self.out.append('<div class="page-break"></div>')

    def name_line(self, student: str | None) -> None:
        who = escape(student) if student else ""
        self.out.append(f'<p class="name">Name: <span class="blank">{who}</span> &emsp; '
                        'Student ID: <span class="blank short"></span></p>')

    def paragraph(self, text, style: str = "") -> None:
        cls = f' class="{style}"' if style else ""
        self.out.append(f"<p{cls}>{rich_text(text).replace(chr(10), '<br>')}</p>")

    def data(self, items, row: bool) -> None:
        for display in data_rows(items, row):
            self.out.append(math_rows(display))

    def formulas(self, rows, row: bool) -> None:
        if rows:
            printer = SymbolPrinter(None, row)
            self.out.append(math(*[(name(n), printer.doprint(tree)) for n, tree in rows]))

    def quantity(self, dv: d.Derivation, step: d.Step, q: d.Quantity) -> None:
        from .document import title_of

        row, t = dv.problem.orientation == "row", step.t
        level = 5 if self.multi else 4
        self.out.append(f"<h{level}>{escape(title_of(dv, step, q))} "
                        f"<math>{name(q.name, t)}</math></h{level}>")
        values = ValuePrinter(dv.rounding, self.full, row)
        lhs = name(q.name, t)
        symbols = (name(q.name), SymbolPrinter(None, row).doprint(q.tree))
        pieces = values.pieces(q.tree)
        if max(width(p) for p in pieces) <= LINE - 10:
            rows = pack(pieces, width, LINE - 10)
            self.out.append(math_rows([[symbols]] + [[(lhs if k == 0 else "", mrow(*r))]
                                                       for k, r in enumerate(rows)]))
        else:  # a matrix wider than the page: the numbers go below, in blocks
            at_t = (lhs, SymbolPrinter(t, row).doprint(q.tree))
            self.out.append(math(symbols, *([at_t] if at_t != symbols else [])))  # ‖g‖
            self.paragraph("where")
            items = [(leaf.name, t if leaf.name.dt is not None else None, leaf.value,
                      leaf.from_file) for leaf in d.leaves(q.tree)]
            for display in data_rows(items, row, dv.rounding, self.full):
                self.out.append(math_rows(display))
        label = SymbolPrinter(t, row)
        sections = self.worked(notation(t, row), dv, q)
        labels = [mrow(label.doprint(node), mo(":")) for node, _ in sections]
        room = max(30, LINE - max((width(s) for s in labels), default=0) - 4)
        body = ""
        for text_label, (_, section) in zip(labels, sections):
            for k, line in enumerate(section):
                pieces = line.pieces()
                rows = [pieces] if width("".join(pieces)) <= room else pack(pieces, width, room)
                for j, part in enumerate(rows):
                    first = k == 0 and j == 0
                    indent = '<mspace width="2em"/>' if j else ""
                    body += (f'<mtr><mtd style="text-align:right">{text_label if first else ""}'
                             f'</mtd><mtd style="text-align:left">{indent}{mrow(*part)}</mtd>'
                             "</mtr>")
        if body:
            self.out.append(f'<math display="block" class="worked"><mtable>{body}</mtable>'
                            "</math>")
        if q.value.ndim == 2:  # a parameter's gradient or update
            result = values.doprint(d.Leaf(q.value, None, q.name, False))
        elif q.value.size == 1 and q.short in ("loss", "norm", "scale"):
            result = mn(dv.rounding.show(q.value[0]))
        else:
            result = values.vector(d.Leaf(q.value, None, q.name,
                                          q.tree is not None and all(d.as_written(q.tree))))
        self.out.append(math((lhs, result)))
        note = self.note(dv, step, q)
        if note:
            self.paragraph("→ " + note, "note")

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        head = "".join(f"<th>{rich_text(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{rich_text(c)}</td>" for c in r) + "</tr>"
                       for r in rows)
        self.out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def results(self, header, rows) -> None:
        def cell(c) -> str:
            if isinstance(c, str):
                return escape(c)
            return "<br>".join(escape(e) for e in c.entries) + (
                "<br><small>(given)</small>" if c.given else "")

        heads = [escape(h) if isinstance(h, str) else f"<math>{name(h)}</math>" for h in header]
        head = "".join(f"<th>{h}</th>" for h in heads)
        body = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in r) + "</tr>"
                       for r in rows)
        self.out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def answers(self, caption: str, columns, t: int) -> None:
        """A table to write in: a row per entry, a column per asked quantity."""
        size = max(n for _, n in columns)
        head = "<th><math><mi>k</mi></math></th>" + "".join(
            f"<th><math>{name(n, t)}</math></th>" for n, _ in columns)
        body = "".join(f"<tr><td>{k + 1}</td>" + "".join(
            "<td></td>" if k < n else "<td>—</td>" for _, n in columns) + "</tr>"
            for k in range(size))
        self.out.append(f"<p><strong>{rich_text(caption)}</strong></p>")
        self.out.append(f'<table class="answers"><thead><tr>{head}</tr></thead>'
                        f"<tbody>{body}</tbody></table>")

    def total(self, formula: str, total: int) -> None:
        self.paragraph(f"Total = {formula} = {total:,}")

