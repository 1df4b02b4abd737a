"""A matplotlib Figure written as inline SVG (HTML) or as a LaTeX ``picture`` (PDF).

One Figure, laid out once, two writers:

- SVG: matplotlib's own backend with ``svg.fonttype: none`` (every number is a
  ``<text>``, selectable and searchable), a fixed hash salt and no metadata
  (the same input gives the same bytes), ids prefixed per figure (several
  figures share one page), and a ``<title>`` that says what it shows.
- LaTeX: a small matplotlib renderer (:class:`PictureRenderer`) that writes the
  same Figure as a ``picture`` environment: lines and fills as PDF operators
  (``\\pdfliteral``), texts typeset by LaTeX itself in the document's fonts at
  the positions matplotlib laid out. The .tex stays one file, needs no package
  beyond graphicx (pgf/TikZ are often not installed), and the PDF holds vector
  paths and Type 1 fonts only: no Type 3 font, no raster image.

matplotlib is imported only here and in the modules that build figures.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from ...extras import MissingDependency

# The SVG's texts are Unicode (f₂ ⊙ c₁, as the HTML page writes them), never matplotlib's
# math text: it is slow to parse, and its Computer Modern fonts have their own encoding
# (an SVG with real text would show "¯" for ⊙ and "¡" for −). In the PDF every text is
# typeset by LaTeX itself, in Latin Modern.
FONTS = ["DejaVu Serif", "DejaVu Sans"]  # the second for the signs the first lacks (⊙, ⋮)
RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "lstm-solve",
    "font.family": [*FONTS, "serif"],
    "font.serif": FONTS,
    "mathtext.fontset": "dejavuserif",
    "axes.unicode_minus": True,
    "axes.formatter.use_mathtext": False,
    "font.size": 8,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "path.simplify": False,
}

SCREEN = 4 / 3  # HTML figures are drawn this much larger than in the PDF

INSTALL_HINT = "pip install matplotlib"


class PicturesUnavailable(MissingDependency):
    """matplotlib is not installed: the pictures cannot be drawn."""


def matplotlib():
    """The matplotlib module, or a clear error naming the fix."""
    try:
        import matplotlib as mpl
    except ImportError:
        raise PicturesUnavailable(
            f"the pictures need matplotlib, which is not installed: {INSTALL_HINT}; "
            "or leave them out with --diagram none") from None
    return mpl


# --- SVG ----------------------------------------------------------------------------------


def svg(fig, title: str, prefix: str) -> str:
    """The figure as an ``<svg>`` element for an HTML page (no XML prologue)."""
    mpl = matplotlib()
    buf = io.StringIO()
    with mpl.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None,
                                                  "Format": None, "Type": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    # on screen a third larger than on paper (7.5 pt numbers become 13 px)
    text = re.sub(r'(width|height)="([\d.]+)pt"', lambda m: (
        f'{m.group(1)}="{float(m.group(2)) * SCREEN:.1f}pt"'), text, count=2)
    # ids unique on the page: every figure's own prefix (references follow)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r'url\(#([^)]+)\)', rf'url(#{prefix}-\1)', text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', text)
    from html import escape

    return re.sub(r"<svg ([^>]*)>", lambda m: (
        f'<svg {m.group(1)} role="img" aria-labelledby="{prefix}-title" '
        f'style="max-width:100%;height:auto">\n <title id="{prefix}-title">'
        f"{escape(title)}</title>"), text, count=1).rstrip() + "\n"


# --- LaTeX ----------------------------------------------------------------------------------

PREAMBLE = [r"\usepackage{graphicx}"]  # to scale a figure wider than the line

# Each figure stands alone (a notebook's LaTeX keeps no preamble): the literal PDF
# operators under pdfTeX, LuaTeX (\pdfextension) or XeTeX (a pdf:content special), then
# the picture at its own size, or scaled to the line's width and 0.8 of the page, with its
# caption under it in one box (never a page between them).
FIGURE = (
    r"\par\smallskip\noindent\begin{minipage}{\linewidth}\centering"
    r"\ifdefined\pdfliteral\else\ifdefined\pdfextension"
    r"\protected\def\pdfliteral#1{\pdfextension literal{#1}}\else"
    r"\def\pdfliteral#1{\special{pdf:content #1}}\fi\fi"
    r"\setbox0=\hbox{%s}%%"
    "\n"
    r"\ifdim\wd0>\linewidth\setbox0=\hbox{\resizebox{\linewidth}{!}{\box0}}\fi"
    r"\ifdim\ht0>.8\textheight\setbox0=\hbox{\resizebox{!}{.8\textheight}{\box0}}\fi"
    r"\box0\par\smallskip{\small %s\par}\end{minipage}\par\smallskip"
)


def latex(fig, texts: list = ()) -> str:
    """The figure as a LaTeX ``picture``, placed by :data:`FIGURE`; ``texts``: a scene's
    texts (:class:`.scene.Text`), set by LaTeX at their places after the figure's own."""
    mpl = matplotlib()
    with mpl.rc_context(RC):
        fig.set_dpi(72)  # 1 unit = 1 bp, as in PDF
        width, height = fig.get_size_inches() * 72
        renderer = _renderer_class()(width, height)
        fig.draw(renderer)
        for t in texts:
            tex = f"${t.tex}$" if t.tex is not None else tex_text(t.s, False)
            renderer.put_text(t.x, t.y, tex, t.size, t.italic and t.tex is None, t.ha)
    # the commonest font is chosen once: each text names only a size or shape that differs
    common = Counter(renderer.fonts).most_common(1)[0][0] if renderer.fonts else ""
    body = "\n".join(line.replace(common, "") if common else line for line in renderer.out)
    return (f"{{\\setlength{{\\unitlength}}{{1bp}}{common}\\begin{{picture}}({_n(width)},"
            f"{_n(height)})\n{body}\n\\end{{picture}}}}")


def _n(x: float) -> str:
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


_NUMBER = re.compile(r"^[−-]?\d+(\.\d+)?$")


def is_number(s: str) -> bool:
    return bool(_NUMBER.match(s))


def tex_form(s: str, ismath: bool) -> tuple[str, bool]:
    """How LaTeX sets a text of the figure: (text, in math?). Numbers go in math (a real
    minus sign), as do ∞ and the math texts themselves."""
    if ismath:
        return s.replace("\u2212", "-"), True
    if is_number(s) or "∞" in s:
        return s.replace("\u2212", "-").replace("∞", r"\infty "), True
    return s.replace("\u2212", "-"), False


def tex_text(s: str, ismath: bool) -> str:
    """A text of the figure in LaTeX: math as written, words escaped (a text with math
    in it, "$f_t$ forget", keeps its math and escapes the rest)."""
    from ..documents.latex import escape

    s, math = tex_form(s, ismath)
    if not math:
        return escape(s)
    if not ismath:
        return f"${s}$"
    parts = s.split("$")
    return "$".join(p if k % 2 else escape(p) for k, p in enumerate(parts))


_RENDERER = None


def _renderer_class():
    """:class:`PictureRenderer`, made when first needed (it subclasses matplotlib's)."""
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = _make_renderer()
    return _RENDERER


def _make_renderer():
    from matplotlib.backend_bases import RendererBase
    from matplotlib.path import Path

    class PictureRenderer(RendererBase):
        """Writes what matplotlib draws as ``\\put`` commands of a LaTeX picture."""

        def __init__(self, width: float, height: float):
            super().__init__()
            self.width, self.height = width, height
            self.out: list[str] = []
            self.fonts: list[str] = []  # each text's font commands

        def flipy(self):
            return False

        def get_canvas_width_height(self):
            return self.width, self.height

        def points_to_pixels(self, points):
            return points

        def option_image_nocomposite(self):
            return True

        def get_text_width_height_descent(self, s, prop, ismath):
            # Every text is placed by its anchor and set by LaTeX: a math text is only
            # estimated here (matplotlib's math parser is slow and measures other fonts).
            if ismath:
                plain = re.sub(r"\\[A-Za-z]+|[${}_^]", "", s)
                size = prop.get_size_in_points()
                return 0.55 * size * len(plain), 0.75 * size, 0.25 * size
            return super().get_text_width_height_descent(s, prop, ismath)

        def draw_image(self, gc, x, y, im, transform=None):
            raise ValueError("a raster image in a figure (the PDF must stay vector)")

        def draw_path(self, gc, path, transform, rgbFace=None):
            ops = ["q"]
            rect = gc.get_clip_rectangle()
            if rect is not None:
                x0, y0, w, h = rect.bounds
                ops.append(f"{_n(x0)} {_n(y0)} {_n(w)} {_n(h)} re W n")
            clip, affine = gc.get_clip_path()
            if clip is not None:
                ops += [_path_ops(clip, affine), "W n"]
            stroke = gc.get_linewidth() > 0 and gc.get_rgb()[3] > 0
            fill = rgbFace is not None and (len(rgbFace) < 4 or rgbFace[3] > 0)
            if not (stroke or fill):
                return
            if stroke:
                ops.append(f"{_n(gc.get_linewidth())} w {_color(gc.get_rgb())} RG")
                ops.append({"butt": "0 J", "round": "1 J", "projecting": "2 J"}[
                    gc.get_capstyle()])
                ops.append({"miter": "0 j", "round": "1 j", "bevel": "2 j"}[
                    gc.get_joinstyle()])
                offset, dashes = gc.get_dashes()
                if dashes:
                    ops.append(f"[{' '.join(_n(d) for d in dashes)}] {_n(offset or 0)} d")
            if fill:
                ops.append(f"{_color(rgbFace)} rg")
            ops.append(_path_ops(path, transform))
            ops.append("B" if stroke and fill else "f" if fill else "S")
            ops.append("Q")
            self.out.append(r"\put(0,0){\pdfliteral{" + " ".join(ops) + "}}%")

        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
            ha, va = "left", "baseline"
            if mtext is not None and angle == 0:
                x, y = mtext.get_transform().transform(mtext.get_unitless_position())
                ha = mtext.get_horizontalalignment()
                va = mtext.get_verticalalignment()
            if angle:  # \rotatebox would move it by its height: the figures turn no text
                raise ValueError(f"a text turned by {angle}° in a figure: {s!r}")
            self.put_text(x, y, tex_text(s, bool(ismath)), prop.get_size_in_points(),
                          prop.get_style() == "italic", ha, va, tuple(gc.get_rgb()))

        def put_text(self, x, y, tex: str, size: float, italic: bool = False,
                     ha: str = "left", va: str = "baseline", rgb=(0.0, 0.0, 0.0)) -> None:
            """A text set by LaTeX with its anchor at (x, y)."""
            font = (rf"\fontsize{{{_n(size)}}}{{{_n(size * 1.2)}}}\selectfont"
                    rf"{chr(92) + 'itshape' if italic else chr(92) + 'upshape'}{{}}")
            self.fonts.append(font)
            body = font + tex
            h = {"left": "l", "right": "r", "center": ""}[ha]
            if va == "baseline":
                box = rf"\makebox[0pt][{h or 'c'}]{{{body}}}"
            else:
                v = {"top": "t", "bottom": "b"}.get(va, "")
                box = rf"\makebox(0,0)[{h}{v}]{{{body}}}" if h or v else \
                    rf"\makebox(0,0){{{body}}}"
            if tuple(rgb[:3]) != (0.0, 0.0, 0.0):
                box = rf"\pdfliteral{{{_color(rgb)} rg}}{box}\pdfliteral{{0 g}}"
            self.out.append(rf"\put({_n(x)},{_n(y)}){{{box}}}%")

    def _path_ops(path, transform) -> str:
        out = []
        last = (0.0, 0.0)
        for verts, code in path.iter_segments(transform, remove_nans=True, simplify=False,
                                              curves=True):
            pts = [(_n(verts[k]), _n(verts[k + 1])) for k in range(0, len(verts), 2)]
            if code == Path.MOVETO:
                out.append(f"{pts[0][0]} {pts[0][1]} m")
            elif code == Path.LINETO:
                out.append(f"{pts[0][0]} {pts[0][1]} l")
            elif code == Path.CURVE3:  # quadratic: as the cubic with the same shape
                (qx, qy), (ex, ey) = (verts[0], verts[1]), (verts[2], verts[3])
                c1 = (last[0] + 2 / 3 * (qx - last[0]), last[1] + 2 / 3 * (qy - last[1]))
                c2 = (ex + 2 / 3 * (qx - ex), ey + 2 / 3 * (qy - ey))
                out.append(" ".join(_n(v) for v in (*c1, *c2, ex, ey)) + " c")
            elif code == Path.CURVE4:
                out.append(" ".join(f"{a} {b}" for a, b in pts) + " c")
            elif code == Path.CLOSEPOLY:
                out.append("h")
            if code != Path.CLOSEPOLY and len(verts):
                last = (verts[-2], verts[-1])
        return " ".join(out)

    def _color(rgb) -> str:
        r, g, b = rgb[:3]
        a = rgb[3] if len(rgb) > 3 else 1.0
        # no transparency in a literal: blend with the white page
        return " ".join(_n(round(a * c + (1 - a), 4)) for c in (r, g, b))

    return PictureRenderer
