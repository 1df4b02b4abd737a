"""QTI 1.2 for Canvas (--format qti): the zip's manifest and items, the numbers, and what
Instructure's converter (the one Canvas runs on every QTI import) makes of them."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, PROBLEMS, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lhtml

from lstm_solver.asked import asked_numbers
from lstm_solver.cli import main
from lstm_solver.counting import count
from lstm_solver.problem import CountProblem, load_problem
from lstm_solver.render.platforms.html import PlatformHtml
from lstm_solver.render.platforms.qti import render
from lstm_solver.solver import solve

QTI = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
CP = {"m": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
QTI2 = {"q": "http://www.imsglobal.org/xsd/imsqti_v2p1"}
GOLDEN = ROOT / "tests" / "golden" / "platforms"
SMALL = PROBLEMS / "seed001_q2_given_gates.yaml"
HOSTILE = '}{1:NM:=5}~#:<&{#1} </p><script>alert(1)</script> ]]> &amp; \x01 "\''


def solution(path: Path):
    problem = load_problem(path)
    return count(problem) if isinstance(problem, CountProblem) else solve(problem)


def package(data: bytes) -> tuple[dict[str, bytes], etree._Element, etree._Element]:
    """The zip's files, its manifest and its one assessment, each parsed as XML; the
    manifest and the files must reference each other exactly."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        files = {name: z.read(name) for name in z.namelist()}
    manifest = etree.fromstring(files["imsmanifest.xml"])
    (resource,) = manifest.findall("m:resources/m:resource", CP)
    assert resource.get("type") == "imsqti_xmlv1p2"
    hrefs = [f.get("href") for f in resource.findall("m:file", CP)]
    assert sorted(hrefs + ["imsmanifest.xml"]) == sorted(files)  # nothing missing or extra
    (href,) = hrefs
    root = etree.fromstring(files[href])
    (assessment,) = root.findall("q:assessment", QTI)
    assert assessment.get("ident") == resource.get("identifier")
    assert href == f"{resource.get('identifier')}/{resource.get('identifier')}.xml"
    return files, manifest, assessment


def items(assessment) -> list[etree._Element]:
    found = assessment.findall(".//q:item", QTI)
    idents = [i.get("ident") for i in found]
    assert len(set(idents)) == len(idents)
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", i) for i in idents)  # Canvas turns ':' into '-'
    return found


def field(item, label: str) -> str:
    for f in item.findall("q:itemmetadata/q:qtimetadata/q:qtimetadatafield", QTI):
        if f.findtext("q:fieldlabel", namespaces=QTI) == label:
            return f.findtext("q:fieldentry", namespaces=QTI)
    raise AssertionError(f"no {label}")


def check_item(item, n) -> None:
    """A numerical question holding the solver's value and the tolerance as its margin."""
    assert field(item, "question_type") == "numerical_question"
    assert float(field(item, "points_possible")) == float(n.marks)
    conditions = item.findall("q:resprocessing/q:respcondition/q:conditionvar/q:or", QTI)
    assert len(conditions) == len(n.values)
    for cond, value in zip(conditions, n.values):
        exact = Decimal(cond.findtext("q:varequal", namespaces=QTI))
        low = Decimal(cond.findtext("q:and/q:vargte", namespaces=QTI))
        high = Decimal(cond.findtext("q:and/q:varlte", namespaces=QTI))
        assert float(exact) == value
        assert exact - low == high - exact == n.tolerance
    text = item.findtext("q:presentation/q:material/q:mattext", namespaces=QTI)
    page = lhtml.fragment_fromstring(text, create_parent="div")
    assert n.label + " = ?" in page.text_content()
    assert not page.xpath("//script")


def test_every_example_is_one_numerical_question_per_asked_number():
    solutions = [solution(p) for p in EXAMPLES]
    _, _, assessment = package(render(solutions))
    found = items(assessment)
    numbers = [n for sol in solutions for n in asked_numbers(sol)]
    assert len(found) == len(numbers)
    for item, n in zip(found, numbers):
        check_item(item, n)
    assert not assessment.findall(".//q:selection_ordering", QTI)  # no set: no groups


def test_a_set_is_a_question_group_per_asked_number():
    variants = [solve(load_problem(p)) for p in (SMALL, SMALL)]
    _, _, assessment = package(render(variants, "Week 3"))
    assert assessment.get("title") == "Week 3"
    groups = assessment.findall("q:section/q:section", QTI)
    labels = [n.label for n in asked_numbers(variants[0])]
    assert [g.get("title") for g in groups] == labels
    for group, n in zip(groups, asked_numbers(variants[0])):
        selection = group.find("q:selection_ordering/q:selection", QTI)
        assert selection.findtext("q:selection_number", namespaces=QTI) == "1"
        assert selection.findtext("q:selection_extension/q:points_per_item",
                                  namespaces=QTI) == "0.5"  # 1 per quantity, 2 entries
        members = group.findall("q:item", QTI)
        assert len(members) == 2
        for item in members:
            check_item(item, n)


def test_marks_are_points():
    problem = load_problem(SMALL)
    object.__setattr__(problem, "marks", {"c": 3, "h": 4})  # issue 8's key: per quantity
    _, _, assessment = package(render([solve(problem)], "Set"))
    points = [g.findtext(".//q:points_per_item", namespaces=QTI)
              for g in assessment.findall("q:section/q:section", QTI)]
    assert points == ["0.5", "0.5", "1.5", "1.5", "2", "2"]


def test_the_same_input_gives_the_same_bytes_and_other_input_other_ids():
    one = render([solve(load_problem(SMALL))])
    assert one == render([solve(load_problem(SMALL))])
    other = render([solve(load_problem(PROBLEMS / "gru_published_click4ai.yaml"))])
    assert package(one)[2].get("ident") != package(other)[2].get("ident")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(st.characters(blacklist_categories=()), max_size=50),
       question=st.text(st.sampled_from("{}~#:<>&;=\"'\\/]!x1 \n\x00\x1b"), max_size=60))
def test_fuzzed_titles_and_questions_stay_text(title, question):
    problem = replace(load_problem(SMALL), title=title, question=question)
    sol = solve(problem)
    _, _, assessment = package(render([sol], title or None))
    for item, n in zip(items(assessment), asked_numbers(sol)):
        check_item(item, n)


def test_golden_qti():
    files, _, _ = package(render([solve(load_problem(SMALL))], "Seed 001"))
    out = b"\n".join(files[name] for name in sorted(files)).decode()
    golden = GOLDEN / "seed001_q2_given_gates.qti.xml"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out)
    assert out == golden.read_text()


# --- what Canvas keeps of the HTML ------------------------------------------------------

# canvas-lms gems/canvas_sanitize/lib/canvas_sanitize/canvas_sanitize.rb (commit
# 03f405c9c2e10e0d973d9e5978e91169b9f8f122): the elements, attributes and style
# properties Canvas keeps; anything else it strips, as it strips MathML and <style>.
CANVAS_ELEMENTS = {"a", "b", "blockquote", "br", "caption", "cite", "code", "col", "hr", "h1",
                   "h2", "h3", "h4", "h5", "h6", "del", "ins", "div", "em", "i", "li", "ol", "p",
                   "pre", "q", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
                   "tfoot", "th", "thead", "tr", "u", "ul"}
CANVAS_ATTRIBUTES = {"style", "class", "id", "title", "cellpadding", "align", "valign",
                     "border", "colspan", "rowspan", "width"}
CANVAS_STYLES = re.compile(
    r"(background|border|clear|color|cursor|direction|display|float|font|height|left|"
    r"line-height|list-style|margin|max-height|max-width|min-height|min-width|overflow|"
    r"overflow-x|overflow-y|padding|position|right|text-align|table-layout|text-decoration|"
    r"text-indent|top|vertical-align|visibility|white-space|width|z-index|zoom|"
    r"border-(bottom|collapse|color|left|right|spacing|style|top|width)|"
    r"font-(family|size|stretch|style|variant|weight)|margin-(bottom|left|right|top)|"
    r"padding-(bottom|left|right|top))")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_html_uses_only_what_canvas_and_moodle_keep(path):
    sol = solution(path)
    printer = PlatformHtml()
    parts = [printer.stem(sol), printer.feedback(sol)]
    parts += [printer.part(sol, n.t, n.layer, n.direction, n.short)
              for n in asked_numbers(sol)[:3] if n.short]
    for html_text in parts:
        page = lhtml.fragment_fromstring(html_text, create_parent="div")
        for element in page.iter():
            if element is page:
                continue
            assert element.tag in CANVAS_ELEMENTS, element.tag
            assert set(element.attrib) <= CANVAS_ATTRIBUTES, element.attrib
            for declaration in filter(None, element.get("style", "").split(";")):
                prop = declaration.split(":")[0].strip()
                assert CANVAS_STYLES.fullmatch(prop), prop


# --- Instructure's converter ------------------------------------------------------------


def qti_tool() -> Path:
    """Instructure's QTIMigrationTool: $QTI_MIGRATION_TOOL, or shared/tools next to the
    repository (or a folder above it, for a git worktree)."""
    candidates = [Path(os.environ["QTI_MIGRATION_TOOL"])] if os.environ.get(
        "QTI_MIGRATION_TOOL") else []
    candidates += [parent / "shared" / "tools" / "QTIMigrationTool" for parent in ROOT.parents]
    for candidate in candidates:
        if (candidate / "migrate.py").is_file():
            return candidate
    pytest.skip("Instructure's QTIMigrationTool is not here (set QTI_MIGRATION_TOOL)")


def convert(tool: Path, data: bytes, tmp_path: Path) -> Path:
    """Unzip and run the converter as Canvas runs it (its UPSTREAM file gives the command)."""
    unzipped, out = tmp_path / "package", tmp_path / "out"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(unzipped)
    run = subprocess.run([sys.executable, str(tool / "migrate.py"), "--ucvars", "--nogui",
                          "--overwrite", f"--cpout={out}/", f"{unzipped}/"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ERROR" not in run.stdout, run.stdout
    return out


def canvas_answers(item) -> list[dict]:
    """What Canvas's qti_exporter (numeric_interaction.rb, get_canvas_answers, at commit
    891bca30a891d527298b90df71c19956472a2a34) reads from a converted numerical question:
    from each responseIf and responseElseIf, an <or> with the exact value (stringMatch)
    and, in an <and>, the margin as varlte − exact, in BigDecimal arithmetic."""
    answers = []
    for branch in item.iter(f"{{{QTI2['q']}}}responseIf", f"{{{QTI2['q']}}}responseElseIf"):
        either = branch.find("q:or", QTI2)
        if either is None:
            continue  # the converter's own SCORE > 100 clamp
        exact = either.findtext("q:stringMatch/q:baseValue", namespaces=QTI2)
        ops = {op.get("class"): op.findtext("q:baseValue", namespaces=QTI2)
               for op in either.findall("q:and/q:customOperator", QTI2)}
        assert "vargt" not in ops  # Canvas would read a "precision" answer from vargt
        answers.append({"exact": Decimal(exact), "margin": Decimal(ops["varlte"]) -
                        Decimal(exact), "low": Decimal(ops["vargte"])})
    return answers


def test_canvas_converter_reads_every_number(tmp_path):
    tool = qti_tool()
    variants = [solve(load_problem(p)) for p in (SMALL, PROBLEMS / "gru_published_click4ai.yaml")]
    hostile = replace(load_problem(SMALL), title=HOSTILE + "\ud800" + "x" * 400,
                      question=HOSTILE)
    solutions = [*variants, solve(hostile), count(load_problem(PROBLEMS /
                                                                "count_seed001_rnn.yaml"))]
    data = render(solutions, "Week 3 <set> & {1:NM:=5}")
    _, _, assessment = package(data)
    out = convert(tool, data, tmp_path)
    quiz = assessment.get("ident")
    numbers = {f"{quiz}_{k:03d}_{j:03d}": n for k, s in enumerate(solutions, start=1)
               for j, n in enumerate(asked_numbers(s), start=1)}
    assert sorted(i.get("ident") for i in items(assessment)) == sorted(numbers)
    converted = sorted((out / "assessmentItems").glob("*.xml"))
    assert {p.stem for p in converted} == set(numbers)
    for path in converted:
        item = etree.parse(str(path)).getroot()
        meta = {f.get("name"): f.get("value")
                for f in item.findall("q:instructureMetadata/q:instructureField", QTI2)}
        assert meta["question_type"] == "numerical_question"
        n = numbers[path.stem]
        assert item.get("title").endswith(": " + n.label)  # a long title is cut, not the label
        answers = canvas_answers(item)
        assert tuple(float(a["exact"]) for a in answers) == n.values
        assert all(a["margin"] == n.tolerance == a["exact"] - a["low"] for a in answers)
        assert float(meta["points_possible"]) == float(n.marks)
        body = item.find("q:itemBody/q:div", QTI2).text  # the HTML Canvas shows, as text
        assert not lhtml.fragment_fromstring(body, create_parent="div").xpath("//script")
    (test,) = (out / "assessmentTests").glob("*.xml")
    sections = etree.parse(str(test)).getroot().findall(".//q:assessmentSection", QTI2)
    groups = [s for s in sections if s.find("q:selection", QTI2) is not None]
    assert all(g.find("q:selection", QTI2).get("select") == "1" for g in groups)
    refs = [r.get("identifier") for g in groups for r in g.findall("q:assessmentItemRef", QTI2)]
    assert sorted(refs) == sorted(numbers)
    assert "Week 3 <set> & {1:NM:=5}" == etree.parse(str(test)).getroot().get("title")


# --- the command line -------------------------------------------------------------------


def test_cli_writes_a_zip_and_never_overwrites(tmp_path):
    runner = CliRunner()
    out = tmp_path / "quiz.zip"
    result = runner.invoke(main, [str(SMALL), "--format", "qti", "-o", str(out)])
    assert result.exit_code == 0, result.output
    package(out.read_bytes())
    again = runner.invoke(main, [str(SMALL), "--format", "qti", "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output


def test_generate_sheets_qti(tmp_path):
    folder = tmp_path / "week3"
    result = CliRunner().invoke(main, ["generate", "--count", "3", "-o", str(folder),
                                       "--sheets", "qti", "--ask", "h"])
    assert result.exit_code == 0, result.output
    _, _, assessment = package((folder / "qti.zip").read_bytes())
    assert assessment.get("title") == "week3"
    groups = assessment.findall("q:section/q:section", QTI)
    assert [g.get("title") for g in groups] == ["h₁[1]", "h₁[2]"]
    for k, group in enumerate(groups):
        for item, v in zip(group.findall("q:item", QTI), (1, 2, 3)):
            n = asked_numbers(solve(load_problem(folder / f"variant-{v:03d}.yaml")))[k]
            check_item(item, n)


def test_a_batch_row_is_asked_with_its_own_working():
    """Each row of a minibatch is asked (issue 17), and a row-2 number's feedback works
    row 2 (its own inputs and values), not row 1."""
    sol = solution(PROBLEMS / "packed_cs231n_lstm.yaml")
    _, _, assessment = package(render([sol]))
    found = items(assessment)
    numbers = asked_numbers(sol)
    assert len(found) == len(numbers) == 24 and {n.row for n in numbers} == {1, 2}
    for item, n in zip(found, numbers):
        check_item(item, n)
        feedback = "".join(item.find("q:itemfeedback", QTI).itertext())
        row = sol if n.row == 1 else sol.rows[0]
        step = row.steps[0]
        shown = f"{step.get(n.short).value[n.index]:.4f}".replace("-", "−")
        assert shown in feedback or shown.replace("−", "-") in feedback, (n.label, shown)
        assert f"Batch row {n.row}, step t = 1" in feedback
        if n.short == "i":  # the row's own input, in its product
            assert ("[-1 2]" if n.row == 2 else "[1 0.5]") in feedback.replace("−", "-")


def test_a_question_that_rounds_h_itself_asks_for_the_rounded_h():
    """round: {h: 0} (MITx): each item accepts MITx's published integer only (no
    unrounded "other carry") and says h is rounded to the closest integer."""
    sol = solution(PROBLEMS / "round_h_mitx_lstm_states.yaml")
    _, _, assessment = package(render([sol]))
    found = items(assessment)
    numbers = asked_numbers(sol)
    assert [n.value for n in numbers] == [0, 0, 1, -1, 1, 0]
    for item, n in zip(found, numbers):
        check_item(item, n)  # one accepted value each: len(n.values) == 1
        assert n.values == (n.value,)
        stem = "".join(item.find("q:presentation", QTI).itertext())
        assert "to the closest integer, as the question rounds it" in stem


def test_canvas_converter_takes_batch_rows_and_questions_that_round_h(tmp_path):
    """The batch's row-2 numbers and MITx's rounded h (both changed after the converter
    test above was written), through Instructure's converter as Canvas runs it, then
    graded as Canvas grades a numerical answer with a margin (exact − margin ≤ answer ≤
    exact + margin): the answer rounded to the question's decimals gets full marks, one
    2 units off only where it is within a unit of the other carry (DESIGN §6); MITx's
    unrounded h (0.7616 for 1) gets none."""
    tool = qti_tool()
    solutions = [solution(PROBLEMS / "packed_cs231n_lstm.yaml"),
                 solution(PROBLEMS / "round_h_mitx_lstm_states.yaml")]
    data = render(solutions)
    _, _, assessment = package(data)
    out = convert(tool, data, tmp_path)
    quiz = assessment.get("ident")
    numbers = {f"{quiz}_{k:03d}_{j:03d}": (s, n) for k, s in enumerate(solutions, start=1)
               for j, n in enumerate(asked_numbers(s), start=1)}
    converted = sorted((out / "assessmentItems").glob("*.xml"))
    assert {p.stem for p in converted} == set(numbers) and len(converted) == 24 + 6

    def graded(answers, response: Decimal) -> bool:
        return any(a["exact"] - a["margin"] <= response <= a["exact"] + a["margin"]
                   for a in answers)

    rows = set()
    for path in converted:
        item = etree.parse(str(path)).getroot()
        sol, n = numbers[path.stem]
        assert item.get("title").endswith(": " + n.label)
        answers = canvas_answers(item)
        assert tuple(float(a["exact"]) for a in answers) == n.values
        written = Decimal(sol.problem.rounding.show(n.value))
        unit = Decimal(10) ** -n.decimals
        assert graded(answers, written), (n.label, written)
        for off in (2 * unit, -2 * unit):  # right only if within a unit of either carry
            near = any(abs(Decimal(repr(v)) - (written + off)) <= unit for v in n.values)
            assert graded(answers, written + off) == near, (n.label, written + off)
        body = "".join(lhtml.fragment_fromstring(
            item.find("q:itemBody/q:div", QTI2).text, create_parent="div").itertext())
        assert n.label + " = ?" in body
        if sol.problem.batch:
            rows.add(n.row)
        else:  # MITx: the rounded h only, and the sheet says so
            assert "to the closest integer, as the question rounds it" in body
            if n.t == 2:
                assert not graded(answers, Decimal("0.7616"))
    assert rows == {1, 2}
