"""The command line: options override the file, JSON follows DESIGN.md §4."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner
from conftest import PROBLEMS

from lstm_solver.cli import main

Q2 = str(PROBLEMS / "seed001_q2_given_gates.yaml")
TOKENS = str(PROBLEMS / "output_softmax_tokens.yaml")


def run(*args: str):
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_json_matches_design_contract():
    data = json.loads(run(Q2, "--format", "json"))
    assert list(data) == ["format", "cell", "notes", "steps"]
    assert data["notes"] == ["W multiplies the stacked vector [h_{t-1}; x_t]: its columns 1–2 "
                             "multiply h_{t-1} and columns 3–4 multiply x_t."]
    assert data["format"] == "lstm-solve/1" and data["cell"] == "lstm"
    (step,) = data["steps"]
    assert list(step) == ["t", "x", "values", "pre_activations", "given"]
    assert step["t"] == 2 and step["x"] == [0.0, 2.0]
    assert list(step["values"]) == ["i", "f", "g", "o", "c", "h"]
    assert list(step["pre_activations"]) == ["g"]
    assert step["given"] == ["i", "f", "o"]
    assert step["values"]["f"] == [0.33209835, 0.9014788]  # given values, as written
    assert step["values"]["h"][1] != round(step["values"]["h"][1], 5)  # unrounded


def test_json_carry_rounded_gives_carried_values():
    data = json.loads(run(TOKENS, "--format", "json"))
    for step in data["steps"]:
        for values in step["values"].values():
            assert all(round(v, 3) == v for v in values)
    assert "y" in data["steps"][0]["values"]


def test_decimals_option_overrides_file():
    assert "g₂ = [1.00, 1.00]" in run(Q2, "--decimals", "2")
    assert "h₂ = [0.272284, 0.972478]" in run(Q2, "--decimals", "6")


def test_carry_option():
    exact = json.loads(run(Q2, "--format", "json"))
    rounded = json.loads(run(Q2, "--format", "json", "--carry", "rounded", "--decimals", "2"))
    # by hand at 2 digits: 0.90 × 2.00 + 0.33 × 1.00 = 2.13, where exact carry gives 2.1362
    assert rounded["steps"][0]["values"]["c"] == [1.15, 2.13]
    assert round(exact["steps"][0]["values"]["c"][1], 2) == 2.14


def test_carry_rounded_changes_later_steps():
    exact = json.loads(run(TOKENS, "--format", "json", "--carry", "exact"))
    rounded = json.loads(run(TOKENS, "--format", "json"))
    assert exact["steps"][1]["values"]["h"] != rounded["steps"][1]["values"]["h"]


def test_round_half_option(tmp_path):
    path = tmp_path / "half.yaml"
    path.write_text("cell: lstm\ngates:\n  input: {W: [[0]], U: [[1]], b: [0]}\n"
                    "given: {f: [1], g: [0.125], o: [1]}\nx: [0]\ndecimals: 2\n")
    assert "g₁ = [0.13]  (given)" in run(str(path))
    assert "g₁ = [0.12]  (given)" in run(str(path), "--round-half", "even")


def test_solve_subcommand_is_the_default():
    assert run("solve", Q2) == run(Q2)


def test_help_and_version():
    assert "Usage" in run("--help")
    assert "lstm-solve, version" in run("--version")


def test_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "lstm_solver", Q2, "--format", "json"],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["steps"][0]["t"] == 2


def test_colour_only_on_a_terminal():
    out = subprocess.run([sys.executable, "-m", "lstm_solver", Q2], capture_output=True,
                         text=True, check=True, env={"PATH": "", "TERM": "xterm"})
    assert "\x1b[" not in out.stdout


def test_no_color_even_on_a_forced_terminal():
    env = {"PATH": "", "TERM": "xterm", "FORCE_COLOR": "1", "COLUMNS": "80"}
    coloured = subprocess.run([sys.executable, "-m", "lstm_solver", Q2], capture_output=True,
                              text=True, check=True, env=env)
    assert "\x1b[" in coloured.stdout  # the check can fail: colour is there when forced
    plain = subprocess.run([sys.executable, "-m", "lstm_solver", Q2], capture_output=True,
                           text=True, check=True, env={**env, "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout.replace("\x1b[?25l", "").replace("\x1b[?25h", "")


def test_a_reader_that_stops_reading_is_no_internal_error():
    """`lstm-solve q.yaml | head -1`: the pipe closes early; no traceback, no "internal
    error", the exit status a shell gives a process ended by SIGPIPE."""
    example = PROBLEMS / "gomez_lstm_backprop.yaml"
    proc = subprocess.Popen([sys.executable, "-m", "lstm_solver", str(example), "--format",
                             "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before it writes a byte
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert err == ""
