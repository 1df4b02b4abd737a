"""QTI 1.2 for Canvas: a zip holding imsmanifest.xml and one assessment, as Canvas's own
quiz export (and R/exams' exams2canvas) lays it out.

Every asked number is a numerical question of its own: the stem (the question and
its data, platforms/html.py) and the number to give, graded as Canvas grades an
"exact answer with margin": the solver's value (carried exactly, and another
answer carried rounded where that differs), and the tolerance of DESIGN §6 as
the margin (``varequal`` or ``vargte``/``varlte``; Canvas reads the margin as
upper − exact, in decimal arithmetic, so both are written as exact decimals).
Each question's general feedback works out its quantity at its step (a parameter
count: the count) and lists that step's values; Moodle's Cloze question, which
holds every number, gets the whole worked solution.

A set of variants becomes one question group per asked number (c₂[1], c₂[2],
...), each holding that number's question from every variant, of which Canvas
draws one per student. Canvas has no question with several numerical answers,
so the groups draw independently: each question carries its own data.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from decimal import Decimal
from fractions import Fraction
from xml.etree import ElementTree as ET

from ...asked import AskedNumber, asked_numbers
from .html import PlatformHtml, clean, esc, title

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
EPOCH = (1980, 1, 1, 0, 0, 0)  # zip entries dated alike: the same input, the same bytes
TITLE_LENGTH = 255


def render(solutions, set_name: str | None = None, title_text: str = "",
           full: bool = False) -> bytes:
    """The zip: ``imsmanifest.xml`` and ``<id>/<id>.xml`` (one assessment)."""
    printer = PlatformHtml(full)
    problems = [(solution, asked_numbers(solution)) for solution in solutions]
    quiz_title = _plain(set_name or title_text or (title(solutions[0]) if len(solutions) == 1
                                                    else "")) or "lstm-solve quiz"
    digest = hashlib.sha1(quiz_title.encode())
    for _, numbers in problems:
        digest.update(repr([(n.label, n.value, n.decimals) for n in numbers]).encode())
    quiz = "q" + digest.hexdigest()[:16]  # distinct quizzes never share Canvas's ids

    items: list[tuple[str, ET.Element, AskedNumber]] = []
    for k, (solution, numbers) in enumerate(problems, start=1):
        stem = printer.stem(solution)
        feedback: dict[tuple, str] = {}
        for j, n in enumerate(numbers, start=1):
            where = (n.row, n.t, n.layer, n.direction, n.short)
            if where not in feedback:  # a batch's row 2, 3, ...: that row's working
                row = solution if n.row == 1 else solution.rows[n.row - 2]
                feedback[where] = (printer.feedback(solution) if not n.short else
                                   printer.part(row, *where[1:], n.row if solution.rows else None))
            ident = f"{quiz}_{k:03d}_{j:03d}"
            items.append((n.label, item(ident, solution, n, stem, feedback[where]), n))

    root = ET.Element("questestinterop", {"xmlns": QTI})
    assessment = ET.SubElement(root, "assessment", ident=quiz, title=quiz_title)
    section = ET.SubElement(assessment, "section", ident="root_section")
    if set_name:
        for j, (label, members) in enumerate(_by_label(items), start=1):
            section.append(group(f"{quiz}_part_{j:03d}", label, members))
    else:
        for _, element, _ in items:
            section.append(element)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, element in (("imsmanifest.xml", manifest(quiz, quiz_title)),
                              (f"{quiz}/{quiz}.xml", root)):
            entry = zipfile.ZipInfo(name, EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            z.writestr(entry, _xml(element))
    return buffer.getvalue()


def item(ident: str, solution, n: AskedNumber, stem: str, feedback: str) -> ET.Element:
    """One numerical question (Canvas's numerical_question)."""
    it = ET.Element("item", ident=ident,
                    title=_plain(title(solution))[:TITLE_LENGTH - 60] + ": " + n.label)
    meta = ET.SubElement(ET.SubElement(it, "itemmetadata"), "qtimetadata")
    for label, entry in (("question_type", "numerical_question"),
                         ("points_possible", _points(n.marks))):
        field = ET.SubElement(meta, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = entry
    presentation = ET.SubElement(it, "presentation")
    _mattext(presentation, stem + ask(n))
    response = ET.SubElement(presentation, "response_str", ident="response1",
                             rcardinality="Single")
    fib = ET.SubElement(response, "render_fib", fibtype="Decimal")
    ET.SubElement(fib, "response_label", ident="answer1")

    processing = ET.SubElement(it, "resprocessing")
    outcomes = ET.SubElement(processing, "outcomes")
    ET.SubElement(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE",
                  vartype="Decimal")
    for value in n.values:  # carried exactly, and rounded where that differs
        exact, low, high = margin(value, n.tolerance)
        condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
        either = ET.SubElement(ET.SubElement(condition, "conditionvar"), "or")
        ET.SubElement(either, "varequal", respident="response1").text = exact
        both = ET.SubElement(either, "and")
        ET.SubElement(both, "vargte", respident="response1").text = low
        ET.SubElement(both, "varlte", respident="response1").text = high
        ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"

    fb = ET.SubElement(it, "itemfeedback", ident="general_fb")
    _mattext(ET.SubElement(fb, "flow_mat"), feedback)
    return it


def margin(value: float, tolerance: Decimal) -> tuple[str, str, str]:
    """The value and the interval [value − tolerance, value + tolerance], written as
    exact decimals (the value is the float's shortest repr)."""
    exact = Decimal(repr(value))
    return tuple(format(x, "f") for x in (exact, exact - tolerance, exact + tolerance))


def ask(n: AskedNumber) -> str:
    if n.decimals is None:
        what = "the exact whole number"
    elif n.rounded_to is not None:  # round: {h: 0}: the question rounds it itself
        what = (("to the closest integer" if n.rounded_to == 0 else
                 f"rounded to {n.rounded_to} decimal{'s' * (n.rounded_to != 1)}")
                + ", as the question rounds it before carrying it")
    else:
        what = (f"to {n.decimals} decimal{'s' * (n.decimals != 1)}; an answer within "
                f"{format(n.tolerance, 'f')} of the value is correct, whether the values "
                "before it were carried exactly or rounded")
    return f"<p><strong>{esc(n.label)} = ?</strong> ({esc(what)})</p>\n"


def group(ident: str, label: str, members: list[tuple[ET.Element, AskedNumber]]) -> ET.Element:
    """A question group drawing one of ``members`` (the same number in each variant)."""
    section = ET.Element("section", ident=ident, title=_plain(label))
    selection = ET.SubElement(ET.SubElement(section, "selection_ordering"), "selection")
    ET.SubElement(selection, "selection_number").text = "1"
    extension = ET.SubElement(selection, "selection_extension")
    ET.SubElement(extension, "points_per_item").text = _points(members[0][1].marks)
    for element, _ in members:
        section.append(element)
    return section


def manifest(quiz: str, quiz_title: str) -> ET.Element:
    m = ET.Element("manifest", {"identifier": f"{quiz}_manifest", "xmlns": CP})
    metadata = ET.SubElement(m, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(m, "organizations")
    resources = ET.SubElement(m, "resources")
    resource = ET.SubElement(resources, "resource", identifier=quiz, type="imsqti_xmlv1p2")
    ET.SubElement(resource, "file", href=f"{quiz}/{quiz}.xml")
    return m


def _by_label(items) -> list[tuple[str, list[tuple[ET.Element, AskedNumber]]]]:
    groups: dict[str, list[tuple[ET.Element, AskedNumber]]] = {}
    for label, element, n in items:
        groups.setdefault(label, []).append((element, n))
    return list(groups.items())


def _mattext(parent: ET.Element, html_text: str) -> None:
    material = ET.SubElement(parent, "material")
    ET.SubElement(material, "mattext", texttype="text/html").text = clean(html_text)


def _points(marks: Fraction) -> str:
    """Canvas keeps points as a float: the nearest one (three thirds add up to 1.0)."""
    return str(marks.numerator) if marks.denominator == 1 else repr(float(marks))


def _plain(text: str) -> str:
    return " ".join(clean(text).split())[:TITLE_LENGTH]


def _xml(element: ET.Element) -> bytes:
    ET.indent(element, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="utf-8",
                                                                       xml_declaration=False)
