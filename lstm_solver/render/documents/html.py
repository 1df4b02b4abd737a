"""One self-contained HTML page: math in MathML (rendered by the browser itself,
nothing fetched), worked lines as text, results as tables."""

from __future__ import annotations

from functools import partial
from html import escape

from ... import derivation as d
from ...equations import Name
from ...numbers import Rounding
from .. import blocks
from ..text import Printer, cell, numbers, shown, text_notation

FUNCTIONS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "softmax": "softmax"}
ACCENTS = {"c_tilde": ("c", "~"), "h_tilde": ("h", "~"), "h→": ("h", "→"), "h←": ("h", "←")}

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #222; }
h1, h2, h3, h4, h5 { margin-top: 1.6em; }
math[display="block"] { margin: 0.6em 0; overflow-x: auto; }
.lines { font-family: ui-monospace, monospace; white-space: pre; overflow-x: auto;
         margin: 0.2em 0 0.6em 1.5em; }
.label { margin: 0.4em 0 0 0; color: #555; }
.dim { color: #666; font-size: 0.9em; }
.warning { color: #a00; font-weight: bold; }
.note { font-style: italic; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: right; }
nav li { margin: 0.1em 0; }
"""


def mi(text: str) -> str:
    return f"<mi>{escape(text)}</mi>"


def mn(text: str) -> str:
    if text.startswith("-"):
        return f"<mrow><mo>-</mo><mn>{escape(text[1:])}</mn></mrow>"
    return f"<mn>{escape(text)}</mn>"


def mo(text: str, **attrs: str) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f"<mo{extra}>{escape(text)}</mo>"


def mrow(*items: str) -> str:
    return "<mrow>" + "".join(items) + "</mrow>"


def name(n: Name, t: int | None = None) -> str:
    """``<msub><mi>W</mi><mi>f</mi></msub>``, h_{t-1} or h_1 in MathML; ∂L/∂hₜ as a
    fraction."""
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


def fenced(inner: str, left: str = "(", right: str = ")") -> str:
    return mrow(mo(left, stretchy="true"), inner, mo(right, stretchy="true"))


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
        return mrow(mi(FUNCTIONS[node.function]), fenced(self.doprint(node.arg)))

    def _print_Stack(self, node: d.Stack) -> str:
        sep = mo("," if self.row else ";")
        return fenced(sep.join(self.doprint(p) for p in node.parts), "[", "]")

    def _factor(self, node: d.Node, *also: type) -> str:
        s = self.doprint(node)
        return fenced(s) if isinstance(node, (d.Sum, d.Scale, *also)) else s

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


class ValuePrinter(Printer):
    """Numbers as bracketed MathML tables."""

    def __init__(self, rounding: Rounding, full: bool = False, row: bool = False):
        self.rounding, self.full, self.row = rounding, full, row

    def table(self, grid: list[list[str] | None], width: int) -> str:
        body = []
        for r in grid:
            cells = ["⋮"] * width if r is None else r
            body.append("<mtr>" + "".join(f"<mtd>{mn(c) if c not in ('⋮', '⋯') else mo(c)}"
                                          "</mtd>" for c in cells) + "</mtr>")
        return fenced("<mtable>" + "".join(body) + "</mtable>", "[", "]")

    def vector(self, node: d.Node) -> str:
        cells = blocks.elide(shown(node, self.rounding), self.full, None)
        if self.row:
            return self.table([["⋯" if c is None else c for c in cells]], len(cells))
        return self.table([None if c is None else [c] for c in cells], 1)

    def _print_Leaf(self, node: d.Leaf) -> str:
        if node.value.ndim == 2:
            M, show = node.value, partial(cell, self.rounding)
            rows = blocks.elide(list(range(M.shape[0])), self.full, None)
            cols = blocks.elide(list(range(M.shape[1])), self.full, None)
            grid = [None if i is None else ["⋯" if j is None else show(M[i, j], node.from_file)
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
        return f"<msqrt>{mo('+').join(blocks.elide(squares, False, mo('⋯'), 4))}</msqrt>"

    def _print_Clip(self, node: d.Clip) -> str:
        return mrow(mi("min"), fenced(mrow(mn("1"), mo(","), mn(node.label), mo("/"),
                                           mn(self.rounding.show(node.norm.value[0])))))

    def _print_Update(self, node: d.Update) -> str:
        factor = [mn(node.rate_label)] + ([mo("×"), mn(node.scale_label)]
                                          if node.scale_label else [])
        return mrow(self.doprint(node.param), mo("−"), *factor, mo("×"),
                    self.doprint(node.grad))


def math(*rows: tuple[str, str]) -> str:
    """A displayed block of ``lhs = rhs`` rows, aligned on the equals signs."""
    body = "".join(f"<mtr><mtd style=\"text-align:right\">{lhs}</mtd><mtd>{mo('=')}</mtd>"
                   f"<mtd style=\"text-align:left\">{rhs}</mtd></mtr>" for lhs, rhs in rows)
    return f'<math display="block"><mtable>{body}</mtable></math>'


class HtmlDocument:
    """Mixed into Document: the HTML pieces."""

    def begin(self, title: str, toc: bool) -> None:
        self.multi = toc
        self.out += ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
                     f"<title>{escape(title)}</title>", f"<style>{STYLE}</style>", "</head>",
                     "<body>"]
        self.toc_at = None
        if toc:
            self.out.append(f"<h1>{escape(title)}</h1>")
            self.toc_at = len(self.out)
        self.anchors: list[tuple[str, str]] = []

    def end(self) -> None:
        if self.toc_at is not None:
            items = "".join(f'<li><a href="#{a}">{escape(t)}</a></li>' for t, a in self.anchors)
            self.out.insert(self.toc_at, f"<nav><h2>Contents</h2><ol>{items}</ol></nav>")
        self.out += ["</body>", "</html>"]

    def heading(self, text: str, level: int) -> None:
        level = min(level + (1 if self.multi else 0), 6)
        anchor = f"s{len(self.anchors) + 1}"
        if self.multi and level == 2:
            self.anchors.append((text, anchor))
            self.out.append(f'<h2 id="{anchor}">{escape(text)}</h2>')
        else:
            self.out.append(f"<h{level}>{escape(text)}</h{level}>")

    def paragraph(self, text: str, style: str = "") -> None:
        cls = f' class="{style}"' if style else ""
        self.out.append(f"<p{cls}>{escape(text).replace(chr(10), '<br>')}</p>")

    def data(self, items, row: bool) -> None:
        if not items:
            return
        printer = ValuePrinter(self.rounding, self.full, row)
        self.out.append(math(*[(name(n, t), printer.doprint(d.Leaf(v, None, n, b)))
                               for n, t, v, b in items]))

    def quantity(self, dv: d.Derivation, step: d.Step, q: d.Quantity) -> None:
        from ..expand import Expander
        from ..text import TextPrinter
        from .document import title_of

        row, t = dv.problem.orientation == "row", step.t
        level = 5 if self.multi else 4
        self.out.append(f"<h{level}>{escape(title_of(dv, step, q))} "
                        f"<math>{name(q.name, t)}</math></h{level}>")
        values = ValuePrinter(dv.rounding, self.full, row)
        self.out.append(math((name(q.name), SymbolPrinter(None, row).doprint(q.tree)),
                             (name(q.name, t), values.doprint(q.tree))))
        label = TextPrinter(t, row)
        for node, lines in Expander(text_notation(t, row), dv.rounding, self.full,
                                    dv.exact).sections(q.tree):
            self.out.append(f'<p class="label">{escape(label.doprint(node))}:</p>')
            self.out.append('<div class="lines">' + escape("\n".join(lines)) + "</div>")
        if q.value.ndim == 2:  # a parameter's gradient or update
            result = values.doprint(d.Leaf(q.value, None, q.name, False))
        elif q.value.size == 1 and q.short in ("loss", "norm", "scale"):
            result = mn(dv.rounding.show(q.value[0]))
        else:
            result = values.vector(d.Leaf(q.value, None, q.name, False))
        self.out.append(math((name(q.name, t), result)))
        note = self.note(dv, step, q)
        if note:
            self.paragraph("→ " + note, "note")

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        head = "".join(f"<th>{escape(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>"
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

    def total(self, formula: str, total: int) -> None:
        self.paragraph(f"Total = {formula} = {total:,}")
