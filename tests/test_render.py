"""The terminal layout (golden files) and what every solution must show.

Golden files pin the layout only; the numbers in them are checked against
PyTorch and published examples elsewhere. Regenerate after an intended
change with ``UPDATE_GOLDEN=1 python -m pytest tests/test_render.py``.
"""

from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, PROBLEMS, ROOT

from lstm_solver.cli import main
from lstm_solver.render.blocks import display_width

GOLDEN = ROOT / "tests" / "golden"
GOLDEN_EXAMPLES = ["seed001_q2_given_gates", "seed001_q1_embedding_input_gate",
                   "row_orientation_d2l", "output_softmax_tokens", "gru_published_click4ai",
                   "gru_bidirectional", "lstm_two_layers", "count_seed001_rnn"]
ENV = {"COLUMNS": "80", "NO_COLOR": None, "FORCE_COLOR": None, "TERM": "dumb"}


def render(path, *options) -> str:
    result = CliRunner().invoke(main, [str(path), *options], env=ENV)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("name", GOLDEN_EXAMPLES)
def test_golden_layout(name):
    out = render(PROBLEMS / f"{name}.yaml")
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out)
    assert out == golden.read_text()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_fits_80_columns_without_colour(path):
    out = render(path)
    assert "\x1b[" not in out  # piped output has no colour codes
    for line in out.splitlines():
        assert display_width(line.rstrip()) <= 80, line


def test_every_step_of_a_solution_is_shown():
    out = render(PROBLEMS / "seed001_q2_given_gates.yaml")
    # 1. the equation in symbols
    assert "gₜ = tanh(W_g [hₜ₋₁; xₜ] + b_g)" in out
    # 2. written out with the numbers, as bracketed blocks
    assert re.search(r"g₂ = tanh\(⎡3 4 0 5⎤ ⎢0\.3213⎥ \+ ⎡1⎤\)", out)
    # 3. each product row by row (the shown terms give 12.5350: ≈, and the header says why)
    assert "row 1: 3(0.4166) + 4(0.3213) + 0(0) + 5(2) ≈ 12.5351" in out
    assert "≈ marks a line whose shown numbers do not give its shown result" in out
    # 4. the sum forming the pre-activation
    assert "1: 12.5351 + 1 = 13.5351" in out
    # 5. each activation element by element
    assert "tanh(13.5351) = 1.0000" in out
    # 6. the result, by name; element-wise products expanded
    assert "g₂ = [1.0000, 1.0000]" in out
    assert "1: 0.3321 × 0.4435 = 0.1473" in out
    assert "2: 1.8030 + 0.3333 ≈ 2.1362" in out  # 2.1363 as shown: carried exactly
    assert "h₂ = [0.2723, 0.9725]" in out
    # given values are marked, and each gate has a plain-language line
    assert "f₂ = [0.33209835, 0.9014788]" not in out  # shown rounded
    assert "f₂ = [0.3321, 0.9015]  (given)" in out
    assert "→ c₂ ≈ [1.15, 2.14]" in out
    assert "Results" in out


def test_plain_language_for_gates():
    out = render(PROBLEMS / "concat_published_click4ai.yaml")
    assert "keeps 66 % of memory cell 1 and 57 % of memory cell 2" in out
    assert "→ i₁ ≈ [0.56, 0.60]: writes 56 % of candidate 1 and 60 % of candidate 2" in out


def _wide_problem(tmp_path, n=12):
    ident = [[1 if i == j else 0 for j in range(n)] for i in range(n)]
    path = tmp_path / "wide.yaml"
    path.write_text(f"cell: lstm\ngates:\n  input: {{W: {ident}, U: {ident}}}\n"
                    f"x: {list(range(1, n + 1))}\n")
    return path


def test_large_dimensions_are_elided(tmp_path):
    out = render(_wide_problem(tmp_path))
    assert "⋮" in out and "⋯" in out
    assert "row 12:" in out and "row 6:" not in out
    assert "[0.7311, 0.8808, 0.9526, 0.9820, …" in out


def test_full_shows_everything(tmp_path):
    out = render(_wide_problem(tmp_path), "--full")
    assert all(f"row {k}:" in out for k in range(1, 13))
    assert "σ(12.0000) = 1.0000" in out and "σ(6.0000) = 0.9975" in out


def test_exact_values(tmp_path):
    out = render(PROBLEMS / "seed001_q2_given_gates.yaml", "--exact")
    assert "1: 12.5351 + 1 = 13.5351  (exactly 169188839/12500000)" in out
    assert "tanh(13.5351) = 1.0000  (exactly tanh(169188839/12500000))" in out
    out = render(PROBLEMS / "seed000_split_notation.yaml", "--exact")
    assert "σ(-0.3600) = 0.4110  (exactly σ(-9/25) = 1/(1 + e^(9/25)))" in out


def test_exact_says_only_what_the_shown_number_does_not():
    """"(exactly …)" is for a value the shown decimal does not hold. Review: with values
    carried rounded, "tanh(0.60) = 0.53  (exactly 53/100)" and "exp(-0.158) / 3.414 = …
    = 0.250  (exactly 1/4)" claimed false identities (the exact value was the rounded
    one), and "0.6(1) = 0.60  (exactly 3/5)" repeated the shown number."""
    out = render(PROBLEMS / "round_half_truncate.yaml", "--exact")
    assert "tanh(0.60) = 0.53\n" in out and "exactly" not in out
    out = render(PROBLEMS / "output_softmax_tokens.yaml", "--exact")
    assert "exactly" not in out  # carry: rounded: no value is known beyond the shown one
    out = render(PROBLEMS / "seed000_split_notation.yaml", "--exact")
    assert "(exactly" in out
    assert not re.search(r"= -?[\d.]+  \(exactly -?\d+(/\d+)?\)", out)  # 0.2000 (exactly 1/5)


def test_missing_quantities_are_explained(tmp_path):
    path = tmp_path / "partial.yaml"
    path.write_text("cell: lstm\ngates:\n  input: {W: [[1]], U: [[1]]}\nx: [1]\n")
    out = render(path)
    assert "Cannot compute f₁: no parameters for the forget gate (gates.forget)" in out
    assert "Cannot compute c₁: needs f_t and g_t, which cannot be computed." in out


WIDE = GOLDEN / "wide_gru.yaml"


@pytest.mark.parametrize("columns", [80, 120])
def test_golden_wrapping(columns):
    """A long product row continues under its first term, its operator first; the
    section's results stand in one column; a product with a zero vector is one line."""
    result = CliRunner().invoke(main, [str(WIDE)], env={**ENV, "COLUMNS": str(columns)})
    out = result.stdout
    golden = GOLDEN / f"wide_gru_{columns}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out)
    assert out == golden.read_text()
    assert all(display_width(line) <= columns for line in out.splitlines())


def test_wrapped_rows_continue_under_the_first_term():
    out = render(WIDE)
    lines = out.splitlines()
    k = lines.index(next(line for line in lines if line.lstrip().startswith("row 1: 0.21(0.5)")))
    first, after = lines[k], lines[k + 1]
    start = first.index("0.21(0.5)")
    assert after[:start].strip() == "" and after[start] in "+-"  # under the first term
    assert after.rstrip().endswith("= 2.2300")
    ends = [line.index(" = ") for line in lines[k + 1:k + 4:2]]  # both rows' results
    assert len(set(ends)) == 1  # in one column
    assert "h₀ = 0, so W_r h₀ = 0" in out  # not two rows of zeros
    assert "r₁ ⊙ h₀ = 0, so W_g (r₁ ⊙ h₀) = 0" in out


def test_numbers_as_written():
    out = render(WIDE)
    assert "row 1: 0.21(0.5) - 0.35(-1.25)" in out  # not 0.2100(0.5000)
    assert "⎡ 0.3 -0.25⎤" in out
    assert "1: 0.0000 + 2.2300 + 0.1 = 2.3300" in out  # the bias as written, the rest shown


def test_exact_carry_that_does_not_add_up_says_so():
    q2 = PROBLEMS / "seed001_q2_given_gates.yaml"
    out = render(q2)
    assert "2: 1.8030 + 0.3333 ≈ 2.1362" in out and out.count("≈ marks a line") == 1
    rounded = render(q2, "--carry", "rounded")  # the shown numbers are those carried
    assert "2: 1.8030 + 0.3333 = 2.1363" in rounded and "≈ marks" not in rounded


def _h12(tmp_path, n=12):
    rng = __import__("numpy").random.default_rng(5)
    gates = {g: {"W": rng.uniform(-.5, .5, (n, n)).round(2).tolist(),
                 "U": rng.uniform(-.5, .5, (n, n)).round(2).tolist(),
                 "b": rng.uniform(-.5, .5, n).round(2).tolist()}
             for g in ("input", "forget", "candidate", "output")}
    path = tmp_path / "h12.yaml"
    path.write_text(__import__("yaml").safe_dump(
        {"cell": "lstm", "gates": gates, "initial": {"h": [0.5] * n, "c": [-0.25] * n},
         "x": rng.uniform(-1, 1, n).round(1).tolist()}))
    return path, gates


def test_full_at_80_columns_shows_every_number_in_blocks(tmp_path):
    path, gates = _h12(tmp_path)
    out = render(path, "--full")
    assert all(display_width(line) <= 80 for line in out.splitlines())
    assert "⋯" not in out and "⋮" not in out
    assert "(columns 1–6)" in out and "(columns 7–12)" in out  # as numpy prints it
    assert all(f"row {k}:" in out for k in range(1, 13))
    # every weight is there, in a bracketed block line (nothing folded into garbage)
    shown = " ".join(line for line in out.splitlines() if line.strip()[:1] in "⎡⎢⎣[")
    for g in gates.values():
        for row in g["W"]:
            for v in row:
                assert f" {v:g}" in shown.replace("⎡", " ").replace("⎢", " ").replace(
                    "⎣", " ") or f"-{abs(v):g}" in shown


def test_questions_in_the_terminal_show_every_number(tmp_path):
    path, gates = _h12(tmp_path)
    out = render(path, "--questions")
    assert all(display_width(line) <= 80 for line in out.splitlines())
    assert "⋯" not in out and "⋮" not in out
    assert "Name: ____" in out and "iₜ = σ(W_i hₜ₋₁ + U_i xₜ + b_i)" in out
    assert "Step t = 1" in out and "│ 12 │" in out  # the answer table, a row per unit


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_answer_tables_of_a_sheet_are_whole_at_80_columns(path):
    """rich crops what does not fit, so a width check alone cannot see a lost column:
    every box of the answer tables must be closed on the right."""
    out = render(path, "--questions")
    edges = {"┏": "┓", "┃": "┃", "┡": "┩", "│": "│", "├": "┤", "└": "┘"}
    for line in out.splitlines():
        line = line.rstrip()
        if line[:1] in edges and "━" in line + out:
            assert line.endswith(edges[line[0]]), line
            assert display_width(line) <= 80, line


def _drawn(renderable, width: int) -> str:
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())


def test_results_grid_is_drawn_as_rich_draws_its_table():
    """The results table is laid out by terminal.Grid (rich's own layout of a large
    network's cells took seconds): for random cells, widths, titles and unicode, at
    several screen widths, it prints exactly what rich's Table prints (too wide, it is
    rich's table)."""
    import random

    from lstm_solver.render.terminal import Grid

    rng = random.Random(7)
    words = ["0.2723", "-0.9725", "1", "—", "(given)", "c̃ₜ", "→←", "hₜ", "12.5351", "x" * 17,
             "0.00000001", "Σ", "∂L/∂hₜ"]
    for case in range(300):
        columns = rng.randint(1, 7)
        headers = [rng.choice(["t", "row", "layer", "dir", "iₜ", "c̃ₜ", "hₜ", "yₜ", "∂hₜ"])
                   for _ in range(columns)]
        rows = [["\n".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
                 for _ in range(columns)] for _ in range(rng.randint(1, 5))]
        grid = Grid(rng.choice(["Results", "", "Batch rows 2–9 (--full works each)"]),
                    headers, [rng.random() < 0.8 for _ in range(columns)], rows,
                    rng.random() < 0.7)
        for width in (30, 80, 120):
            assert _drawn(grid, width) == _drawn(grid.table(), width), (case, width)


@pytest.mark.parametrize("options", [[], ["--full"], ["--exact"], ["--questions"]],
                         ids=["key", "full", "exact", "questions"])
def test_no_line_of_any_example_is_wider_than_the_terminal(options):
    """Piped, nothing goes through rich's cropping any more, so a line too long would
    show here (it used to be cut off silently: a lookup's row "E: [2, 3," and --exact's
    closed forms lost their ends at 80 columns)."""
    too_wide = []
    for path in EXAMPLES:
        out = render(path, *options)
        too_wide += [(path.name, line) for line in out.splitlines() if display_width(line) > 80]
    assert not too_wide, too_wide[:5]
