"""Benchmarks of the pictures: the 30-variant class set with and without diagrams, the
time to draw each kind of figure, and the start-up of the terminal path.

    python bench/pictures.py [--runs N] [--count 30]

Reported, not asserted. Goals: the class set (``lstm-solve generate --count 30
--sheets pdf``, question sheet and key, diagrams included) under 20 s; start-up
within 1.3× of the import floor (matplotlib is never imported on that path).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def class_set(count: int, runs: int) -> None:
    from bench import _tool

    print(f"class set: lstm-solve generate --count {count} --sheets pdf (median of {runs})")
    for diagram in ("first", "none"):
        times = []
        for _ in range(runs):
            folder = Path(tempfile.mkdtemp(prefix="issue-15-bench-"))
            start = time.perf_counter()
            subprocess.run(_tool() + ["generate", "-o", str(folder / "class"), "--count",
                                      str(count), "--sheets", "pdf", "--diagram", diagram],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
            shutil.rmtree(folder)
        print(f"  --diagram {diagram:<6} {statistics.median(times):6.1f} s"
              + ("   (goal < 20 s)" if diagram == "first" else ""))


def figures(runs: int) -> None:
    from lstm_solver.problem import load_problem
    from lstm_solver.render.pictures import pictures
    from lstm_solver.solver import solve

    print(f"\none figure, drawn and written (in process, best of {runs})")
    cases = [("LSTM cell", "seed001_q2_given_gates.yaml", "cell"),
             ("GRU cell (reset after)", "gru_pytorch_reset_after.yaml", "cell"),
             ("GRU over 3 steps", "gru_bidirectional.yaml", "time")]
    start = time.perf_counter()
    dv = solve(load_problem(ROOT / "problems" / cases[0][1]))
    pictures(dv, dv.steps[0])[0].svg("warm")
    print(f"  first figure of a process (imports matplotlib): "
          f"{time.perf_counter() - start:.2f} s")
    for label, name, kind in cases:
        dv = solve(load_problem(ROOT / "problems" / name))
        picture = next(p for p in (pictures(dv, dv.steps[0]) + pictures(dv, None))
                       if p.kind == kind)
        for target in ("svg", "latex"):
            best = float("inf")
            for _ in range(runs):
                start = time.perf_counter()
                picture.svg("b") if target == "svg" else picture.latex()
                best = min(best, time.perf_counter() - start)
            print(f"  {label:<24} {target:<6} {best * 1000:6.0f} ms")


def start_up(runs: int) -> None:
    from bench import cold_start

    print()
    cold_start(runs)
    code = ("import sys\nfrom lstm_solver.cli import main\ntry:\n    main([{!r}])\n"
            "except SystemExit:\n    pass\nprint('matplotlib' in sys.modules)").format(
        str(ROOT / "problems" / "seed001_q2_given_gates.yaml"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    print(f"  matplotlib imported by the terminal path: {done.stdout.split()[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=30)
    args = parser.parse_args()
    class_set(args.count, args.runs)
    figures(max(3, args.runs))
    start_up(max(5, args.runs))


if __name__ == "__main__":
    main()
