"""The JSON Schema (draft 2020-12) of the problem file, for editors: completion, hover
help and checking as a teacher types (``# yaml-language-server: $schema=...``).

Each object with fixed keys is tagged ``"x-lstm-solve-keys"`` with the reader's key set
it mirrors (problem.py's ``TOP_KEYS``, ``SPLIT_KEYS``, ...); the tests hold the two
equal.
"""

from __future__ import annotations

import json
from pathlib import Path

PATH = Path(__file__).with_name("problem.schema.json")


def text() -> str:
    """The schema as JSON text."""
    return PATH.read_text(encoding="utf-8")


def load() -> dict:
    """The schema as Python data."""
    return json.loads(text())
