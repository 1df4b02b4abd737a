"""Marking a class through the command line: a bad file never stops it, variants and a
roster, stacked and bidirectional networks, the CSV and JSON, and the exit codes.

The true answers are worked by hand in numpy (handcalc.py), never by lstm_solver.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from conftest import PROBLEMS
from handcalc import inputs, rounded, run_unit, softmax

from lstm_solver.cli import main

Q2 = PROBLEMS / "seed001_q2_given_gates.yaml"


def q2_by_hand() -> dict:
    """Seed 001, Question 2: g = tanh(W [h₁; x₂] + b), c = f⊙c₁ + i⊙g, h = o⊙tanh(c)."""
    W, b = np.array([[3, 4, 0, 5], [2, 6, 2, 5]]), np.array([1, 1])
    h1, c1 = np.array([0.4165792, 0.32134238]), np.array([0.44354576, 1.99999732])
    f, i = np.array([0.33209835, 0.9014788]), np.array([0.99999057, 0.333263])
    o = np.array([0.33333224, 0.99998962])
    g = np.tanh(W @ np.concatenate([h1, [0, 2]]) + b)
    c = f * c1 + i * g
    return rounded({"g": g, "c": c, "h": o * np.tanh(c)})


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_bad_file_never_stops_the_class(tmp_path):
    true = q2_by_hand()
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.yaml").write_text("student: Ada\n" + yaml.safe_dump(true))
    (folder / "bob.yaml").write_text("g: [1, 1\nc: [1, 2]\n")  # YAML syntax error
    (folder / "cy.yaml").write_text(  # the names students write
        f"g_t: {true['g']}\nC_t: {true['c']}\nh2: [{true['h'][0]}, 0.97]\n")
    (folder / "dan.yaml").write_text(f"h_t-1: {true['h']}\n")
    (folder / "eve.yaml").write_bytes("student: Ève\ng: [1, 1]\n".encode("latin-1"))
    out = tmp_path / "marks.csv"
    result = run("check", Q2, folder, "--csv", out)
    assert result.exit_code == 1, result.output
    text = result.stdout
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert "Students" in text and "Not marked" in text
    flat = "".join(text.split())  # folded at 80 columns
    assert "".join(f"bob: {folder / 'bob.yaml'}:2:2: YAML syntax error".split()) in flat
    assert "didyoumean'h_t'" in flat
    assert "not UTF-8" in text
    rows = {r["student"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert set(rows) == {"Ada", "bob", "cy", "dan", "eve"}
    assert rows["Ada"]["score"] == "1.000" and rows["Ada"]["error"] == ""
    assert rows["cy"]["imprecise"] == "1" and rows["cy"]["correct"] == "5"
    assert "YAML syntax error" in rows["bob"]["error"] and rows["bob"]["marks"] == ""
    assert rows["Ada"]["feedback"] == "Every number is right."
    assert "Give 4 decimals: h₂[2]" in rows["cy"]["feedback"]
    data = json.loads(run("check", Q2, folder, "--format", "json").stdout)
    students = {s["student"]: s for s in data["students"]}
    assert set(students["bob"]) == {"student", "file", "error"}
    assert students["bob"]["file"].endswith("bob.yaml") and ":2:2:" in students["bob"]["error"]
    assert set(students["Ada"]) >= {"student", "file", "score", "marks", "out_of",
                                    "all_correct", "items"}
    assert data["all_correct"] is False


def test_an_empty_answer_file_is_told_what_an_answer_file_holds(tmp_path):
    """Review: an empty answer file was told "expected a mapping such as 'cell: lstm'",
    the start of a problem file, which a student's file is not."""
    for name, text in (("empty.yaml", ""), ("comments.yaml", "# my answers\n")):
        (tmp_path / name).write_text(text)
        result = run("check", Q2, tmp_path / name)
        assert result.exit_code == 1, result.output
        assert "the file is empty: expected a mapping of quantities to the values you " \
            "wrote, such as 'h: [0.27, 0.97]'" in " ".join(result.output.split())
        assert "cell: lstm" not in result.output


def test_the_csv_opens_in_a_spreadsheet_with_its_symbols(tmp_path):
    """Review: the CSV had no byte-order mark, so Excel (which reads a CSV without one in
    the system's code page) showed the headers "g₂ (of 1)" and σ in the feedback garbled."""
    (tmp_path / "ada.yaml").write_text("student: Ada\ng: [1, 1]\n")
    out = tmp_path / "marks.csv"
    assert run("check", Q2, tmp_path / "ada.yaml", "--csv", out).exit_code == 1
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfstudent,file,")
    row = next(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert row["student"] == "Ada" and row["g₂ (of 1)"] == "1"


def test_one_good_file_exits_0_and_one_broken_file_exits_1(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(q2_by_hand()))
    result = run("check", Q2, good)
    assert result.exit_code == 0, result.output
    assert "Every number is right" in result.stdout and "Marks: 3 / 3 (100 %)" in result.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text("h: [0.1, oops]\n")
    result = run("check", Q2, broken)
    assert result.exit_code == 1
    assert f"{broken}:1:10: h[1]: expected a number" in result.stderr


@pytest.mark.parametrize("args,fragment", [
    (["check", "{bad}", "{good}"], "bad.yaml:1:7: cell: unknown cell"),
    (["check", "{q2}", "{tmp}/nope.yaml"], "nope.yaml: no such file"),
    (["check", "{q2}", "{good}", "--partial", "wrong=2"], "a share from 0 to 1"),
    (["check", "{q2}", "{good}", "--partial", "correct=0.5"], "not a verdict"),
    (["check", "{q2}", "{good}", "--roster", "{tmp}/none.csv"], "none.csv: no such file"),
    (["check", "{q2}", "{good}", "--decimals", "99"], "99 is not in the range"),
    (["check", "{count}", "{good}"], "a parameter count has one number to check"),
])
def test_exit_2_for_a_bad_problem_or_command_line(tmp_path, args, fragment):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cell: lsmt\nx: [1]\n")
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(q2_by_hand()))
    names = {"bad": bad, "good": good, "q2": Q2, "tmp": tmp_path,
             "count": PROBLEMS / "count_seed000_lstm.yaml"}
    result = run(*[a.format(**names) for a in args])
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_marks_and_part_marks_in_the_report_and_the_csv(tmp_path):
    problem = tmp_path / "q2.yaml"
    problem.write_text(Q2.read_text() + "marks: {c: 2, h: 2}\n")
    true = q2_by_hand()
    mine = tmp_path / "mine.yaml"
    mine.write_text(f"g: {true['g']}\nc: [{true['c'][0]}, 2.14]\nh: {true['h']}\n")
    out = tmp_path / "m.csv"
    result = run("check", problem, mine, "--csv", out, "--partial", "imprecise=0.5")
    assert result.exit_code == 1
    assert "Marks: 4.5 / 5 (90 %)" in result.stdout
    assert "g₂ 1/1   c₂ 1.5/2   h₂ 2/2" in result.stdout
    row = next(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert (row["marks"], row["out of"], row["c₂ (of 2)"], row["g₂ (of 1)"]) == (
        "4.5", "5", "1.5", "1")
    again = run("check", problem, mine, "--csv", out)
    assert again.exit_code == 2 and "--force" in again.stderr


# --- variants and a roster ------------------------------------------------------------------


def lstm_answers(variant, slip: str = "") -> str:
    data = yaml.safe_load(variant.read_text())
    steps = run_unit(data, data, inputs(data), slip=slip)
    return yaml.safe_dump({"steps": {k + 1: rounded(s) for k, s in enumerate(steps)}})


def test_a_roster_marks_each_student_against_their_variant(tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("Ada Lovelace\nAlan Turing\n\n# absent today:\nGrace Hopper\n")
    out = tmp_path / "class"
    result = run("generate", "-o", out, "--students", names, "--steps", "2", "--seed", "5")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "roster.csv").open()))
    assert rows == [{"student": "Ada Lovelace", "problem": "variant-001.yaml"},
                    {"student": "Alan Turing", "problem": "variant-002.yaml"},
                    {"student": "Grace Hopper", "problem": "variant-003.yaml"}]
    v1, v2 = out / "variant-001.yaml", out / "variant-002.yaml"
    assert yaml.safe_load(v2.read_text())["student"] == "Alan Turing"
    assert yaml.safe_load(v2.read_text())["title"] == "Variant 2: Alan Turing"
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ada.yaml").write_text("student: Ada Lovelace\n" + lstm_answers(v1))
    (subs / "alan_turing.yaml").write_text(lstm_answers(v2, slip="wu_f"))  # name from file
    (subs / "zed.yaml").write_text("student: Zed\n" + lstm_answers(v1))
    csv_out = tmp_path / "marks.csv"
    result = run("check", out, subs, "--roster", out / "roster.csv", "--csv", csv_out)
    assert result.exit_code == 1, result.output
    marks = {r["student"]: r for r in csv.DictReader(csv_out.open(encoding="utf-8-sig"))}
    assert marks["Ada Lovelace"]["score"] == "1.000"
    assert marks["Ada Lovelace"]["problem"].endswith("variant-001.yaml")
    alan = marks["alan_turing"]
    assert alan["problem"].endswith("variant-002.yaml") and alan["wrong"] != "0"
    assert "W_f and U_f swapped in fₜ" in alan["feedback"]
    assert "not on the roster" in marks["Zed"]["error"]
    assert marks["Grace Hopper"]["error"] == "no answer file"
    # the same answers against the other variant are not right: the roster matters
    (subs / "ada.yaml").write_text("student: Ada Lovelace\nproblem: variant-002.yaml\n"
                                   + lstm_answers(v1))
    result = run("check", out, subs / "ada.yaml", "--roster", out / "roster.csv")
    assert result.exit_code == 1 and "the roster gives Ada Lovelace variant-001.yaml" in \
        result.stderr
    result = run("check", out, subs / "ada.yaml", "--format", "json")  # problem: wins
    assert json.loads(result.stdout)["students"][0]["score"] < 0.5
    # no roster, no problem key: the variant made for the student (its student: key)
    result = run("check", out, subs / "alan_turing.yaml", "--format", "json")
    student = json.loads(result.stdout)["students"][0]
    assert student["problem"].endswith("variant-002.yaml") and student["score"] > 0.5


@pytest.mark.parametrize("text,fragment", [
    ("Ada\nBob\nada\n", "names.txt:3: 'ada' is listed twice (lines 1 and 3)"),
    ("# nobody\n\n", "no names in the file"),
])
def test_bad_student_lists(tmp_path, text, fragment):
    names = tmp_path / "names.txt"
    names.write_text(text)
    result = run("generate", "-o", tmp_path / "out", "--students", names)
    assert result.exit_code == 2 and fragment in result.stderr, result.output


def test_count_and_students_must_agree(tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("Ada\nBob\n")
    result = run("generate", "-o", tmp_path / "out", "--students", names, "--count", "3")
    assert result.exit_code == 2 and "--count 3 but 2 students" in result.stderr


def test_the_name_is_on_the_sheet(tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("Ada Lovelace\nAlan Turing\n")
    result = run("generate", "-o", tmp_path / "out", "--students", names, "--sheets",
                 "markdown")
    assert result.exit_code == 0, result.output
    sheet = (tmp_path / "out" / "questions.md").read_text()
    assert "Variant 1: Ada Lovelace" in sheet and "Variant 2: Alan Turing" in sheet


def test_bad_rosters(tmp_path):
    out = tmp_path / "class"
    names = tmp_path / "names.txt"
    names.write_text("Ada\nBob\n")
    assert run("generate", "-o", out, "--students", names).exit_code == 0
    answer = tmp_path / "ada.yaml"
    answer.write_text("student: Ada\nh: [0, 0]\n")
    for text, fragment in (("student,problem\nAda,variant-001.yaml\nada,variant-002.yaml\n",
                            "roster.csv:3: 'ada' is on the roster twice"),
                           ("student,problem\nAda,variant-009.yaml\n",
                            "roster.csv:2: variant-009.yaml: no such problem file"),
                           ("student,who\nAda,variant-001.yaml\n",
                            "the header names no 'problem' column")):
        (tmp_path / "roster.csv").write_text(text)
        result = run("check", out, answer, "--roster", tmp_path / "roster.csv")
        assert result.exit_code == 2 and fragment in result.stderr, result.output


# --- stacked and bidirectional --------------------------------------------------------------


def test_a_stacked_network(tmp_path):
    path = PROBLEMS / "lstm_two_layers.yaml"
    data = yaml.safe_load(path.read_text())
    xs = inputs(data)
    one = run_unit(data, data["layers"][0], xs)
    two = run_unit(data, data["layers"][1], [s["h"] for s in one])
    answer = {"layers": {n: {"steps": {k + 1: rounded(s) for k, s in enumerate(steps)}}
                         for n, steps in ((1, one), (2, two))}}
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(answer))
    result = run("check", path, good)
    assert result.exit_code == 0, result.output
    # h of layer 1 wrong at t = 1; layer 2 worked on from it: it follows
    h1 = np.round(one[0]["h"] + [0.05, 0], 4)
    two_own = run_unit(data, data["layers"][1], [h1, one[1]["h"]])
    answer["layers"][1]["steps"][1]["h"] = h1.tolist()
    answer["layers"][2] = {"steps": {1: rounded(two_own[0])}}
    slipped = tmp_path / "slipped.yaml"
    slipped.write_text(yaml.safe_dump(answer))
    result = run("check", path, slipped, "--format", "json")
    assert result.exit_code == 1
    items = json.loads(result.stdout)["students"][0]["items"]
    got = {(i["layer"], i["t"], i["quantity"], i["index"]): i["verdict"] for i in items}
    assert got[(1, 1, "h", 0)] == "wrong" and got[(1, 1, "h", 1)] == "correct"
    assert all(got[(2, 1, q, i)] == "follows" for q in "ifgoch" for i in range(2)
               if abs(two_own[0][q][i] - two[0][q][i]) > 2e-4)
    assert {got[(2, 2, q, i)] for q in "ifgoch" for i in range(2)} == {"missing"}


def test_a_bidirectional_network(tmp_path):
    path = PROBLEMS / "gru_bidirectional.yaml"
    data = yaml.safe_load(path.read_text())
    xs = inputs(data)
    forward = run_unit(data, data["forward"], xs)
    backward = run_unit(data, data["backward"], xs, backward=True)
    V = np.array(data["output_layer"]["V"])
    ys = [softmax(V @ np.concatenate([f["h"], b["h"]])) for f, b in zip(forward, backward)]
    answer = {
        "forward": {"steps": {k + 1: rounded(s) for k, s in enumerate(forward)}},
        "backward": {"steps": {k + 1: rounded(s) for k, s in enumerate(backward)}},
        "y": {k + 1: rounded({"y": y})["y"] for k, y in enumerate(ys)},
    }
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(answer))
    result = run("check", path, good, "--format", "json")
    assert result.exit_code == 0, result.output
    student = json.loads(result.stdout)["students"][0]
    assert len(student["items"]) == 2 * 3 * 4 * 2 + 3 * 2  # r z g h both ways, and y
    assert {(i["direction"]) for i in student["items"]} == {"forward", "backward", "both"}
    # y worked from a wrong h←₂: it follows
    wrong_h = np.round(backward[1]["h"] + [0, 0.1], 4)
    answer["backward"]["steps"][2]["h"] = wrong_h.tolist()
    answer["y"][2] = rounded({"y": softmax(V @ np.concatenate([forward[1]["h"], wrong_h]))})[
        "y"]
    slipped = tmp_path / "slipped.yaml"
    slipped.write_text(yaml.safe_dump(answer))
    items = json.loads(run("check", path, slipped, "--format", "json").stdout)[
        "students"][0]["items"]
    got = {(i["direction"], i["t"], i["quantity"], i["index"]): i["verdict"] for i in items}
    assert got[("backward", 2, "h", 1)] == "wrong"
    assert got[("both", 2, "y", 0)] == got[("both", 2, "y", 1)] == "follows"
    terminal = run("check", path, slipped).stdout
    assert "h←₂[2]" in terminal


def test_a_bad_generate_option_is_a_usage_error(tmp_path):
    result = run("generate", "-o", tmp_path / "out", "--option", "foo")
    assert result.exit_code == 2 and "expected KEY=VALUE, got 'foo'" in result.output
    assert "internal error" not in result.output and not (tmp_path / "out").exists()


def test_a_class_on_a_question_that_rounds_h_itself(tmp_path):
    """MITx's "LSTM states" (round: {h: 0}), a class as a teacher gets it, marked against
    MITx's published answers [0, 0, 1, -1, 1, 0]: never rounding (Ben) or rounding to one
    decimal (Eve) is one slip, named once, and earns no "follows" (the right method
    rounds h); a student-name with a control character is reported, the rest marked."""
    files = {
        "ada": "h: {0: [0], 1: [0], 2: [1], 3: [-1], 4: [1], 5: [0]}\n",
        "ben": "h: {0: [0], 1: [0], 2: [0.7616], 3: [-0.7616], 4: [0.7616], 5: [-0.3808]}\n",
        "dee": "h: {2: [1], 3: [-1], 4: [1]}\n",
        "eve": "h: {0: [0], 1: [0], 2: [0.8], 3: [-0.8], 4: [0.8], 5: [-0.4]}\n",
        "gus": 'student: "Gus\\e"\nh: [0]\n',
    }
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text)
    marks = tmp_path / "marks.csv"
    result = CliRunner().invoke(main, ["check", str(PROBLEMS / "round_h_mitx_lstm_states.yaml"),
                                       *(str(tmp_path / f"{n}.yaml") for n in files),
                                       "--csv", str(marks)])
    assert result.exit_code == 1, result.output
    rows = {r["student"]: r for r in csv.DictReader(marks.open(encoding="utf-8-sig"))}
    assert {s: rows[s]["marks"] for s in ("ada", "ben", "dee", "eve")} == \
        {"ada": "6", "ben": "2", "dee": "3", "eve": "2"}
    for student in ("ben", "eve"):
        assert rows[student]["follows"] == rows[student]["imprecise"] == "0"
        assert "not rounded as the question asks (hₜ to the closest integer), at t = 2, 3, " \
               "4 and 5" in rows[student]["feedback"]
        assert "expected 1." in rows[student]["feedback"]  # 1, not 1.0000
    assert "control character U+001B (ESC)" in rows["gus"]["error"]


def test_per_quantity_names_whole_sequence_gradients_without_every_step(tmp_path):
    """A class on the clipped GRU (everything asked: 37 numbers, many rows, so the
    per-quantity table sums over the steps): rₜ is "every step", but ∂L/∂W_r, ‖g‖ and
    the updated W′_r belong to the whole sequence and said "every step" too."""
    for name, text in (("ann", "h: {1: [0.7977, -0.5741], 2: [-0.4478, 0.5377]}\n"),
                       ("cy", "h: {1: [0.80, -0.57], 2: [-0.45, 0.54]}\n")):
        (tmp_path / f"{name}.yaml").write_text(text)
    result = CliRunner(env={"COLUMNS": "100"}).invoke(main, [
        "check", str(PROBLEMS / "gru_clipping.yaml"), str(tmp_path / "ann.yaml"),
        str(tmp_path / "cy.yaml")])
    table = result.output[result.output.index("Per quantity"):]
    names = [line.split("│")[1].strip() for line in table.splitlines() if line.startswith("│")]
    assert "rₜ, every step" in names and "∂L/∂hₜ, every step" in names
    assert {"∂L/∂W_r", "∂L/∂h₀", "‖g‖", "s", "W′_r"} <= set(names)
    assert not [n for n in names if n.startswith(("∂L/∂W", "‖g‖", "W′")) and "every" in n]
