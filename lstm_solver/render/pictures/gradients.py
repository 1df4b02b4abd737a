"""The gradient going back: ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ against t on a log scale, with the
clipping threshold when the problem clips.

The figure reads a small interface, :class:`GradientNorms`, so that it does not depend
on how the backward pass is stored: :func:`norms_of` fills it from a derivation's
``backward`` (``Backward.flow``: a ``Flow`` per step with ``t``, ``dh``, ``dc``,
``layer``, ``direction``; ``Backward.max_norm``, the clipping threshold;
``Backward.norm``, the Quantity holding the norm of every parameter gradient) and
returns None without a backward pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

MARKERS = "osD^v<>p"


@dataclass
class NormSeries:
    """One layer in one direction: the norms of ∂L/∂h_t (and ∂L/∂c_t) at each t."""

    ts: list[int]
    dh: list[float]
    dc: list[float] | None = None  # the LSTM's cell state
    label: str = ""  # "layer 2, backward" when there are several


@dataclass
class GradientNorms:
    series: list[NormSeries] = field(default_factory=list)
    max_norm: float | None = None  # clip: the threshold on the parameter gradients' norm
    norm: float | None = None  # that norm (what the threshold is compared with)
    h: str = "h"  # the problem's names of the states
    c: str = "c"


def norms_of(dv) -> GradientNorms | None:
    """The norms of a derivation's backward pass (None without one)."""
    backward = getattr(dv, "backward", None)
    flow = getattr(backward, "flow", None) if backward is not None else None
    if not flow:
        return None
    p = dv.problem
    units: dict[tuple[int, str], list] = {}
    for f in flow:
        units.setdefault((getattr(f, "layer", 1), getattr(f, "direction", "forward")),
                         []).append(f)
    many = len(units) > 1
    series = []
    for (layer, direction), fs in units.items():
        fs = sorted(fs, key=lambda f: f.t)
        dc = [f.dc for f in fs] if all(getattr(f, "dc", None) is not None for f in fs) \
            else None
        label = (f"layer {layer}, {direction}" if p.layers > 1 and p.bidirectional else
                 f"layer {layer}" if p.layers > 1 else direction) if many else ""
        series.append(NormSeries([f.t for f in fs], [float(f.dh) for f in fs],
                                 [float(v) for v in dc] if dc else None, label))
    norm = getattr(backward, "norm", None)
    norm = float(np.ravel(norm.value)[0]) if norm is not None and hasattr(norm, "value") \
        else norm
    return GradientNorms(series, getattr(backward, "max_norm", None), norm,
                         p.symbol("h"), p.symbol("c"))


def _shown(values: list[float]) -> list[float]:
    """Norms a log scale can show (NaN where zero, infinite or undefined)."""
    return [v if v is not None and math.isfinite(v) and v > 0 else math.nan for v in values]


def _tick(v: float, _=None) -> str:
    """A norm as written on the figure: three significant digits (1e-05 beyond)."""
    text = f"{v:.3g}" if 1e-4 <= v < 1e5 else f"{v:.0e}".replace("e-0", "e-").replace(
        "e+0", "e")
    return text.replace("-", "\u2212")


def figure(norms: GradientNorms, tex: bool = False):
    """The norms against t, on a log scale, with the threshold (a matplotlib Figure)."""
    from .output import RC, matplotlib

    mpl = matplotlib()
    with mpl.rc_context(RC):
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        width, height = 340.0, 190.0
        fig = Figure(figsize=(width / 72, height / 72), dpi=72)
        ax = fig.add_axes((44 / width, 30 / height, (width - 150) / width,
                           (height - 48) / height))
        ts = sorted({t for s in norms.series for t in s.ts})
        h, c = _names(norms, tex)
        values = []
        for k, s in enumerate(norms.series):
            tail = f" ({s.label})" if s.label else ""
            dh = _shown(s.dh)
            values += dh
            ax.plot(s.ts, dh, color="black", linestyle="-", marker=MARKERS[k % len(MARKERS)],
                    markersize=3.5, markerfacecolor="white", linewidth=0.9,
                    label=f"‖∂L/∂{h}‖{tail}" if not tex else f"$\\|\\partial L/\\partial {h}\\|$"
                    f"{tail}", gid=f"norm-h-{k}")
            if s.dc is not None:
                dc = _shown(s.dc)
                values += dc
                ax.plot(s.ts, dc, color="0.45", linestyle="--",
                        marker=MARKERS[k % len(MARKERS)], markersize=3.5,
                        markerfacecolor="0.45", linewidth=0.9,
                        label=f"‖∂L/∂{c}‖{tail}" if not tex else
                        f"$\\|\\partial L/\\partial {c}\\|${tail}", gid=f"norm-c-{k}")
        grad = r"$\|\nabla_\theta L\|$" if tex else "‖∇θ L‖"  # every parameter's
        lines = [(norms.max_norm, "clipping", "clip at {}", (0, (5, 2))),
                 (norms.norm, "norm", grad + " = {}", (0, (1, 1.5)))]
        for value, gid, label, style in lines:
            if value is not None and math.isfinite(value) and value > 0 and \
                    norms.max_norm is not None:
                ax.axhline(value, color="black", linestyle=style, linewidth=0.8,
                           label=label.format(_tick(value)), gid=f"line-{gid}")
                values.append(value)
        finite = [v for v in values if math.isfinite(v)]
        lo, hi = (min(finite), max(finite)) if finite else (0.1, 1.0)
        ax.set_yscale("log")
        ax.set_ylim(lo / 2.5, hi * 2.5)
        few = math.log10(hi / lo) < 2 if lo > 0 else False  # label 2 and 5 too
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5) if few else (1,),
                                              numticks=12))
        ax.yaxis.set_major_formatter(FuncFormatter(_tick))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xticks(ts if len(ts) <= 12 else ts[:: math.ceil(len(ts) / 12)])
        ax.set_xlim(ts[0] - 0.3, ts[-1] + 0.3) if ts else None
        ax.set_xlabel("$t$" if tex else "t", fontsize=7, labelpad=1, parse_math=tex)
        ax.tick_params(labelsize=6.5, length=2, pad=1.5)
        ax.tick_params(which="minor", length=1.2)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_title("the gradient going back (log scale)", fontsize=7.5, pad=3)
        ax.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  handlelength=2.4, borderaxespad=0.0)
    return fig


def _names(norms: GradientNorms, tex: bool) -> tuple[str, str]:
    if tex:
        return f"{norms.h}_t", f"{norms.c}_t"
    return f"{norms.h}ₜ", f"{norms.c}ₜ"


def story(norms: GradientNorms) -> str:
    """One line in plain words: how the norm of ∂L/∂h_t changes going back, and clipping."""
    out = []
    for s in norms.series:
        pairs = [(t, v) for t, v in zip(s.ts, s.dh) if v is not None and math.isfinite(v)]
        if len(pairs) < 2:
            continue
        (t0, first), (t1, last) = pairs[0], pairs[-1]  # t0 < t1: going back is t1 → t0
        tail = f" ({s.label})" if s.label else ""
        if last > 0 and first / last < 0.1:
            out.append(f"‖∂L/∂{norms.h}‖ shrinks from {last:.3g} at t = {t1} to {first:.3g} "
                       f"at t = {t0}{tail}: the gradient vanishes going back")
        elif last > 0 and first / last > 10:
            out.append(f"‖∂L/∂{norms.h}‖ grows from {last:.3g} at t = {t1} to {first:.3g} "
                       f"at t = {t0}{tail}: the gradient explodes going back")
        else:
            out.append(f"‖∂L/∂{norms.h}‖ goes from {last:.3g} at t = {t1} to {first:.3g} at "
                       f"t = {t0}{tail}")
    if norms.max_norm is not None and norms.norm is not None:
        if norms.norm > norms.max_norm:
            out.append(f"the parameter gradients' norm {norms.norm:.3g} is above the threshold "
                       f"{norms.max_norm:g}: they are scaled by "
                       f"{norms.max_norm / norms.norm:.3g}")
        else:
            out.append(f"the parameter gradients' norm {norms.norm:.3g} is within the "
                       f"threshold {norms.max_norm:g}: no clipping")
    return "; ".join(out)


def describe(norms: GradientNorms) -> str:
    both = any(s.dc is not None for s in norms.series)
    what = f"‖∂L/∂{norms.h}ₜ‖" + (f" and ‖∂L/∂{norms.c}ₜ‖" if both else "")
    clip = (f", with the clipping threshold {norms.max_norm:g}" if norms.max_norm is not None
            else "")
    return f"The backward pass: {what} against t on a log scale{clip}."
