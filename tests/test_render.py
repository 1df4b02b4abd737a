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


def test_missing_quantities_are_explained(tmp_path):
    path = tmp_path / "partial.yaml"
    path.write_text("cell: lstm\ngates:\n  input: {W: [[1]], U: [[1]]}\nx: [1]\n")
    out = render(path)
    assert "Cannot compute f₁: no parameters for the forget gate (gates.forget)" in out
    assert "Cannot compute c₁: needs f_t and g_t, which cannot be computed." in out
