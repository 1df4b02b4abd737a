"""Safe YAML reading that remembers where every value was written.

Only plain data is accepted (no tags that build Python objects). The text is
checked before it is parsed (size, characters), and the values are built from
the parser's events without recursion, so that neither deep nesting nor an
alias that contains itself can exhaust a stack; aliases count every time they
are used, so that an alias bomb ends in a clear message instead of a memory
blow-up. Every limit is in :mod:`lstm_solver.limits`.

Speed: a list of numbers written in brackets (``[0.1, -2, 3e-4]``, or a
matrix of such rows) is read in bulk, not number by number through the YAML
parser; the parser sees a placeholder of the same length, so that every line
and column after it stays where it was, and a bad entry inside is still
located by its own line and column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from .errors import ProblemError
from .limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, MAX_NUMBER_CHARS

# libyaml is much faster; its parser (not its composer) is used: events, not nodes
_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_TOKENS = re.compile(r"[^\s,\[\]{}:]+")

Path = tuple[Any, ...]

_PLAIN = "tag:yaml.org,2002:"
_COLLECTION_TAGS = {None, "!", _PLAIN + "seq", _PLAIN + "map"}
_SCALAR_TAGS = {_PLAIN + t for t in ("str", "int", "float", "bool", "null", "timestamp",
                                     "binary")} | {"!"}

# what YAML allows in a file (YAML 1.1 §5.1, "c-printable")
_BAD_CHAR = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CHAR_NAMES = {0: "NUL", 7: "BEL", 8: "backspace", 11: "vertical tab", 12: "form feed",
               27: "ESC", 127: "DEL"}


class Locator:
    """Where the entries of a list were written, found only when a message needs them."""

    def locate(self, rest: Path) -> tuple[int, int] | None:
        raise NotImplementedError


@dataclass
class _Marks(Locator):
    """A list read through the parser: the parser's mark of each entry."""

    marks: list

    def locate(self, rest: Path) -> tuple[int, int] | None:
        i = rest[0]
        if isinstance(i, int) and 0 <= i < len(self.marks) and len(rest) == 1:
            mark = self.marks[i]
            if isinstance(mark, _Run):
                return mark.line + i - mark.first + 1, mark.column + 1
            return mark.line + 1, mark.column + 1
        return None


@dataclass
class _Run:
    """Where the entries of a block list read in bulk are: one a line, from ``line``."""

    first: int  # the index of its first entry in the list
    line: int  # 0-based, as the parser's marks
    column: int


@dataclass
class Document:
    """Plain data read from YAML, with the (line, column) of every value."""

    data: Any
    file: str
    marks: dict[Path, tuple[int, int]] = field(default_factory=dict)  # where values start
    key_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)  # where keys are
    rows: dict[Path, Locator] = field(default_factory=dict)  # lists: entries found lazily

    def where(self, path: Path) -> tuple[int | None, int | None]:
        """(line, column) of ``path``'s value, or of its nearest located parent."""
        probe = tuple(path)
        while True:
            if probe in self.marks:
                return self.marks[probe]
            for cut in range(len(probe) - 1, -1, -1):  # an entry of a list read as a whole
                locator = self.rows.get(probe[:cut])
                if locator is not None:
                    found = locator.locate(probe[cut:])
                    if found:
                        return found
            if not probe:
                return None, None
            probe = probe[:-1]

    def error(self, path: Path, message: str, at_key: bool = False) -> ProblemError:
        """A ProblemError located at ``path``'s value (or key), or its nearest located parent."""
        probe = tuple(path)
        if at_key and probe in self.key_marks:
            line, column = self.key_marks[probe]
        else:
            line, column = self.where(probe)
        return ProblemError(message, file=self.file, key=dotted(path), line=line, column=column)


def dotted(path: Path) -> str | None:
    """``("gates", "input", "W", 1)`` -> ``gates.input.W[1]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) and out else f".{part}" if out else str(part)
    return out or None


def read_text(text: str, file: str = "<problem>", bulk: bool = True) -> Document:
    """Parse YAML text into a Document; every failure is a ProblemError.

    ``bulk=False`` reads every number through the YAML parser (the same data, slower).
    """
    _check_text(text, file)
    doc = Document(None, file)
    bulk = _Bulk(text) if bulk else None
    if bulk and bulk.blocks:
        try:
            doc.data = _Composer(doc, bulk.text, bulk).run()
        except _NoBulk:
            doc = Document(None, file)  # a placeholder landed in text: read it as written
        else:
            return doc
    doc.data = _Composer(doc, text, None).run()
    return doc


def control_character(text: str) -> str | None:
    """The first character of ``text`` that no output can print (a control character,
    also when written as a YAML escape such as "\\0" or "\\e"), described; or None."""
    bad = _BAD_CHAR.search(text)
    if bad is None:
        return None
    code = ord(bad.group())
    return f"U+{code:04X}" + (f" ({_CHAR_NAMES[code]})" if code in _CHAR_NAMES else "")


def _check_text(text: str, file: str) -> None:
    """Size and characters, before any parsing."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise ProblemError(f"the file is {size / 1e6:.1f} MB; at most "
                           f"{MAX_FILE_BYTES // 1_000_000} MB is read", file=file)
    bad = _BAD_CHAR.search(text)
    if bad:
        line, column = _line_column(text, bad.start())
        code = ord(bad.group())
        what = f"U+{code:04X}" + (f" ({_CHAR_NAMES[code]})" if code in _CHAR_NAMES else "")
        raise ProblemError(f"the control character {what} is not allowed in a YAML file "
                           "(only tabs, line breaks and printable text)", file=file,
                           line=line, column=column)
    # every value follows one of these (or starts the file): a cheap upper bound first
    bound = 1 + sum(text.count(c) for c in ",\n:-[{?")
    if bound > MAX_NODES and sum(1 for _ in _TOKENS.finditer(text)) > MAX_NODES:
        raise ProblemError(f"the file holds more than {MAX_NODES:,} values: too large to be a "
                           "problem", file=file)


def _line_column(text: str, index: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


# --- numbers in brackets, read in bulk ------------------------------------------------------

_S = r"[ \t\r\n]*+"
_NUM = r"[-+]?+(?:\d++(?:\.\d*+)?+|\.\d++)(?:[eE][-+]?+\d++)?+"
_VEC = rf"(?>\[{_S}(?:{_NUM}(?:{_S},{_S}{_NUM})*+(?:{_S},)?+)?+{_S}\])"
_MAT = rf"(?>\[{_S}(?:{_VEC}(?:{_S},{_S}{_VEC})*+(?:{_S},)?+)?+{_S}\])"
_BLOCK = re.compile(rf"(?:{_MAT}|{_VEC})(?![^\s,\]}}])")  # then a space, a comma or a closer
_NUMBER = re.compile(_NUM)
_ITEM = re.compile(rf"\[|\]|{_NUM}")
# a block list of numbers, one a line at the same indentation ("- 0.25"), four or more
_RUN = re.compile(rf"^(?P<ind>[ ]*)- {_NUM}[ \t]*\r?\n(?:(?P=ind)- {_NUM}[ \t]*\r?\n){{3,}}",
                  re.MULTILINE)
_MARK = "\ue000"  # private-use characters: a placeholder's first character; this one for
_SPLICE = "\ue001"  # a block list of numbers: the run of entries it stands for
_MIN_BLOCK = 16  # characters: shorter lists gain nothing from bulk reading


def _fits(label: str, text: str, start: int, end: int) -> bool:
    """Whether ``label`` fits on the first line of text[start:end]."""
    head = text[start:min(end, start + len(label))]
    return len(head) == len(label) and "\n" not in head and "\r" not in head


def _in_comment(text: str, start: int, end: int) -> bool:
    """Whether a block over several lines may start in a comment ("# [1, 2,\r 3]": a lone
    CR ends the comment, and what follows is YAML): a # earlier on its line. Such a block
    is read as written (a # inside quotes only costs the bulk reading)."""
    if "\n" not in text[start:end] and "\r" not in text[start:end]:
        return False
    line = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    return "#" in text[line:start]


def _blank(text: str) -> str:
    """Spaces for every character but line breaks."""
    if "\r" in text:
        return re.sub(r"[^\n\r]", " ", text)
    return "\n".join(" " * len(line) for line in text.split("\n"))


class _NoBulk(Exception):
    """A placeholder was read inside text: read the file as written instead."""


class _Bulk:
    """The text with each bracketed block of numbers replaced by a placeholder.

    A placeholder that the parser returns as anything but a plain value (inside
    quotes, a block of text, a longer plain text) makes the reader start over
    with the text as written; one inside a comment is simply never seen.
    """

    def __init__(self, text: str):
        self.source = text
        self.blocks: list[tuple[int, int]] = []  # (start, end) in the text
        self.text = text
        if _MARK in text or _SPLICE in text:
            return
        if "[" in text:
            self.text = self._replace(self.text, _BLOCK, _MARK, 0)
        if "- " in text:
            self.text = self._replace(self.text, _RUN, _SPLICE, None)

    def _replace(self, text: str, pattern: re.Pattern, mark: str, group: int | None) -> str:
        """Each match becomes a placeholder of the same length, its line breaks kept, so
        that every later line and column is unchanged. A run keeps its first "- "."""
        pieces = []
        last = 0
        for match in pattern.finditer(text):
            start, end = match.span()
            if end - start < _MIN_BLOCK:
                continue
            if group is None:  # a block list: the placeholder is its first entry
                start += len(match.group("ind")) + 2
            label = f"{mark}{len(self.blocks)}"
            if not _fits(label, text, start, end) or _in_comment(text, start, end):
                continue
            rest = text[start + len(label):end]
            pieces += [text[last:start], label, _blank(rest)]
            self.blocks.append((start, end))
            last = end
        pieces.append(text[last:])
        return "".join(pieces) if len(pieces) > 1 else text

    def value(self, k: int) -> tuple[list, int, int, Locator]:
        """Block ``k``: its numbers, how many values, how deep, and where each was written."""
        start, end = self.blocks[k]
        span = self.source[start:end]
        locator = _Span(self.source, start, end)
        if span[0] != "[":  # a block list's entries, one a line: "0.5\n  - 0.25\n ..."
            items = _numbers(span.split()[::2])
            return items, len(items), 0, locator
        if span.count("[") == 1:
            items = _numbers(_NUMBER.findall(span))
            return items, 1 + len(items), 1, locator
        rows = [_numbers(_NUMBER.findall(row)) for row in span[1:-1].split("]")[:-1]]
        return rows, 1 + len(rows) + sum(map(len, rows)), 2, locator


def _numbers(tokens: list[str]) -> list:
    """What _number gives for each token, faster for the usual ones (123, 0.25)."""
    if max(map(len, tokens), default=0) > MAX_NUMBER_CHARS:
        return [_number(t) for t in tokens]
    return [int(t) if t.isdigit() else Decimal(t) if "." in t else _number(t) for t in tokens]


@dataclass
class _Span(Locator):
    """A block read in bulk: its entries are found again in the text when needed."""

    text: str
    start: int
    end: int

    def locate(self, rest: Path) -> tuple[int, int] | None:
        index: list[int] = []  # the position in each open list
        for match in _ITEM.finditer(self.text, self.start, self.end):
            token = match.group()
            if token == "]":
                index.pop()
                continue
            if index:
                index[-1] += 1
                if tuple(index) == tuple(rest):
                    return _line_column(self.text, match.start())
            if token == "[":
                index.append(-1)
        return None


# --- plain scalars --------------------------------------------------------------------------

_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "yes": True, "Yes": True, "on": True,
         "false": False, "False": False, "FALSE": False, "no": False, "No": False, "off": False}
_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)$")
_SPECIAL = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan,
            ".Inf": math.inf, "-.Inf": -math.inf, ".NaN": math.nan, ".INF": math.inf,
            "-.INF": -math.inf, ".NAN": math.nan}


def _number(text: str) -> Any:
    """A plain scalar that looks like a number: an int or an exact Decimal, as written.

    Longer than MAX_NUMBER_CHARS it stays text, which parse_number refuses with its
    location (an int of 4,300+ digits would not even convert).
    """
    if len(text) > MAX_NUMBER_CHARS:
        return text
    if _INT.match(text):
        return int(text.replace("_", ""))
    try:
        number = Decimal(text.replace("_", ""))
    except ArithmeticError:
        return text
    return number if number.is_finite() else text


def _scalar(value: str, style: str | None, tag: str | None) -> Any:
    """Plain scalars are resolved here (not by PyYAML's slower resolver).

    Numbers stay exact (a decimal is a Decimal, as written); quoted text stays
    text, so that parse_number can still read "1/3".
    """
    if style or tag:  # quoted or block text, or tagged: as written
        return value
    if value in _NULL:
        return None
    if value in _BOOL:
        return _BOOL[value]
    if value in _SPECIAL:
        return _SPECIAL[value]  # rejected later, with its location
    if value[:1] in "0123456789+-.":
        return _number(value)
    return value


# --- events to plain data, without recursion --------------------------------------------------


class _Frame:
    """An open list or mapping."""

    __slots__ = ("value", "path", "anchor", "count", "height", "marks", "key", "mark")

    def __init__(self, value, path, anchor, count, mark):
        self.value = value
        self.path = path
        self.anchor = anchor
        self.count = count  # values read before it began
        self.height = 0  # how deep its entries nest (0: numbers and text only)
        self.marks = [] if isinstance(value, list) else None  # a list: where each entry is
        self.key = _NO_KEY  # a mapping's key awaiting its value
        self.mark = mark


_NO_KEY = object()


class _Composer:
    """Plain data from the parser's events; an explicit stack, never recursion."""

    def __init__(self, doc: Document, text: str, bulk: _Bulk | None, loader=None):
        self.doc = doc
        self.text = text
        self.bulk = bulk
        self.loader = loader or _LOADER
        self.count = 0
        self.anchors: dict[str, tuple[Any, int, int]] = {}  # name -> (value, size, height)
        self.stack: list[_Frame] = []
        self.root: Any = _NO_KEY

    def fail(self, mark, message: str, path: Path = ()) -> ProblemError:
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        key = dotted(path[:6]) + "…" if len(path) > 8 else dotted(path)  # deep: the start
        return ProblemError(message, file=self.doc.file, key=key, line=line, column=column)

    def run(self) -> Any:
        parser = self.loader(self.text)
        try:
            self._events(parser)
        except yaml.MarkedYAMLError as exc:
            if self.bulk is not None:
                raise _NoBulk from None  # the message comes from the text as written
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or "invalid YAML"
            if "nesting depth" in problem:  # libyaml's own limit (1,000), met scanning ahead
                if self.loader is not yaml.BaseLoader:  # ours is met first without lookahead
                    _Composer(Document(None, self.doc.file), self.text, None,
                              yaml.BaseLoader).run()
                raise self.fail(mark, f"lists and mappings are nested more than {MAX_DEPTH} "
                                "deep; a problem file needs only a few levels") from None
            if exc.context:
                problem = f"{exc.context}, {problem}"
            raise self.fail(mark, f"YAML syntax error: {problem}") from None
        except yaml.YAMLError as exc:
            if self.bulk is not None:
                raise _NoBulk from None
            raise ProblemError(f"YAML error: {exc}", file=self.doc.file) from None
        finally:
            parser.dispose()
        if self.root is _NO_KEY:
            raise ProblemError("the file is empty: expected a mapping such as 'cell: lstm'",
                               file=self.doc.file)
        return self.root

    def _events(self, parser) -> None:
        scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
        seq_start, seq_end = yaml.SequenceStartEvent, yaml.SequenceEndEvent
        map_start, map_end = yaml.MappingStartEvent, yaml.MappingEndEvent
        documents = 0
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is scalar:
                value = event.value
                if self.bulk is not None and (_MARK in value or _SPLICE in value):
                    numbers, size, height, locator = self._placeholder(event)
                    if value[0] == _SPLICE:
                        self.splice(numbers, event.start_mark)
                    else:
                        self.add(numbers, event.start_mark, event.anchor, size, height,
                                 locator)
                    continue
                if event.tag is not None and event.tag not in _SCALAR_TAGS:
                    raise self._tag(event)
                self.add(_scalar(value, event.style, event.tag), event.start_mark,
                         event.anchor, 1, 0)
            elif kind is seq_start or kind is map_start:
                self._open(event, [] if kind is seq_start else {})
            elif kind is seq_end or kind is map_end:
                frame = self.stack.pop()
                if frame.marks is not None:
                    self.doc.rows[frame.path] = _Marks(frame.marks)
                size = self.count - frame.count
                self.count = frame.count  # add() counts it again, as a whole
                self.add(frame.value, frame.mark, frame.anchor, size, frame.height + 1)
            elif kind is alias:
                name = event.anchor
                if any(f.anchor == name for f in self.stack):
                    raise self.fail(event.start_mark, f"the alias *{name} refers to a list or "
                                    "mapping that contains it (a loop)", self.child_path())
                if name not in self.anchors:
                    raise self.fail(event.start_mark, f"the alias *{name} refers to no anchor "
                                    f"(&{name} must come before it)", self.child_path())
                value, size, height = self.anchors[name]
                self.add(value, event.start_mark, None, size, height)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self.fail(event.start_mark, "expected one document, found a second "
                                    "(a line '---' starts another)")
            elif kind is yaml.StreamEndEvent:
                return

    def _open(self, event, value) -> None:
        if event.tag not in _COLLECTION_TAGS:
            raise self._tag(event)
        path = self.child_path()
        mark = event.start_mark
        if self.stack and self.stack[-1].key is _NO_KEY and self.stack[-1].marks is None:
            raise self.fail(mark, "a mapping key must be a name or a number",
                            self.stack[-1].path)
        if len(self.stack) >= MAX_DEPTH:
            raise self.fail(mark, f"lists and mappings are nested more than {MAX_DEPTH} "
                            "deep; a problem file needs only a few levels", path)
        self.doc.marks.setdefault(path, (mark.line + 1, mark.column + 1))
        self.stack.append(_Frame(value, path, event.anchor, self.count, mark))
        self.count += 1
        self.check_count(mark)

    def add(self, value, mark, anchor: str | None, size: int, height: int,
            locator: Locator | None = None) -> None:
        """The value just read goes into the open list or mapping (or is the document)."""
        self.count += size
        self.check_count(mark)
        if anchor is not None:
            self.anchors[anchor] = (value, size, height)
        if not self.stack:
            self.doc.marks[()] = (mark.line + 1, mark.column + 1)
            if locator is not None:
                self.doc.rows[()] = locator
            self.root = value
            return
        parent = self.stack[-1]
        if height > parent.height:
            parent.height = height
            if len(self.stack) + height > MAX_DEPTH:
                raise self.fail(mark, f"lists and mappings are nested more than {MAX_DEPTH} "
                                "deep (counting what aliases bring in); a problem file needs "
                                "only a few levels", self.child_path())
        if parent.marks is not None:  # a list
            if locator is not None:
                self.doc.rows[parent.path + (len(parent.value),)] = locator
            parent.marks.append(mark)
            parent.value.append(value)
            return
        if parent.key is _NO_KEY:  # a mapping's key
            if isinstance(value, (dict, list)):
                raise self.fail(mark, "a mapping key must be a name or a number", parent.path)
            path = parent.path + (value,)
            if value in parent.value:
                raise self.fail(mark, f"the key {value!r} appears twice", path)
            parent.key = value
            self.doc.key_marks[path] = (mark.line + 1, mark.column + 1)
            return
        path = parent.path + (parent.key,)
        self.doc.marks.setdefault(path, (mark.line + 1, mark.column + 1))
        if locator is not None:
            self.doc.rows[path] = locator
        parent.value[parent.key] = value
        parent.key = _NO_KEY

    def splice(self, numbers: list, mark) -> None:
        """A block list's entries, one a line from ``mark`` down, go into the open list."""
        parent = self.stack[-1] if self.stack else None
        if parent is None or parent.marks is None:
            raise _NoBulk
        self.count += len(numbers)
        self.check_count(mark)
        parent.marks.extend([_Run(len(parent.value), mark.line, mark.column)] * len(numbers))
        parent.value.extend(numbers)

    def child_path(self) -> Path:
        """The path of the value about to be read."""
        if not self.stack:
            return ()
        parent = self.stack[-1]
        if parent.marks is not None:
            return parent.path + (len(parent.value),)
        return parent.path + (("<key>",) if parent.key is _NO_KEY else (parent.key,))

    def check_count(self, mark) -> None:
        if self.count > MAX_NODES:
            raise self.fail(mark, f"more than {MAX_NODES:,} values (after expanding YAML "
                            "aliases): the file is too large to be a problem", self.child_path())

    def _placeholder(self, event) -> tuple[list, int, int, Locator]:
        """A block of numbers read in bulk; anywhere but as a plain value, start over."""
        value = event.value
        if (event.style or event.tag or value[:1] not in (_MARK, _SPLICE)
                or not value[1:].isdigit() or (value[0] == _SPLICE and event.anchor)):
            raise _NoBulk
        k = int(value[1:])
        if k >= len(self.bulk.blocks):
            raise _NoBulk
        return self.bulk.value(k)

    def _tag(self, event) -> ProblemError:
        return self.fail(event.start_mark, f"the YAML tag {event.tag!r} is not allowed: a "
                         "problem file holds only numbers, text, lists and mappings",
                         self.child_path())
