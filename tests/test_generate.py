"""lstm-solve generate: deterministic, distinct, valid and unsaturated variants."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from lstm_solver.cli import main
from lstm_solver.generate import MAX_PRE_ACTIVATION, Spec, generate
from lstm_solver.problem import parse_problem
from lstm_solver.solver import solve

SPECS = [
    Spec(),
    Spec(cell="gru", hidden=3, inputs=2, steps=3, numbers="decimal",
         options={"reset": "after"}),
    Spec(cell="rnn", hidden=4, inputs=3, steps=2, layout="concat", orientation="row",
         output=3, options={"activation": "relu"}),
    Spec(cell="lstm", hidden=3, inputs=4, steps=2, layout="concat", numbers="decimal",
         ask=("c", "h")),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.cell}-{s.layout}-{s.numbers}")
def test_variants_are_valid_distinct_and_unsaturated(spec):
    texts = generate(spec, 12, seed=3)
    assert len(set(texts)) == 12
    bodies = {t.split("\n", 3)[3] for t in texts}  # without the numbered header and title
    assert len(bodies) == 12  # no two variants are the same question
    for text in texts:
        problem = parse_problem(text)
        assert problem.cell == spec.cell and problem.steps == spec.steps
        assert problem.hidden_size == spec.hidden and problem.input_size == spec.inputs
        assert problem.ask == spec.ask
        for step in solve(problem).steps:
            for q in step.quantities:
                if q.pre_activation is not None and q.short != "y":
                    assert np.max(np.abs(q.pre_activation)) <= MAX_PRE_ACTIVATION


def test_same_seed_same_variants_other_seed_others():
    assert generate(Spec(steps=2), 5, seed=7) == generate(Spec(steps=2), 5, seed=7)
    assert generate(Spec(steps=2), 5, seed=7) != generate(Spec(steps=2), 5, seed=8)


def test_number_styles():
    integers = parse_problem(generate(Spec(), 1, seed=1)[0])
    assert all(float(v) == int(v) for row in integers.gates["i"].W.exact for v in row)
    decimal = parse_problem(generate(Spec(numbers="decimal"), 1, seed=1)[0])
    values = [v for row in decimal.gates["i"].W.exact for v in row]
    assert all(round(float(v), 1) == float(v) for v in values)
    assert any(float(v) != int(v) for v in values)


def test_saturated_allowed_only_when_asked(monkeypatch):
    monkeypatch.setattr("lstm_solver.generate.MAX_PRE_ACTIVATION", 0.01)  # unreachable
    with pytest.raises(Exception, match="no unsaturated variant"):
        generate(Spec(), 1, seed=0, tries=30)
    assert len(generate(Spec(saturated=True), 2, seed=0, tries=30)) == 2


def test_larger_sizes_stay_unsaturated():
    for numbers in ("integers", "decimal"):
        texts = generate(Spec(hidden=6, inputs=6, steps=2, numbers=numbers), 3, seed=1)
        assert len(texts) == 3


def test_cli_writes_files_and_sheets(tmp_path):
    out = tmp_path / "class"
    args = ["generate", "-o", str(out), "--count", "4", "--seed", "2", "--cell", "gru",
            "--steps", "2", "--ask", "h", "--sheets", "markdown"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["key.md", "questions.md", *[f"variant-00{k}.yaml" for k in range(1, 5)]]
    first = (out / "variant-001.yaml").read_text()
    again = tmp_path / "again"
    CliRunner().invoke(main, ["generate", "-o", str(again), *args[3:]])
    assert (again / "variant-001.yaml").read_text() == first  # deterministic
    sheet, key = (out / "questions.md").read_text(), (out / "key.md").read_text()
    # a class set: no contents, a question to a page, no answers
    headings = [line for line in sheet.splitlines() if line.startswith("## ")]
    assert len(headings) == 4 and "Contents" not in sheet and "Results" not in sheet
    assert sheet.count('<div style="break-after: page"></div>') == 3
    assert key.count("### Results") == 4
    solved = CliRunner().invoke(main, [str(out / "variant-003.yaml"), "--format", "json"])
    assert solved.exit_code == 0
    again_result = CliRunner().invoke(main, args)
    assert again_result.exit_code == 2 and "--force" in again_result.stderr
    assert CliRunner().invoke(main, [*args, "--force"]).exit_code == 0


def _arrays(problem) -> list[np.ndarray]:
    out = [getattr(g, k).array for g in problem.gates.values() for k in ("W", "U", "b")
           if getattr(g, k) is not None]
    out += [v.array for v in problem.initial.values()] + [x.array for x in problem.inputs]
    if problem.output_layer:
        out.append(problem.output_layer.V.array)
    return out


@pytest.mark.parametrize("spec, count", [
    (Spec(), 200),
    (Spec(cell="gru", hidden=3, inputs=2, steps=2, options={"reset": "after"}), 40),
    (Spec(cell="lstm", hidden=3, inputs=4, steps=2, layout="concat"), 40),
], ids=["lstm-default", "gru-2-steps", "lstm-concat-2-steps"])
def test_integer_variants_are_instructive(spec, count):
    """Over a set: at most 20 % zero entries, no matrix or vector of zeros, h₀ and c₀ not
    zero, every pre-activation within ±3 (and hardly any exactly 0)."""
    zeros = entries = exactly_zero = pre_activations = 0
    for text in generate(spec, count, seed=11):
        problem = parse_problem(text)
        for a in _arrays(problem):
            assert a.any(), "a matrix or vector of zeros"
            zeros += int(np.sum(a == 0))
            entries += a.size
        assert all(v.array.all() for v in problem.initial.values())  # h₀, c₀ not zero
        for step in solve(problem).steps:
            for q in step.quantities:
                z = q.pre_activation
                if z is not None and q.short != "y":
                    assert np.max(np.abs(z)) <= MAX_PRE_ACTIVATION
                    exactly_zero += int(np.sum(z == 0))
                    pre_activations += len(z)
    assert zeros / entries <= 0.20, zeros / entries
    assert exactly_zero / pre_activations <= 0.05


def test_zero_initial_state_only_when_asked(tmp_path):
    problem = parse_problem(generate(Spec(zero_initial=True), 1, seed=2)[0])
    assert not any(v.array.any() for v in problem.initial.values())
    out = tmp_path / "zero"
    result = CliRunner().invoke(main, ["generate", "-o", str(out), "--count", "2",
                                       "--zero-initial"])
    assert result.exit_code == 0, result.stderr
    assert "h: [0, 0]" in (out / "variant-001.yaml").read_text()
