"""Pictures: the cell drawn with a step's numbers, the gates over time, the gradients.

A thin layer over the derivation, like the documents: :func:`pictures` says
which figures go after a step (the cell's diagram) and after the results (the
sequence over time, the gradient norms); each :class:`Picture` builds one
matplotlib Figure, written as inline SVG for HTML or as a LaTeX picture for the
PDF (:mod:`.output`). Nothing heavy is imported until a figure is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line imports this package's errors: keep it light
    from ... import derivation as d

DIAGRAM = ("first", "all", "none")  # the cell's diagram after the first step, every step


@dataclass
class Picture:
    kind: str  # "cell" | "time" | "gradients"
    title: str  # what it shows, in words (the SVG's <title>)
    caption: str  # a line under it
    make: Callable  # (tex: bool) -> matplotlib Figure; tex: laid out for LaTeX's fonts
    texts: Callable | None = None  # () -> the texts LaTeX sets itself (a scene's)

    def svg(self, prefix: str) -> str:
        from .output import svg

        return svg(self.make(False), self.title, prefix)

    def latex(self) -> str:
        from .output import latex

        return latex(self.make(True), self.texts() if self.texts else ())


def pictures(dv: d.Derivation, step: d.Step | None, diagram: str = "first") -> list[Picture]:
    """The figures after ``step``'s derivation, or at the end of the solution (``step``
    None): the gates over time, the gradient going back.

    ``diagram``: the cell's diagram after the first step of each layer and
    direction (``first``), after every step (``all``), or no pictures (``none``).
    """
    if diagram not in DIAGRAM:
        raise ValueError(f"diagram must be one of {', '.join(DIAGRAM)}, not {diagram!r}")
    if diagram == "none":
        return []
    if step is not None:
        if step.direction == "both":
            return []
        first = next(s for s in dv.steps if (s.layer, s.direction) == (step.layer,
                                                                       step.direction))
        if diagram == "all" or step is first:
            return [_cell(dv, step)]
        return []
    out = []
    for layer, direction in dict.fromkeys((s.layer, s.direction) for s in dv.steps):
        from .overtime import unit_steps

        steps = unit_steps(dv, layer, direction)
        if len(steps) >= 2:
            out.append(_over_time(dv, steps))
    from .gradients import norms_of

    norms = norms_of(dv)
    if norms is not None and max(len(s.ts) for s in norms.series) >= 2:  # a line, not a dot
        out.append(_gradients(norms))
    return out


def _where(dv: d.Derivation, step: d.Step) -> str:
    if len(dv.problem.units) == 1:
        return ""
    if dv.problem.layers > 1 and dv.problem.bidirectional:
        return f", layer {step.layer}, {step.direction}"
    return f", layer {step.layer}" if dv.problem.layers > 1 else f", {step.direction}"


def _cell(dv: d.Derivation, step: d.Step) -> Picture:
    from .diagram import cell_scene, describe_cell

    scenes: dict[bool, object] = {}

    def scene(tex: bool):
        if tex not in scenes:
            scenes[tex] = cell_scene(dv, step, tex)
        return scenes[tex]

    def make(tex: bool):
        from .scene import draw

        return draw(scene(tex), texts=not tex)

    def texts():
        from .scene import Text

        return [i for i in scene(True).items if isinstance(i, Text)]

    caption = (f"The {dv.problem.cell.upper()} cell at t = {step.t}{_where(dv, step)}, "
               "with this step's values on its wires.")
    if any(q.given for q in step.quantities):
        caption += " Dashed boxes: values the question gives."
    return Picture("cell", describe_cell(dv, step), caption, make, texts)


def _over_time(dv: d.Derivation, steps: list[d.Step]) -> Picture:
    from .overtime import describe, figure, story

    line = story(dv, steps)
    caption = (f"Over time{_where(dv, steps[0])}: " + (line + "." if line else
                                                        "the gates and the state per unit."))
    return Picture("time", describe(dv, steps), caption, lambda tex: figure(dv, steps, tex))


def _gradients(norms) -> Picture:
    from .gradients import describe, figure, story

    line = story(norms)
    caption = "The gradient going back" + (f": {line}." if line else ".")
    return Picture("gradients", describe(norms), caption, lambda tex: figure(norms, tex))
