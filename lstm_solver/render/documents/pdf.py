"""PDF: the LaTeX document compiled by latexmk or pdflatex, where one is installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = ("install TeX Live: on Debian or Ubuntu, apt-get install texlive-latex-base "
                "texlive-latex-recommended (or latexmk); on macOS, MacTeX")


class PdfError(Exception):
    """No TeX installed, or the LaTeX did not compile."""


def engine() -> list[str] | None:
    """The command that compiles a .tex file, or None."""
    if shutil.which("latexmk") and shutil.which("pdflatex"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-quiet"]
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]
    return None


def compile_latex(source: str, timeout: float = 300) -> bytes:
    """The PDF of a LaTeX document; PdfError says why there is none."""
    command = engine()
    if command is None:
        raise PdfError(f"--format pdf needs pdflatex or latexmk, and neither is installed: "
                       f"{INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="lstm-solve-") as tmp:
        tex = Path(tmp) / "solution.tex"
        tex.write_text(source, encoding="utf-8")
        runs = 1 if command[0] == "latexmk" else 2  # twice: the table of contents
        for _ in range(runs):
            try:
                done = subprocess.run([*command, tex.name], cwd=tmp, capture_output=True,
                                      text=True, timeout=timeout, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise PdfError(f"{command[0]} took longer than {timeout:.0f} s") from None
            if done.returncode != 0:
                log = (Path(tmp) / "solution.log")
                text = log.read_text(errors="replace") if log.exists() else done.stdout
                errors = [line for line in text.splitlines() if line.startswith("!")]
                raise PdfError(f"{command[0]} failed: " + ("; ".join(errors[:3]) or
                                                          text[-500:]))
        return (Path(tmp) / "solution.pdf").read_bytes()
