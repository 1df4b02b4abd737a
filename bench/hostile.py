"""Time and peak memory of lstm-solve on hostile and huge files near 1 MB.

    python bench/hostile.py [--only NAME] [--keep DIR]

Each file runs in its own process (`python -m lstm_solver FILE ...`); its wall time,
CPU time and peak resident memory (from wait4's rusage) are reported against the
goal: any file under 1 MB answered, solved or refused, in under 5 s and 500 MB
(README: Limits). Reported, not asserted; the machine's load counts in wall time.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000
GATES = ("input", "forget", "candidate", "output")


def _matrix(rows: int, cols: int, rng: random.Random, digits: int = 3) -> str:
    return "[" + ", ".join("[" + ", ".join(f"{rng.uniform(-1, 1):.{digits}f}"
                                           for _ in range(cols)) + "]"
                           for _ in range(rows)) + "]"


def _lstm(H: int, X: int, steps: int, rng: random.Random, block: bool = False) -> str:
    gates = "".join(f"  {g}:\n    W: {_matrix(H, H, rng)}\n    U: {_matrix(H, X, rng)}\n"
                    f"    b: {_matrix(1, H, rng)[1:-1]}\n" for g in GATES)
    text = f"cell: lstm\ngates:\n{gates}x: {_matrix(steps, X, rng)}\n"
    if block:
        import yaml

        text = yaml.safe_dump(yaml.safe_load(text), default_flow_style=False)
    return text


def _tokens(n: int, rng: random.Random) -> str:
    return "[" + ", ".join(str(rng.randrange(4096)) for _ in range(n)) + "]"


def cases(rng: random.Random) -> list[tuple[str, str, list[str]]]:
    """(name, file text, extra arguments)."""
    emb = _matrix(4096, 8, rng, 2)
    rnn = "cell: rnn\ngates: {h: {W: [[0.5]], U: [[1]]}}\n"
    words = " ".join(rng.choice(["forget", "gate", "σ", "cell", "état", "李"]) for _ in range(1))
    out = [
        ("flow nesting 500,000 deep", "cell: lstm\nx: " + "[" * 500_000 + "]" * 500_000, []),
        ("block nesting 300,000 deep", "cell: lstm\nx:\n  " + "- " * 300_000 + "1\n", []),
        ("mapping nesting 200,000 deep", "x: " + "{a: " * 200_000 + "1" + "}" * 200_000, []),
        ("alias bomb (10^9 values)", "cell: lstm\n" + "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
         + "".join(f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]\n" for k in range(1, 9)), []),
        ("self-referencing aliases", "cell: lstm\n" + "".join(
            f"k{k}: &r{k} [*r{k}]\n" for k in range(1)) + "x: [1]\n", []),
        ("one integer of 1,000,000 digits", rnn + "x: [" + "7" * MB + "]\n", []),
        ("10,000 numbers of 100 digits", rnn + "x: [" + ", ".join(
            ["0." + "1" * 98] * 10_000) + "]\n", []),
        ("1e-99999999 with --exact", rnn.replace("U: [[1]]", "U: [[1e-99999999]]")
         + "x: [1]\n", ["--exact"]),
        ("1e99999999", rnn + "x: [1e99999999]\n", []),
        ("products beyond float64 (overflow notes)", "cell: lstm\ngates:\n" + "".join(
            f"  {g}: {{W: {_matrix(64, 64, rng)}, U: {_matrix(64, 64, rng)}}}\n"
            for g in GATES).replace("0.", "1e300*").replace("*", "").replace("-1e300", "-1e300")
         + f"initial: {{h: [{', '.join(['1e300'] * 64)}]}}\nx: {_matrix(20, 64, rng)}\n", []),
        ("embedding 4,096 words, 20,000 tokens", "cell: lstm\ngates:\n" + "".join(
            f"  {g}: {{W: [[0.1, 0.2], [0.3, 0.4]], U: {_matrix(2, 8, rng)}}}\n" for g in GATES)
         + f"embedding: {emb}\ntokens: {_tokens(20_000, rng)}\n", []),
        ("embedding 4,096 words, 1,000 tokens, json", "cell: lstm\ngates:\n" + "".join(
            f"  {g}: {{W: [[0.1, 0.2], [0.3, 0.4]], U: {_matrix(2, 8, rng)}}}\n" for g in GATES)
         + f"embedding: {emb}\ntokens: {_tokens(1000, rng)}\n", ["--format", "json"]),
        ("LSTM H = 2, 1,000 steps, json", _lstm(2, 2, 1000, rng), ["--format", "json"]),
        ("LSTM H = 2, 20 steps (terminal)", _lstm(2, 2, 20, rng), []),
        ("LSTM H = 2, 20 steps, markdown", _lstm(2, 2, 20, rng), ["--format", "markdown"]),
        ("LSTM H = 2, 20 steps, html", _lstm(2, 2, 20, rng), ["--format", "html"]),
        ("LSTM H = 2, 20 steps, latex", _lstm(2, 2, 20, rng), ["--format", "latex"]),
        ("LSTM 128×128, 20 steps (terminal)", _lstm(128, 128, 20, rng), []),
        ("LSTM 128×128, 21 steps (refused: worked solution)", _lstm(128, 128, 21, rng), []),
        ("LSTM 128×128, 20 steps, one number a line", _lstm(128, 128, 20, rng, block=True), []),
        ("RNN H = 150, 700 steps (work limit), json", "cell: rnn\ngates: {h: {W: "
         + _matrix(150, 150, rng, 2) + ", U: " + _matrix(150, 150, rng, 2) + "}}\nx: "
         + _matrix(700, 150, rng, 1) + "\n", ["--format", "json"]),
        ("RNN H = 700 of zeros", "cell: rnn\ngates: {h: {W: [" + ", ".join(
            ["[" + ", ".join(["0"] * 700) + "]"] * 700) + "], U: [" + ", ".join(
            ["[0]"] * 700) + "]}}\nx: [1]\n", []),
        ("title of 1 MB", rnn + "x: [1]\ntitle: " + "a" * MB + "\n", []),
        ("question of 1 MB of words", rnn + "x: [1]\nquestion: |\n  " + " ".join(
            [words] * (MB // 8)) + "\n", []),
        ("1 MB of control characters", "cell: lstm\ntitle: " + "\x1b" * MB + "\n", []),
        ("100,000 unknown keys", "cell: lstm\n" + "".join(f"k{k}: {k}\n" for k in range(100_000)),
         []),
        ("1,000,000 zeros in a flow list", rnn + "x: [" + ",".join(["0"] * 500_000) + "]\n", []),
        ("unclosed bracket list of 500,000 numbers", rnn + "x: [" + "1," * 500_000 + "\n", []),
        ("'[[1,' repeated 250,000 times", rnn + "x: " + "[[1," * 250_000 + "\n", []),
        ("parameter count, 1,000 layers", "task: count_parameters\ncell: lstm\nhidden_size: 20\n"
         "input_size: 10\nlayers: 1000\nbidirectional: true\nbias: double\n", []),
        ("8 KB LSTM with --full and --exact", _lstm(8, 8, 3, rng), ["--full", "--exact"]),
        ("LSTM 24×24, 2 steps, --exact", _lstm(24, 24, 2, rng), ["--exact"]),
    ]
    return out


# The command in a process that, as it exits, writes its own peak memory (VmHWM: the
# high-water mark of this program since exec; wait4's ru_maxrss would include the memory
# of this benchmark, from before the exec).
WRAPPER = """
import atexit, runpy, sys
out = sys.argv.pop(1)
def peak():
    with open('/proc/self/status') as f:
        kb = next(int(l.split()[1]) for l in f if l.startswith('VmHWM'))
    with open(out, 'w') as f:
        f.write(str(kb))
atexit.register(peak)
sys.argv[0] = 'lstm-solve'
runpy.run_module('lstm_solver', run_name='__main__')
"""


def measure(path: Path, args: list[str], timeout: float) -> tuple[int | str, float, float, int]:
    """(exit code, wall seconds, CPU seconds, peak RSS in MB) of one run."""
    start = time.perf_counter()
    peak_file = path.with_suffix(".peak")
    peak_file.unlink(missing_ok=True)
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen([sys.executable, "-c", WRAPPER, str(peak_file), str(path),
                                 *args], stdout=devnull, stderr=devnull, cwd=path.parent,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                return "hang", time.perf_counter() - start, usage.ru_utime + usage.ru_stime, -1
            time.sleep(0.01)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    peak = int(peak_file.read_text()) // 1024 if peak_file.exists() else -1
    return code, wall, usage.ru_utime + usage.ru_stime, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--keep", type=Path, help="write the files here (else a temp folder)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="lstm-hostile-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{'file':<44} {'size':>9} {'exit':>5} {'wall':>7} {'CPU':>7} {'peak RSS':>9}")
    worst_cpu = worst_rss = (0.0, "")
    for k, (name, text, extra) in enumerate(cases(random.Random(10))):
        if args.only and args.only not in name:
            continue
        path = folder / f"hostile-{k:02d}.yaml"
        path.write_text(text, encoding="utf-8")
        code, wall, cpu, rss = measure(path, extra, args.timeout)
        size = path.stat().st_size
        flag = " !" if cpu > 5 or rss > 500 else ""
        print(f"{name:<44} {size / MB:>7.2f}MB {code!s:>5} {wall:>6.2f}s {cpu:>6.2f}s "
              f"{rss:>6} MB{flag}", flush=True)
        if size <= 1.05 * MB:
            worst_cpu = max(worst_cpu, (cpu, name))
            worst_rss = max(worst_rss, (rss, name))
    print(f"\nworst CPU time for a file under 1 MB: {worst_cpu[0]:.2f} s ({worst_cpu[1]})")
    print(f"worst peak memory for a file under 1 MB: {worst_rss[0]} MB ({worst_rss[1]})")


if __name__ == "__main__":
    main()
