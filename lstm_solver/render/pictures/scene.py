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
    x: float
    y: float  # the baseline
    s: str
    size: float
    ha: str = "left"  # left | center | right
    math: bool = False  # s is TeX math (without the $)
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


@lru_cache(maxsize=4096)
def measure(s: str, size: float, math: bool = False, italic: bool = False,
            tex: bool = False) -> tuple[float, float, float]:
    """Width, height and depth (descent) of ``s`` in points, as it will be shown.

    ``tex``: as LaTeX sets it in the PDF (Computer Modern; a number in math, with
    its minus sign); else as the SVG shows it (DejaVu, wider than most browsers'
    serif fonts, so that what fits here fits there).
    """
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    from .output import RC, TEX_METRICS, tex_form

    if tex:
        s, math = tex_form(s, math)
    with mpl.rc_context({**RC, **(TEX_METRICS if tex else {})}):
        prop = FontProperties(size=size, style="italic" if italic and not tex else "normal")
        w, h, d = TextToPath().get_text_width_height_descent(
            f"${s}$" if math else s, prop, ismath=math)
    if tex:  # LaTeX's small sizes use wider designs (Latin Modern 7, 8) than cmr10 scaled
        w *= 1.1
    return float(w), float(h), float(d)


# --- drawing --------------------------------------------------------------------------------


def draw(scene: Scene):
    """The scene as a matplotlib Figure, one artist per item (1 unit = 1 pt)."""
    from .output import RC, matplotlib

    with matplotlib().rc_context(RC):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(scene.width / 72, scene.height / 72), dpi=72)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, scene.width)
        ax.set_ylim(0, scene.height)
        ax.set_axis_off()
        for item in scene.items:
            _artist(ax, item)
    return fig


def _artist(ax, item) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle as CirclePatch
    from matplotlib.patches import Ellipse as EllipsePatch
    from matplotlib.patches import FancyBboxPatch, Polygon

    solid = dict(edgecolor=INK, linewidth=LINE)
    if isinstance(item, Wire):
        xs, ys = zip(*item.points)
        ax.add_line(Line2D(xs, ys, color=INK, linewidth=LINE, solid_capstyle="butt",
                           solid_joinstyle="miter", zorder=1))
        if item.arrow:
            ax.add_patch(Polygon(_arrowhead(item.points[-2], item.points[-1]), closed=True,
                                 facecolor=INK, edgecolor="none", zorder=1))
    elif isinstance(item, Box):
        ax.add_patch(FancyBboxPatch(
            (item.x - item.w / 2, item.y - item.h / 2), item.w, item.h,
            boxstyle="round,pad=0,rounding_size=3", facecolor=item.fill, zorder=2,
            linestyle=(0, (3, 2)) if item.dashed else "solid", **solid))
    elif isinstance(item, Circle):
        ax.add_patch(CirclePatch((item.x, item.y), item.r, facecolor="white", zorder=2,
                                 **solid))
    elif isinstance(item, Ellipse):
        ax.add_patch(EllipsePatch((item.x, item.y), item.w, item.h, facecolor="white",
                                  zorder=2, **solid))
    elif isinstance(item, Dot):
        ax.add_patch(CirclePatch((item.x, item.y), 1.6, facecolor=INK, edgecolor="none",
                                 zorder=3))
    elif isinstance(item, Bracket):
        tick = 2.2 * (1 if item.left else -1)
        ax.add_line(Line2D([item.x + tick, item.x, item.x, item.x + tick],
                           [item.y0, item.y0, item.y1, item.y1], color=INK, linewidth=0.6,
                           zorder=3))
    elif isinstance(item, Text):
        text = ax.text(item.x, item.y, f"${item.s}$" if item.math else item.s,
                       fontsize=item.size, ha=item.ha, va="baseline", zorder=4,
                       style="italic" if item.italic else "normal")
        if item.gid:
            text.set_gid(item.gid)


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
        w, h, dp = measure(item.s, item.size, item.math, item.italic, tex)
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
