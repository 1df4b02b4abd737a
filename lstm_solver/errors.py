"""The one error a user sees for a bad problem file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ProblemError(Exception):
    """A problem file that cannot be solved as written.

    ``key`` is the dotted path of the offending entry (``gates.input.U``);
    ``line`` and ``column`` are 1-based, from the YAML marks.
    """

    message: str
    file: str | None = None
    key: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file or "<problem>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        key = f"{self.key}: " if self.key else ""
        message = self.message
        if len(message) > MAX_MESSAGE:  # a value quoted in full (a megabyte of text, a list)
            half = MAX_MESSAGE // 2
            message = f"{message[:half]} … {message[-half:]}"
        return f"{where}: {key}{message}"


MAX_MESSAGE = 600  # characters of a message; the middle of a longer one is left out
