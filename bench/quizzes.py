"""Benchmark: generated variants exported as quizzes (Moodle XML, QTI for Canvas).

    python bench/quizzes.py [--variants N]

Reported, not asserted: the time to solve and export N variants (H = 2–4, 1–3
steps, cells and layouts mixed) as one Moodle XML file and one QTI zip, their
sizes, and the time Instructure's converter (what Canvas runs on an import)
takes on that zip, when it is found ($QTI_MIGRATION_TOOL or shared/tools).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ROOT, _variants  # noqa: E402


def _tool() -> Path | None:
    paths = [Path(os.environ["QTI_MIGRATION_TOOL"])] if os.environ.get("QTI_MIGRATION_TOOL") \
        else []
    paths += [p / "shared" / "tools" / "QTIMigrationTool" for p in ROOT.parents]
    return next((p for p in paths if (p / "migrate.py").is_file()), None)


def main() -> None:
    from lstm_solver.asked import asked_numbers
    from lstm_solver.problem import parse_problem
    from lstm_solver.render.platforms import render
    from lstm_solver.solver import solve

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=1000)
    n = parser.parse_args().variants
    texts = _variants(n)
    start = time.perf_counter()
    solutions = [solve(parse_problem(t)) for t in texts]
    numbers = sum(len(asked_numbers(s)) for s in solutions)
    print(f"{n} variants, {numbers:,} asked numbers: solved in "
          f"{time.perf_counter() - start:.1f} s")
    for target in ("moodle", "qti"):
        start = time.perf_counter()
        data = render(solutions, target, "bench")
        took = time.perf_counter() - start
        size = len(data.encode() if isinstance(data, str) else data)
        extra = ""
        if target == "qti":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                extra = f", {sum(i.file_size for i in z.infolist()) / 1e6:.1f} MB unzipped"
        print(f"  {target:<6} {took:6.1f} s, {size / 1e6:6.2f} MB{extra}")
    tool = _tool()
    if tool is None:
        print("  (Instructure's QTIMigrationTool not found)")
        return
    with tempfile.TemporaryDirectory(prefix="lstm-solve-bench-") as tmp:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            z.extractall(f"{tmp}/package")
        start = time.perf_counter()
        subprocess.run([sys.executable, str(tool / "migrate.py"), "--ucvars", "--nogui",
                        "--overwrite", f"--cpout={tmp}/out/", f"{tmp}/package/"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        items = len(list(Path(f"{tmp}/out/assessmentItems").glob("*.xml")))
        print(f"  Canvas's converter: {time.perf_counter() - start:.1f} s, {items:,} items")


if __name__ == "__main__":
    main()
