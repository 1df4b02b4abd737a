"""The command line: parse options, call the library, turn errors into exit codes.

``lstm-solve FILE`` is short for ``lstm-solve solve FILE``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import click

from . import __version__
from .errors import ProblemError
from .extras import MissingDependency
from .files import OutputError, OutputExists
from .naming import CONVENTIONS, NAMES
from .render.documents.pdf import PdfError

EXIT_BAD_INPUT = 2


class DefaultGroup(click.Group):
    """A group whose first argument, when it is not a command, goes to ``solve``."""

    default = "solve"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h",
                                                                       "--version"):
            args = [self.default, *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lstm-solve")
def main() -> None:
    """Worked, step-by-step solutions of LSTM, GRU and RNN exam problems.

    \b
    lstm-solve problem.yaml                  the worked solution in the terminal
    lstm-solve problem.yaml --format json
    lstm-solve problems/ --format latex -o key.tex    one document, a section each
    lstm-solve problems/ --questions --format markdown -o sheet.md
    lstm-solve generate --cell gru --count 30 --seed 1 -o variants/
    lstm-solve generate --count 30 -o week3/ --sheets moodle    (or qti: Canvas)
    lstm-solve import lstm.pt --x '[[1, 0], [0, 1]]' -o problem.yaml
    """


FORMATS = ["terminal", "json", "latex", "markdown", "html", "pdf", "moodle", "qti", "pytorch"]
# The one table of output files: an extension -> the format -o FILE writes without --format.
# A format added later adds its extensions here.
EXTENSIONS = {".json": "json", ".tex": "latex", ".md": "markdown", ".markdown": "markdown",
              ".html": "html", ".htm": "html", ".pdf": "pdf", ".txt": "terminal",
              ".xml": "moodle", ".zip": "qti", ".py": "pytorch"}
SUFFIX = {fmt: ext for ext, fmt in reversed(EXTENSIONS.items())}  # a format's first extension
PLAIN_TEXT = {".txt"}  # any text format may go there with --format
BINARY = {"pdf", "qti"}  # formats that are not text (never into a .txt)
VALUES_ONLY = {"json", "pytorch"}  # no worked solution: not bound by MAX_SHOWN_STEPS
PLATFORMS = ("moodle", "qti")  # quizzes: the questions and their answers in one file
SHEET_NAMES = {"moodle": "moodle.xml", "qti": "qti.zip"}  # generate --sheets moodle|qti
PROGRESS_FROM = 5  # problems; a progress bar is shown when writing this many to a file
DIAGRAM_OPTION = click.option(
    "--diagram", type=click.Choice(["first", "all", "none"]), default="first",
    show_default=True, help="HTML, LaTeX and PDF keys: the cell drawn with its values after "
    "the first step (of each layer and direction) or after every step, and a sequence's "
    "gates over time; none: no pictures.")


def _printable(value: str | None) -> str | None:
    """An option's text that every output can print (no control characters)."""
    from .yamlsource import control_character

    bad = control_character(value) if value else None
    if bad:
        raise click.BadParameter(f"holds the control character {bad}: remove it")
    return value


def _write(target, data, force: bool) -> None:
    """Write an output file (atomically, never over one without --force) and say so."""
    from .files import write_atomic

    write_atomic(target, data, force)
    click.echo(f"wrote {target}", err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Output format [default: terminal, or what the -o file's extension says].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str),
              help="Write to this file (atomically) instead of standard output; its "
                   "extension (.pdf .tex .md .html .json .txt) gives the format.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.option("--questions", "sheet", flag_value="questions",
              help="Only the questions and their data: a student's sheet.")
@click.option("--key", "sheet", flag_value="key", default=True,
              help="The full worked solutions (the default).")
@click.option("--title", callback=lambda c, p, v: _printable(v),
              help="The document's title (several problems).")
@click.option("--set", "set_name", metavar="NAME", callback=lambda c, p, v: _printable(v),
              help="moodle, qti: the problems are variants of one question, NAME: one Moodle "
                   "category (a random question draws one), Canvas question groups.")
@click.option("--decimals", type=click.IntRange(0, 15), help="Digits shown (overrides the file).")
@click.option("--carry", type=click.Choice(["exact", "rounded"]),
              help="Carry intermediate values exactly, or rounded as by hand.")
@click.option("--round-half", type=click.Choice(["up", "even", "down", "truncate"]),
              help="How to round a 5 (down: toward 0); truncate cuts the digits off.")
@click.option("--full", is_flag=True, help="Show every row and column (no ⋮ elision).")
@click.option("--exact", is_flag=True, help="Also show exact values: fractions, σ(p/q), ...")
@DIAGRAM_OPTION
@click.option("--page-per-problem", is_flag=True,
              help="Start each problem on a new page (LaTeX, PDF, HTML, Markdown).")
def solve(files: tuple[str, ...], fmt: str, output: str | None, force: bool, sheet: str,
          title: str | None, set_name: str | None, decimals: int | None, carry: str | None,
          round_half: str | None, full: bool, exact: bool, diagram: str,
          page_per_problem: bool) -> None:
    """Print the worked solution of each problem in FILES (files or folders).

    Several problems make one document with a section each (and, in LaTeX,
    Markdown and HTML, a table of contents).
    """
    from .files import problem_files
    from .problem import CountProblem, load_problem

    overrides = {k: v for k, v in (("decimals", decimals), ("carry", carry),
                                   ("round_half", round_half)) if v is not None}

    def solve_one(path):
        problem = load_problem(path)  # a bad file stops here, before sympy is imported
        if fmt not in VALUES_ONLY and sheet != "questions":
            _shown(problem)
        if isinstance(problem, CountProblem):
            from .counting import count

            return count(problem)
        from .solver import solve as solve_problem

        if overrides:
            problem = replace(problem, rounding=replace(problem.rounding, **overrides))
        return solve_problem(problem, exact=exact and _exact_allowed(problem))

    def run():
        paths = problem_files(list(files))
        if output and len(paths) >= PROGRESS_FROM and sys.stderr.isatty():
            from rich.progress import track

            return [solve_one(p) for p in track(paths, description="Solving",
                                                  console=_stderr(), transient=True)]
        return [solve_one(p) for p in paths]

    if fmt in PLATFORMS and sheet == "questions":
        raise click.UsageError(f"--format {fmt} writes a quiz: its questions and their answers "
                               "together (leave out --questions)")
    if fmt == "pytorch" and sheet == "questions":
        raise click.UsageError("--format pytorch writes a script that prints the key's values "
                               "(leave out --questions)")
    if set_name is not None and fmt not in PLATFORMS:
        raise click.UsageError("--set names a set of variants in a quiz: use it with "
                               "--format moodle or qti")

    def show():
        nonlocal fmt
        fmt = output_format(fmt, output)
        if output and os.path.exists(output) and not force:
            raise OutputExists(output)
        solutions = run()
        questions = sheet == "questions"
        if fmt == "terminal" and not output:
            from rich.console import Console

            from .render.terminal import render

            # NO_COLOR: no escape codes at all (rich alone would keep bold and italics)
            plain = bool(os.environ.get("NO_COLOR"))
            console = Console(color_system=None if plain else "auto")
            for solution in solutions:
                render(solution, console, full=full, questions=questions)
            return
        data = _render(solutions, fmt, full, questions, title or "", set_name,
                       page_per_problem, diagram)
        target = output or (None if fmt not in BINARY else Path(files[0]).stem + SUFFIX[fmt])
        if target is None:
            click.echo(data, nl=False)
            return
        _write(target, data, force)

    _guarded(show)


@main.command()
@click.option("-o", "--output", "folder", required=True,
              type=click.Path(file_okay=False, path_type=str),
              help="The folder to write the variants (and sheets) to.")
@click.option("--count", type=click.IntRange(1, 100_000),
              help="How many variants.  [default: 10, or one per student]")
@click.option("--seed", type=int, default=0, show_default=True,
              help="The same seed gives the same variants.")
@click.option("--cell", type=click.Choice(["lstm", "gru", "rnn"]), default="lstm",
              show_default=True)
@click.option("--hidden", "-H", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Hidden size H.")
@click.option("--input", "-X", "inputs", type=click.IntRange(1, 64), default=2,
              show_default=True, help="Input size X.")
@click.option("--steps", type=click.IntRange(1, 50), default=1, show_default=True)
@click.option("--layout", type=click.Choice(["split", "concat"]), default="split",
              show_default=True)
@click.option("--orientation", type=click.Choice(["column", "row"]), default="column",
              show_default=True)
@click.option("--convention", type=click.Choice(CONVENTIONS), default="W_h",
              show_default=True,
              help="Split layout: W multiplies h_{t-1} (W_h, the course notes) or x_t (W_x, "
                   "Wikipedia); written as the file's convention: key.")
@click.option("--names", "naming", type=click.Choice(NAMES),
              default="W/U", show_default=True,
              help="Split layout: the parameters' names (W_ih/W_hh: PyTorch's, with b_ih).")
@click.option("--numbers", type=click.Choice(["integers", "decimal"]), default="integers",
              show_default=True, help="Small whole numbers, or one decimal place.")
@click.option("--ask", default="", help="The quantities asked, e.g. c,h (default: all); "
              "gradients too (dh, dc, d_pre, d_values, grad, loss, norm, scale, updated), "
              "which add a loss with random targets (scale: clipping, updated: a learning "
              "rate).")
@click.option("--output-size", type=click.IntRange(0, 64), default=0,
              help="Add a softmax output layer with this many classes.")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE",
              help="A cell option, e.g. reset=after or activation=relu.")
@click.option("--saturated", is_flag=True,
              help="Allow pre-activations beyond ±3 (gates of almost exactly 0 or 1).")
@click.option("--zero-initial", is_flag=True,
              help="Start from h₀ = 0 (and c₀ = 0); by default the initial state is not zero.")
@click.option("--sheets", type=click.Choice(["markdown", "latex", "html", "pdf", *PLATFORMS]),
              help="Also write the question sheet and the answer key for the whole set; "
                   "moodle, qti: the set as a quiz (moodle.xml, qti.zip), named after the "
                   "folder.")
@click.option("--students", type=click.Path(dir_okay=False, path_type=str),
              help="A file of student names, one a line: one variant each, its name on its "
                   "sheet, and roster.csv (student, problem file) for 'check --roster'.")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@DIAGRAM_OPTION
def generate(folder: str, count: int | None, seed: int, cell: str, hidden: int, inputs: int,
             steps: int, layout: str, orientation: str, convention: str, naming: str,
             numbers: str, ask: str,
             output_size: int, options: tuple[str, ...], saturated: bool, zero_initial: bool,
             sheets: str | None, students: str | None, force: bool, diagram: str) -> None:
    """Write COUNT randomized variants of one question, for a class."""
    from .generate import GenerateError, Spec
    from .generate import generate as make

    if layout == "concat" and (convention, naming) != ("W_h", "W/U"):
        raise click.BadParameter("applies to layout: split (concat has one W)",
                                 param_hint="--convention" if convention != "W_h" else "--names")
    if naming != "W/U" and convention != "W_h":
        raise click.BadParameter(f"{naming} names say what each matrix multiplies already; "
                                 "--convention applies to W/U names", param_hint="--convention")
    bad = [o for o in options if "=" not in o]
    if bad:  # a usage error (exit 2), before any work
        raise click.BadParameter(f"expected KEY=VALUE, got {bad[0]!r}", param_hint="--option")

    def run():
        names = None
        if students:
            from .classroom import read_students

            names = read_students(students)
            if count is not None and count != len(names):
                raise ProblemError(f"--count {count} but {len(names)} students: one variant "
                                   "each (leave --count out)", file=students)
        total = len(names) if names else count or 10
        chosen = dict(o.split("=", 1) for o in options)
        spec = Spec(cell=cell, hidden=hidden, inputs=inputs, steps=steps, layout=layout,
                    orientation=orientation, numbers=numbers, saturated=saturated,
                    convention=convention, names=naming,
                    ask=tuple(a.strip() for a in ask.split(",") if a.strip()),
                    output=output_size, options=chosen, zero_initial=zero_initial)
        out = Path(folder)
        files = [out / f"variant-{k:03d}.yaml" for k in range(1, total + 1)]
        roster = [out / "roster.csv"] if names else []
        sheet_files = []
        if sheets in PLATFORMS:
            sheet_files = [out / SHEET_NAMES[sheets]]
        elif sheets:
            suffix = SUFFIX[sheets]
            sheet_files = [out / f"questions{suffix}", out / f"key{suffix}"]
        if not force:
            existing = [str(p) for p in files + roster + sheet_files if p.exists()]
            if existing:
                raise OutputExists(existing[0])
        try:
            texts = make(spec, total, seed, students=names)
        except GenerateError as exc:
            raise ProblemError(str(exc), file="generate") from None
        from .files import make_folder, write_atomic
        from .problem import parse_problem
        from .solver import solve as solve_problem

        make_folder(out)
        for path, text in zip(files, texts):
            write_atomic(path, text, force)
        click.echo(f"wrote {total} variants to {out}", err=True)
        if names:
            from .classroom import roster_text

            _write(roster[0], roster_text(names, [p.name for p in files]), force)
        if sheets:
            solutions = [solve_problem(parse_problem(t, str(p))) for p, t in zip(files, texts)]
        if sheets in PLATFORMS:
            data = _render(solutions, sheets, False, False, "", out.resolve().name)
            _write(sheet_files[0], data, force)
        elif sheets:  # a problem to a page; two PDFs compiled at once
            for path, data in zip(sheet_files, _sheets(solutions, sheets, diagram)):
                _write(path, data, force)

    _guarded(run)


@main.command()
@click.argument("problem_file", metavar="PROBLEM", type=click.Path(path_type=str))
@click.argument("answer_files", metavar="ANSWERS...", nargs=-1, required=True,
                type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal",
              show_default=True)
@click.option("--decimals", type=click.IntRange(0, 15),
              help="The precision answers are judged at (default: the problem's decimals).")
@click.option("--tolerance", type=click.FloatRange(0, min_open=False),
              help="An absolute tolerance instead of one unit in the last decimal asked.")
@click.option("--partial", "partial", multiple=True, metavar="VERDICT=SHARE",
              help="Part marks, e.g. imprecise=0.5 or follows=0.5 (repeat, or separate by "
                   "commas).")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=str),
              help="A CSV of student, problem file: each submission is marked against its "
                   "student's variant (PROBLEM is then the folder of variants).")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=str),
              help="Write the marks (a row per student) to this CSV file.")
@click.option("--force", is_flag=True, help="Overwrite the CSV file if it exists.")
def check(problem_file: str, answer_files: tuple[str, ...], fmt: str, decimals: int | None,
          tolerance: float | None, partial: tuple[str, ...], roster: str | None,
          csv_file: str | None, force: bool) -> None:
    """Check a student's answers to PROBLEM, step by step; or a class's (several ANSWERS
    files, or a folder): the marks, which step went wrong, and which slip explains it.

    PROBLEM may be a folder of variants: each answer file is then marked against
    its student's variant (--roster, a 'problem:' key, or the variant's 'student:').

    Exit code: 0 when every asked number is correct (or follows from the
    student's own earlier numbers), 1 for anything else about the answers (a
    wrong, imprecise or missing number, an answer file that cannot be read),
    2 for a bad problem file, roster or command line.
    """
    shares = _partial(partial)  # a bad one is a usage error (exit 2), before any work

    def run():
        from .check import Marking
        from .classroom import mark_class
        from .files import problem_files

        marking = Marking(decimals, tolerance, shares)
        if csv_file and os.path.exists(csv_file) and not force:
            raise OutputExists(csv_file)
        for path in answer_files:
            if not os.path.exists(path):
                raise ProblemError("no such file or folder", file=path)
        folder = Path(problem_file) if Path(problem_file).is_dir() else None
        problems = problem_files([problem_file])
        whole_class = any(Path(a).is_dir() for a in answer_files)
        summary = mark_class(problems, problem_files(list(answer_files)), roster, marking,
                             folder, whole_class)
        if fmt == "json":
            from .classroom import summary_dict
            from .render.json import dumps  # valid JSON: never a bare NaN or Infinity

            click.echo(dumps(summary_dict(summary), indent=2, ensure_ascii=False))
        elif len(summary.reports) == 0 and len(summary.failures) == 1:
            click.echo(f"error: {summary.failures[0].error}", err=True)
        else:
            from rich.console import Console

            from .render.checking import render

            plain = bool(os.environ.get("NO_COLOR"))
            render(summary, Console(color_system=None if plain else "auto"))
        if csv_file:
            from .classroom import csv_text

            _write(csv_file, csv_text(summary), force)
        return summary.all_correct

    sys.exit(0 if _guarded(run) else 1)


@main.command("import")
@click.argument("weights", type=click.Path(path_type=str))
@click.option("--x", "x", required=True, metavar="VALUES",
              help="The inputs, as in a problem file: '[1, 0, 2]' (one step) or "
                   "'[[1, 0, 2], [0, 1, -1]]' (a step a row).")
@click.option("--cell", type=click.Choice(["lstm", "gru", "rnn"]),
              help="Checked against the weights (found from their shapes if left out).")
@click.option("--h0", metavar="VALUES", help="The initial h (a stack: one vector per layer "
              "and direction, as PyTorch orders them). Default: zeros.")
@click.option("--c0", metavar="VALUES", help="An LSTM's initial c. Default: zeros.")
@click.option("--prefix", help="The network's name in a bigger model's state_dict "
              "(lstm for lstm.weight_ih_l0).")
@click.option("--layer", "layers", multiple=True, metavar="NAME",
              help="Keras: the recurrent layers to read, bottom first (repeat the option).")
@click.option("--activation", type=click.Choice(["tanh", "sigmoid", "relu"]),
              help="A plain RNN's nonlinearity (weights do not store it; default tanh).")
@click.option("--reset", type=click.Choice(["after", "before"]),
              help="A Keras GRU without bias: reset_after (default after, as Keras).")
@click.option("--output-layer", metavar="NAME",
              help="The linear (Dense) layer on top: fc for fc.weight and fc.bias.")
@click.option("--output-activation", default="softmax", show_default=True,
              type=click.Choice(["softmax", "sigmoid", "tanh", "identity"]))
@click.option("--title", callback=lambda c, p, v: _printable(v), help="The problem's title.")
@click.option("--decimals", type=click.IntRange(0, 15), help="Digits shown.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str),
              help="Write the problem file here (default: standard output).")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def import_weights(weights: str, x: str, cell: str | None, h0: str | None, c0: str | None,
                   prefix: str | None, layers: tuple[str, ...], activation: str | None,
                   reset: str | None, output_layer: str | None, output_activation: str,
                   title: str | None, decimals: int | None, output: str | None,
                   force: bool) -> None:
    """Write a problem file from trained weights: a PyTorch state_dict (.pt, read with
    weights_only=True), numpy arrays (.npz) or Keras weights (.weights.h5).

    \b
    lstm-solve import lstm.pt --x '[[1, 0], [0, 1]]' -o problem.yaml
    lstm-solve import model.weights.h5 --x '[0.5, -1]' --output-layer dense -o q.yaml
    """
    def run():
        from .weights.files import comment, import_problem
        from .yamlsource import read_text

        if output and os.path.exists(output) and not force:
            raise OutputExists(output)

        def value(text: str | None, option: str):
            return None if text is None else read_text(text, option).data

        keys = {k: v for k, v in (("title", title), ("decimals", decimals)) if v is not None}
        problem = import_problem(weights, value(x, "--x"), cell=cell, h0=value(h0, "--h0"),
                                 c0=value(c0, "--c0"), prefix=prefix, layers=layers,
                                 activation=activation, reset=reset, output_layer=output_layer,
                                 output_activation=output_activation, **keys)
        text = problem.to_yaml(comment(problem, weights))
        if not output:
            click.echo(text, nl=False)
            return
        _write(output, text, force)

    _guarded(run)


@main.command()
@click.option("--path", "show_path", is_flag=True, help="Print where the schema file is.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str),
              help="Write the schema to this file (default: standard output).")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def schema(show_path: bool, output: str | None, force: bool) -> None:
    """The JSON Schema of the problem file, for editors (completion and checking).

    \b
    lstm-solve schema -o problem.schema.json
    then, at the top of a problem file:
    # yaml-language-server: $schema=./problem.schema.json
    """
    from .schema import PATH, text

    def run():
        if show_path:
            click.echo(str(PATH))
        elif output:
            _write(output, text(), force)
        else:
            click.echo(text(), nl=False)

    _guarded(run)


def output_format(fmt: str | None, output: str | None) -> str:
    """The format to write: --format, else what the output file's extension says (the
    EXTENSIONS table), else terminal. An extension that contradicts --format, or that
    no format writes, is refused: a PDF of terminal text helps nobody."""
    if not output:
        return fmt or "terminal"
    ext = Path(output).suffix.lower()
    implied = EXTENSIONS.get(ext)
    if fmt is None:
        if implied is None:
            known = " ".join(sorted(EXTENSIONS))
            what = f"the extension {ext!r}" if ext else "a file name without an extension"
            raise click.UsageError(f"cannot tell the format of {output!r} from {what}: use "
                                   f"one of {known}, or give --format")
        return implied
    if implied is not None and implied != fmt and not (ext in PLAIN_TEXT and fmt not in BINARY):
        raise click.UsageError(f"--format {fmt} contradicts the extension of {output!r} "
                               f"({ext} is {implied}): change one of them")
    return fmt


def _exact_allowed(problem) -> bool:
    """--exact for problems small enough (exact sums of long rows take seconds each)."""
    from .limits import EXACT_MAX_WORK, work

    size = work(problem.units, problem.steps)
    if size <= EXACT_MAX_WORK:
        return True
    click.echo(f"note: {problem.file}: no exact values: the problem takes {size:,} "
               f"multiply-adds, and --exact keeps them up to {EXACT_MAX_WORK:,}", err=True)
    return False


def _shown(p) -> None:
    """A worked solution is printed only up to MAX_SHOWN_STEPS (its length in print);
    the values of longer sequences are in --format json."""
    from .limits import MAX_SHOWN_STEPS

    if not hasattr(p, "units"):  # a parameter count
        return
    rows = len(p.batch) if getattr(p, "batch", None) else 1
    if p.steps * len(p.units) * rows > MAX_SHOWN_STEPS:
        where = ("" if len(p.units) == 1 else f" × {len(p.units)} layers and directions") + (
            f" × {rows} batch rows" if rows > 1 else "")
        raise ProblemError(f"{p.steps:,} steps{where} make a worked solution too long to "
                           f"print (at most {MAX_SHOWN_STEPS} steps × layers × directions × "
                           "batch rows); --format json gives every value",
                           file=p.file, key="batch" if rows > 1 else "tokens" if p.tokens
                           else "x")


def _partial(options: tuple[str, ...]) -> dict:
    """``imprecise=0.5,follows=1`` -> {verdict: share}; a bad one is a usage error."""
    from fractions import Fraction

    from .check import VERDICTS

    out = {}
    for option in options:
        for part in filter(None, (p.strip() for p in option.split(","))):
            verdict, _, share = part.partition("=")
            verdict = verdict.strip()
            if verdict not in VERDICTS or verdict == "correct":
                raise click.BadParameter(f"{verdict!r} is not a verdict that can earn part "
                                         "marks (follows, imprecise, wrong, missing)",
                                         param_hint="--partial")
            try:
                value = Fraction(share.strip())
            except (ValueError, ZeroDivisionError):
                value = None
            if value is None or not 0 <= value <= 1:
                raise click.BadParameter(f"expected {verdict}=SHARE with a share from 0 to 1 "
                                         f"(such as 0.5), found {part!r}",
                                         param_hint="--partial")
            out[verdict] = value
    return out


def _render(solutions, fmt: str, full: bool, questions: bool, title: str,
            set_name: str | None = None, page_per_problem: bool = False,
            diagram: str = "first") -> str | bytes:
    if fmt in PLATFORMS:
        from .render.platforms import render as quiz

        return quiz(solutions, fmt, set_name, title, full)
    if fmt == "json":
        from .render.json import render_many

        return render_many(solutions) + "\n"
    if fmt == "pytorch":  # a script that checks the key with PyTorch
        from .render.programs.pytorch import render as program

        return program(solutions)
    if fmt == "terminal":  # to a file: plain text, 80 columns
        import io

        from rich.console import Console

        from .render.terminal import render

        buffer = io.StringIO()
        console = Console(file=buffer, width=80, color_system=None)
        for solution in solutions:
            render(solution, console, full=full, questions=questions)
        return buffer.getvalue()
    from .render.documents import render

    document = render(solutions, "latex" if fmt == "pdf" else fmt, full, questions, title,
                      page_per_problem, diagram)
    if fmt != "pdf":
        return document
    from .render.documents.pdf import compile_latex

    return compile_latex(document)


def _sheets(solutions, fmt: str, diagram: str = "first") -> list[str | bytes]:
    """A class's question sheets and key, a problem to a page (PDFs compiled at once)."""
    from .render.documents import render

    target = "latex" if fmt == "pdf" else fmt
    documents = [render(solutions, target, False, questions, "", True, diagram)
                 for questions in (True, False)]
    if fmt != "pdf":
        return documents
    from .render.documents.pdf import compile_many

    return compile_many(documents)


def _stderr():
    from rich.console import Console

    return Console(stderr=True)


def _guarded(run):
    """Bad input -> one message and exit 2; a bug -> a short message and exit 1."""
    try:
        return run()
    except ProblemError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except OutputExists as exc:
        click.echo(f"error: {exc} exists; use --force to overwrite it", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except OutputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except PdfError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except MissingDependency as exc:  # an optional library; the message names the extra
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except (KeyboardInterrupt, SystemExit, click.ClickException):
        raise  # click prints its own usage errors (exit 2)
    except BrokenPipeError:  # `lstm-solve q.yaml | head`: the reader has stopped reading
        try:  # so that Python's flush at exit is silent too
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        sys.exit(141)  # as a shell reports a process ended by SIGPIPE (128 + 13)
    except Exception as exc:
        if os.environ.get("LSTM_SOLVE_DEBUG"):
            raise
        click.echo(f"internal error ({type(exc).__name__}: {exc}). This is a bug in "
                   "lstm-solve; run again with LSTM_SOLVE_DEBUG=1 for details.", err=True)
        sys.exit(1)
