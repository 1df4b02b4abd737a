"""Benchmark: the backward pass (BPTT) of a large LSTM, solved and rendered in process.

    python bench/backward.py [--runs N] [--hidden H] [--steps T]

Reported, not asserted. Goal: an H = 32, 10-step LSTM's backward pass (every gradient
derived step by step, the parameters' gradients, norm, clipping and update) solved and
rendered to the terminal (elided, 80 columns) in under 1 s. Times are the best of N
runs, wall clock and CPU (CPU time is what the machine's load does not inflate).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def problem_text(H: int, X: int, steps: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    gates = {g: {"W": np.round(rng.uniform(-1, 1, (H, H)), 3).tolist(),
                 "U": np.round(rng.uniform(-1, 1, (H, X)), 3).tolist(),
                 "b": np.round(rng.uniform(-1, 1, H), 3).tolist()}
             for g in ("input", "forget", "candidate", "output")}
    xs = np.round(rng.uniform(-1, 1, (steps, X)), 3).tolist()
    targets = np.round(rng.uniform(-1, 1, (steps, H)), 3).tolist()
    return yaml.safe_dump({"cell": "lstm", "gates": gates, "x": xs,
                           "loss": {"kind": "half_squared_error", "targets": targets},
                           "clip": {"max_norm": 1}, "learning_rate": 0.1})


def _timed(run) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    from dataclasses import replace

    from rich.console import Console

    from lstm_solver.bptt import backward
    from lstm_solver.problem import parse_problem
    from lstm_solver.render.json import render as render_json
    from lstm_solver.render.terminal import TerminalSolution
    from lstm_solver.solver import solve

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    H, T = args.hidden, args.steps
    problem = parse_problem(problem_text(H, H, T))
    forward = solve(replace(problem, training=None))
    best = {}
    lines = 0
    for _ in range(args.runs):
        result = {}

        def solve_backward(result=result):
            result["dv"] = replace(forward, problem=problem,
                                   backward=backward(problem, forward))

        def render_backward(result=result):
            buffer = io.StringIO()
            console = Console(file=buffer, width=80, color_system=None)
            console.print(*TerminalSolution(result["dv"])._backward(80))
            result["lines"] = buffer.getvalue().count("\n")

        timings = {"solve": _timed(solve_backward), "render": _timed(render_backward),
                   "json": _timed(lambda result=result: render_json(result["dv"]))}
        lines = result["lines"]
        for key, (wall, cpu) in timings.items():
            old = best.get(key, (float("inf"), float("inf")))
            best[key] = (min(old[0], wall), min(old[1], cpu))
    print(f"LSTM, H = X = {H}, {T} steps: the backward pass (best of {args.runs} runs)")
    for key, (wall, cpu) in best.items():
        print(f"  {key:<7} {wall:6.3f} s wall  {cpu:6.3f} s CPU")
    total = best["solve"][0] + best["render"][0], best["solve"][1] + best["render"][1]
    print(f"  solved and rendered: {total[0]:.3f} s wall, {total[1]:.3f} s CPU "
          f"(goal < 1 s); {lines} lines at 80 columns")


if __name__ == "__main__":
    main()
