"""Pictures: the cell diagram of every cell kind and notation with the solver's numbers on
its wires, the gates over time, SVG that parses with real text, a PDF with vector fonts
and no image, identical bytes from run to run, and a terminal that never loads
matplotlib."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import PROBLEMS, ROOT, SOLVED, problem_text, require_program

from lstm_solver.cli import main
from lstm_solver.problem import parse_problem
from lstm_solver.render.pictures import pictures
from lstm_solver.render.pictures import scene as sc
from lstm_solver.render.pictures.diagram import cell_scene
from lstm_solver.solver import solve

SVG = "{http://www.w3.org/2000/svg}"
Q2 = PROBLEMS / "seed001_q2_given_gates.yaml"  # LSTM, f i o given
SEED000 = PROBLEMS / "seed000_split_notation.yaml"  # LSTM, the cell state called s


def run(*args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def svgs(html: str) -> list[ET.Element]:
    """Every inline <svg> of a page, parsed as XML."""
    return [ET.fromstring(m) for m in re.findall(r"<svg .*?</svg>", html, re.S)]


def texts(svg: ET.Element) -> dict[str, str]:
    """The text drawn in each group that has an id (the ids end in the value's key)."""
    out = {}
    for g in svg.iter(f"{SVG}g"):
        t = g.find(f"{SVG}text")
        if g.get("id") and t is not None and t.text is not None:
            out[re.sub(r"^fig\d+-", "", g.get("id"))] = t.text
    return out


def drawn(values: dict[str, str], key: str) -> list[float]:
    """The numbers drawn for one value, in order (the ⋮ of a long vector has no id)."""
    found = sorted((int(m.group(1)), text) for k, text in values.items()
                   if (m := re.fullmatch(rf"v-{re.escape(key)}-(\d+)", k)))
    return [float(text.replace("\u2212", "-")) for _, text in found]


def expect_close(shown: list, value, decimals: int) -> None:
    """Each number shown is the value rounded to ``decimals``: within half a unit of the
    last place (the ⋮ of a long vector skips the middle)."""
    value = list(np.asarray(value, dtype=float))
    if len(value) > 4:
        value = value[:2] + value[-1:]
    assert len(shown) == len(value), (shown, value)
    for s, v in zip(shown, value):
        assert abs(s - v) <= 0.5 * 10 ** -decimals + 1e-12, (s, v)


def derivation(path_or_data, name="p.yaml"):
    if isinstance(path_or_data, dict):
        return solve(parse_problem(problem_text(path_or_data), name))
    return solve(parse_problem(path_or_data.read_text(), str(path_or_data)))


def diagram_svg(dv, step=None) -> ET.Element:
    step = step or dv.steps[0]
    pics = pictures(dv, step, "all")
    assert [p.kind for p in pics] == ["cell"]
    return ET.fromstring(pics[0].svg("fig1"))


# --- the numbers on the wires -------------------------------------------------------------


def test_lstm_numbers_on_the_wires_are_the_solvers():
    dv = derivation(Q2)
    step = dv.steps[0]
    values = texts(diagram_svg(dv))
    q = {s: step.get(s).value for s in "ifgoch"}
    c_prev, h_prev = step.previous["c"], step.previous["h"]
    d = dv.rounding.decimals
    for key, value in {"i": q["i"], "f": q["f"], "g": q["g"], "o": q["o"], "c-prev": c_prev,
                       "h-prev": h_prev, "x": step.x, "c-out": q["c"], "h-out": q["h"],
                       "op-f-times-c_prev": q["f"] * c_prev, "op-i-times-g": q["i"] * q["g"],
                       "op-tanh-c": np.tanh(q["c"])}.items():
        expect_close(drawn(values, key), value, d)
    # the file's own numbers as written (4 decimals), h₂ as the key prints it
    assert [values[f"v-h-out-{k}"] for k in range(2)] == ["0.2723", "0.9725"]


@pytest.mark.parametrize("form,ops", [
    ({"z_multiplies": "previous"}, {"op-z-times-h_prev": lambda q, h: q["z"] * h,
                                    "op-oneminus-z": lambda q, h: 1 - q["z"],
                                    "op-oneminus-z-times-g": lambda q, h: (1 - q["z"]) * q["g"]}),
    ({"z_multiplies": "candidate"}, {"op-oneminus-z-times-h_prev": lambda q, h: (1 - q["z"]) * h,
                                     "op-oneminus-z": lambda q, h: 1 - q["z"],
                                     "op-z-times-g": lambda q, h: q["z"] * q["g"]}),
])
@pytest.mark.parametrize("reset", ["before", "after"])
def test_gru_numbers_on_the_wires_are_the_solvers(form, ops, reset):
    data = {"cell": "gru", "reset": reset, **form,
            "gates": {g: {"W": [[0.5, -0.3], [0.2, 0.4]], "U": [[0.3], [-0.6]], "b": [0.1, 0],
                          **({"b_h": [0.2, -0.1]} if reset == "after" else {})}
                      for g in ("reset", "update", "candidate")},
            "initial": {"h": [0.3, -0.8]}, "x": [[1], [-2]], "decimals": 3}
    dv = derivation(data)
    for step in dv.steps:
        values = texts(diagram_svg(dv, step))
        q = {s: step.get(s).value for s in "rzgh"}
        h_prev = step.previous["h"]
        for key in "rzg":
            expect_close(drawn(values, key), q[key], 3)
        expect_close(drawn(values, "h-prev"), h_prev, 3)
        expect_close(drawn(values, "h-out"), q["h"], 3)
        for key, f in ops.items():
            expect_close(drawn(values, key), f(q, h_prev), 3)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_rnn_numbers_and_activation(activation):
    dv = derivation({"cell": "rnn", "activation": activation,
                     "gates": {"hidden": {"W": [[0.5, -1], [0.2, 0.3]], "U": [[2, 1], [-1, 0.5]],
                                          "b": [0.1, 0]}},
                     "x": [[1, -1], [0.5, 2]]})
    step = dv.steps[1]
    scene = cell_scene(dv, step)
    boxes = [i for i in scene.items if isinstance(i, sc.Box)]
    assert len(boxes) == 1
    word = {"tanh": r"\tanh", "sigmoid": r"\sigma", "relu": r"\mathrm{ReLU}"}[activation]
    assert [i for i in scene.items if isinstance(i, sc.Text) and i.tex == word]
    values = texts(diagram_svg(dv, step))
    expect_close(drawn(values, "h-out"), step.get("h").value, 4)
    expect_close(drawn(values, "h-prev"), dv.steps[0].get("h").value, 4)
    assert "v-h-0" not in values  # the gate's output is h: one label, on the right


def test_long_vectors_show_two_numbers_the_last_and_the_size():
    H = 9
    rng = np.random.default_rng(3)
    data = {"cell": "lstm", "gates": {g: {"W": rng.uniform(-1, 1, (H, H)).round(2).tolist(),
                                          "U": rng.uniform(-1, 1, (H, 2)).round(2).tolist()}
                                      for g in ("input", "forget", "candidate", "output")},
            "x": [1, -1]}
    dv = derivation(data)
    svg = diagram_svg(dv)
    values = texts(svg)
    expect_close(drawn(values, "c-out"), dv.steps[0].get("c").value, 4)
    text = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    assert "9 values" in text
    assert len(drawn(values, "x")) == 2  # a vector of 2 is shown whole


# --- the figure of each cell, in the problem's notation -------------------------------------

def _names(scene) -> set[str]:
    """The names of the values, as LaTeX sets them."""
    return {i.tex for i in scene.items if isinstance(i, sc.Text) and i.tex}


def _ops(scene) -> list[str]:
    return sorted(i.tex for i in scene.items if isinstance(i, sc.Text) and i.tex in (
        r"\times", "+", "1{-}"))


LSTM_GATES = {"input": {"W": [[0.1, 0.2], [0.3, -0.1]], "U": [[1], [0.5]]},
              "forget": {"W": [[0.2, 0], [0.1, 0.2]], "U": [[0.5], [1]]},
              "candidate": {"W": [[0.3, 0.1], [-0.2, 0.2]], "U": [[1], [-1]]},
              "output": {"W": [[0.1, 0.1], [0.2, 0.2]], "U": [[0.5], [0.5]]}}


@pytest.mark.parametrize("cell_name,candidate", [("C", "c_tilde"), ("c", "candidate"),
                                                 ("s", "g"), ("p", "a")])
def test_lstm_drawn_in_the_files_notation(cell_name, candidate):
    gates = dict(LSTM_GATES)
    gates[candidate] = gates.pop("candidate")
    dv = derivation({"cell": "lstm", "gates": gates, "initial": {cell_name: [0.5, -0.5]},
                     "x": [2], "start": 3})
    scene = cell_scene(dv, dv.steps[0])
    names = _names(scene)
    cand = r"\tilde{c}" if candidate == "c_tilde" else candidate if len(candidate) == 1 else "g"
    assert {f"{cell_name}_{{2}} =", f"{cell_name}_{{3}} =", f"{cand}_{{3}} =", "h_{2} =",
            "x_{3} =", f"f_{{3}} \\odot {cell_name}_{{2}} ="} <= names, names
    assert _ops(scene) == ["+", r"\times", r"\times", r"\times"]
    assert sorted(i.tex for i in scene.items if isinstance(i, sc.Text) and i.tex in (
        r"\sigma", r"\tanh")) == [r"\sigma"] * 3 + [r"\tanh"] * 2  # 4 gates, tanh(c)
    assert sum(isinstance(i, sc.Box) for i in scene.items) == 4
    assert sum(isinstance(i, sc.Ellipse) for i in scene.items) == 1


@pytest.mark.parametrize("z_multiplies", ["previous", "candidate"])
@pytest.mark.parametrize("reset", ["before", "after"])
def test_gru_forms_drawn_from_their_equations(z_multiplies, reset):
    dv = derivation({"cell": "gru", "z_multiplies": z_multiplies, "reset": reset,
                     "gates": {"reset": {"W": [[0.1]], "U": [[1]]},
                               "u": {"W": [[0.2]], "U": [[0.5]]},
                               "h_tilde": {"W": [[0.3]], "U": [[-1]]}},
                     "x": [1]})
    scene = cell_scene(dv, dv.steps[0])
    names = _names(scene)
    # the update gate as the file calls it (u), the candidate h̃
    assert {"u_{1} =", r"\tilde{h}_{1} =", "r_{1} =", "h_{0} =", "h_{1} ="} <= names, names
    old = "1 - u_{1}" if z_multiplies == "candidate" else "u_{1}"
    assert f"{old} \\odot h_{{0}} =" in names or f"({old}) \\odot h_{{0}} =" in names
    marks = [i for i in scene.items if isinstance(i, sc.Circle) and i.mark]
    circles = [i for i in scene.items if isinstance(i, sc.Circle) and not i.mark]
    # before: r ⊙ h_{t-1} is its own × before the box; after: r enters the box through a ×
    assert (len(marks), len(circles)) == ((0, 5) if reset == "before" else (1, 4))
    assert _ops(scene).count("1{-}") == 1
    assert sum(isinstance(i, sc.Box) for i in scene.items) == 3


def test_stacked_and_bidirectional_networks_draw_each_layer_and_direction():
    html = run(PROBLEMS / "lstm_two_layers.yaml", "--format", "html").stdout
    assert html.count('<figure class="picture"') == 2 + 1 + 1  # a cell a layer, a time plot
    assert "The LSTM cell at t = 1, layer 2" in html
    html = run(PROBLEMS / "gru_bidirectional.yaml", "--format", "html").stdout
    assert "The GRU cell at t = 1, forward" in html
    assert "The GRU cell at t = 3, backward" in html  # the backward direction starts at T
    dv = derivation(PROBLEMS / "gru_bidirectional.yaml")
    backward = next(s for s in dv.steps if s.direction == "backward")
    assert "h_{4} =" in _names(cell_scene(dv, backward))  # it reads h_{t+1}


def test_diagram_option_first_all_none():
    path = PROBLEMS / "gru_pytorch_reset_after.yaml"  # two steps
    first = run(path, "--format", "html").stdout
    every = run(path, "--format", "html", "--diagram", "all").stdout
    none = run(path, "--format", "html", "--diagram", "none").stdout
    assert first.count("<svg") == 2  # the cell at t = 1, the gates over time
    assert every.count("<svg") == 3
    assert "<svg" not in none
    assert "<svg" not in run(path, "--format", "markdown").stdout
    assert "<svg" not in run(path, "--format", "html", "--questions").stdout
    # the figure comes after its step's derivation, before the next step
    steps = [m.start() for m in re.finditer(r"<h\d[^>]*>Step ", first)]
    assert len(steps) == 2 and steps[0] < first.index("<svg") < steps[1]
    assert first.index("<svg", steps[1]) > first.index("Results")
    with pytest.raises(ValueError):
        pictures(derivation(path), None, "some")


@pytest.mark.parametrize("path", SOLVED, ids=lambda p: p.stem)
def test_every_example_laid_out_without_overlaps(path):
    dv = derivation(path)
    for step in dv.steps:
        for tex in (False, True):
            scene = cell_scene(dv, step, tex)
            assert sc.overlaps(scene, tex) == [], (step.t, tex)


HOSTILE = {
    "wide": {"H": 64, "decimals": 4, "scale": 1},
    "digits": {"H": 4, "decimals": 15, "scale": 1},
    "huge": {"H": 3, "decimals": 2, "scale": 1e12},
    "one": {"H": 1, "decimals": 0, "scale": 1},
}


@pytest.mark.parametrize("case", HOSTILE.values(), ids=list(HOSTILE))
def test_no_overlaps_at_sizes_we_accept(case):
    H, rng = case["H"], np.random.default_rng(0)
    gates = {g: {"W": (rng.uniform(-1, 1, (H, H)) * case["scale"]).tolist(),
                 "U": (rng.uniform(-1, 1, (H, 2)) * case["scale"]).tolist()}
             for g in ("input", "candidate", "output")}  # no forget gate: c, h missing
    dv = derivation({"cell": "lstm", "gates": gates, "x": [[1e300, -1], [0.5, 2]],
                     "decimals": case["decimals"]})
    for tex in (False, True):
        scene = cell_scene(dv, dv.steps[0], tex)
        assert sc.overlaps(scene, tex) == []
    assert "not computed" in {i.s for i in scene.items if isinstance(i, sc.Text)}
    for picture in pictures(dv, None):
        ET.fromstring(picture.svg("t"))


def test_the_checker_finds_overlaps():
    scene = sc.Scene(100, 50, [sc.Text(10, 10, "0.1234", 8), sc.Text(20, 10, "0.5678", 8),
                               sc.Wire([(0, 30), (100, 30)]), sc.Text(50, 28, "x", 8),
                               sc.Text(90, 10, "too wide", 8)])
    found = sc.overlaps(scene)
    assert len(found) == 3  # two texts; a text on a wire; a text outside the figure


# --- over time ------------------------------------------------------------------------------

def forgetting() -> dict:
    """A 3-step LSTM whose unit 2 forgets at step 3 (x₃ drives its forget gate to −4)."""
    gates = {g: {"W": [[0, 0], [0, 0]], "U": [[0, 0.5], [0, 0.5]], "b": [0.5, 0.5]}
             for g in ("input", "candidate", "output")}
    gates["forget"] = {"W": [[0, 0], [0, 0]], "U": [[0, 0], [-8, 0]], "b": [1, 4]}
    return {"cell": "lstm", "gates": gates, "x": [[0, 1], [0, 1], [1, 1]]}


def test_over_time_heatmaps_and_the_plain_words_line():
    dv = derivation(forgetting())
    [picture] = pictures(dv, None)
    assert picture.kind == "time"
    f3 = dv.steps[2].get("f").value[1]
    assert f3 < 0.05
    assert picture.caption == f"Over time: f₃ ≈ {f3:.2f} for unit 2: the cell forgets at step 3."
    svg = ET.fromstring(picture.svg("fig2"))
    values = texts(svg)
    for short in "ifgo":
        for t, step in enumerate(dv.steps):
            for u, v in enumerate(step.get(short).value):
                shown = float(values[f"cell-{short}-{u}-{t}"].replace("\u2212", "-"))
                assert abs(shown - v) <= 0.005 + 1e-12
    ids = {g.get("id") for g in svg.iter(f"{SVG}g")}
    assert {f"fig2-heat-{s}" for s in "ifgo"} <= ids  # a heatmap per gate
    assert {"fig2-line-c-0", "fig2-line-h-1"} <= ids  # c_t and h_t per unit
    assert sum(1 for i in ids if i and re.match(r"fig2-axes_\d+$", i)) == 4 + 4 + 2  # + bars


def test_over_time_without_numbers_beyond_12_by_12():
    rng = np.random.default_rng(1)
    H = 13
    data = {"cell": "gru", "gates": {g: {"W": rng.uniform(-1, 1, (H, H)).tolist(),
                                         "U": rng.uniform(-1, 1, (H, 1)).tolist()}
                                     for g in ("reset", "update", "candidate")},
            "x": [[1], [2], [3]]}
    svg = ET.fromstring(pictures(derivation(data), None)[0].svg("t"))
    assert not [k for k in texts(svg) if k.startswith("cell-")]


# --- formats: SVG, PDF, bytes ---------------------------------------------------------------

def test_every_svg_parses_with_a_title_and_real_text():
    html = run(*SOLVED, "--format", "html").stdout  # every example, one page
    figures = svgs(html)
    solved = [derivation(p) for p in SOLVED]
    # the cell of each layer and direction, and each one's gates over time (2 steps or
    # more), and a backward pass's gradients over 2 steps or more
    assert len(figures) == sum(len(dv.problem.units) * (1 + (dv.problem.steps > 1)) +
                               (dv.backward is not None and dv.problem.steps > 1)
                               for dv in solved)
    for svg in figures:
        title = svg.find(f"{SVG}title")
        assert title is not None and len(title.text) > 40
        assert svg.find(f".//{SVG}image") is None
        numbers = [t.text for t in svg.iter(f"{SVG}text") if t.text and
                   re.fullmatch(r"[−-]?\d+(\.\d+)?", t.text)]
        assert numbers  # numbers are <text>, not outlines
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # several figures, one page: no id twice


def test_pdf_key_has_vector_fonts_no_image_no_overfull_box(tmp_path):
    require_program("pdflatex")
    pdffonts, pdfimages = require_program("pdffonts"), require_program("pdfimages")
    problems = (Q2, PROBLEMS / "gru_clipping.yaml")  # a cell; a cell, time, gradients
    source = run(*problems, "--format", "latex").stdout
    assert source.count(r"\begin{picture}") == 1 + 3
    (tmp_path / "key.tex").write_text(source)
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "key.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = (tmp_path / "key.log").read_text(errors="replace")
    assert done.returncode == 0, [line for line in log.splitlines() if line.startswith("!")]
    assert "Overfull" not in log
    run(*problems, "--format", "pdf", "-o", tmp_path / "out.pdf")  # the PDF the tool writes
    for pdf in ("key.pdf", "out.pdf"):
        fonts = subprocess.run([pdffonts, pdf], cwd=tmp_path, capture_output=True,
                               text=True).stdout
        assert "Type 1" in fonts and "Type 3" not in fonts
        images = subprocess.run([pdfimages, "-list", pdf], cwd=tmp_path,
                                capture_output=True, text=True).stdout.splitlines()
        assert len(images) == 2  # the header of an empty list
    text = subprocess.run(["pdftotext", "key.pdf", "-"], cwd=tmp_path, capture_output=True,
                          text=True).stdout
    assert "0.1473" in text and "1.8030" in text  # f₂ ⊙ c₁, typeset as text in the figure



def test_xelatex_draws_the_same_figures(tmp_path):
    """The figures' XeTeX path (\\special{pdf:content}; nbconvert's default engine):
    it compiles, and the figures' numbers are typeset as text. Skipped where xelatex is
    not installed (CI installs pdflatex only)."""
    import shutil

    if shutil.which("xelatex") is None:
        pytest.skip("xelatex is not installed (texlive-xetex)")
    source = run(Q2, PROBLEMS / "gru_clipping.yaml", "--format", "latex").stdout
    (tmp_path / "key.tex").write_text(source)
    done = subprocess.run(["xelatex", "-interaction=nonstopmode", "-halt-on-error", "key.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = (tmp_path / "key.log").read_text(errors="replace")
    assert done.returncode == 0, [line for line in log.splitlines() if line.startswith("!")]
    text = subprocess.run(["pdftotext", "key.pdf", "-"], cwd=tmp_path, capture_output=True,
                          text=True).stdout
    assert "0.1473" in text and "1.8030" in text  # f₂ ⊙ c₁ in Q2's cell figure
    assert "per unit" in text and "clip at 1" in text  # the time and gradient figures

BOTH = """
import sys
from lstm_solver.render.documents import render
from lstm_solver.problem import load_problem
from lstm_solver.solver import solve
solutions = [solve(load_problem(p)) for p in sys.argv[1:]]
for target in ("html", "latex"):
    sys.stdout.write(render(solutions, target, diagram="all"))
"""


def test_two_runs_give_the_same_bytes():
    def once(seed: str) -> bytes:
        env = {"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
        return subprocess.run([sys.executable, "-c", BOTH, str(Q2),
                               str(PROBLEMS / "gru_pytorch_reset_after.yaml")], cwd=ROOT,
                              env=env, capture_output=True, check=True, timeout=300).stdout

    first, second = once("1"), once("2")
    assert first == second
    assert first.count(b"<svg") == first.count(b"\\begin{picture}") == 1 + 2 + 1


def test_the_terminal_never_loads_matplotlib():
    code = ("import sys\nfrom lstm_solver.cli import main\n"
            "for args in ([{q2!r}], [{q2!r}, '--format', 'json'], "
            "[{seq!r}, '--format', 'markdown'], [{seq!r}, '--format', 'html', '--diagram', "
            "'none']):\n"
            "    try:\n        main(args)\n    except SystemExit as e:\n"
            "        assert e.code == 0, e.code\n"
            "print('matplotlib' in sys.modules)\n").format(
        q2=str(Q2), seq=str(PROBLEMS / "gru_pytorch_reset_after.yaml"))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("False")


def test_without_matplotlib_a_clear_message(tmp_path):
    code = ("import sys\nsys.modules['matplotlib'] = None\nfrom lstm_solver.cli import main\n"
            "main(sys.argv[1:])\n")
    done = subprocess.run([sys.executable, "-c", code, str(Q2), "--format", "html"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "the pictures need matplotlib" in done.stderr and "--diagram none" in done.stderr
    assert "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-c", code, str(Q2), "--format", "html",
                           "--diagram", "none"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "<html" in done.stdout


def _text_overlaps(fig) -> list[tuple[str, str]]:
    """Texts of a matplotlib figure whose boxes meet, as drawn (DejaVu: wider than LaTeX)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    undrawn = set()  # labels of ticks outside the axes' limits stay unseen
    for ax in fig.axes:
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            for tick in axis.get_major_ticks():
                if not min(lo, hi) - 1e-9 <= tick.get_loc() <= max(lo, hi) + 1e-9:
                    undrawn |= {id(tick.label1), id(tick.label2)}
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and id(t) not in undrawn]
    width, height = fig.get_size_inches() * fig.dpi
    out = [(s, "outside") for s, b in boxes
           if b.x0 < -0.5 or b.y0 < -0.5 or b.x1 > width + 0.5 or b.y1 > height + 0.5]
    for k, (s, a) in enumerate(boxes):
        for u, b in boxes[k + 1:]:
            if a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and \
                    b.y0 < a.y1 - 0.5:
                out.append((s, u))
    return out


@pytest.mark.parametrize("H,T", [(1, 2), (2, 2), (3, 5), (6, 6), (7, 3), (12, 12), (13, 4),
                                 (40, 50)])
def test_over_time_texts_never_meet(H, T):
    rng = np.random.default_rng(H * 100 + T)
    data = {"cell": "lstm", "gates": {g: {"W": rng.uniform(-1, 1, (H, H)).tolist(),
                                          "U": rng.uniform(-2, 2, (H, 1)).tolist()}
                                      for g in ("input", "forget", "candidate", "output")},
            "x": rng.uniform(-1, 1, (T, 1)).tolist(), "decimals": 3}
    dv = derivation(data)
    [picture] = pictures(dv, None)
    for tex in (False, True):
        fig = picture.make(tex)
        assert _text_overlaps(fig) == []
        width, height = fig.get_size_inches() * 72
        assert width <= 475 and height <= 560  # a page's width, most of its height


def test_heatmap_colours_darken_steadily_for_a_photocopy():
    from matplotlib import colormaps

    from lstm_solver.render.pictures.overtime import CMAP_RANGE, LEVELS

    rgb = colormaps["Blues"](np.linspace(*CMAP_RANGE, LEVELS))[:, :3]
    grey = rgb @ [0.299, 0.587, 0.114]  # as a photocopier sees it
    assert np.all(np.diff(grey) < 0)  # the larger the value, the darker
    assert grey.min() > 0.45  # black numbers stay readable on the darkest cell


# --- the gradient going back (the interface issue 11's backward pass fills) ---------------

def _norms(max_norm=1.0, norm=2.5):
    from lstm_solver.render.pictures.gradients import GradientNorms, NormSeries

    return GradientNorms([NormSeries([1, 2, 3, 4], [0.004, 0.03, 0.2, 0.9],
                                     [0.01, 0.0, 0.5, 1.2])], max_norm, norm, "h", "C")


def test_gradient_norms_on_a_log_scale_with_the_threshold():
    from lstm_solver.render.pictures.gradients import figure, story

    norms = _norms()
    assert story(norms) == ("‖∂L/∂h‖ shrinks from 0.9 at t = 4 to 0.004 at t = 1: the "
                            "gradient vanishes going back; the parameter gradients' norm 2.5 "
                            "is above the threshold 1: they are scaled by 0.4")
    for tex in (False, True):
        fig = figure(norms, tex)
        ax = fig.axes[0]
        assert ax.get_yscale() == "log"
        lines = {line.get_gid(): line for line in ax.get_lines()}
        assert list(lines["norm-h-0"].get_ydata()) == [0.004, 0.03, 0.2, 0.9]
        dc = lines["norm-c-0"].get_ydata()
        assert np.isnan(dc[1]) and list(dc[[0, 2, 3]]) == [0.01, 0.5, 1.2]  # 0: not drawn
        assert list(lines["line-clipping"].get_ydata()) == [1.0, 1.0]
        assert list(lines["line-norm"].get_ydata()) == [2.5, 2.5]
        lo, hi = ax.get_ylim()
        assert lo < 0.004 and hi > 2.5
        assert _text_overlaps(fig) == []
    svg = ET.fromstring(pictures_of_norms(norms).svg("g"))
    text = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    assert "‖∂L/∂Cₜ‖" in text and "clip at 1" in text and "‖∇θ L‖ = 2.5" in text


def pictures_of_norms(norms):
    from lstm_solver.render.pictures import _gradients

    return _gradients(norms)


def test_gradient_story_without_clipping_and_growing():
    from lstm_solver.render.pictures.gradients import GradientNorms, NormSeries, story

    grows = GradientNorms([NormSeries([1, 2, 3], [50.0, 7.0, 1.0], label="layer 2")], 5.0, 3.0)
    assert story(grows) == ("‖∂L/∂h‖ grows from 1 at t = 3 to 50 at t = 1 (layer 2): the "
                            "gradient explodes going back; the parameter gradients' norm 3 is "
                            "within the threshold 5: no clipping")


def test_the_gradient_figure_reads_the_backward_model():
    from types import SimpleNamespace as NS

    dv = derivation(PROBLEMS / "gru_pytorch_reset_after.yaml")
    # the shape of issue 11's model: backward.flow (Flow per step), max_norm, norm
    dv.backward = NS(flow=[NS(t=1, dh=0.2, dc=None, layer=1, direction="forward"),
                           NS(t=2, dh=0.5, dc=None, layer=1, direction="forward")],
                     max_norm=0.1, norm=NS(value=np.array([0.7])))
    kinds = [p.kind for p in pictures(dv, None)]
    assert kinds == ["time", "gradients"]
    picture = pictures(dv, None)[1]
    assert picture.caption.startswith("The gradient going back: ‖∂L/∂h‖ goes from 0.5 at t = 2")
    assert "scaled by 0.143" in picture.caption


@pytest.mark.parametrize("name", ["gomez_lstm_backprop", "gru_clipping"])
def test_the_backward_pass_draws_its_gradient_norms(name):
    from lstm_solver.render.pictures.gradients import norms_of

    dv = derivation(PROBLEMS / f"{name}.yaml")
    b = dv.backward
    picture = next(p for p in pictures(dv, None) if p.kind == "gradients")
    ax = picture.make(False).axes[0]
    lines = {line.get_gid(): line for line in ax.get_lines()}
    # the norms of each step's ∂L/∂h_t (and ∂L/∂c_t), computed here from the vectors
    steps = sorted(b.steps, key=lambda s: s.t)
    for short in ("h", "c"):
        vectors = [s.get("d" + short) for s in steps]
        if all(v is not None for v in vectors):
            expected = [np.linalg.norm(v.value) for v in vectors]
            np.testing.assert_allclose(lines[f"norm-{short}-0"].get_ydata(), expected)
            assert list(lines[f"norm-{short}-0"].get_xdata()) == [s.t for s in steps]
    norms = norms_of(dv)
    if b.max_norm is not None:  # gru_clipping: max_norm 1, ‖∇θ L‖ 1.0974: scaled
        assert list(lines["line-clipping"].get_ydata()) == [b.max_norm] * 2
        assert lines["line-norm"].get_ydata()[0] == pytest.approx(float(b.norm.value[0]))
        assert f"scaled by {b.max_norm / norms.norm:.3g}" in picture.caption
    else:  # Gomez: ‖∂L/∂h‖ 0.478 at t = 2, 0.018 at t = 1
        assert "line-clipping" not in lines
        assert "the gradient vanishes going back" in picture.caption
    html = run(PROBLEMS / f"{name}.yaml", "--format", "html").stdout
    assert html.index("How the gradient flows back") < html.index("The gradient going back")
    assert svgs(html)[-1].find(f"{SVG}title").text.startswith("The backward pass: ")


# --- issue 17's LSTM variants, drawn from their definitions ---------------------------------

def test_coupled_lstm_draws_i_as_one_minus_f():
    dv = derivation(PROBLEMS / "coupled_tensorflow_cifg.yaml")
    step = dv.steps[0]
    scene = cell_scene(dv, step)
    assert sum(isinstance(i, sc.Box) for i in scene.items) == 3  # no input gate's box
    assert _ops(scene).count("1{-}") == 1
    values = texts(diagram_svg(dv))
    f, i = step.get("f").value, step.get("i").value
    expect_close(drawn(values, "i"), 1 - f, dv.rounding.decimals)  # i = 1 − f, labelled iₜ
    expect_close(drawn(values, "i"), i, dv.rounding.decimals)
    expect_close(drawn(values, "op-i-times-g"), i * step.get("g").value, dv.rounding.decimals)
    assert "v-i-out-0" not in values  # i is not carried: it does not leave the cell


def test_projection_applies_w_hr_on_the_way_out():
    dv = derivation(PROBLEMS / "projection_pytorch_lstm.yaml")
    step = dv.steps[0]
    scene = cell_scene(dv, step)
    assert [i.s for i in scene.items if isinstance(i, sc.Text) and i.tex == "W_{hr}"] == [
        "W_hr"]
    values = texts(diagram_svg(dv))
    o, c = step.get("o").value, step.get("c").value
    expect_close(drawn(values, "op-o-times-tanh-c"), o * np.tanh(c), dv.rounding.decimals)
    expect_close(drawn(values, "h-out"), step.get("h").value, dv.rounding.decimals)
    assert len(drawn(values, "h-out")) == len(step.get("h").value) != len(c)  # h of size P


def test_peepholes_come_into_their_gates():
    dv = derivation(PROBLEMS / "peephole_lstm.yaml")
    scene = cell_scene(dv, dv.steps[0])
    stubs = {i.tex for i in scene.items if isinstance(i, sc.Text) and i.tex and
             r"\odot" in i.tex and i.ha == "right"}
    assert stubs == {r"w_{ci} \odot c_{0}", r"w_{cf} \odot c_{0}", r"w_{co} \odot c_{1}"}



HUGE = """cell: lstm
layout: concat
stack: [x, h]
gates:
  input: {W: [[-1e308, -1e308]], b: [-1e308]}
  forget: {W: [[-1e308, -1e308]], b: [-1e308]}
  candidate: {W: [[-1e308, -1e308]], b: [-1e308]}
  output: {W: [[-1e308, -1e308]], b: [-1e308]}
initial: {h: [-1e308], c: [1e308]}
x: [[-1e308], [1e308], [-1e308]]
"""


@pytest.mark.parametrize("fmt", ["latex", "html"])
def test_values_near_float64s_limit_are_drawn_as_gaps(tmp_path, fmt):
    """Found by the fuzzer: states of ±1e308 made the c/h axis span more than float64
    holds (matplotlib: "arange: cannot compute length"); such values are left out as
    gaps and the figures are still drawn."""
    from click.testing import CliRunner

    from lstm_solver.cli import main

    problem = tmp_path / "huge.yaml"
    problem.write_text(HUGE, encoding="utf-8")
    out = tmp_path / f"key.{'tex' if fmt == 'latex' else 'html'}"
    result = CliRunner().invoke(main, [str(problem), "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "per unit" in text  # the c and h over time figure is there
