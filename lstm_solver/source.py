"""What ``solve`` accepts: a Problem, a path, YAML text or a mapping."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .problem import CountProblem, Problem, load_problem, parse_problem


def as_problem(source: Any) -> Problem | CountProblem:
    """A validated problem from ``source``.

    - a ``Problem`` (or ``CountProblem``): itself;
    - a path (``str`` or ``os.PathLike``) of a problem file;
    - YAML text: a ``str`` holding a line break, or one line starting with ``{``;
    - a mapping with the keys of a problem file (numpy arrays and tensors welcome).

    Raises ProblemError (with the file, line and key) for a problem that cannot be read.
    """
    if isinstance(source, (Problem, CountProblem)):
        return source
    if isinstance(source, os.PathLike):
        return load_problem(source)
    if isinstance(source, str):
        if "\n" in source or source.lstrip().startswith("{"):
            return parse_problem(source)
        return load_problem(source)
    if isinstance(source, Mapping):
        return parse_problem(source)
    raise TypeError(f"expected a Problem, a path, YAML text or a mapping; found "
                    f"{type(source).__name__}")
