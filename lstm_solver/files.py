"""Files: which problem files a path names, and writing output without clobbering."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import ProblemError

SUFFIXES = (".yaml", ".yml")


def problem_files(paths: list[str]) -> list[Path]:
    """The files named, a folder standing for the problem files in it (sorted, recursive)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            if not found:
                raise ProblemError("a folder with no problem files (*.yaml) in it", file=raw)
            out += found
        else:
            out.append(path)
    return out


def read_file(path: str | Path, kind: str) -> str:
    """A file's UTF-8 text; every failure a ProblemError naming the file (``kind``: "a
    problem file", "an answer file", ...)."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProblemError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise ProblemError(f"is a folder, not {kind}", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ProblemError(f"not UTF-8 text ({exc.reason})", file=str(path)) from None
    except OSError as exc:
        raise ProblemError(f"cannot be read: {exc.strerror}", file=str(path)) from None


class OutputExists(Exception):
    """The output file exists and overwriting was not asked for."""


class OutputError(Exception):
    """The output cannot be written there (a file where a folder should be, no permission,
    a full disk): the message says which and why."""


def make_folder(folder: str | Path) -> None:
    """Create ``folder`` and its parents if they are missing; OutputError if it cannot be."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"cannot create the folder {folder}: a file of that name is in "
                          "the way") from None
    except OSError as exc:
        raise OutputError(f"cannot create the folder {folder}: "
                          f"{exc.strerror or exc}") from None


def write_atomic(path: str | Path, data: str | bytes, force: bool = False) -> None:
    """Write through a temporary file in the same folder and a rename: a reader never sees
    half a file, and an existing file is replaced only with ``force``. A missing folder is
    created; what cannot be written is an OutputError."""
    path = Path(path)
    if path.exists() and not force:
        raise OutputExists(str(path))
    payload = data.encode("utf-8") if isinstance(data, str) else data
    make_folder(path.parent)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        if not force and path.exists():  # appeared meanwhile
            raise OutputExists(str(path))
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
