"""No input crashes it: each crash or hang a fuzz run found, and each limit (README: Limits).

Every refusal is exit code 2 with one message that names the file, the line and the
limit; nothing a user can write gives a traceback, a hang or a killed process.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from conftest import EXAMPLES, ROOT, require_program

from lstm_solver import limits
from lstm_solver.cli import EXTENSIONS, main
from lstm_solver.counting import count
from lstm_solver.errors import ProblemError
from lstm_solver.numbers import OneHot
from lstm_solver.problem import parse_problem
from lstm_solver.solver import solve
from lstm_solver.yamlsource import read_text

RNN = "cell: rnn\ngates: {h: {W: [[1]], U: [[1]]}}\n"


def run(tmp_path, text: str, *args: str, name: str = "q.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, [str(path), *args])


def refused(tmp_path, text: str, *fragments: str, args=()):
    result = run(tmp_path, text, *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    message = result.stderr.strip()
    assert message.startswith(f"error: {tmp_path / 'q.yaml'}"), message
    for fragment in fragments:
        assert fragment in message, message
    return message


def in_subprocess(path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The real command in its own process: a segfault or a hang shows as such."""
    return subprocess.run([sys.executable, "-m", "lstm_solver", str(path), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


# --- the crash and hang classes of issue 10 ------------------------------------------------


def test_self_referencing_alias(tmp_path):
    refused(tmp_path, "cell: lstm\nx: &r [*r]\n", "q.yaml:2:8", "*r refers to a list",
            "(a loop)")
    refused(tmp_path, "cell: lstm\ngates: &g {input: {W: *g}}\nx: [1]\n", "loop")


@pytest.mark.parametrize("depth", [51, 1000, 1001])
@pytest.mark.parametrize("kind", ["flow", "map", "block"])
def test_deep_nesting_is_refused_with_the_limit(tmp_path, depth, kind):
    value = {"flow": "[" * depth + "1" + "]" * depth,
             "map": "{a: " * depth + "1" + "}" * depth,
             "block": "\n" + "".join("  " * (k + 1) + "-\n" for k in range(depth))
             + "  " * (depth + 1) + "1"}[kind]
    where = {"flow": "q.yaml:2:53:", "map": "q.yaml:2:200:"}.get(kind, "q.yaml:")
    refused(tmp_path, f"cell: lstm\nx: {value}\n", where, "nested more than 50 deep")


def test_nesting_at_the_limit_is_read(tmp_path):
    depth = limits.MAX_DEPTH - 1  # and the mapping around them
    doc = read_text("x: " + "[" * depth + "1" + "]" * depth)
    inner = doc.data["x"]
    for _ in range(depth - 1):
        inner = inner[0]
    assert inner == [1]


def test_thirty_thousand_brackets_neither_crash_nor_hang(tmp_path):
    """The C composer once recursed ~30,000 deep and died (SIGSEGV): events are now
    composed without recursion, whatever libyaml allows."""
    path = tmp_path / "deep.yaml"
    path.write_text("cell: lstm\nx: " + "[" * 30_000 + "]" * 30_000 + "\n")
    done = in_subprocess(path)
    assert done.returncode == 2, done.stderr
    assert "deep.yaml:2:53: x[0][0][0][0][0]…: lists and mappings are nested more than 50 " \
        "deep" in done.stderr


def test_aliases_cannot_nest_deeper_than_the_limit(tmp_path):
    text = "a0: &a0 [1]\n" + "".join(f"a{k}: &a{k} [*a{k - 1}]\n" for k in range(1, 60))
    with pytest.raises(ProblemError, match="counting what aliases bring in"):
        read_text(text, "q.yaml")


def test_alias_bomb_is_counted(tmp_path):
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]" for k in range(1, 8)]
    refused(tmp_path, "\n".join(lines) + "\ncell: lstm\n", "more than 1,000,000 values")


def test_integer_of_5000_digits(tmp_path):
    refused(tmp_path, RNN + "x: [" + "1" * 5000 + "]\n", "q.yaml:3:5", "x[0]",
            "5,000 characters; at most 100")
    refused(tmp_path, RNN + "x: [" + "1" * 5000 + ", 2, 3, 4, 5, 6, 7, 8]\n", "q.yaml:3:5")
    refused(tmp_path, RNN + "decimals: " + "9" * 5000 + "\n", "decimals")


def test_rounded_carry_of_huge_values(tmp_path):
    """Quantizing 1e25 to 4 decimals needs 30 digits; Decimal's default context has 28."""
    for big in ("1e25", "1e100", "1.7e308"):
        result = run(tmp_path, RNN + f"x: [{big}]\ncarry: rounded\n", "--format", "json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["steps"][0]["values"]["h"] == [1.0]  # tanh(x) = 1


@pytest.mark.parametrize("number", ["1e400", "-1e309", "1e99999999", "1.8e308"])
def test_numbers_beyond_float64_are_refused(tmp_path, number):
    refused(tmp_path, f"cell: rnn\ngates: {{h: {{W: [[{number}]], U: [[1]]}}}}\nx: [1]\n",
            "q.yaml:2:18", "gates.h.W[0][0]", "beyond the range of float64", "1.8e+308")


@pytest.mark.parametrize("number", ["1e-400", "-1e-99999999", "2e-310"])
def test_numbers_too_small_for_float64_are_refused(tmp_path, number):
    refused(tmp_path, RNN + f"x: [{number}]\n", "q.yaml:3:5", "too small for float64",
            "write 0")


def test_exact_with_a_tiny_exponent_ends_at_once(tmp_path):
    """Fraction(Decimal('1e-99999999')) builds 10**99999999: it must never be reached."""
    path = tmp_path / "tiny.yaml"
    path.write_text(RNN.replace("U: [[1]]", "U: [[1e-99999999]]") + "x: [1]\n")
    start = time.perf_counter()
    done = in_subprocess(path, "--exact", timeout=30)
    assert done.returncode == 2 and "too small for float64" in done.stderr
    assert time.perf_counter() - start < 30


def test_zero_state_times_the_largest_weight_is_zero_not_nan():
    problem = parse_problem(RNN.replace("W: [[1]]", "W: [[1.7e308]]") + "x: [1]\n")
    h = solve(problem).steps[0].get("h")
    assert h.value[0] == math.tanh(1) and h.finite


EMBEDDING = ("cell: rnn\ngates: {h: {W: [[0.5]], U: [[1, 2, 3, 4]]}}\nembedding: "
             + "[" + ", ".join(f"[{k % 7}, 1, 0, {k % 3}]" for k in range(4096)) + "]\n")


def test_many_tokens_over_a_large_vocabulary(tmp_path):
    """85 KB, 4,096 words, 20,000 tokens: refused at once (the step limit), not 46 s and
    1.5 GB of one-hot vectors."""
    path = tmp_path / "tokens.yaml"
    path.write_text(EMBEDDING + "tokens: [" + ", ".join(str(k * 37 % 4096)
                                                       for k in range(20_000)) + "]\n")
    start = time.perf_counter()
    done = in_subprocess(path, timeout=60)
    assert done.returncode == 2
    assert "tokens: 20,000 steps is more than this tool computes (at most 1,000" in done.stderr
    assert time.perf_counter() - start < 30


def test_tokens_are_one_hot_without_dense_vectors():
    problem = parse_problem(EMBEDDING + "tokens: [4095, 0, 17]\n")
    w = problem.inputs[0]
    assert isinstance(w, OneHot) and "exact" not in vars(w)  # not made until asked for
    derivation = solve(problem)
    assert "exact" not in vars(w)
    E = problem.embedding.matrix.array
    for step, token in zip(derivation.steps, (4095, 0, 17)):
        x = step.get("x").value
        np.testing.assert_array_equal(x, E[token])
        assert step.get("h").value[0] == pytest.approx(math.tanh(E[token] @ [1, 2, 3, 4]
                                                                 + 0.5 * step.previous["h"][0]))
    assert w.exact[4095] == 1 and sum(w.exact) == 1 and len(w.exact) == 4096


def test_empty_tokens(tmp_path):
    refused(tmp_path, EMBEDDING + "tokens: []\n", "tokens", "at least one word index")


@pytest.mark.parametrize("char, name", [("\x00", "U+0000 (NUL)"), ("\x1b", "U+001B (ESC)"),
                                        ("\x7f", "U+007F (DEL)"), ("\x0c", "U+000C (form feed)")])
def test_control_characters_are_located(tmp_path, char, name):
    refused(tmp_path, f"cell: lstm\ntitle: a{char}b\nx: [1]\n", "q.yaml:2:9",
            f"control character {name}")


# --- non-finite values: reported where they arise, valid JSON -------------------------------

OVERFLOW = ("cell: lstm\ngates:\n"
            "  input: {W: [[1e308, 1e308], [1, 1]], U: [[1], [1]]}\n"
            "  forget: {W: [[1, 1], [1, 1]], U: [[1], [1]]}\n"
            "  candidate: {W: [[1e308, 1], [1, 1]], U: [[-1e308], [1]]}\n"
            "  output: {W: [[1, 1], [1, 1]], U: [[1], [1]]}\n"
            "initial: {h: [1e308, 1], c: [0, 0]}\nx: [[1e308], [1]]\n")


def test_overflow_is_reported_where_it_arises(tmp_path):
    result = run(tmp_path, OVERFLOW)
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    # W_i h₀ row 1 is 2e308: beyond float64; σ(∞) = 1 hides it in i₁ itself
    assert ("i₁ ≈ [1.00, 1.00]: writes 100 % of candidate 1 and 100 % of candidate 2 into "
            "the memory (0 writes nothing). OVERFLOW at t = 1: row 1 of W_i h₀ is beyond "
            "float64's largest number (about 1.8e308) and carried as ∞") in text
    # ∞ − ∞ in the candidate's sum: NaN, said so where it arises
    assert "entry 1 of W_g h₀ + U_g x₁ has no value (∞ − ∞): NaN" in text
    # later quantities say where their NaN comes from
    assert "OVERFLOW at t = 1: entry 1 of g₁ comes from an earlier overflow" in text


def test_json_is_valid_with_non_finite_values(tmp_path):
    result = run(tmp_path, OVERFLOW, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"bare {c}"))
    first = data["steps"][0]
    assert first["values"]["g"] == [None, 1.0]  # tanh(1e308 + 1 + 1e308) = 1
    assert "∞ − ∞" in first["non_finite"]["g"] and "i" in first["non_finite"]
    assert "non_finite" not in json.loads(run(tmp_path, RNN + "x: [1]\n", "--format",
                                              "json").stdout)["steps"][0]


def test_finite_solutions_have_no_overflow_notes():
    for path in EXAMPLES:
        problem = parse_problem(path.read_text(), str(path))
        if hasattr(problem, "units"):
            for step in solve(problem).steps:
                assert all(q.finite for q in step.quantities), path


# --- limits ------------------------------------------------------------------------------------


def test_file_size_limit(tmp_path):
    big = "cell: lstm\n" + "# " + "x" * limits.MAX_FILE_BYTES + "\n"
    refused(tmp_path, big, "the file is 10.0 MB; at most 10 MB is read")


def test_step_limit_and_work_limit(tmp_path):
    xs = "[" + ", ".join(["[1]"] * 1001) + "]"
    refused(tmp_path, RNN + f"x: {xs}\n", "q.yaml:3:4", "x: 1,001 steps",
            "at most 1,000 steps × layers × directions")
    H = 200
    row = "[" + ", ".join(["0"] * H) + "]"
    W = "[" + ", ".join([row] * H) + "]"
    text = (f"cell: rnn\ngates: {{h: {{W: {W}, U: {W}}}}}\n"
            f"x: [{', '.join([row] * 700)}]\n")
    refused(tmp_path, text, "x: 700 steps of these sizes take 56,000,000 multiply-adds",
            "at most 50,000,000")


def test_worked_solutions_are_printed_up_to_a_length(tmp_path):
    xs = "[" + ", ".join(["[0.5]"] * (limits.MAX_SHOWN_STEPS + 1)) + "]"
    message = refused(tmp_path, RNN + f"x: {xs}\n", "x: 21 steps make a worked solution too "
                      "long to print (at most 20", "--format json gives every value")
    assert message
    for args in (["--format", "json"], ["--questions"]):
        assert run(tmp_path, RNN + f"x: {xs}\n", *args).exit_code == 0


def test_parameter_count_of_a_thousand_layers_is_quick():
    text = ("task: count_parameters\ncell: lstm\nhidden_size: 20\ninput_size: 10\n"
            "layers: 1000\nbidirectional: true\nbias: double\noutput_size: 5\n")
    start = time.perf_counter()
    derivation = count(parse_problem(text))
    assert len(derivation.items) < 80
    per_layer = 4 * (20 * 20 + 20 * 40 + 2 * 20)  # layers 2..L read 2H = 40
    first = 4 * (20 * 20 + 20 * 10 + 2 * 20)
    assert derivation.total == 2 * first + 999 * 2 * per_layer + 5 * 40 + 5
    assert "(20×40×4 + 20×20×4 + 20×4×2)×1998" in derivation.formula
    assert time.perf_counter() - start < 5
    with pytest.raises(ProblemError, match="from 1 to 1000"):
        parse_problem(text.replace("1000", "1001"))


def test_thousand_layer_count_matches_pytorch_for_a_few_layers(torch):
    for cell, module in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
        text = (f"task: count_parameters\ncell: {cell}\nhidden_size: 3\ninput_size: 2\n"
                "layers: 5\nbidirectional: true\nbias: double\n")
        expected = sum(p.numel() for p in module(2, 3, num_layers=5, bidirectional=True)
                       .parameters())
        assert count(parse_problem(text)).total == expected


# --- bulk reading of numbers: the same data, the same locations --------------------------------


def _leaves(data, path=()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(data, list):
        yield path
        for i, v in enumerate(data):
            yield from _leaves(v, path + (i,))
    else:
        yield path


STYLES = [None, True, False]  # yaml's default_flow_style: mixed, flow, block


@pytest.mark.parametrize("style", STYLES)
def test_bulk_reading_gives_the_same_data_and_marks(style):
    for path in EXAMPLES:
        text = path.read_text()
        if style is not None or path.name.startswith("seed"):
            text = yaml.safe_dump(yaml.safe_load(text), default_flow_style=style,
                                  sort_keys=False)
        bulk, plain = read_text(text, "f.yaml"), read_text(text, "f.yaml", bulk=False)
        assert bulk.data == plain.data, path
        for leaf in _leaves(plain.data):
            assert bulk.where(leaf) == plain.where(leaf), (path, leaf)


def test_an_error_inside_a_bulk_block_is_located():
    text = ("cell: lstm\ngates:\n  input:\n    W: [[1.5, 2.5, 3.5, 4.5],\n"
            "        [5.5, 6.5, 7.5, 1e999]]\n    U: [[1], [1]]\nx: [1]\n")
    with pytest.raises(ProblemError) as exc:
        parse_problem(text, "b.yaml")
    assert str(exc.value).startswith("b.yaml:5:25: gates.input.W[1][3]: 1E+999 is beyond")
    block = "cell: rnn\ngates: {h: {W: [[1]], U: [[1]]}}\nx:\n" + "".join(
        f"- - {k}.5\n" for k in range(6)) + "- - 1e-999\n"
    with pytest.raises(ProblemError) as exc:
        parse_problem(block, "b.yaml")
    assert str(exc.value).startswith("b.yaml:10:5: x[6]")


def test_numbers_in_comments_and_text_stay_as_written():
    text = ("# W: [[1, 2, 3, 4, 5, 6, 7, 8]]\ntitle: 'see [1, 2, 3, 4, 5, 6, 7, 8]'\n"
            "question: |\n  x = [0.5, 0.25, 0.125, 1]\n  - 1.5\n  - 2.5\n  - 3.5\n  - 4.5\n"
            "x: [1, 2, 3, 4, 5, 6, 7, 8]\n")
    data = read_text(text).data
    assert data["title"] == "see [1, 2, 3, 4, 5, 6, 7, 8]"
    assert data["question"] == "x = [0.5, 0.25, 0.125, 1]\n- 1.5\n- 2.5\n- 3.5\n- 4.5\n"
    assert data["x"] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_without_libyaml(monkeypatch):
    """The pure-Python parser gives the same data and the same depth limit."""
    import yaml as pyyaml

    from lstm_solver import yamlsource

    monkeypatch.setattr(yamlsource, "_LOADER", pyyaml.BaseLoader)
    text = EXAMPLES[0].read_text()
    assert read_text(text).data == read_text(text, bulk=False).data
    with pytest.raises(ProblemError, match="nested more than 50 deep"):
        read_text("x: " + "[" * 5000 + "]" * 5000)


# --- output files --------------------------------------------------------------------------------

Q2 = EXAMPLES[0].parent / "seed001_q2_given_gates.yaml"


@pytest.mark.parametrize("ext", [e for e, f in EXTENSIONS.items() if f != "pdf"])
def test_output_format_from_the_extension(tmp_path, ext):
    out = tmp_path / "new" / "folder" / f"key{ext}"
    fmt = EXTENSIONS[ext]
    problem = Q2 if fmt != "pytorch" else Q2.parent / "concat_published_click4ai.yaml"  # weights
    result = CliRunner().invoke(main, [str(problem), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    text = data.decode("utf-8") if fmt != "qti" else ""
    if fmt == "qti":
        assert data.startswith(b"PK")  # a zip
    elif fmt == "moodle":
        assert text.startswith("<?xml") and "<quiz>" in text
    elif fmt == "pytorch":
        assert "import torch" in text
    elif fmt == "json":
        assert json.loads(text)["format"] == "lstm-solve/1"
    elif fmt == "latex":
        assert text.startswith(r"\documentclass")
    elif fmt == "html":
        assert text.lstrip().lower().startswith("<!doctype html")
    elif fmt == "markdown":
        assert text.startswith("# ")
    else:
        assert "Candidate g₂" in text and "\x1b[" not in text


def test_pdf_from_the_extension(tmp_path):
    require_program("pdflatex")
    out = tmp_path / "missing" / "new.pdf"
    result = CliRunner().invoke(main, [str(Q2), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("args, fragment", [
    (["-o", "key.docx"], "cannot tell the format of 'key.docx' from the extension '.docx'"),
    (["-o", "key"], "from a file name without an extension"),
    (["--format", "json", "-o", "key.pdf"], "--format json contradicts the extension of "
                                           "'key.pdf' (.pdf is pdf)"),
    (["--format", "pdf", "-o", "key.txt"], "--format pdf contradicts"),
])
def test_output_extensions_that_cannot_be_honoured(tmp_path, args, fragment):
    result = CliRunner().invoke(main, [str(Q2), *args])
    assert result.exit_code == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_plain_text_files_take_any_text_format(tmp_path):
    out = tmp_path / "notes.txt"
    result = CliRunner().invoke(main, [str(Q2), "--format", "markdown", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text().startswith("# ")


def test_output_where_a_folder_cannot_be(tmp_path):
    (tmp_path / "file").write_text("in the way")
    answers = tmp_path / "ada.yaml"
    answers.write_text("h: [0.2723, 0.9725]\n")
    for args in ([str(Q2), "-o", str(tmp_path / "file" / "x.md")],
                 ["check", str(Q2), str(answers), "--csv", str(tmp_path / "file" / "m.csv")],
                 ["generate", "-o", str(tmp_path / "file" / "set")]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.stderr)
        assert "cannot create the folder" in result.stderr and "internal" not in result.stderr


def test_csv_into_a_new_folder(tmp_path):
    answers = tmp_path / "ada.yaml"
    answers.write_text("c: [1.1473, 2.1362]\nh: [0.2723, 0.9725]\n")
    out = tmp_path / "marks" / "new" / "m.csv"
    result = CliRunner().invoke(main, ["check", str(Q2), str(answers), "--csv", str(out)])
    assert result.exit_code in (0, 1), result.stderr
    assert out.read_text().splitlines()[0]


def test_generate_into_nested_new_folders(tmp_path):
    out = tmp_path / "a" / "b" / "c"
    result = CliRunner().invoke(main, ["generate", "-o", str(out), "--count", "2"])
    assert result.exit_code == 0 and len(list(out.glob("variant-*.yaml"))) == 2


def test_a_huge_value_quoted_in_a_message_is_shortened(tmp_path):
    message = refused(tmp_path, "cell: [" + ", ".join(["0"] * 100_000) + "]\nx: [1]\n",
                      "q.yaml:1:7", "unknown cell")
    assert len(message) < 1000 and " … " in message


def test_a_bad_file_does_not_import_sympy(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("cell: lstm\nx: [1e400]\n")
    code = ("import sys; from lstm_solver.cli import main\n"
            "try:\n    main([sys.argv[1]])\nexcept SystemExit as e:\n"
            "    assert e.code == 2 and 'sympy' not in sys.modules, sys.modules.keys()")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr


def test_rounded_carry_with_exact_values_and_an_overflow(tmp_path):
    """Found by the fuzzer: an ∞ carried rounded has no exact decimal."""
    text = ("cell: rnn\ngates: {h: {W: [[1e300]], U: [[1e300]]}}\ninitial: {h: [1e300]}\n"
            "x: [[1e300], [1]]\ncarry: rounded\ndecimals: 3\n")
    result = run(tmp_path, text, "--exact")
    assert result.exit_code == 0, result.stderr
    assert "OVERFLOW at t = 1: row 1 of W_h h₀ and row 1 of U_h x₁ are beyond" in " ".join(
        result.stdout.split())


@pytest.mark.parametrize("extra", ["", "bidirectional: true\n", "peephole: true\n",
                                   "initial_state: learned\n", "output_size: 5\n",
                                   "projection: 2\nbias: double\nbidirectional: true\n"
                                   "initial_state: learned\npeephole: true\n"])
def test_grouped_layers_count_as_many_as_layer_by_layer(monkeypatch, extra):
    from lstm_solver import counting as counting_module

    problem = parse_problem("task: count_parameters\ncell: lstm\nhidden_size: 6\n"
                            "input_size: 3\nlayers: 7\n" + extra)
    grouped = count(problem)
    monkeypatch.setattr(counting_module, "GROUP_FROM", 10**9)
    one_by_one = count(problem)
    assert len(grouped.items) < len(one_by_one.items)
    assert grouped.total == one_by_one.total and grouped.notes == one_by_one.notes


def test_grouped_projected_layers_match_pytorch(torch):
    problem = parse_problem("task: count_parameters\ncell: lstm\nhidden_size: 6\n"
                            "input_size: 3\nlayers: 7\nprojection: 4\nbias: double\n"
                            "bidirectional: true\n")
    module = torch.nn.LSTM(3, 6, num_layers=7, bidirectional=True, proj_size=4)
    assert count(problem).total == sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("fmt", ["latex", "markdown", "html", "terminal"])
def test_results_when_nothing_asked_can_be_computed(tmp_path, fmt):
    """Found by the fuzzer: LaTeX's results table split an empty list of columns."""
    text = "cell: lstm\nlayout: concat\ngates:\n  candidate: {W: [[1, 2]]}\nx: [1]\nask: [h]\n"
    result = run(tmp_path, text, "--format", fmt)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("escape", ["\\0", "\\e[1m", "\\a", "\\x7f", "\\x1b"])
@pytest.mark.parametrize("key", ["title", "question"])
def test_escaped_control_characters_in_text_are_refused(tmp_path, key, escape):
    """Found by the fuzzer: `question: "\\0 \\e[1m bold"` (control characters written as
    YAML escapes, which the check of the raw file cannot see) made pdflatex fail ("Text
    line contains an invalid character", exit 1). Now a located exit 2, in every format,
    and from the library too."""
    text = f'cell: rnn\ngates: {{hidden: {{W: [[1]], U: [[1]]}}}}\nx: [1]\n{key}: "a{escape}b"\n'
    for fmt in ("terminal", "pdf", "html", "moodle"):
        result = run(tmp_path, text, "--format", fmt)
        assert result.exit_code == 2, result.output
        assert f"q.yaml:4:{len(key) + 3}: {key}: holds the control character U+" in \
            result.output
    with pytest.raises(ProblemError, match="control character"):
        parse_problem({"cell": "rnn", "gates": {"hidden": {"W": [[1]], "U": [[1]]}},
                       "x": [1], key: "a\x00b"})


def test_control_characters_in_names_and_options_are_refused(tmp_path):
    """A student's name in an answer file (the class is still marked) and --title/--set."""
    example = ROOT / "problems" / "seed001_q2_given_gates.yaml"
    bad, good = tmp_path / "bad.yaml", tmp_path / "good.yaml"
    bad.write_text('student: "X\\0Y"\nh: [0.2723, 0.9725]\n')
    good.write_text("h: [0.2723, 0.9725]\n")
    result = CliRunner().invoke(main, ["check", str(example), str(bad), str(good)])
    assert result.exit_code == 1  # marked, not stopped
    words = " ".join(result.output.split())
    assert "bad.yaml:1:10: student: holds the control character U+0000 (NUL)" in words
    assert "│ good │ 1/3 │" in " ".join(words.split())
    for option in ("--title", "--set"):
        result = CliRunner().invoke(main, [str(example), "--format", "moodle", option, "A\x1bB"])
        assert result.exit_code == 2 and "control character U+001B (ESC)" in result.output


@pytest.mark.parametrize("comment", [
    "# a comment: [1, 2, 3,\r 4, 5, 6, 7, 8, 9, 10]\n",  # a lone CR ends the comment
    "# [[1, 2, 3, 4],\r [5, 6, 7, 8]]\n",
    "# a comment: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n",  # one line: nothing to see
    "x0: '#' # [1, 2, 3,\n 4, 5, 6, 7, 8, 9, 10]\n",
])
def test_bulk_reading_never_reads_past_a_comment(comment):
    """Found by the fuzzer: a bracketed block of numbers starting in a comment and
    running past a lone CR (a YAML line break) was read in bulk, which blanked the line
    after the break: the file read as valid, while YAML (and the one-by-one reader)
    finds a syntax error there. Both readings now agree."""
    from lstm_solver.yamlsource import read_text

    text = comment + "cell: lstm\ngates:\n  input: {W: [[1]]}\nx: [1]\n"
    results = []
    for bulk in (True, False):
        try:
            results.append(read_text(text, "f.yaml", bulk=bulk).data)
        except ProblemError as exc:
            results.append(str(exc))
    assert results[0] == results[1]
