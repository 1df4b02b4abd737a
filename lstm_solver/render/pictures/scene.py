"""A laid-out drawing: boxes, circles, wires and texts at positions in points (1/72 in).

The cell diagram is laid out here in plain numbers (:mod:`.diagram`) and drawn
once into a matplotlib Figure (:func:`draw`), which :mod:`.output` writes as
SVG or as a LaTeX picture. ``measure`` gives the size of a text as it is
drawn, so that the layout can leave room for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

Point = tuple[float, float]

LINE = 0.8  # line width of wires and outlines, pt
INK = "#000000"
FILL = "#ececec"  # a gate's box (prints as a light grey)


@dataclass
class Text:
    """A text: ``s`` as the SVG shows it (Unicode: f₂ ⊙ c₁), ``tex`` as LaTeX sets it in
    math (f_{2} \\odot c_{1}); without ``tex``, LaTeX sets ``s`` (numbers in math)."""

    x: float
    y: float  # the baseline
    s: str
    size: float
    ha: str = "left"  # left | center | right
    tex: str | None = None
    italic: bool = False
    gid: str | None = None  # an id in the SVG (tests find the numbers by it)


@dataclass
class Wire:
    points: list[Point]
    arrow: bool = True  # an arrowhead at the last point


@dataclass
class Box:
    x: float  # centre
    y: float
    w: float
    h: float
    dashed: bool = False  # a given value: not computed here
    fill: str = FILL


@dataclass
class Circle:
    x: float
    y: float
    r: float
    mark: bool = False  # a small sign set on a box's edge (it overlaps the box on purpose)


@dataclass
class Ellipse:  # an element-wise function on a wire (tanh of the cell state)
    x: float
    y: float
    w: float
    h: float


@dataclass
class Dot:  # a wire that splits
    x: float
    y: float


@dataclass
class Bracket:  # [ or ] around a column of numbers
    x: float
    y0: float
    y1: float
    left: bool


@dataclass
class Scene:
    width: float
    height: float
    items: list = field(default_factory=list)

    def add(self, *items) -> None:
        self.items += items


# --- measuring ------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def measure(s: str, size: float, italic: bool = False, tex: bool = False) -> tuple[float,
                                                                                 float, float]:
    """Width, height and depth (descent) of the text ``s`` in points.

    Measured with the SVG's font (DejaVu, wider than most serif fonts a browser may
    use instead, and about as wide as LaTeX's math for a name); a number for LaTeX
    (``tex``) with Latin Modern's widths, so that its brackets fit it snugly.
    """
    from .output import is_number

    if tex and is_number(s):
        return _latin_modern_number(s, size), 0.7 * size, 0.0
    from .output import FONTS, matplotlib

    matplotlib()
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=FONTS, size=size, style="italic" if italic else "normal")
    w, h, d = _text_to_path().get_text_width_height_descent(s, prop, ismath=False)
    return float(w), float(h), float(d)


@lru_cache(maxsize=1)
def _text_to_path():
    from matplotlib.textpath import TextToPath

    return TextToPath()


# Latin Modern's digit widths (em) at its design sizes: small sizes are wider
_DIGIT = ((5.5, 0.611), (6.5, 0.556), (7.5, 0.571), (8.5, 0.531), (9.5, 0.514), (99, 0.5))


def _latin_modern_number(s: str, size: float) -> float:
    digit = next(w for upto, w in _DIGIT if size < upto)
    em = sum(digit if c.isdigit() else 0.778 if c in "-\u2212" else 0.3 for c in s)
    return em * size * 1.04


# --- drawing --------------------------------------------------------------------------------


def draw(scene: Scene, texts: bool = True):
    """The scene as a matplotlib Figure (1 unit = 1 pt): the lines in one collection, the
    arrowheads and dots in another, a patch per shape and an artist per text (in Unicode,
    for SVG). Without ``texts`` (for LaTeX): :func:`.output.latex` sets them itself."""
    from .output import RC, matplotlib

    with matplotlib().rc_context(RC):
        from matplotlib.collections import LineCollection, PolyCollection
        from matplotlib.figure import Figure

        fig = Figure(figsize=(scene.width / 72, scene.height / 72), dpi=72)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, scene.width)
        ax.set_ylim(0, scene.height)
        ax.set_axis_off()
        lines, widths, heads = [], [], []
        for item in scene.items:
            if isinstance(item, Wire):
                lines.append(item.points)
                widths.append(LINE)
                if item.arrow:
                    heads.append(_arrowhead(item.points[-2], item.points[-1]))
            elif isinstance(item, Bracket):
                tick = 2.2 * (1 if item.left else -1)
                lines.append([(item.x + tick, item.y0), (item.x, item.y0), (item.x, item.y1),
                              (item.x + tick, item.y1)])
                widths.append(0.6)
            elif isinstance(item, Dot):
                heads.append(_dot(item.x, item.y))
            elif texts or not isinstance(item, Text):
                _artist(ax, item)
        ax.add_collection(LineCollection(lines, colors=INK, linewidths=widths, zorder=1,
                                         capstyle="butt", joinstyle="miter"), autolim=False)
        ax.add_collection(PolyCollection(heads, facecolors=INK, edgecolors="none", zorder=3),
                          autolim=False)
    return fig


def _artist(ax, item) -> None:
    from matplotlib.patches import Circle as CirclePatch
    from matplotlib.patches import Ellipse as EllipsePatch
    from matplotlib.patches import FancyBboxPatch

    solid = dict(edgecolor=INK, linewidth=LINE)
    if isinstance(item, Box):  # (add_artist: the limits are set, no patch moves them)
        ax.add_artist(FancyBboxPatch(
            (item.x - item.w / 2, item.y - item.h / 2), item.w, item.h,
            boxstyle="round,pad=0,rounding_size=3", facecolor=item.fill, zorder=2,
            linestyle=(0, (3, 2)) if item.dashed else "solid", **solid))
    elif isinstance(item, Circle):
        ax.add_artist(CirclePatch((item.x, item.y), item.r, facecolor="white", zorder=2,
                                  **solid))
    elif isinstance(item, Ellipse):
        ax.add_artist(EllipsePatch((item.x, item.y), item.w, item.h, facecolor="white",
                                   zorder=2, **solid))
    elif isinstance(item, Text):
        text = ax.text(item.x, item.y, item.s, fontsize=item.size, ha=item.ha,
                       va="baseline", zorder=4, style="italic" if item.italic else "normal",
                       parse_math=False)
        if item.gid:
            text.set_gid(item.gid)


def _dot(x: float, y: float, r: float = 1.6, n: int = 12) -> list[Point]:
    import math

    return [(x + r * math.cos(2 * math.pi * k / n), y + r * math.sin(2 * math.pi * k / n))
            for k in range(n)]


def _arrowhead(a: Point, b: Point, length: float = 4.0, half: float = 1.8) -> list[Point]:
    (x0, y0), (x1, y1) = a, b
    n = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-9)
    ux, uy = (x1 - x0) / n, (y1 - y0) / n
    bx, by = x1 - ux * length, y1 - uy * length
    return [(x1, y1), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)]


# --- checking -------------------------------------------------------------------------------


def extent(item, tex: bool = False) -> tuple[float, float, float, float] | None:
    """The rectangle (x0, y0, x1, y1) an item covers (texts as measured)."""
    if isinstance(item, Text):
        w, h, dp = measure(item.s, item.size, item.italic, tex)
        x0 = item.x - {"left": 0, "center": w / 2, "right": w}[item.ha]
        return x0, item.y - dp, x0 + w, item.y + h - dp
    if isinstance(item, Box | Ellipse):
        return item.x - item.w / 2, item.y - item.h / 2, item.x + item.w / 2, item.y + item.h / 2
    if isinstance(item, Circle):
        return item.x - item.r, item.y - item.r, item.x + item.r, item.y + item.r
    return None


def overlaps(scene: Scene, tex: bool = False, clear: float = 1.0) -> list[tuple]:
    """Pairs of things that meet and should not: a text less than ``clear`` points from
    another text, over a shape or a wire, or a shape over a shape; each text must also lie
    inside the figure."""
    margin = 0.5
    texts = [(it, extent(it, tex)) for it in scene.items if isinstance(it, Text)]
    shapes = [(it, extent(it, tex)) for it in scene.items if isinstance(it, Box | Circle |
                                                                         Ellipse)
              and not getattr(it, "mark", False)]
    segments = [(it, p, q) for it in scene.items if isinstance(it, Wire | Bracket)
                for p, q in _segments(it)]

    def meet(a, b) -> bool:
        return (a[0] < b[2] - margin and b[0] < a[2] - margin and a[1] < b[3] - margin
                and b[1] < a[3] - margin)

    marks = [extent(it, tex) for it in scene.items if getattr(it, "mark", False)]

    def within(a, b) -> bool:
        return b[0] <= a[0] and a[2] <= b[2] and b[1] <= a[1] and a[3] <= b[3]

    out = []
    for k, (t, r) in enumerate(texts):
        if any(within(r, m) for m in marks):
            continue
        if r[0] < -margin or r[1] < -margin or r[2] > scene.width + margin or \
                r[3] > scene.height + margin:
            out.append((t, "outside"))
        for u, r2 in texts[k + 1:]:
            if meet((r[0] - clear, r[1] - clear, r[2] + clear, r[3] + clear), r2):
                out.append((t, u))
        for shape, r2 in shapes:
            if meet(r, r2) and not within(r, r2):
                out.append((t, shape))
        for wire, p, q in segments:
            box = (min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1]))
            if meet(r, (box[0] - 0.4, box[1] - 0.4, box[2] + 0.4, box[3] + 0.4)):
                out.append((t, wire))
    for k, (a, r) in enumerate(shapes):
        for b, r2 in shapes[k + 1:]:
            if meet(r, r2):
                out.append((a, b))
    return out


def _segments(item) -> list[tuple[Point, Point]]:
    if isinstance(item, Bracket):
        return [((item.x, item.y0), (item.x, item.y1))]
    return list(zip(item.points, item.points[1:]))
