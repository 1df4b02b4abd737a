"""Exam-ready sheets and keys: every given number on the page (read back from the PDF),
nothing overfull, vector fonts, the cell in equations, a name line, the variant's ID on
every page, a problem per page, an answer table; HTML worked lines in MathML."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from conftest import PROBLEMS, require_program
from test_documents import pdflatex

from lstm_solver.cli import main
from lstm_solver.problem import load_problem, parse_problem
from lstm_solver.render.documents import render
from lstm_solver.render.documents.latex import max_matrix_columns
from lstm_solver.solver import solve

Q2 = PROBLEMS / "seed001_q2_given_gates.yaml"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def run(*args) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def hidden_12(tmp_path) -> tuple:
    """H = X = 12, two-decimal weights (as a question would give them)."""
    rng = np.random.default_rng(5)
    gates = {g: {"W": rng.uniform(-.5, .5, (12, 12)).round(2).tolist(),
                 "U": rng.uniform(-.5, .5, (12, 12)).round(2).tolist(),
                 "b": rng.uniform(-.5, .5, 12).round(2).tolist()}
             for g in ("input", "forget", "candidate", "output")}
    data = {"cell": "lstm", "title": "Hidden size 12", "gates": gates,
            "initial": {"h": rng.uniform(-.9, .9, 12).round(1).tolist(),
                        "c": rng.uniform(-1, 1, 12).round(1).tolist()},
            "x": [rng.uniform(-1, 1, 12).round(1).tolist() for _ in range(2)]}
    path = tmp_path / "h12.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def sixteen_digits(tmp_path) -> tuple:
    """numpy test data: every number with 16 or 17 significant digits, X = 8."""
    rng = np.random.default_rng(1)
    gates = {g: {"W": rng.uniform(-1, 1, (3, 3)).tolist(), "U": rng.uniform(-1, 1, (3, 8)).tolist(),
                 "b": rng.uniform(-1, 1, 3).tolist()} for g in ("reset", "update", "candidate")}
    data = {"cell": "gru", "title": "Numpy test data", "gates": gates,
            "initial": {"h": rng.uniform(-1, 1, 3).tolist()}, "x": rng.uniform(-1, 1, 8).tolist()}
    path = tmp_path / "digits.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def written_numbers(path) -> Counter:
    """Every number the problem gives, as written in the file."""
    problem = load_problem(path)
    out: Counter = Counter()

    def add(value) -> None:
        for x in np.array(value.exact, dtype=object).ravel():
            out[str(x)] += 1

    for g in problem.gates.values():
        for key in ("W", "U", "b"):
            if getattr(g, key) is not None:
                add(getattr(g, key))
    for value in (*problem.initial.values(), *problem.inputs):
        add(value)
    return out


def pdf_text(tmp_path, source: str, name: str) -> tuple[str, str]:
    """The PDF's text (pdftotext, minus signs as -) and the LaTeX log."""
    require_program("pdftotext")
    log = pdflatex(tmp_path, source, name)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / f"{name}.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    return text.replace("−", "-"), log


@pytest.mark.parametrize("make", [hidden_12, sixteen_digits], ids=["hidden-12", "16-digits"])
def test_questions_pdf_shows_every_given_number(tmp_path, make):
    path = make(tmp_path)
    source = run(path, "--questions", "--format", "latex")
    text, log = pdf_text(tmp_path, source, "sheet")
    on_page = Counter(NUMBER.findall(text))
    wanted = written_numbers(path)
    missing = {s: n for s, n in wanted.items() if on_page[s] < n}
    assert not missing  # nothing elided, nothing cut off
    assert "Overfull" not in log  # nothing runs into the margin
    assert "⋮" not in text and "⋯" not in text


def test_key_results_are_complete_and_fit(tmp_path):
    path = hidden_12(tmp_path)
    source = run(path, "--format", "latex")
    text, log = pdf_text(tmp_path, source, "key")
    assert "Overfull" not in log
    results = source[source.index(r"\subsection*{Results}") if r"\subsection*{Results}" in
                     source else source.index(r"\section*{Results}"):]
    assert r"\vdots" not in results  # every unit of every quantity
    h = solve(load_problem(path)).steps[-1].get("h").value
    from lstm_solver.numbers import Rounding

    for v in h:  # the last h, every entry, as the table prints it
        assert Rounding().show(v).replace("-", "{-}") in results or Rounding().show(v) in results


def test_fonts_are_vector_latin_modern(tmp_path):
    require_program("pdffonts")
    source = run(Q2, "--format", "latex")
    assert r"\usepackage{lmodern}" in source and r"\usepackage[T1]{fontenc}" in source
    pdflatex(tmp_path, source, "q2")
    fonts = subprocess.run(["pdffonts", str(tmp_path / "q2.pdf")], capture_output=True,
                           text=True, check=True).stdout
    assert "Type 3" not in fonts and "LMRoman" in fonts


def test_max_matrix_cols_is_what_the_document_needs(tmp_path):
    source = run(Q2, "--format", "latex")
    assert "MaxMatrixCols" not in source  # amsmath's 10 are enough here
    assert max_matrix_columns(r"\begin{bmatrix}1 & 2 \\ 3 & 4\end{bmatrix}") == 10
    wide = r"\begin{bmatrix}" + " & ".join("1" * 14) + r"\end{bmatrix}"
    assert max_matrix_columns(wide) == 14
    path = tmp_path / "row.yaml"
    path.write_text("cell: rnn\norientation: row\ngates:\n  hidden: {W: [[1]], U: [" +
                    ", ".join("[1]" for _ in range(12)) + "]}\nx: [" +
                    ", ".join("1" for _ in range(12)) + "]\n")
    source = run(path, "--format", "latex", "--full")
    assert r"\setcounter{MaxMatrixCols}{12}" in source
    pdflatex(tmp_path, source, "row")


def test_a_students_sheet(tmp_path):
    source = run(Q2, "--questions", "--format", "latex")
    assert r"Name: \rule{7cm}{0.4pt}" in source and "Student ID" in source
    assert r"\markright{Seed 001, Question 2" in source  # the ID on every page's head
    # the cell in mathematics, not jargon
    assert r"g_{t} &= \tanh\left(W_{g} \left[h_{t-1};\, x_{t}\right] + b_{g}\right)" in source
    assert r"c_{t} &= f_{t} \odot c_{t-1} + i_{t} \odot g_{t}" in source
    assert "Give each value to 4 decimal places" in source
    assert "exact carry" not in source and "z\\_multiplies" not in source
    # symbols set as math: the question's C_t, the Compute line
    assert "the cell state $C_{t}$" in source and r"C\_t" not in source
    assert "Compute $g_{t}$, $c_{t}$, $h_{t}$ for $t = 2$." in source
    # an answer table: a row per unit, a column per asked quantity (g, c, h; not the given)
    assert "$k$ & $g_{2}$ & $c_{2}$ & $h_{2}$" in source
    assert source.count(r"\rule{0pt}{7mm}") == 2
    assert "0.9725" not in source  # no answers
    pdflatex(tmp_path, source, "sheet")


def test_gru_form_on_the_sheet():
    source = run(PROBLEMS / "gru_pytorch_reset_after.yaml", "--questions", "--format", "latex")
    assert r"h_{t} &= z_{t} \odot h_{t-1} + \left(\mathbf{1} - z_{t}\right) \odot" in source
    assert r"r_{t} \odot \left(W_{g} h_{t-1} + b_{hg}\right)" in source  # reset after


def test_the_student_named_on_the_sheet(tmp_path):
    problem = replace(load_problem(Q2), student="Ada Lovelace")  # the student: key
    source = render([solve(problem)], "latex", questions=True)
    assert r"\underline{\makebox[7cm][l]{Ada Lovelace}}" in source
    assert r"\markright{Ada Lovelace $\cdot$ Seed 001" in source
    names = tmp_path / "names.txt"
    names.write_text("Ada Lovelace\nAlan Turing\n")
    out = tmp_path / "class"
    run("generate", "-o", out, "--students", names, "--sheets", "latex")
    sheet = (out / "questions.tex").read_text()
    for k, who in enumerate(("Ada Lovelace", "Alan Turing"), start=1):
        assert rf"\underline{{\makebox[7cm][l]{{{who}}}}}" in sheet
        assert rf"\markright{{Variant {k}: {who}}}" in sheet  # the name once in the head


def test_a_class_set_a_problem_to_a_page(tmp_path):
    out = tmp_path / "class"
    run("generate", "-o", out, "--count", "3", "--seed", "4", "--sheets", "latex")
    sheet, key = (out / "questions.tex").read_text(), (out / "key.tex").read_text()
    assert sheet.count(r"\clearpage") == 2 and key.count(r"\clearpage") == 2
    assert r"\tableofcontents" not in sheet and r"\maketitle" not in sheet
    assert r"\tableofcontents" in key
    for k in (1, 2, 3):
        assert rf"\markright{{Variant {k}}}" in sheet
    pdflatex(tmp_path, sheet, "sheet")
    assert run(out / "variant-001.yaml", "--questions", "--format", "latex",
               "--page-per-problem").count(r"\clearpage") == 0
    both = run(out / "variant-001.yaml", out / "variant-002.yaml", "--format", "latex",
               "--page-per-problem")
    assert both.count(r"\clearpage") == 1


def test_small_matrices_share_a_line():
    source = run(PROBLEMS / "concat_published_click4ai.yaml", "--questions", "--format",
                 "latex")
    # h_0 and c_0 on one line, aligned (one alignat with two pairs)
    assert re.search(r"h_\{0\} &= \\begin\{bmatrix\}[^\n]*&\\qquad c_\{0\} &=", source)
    source = run(PROBLEMS / "seed000_split_notation.yaml", "--questions", "--format", "latex")
    assert re.search(r"W_\{f\} &= [^\n]*&\\qquad U_\{f\} &= [^\n]*&\\qquad b_\{f\} &=", source)


def test_html_worked_lines_are_mathml_and_contents_numbered_once():
    html = run(Q2, PROBLEMS / "gru_bidirectional.yaml", "--format", "html")
    assert 'class="lines"' not in html and "monospace" not in html
    assert '<math display="block" class="worked">' in html
    assert "<mtext>row\u00a01:\u00a0</mtext>" in html and "<mo>≈</mo>" in html
    nav = html[html.index("<nav>"):html.index("</nav>")]
    assert "<ol>" not in nav and nav.count("<li>") == 2 and ">1. Seed 001" in nav
    sheet = run(Q2, "--questions", "--format", "html")
    assert 'class="answers"' in sheet and 'class="name"' in sheet


def test_markdown_sheet_has_math_and_answers():
    md = run(Q2, "--questions", "--format", "markdown")
    assert "the cell state $C_{t}$" in md and "Compute $g_{t}$" in md
    assert "| $k$ | $g_{2}$ | $c_{2}$ | $h_{2}$ |" in md
    assert "Name: " in md


def test_numbers_as_written_in_documents():
    source = run(PROBLEMS / "concat_published_click4ai.yaml", "--format", "latex")
    assert r"0.5(1) + 0.3(0.5)" in source.replace(r"\text{row 1: }", "")  # not 0.500(1)


def test_question_text_symbols_become_math():
    text = ("cell: rnn\nquestion: Find h_t from h_(t-1), W_h and x_{t}; also hₜ₋₁ at t = 1.\n"
            "gates:\n  hidden: {W: [[1]], U: [[1]]}\nx: [1]\n")
    solution = solve(parse_problem(text))
    source = render([solution], "latex", questions=True)
    assert ("Find $h_{t}$ from $h_{t-1}$, $W_{h}$ and $x_{t}$; also $h_{t-1}$ at $t = 1$."
            in source)
    html = render([solution], "html", questions=True)
    assert "<msub><mi>W</mi><mi>h</mi></msub>" in html


def test_sixteen_digit_decimals_stay_as_written(tmp_path):
    path = sixteen_digits(tmp_path)
    first = str(written_numbers(path).most_common()[-1][0])
    assert len(Decimal(first).as_tuple().digits) >= 15
    for fmt in ("latex", "html", "markdown"):
        assert first in run(path, "--questions", "--format", fmt)


def test_every_example_as_one_question_sheet_compiles(tmp_path):
    """The answer tables of a bidirectional GRU (y has fewer entries than h) and of a
    projection LSTM (h shorter than c) mark the missing entries with a dash; a
    \\centering there ended the row early, and pdflatex failed (review-docs)."""
    source = run(PROBLEMS, "--questions", "--format", "latex")
    text, log = pdf_text(tmp_path, source, "sheet")
    bidirectional = text[text.index("A bidirectional GRU\n"):]
    outputs = bidirectional[bidirectional.index("Outputs, step t = 1"):]
    rows = [line.split() for line in outputs[:outputs.index("Outputs, step t = 2")].splitlines()]
    assert ["3", "–"] in rows and ["4", "–"] in rows  # rows 3, 4: h only (y has 2 entries)


def test_contents_page_numbers_are_the_pages_sections_start_on(tmp_path):
    """30 problems: a contents two pages long, which moves every section a page on;
    the PDF showed the page numbers of the first pass, one too small (review-docs)."""
    require_program("pdflatex")
    require_program("pdftotext")
    run(PROBLEMS, "--questions", "-o", tmp_path / "sheet.pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(tmp_path / "sheet.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout.split("\f")
    contents = re.findall(r"^\s*(\d+)\s+(\S.*?)\s{2,}(\d+)\s*$", pages[0] + pages[1], re.M)
    assert len(contents) == len(list(PROBLEMS.glob("*.yaml")))
    for number, title, page in contents:
        heading = re.compile(rf"^\s*{number}\s+{re.escape(title.split()[0])}", re.M)
        assert heading.search(pages[int(page) - 1]), (number, title, page)


def computed_numbers(path) -> set[str]:
    """Every computed (not given) value of a problem, at 3, 4 and 5 decimals, where it
    has two significant digits or more (0.300, 0.5005; not 0.000 or 0.010)."""
    import json

    out = set()
    for step in json.loads(run(path, "--format", "json")).get("steps", []):
        for key, values in step["values"].items():
            if key not in step.get("given", []):
                for v in np.ravel(np.array(values, dtype=float)):
                    out |= {s for d in (3, 4, 5) if re.search(
                        r"[1-9]\d", (s := f"{v:.{d}f}").replace(".", ""))}
    return out


@pytest.mark.parametrize("path", sorted(PROBLEMS.glob("*.yaml")), ids=lambda p: p.stem)
def test_a_question_sheet_gives_no_answer(path):
    """No computed value on the students' sheet unless the problem gives it: the
    click4ai example's question told its h̃ and h (review-docs)."""
    sheet = run(path, "--questions", "--format", "markdown")
    data = yaml.safe_load(path.read_text())
    data.pop("question", None)
    given = " ".join(NUMBER.findall(str(data)))
    shown = [s for s in computed_numbers(path) if re.search(
        rf"(?<![\d.]){re.escape(s)}(?!\d)", sheet) and s not in given.split()]
    assert not shown


def test_printed_html_repeats_the_variant_on_every_page(tmp_path):
    """HTML keys and sheets of a class set, printed from Chromium: every page of a
    variant carries its variant and student in the corner (CSS named pages and margin
    boxes), as the PDF's running head does; names are CSS-escaped."""
    chromium = require_program("chromium")
    names = tmp_path / "names.txt"
    names.write_text('Ada Lovelace\nAlan "Al" Turing\nGrace <Hopper> \\ }\n')
    folder = tmp_path / "class"
    result = CliRunner().invoke(main, ["generate", "-o", str(folder), "--count", "3",
                                       "--seed", "4", "--sheets", "html", "--students",
                                       str(names)])
    assert result.exit_code == 0, result.output
    key = folder / "key.html"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer"]
    pdf = tmp_path / "key.pdf"
    subprocess.run([chromium, *flags, f"--print-to-pdf={pdf}",
                    key.as_uri()], capture_output=True, timeout=300)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    seen = []
    for page in range(2, pages + 1):  # page 1: the contents
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True).stdout
        seen.append(text.splitlines()[0])
    variants = ["Variant 1: Ada Lovelace", 'Variant 2: Alan "Al" Turing',
                "Variant 3: Grace <Hopper> \\ }"]
    assert set(seen) == set(variants)  # every page names its variant, first line
    assert pages - 1 > len(variants)  # and a variant runs over several pages
    assert seen == sorted(seen)  # each variant's pages together, in order
