"""Moodle XML (--format moodle): every blank read through Moodle's own Cloze grammar
(tests/moodle_cloze.py, ported from Moodle's source) and graded as Moodle grades it."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import moodle_cloze as cloze
import yaml
from click.testing import CliRunner
from conftest import EXAMPLES, PROBLEMS, ROOT, problem_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lhtml

from lstm_solver.asked import asked_numbers
from lstm_solver.cli import main
from lstm_solver.counting import count
from lstm_solver.problem import CountProblem, load_problem, parse_problem
from lstm_solver.render.platforms.moodle import render
from lstm_solver.solver import solve

GOLDEN = ROOT / "tests" / "golden" / "platforms"
SMALL = PROBLEMS / "seed001_q2_given_gates.yaml"
HOSTILE = ('}{1:NUMERICAL:=5:1}~#:<&{#1} {:SA:=x} </h3><script>alert(1)</script> ]]> '
           '&amp; \\{ \x01 ~=0#')


def solution(path: Path):
    problem = load_problem(path)
    return count(problem) if isinstance(problem, CountProblem) else solve(problem)


def clozes(xml: str) -> list[etree._Element]:
    root = etree.fromstring(xml.encode("utf-8"))  # a real XML parser: well-formed or fails
    assert root.tag == "quiz"
    return root.findall("question[@type='cloze']")


def check_blanks(q: etree._Element, sol) -> list[cloze.Blank]:
    """The blanks Moodle finds hold the solver's values (carried exactly, and rounded
    where that differs) with the precision rule's tolerance, and Moodle grades as the
    rule does: a correctly rounded answer right, one 2 units off wrong."""
    numbers = asked_numbers(sol)
    blanks, rest = cloze.extract(q.findtext("questiontext/text"))
    assert cloze.validate(blanks) == []
    assert len(blanks) == len(numbers)
    assert re.findall(r"\{#(\d+)\}", rest) == [str(k) for k in range(1, len(blanks) + 1)]
    assert "{" not in re.sub(r"\{#\d+\}", "", rest)
    weights = [Fraction(b.weight) for b in blanks]
    total = sum(n.marks for n in numbers)
    for b, n, w in zip(blanks, numbers, weights):
        assert b.numerical and [a.fraction for a in b.alternatives] == [1] * len(n.values)
        # the solver's values, to the last bit
        assert tuple(float(a.answer) for a in b.alternatives) == n.values
        assert all(Decimal(a.tolerance) == n.tolerance for a in b.alternatives)
        if n.decimals is not None:
            assert n.tolerance == Decimal(10) ** -n.decimals
        # weights in the ratios of the marks
        assert w / sum(weights) == n.marks / total
        unit = Decimal(10) ** -(n.decimals or 0)
        for v in n.values:
            written = Decimal(sol.problem.rounding.show(v)) if n.decimals is not None \
                else Decimal(int(v))
            assert cloze.grade(b, float(written)) == 1, (n.label, written)
            for off in (2 * unit, -2 * unit):
                near = any(abs(Decimal(repr(u)) - (written + off)) <= unit for u in n.values)
                assert cloze.grade(b, float(written + off)) == near, (n.label, written + off)
        low, high = Decimal(repr(min(n.values))), Decimal(repr(max(n.values)))
        assert cloze.grade(b, float(low - 2 * unit)) == cloze.grade(b, float(high + 2 * unit)) == 0
    return blanks


def test_every_example_is_read_right_by_moodles_grammar():
    solutions = [solution(p) for p in EXAMPLES]
    xml = render(solutions, "All examples")
    questions = clozes(xml)
    assert len(questions) == len(solutions)
    for q, sol in zip(questions, solutions):
        check_blanks(q, sol)
        feedback = q.findtext("generalfeedback/text")
        assert feedback.strip() and "{" not in feedback.replace("&#123;", "")


def test_carry_rounded_blanks_hold_the_carried_values():
    problem = load_problem(SMALL)
    problem = replace(problem, rounding=replace(problem.rounding, carry="rounded", decimals=2))
    sol = solve(problem)
    (q,) = clozes(render([sol]))
    blanks = check_blanks(q, sol)
    assert float(blanks[-1].alternatives[0].answer) == sol.steps[0].get("h").value[1]
    assert float(blanks[-1].alternatives[0].answer) == 0.97  # h₂[2] carried rounded
    assert abs(float(blanks[-1].alternatives[1].answer) - 0.97248) < 1e-5  # and exactly


def test_hostile_title_and_question_leave_the_blanks_intact():
    text = SMALL.read_text()
    baseline = cloze.extract(clozes(render([solve(parse_problem(text))]))[0]
                             .findtext("questiontext/text"))[0]
    printable = HOSTILE.replace("\x01", "")  # a file's control characters are refused
    data = {**yaml.safe_load(text), "title": printable,
            "question": printable + "\n\n{2:NM:=1:1}"}
    sol = solve(parse_problem(problem_text(data)))
    (q,) = clozes(render([sol], printable))
    blanks = check_blanks(q, sol)
    assert [b.text for b in blanks] == [b.text for b in baseline]
    page = lhtml.fragment_fromstring(q.findtext("questiontext/text"), create_parent="div")
    assert not page.xpath("//script") and "alert(1)" in page.text_content()
    assert printable in page.text_content()
    assert q.findtext("name/text").startswith("}{1:NUMERICAL:=5:1}~#:<&{#1}")
    # what the reader refuses may still come from code (a Problem changed in Python):
    # a control character becomes U+FFFD, and the blanks stay the blanks
    raw = solve(replace(load_problem(SMALL), title=HOSTILE, question=HOSTILE))
    (q,) = clozes(render([raw], HOSTILE))
    assert [b.text for b in check_blanks(q, raw)] == [b.text for b in baseline]
    page = lhtml.fragment_fromstring(q.findtext("questiontext/text"), create_parent="div")
    assert HOSTILE.replace("\x01", "\ufffd") in page.text_content()
    # a lone surrogate (no YAML file can hold one, but the library takes any str)
    odd = solve(replace(load_problem(SMALL), title="\ud800{1:NM:=1}", question="\udfff"))
    (q,) = clozes(render([odd], "\ud800"))
    assert q.findtext("name/text") == "\ufffd{1:NM:=1}"
    check_blanks(q, odd)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(st.characters(blacklist_categories=()), max_size=60),
       question=st.text(st.sampled_from("{}~#:<>&;=%\\/]!x1 \n\x00\x1b"), max_size=80))
def test_fuzzed_titles_and_questions_never_change_the_blanks(title, question):
    problem = replace(load_problem(SMALL), title=title, question=question)
    sol = solve(problem)
    (q,) = clozes(render([sol], title))
    check_blanks(q, sol)


def test_weights_follow_marks():
    problem = load_problem(SMALL)
    object.__setattr__(problem, "marks", {"c": 3, "h": 1})  # issue 8's key: per quantity
    (q,) = clozes(render([solve(problem)]))
    blanks, _ = cloze.extract(q.findtext("questiontext/text"))
    # g 1/2 + 1/2, c 3/2 + 3/2, h 1/2 + 1/2: whole weights in the same ratios
    assert [b.weight for b in blanks] == ["1", "1", "3", "3", "1", "1"]


def test_category_holds_the_set_as_moodle_reads_it():
    xml = render([solve(load_problem(SMALL))], "Week 3 / LSTM")
    (category,) = etree.fromstring(xml.encode()).findall("question[@type='category']")
    path = category.findtext("category/text")
    assert cloze.split_category_path(path) == ["$course$", "top", "Week 3 / LSTM"]
    assert cloze.split_category_path(
        etree.fromstring(render([solve(load_problem(SMALL))], "/a/").encode())
        .findtext("question/category/text")) == ["$course$", "top", "/a/"]
    assert "category" not in render([solve(load_problem(SMALL))])  # no set: no category


def test_golden_moodle_xml():
    out = render([solve(load_problem(SMALL))], "Seed 001")
    golden = GOLDEN / "seed001_q2_given_gates.moodle.xml"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out)
    assert out == golden.read_text()


# --- the command line -------------------------------------------------------------------


def test_cli_writes_atomically_and_never_overwrites(tmp_path):
    runner = CliRunner()
    out = tmp_path / "quiz.xml"
    result = runner.invoke(main, [str(SMALL), "--format", "moodle", "-o", str(out)])
    assert result.exit_code == 0, result.output
    first = out.read_text()
    assert len(clozes(first)) == 1
    out.write_text("mine")
    again = runner.invoke(main, [str(SMALL), "--format", "moodle", "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output and out.read_text() == "mine"
    forced = runner.invoke(main, [str(SMALL), "--format", "moodle", "-o", str(out), "--force"])
    assert forced.exit_code == 0 and out.read_text() == first
    assert [p.name for p in tmp_path.iterdir()] == ["quiz.xml"]  # no temporary file left


def test_cli_stdout_set_and_questions_flag():
    runner = CliRunner()
    result = runner.invoke(main, [str(SMALL), "--format", "moodle", "--set", "Week 3"])
    assert result.exit_code == 0
    assert "<![CDATA[$course$/top/Week 3]]>" in result.output
    bad = runner.invoke(main, [str(SMALL), "--format", "moodle", "--questions"])
    assert bad.exit_code == 2 and "quiz" in bad.output
    bad = runner.invoke(main, [str(SMALL), "--format", "latex", "--set", "Week 3"])
    assert bad.exit_code == 2 and "--format moodle or qti" in bad.output


def test_cli_names_the_quantity_that_cannot_be_computed(tmp_path):
    partial = tmp_path / "partial.yaml"
    partial.write_text("cell: lstm\ngates:\n  candidate: {W: [[1]], U: [[1]], b: [0]}\n"
                       "initial: {h: [0.5], c: [0]}\nx: [1]\n")
    result = CliRunner().invoke(main, [str(partial), "--format", "moodle", "-o",
                                       str(tmp_path / "q.xml")])
    assert result.exit_code == 2
    assert "i₁" in result.output and "cannot be computed" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "q.xml").exists()


def test_generate_sheets_moodle_puts_the_set_in_one_category(tmp_path):
    folder = tmp_path / "lstm-week3"
    result = CliRunner().invoke(main, ["generate", "--count", "3", "--seed", "4", "-o",
                                       str(folder), "--sheets", "moodle"])
    assert result.exit_code == 0, result.output
    xml = (folder / "moodle.xml").read_text()
    root = etree.fromstring(xml.encode())
    assert cloze.split_category_path(root.findtext("question/category/text")) == [
        "$course$", "top", "lstm-week3"]
    questions = clozes(xml)
    assert [q.findtext("name/text") for q in questions] == ["Variant 1", "Variant 2",
                                                             "Variant 3"]
    for q, k in zip(questions, (1, 2, 3)):
        check_blanks(q, solve(load_problem(folder / f"variant-{k:03d}.yaml")))


def test_a_batch_asks_every_rows_numbers(torch):
    """The CS231n minibatch gives two rows' data; the quiz had blanks for row 1 only
    (found by review-docs and by issue 17 at once; fixed in asked.py). Every row's h
    and c, against torch.nn.LSTMCell in float64."""
    sol = solution(PROBLEMS / "packed_cs231n_lstm.yaml")
    (q,) = clozes(render([sol]))
    blanks = check_blanks(q, sol)
    labels = [n.label for n in asked_numbers(sol)]
    assert len(blanks) == 24 and labels[12] == "i₁[1] (row 2)"
    p = sol.problem
    Wx = torch.tensor([[0.2, -0.1, 0.4, 0.3, 0.5, -0.2, 0.1, 0.3],
                       [-0.3, 0.2, 0.1, -0.4, 0.2, 0.6, -0.5, 0.2]])
    Wh = torch.tensor([[0.1, 0.3, -0.2, 0.2, 0.4, 0.1, 0.3, -0.1],
                       [0.5, -0.1, 0.3, 0.1, -0.3, 0.2, 0.2, 0.4]])
    b = torch.tensor([0, 0.1, 1, 1, 0, 0, 0.1, -0.1])
    order = [0, 1, 2, 3, 6, 7, 4, 5]  # CS231n's i f o g as PyTorch's i f g o
    cell = torch.nn.LSTMCell(2, 2)
    with torch.no_grad():
        cell.weight_ih.copy_(Wx[:, order].T)
        cell.weight_hh.copy_(Wh[:, order].T)
        cell.bias_ih.copy_(b[order])
        cell.bias_hh.zero_()
        state = (torch.tensor([[0.1, -0.2], [0, 0.5]]), torch.tensor([[0.3, 0.1], [-0.2, 0.4]]))
        h, c = cell(torch.tensor([[1, 0.5], [-1, 2.0]]), state)
    assert p.batch  # the file is the CS231n batch these tensors copy
    answers = {n.label: n.value for n in asked_numbers(sol)}
    for row in (1, 2):
        for k in (1, 2):
            assert abs(answers[f"h₁[{k}] (row {row})"] - float(h[row - 1, k - 1])) < 1e-12
            assert abs(answers[f"c₁[{k}] (row {row})"] - float(c[row - 1, k - 1])) < 1e-12


def test_a_question_that_rounds_h_itself_accepts_only_the_rounded_h():
    """MITx 6.86x's "LSTM states" rounds h to the closest integer at every step (round:
    {h: 0}): each blank holds MITx's published answer, [0, 0, 1, -1, 1, 0], and h
    unrounded (0.7616 for h₂; tanh(1) = 0.76159...) is no longer accepted as the "other
    carry"; the instructions say so (found by review-docs)."""
    sol = solution(PROBLEMS / "round_h_mitx_lstm_states.yaml")
    xml = render([sol])
    (q,) = clozes(xml)
    blanks = check_blanks(q, sol)  # Moodle's grammar; every value, weight, tolerance
    assert len(blanks) == 6
    for blank, published in zip(blanks, [0, 0, 1, -1, 1, 0]):
        assert cloze.grade(blank, float(published)) == 1
        assert cloze.grade(blank, published - 0.2384) == 0  # 0.7616 for 1: not rounded
        assert cloze.grade(blank, published + 1.0) == 0
    text = lhtml.fromstring(q.findtext("questiontext/text")).text_content()
    assert "rounds hₜ to the closest integer before carrying it" in text
    assert "carried exactly or rounded" not in text
