"""Marking a class: each submission against its own variant, one bad file never stops it.

``mark_class`` reads every answer file, finds the problem it answers (the only
one; the roster's variant for its student; the variant its ``problem:`` key
names; or the variant made for its student), and checks it. A file that cannot
be read, or whose student is not on the roster, becomes a :class:`Failure` with
its located message; a student on the roster without a file, too. The library
never prints: the command line shows the :class:`Summary`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .answers import Slot, label, metadata, parse_document, read_answer_file
from .check import FORMAT, RIGHT, Checker, Marking, Report, number, student_dict
from .errors import ProblemError
from .feedback import feedback, patterns
from .problem import CountProblem, Problem, load_problem

PER_STEP_ROWS_AT_MOST = 24  # more (step, quantity) pairs are summed over the steps


@dataclass(frozen=True)
class Failure:
    """A submission that could not be marked (or a student on the roster without one)."""

    student: str
    file: str | None
    error: str
    problem: str | None = None


@dataclass
class Summary:
    reports: list[Report]
    failures: list[Failure] = field(default_factory=list)
    variants: bool = False  # submissions were matched to variants (a roster, problem:)

    @property
    def all_correct(self) -> bool:
        return not self.failures and all(r.all_correct for r in self.reports)

    @property
    def problem(self) -> Problem | None:
        return self.reports[0].problem if self.reports else None

    def per_quantity(self) -> dict[tuple, float]:
        """The share of asked numbers that are right (correct or follow), by (layer,
        direction, t, quantity), or summed over the steps when there are many."""
        keys: dict[tuple, list[bool]] = {}
        for r in self.reports:
            for i in r.asked:
                keys.setdefault((i.layer, i.direction, i.t, i.quantity), []).append(
                    i.verdict in RIGHT)
        if len(keys) > PER_STEP_ROWS_AT_MOST:
            steps: dict[tuple, set] = {}
            for layer, direction, t, q in keys:
                steps.setdefault((layer, direction, q), set()).add(t)
            merged: dict[tuple, list[bool]] = {}
            for (layer, direction, t, q), v in keys.items():
                # a quantity of one t (∂L/∂W, ‖g‖: the whole sequence's) keeps its own key
                at = None if len(steps[(layer, direction, q)]) > 1 else t
                merged.setdefault((layer, direction, at, q), []).extend(v)
            keys = merged
        return {key: sum(v) / len(v) for key, v in keys.items()}

    def slips(self) -> list[tuple[str, int]]:
        """The diagnoses, most common first, each counted once per student."""
        counts: dict[str, int] = {}
        for r in self.reports:
            for p in patterns(r):
                counts[p.diagnosis] = counts.get(p.diagnosis, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


# --- the problems a class answers -----------------------------------------------------------


def _key(name: str) -> str:
    """A student's name for matching: case, spaces, _ - . do not count."""
    return re.sub(r"[\s_.\-]+", " ", name).strip().casefold()


class Variants:
    """The problem files a class answers, loaded once each; a bad one is a ProblemError."""

    def __init__(self, paths: list[Path]):
        self.problems: dict[Path, Problem] = {}
        for path in paths:
            self.add(path)

    def add(self, path: Path) -> Problem:
        key = path.resolve()
        if key not in self.problems:
            problem = load_problem(path)
            if isinstance(problem, CountProblem):
                raise ProblemError("a parameter count has one number to check: compare it with "
                                   "lstm-solve's answer", file=str(path))
            self.problems[key] = problem
        return self.problems[key]

    def find(self, ref: str) -> Problem | None:
        """The variant a ``problem:`` key names: its file name (with or without .yaml),
        or its title."""
        want = ref.strip().casefold()
        for path, problem in self.problems.items():
            names = {path.name.casefold(), path.stem.casefold(),
                     (problem.title or "").strip().casefold()}
            if want in names or Path(want).name in names:
                return problem
        return None

    def for_student(self, student: str) -> Problem | None:
        """The variant made for ``student`` (its ``student:`` key), if exactly one is."""
        found = [p for p in self.problems.values() if p.student and _key(p.student) == _key(
            student)]
        return found[0] if len(found) == 1 else None


def read_roster(path: str | Path, variants: Variants,
                folder: Path | None) -> dict[str, tuple[str, Path]]:
    """``student,problem`` rows -> {matching key: (student, problem file)}; every problem is
    loaded (a bad one, a missing one or a student listed twice is a ProblemError naming the
    line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ProblemError("no such file", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(f"cannot be read as UTF-8 text ({exc})", file=str(path)) from None
    rows = list(csv.reader(io.StringIO(text)))
    out: dict[str, tuple[str, Path]] = {}
    lines: dict[str, int] = {}
    start = 0
    if rows and any(c.strip().casefold() == "student" for c in rows[0]):
        header = [c.strip().casefold() for c in rows[0]]
        who = header.index("student")
        which = next((header.index(h) for h in ("problem", "variant", "file") if h in header),
                     None)
        if which is None:
            raise ProblemError("the header names no 'problem' column (expected: student, "
                               "problem)", file=str(path), line=1)
        start = 1
    else:
        who, which = 0, 1
    for n, row in enumerate(rows[start:], start + 1):
        if not any(c.strip() for c in row):
            continue
        if len(row) <= max(who, which) or not row[who].strip() or not row[which].strip():
            raise ProblemError(f"expected a student and a problem file, found {row!r}",
                               file=str(path), line=n)
        student, ref = row[who].strip(), row[which].strip()
        key = _key(student)
        if key in out:
            raise ProblemError(f"{student!r} is on the roster twice (lines {lines[key]} and "
                               f"{n})", file=str(path), line=n)
        candidates = [path.parent / ref] + ([folder / ref] if folder else [])
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise ProblemError(f"{ref}: no such problem file (looked in "
                               f"{', '.join(str(c.parent) for c in candidates)})",
                               file=str(path), line=n)
        variants.add(found)
        out[key] = (student, found.resolve())
        lines[key] = n
    if not out:
        raise ProblemError("the roster lists no students (expected rows: student, problem)",
                           file=str(path))
    return out


def read_students(path: str | Path) -> list[str]:
    """Names, one a line (blank lines and # comments skipped); a name twice is an error."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ProblemError("no such file", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(f"cannot be read as UTF-8 text ({exc})", file=str(path)) from None
    names: list[str] = []
    lines: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), 1):
        name = line.strip()
        if not name or name.startswith("#"):
            continue
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in name) or len(name) > 200:
            raise ProblemError("expected a name (at most 200 characters, no control "
                               "characters)", file=str(path), line=n)
        key = _key(name)
        if key in lines:
            raise ProblemError(f"{name!r} is listed twice (lines {lines[key]} and {n}): each "
                               "student gets one variant", file=str(path), line=n)
        lines[key] = n
        names.append(name)
    if not names:
        raise ProblemError("no names in the file (one student a line)", file=str(path))
    return names


def roster_text(students: list[str], files: list[str]) -> str:
    """roster.csv: who answers which variant."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "problem"])
    writer.writerows(zip(students, files))
    return buffer.getvalue()


# --- marking --------------------------------------------------------------------------------


def mark_class(problem_paths: list[Path], answer_paths: list[Path],
               roster: str | Path | None = None, marking: Marking | None = None,
               folder: Path | None = None, whole_class: bool = True) -> Summary:
    """Every submission checked against its problem (see the module's docstring);
    ``whole_class``: the answers are all there are (a student on the roster without
    one is reported)."""
    marking = marking or Marking()
    variants = Variants(problem_paths)
    listed = read_roster(roster, variants, folder) if roster else {}
    checkers: dict[int, Checker] = {}
    summary = Summary([], variants=bool(roster) or len(variants.problems) > 1)
    handed_in: set[str] = set()
    for path in answer_paths:
        student, problem = path.stem, None
        try:
            doc = read_answer_file(path)
            student, ref = metadata(doc)
            problem, note = _choose(variants, listed, student, ref, path)
            handed_in.add(_key(student))
            if id(problem) not in checkers:
                checkers[id(problem)] = Checker(problem, marking)
            report = checkers[id(problem)].check(parse_document(doc, problem))
        except ProblemError as exc:
            file = _relative(Path(problem.file)) if problem is not None else None
            summary.failures.append(Failure(student, str(path), str(exc), file))
            continue
        if note:
            report.notes.append(note)
        summary.reports.append(report)
    for key, (name, file) in listed.items():
        if whole_class and key not in handed_in:
            summary.failures.append(Failure(name, None, "no answer file", _relative(file)))
    return summary


def _choose(variants: Variants, listed: dict[str, tuple[str, Path]], student: str,
            ref: str | None,
            path: Path) -> tuple[Problem, str | None]:
    """The problem a submission answers, and a note when something deserves one."""
    problems = variants.problems
    named = variants.find(ref) if ref else None
    if ref and named is None and len(problems) > 1:
        raise ProblemError(f"problem: {ref!r} is none of the variants "
                           f"({_few([p.name for p in problems])})", file=str(path))
    if listed:
        file = listed.get(_key(student), (None, None))[1]
        if file is None:
            if named is not None:
                return named, f"{student} is not on the roster; marked against {ref}"
            raise ProblemError(f"{student!r} is not on the roster: add them, or say which "
                               "variant they answered with 'problem:' in the answer file",
                               file=str(path))
        problem = problems[file]
        if named is not None and named is not problem:
            raise ProblemError(f"the roster gives {student} {file.name}, but the answer file "
                               f"says problem: {ref}", file=str(path))
        return problem, None
    if len(problems) == 1:
        only = next(iter(problems.values()))
        note = None
        if ref and named is None:
            note = f"the file names problem: {ref}; marked against {Path(only.file).name}"
        return only, note
    if named is not None:
        return named, None
    mine = variants.for_student(student)
    if mine is not None:
        return mine, None
    raise ProblemError(f"which variant did {student} answer? Give --roster roster.csv, or "
                       "'problem: <variant file>' in the answer file", file=str(path))


def _few(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f", ... ({len(names)} in all)" if len(names) > 3 else "")


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- JSON and CSV ---------------------------------------------------------------------------


def summary_dict(summary: Summary) -> dict:
    students = []
    for r in summary.reports:
        row = student_dict(r, feedback(r))
        if summary.variants:
            row["problem"] = _relative(Path(r.problem.file))
        students.append(row)
    for f in summary.failures:
        row = {"student": f.student, "file": f.file, "error": f.error}
        if f.problem:
            row["problem"] = f.problem
        students.append(row)
    problem = summary.problem
    return {
        "format": FORMAT,
        "all_correct": summary.all_correct,
        "students": students,
        "per_quantity": [
            {"t": t, "quantity": q, "share_right": share}
            | ({"layer": layer, "direction": direction} if problem and len(
                problem.units) > 1 else {})
            for (layer, direction, t, q), share in summary.per_quantity().items()],
        "slips": [{"diagnosis": says, "students": n} for says, n in summary.slips()],
    }


def csv_text(summary: Summary) -> str:
    """The marks, a row per student: totals, feedback, then marks per quantity per step.

    It starts with a UTF-8 byte-order mark: without it a spreadsheet opened by double-click
    (Excel) reads the file in the system's code page, and h₂ or σ come out as "hâ‚‚"."""
    slots: dict[tuple, set[Fraction]] = {}
    for r in summary.reports:
        for i in r.asked:
            slots.setdefault((i.layer, i.direction, i.t, i.quantity), set())
        for key, out_of in _per_slot(r, "out_of").items():
            slots[key].add(out_of)
    problem = summary.problem
    columns = []
    for key, out_of in slots.items():
        layer, direction, t, q = key
        name = label(problem, Slot(layer, direction, t - problem.start, q))
        columns.append(name + (f" (of {number(next(iter(out_of)))})" if len(out_of) == 1
                               else ""))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    head = ["student", "file"] + ["problem"] * summary.variants + [
        "marks", "out of", "score", "correct", "follows", "imprecise", "wrong", "missing",
        "feedback", "error"]
    writer.writerow(head + columns)
    for r in summary.reports:
        earned = _per_slot(r, "marks")
        row = [r.answers.student, r.answers.file] + [
            _relative(Path(r.problem.file))] * summary.variants + [
            number(r.marks), number(r.out_of), f"{r.score:.3f}",
            *(r.count(v) for v in ("correct", "follows", "imprecise", "wrong", "missing")),
            feedback(r), ""]
        writer.writerow(row + [number(earned[k]) if k in earned else "" for k in slots])
    for f in summary.failures:
        row = [f.student, f.file or ""] + [f.problem or ""] * summary.variants + [
            "", "", "", "", "", "", "", "", "", f.error]
        writer.writerow(row + [""] * len(slots))
    return "\ufeff" + buffer.getvalue()


def _per_slot(report: Report, what: str) -> dict[tuple, Fraction]:
    out: dict[tuple, Fraction] = {}
    for i in report.asked:
        key = (i.layer, i.direction, i.t, i.quantity)
        out[key] = out.get(key, Fraction(0)) + getattr(i, what)
    return out
