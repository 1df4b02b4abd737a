"""Safe YAML reading that remembers where every value was written.

Only plain data is accepted (no tags that build Python objects), the file and
the number of values are capped, and aliases count every time they are used,
so that an alias bomb ends in a clear message instead of a memory blow-up.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from .errors import ProblemError

MAX_FILE_BYTES = 20_000_000
MAX_NODES = 1_000_000
# libyaml is ~8x faster; the base loader leaves plain scalars to _scalar
_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_TOKENS = re.compile(r"[^\s,\[\]{}:]+")

Path = tuple[Any, ...]

_PLAIN = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_PLAIN + t for t in ("str", "int", "float", "bool", "null", "seq", "map")}
_TEXT_TAGS = {_PLAIN + "timestamp", _PLAIN + "binary"}


@dataclass
class Document:
    """Plain data read from YAML, with the (line, column) of every value."""

    data: Any
    file: str
    marks: dict[Path, tuple[int, int]] = field(default_factory=dict)  # where values start
    key_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)  # where keys are
    rows: dict[Path, yaml.SequenceNode] = field(default_factory=dict)  # lists of scalars

    def error(self, path: Path, message: str, at_key: bool = False) -> ProblemError:
        """A ProblemError located at ``path``'s value (or key), or its nearest located parent."""
        probe = tuple(path)
        if at_key and probe in self.key_marks:
            line, column = self.key_marks[probe]
        else:
            while probe and probe not in self.marks:
                row = self.rows.get(probe[:-1])
                if row is not None and isinstance(probe[-1], int) and probe[-1] < len(row.value):
                    mark = row.value[probe[-1]].start_mark  # an element: found from its node
                    self.marks[probe] = (mark.line + 1, mark.column + 1)
                    break
                probe = probe[:-1]
            line, column = self.marks.get(probe, (None, None))
        return ProblemError(message, file=self.file, key=dotted(path), line=line, column=column)


def dotted(path: Path) -> str | None:
    """``("gates", "input", "W", 1)`` -> ``gates.input.W[1]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) and out else f".{part}" if out else str(part)
    return out or None


def read_text(text: str, file: str = "<problem>") -> Document:
    """Parse YAML text into a Document; every failure is a ProblemError."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ProblemError(f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB", file=file)
    if sum(1 for _ in _TOKENS.finditer(text)) > MAX_NODES:
        raise ProblemError(f"the file holds more than {MAX_NODES:,} values: too large to be a "
                           "problem", file=file)
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}, {problem}"
        raise ProblemError(
            f"YAML syntax error: {problem}",
            file=file,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise ProblemError(f"YAML error: {exc}", file=file) from None
    doc = Document(None, file)
    if node is None:
        raise ProblemError("the file is empty: expected a mapping such as 'cell: lstm'", file=file)
    doc.data = _Converter(doc).convert(node, ())
    return doc


class _Converter:
    def __init__(self, doc: Document):
        self.doc = doc
        self.count = 0

    def convert(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.doc.error(
                path,
                f"more than {MAX_NODES:,} values (after expanding YAML aliases): "
                "the file is too large to be a problem",
            )
        self.doc.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        tag = node.tag
        if tag not in _ALLOWED_TAGS and tag not in _TEXT_TAGS:
            raise self.doc.error(
                path,
                f"the YAML tag {tag!r} is not allowed: a problem file holds only numbers, "
                "text, lists and mappings",
            )
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.convert(key_node, path + ("<key>",))
                if isinstance(key, (dict, list)):
                    raise self.doc.error(path, "a mapping key must be a name or a number")
                mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if key in out:
                    raise ProblemError(f"the key {key!r} appears twice", file=self.doc.file,
                                       key=dotted(path + (key,)), line=mark[0], column=mark[1])
                self.doc.key_marks[path + (key,)] = mark
                out[key] = self.convert(value_node, path + (key,))
            self.doc.marks.pop(path + ("<key>",), None)
            return out
        if isinstance(node, yaml.SequenceNode):
            items = node.value
            if all(type(item) is yaml.ScalarNode and item.tag in _ALLOWED_TAGS for item in items):
                # a row of numbers: fast, and the marks are found from the node when needed
                self.count += len(items)
                self.doc.rows[path] = node
                return [_scalar(item) for item in items]
            return [self.convert(item, path + (i,)) for i, item in enumerate(items)]
        return _scalar(node)


_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "yes": True, "Yes": True, "on": True,
         "false": False, "False": False, "FALSE": False, "no": False, "No": False, "off": False}
_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)$")
_SPECIAL = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan,
            ".Inf": math.inf, "-.Inf": -math.inf, ".NaN": math.nan, ".INF": math.inf,
            "-.INF": -math.inf, ".NAN": math.nan}


def _scalar(node: yaml.ScalarNode) -> Any:
    """Plain scalars are resolved here (not by PyYAML's slower resolver).

    Numbers stay exact (a decimal is a Decimal, as written); quoted text stays
    text, so that parse_number can still read "1/3".
    """
    text = node.value
    if node.style or node.tag != _PLAIN + "str":  # quoted (plain is None or ""), or tagged
        return text
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text.replace("_", ""))
    if text in _SPECIAL:
        return _SPECIAL[text]  # rejected later, with its location
    if text[:1] in "0123456789+-.":
        try:
            number = Decimal(text.replace("_", ""))
        except ArithmeticError:
            return text
        return number if number.is_finite() else text
    return text
