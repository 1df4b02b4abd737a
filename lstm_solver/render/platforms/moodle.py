"""Moodle XML: one Cloze (multianswer) question per problem, for Moodle's question bank.

The question text is the stem (platforms/html.py) followed by one blank per
asked number, ``{w:NUMERICAL:=value:tolerance}``: the solver's value at full
precision, the tolerance one unit in the last asked decimal (DESIGN §6; Moodle
accepts |answer − value| ≤ tolerance) and the weight ``w`` from ``marks:``.
The worked solution is the general feedback. A set of variants goes into one
category, ``$course$/top/<set name>``, from which a quiz's random question
draws one per student. Texts are written in CDATA sections, as Moodle's own
export writes them.
"""

from __future__ import annotations

import math
from fractions import Fraction

from ...asked import AskedNumber, asked_numbers, rounding_sentence
from .html import PlatformHtml, clean, esc, title

PENALTY = "0.3333333"  # Moodle's default penalty for each wrong try (interactive mode)
NAME_LENGTH = 255  # Moodle cuts question names longer than this
ENTRY = "display: inline-block; margin: 0.2em 1.5em 0.2em 0; white-space: nowrap;"


def render(solutions, set_name: str | None = None, full: bool = False) -> str:
    """A Moodle XML ``<quiz>``: a category when ``set_name`` is given, then a Cloze
    question per solution."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>",
           "<!-- lstm-solve: Cloze questions with the worked solution as general feedback. "
           "Import them in Question bank > Import > Moodle XML format. -->"]
    if set_name:
        out.append(category(set_name, len(solutions)))
    printer = PlatformHtml(full)
    out += [question(solution, printer) for solution in solutions]
    out.append("</quiz>")
    return "\n".join(out) + "\n"


def category(set_name: str, count: int) -> str:
    """``$course$/top/<set name>``, escaped as Moodle's assemble_category_path does (its
    importer splits the path at single slashes and reads ``//`` as a slash in a name)."""
    name = (" ".join(clean(set_name).split()) or "lstm-solve").replace("/", "//")
    name = (" " if name.startswith("/") else "") + name + (" " if name.endswith("/") else "")
    info = (f"<p>{count} variant{'s' * (count != 1)} of one question, made by lstm-solve. "
            "A quiz's <em>random question</em> from this category gives each student one "
            "of them.</p>")
    return ('  <question type="category">\n'
            f'    <category>{text("$course$/top/" + name)}</category>\n'
            f'    <info format="html">{text(info)}</info>\n'
            "  </question>")


def question(solution, printer: PlatformHtml) -> str:
    numbers = asked_numbers(solution)
    rule = rounding_sentence(solution.problem)  # round: {h: 0}, as the question says
    stem = printer.stem(solution)
    if "{" in stem or "}" in stem:  # esc() writes every brace as &#123; / &#125;
        raise AssertionError("a brace in a question stem would be read as a cloze blank")
    name = " ".join(title(solution).split())[:NAME_LENGTH] or "lstm-solve"
    return ('  <question type="cloze">\n'
            f"    <name>{text(name)}</name>\n"
            f'    <questiontext format="html">{text(stem + answers(numbers, rule))}'
            "</questiontext>\n"
            f'    <generalfeedback format="html">{text(printer.feedback(solution))}'
            "</generalfeedback>\n"
            f"    <penalty>{PENALTY}</penalty>\n"
            "    <hidden>0</hidden>\n"
            "  </question>")


def answers(numbers: list[AskedNumber], rounding: str = "") -> str:
    """The blanks under a line saying what precision is asked: a line per quantity and
    step, its entries side by side (``c₂[1] = □   c₂[2] = □``)."""
    weights = _weights([n.marks for n in numbers])
    lines: list[list[str]] = []
    where = None
    for n, w in zip(numbers, weights):
        if (n.row, n.t, n.layer, n.direction, n.short) != where:
            where = (n.row, n.t, n.layer, n.direction, n.short)
            lines.append([])
        lines[-1].append(f'<span style="{ENTRY}">{esc(n.label)} = {blank(n, w)}</span>')
    body = "".join("<div>" + " ".join(line) + "</div>\n" for line in lines)
    precision = _precision(numbers[0])
    if rounding:  # the question rounds what it carries: there is one way to carry
        precision = precision.split(", whether")[0] + "." + rounding
    return f"<p>{esc(precision)}</p>\n<div>\n{body}</div>\n"


def blank(n: AskedNumber, weight: int) -> str:
    """``{weight:NUMERICAL:=value:tolerance~=also:tolerance}``: each value (carried
    exactly, and rounded where that differs) as Python writes a float (digits, a point,
    perhaps an exponent: Moodle's NUMBER_REGEX), worth 100 %; the tolerance exactly."""
    if not all(math.isfinite(v) for v in n.values):
        raise ValueError(f"{n.label} is not finite")
    tolerance = format(n.tolerance, "f")
    return f"{{{weight}:NUMERICAL:" + "~".join(f"={v!r}:{tolerance}" for v in n.values) + "}"


def text(value: str) -> str:
    """``<text>`` holding ``value`` in CDATA (split where it holds ``]]>``)."""
    value = clean(value).replace("]]>", "]]]]><![CDATA[>")
    return f"<text><![CDATA[{value}]]></text>"


def _weights(marks: list[Fraction]) -> list[int]:
    """Cloze weights are whole numbers (``{w:``): the marks, scaled by their least common
    denominator when a split gives fractions (only the ratios grade the parts)."""
    scale = math.lcm(*(m.denominator for m in marks))
    return [int(m * scale) for m in marks]


def _precision(n: AskedNumber) -> str:
    if n.decimals is None:
        return "Write the exact whole number."
    return (f"Write each number to {n.decimals} decimal{'s' * (n.decimals != 1)}: an answer "
            f"within {format(n.tolerance, 'f')} of the value is correct, whether the values "
            "before it were carried exactly or rounded.")
