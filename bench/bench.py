"""Benchmarks: cold start against the import floor, and solve-and-render time as H grows.

    python bench/bench.py [--runs N]

    python bench/bench.py --only pdf     # the PDF timings alone

Reported, not asserted. Goals: cold start within 1.3× of the time to import
numpy, sympy, rich.console, click and yaml; H = 128 with 20 steps solved and
rendered (elided) in under 2 s, the whole command included; 1,000 generated
variants rendered to Markdown and to LaTeX in under 20 s each; a class set of 30
variants with question sheets and key as PDF in under 20 s, and problems/ as one PDF
in under 10 s (wall time, on an idle machine: the CPU time and the load are reported
beside it).

    python bench/bench.py --only large --before /tmp/old   # compare with a checkout
"""

from __future__ import annotations

import argparse
import io
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "problems" / "seed001_q2_given_gates.yaml"
FLOOR = [sys.executable, "-c", "import numpy, sympy, rich.console, click, yaml"]


def _tool() -> list[str]:
    """The installed command beside this Python, else on PATH, else ``python -m``."""
    beside = Path(sys.executable).with_name("lstm-solve")
    exe = str(beside) if beside.exists() else shutil.which("lstm-solve")
    return [exe] if exe else [sys.executable, "-m", "lstm_solver"]


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def cold_start(runs: int) -> None:
    tool = _tool() + [str(EXAMPLE)]
    json = tool + ["--format", "json"]
    _time(FLOOR), _time(tool)  # warm the file cache
    floor, term, js = [], [], []
    for _ in range(runs):  # alternate, so that drift hits all alike
        floor.append(_time(FLOOR))
        term.append(_time(tool))
        js.append(_time(json))
    f = statistics.median(floor)
    print(f"cold start (median of {runs} alternating runs)")
    print(f"  import floor (numpy, sympy, rich.console, click, yaml): {f * 1000:7.1f} ms")
    for name, times in (("lstm-solve EXAMPLE", term), ("lstm-solve EXAMPLE --format json", js)):
        m = statistics.median(times)
        print(f"  {name:<36}{m * 1000:7.1f} ms   ratio {m / f:.2f} (goal ≤ 1.30)")


def problem_text(H: int, X: int, steps: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    gates = {g: {"W": np.round(rng.uniform(-1, 1, (H, H)), 3).tolist(),
                 "U": np.round(rng.uniform(-1, 1, (H, X)), 3).tolist(),
                 "b": np.round(rng.uniform(-1, 1, H), 3).tolist()}
             for g in ("input", "forget", "candidate", "output")}
    xs = np.round(rng.uniform(-1, 1, (steps, X)), 3).tolist()
    return yaml.safe_dump({"cell": "lstm", "gates": gates, "x": xs if steps > 1 else xs[0]})


def _run(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one run, CPU from wait4 (user + system)."""
    import os

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def whole_command(H: int, steps: int, runs: int, before: Path | None) -> None:
    """The command as a user runs it on a large problem (terminal, elided): start-up
    included; the file written with bracketed rows (as users and `generate` write) and
    one number a line (PyYAML's block style). ``before``: an older checkout, for
    comparison (e.g. `git archive <commit> | tar -x -C DIR`)."""
    import os
    import tempfile

    data = yaml.safe_load(problem_text(H, H, steps))
    print(f"\nlstm-solve FILE (terminal, elided; start-up included), H = X = {H}, "
          f"{steps} steps; median of {runs} (wall and CPU seconds)")
    for style, flow in (("rows in brackets", None), ("one number a line", False)):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(yaml.safe_dump(data, default_flow_style=flow, width=10**6))
        size = Path(f.name).stat().st_size / 1e6
        versions = [("this tree", [sys.executable, "-m", "lstm_solver", f.name], None)]
        if before:
            env = {**os.environ, "PYTHONPATH": str(before)}
            versions.append((str(before), [sys.executable, "-m", "lstm_solver", f.name], env))
        times: dict[str, list] = {name: [] for name, _, _ in versions}
        _run(versions[0][1], versions[0][2])  # the file and the modules in the page cache
        for _ in range(runs):  # alternating, so that the machine's load hits all alike
            for name, cmd, env in versions:
                times[name].append(_run(cmd, env))
        for name, _, _ in versions:
            wall = statistics.median(t[0] for t in times[name])
            cpu = statistics.median(t[1] for t in times[name])
            print(f"  {style:<18} {size:4.1f} MB  {name:<24} wall {wall:5.2f} s   "
                  f"CPU {cpu:5.2f} s   (goal < 2 s)")
        Path(f.name).unlink()


def reading(H: int, steps: int) -> None:
    """Reading the YAML alone (in process, CPU, best of 3): bulk reading of numbers against
    the parser reading them one by one."""
    from lstm_solver.problem import parse_problem
    from lstm_solver.yamlsource import read_text

    data = yaml.safe_load(problem_text(H, H, steps))
    print(f"\nreading the file (H = X = {H}, {steps} steps; CPU seconds, best of 3)")
    for style, flow in (("rows in brackets", None), ("one number a line", False)):
        text = yaml.safe_dump(data, default_flow_style=flow, width=10**6)
        n = len(re.findall(r"-?\d+\.\d+", text))
        row = []
        for label, call, extra in (("YAML, bulk", read_text, {}),
                                   ("YAML, one by one", read_text, {"bulk": False}),
                                   ("YAML + checks", parse_problem, {})):
            best = float("inf")
            for _ in range(3):
                start = time.process_time()
                call(text, **extra)
                best = min(best, time.process_time() - start)
            row.append(f"{label} {best:.3f} s ({best / n * 1e6:.1f} µs a number)")
        print(f"  {style:<18} " + "; ".join(row))


def solve_and_render(runs: int) -> None:
    from rich.console import Console

    from lstm_solver.problem import parse_problem
    from lstm_solver.render.json import render as render_json
    from lstm_solver.render.terminal import render
    from lstm_solver.solver import solve

    print("\nsolve and render (in process, elided, best of "
          f"{runs}; X = H; parse + solve + terminal render)")
    print(f"  {'H':>4} {'steps':>5} {'terminal':>10} {'json':>10}")
    for H in (2, 8, 32, 128):
        for steps in (1, 20):
            text = problem_text(H, H, steps)
            best_t = best_j = float("inf")
            for _ in range(runs):
                start = time.perf_counter()
                derivation = solve(parse_problem(text))
                render(derivation, Console(file=io.StringIO(), width=80))
                best_t = min(best_t, time.perf_counter() - start)
                start = time.perf_counter()
                render_json(solve(parse_problem(text)))
                best_j = min(best_j, time.perf_counter() - start)
            goal = "   (goal < 2 s)" if (H, steps) == (128, 20) else ""
            print(f"  {H:>4} {steps:>5} {best_t:>9.3f}s {best_j:>9.3f}s{goal}")


def _variants(n: int) -> list[str]:
    """``n`` generated variants with H = 2–4 and 1–3 steps (cells and layouts mixed)."""
    from lstm_solver.generate import Spec, generate

    texts = []
    cells = ("lstm", "gru", "rnn")
    for k in range(n):
        spec = Spec(cell=cells[k % 3], hidden=2 + k % 3, inputs=2 + (k // 3) % 3,
                    steps=1 + (k // 9) % 3, layout=("split", "concat")[(k // 27) % 2],
                    numbers=("integers", "decimal")[(k // 54) % 2])
        texts += generate(spec, 1, seed=k)
    return texts


def _render_chunk(args: tuple[list[str], str]) -> int:
    from lstm_solver.problem import parse_problem
    from lstm_solver.render.documents import render
    from lstm_solver.solver import solve

    texts, target = args
    solutions = [solve(parse_problem(t)) for t in texts]
    return len(render(solutions, target))


def variants(n: int) -> None:
    """Parse, solve and render ``n`` variants into one document, on one and on two cores."""
    from multiprocessing import Pool

    start = time.perf_counter()
    texts = _variants(n)
    print(f"\n{n} generated variants (H = 2–4, 1–3 steps): generated in "
          f"{time.perf_counter() - start:.1f} s")
    for target in ("markdown", "latex"):
        start = time.perf_counter()
        _render_chunk((texts, target))
        one = time.perf_counter() - start
        half = len(texts) // 2
        start = time.perf_counter()
        with Pool(2) as pool:
            pool.map(_render_chunk, [(texts[:half], target), (texts[half:], target)])
        two = time.perf_counter() - start
        print(f"  rendered to {target:<8}: {one:5.1f} s on one core, {two:5.1f} s on two "
              "(goal < 20 s)")


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall time and the CPU time of the command and its children (pdflatex)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _pages(pdf: Path) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages")),
                "?")


def pdf_speed() -> None:
    """The commands a teacher runs: a class set as PDF, and problems/ as one PDF; then the
    cause of the old slowness, the same key compiled with MaxMatrixCols at 200."""
    import tempfile

    if not shutil.which("pdflatex"):
        print("\nPDF: pdflatex is not installed; skipped")
        return
    print(f"\nPDF (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "class"
        wall, cpu = _timed(_tool() + ["generate", "-o", str(out), "--count", "30", "--seed", "1",
                                      "--sheets", "pdf"])
        print(f"  class set, 30 variants, questions.pdf ({_pages(out / 'questions.pdf')} pages) "
              f"and key.pdf ({_pages(out / 'key.pdf')} pages): {wall:5.1f} s wall, "
              f"{cpu:5.1f} s CPU (goal < 20 s)")
        pdf = Path(tmp) / "all.pdf"
        wall, cpu = _timed(_tool() + [str(ROOT / "problems"), "--format", "pdf", "-o", str(pdf)])
        print(f"  problems/ as one PDF ({_pages(pdf)} pages): {wall:5.1f} s wall, "
              f"{cpu:5.1f} s CPU (goal < 10 s)")
        # the old cause of slowness, on one problem (over problems/ it took 362 s of CPU
        # against 1.9 s, at a load of 7 on 2 cores)
        tex = Path(tmp) / "q2.tex"
        subprocess.run(_tool() + [str(EXAMPLE), "--format", "latex", "-o", str(tex)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        source = tex.read_text()
        for cols in ("as needed", "200"):
            text = source if cols == "as needed" else source.replace(
                r"\begin{document}", r"\setcounter{MaxMatrixCols}{200}\begin{document}", 1)
            (Path(tmp) / "one.tex").write_text(text)
            wall, cpu = _timed(["pdflatex", "-interaction=nonstopmode",
                                "-output-directory", tmp, str(Path(tmp) / "one.tex")])
            print(f"  one pdflatex pass over {EXAMPLE.name} ({_pages(Path(tmp) / 'one.pdf')} "
                  f"pages), MaxMatrixCols {cols:>9}: {wall:5.1f} s wall, {cpu:5.1f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--before", type=Path,
                        help="an older checkout to compare the 128×128 command with")
    parser.add_argument("--only", choices=["start", "render", "large", "variants", "pdf"],
                        help="Run only this part.")
    args = parser.parse_args()
    if args.only in (None, "start"):
        cold_start(args.runs)
    if args.only in (None, "render"):
        solve_and_render(max(1, args.runs // 3))
    if args.only in (None, "large"):
        reading(128, 20)
        whole_command(128, 20, max(5, args.runs // 2), args.before)
    if args.only in (None, "variants"):
        variants(args.variants)
    if args.only in (None, "pdf"):
        pdf_speed()


if __name__ == "__main__":
    main()
