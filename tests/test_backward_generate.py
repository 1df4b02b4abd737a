"""generate --ask with gradients, and ask: naming the backward pass's quantities."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from lstm_solver.cli import main
from lstm_solver.errors import ProblemError
from lstm_solver.problem import load_problem, parse_problem
from lstm_solver.solver import solve


@pytest.mark.parametrize("cell,extra", [("lstm", []), ("gru", ["--output-size", "3"]),
                                        ("rnn", ["--option", "activation=relu"])])
def test_generate_asks_for_gradients(tmp_path, cell, extra):
    out = tmp_path / "set"
    result = CliRunner().invoke(main, ["generate", "-o", str(out), "--count", "4", "--seed", "3",
                                       "--cell", cell, "--steps", "2", "--ask",
                                       "h,dh,d_pre,grad,scale,updated", "--sheets", "markdown",
                                       *extra])
    assert result.exit_code == 0, result.output
    for path in sorted(out.glob("variant-*.yaml")):
        problem = load_problem(path)
        assert problem.training.loss is not None and problem.training.max_norm == 1
        assert problem.ask == ("h", "dh", "d_pre", "grad", "scale", "updated")
        b = solve(problem).backward
        assert b.gradients and b.clip is not None and all(g.update for g in b.gradients)
    sheet = " ".join((out / "questions.md").read_text().split())
    assert r"by backpropagation through time $\frac{\partial L}{\partial h_{t}}$" in sheet
    assert "each gate's δ" in sheet
    assert "the clipping scale for `max_norm` = 1" in sheet and "Backward pass" not in sheet
    assert "Backward pass: gradients through time" in (out / "key.md").read_text()


@pytest.mark.parametrize("ask,fragment", [
    ("dh", "dh needs a loss"), ("[loss, dc]", None), ("dy", "dy needs an output_layer"),
    ("scale", "scale needs clip"), ("updated", "updated needs a learning_rate"),
    ("grads", "did you mean 'grad'"),
])
def test_ask_names_gradients(ask, fragment):
    base = ("cell: lstm\ngates: {input: {W: [[1]], U: [[1]]}}\nx: [1]\n")
    loss = "loss: {targets: [0.5]}\n"
    if fragment is None:
        assert parse_problem(base + loss + f"ask: {ask}\n").ask == ("loss", "dc")
        return
    with pytest.raises(ProblemError, match=fragment.replace("(", r"\(")):
        parse_problem(base + (loss if ask != "dh" else "") + f"ask: {ask}\n")


def test_quiz_exports_ask_for_the_gradients(tmp_path):
    """A variant asking for gradients: every gradient number is a Moodle blank that Moodle's
    own cloze grammar reads, and a QTI question."""
    from test_moodle import check_blanks, clozes

    from lstm_solver.asked import asked_numbers
    from lstm_solver.render.platforms.moodle import render

    out = tmp_path / "set"
    result = CliRunner().invoke(main, ["generate", "-o", str(out), "--count", "1", "--seed", "5",
                                       "--steps", "2", "-H", "1", "-X", "2", "--ask",
                                       "c,dh,dc,d_pre,grad,norm,scale,updated"])
    assert result.exit_code == 0, result.output
    sol = solve(load_problem(out / "variant-001.yaml"))
    numbers = asked_numbers(sol)
    labels = [n.label for n in numbers]
    assert "∂L/∂h₂[1]" in labels and "δ_o₁[1]" in labels and "∂L/∂U_f[2]" in labels
    assert "‖g‖[1]" in labels and "s[1]" in labels and "W′_o[1]" in labels
    back = sol.backward
    by_label = {n.label: n.value for n in numbers}
    assert by_label["‖g‖[1]"] == back.norm.value[0] and by_label["s[1]"] == back.clip.value[0]
    assert by_label["W′_o[1]"] == back.gradients[9].update.value.ravel()[0]
    (q,) = clozes(render([sol]))
    check_blanks(q, sol)
