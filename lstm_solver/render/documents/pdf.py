"""PDF: the LaTeX document compiled by pdflatex, where it is installed.

As few passes as the document needs: one, or two with a table of contents (the
first in draft mode, which writes no PDF), and one more only if LaTeX asks for it
or the contents' page numbers moved (a contents longer than a page).
Several documents (a class's sheets and key) are compiled side by side.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

INSTALL_HINT = ("install TeX Live: on Debian or Ubuntu, apt-get install texlive-latex-base "
                "texlive-latex-recommended lmodern; on macOS, MacTeX")
MOST_PASSES = 3


class PdfError(Exception):
    """No TeX installed, or the LaTeX did not compile."""


def engine() -> list[str] | None:
    """The command that compiles a .tex file, or None."""
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]
    return None


def compile_latex(source: str, timeout: float = 300) -> bytes:
    """The PDF of a LaTeX document; PdfError says why there is none."""
    return compile_many([source], timeout)[0]


def compile_many(sources: list[str], timeout: float = 300) -> list[bytes]:
    """The PDFs of several documents, compiled at the same time (a core each)."""
    command = engine()
    if command is None:
        raise PdfError(f"--format pdf needs pdflatex, which is not installed: {INSTALL_HINT}")
    workers = max(1, min(len(sources), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda s: _compile(command, s, timeout), sources))


def passes(source: str) -> int:
    """Passes a document needs: two when it has a table of contents."""
    return 2 if r"\tableofcontents" in source else 1


def _compile(command: list[str], source: str, timeout: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="lstm-solve-") as tmp:
        tex = Path(tmp) / "solution.tex"
        tex.write_text(source, encoding="utf-8")
        needed = passes(source)
        contents = Path(tmp) / "solution.toc"
        for k in range(MOST_PASSES):
            read = contents.read_text(errors="replace") if contents.exists() else None
            draft = ["-draftmode"] if k < needed - 1 else []
            try:
                done = subprocess.run([*command, *draft, tex.name], cwd=tmp,
                                      capture_output=True, text=True, timeout=timeout,
                                      stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise PdfError(f"{command[0]} took longer than {timeout:.0f} s") from None
            log = Path(tmp) / "solution.log"
            text = log.read_text(errors="replace") if log.exists() else done.stdout
            if done.returncode != 0:
                errors = [line for line in text.splitlines() if line.startswith("!")]
                raise PdfError(f"{command[0]} failed: " + ("; ".join(errors[:3]) or
                                                          text[-500:]))
            # a table of contents longer than a page moves every page after it: the
            # page numbers this pass wrote differ from those it printed, so once more
            moved = read is not None and contents.read_text(errors="replace") != read
            if k >= needed - 1 and "Rerun to get" not in text and not moved:
                break
        return (Path(tmp) / "solution.pdf").read_bytes()
