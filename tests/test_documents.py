"""LaTeX (compiled), PDF, Markdown and HTML (opened in Chromium), several problems at
once, question sheets, and output that never overwrites without --force."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, PROBLEMS, require_program

from lstm_solver.cli import main

Q2 = PROBLEMS / "seed001_q2_given_gates.yaml"


def run(*args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.stderr
    return result


def pdflatex(tmp_path, source: str, name: str = "doc") -> str:
    """Compile; fail on any LaTeX error; the log, for more checks."""
    require_program("pdflatex")
    tex = tmp_path / f"{name}.tex"
    tex.write_text(source)
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           tex.name], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    log = (tmp_path / f"{name}.log").read_text(errors="replace")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert done.returncode == 0 and not errors, errors or done.stdout[-2000:]
    assert (tmp_path / f"{name}.pdf").read_bytes().startswith(b"%PDF")
    return log


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_latex_of_every_example_compiles(tmp_path, path):
    source = run(path, "--format", "latex").stdout
    assert source.startswith(r"\documentclass") and r"\usepackage{amsmath" in source
    log = pdflatex(tmp_path, source)
    # long products and sums break across lines instead of running off the page (the
    # continuation's indent counted: a 2-layer LSTM's ‖g‖² ran 15.5 pt into the margin)
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert not [w for w in widths if w > 2], widths


def test_latex_matrices_and_align(tmp_path):
    source = run(Q2, "--format", "latex").stdout
    assert r"\begin{bmatrix}3 & 4 & 0 & 5 \\ 2 & 6 & 2 & 5\end{bmatrix}" in source
    # numbers right-aligned in their columns (mathtools' bmatrix* [r], where installed)
    assert r"\renewenvironment{bmatrix}{\begin{bmatrix*}[r]}" in source
    assert r"\begin{alignat*}" in source
    # the shown terms give 12.5350, the exact value 12.5351: the line says ≈
    assert r"\text{row 1: }3(0.4166) + 4(0.3213) + 0(0) + 5(2) \approx 12.5351" in source


def test_long_rows_break(tmp_path):
    n = 14
    ident = [[1 if i == j else 0 for j in range(n)] for i in range(n)]
    path = tmp_path / "wide.yaml"
    path.write_text(f"cell: rnn\ngates:\n  hidden: {{W: {ident}, U: {ident}}}\n"
                    f"x: {list(range(1, n + 1))}\n")
    source = run(path, "--format", "latex", "--full").stdout
    # a row of 14 terms continues on the next line, its operator first
    assert re.search(r"\\\\ &\\qquad\\quad +\+ ", source)
    pdflatex(tmp_path, source)


def test_several_problems_make_one_document_with_contents(tmp_path):
    source = run(PROBLEMS, "--format", "latex").stdout
    assert source.count(r"\section{") == len(EXAMPLES)
    assert r"\tableofcontents" in source
    pdflatex(tmp_path, source)
    markdown = run(Q2, PROBLEMS / "gru_bidirectional.yaml", "--format", "markdown").stdout
    assert "## Contents" in markdown and markdown.count("\n## ") >= 3


def test_pdf(tmp_path):
    require_program("pdflatex")
    out = tmp_path / "key.pdf"
    run(Q2, "--format", "pdf", "-o", out)
    assert out.read_bytes().startswith(b"%PDF")


def test_pdf_without_tex_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    result = run(Q2, "--format", "pdf", "-o", tmp_path / "x.pdf", ok=False)
    assert result.exit_code == 1
    assert "apt-get install texlive-latex-base" in result.stderr
    assert "Traceback" not in result.stderr


def test_markdown_structure():
    md = run(Q2, "--format", "markdown").stdout
    assert md.startswith("# Seed 001, Question 2")
    fences = [line for line in md.splitlines() if line == "$$"]
    assert len(fences) % 2 == 0 and len(fences) >= 10  # every display block is closed
    assert "\\begin{aligned}" in md and "\\begin{bmatrix}" in md
    assert "#### Candidate $g_{2}$" in md
    assert "| t | $i_{t}$ | $f_{t}$ | $g_{t}$ | $o_{t}$ | $c_{t}$ | $h_{t}$ |" in md
    assert "|---|" in md
    assert "*→ $h_{2}$ ≈ \\[0.27, 0.97\\]" in md


def test_html_is_self_contained_mathml(tmp_path):
    html = run(Q2, "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<math" in html and "<mtable>" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # fetches nothing
    assert "<table>" in html and "0.9725" in html


def test_html_renders_in_chromium(tmp_path):
    chromium = require_program("chromium")
    page = tmp_path / "q2.html"
    run(Q2, "--format", "html", "-o", page)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}"]
    shot = tmp_path / "q2.png"
    subprocess.run([chromium, *flags, "--window-size=1000,1600", f"--screenshot={shot}",
                    page.as_uri()], capture_output=True, timeout=120)
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    dom = subprocess.run([chromium, *flags, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120).stdout
    assert "<mtable>" in dom and "<math" in dom  # the matrices, as the browser parsed them
    assert dom.count("<mtr>") > 20


def test_questions_sheet_has_no_answers():
    for fmt in ("terminal", "markdown", "latex", "html"):
        sheet = run(Q2, "--format", fmt, "--questions").stdout
        assert "0.4165792" in sheet  # the data, as the question wrote it
        assert "Compute" in sheet
        assert "12.5351" not in sheet and "0.9725" not in sheet, fmt
    key = run(Q2, "--format", "markdown", "--key").stdout
    assert "0.9725" in key and "0.4165792" in key


def test_output_is_never_overwritten_without_force(tmp_path):
    out = tmp_path / "key.md"
    out.write_text("the teacher's own notes")
    result = run(Q2, "--format", "markdown", "-o", out, ok=False)
    assert result.exit_code == 2 and "exists; use --force" in result.stderr
    assert out.read_text() == "the teacher's own notes"
    run(Q2, "--format", "markdown", "-o", out, "--force")
    assert out.read_text().startswith("# Seed 001")
    assert [p.name for p in tmp_path.iterdir()] == ["key.md"]  # no temporary file left


def test_json_for_several_problems():
    data = json.loads(run(Q2, PROBLEMS / "count_seed000_lstm.yaml", "--format", "json").stdout)
    assert data["format"] == "lstm-solve/1" and len(data["problems"]) == 2
    assert data["problems"][1]["parameters"]["total"] == 4400


def test_ask_limits_the_results_table(tmp_path):
    path = tmp_path / "ask.yaml"
    path.write_text(Q2.read_text() + "ask: [c, h]\n")
    md = run(path, "--format", "markdown").stdout
    assert "| t | $c_{t}$ | $h_{t}$ |" in md
    assert "Compute cₜ, hₜ for t = 2." in run(path, "--questions").stdout


def test_exact_values_in_latex_compile(tmp_path):
    source = run(PROBLEMS / "seed000_split_notation.yaml", "--format", "latex", "--exact").stdout
    assert r"\left(= \tanh{\left(\frac{157}{100} \right)" in source
    assert r"\left(= - \frac{3}{50}\right)" not in source  # -0.0600 is exactly -3/50 already
    assert r"\sigma\left(- \frac{9}{25}\right) = \frac{1}{1 + e^{\frac{9}{25}}}" in source
    pdflatex(tmp_path, source)


def test_names_in_words_are_math_and_identifiers_typewriter(tmp_path):
    """Sentences the tool words (the candidate's W_j, δ_gₜ, forget_bias) showed their
    underscores as text, W\\_j (review-docs); what to write in the file stays as
    written, in typewriter type."""
    from lstm_solver.render.documents.latex import escape

    assert escape("the forget gate's W_f, δ_gₜ") == r"the forget gate's $W_{f}$, $\delta_{g_{t}}$"
    assert escape("hₜ₋₁, h*ₜ and c̃ₜ") == r"$h_{t-1}$, $h^*_{t}$ and $\tilde{c}_{t}$"
    assert escape("forget_bias: 1.0") == r"\texttt{forget\_bias}: 1.0"
    assert escape("write convention: W_x.") == r"write \texttt{convention: W\_x}."
    assert escape("50% & --full") == r"50\% \& -{}-full"
    source = run(PROBLEMS / "coupled_tensorflow_cifg.yaml", "--format", "latex").stdout
    pdflatex(tmp_path, source, "cifg")
    text = subprocess.run(["pdftotext", str(tmp_path / "cifg.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "the candidate’s W" in text and "W_j" not in text and "W\\_j" not in source
    assert "forget_bias" in text and r"\texttt{forget\_bias}" in source
    markdown = run(PROBLEMS / "coupled_tensorflow_cifg.yaml", "--format", "markdown").stdout
    assert "`forget_bias`: 1.0" in markdown and "the forget gate's $W_{f}$" in markdown
    page = run(PROBLEMS / "coupled_tensorflow_cifg.yaml", "--format", "html").stdout
    assert "<code>forget_bias</code>: 1.0" in page
    assert "the forget gate&#x27;s <math><msub><mi>W</mi><mi>f</mi></msub></math>" in page


def test_html_math_writes_minus_signs_not_hyphens():
    """MathML set −0.5 and (1 − z) with a hyphen, shorter and lower than a minus
    (review-docs)."""
    page = run(PROBLEMS / "gru_clipping.yaml", "--format", "html").stdout
    assert not re.findall(r"<m[no][^>]*>-", page)  # no hyphen in a number or an operator
    assert "<mo>−</mo><mn>0.5</mn>" in page  # W_r's −0.5
    assert re.search(r"<mn>1</mn><mo>−</mo><msub><mi>z</mi>", page)  # (1 − z_t)


def test_results_of_a_one_way_stack_have_no_direction_column():
    """Two stacked forward layers: the results table had a direction column saying
    "forward" on every row (review-docs); a bidirectional network keeps it."""
    two = run(PROBLEMS / "lstm_two_layers.yaml", "--format", "markdown").stdout
    table = two[two.index("## Results"):]
    assert "| layer | t |" in table and "direction" not in table and "forward" not in table
    both = run(PROBLEMS / "gru_bidirectional.yaml", "--format", "markdown").stdout
    assert "| layer | direction | t |" in both[both.index("## Results"):]


def test_full_gradient_norm_has_every_square_once():
    """--full: the norm's square root listed four squares and ⋯ whatever was asked, and
    its symbolic line was printed twice when the numbers went below (review-docs)."""
    source = run(PROBLEMS / "gomez_lstm_backprop.yaml", "--full", "--format", "latex").stdout
    norm = source[source.index(r"\paragraph*{Global gradient norm"):]
    norm = norm[:norm.index(r"\paragraph*", 20)]
    assert norm.count(r"\lVert g \rVert &= \sqrt{\textstyle\sum_\theta") == 1
    assert not [line for line in norm.splitlines()
                if line.startswith(r"\lVert g \rVert &=") and r"\cdots" in line]
    squares = re.findall(r"\{\\lVert \\frac\{\\partial L\}.*? = (0\.\d+) \\\\", norm)
    assert len(squares) == 12  # W, U, b of four gates, each squared
    page = run(PROBLEMS / "gomez_lstm_backprop.yaml", "--full", "--format", "html").stdout
    norm = page[page.index("Global gradient norm"):]
    norm = norm[:norm.index("<h", 10)]
    assert norm.count("<msqrt><munder><mo>Σ</mo>") == 2  # the formula, and the label below
