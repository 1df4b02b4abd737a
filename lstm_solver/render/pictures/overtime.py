"""A sequence at a glance: a heatmap per gate (units × steps) and c_t, h_t per unit.

Laid out in points by hand (no automatic layout), so that the cells keep the
size their numbers need and the figure is the same on every machine. The
colour map is sequential and light (numbers stay black and readable, and a
photocopy keeps the order of the shades).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ... import derivation as d
from ...equations import Name

MAX_NUMBERS = 12  # the numbers are written in the cells up to 12 units × 12 steps
SMALL = 6  # up to 6 units and 6 steps: larger cells, numbers to 2 decimals
CMAP_RANGE = (0.0, 0.62)  # the light part of "Blues": black text stays readable
LEVELS = 40  # colours in the map (a colour bar of fewer than 50 patches stays vector)
WIDTH = 470.0  # the widest figure, pt (a page's text width)
TITLE = 7.5  # the size of a heatmap's title
MARKERS = "osD^v<>ph*"
DASHES = ["-", "--", ":", "-."]
RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
FUNCTIONS = {"sigmoid": ("σ", r"$\sigma$"), "tanh": ("tanh", r"$\tanh$"),
             "relu": ("ReLU", r"$\mathrm{ReLU}$")}


@dataclass
class Series:
    """One quantity over the steps of one layer in one direction: units × steps."""

    short: str
    name: Name
    values: np.ndarray  # (units, steps), NaN where it could not be computed
    activation: str | None  # the gate's activation, None for c and h


def unit_steps(dv: d.Derivation, layer: int, direction: str) -> list[d.Step]:
    """The steps of one layer in one direction, in order of t."""
    return sorted((s for s in dv.steps if s.layer == layer and s.direction == direction),
                  key=lambda s: s.t)


def series(dv: d.Derivation, steps: list[d.Step], short: str) -> Series | None:
    p = dv.problem
    qs = [s.get(short) for s in steps]
    if all(q is None for q in qs):
        return None
    H = next(len(q.value) for q in qs if q is not None)
    values = np.array([q.value if q is not None else np.full(H, np.nan) for q in qs]).T
    gate = p.cell_def.gate(short)
    name = next(q.name for q in qs if q is not None)
    return Series(short, name, values, gate.activation if gate else None)


def gates_of(dv: d.Derivation, steps: list[d.Step]) -> list[Series]:
    cell = dv.problem.cell_def
    out = [series(dv, steps, g.short) for g in cell.gates]
    return [s for s in out if s is not None]


def states_of(dv: d.Derivation, steps: list[d.Step]) -> list[Series]:
    cell = dv.problem.cell_def
    out = [series(dv, steps, st) for st in reversed(cell.state)]  # c before h
    return [s for s in out if s is not None]


def _name(name: Name, tex: bool) -> str:
    """f_t in LaTeX math, or fₜ in Unicode (the SVG's text)."""
    if tex:
        from ..documents.latex import name as latex_name

        return f"${latex_name(name)}$"
    from ..text import name as text_name

    return text_name(name)


def _shown(x: float, rounding) -> str:
    return rounding.show(x).replace("-", "\u2212")


def figure(dv: d.Derivation, steps: list[d.Step], tex: bool = False):
    """The heatmaps and the state plots of one layer in one direction; ``tex``: its names
    in LaTeX (for :func:`.output.latex`), else in Unicode (for SVG)."""
    from .output import RC, matplotlib

    mpl = matplotlib()
    with mpl.rc_context(RC):
        return _figure(dv, steps, tex)


def _figure(dv: d.Derivation, steps: list[d.Step], tex: bool):
    from matplotlib.figure import Figure

    from .scene import measure

    gates = gates_of(dv, steps)
    states = states_of(dv, steps)
    H, T = gates[0].values.shape if gates else states[0].values.shape
    rounding = replace(dv.rounding, decimals=cell_decimals(dv, H, T))
    ts = [s.t for s in steps]
    numbered = H <= MAX_NUMBERS and T <= MAX_NUMBERS
    small = max(H, T) <= SMALL
    size = 6.0 if small else 5.0  # the numbers in the cells
    widest = max([measure(_shown(v, rounding), size)[0] for g in gates
                  for v in g.values.ravel() if np.isfinite(v)] + [8.0])
    left, bottom, top, bar = (28.0, 24.0, 16.0, 40.0) if small else (22.0, 24.0, 16.0, 30.0)
    if numbered:
        cw, ch = (max(widest + 7, 24.0), 15.0) if small else (widest + 2.5, 10.0)
    else:  # two heatmaps a row, each at most ~150 pt tall
        cw = max(2.0, min(18.0, (WIDTH / 2 - left - bar - 10) / T))
        ch = max(1.5, min(14.0, 150.0 / H))
    titles = {g.short: _title(dv, g, tex) for g in gates}
    widest_title = max([measure(_title(dv, g, False), TITLE)[0] for g in gates] + [0.0])
    cw = max(cw, (widest_title + 4) / T)  # a title no wider than its heatmap
    panel_w, panel_h = T * cw, H * ch
    cell_w = left + panel_w + bar + 4
    per_row = max(1, min(len(gates), int(WIDTH // cell_w)))
    rows = math.ceil(len(gates) / per_row) if gates else 0
    per_row = math.ceil(len(gates) / rows) if rows else 1  # 4 gates: 4 or 2 + 2, not 3 + 1
    heat_h = bottom + panel_h + top
    legend = 52.0 if states and states[0].values.shape[0] <= len(MARKERS) else 0.0
    width = min(WIDTH, max(per_row * cell_w, 150.0 * len(states) + legend)) + 4
    line_w = (width - 4 - legend) / max(1, len(states))
    line_h = 104.0
    height = rows * heat_h + line_h + 6
    x_heat = (width - per_row * cell_w) / 2  # the heatmaps centred
    fig = Figure(figsize=(width / 72, height / 72), dpi=72)

    def axes(x, y, w, h):
        return fig.add_axes((x / width, y / height, w / width, h / height))

    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap, Normalize

    base = colormaps["Blues"]
    cmap = ListedColormap(base(np.linspace(*CMAP_RANGE, LEVELS))).with_extremes(bad="white")
    for k, g in enumerate(gates):
        row, col = divmod(k, per_row)
        x0 = x_heat + col * cell_w + left
        y0 = height - (row + 1) * heat_h + bottom
        ax = axes(x0, y0, panel_w, panel_h)
        drawn = plottable(g.values)
        lo, hi = RANGES.get(g.activation, (float(np.nanmin(drawn)) if np.isfinite(
            drawn).any() else 0.0, float(np.nanmax(drawn)) if np.isfinite(
            drawn).any() else 1.0))
        if hi <= lo:
            hi = lo + 1.0
        norm = Normalize(lo, hi)
        masked = np.ma.masked_invalid(plottable(g.values)[::-1])  # unit 1 on top
        mesh = ax.pcolormesh(np.arange(T + 1), np.arange(H + 1), masked, cmap=cmap,
                             norm=norm, edgecolors="white" if numbered else "face",
                             linewidth=0.5 if numbered else 0.0)
        mesh.set_gid(f"heat-{g.short}")
        ax.set_xlim(0, T)
        ax.set_ylim(0, H)
        _ticks(ax, ts, H, tex)
        ax.set_title(titles[g.short], fontsize=TITLE, pad=3, parse_math=tex)
        if numbered:
            for i in range(H):
                for j in range(T):
                    v = g.values[i, j]
                    ax.text(j + 0.5, H - i - 0.5, _shown(v, rounding) if np.isfinite(v)
                            else "–", ha="center", va="center", fontsize=size,
                            gid=f"cell-{g.short}-{i}-{j}")
        cax = axes(x0 + panel_w + 5, y0, 5, panel_h)
        bar_ = fig.colorbar(mesh, cax=cax)
        bar_.solids.set_rasterized(False)
        bar_.solids.set_edgecolor("face")  # no seams between the bar's patches
        bar_.solids.set_linewidth(0.3)
        bar_.outline.set_linewidth(0.4)
        bar_.set_ticks([lo, (lo + hi) / 2, hi])
        bar_.ax.tick_params(labelsize=6, length=2, width=0.4, pad=1.5)
        bar_.ax.set_yticklabels([_tick(v) for v in (lo, (lo + hi) / 2, hi)])
    for k, st in enumerate(states):
        ax = axes(k * line_w + 34, 26, line_w - 44, line_h - 42)
        units = st.values.shape[0]
        for u in range(units):
            many = units > len(MARKERS)
            ax.plot(ts, plottable(st.values[u]), color="black" if units <= 4 else
                    colormaps["Greys"](0.35 + 0.6 * u / max(1, units - 1)),
                    linestyle=DASHES[u % len(DASHES)] if not many else "-",
                    marker=None if many else MARKERS[u % len(MARKERS)], markersize=3.5,
                    markerfacecolor="white", linewidth=0.9 if not many else 0.5,
                    label=f"unit {u + 1}", gid=f"line-{st.short}-{u}")
        ax.set_title(f"{_name(st.name, tex)} per unit", fontsize=TITLE, pad=3, parse_math=tex)
        ax.set_xticks(_thin(ts))
        ax.set_xlabel("$t$" if tex else "t", fontsize=7, labelpad=1, parse_math=tex)
        ax.tick_params(labelsize=6.5, length=2, pad=1.5)
        ax.set_xlim(ts[0] - 0.3, ts[-1] + 0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if units <= len(MARKERS) and k == len(states) - 1:
            ax.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                      handlelength=2.2, borderaxespad=0.2)
    return fig


def plottable(values: np.ndarray) -> np.ndarray:
    """The values an axis can span: ∞, NaN and magnitudes beyond 1e300 (whose range
    overflows float64 when the axis measures it) are left out, as gaps."""
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(values) & (np.abs(values) < 1e300), values, np.nan)


def cell_decimals(dv: d.Derivation, H: int, T: int) -> int:
    """Decimals of the numbers in the heatmaps' cells: 2 (1 beyond 6 × 6, to fit)."""
    return min(2 if max(H, T) <= SMALL else 1, dv.rounding.decimals)


def _title(dv: d.Derivation, g: Series, tex: bool) -> str:
    """"fₜ  forget (σ)"."""
    gate = dv.problem.cell_def.gate(g.short)
    word = FUNCTIONS.get(g.activation, (g.activation, g.activation))[tex]
    return f"{_name(g.name, tex)}  {gate.name} ({word})"


def _ticks(ax, ts: list[int], H: int, tex: bool) -> None:
    T = len(ts)
    xs = _thin(list(range(T)))
    ax.set_xticks([x + 0.5 for x in xs])
    ax.set_xticklabels([str(ts[x]) for x in xs])
    ys = _thin(list(range(H)))
    ax.set_yticks([H - y - 0.5 for y in ys])
    ax.set_yticklabels([str(y + 1) for y in ys])
    ax.tick_params(labelsize=6, length=0, pad=2)
    ax.set_xlabel("step $t$" if tex else "step t", fontsize=6.5, labelpad=1, parse_math=tex)
    # "unit" under the units' numbers: no text in these figures is turned on its side
    ax.annotate("unit", xy=(0, 0), xycoords="axes fraction", xytext=(-2, -3),
                textcoords="offset points", ha="right", va="top", fontsize=6.5)
    for spine in ax.spines.values():
        spine.set_linewidth(0.4)


def _thin(items: list, most: int = 12) -> list:
    """At most ``most`` evenly spread items, the first and the last among them."""
    if len(items) <= most:
        return list(items)
    step = math.ceil((len(items) - 1) / (most - 1))
    out = items[::step]
    return out if out[-1] == items[-1] else out + [items[-1]]


def _tick(v: float) -> str:
    return f"{v:g}".replace("-", "\u2212")


# --- the line under it ------------------------------------------------------------------------

SENTENCES = {
    # gate note: (extreme, threshold, what it means)
    "keep": ("low", 0.2, "the cell forgets"),
    "write": ("high", 0.8, "the cell writes its candidate"),
    "expose": ("low", 0.2, "the cell hides its memory"),
    "reset": ("low", 0.2, "the candidate ignores the previous state"),
    "update_previous": ("low", 0.2, "the state takes the candidate"),
    "update_candidate": ("high", 0.8, "the state takes the candidate"),
    "rnn": ("saturated", 0.9, "the activation saturates"),
}


def story(dv: d.Derivation, steps: list[d.Step]) -> str:
    """One plain-words line about the most telling gate value over the sequence:
    "f₃ ≈ 0.02 for unit 2: the cell forgets at step 3"."""
    from ..text import name

    cell = dv.problem.cell_def
    best: tuple[float, str] | None = None
    for g in gates_of(dv, steps):
        gate = cell.gate(g.short)
        rule = SENTENCES.get(gate.note)
        if rule is None or not np.isfinite(g.values).any():
            continue
        extreme, threshold, meaning = rule
        if extreme == "saturated" and g.activation not in RANGES:
            continue  # ReLU does not saturate
        v = np.where(np.isfinite(g.values), g.values, np.nan)
        if extreme == "low":
            i, j = np.unravel_index(np.nanargmin(v), v.shape)
            strength = threshold - v[i, j]
        elif extreme == "high":
            i, j = np.unravel_index(np.nanargmax(v), v.shape)
            strength = v[i, j] - threshold
        else:
            i, j = np.unravel_index(np.nanargmax(np.abs(v)), v.shape)
            strength = abs(v[i, j]) - threshold
        if strength > 0 and (best is None or strength > best[0]):
            t = steps[j].t
            best = (strength, f"{name(g.name, t)} ≈ {_rough(v[i, j])} for unit {i + 1}: "
                              f"{meaning} at step {t}")
    if best:
        return best[1]
    keep = next((g for g in gates_of(dv, steps) if cell.gate(g.short).note in (
        "keep", "update_previous", "update_candidate", "rnn")), None)
    if keep is None or not np.isfinite(keep.values).any():
        return ""
    lo, hi = np.nanmin(keep.values), np.nanmax(keep.values)
    if keep.activation not in RANGES:
        return ""
    return (f"{name(Name(keep.name.base, keep.name.sub))} stays between {_rough(lo)} and "
            f"{_rough(hi)} over every unit and step: no gate is near 0 or 1")


def _rough(v: float) -> str:
    """A value in a sentence: two decimals, as the notes write them."""
    return f"{v:.2f}".replace("-", "\u2212")


def describe(dv: d.Derivation, steps: list[d.Step]) -> str:
    p = dv.problem
    gates = [f"{p.cell_def.gate(g.short).name} gate" for g in gates_of(dv, steps)]
    where = "" if len(p.units) == 1 else f" (layer {steps[0].layer}, {steps[0].direction})"
    plotted = " and ".join(st.short for st in states_of(dv, steps))
    return (f"The {p.cell.upper()}{where} over t = {steps[0].t} to {steps[-1].t}: a heatmap "
            f"per gate ({', '.join(gates)}), units by steps, with its colour bar; then "
            f"{plotted} per unit against t.")
