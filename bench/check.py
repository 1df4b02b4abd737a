"""Benchmark: ``lstm-solve check`` on long sequences and on a class.

    python bench/check.py [--steps 300] [--students 30]

Reported, not asserted. Goal: time proportionate to the work: one solve of the
problem, and a step worked again only where a number is not correct (the issue
measured 23 s for a 300-step problem before).

Cases (an LSTM, H = X = 2, every quantity asked; the answers written to 4 decimals
from a plain-numpy LSTM, not from lstm-solve):
  correct      c and h at every step, all correct
  one slip     the same, one number 0.1 off at the middle step
  carried      a slip at the middle step, then worked on correctly from it (follows)
  gru form     a GRU, h at every step in the other GRU form (one pattern)
  sparse       only h at the last step, wrong (the slips are tried on the whole problem)
and a class: ``generate --students`` and ``check --roster`` on that many submissions.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from handcalc import inputs, run_unit  # noqa: E402


def problem_data(cell: str, steps: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    names = ("input", "forget", "candidate", "output") if cell == "lstm" else (
        "reset", "update", "candidate")
    gates = {g: {"W": np.round(rng.uniform(-1, 1, (2, 2)), 3).tolist(),
                 "U": np.round(rng.uniform(-1, 1, (2, 2)), 3).tolist(),
                 "b": np.round(rng.uniform(-1, 1, 2), 3).tolist()} for g in names}
    return {"cell": cell, "gates": gates,
            "x": np.round(rng.uniform(-1, 1, (steps, 2)), 3).tolist()}


def answers(values: list[dict], keep: str) -> str:
    return yaml.safe_dump({"steps": {k + 1: {q: [round(float(v), 4) for v in vec]
                                             for q, vec in step.items() if q in keep}
                                     for k, step in enumerate(values) if step}})


def carried(data: dict, at: int) -> list[dict]:
    """A slip at step ``at`` (h off by 0.1), then the right method from the student's own
    (wrong) state, every value written to 4 decimals."""
    out = []
    h = c = np.zeros(2)
    from handcalc import lstm_step

    for k, x in enumerate(inputs(data)):
        step = lstm_step(data["gates"], h, c, x)
        step = {q: np.round(v, 4) for q, v in step.items()}
        if k == at:
            step["h"] = step["h"] + [0.1, 0]
        h, c = step["h"], step["c"]
        out.append(step)
    return out


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cli(*args: str) -> float:
    cmd = [sys.executable, "-m", "lstm_solver", *args]
    return timed(lambda: subprocess.run(cmd, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, cwd=ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--students", type=int, default=30)
    args = parser.parse_args()
    from lstm_solver.answers import parse_answers
    from lstm_solver.check import Checker
    from lstm_solver.problem import parse_problem

    T = args.steps
    lstm, gru = problem_data("lstm", T), problem_data("gru", T)
    truth = run_unit(lstm, lstm, inputs(lstm))
    one = [dict(s) for s in truth]
    one[T // 2] = {**one[T // 2], "h": one[T // 2]["h"] + [0.1, 0]}
    other = run_unit(gru, gru, inputs(gru), slip="other_form",
                     carry=lambda v: np.round(v, 4))
    sparse = [{} for _ in truth]
    sparse[-1] = {"h": truth[-1]["h"] + [0.1, 0]}
    cases = [("correct", lstm, answers(truth, "ch")), ("one slip", lstm, answers(one, "ch")),
             ("carried", lstm, answers(carried(lstm, T // 2), "ch")),
             ("gru form", gru, answers(other, "h")), ("sparse", lstm, answers(sparse, "h"))]
    print(f"check on {T} steps (H = X = 2), in process and as a command")
    print(f"  {'case':<10}{'solve':>8}{'check':>8}{'command':>9}   verdicts")
    with tempfile.TemporaryDirectory(prefix="issue-8-bench-") as tmp:
        for name, data, text in cases:
            problem = parse_problem(yaml.safe_dump(data), "p.yaml")
            answer = parse_answers(text, problem, "a.yaml")
            start = time.perf_counter()
            checker = Checker(problem)
            solved = time.perf_counter() - start
            report = None

            def run(checker=checker, answer=answer):
                nonlocal report
                report = checker.check(answer)

            took = timed(run)
            p, a = Path(tmp) / f"{name}-p.yaml", Path(tmp) / f"{name}-a.yaml"
            p.write_text(yaml.safe_dump(data))
            a.write_text(text)
            command = cli("check", str(p), str(a))
            counts = {v: report.count(v) for v in ("correct", "follows", "wrong")}
            print(f"  {name:<10}{solved:>7.2f}s{took:>7.2f}s{command:>8.2f}s   {counts}")
        names = Path(tmp) / "names.txt"
        names.write_text("".join(f"Student {k}\n" for k in range(1, args.students + 1)))
        out = Path(tmp) / "class"
        made = cli("generate", "-o", str(out), "--students", str(names), "--steps", "3")
        subs = Path(tmp) / "subs"
        subs.mkdir()
        for k in range(1, args.students + 1):
            variant = yaml.safe_load((out / f"variant-{k:03d}.yaml").read_text())
            values = run_unit(variant, variant, inputs(variant),
                              slip="wu_f" if k % 3 == 0 else "")
            (subs / f"s{k}.yaml").write_text(f"student: Student {k}\n" +
                                             answers(values, "ifgoch"))
        marked = cli("check", str(out), str(subs), "--roster", str(out / "roster.csv"),
                     "--csv", str(Path(tmp) / "marks.csv"))
        print(f"\na class of {args.students} (3 steps, a variant each, every third with W "
              f"and U swapped in f): generate {made:.2f} s, check --roster {marked:.2f} s")


if __name__ == "__main__":
    main()
