"""The backward pass as people read it: the terminal (a golden layout and what every
backward solution must show), the documents, --questions, and JSON.

The numbers are checked against torch.autograd and Gomez's example elsewhere; here the
layout and the steps shown."""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import PROBLEMS, ROOT

from lstm_solver.cli import main

GOLDEN = ROOT / "tests" / "golden"
ENV = {"COLUMNS": "80", "NO_COLOR": None, "FORCE_COLOR": None, "TERM": "dumb"}
GOMEZ = PROBLEMS / "gomez_lstm_backprop.yaml"
GRU = PROBLEMS / "gru_clipping.yaml"
UPSTREAM = PROBLEMS / "lstm_upstream_given_dh.yaml"


def run(*args) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], env=ENV)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("name", ["gomez_lstm_backprop", "lstm_upstream_given_dh"])
def test_golden_layout(name):
    out = run(PROBLEMS / f"{name}.yaml")
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out)
    assert out == golden.read_text()


def test_backward_steps_from_the_last_back_with_every_gradient():
    out = run(GOMEZ)
    back = out[out.index("Backward pass"):]
    assert back.index("Backward · step t = 2") < back.index("Backward · step t = 1")
    assert back.index("Loss L") < back.index("Backward · step t = 2")
    step2 = back[back.index("step t = 2"):back.index("step t = 1")]
    for title in ("Gradient of the hidden state ∂L/∂h₂", "Gradient of the cell state ∂L/∂c₂",
                  "Gradient of the output gate ∂L/∂o₂", "Output gate's pre-activation δ_o₂",
                  "Gradient of the candidate ∂L/∂a₂", "Forget gate's pre-activation δ_f₂",
                  "Input gate's pre-activation δ_i₂"):
        assert title in step2, title
    # the chain rule in symbols, then numbers, then element by element
    assert "∂L/∂cₜ = ∂L/∂hₜ ⊙ oₜ ⊙ (1 − tanh²(cₜ))" in step2
    assert "δ_oₜ = ∂L/∂oₜ ⊙ oₜ ⊙ (1 − oₜ)" in step2  # σ' = σ(1 − σ)
    assert "δ_aₜ = ∂L/∂aₜ ⊙ (1 − aₜ²)" in step2  # tanh' = 1 − tanh²
    assert "1: 0.84993 × (1 - 0.84993) = 0.12755" in step2
    assert "1: 1 - 0.90828² ≈ 0.17502" in step2  # (1 − 0.90828² is 0.175027…)
    # ∂L/∂h₁: the loss's part plus what step 2 hands back
    assert ("∂L/∂hₜ = hₜ − h*ₜ + U_iᵀ δ_iₜ₊₁ + U_fᵀ δ_fₜ₊₁ + U_aᵀ δ_aₜ₊₁ + U_oᵀ δ_oₜ₊₁"
            in back)
    assert "∂L/∂cₜ = ∂L/∂hₜ ⊙ oₜ ⊙ (1 − tanh²(cₜ)) + ∂L/∂cₜ₊₁ ⊙ fₜ₊₁" in back
    # parameters: Σ over the steps of outer products, expanded row by row
    assert "∂L/∂W_o = Σₜ δ_oₜ xₜᵀ" in back
    assert "t = 2, row 1: (-0.05538) × [0.5, 3] ≈ [-0.02769, -0.16613]" in back
    assert "∂L/∂h₀ = [-0.00343]" in back and "∂L/∂c₀ = [-0.04557]" in back
    assert "‖g‖ = 0.20492" in back
    assert "W′_a = [0.45267 0.25922]" in back
    assert "How the gradient flows back" in back and "vanishing gradient" in back


def test_clipping_and_the_update_are_worked():
    out = run(GRU)
    assert "s = min(1, max_norm / ‖g‖)" in out
    assert re.search(r"\d\.\d{4} > 1, so s = 1 / \d\.\d{4} = 0\.\d{4}", out)
    assert "W′_r = W_r − λ s ∂L/∂W_r" in out
    assert re.search(r"row 1: \[0\.5, -1\] - 0\.5 × 0\.\d{4} × \[", out)


def test_upstream_without_weights():
    out = run(UPSTREAM)
    assert "∂L/∂h₅ = [0.1, -0.2]  (given)" in out
    assert "∂L/∂o₅ = [" in out and "∂L/∂c₅ = [" in out and "∂L/∂c₄ = [" in out
    assert "Parameter gradients" not in out and "‖g‖" not in out  # no weights were given


def test_documents_show_the_backward_pass(tmp_path):
    latex = run(GOMEZ, "--format", "latex")
    assert r"section*{Backward pass: gradients through time}" in latex
    assert r"\frac{\partial L}{\partial c_{t}} &= \frac{\partial L}{\partial h_{t}} \odot o_{t}" \
        in latex
    assert r"\delta_{o,t} &= \frac{\partial L}{\partial o_{t}} \odot o_{t} \odot \left(1 - o_{t}" \
        r"\right)" in latex
    markdown = run(GRU, "--format", "markdown")
    assert "## Backward pass: gradients through time" in markdown
    assert "#### Clipping scale $s$" in markdown and "| from t+1 |" in markdown
    html = run(UPSTREAM, "--format", "html")
    assert "<h2>Backward pass: gradients through time</h2>" in html
    assert "<mfrac><mrow><mo>∂</mo><mi>L</mi></mrow>" in html


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "latex", "html"])
def test_questions_state_what_is_asked(fmt):
    out = " ".join(run(GRU, "--questions", "--format", fmt).split()).replace(r"\texttt{", "")
    out = out.replace("`", "").replace("<code>", "")  # max_norm: what to write, as code
    assert "backpropagation through time" in out
    assert "clipping scale for max" in out and "learning rate 0.5" in out
    assert "Backward pass" not in out and "δ_zₜ = " not in out
    up = run(UPSTREAM, "--questions")
    assert "from the given upstream gradient" in " ".join(up.split())
    assert "∂L/∂h₅ = ⎡ 0.1⎤" in up and "⎣-0.2⎦" in up


def test_json_backward_object():
    data = json.loads(run(GRU, "--format", "json"))
    back = data["backward"]
    assert set(back) == {"loss", "steps", "gradients", "norm", "clip", "updated"}
    assert [s["t"] for s in back["steps"]] == [2, 1]
    assert set(back["steps"][0]) == {"t", "dh", "d_pre", "d_values"}
    assert set(back["steps"][0]["d_pre"]) == {"r", "z", "g"}
    assert set(back["gradients"]) == {"reset", "update", "candidate", "initial"}
    assert set(back["gradients"]["reset"]) == {"W", "U", "b"}
    assert back["clip"]["max_norm"] == 1.0 and 0 < back["clip"]["scale"] < 1
    assert abs(back["clip"]["scale"] - 1 / back["norm"]) < 1e-12
    assert "initial" not in back["updated"]


def test_stacked_and_bidirectional_are_worked_layer_by_layer(tmp_path):
    path = tmp_path / "bidi.yaml"
    path.write_text((PROBLEMS / "gru_bidirectional.yaml").read_text()
                    + "loss: {kind: cross_entropy, targets: [0, 1, 1]}\nlearning_rate: 0.1\n")
    out = run(path)
    back = out[out.index("Backward pass"):]
    order = ["Backward · outputs (both directions) · t = 3", "Backward · forward · t = 3",
             "Backward · forward · t = 1", "Backward · backward · t = 1",
             "Backward · backward · t = 3", "Backward · forward · the initial state",
             "Parameter gradients", "Forward:", "Backward:", "∂L/∂V = Σₜ δ_yₜ h_bothₜᵀ"]
    at = [back.index(o) for o in order]
    assert at == sorted(at)
    assert "∂L/∂h_bothₜ = Vᵀ δ_yₜ" in back
    assert "∂L/∂hₜ = (∂L/∂h_bothₜ)[1:2] + W_rᵀ δ_rₜ₊₁" in back
    assert "∂L/∂hₜ = (∂L/∂h_bothₜ)[3:4] + W_rᵀ δ_rₜ₋₁" in back  # the backward direction
    data = json.loads(run(path, "--format", "json"))["backward"]
    assert set(data["gradients"]) == {"forward", "backward", "output_layer"}
    assert set(data["gradients"]["backward"]) == {"reset", "update", "candidate", "initial"}
    assert {(s["direction"], s["t"]) for s in data["steps"]} >= {("both", 3), ("backward", 1)}


def _vectors(text: str) -> list[list[float]]:
    return [[float(x.strip("()")) for x in body.split(",")]
            for body in re.findall(r"\[([^\[\]]*)\]", text)]


@pytest.mark.parametrize("path", [GOMEZ, GRU])
def test_vector_lines_say_approx_when_their_shown_terms_miss(path):
    """A weight gradient's rows (δ × xᵀ, Σ over the steps) and the update's rows: a line
    written with = gives its shown result from its shown terms, entry by entry; one that
    does not is written with ≈ (review: (-0.05538) × [0.5, 3] "=" [-0.02769, -0.16613])."""
    checked = 0
    for line in run(path).splitlines():
        m = re.match(r"\s*(?:t = \d+, )?row \d+: (.*) (=|≈) (\[[^\]]*\])$", line)
        if not m or "…" in line:
            continue
        lhs, rel, result = m.groups()
        decimals = len(result.split(",")[0].strip("[]").split(".")[-1])
        expected = np.array(_vectors(result)[0])
        if " × [" in lhs and " - " not in lhs.split(" × [")[0]:  # a × [v]
            a, v = lhs.split(" × ", 1)
            got = float(a.strip("()")) * np.array(_vectors(v)[0])
        elif " × " in lhs:  # θ − λ [s] × g
            theta, rest = lhs.split(" - ", 1)
            *factors, g = rest.split(" × ")
            got = np.array(_vectors(theta)[0]) - np.prod([float(f) for f in factors]) * \
                np.array(_vectors(g)[0])
        else:  # a sum of rows
            got = np.sum(_vectors(lhs), axis=0)
        miss = np.abs(got - expected) / 10.0 ** -decimals  # in units of the last digit
        if np.any(np.abs(miss - 0.5) < 1e-6):
            continue  # a half: which way it rounds is the rounding rule's
        assert (rel == "=") == bool(np.all(miss < 0.5)), line
        checked += 1
    assert checked > 10


def test_a_weight_gradient_shows_the_inputs_as_written():
    """xₜ in ∂L/∂W = Σ δ xₜᵀ is the question's own input, written as given ([1 2]), not
    padded to the decimals ([1.00000 2.00000])."""
    out = run(GOMEZ)
    assert "∂L/∂W_i = [-0.00165] [1 2] + [-0.00112] [0.5 3]" in out
    assert "1.00000" not in out


def test_the_norm_of_one_unit_lists_every_parameter():
    """A one-unit LSTM has 12 parameters: the norm's working squares each of them and
    adds all 12 (it elided 4 of them behind ⋮), and the shown squares add up."""
    out = run(GOMEZ)
    norm = out[out.index("Global gradient norm"):]
    norm = norm[:norm.index("‖g‖ = √(0.", norm.index("‖g‖²"))]
    squares = re.findall(r"‖∂L/∂(\w+)‖² = .* = (\d\.\d+)", norm)
    assert [name for name, _ in squares] == [f"{m}_{g}" for g in "ifao" for m in "WUb"]
    assert "⋮" not in norm and "⋯" not in norm[norm.index("‖g‖²"):]
    total = re.search(r"‖g‖² = [^=]+= (\d\.\d+)", norm.replace("\n", " "))
    assert abs(sum(float(v) for _, v in squares) - float(total.group(1))) < 6e-5
