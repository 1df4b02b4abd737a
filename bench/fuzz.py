"""The mutation fuzzer at length: thousands of mutated problem and answer files, every format.

    python bench/fuzz.py [--cases 5000] [--seed 1] [--workers 2] [--timeout 30]

The same cases and oracle as tests/test_fuzz.py (see tests/fuzzing.py), in parallel
workers, each case with a time limit. Prints what ran (by command, format and exit
code), how long the cases took, the slowest, and every failure, saved with its files
and command line to reproduce it (--save).
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import fuzzing  # noqa: E402

CHUNK = 250  # cases made at a time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds a case may take before it counts as a hang")
    parser.add_argument("--slow", type=float, default=5.0, help="report cases slower than this")
    parser.add_argument("--pdf-share", type=float, default=0.02)
    parser.add_argument("--save", type=Path, default=Path("/tmp/lstm-fuzz-failures"))
    parser.add_argument("--against", type=Path, metavar="DIR",
                        help="fuzz the lstm_solver package in DIR instead (an older checkout, "
                             "e.g. `git archive <commit> lstm_solver | tar -x -C DIR`)")
    args = parser.parse_args()
    if args.against:
        sys.path.insert(0, str(args.against.resolve()))

    start = time.perf_counter()
    outcomes: list[fuzzing.Outcome] = []
    lock = threading.Lock()
    made = 0
    queue: list[fuzzing.Case] = []

    def next_case() -> fuzzing.Case | None:
        nonlocal made
        with lock:
            if not queue and made < args.cases:
                n = min(CHUNK, args.cases - made)
                queue.extend(fuzzing.make_cases(n, seed=args.seed, first=made,
                                                pdf_share=args.pdf_share))
                made += n
            return queue.pop() if queue else None

    def work() -> None:
        with fuzzing.Runner(timeout=args.timeout) as runner:
            while (case := next_case()) is not None:
                outcome = runner.run(case)
                with lock:
                    outcomes.append(outcome)
                    if len(outcomes) % 500 == 0:
                        print(f"  {len(outcomes):,} cases, {time.perf_counter() - start:.0f} s",
                              flush=True)

    threads = [threading.Thread(target=work) for _ in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    report(outcomes, elapsed, args)
    return 1 if any(o.problems and not fuzzing.known(o) for o in outcomes) else 0


def report(outcomes: list[fuzzing.Outcome], elapsed: float, args) -> None:
    print(f"\n{len(outcomes):,} cases (seed {args.seed}) in {elapsed:.0f} s, "
          f"{args.workers} workers, time limit {args.timeout:.0f} s a case")
    table = collections.Counter((o.case.kind, o.case.fmt, o.exit_code) for o in outcomes)
    print("\n  command  format      exit  cases")
    for (kind, fmt, code), n in sorted(table.items(), key=lambda kv: (kv[0][0], kv[0][1],
                                                                      str(kv[0][2]))):
        print(f"  {kind:<8} {fmt:<11} {str(code):>4} {n:>6,}")
    options = collections.Counter(a for o in outcomes for a in o.case.args
                                  if a in ("--exact", "--full", "--questions", "--carry",
                                           "--decimals", "--csv", "--diagram"))
    print("  options: " + ", ".join(f"{k} {v:,}" for k, v in sorted(options.items())))
    times = sorted(o.seconds for o in outcomes)
    if times:
        q = statistics.quantiles(times, n=100) if len(times) > 1 else times * 99
        print(f"\n  seconds a case: median {statistics.median(times):.2f}, 99th percentile "
              f"{q[98]:.2f}, max {times[-1]:.2f}")
    slow = sorted((o for o in outcomes if o.seconds > args.slow), key=lambda o: -o.seconds)
    print(f"  slower than {args.slow:.0f} s: {len(slow)}")
    for o in slow[:10]:
        size = sum(len(t) for t in o.case.files.values())
        print(f"    {o.seconds:6.1f} s  {size:>9,} chars  lstm-solve {' '.join(o.case.args)}")
    known = [o for o in outcomes if fuzzing.known(o)]
    failures = [o for o in outcomes if o.problems and not fuzzing.known(o)]
    for what, n in collections.Counter(fuzzing.known(o) for o in known).items():
        print(f"  known, skipped ({n}): {what}")
    print(f"\n  failures: {len(failures)}")
    for o in failures:
        where = fuzzing.save(o, args.save)
        print(f"    {where}: {'; '.join(p.splitlines()[0] for p in o.problems)}")


if __name__ == "__main__":
    sys.exit(main())
