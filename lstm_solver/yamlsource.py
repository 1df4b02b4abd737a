"""Safe YAML reading that remembers where every value was written.

Only plain data is accepted (no tags that build Python objects), the file and
the number of values are capped, and aliases count every time they are used,
so that an alias bomb ends in a clear message instead of a memory blow-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import yaml

from .errors import ProblemError

MAX_FILE_BYTES = 20_000_000
MAX_NODES = 1_000_000
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~8x faster
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

    def error(self, path: Path, message: str, at_key: bool = False) -> ProblemError:
        """A ProblemError located at ``path``'s value (or key), or its nearest located parent."""
        probe = tuple(path)
        if at_key and probe in self.key_marks:
            line, column = self.key_marks[probe]
        else:
            while probe and probe not in self.marks:
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
            return [self.convert(item, path + (i,)) for i, item in enumerate(node.value)]
        return _scalar(node)


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _scalar(node: yaml.ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag == _PLAIN + "null":
        return None
    if tag == _PLAIN + "bool":
        return text.lower() in ("yes", "true", "on", "y")
    if tag == _PLAIN + "int":
        return _CONSTRUCTOR.construct_yaml_int(node)
    if tag == _PLAIN + "float":
        cleaned = text.replace("_", "")
        try:
            return Fraction(cleaned)  # exact: "0.4165792" stays 4165792/10^7
        except (ValueError, ZeroDivisionError):
            return _CONSTRUCTOR.construct_yaml_float(node)  # .inf, .nan: rejected later
    return text
