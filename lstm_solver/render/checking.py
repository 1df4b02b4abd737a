"""The terminal view of a check: for one student, a table per step, the marks, the
feedback and the first wrong step worked out; for a class, each student's marks, the
files that could not be marked, the share right per quantity and the common slips."""

from __future__ import annotations

from rich.columns import Columns
from rich.console import Console, Group
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from ..answers import Slot, label
from ..check import Item, Report, number
from ..classroom import Summary
from ..feedback import expected, sentences
from .terminal import TerminalSolution, print_trimmed

VERDICTS = {"correct": ("✓", "correct", "green"), "follows": ("↳", "follows", "cyan"),
            "imprecise": ("≈", "imprecise", "yellow"), "wrong": ("✗", "wrong", "bold red"),
            "missing": ("–", "missing", "magenta")}
ALL_STEPS_FROM = 4  # with more steps, steps where every number is correct are summed up
MARKS_PER_QUANTITY_AT_MOST = 12


def _name(report: Report, item: Item, index: bool = True) -> str:
    slot = Slot(item.layer, item.direction, item.t - report.problem.start, item.quantity)
    return label(report.problem, slot, item.index if index else None)


def _heading(report: Report, layer: int, direction: str, t: int, row: int = 1) -> str:
    problem = report.problem
    head = f"Batch row {row} · " if problem.batch else ""  # issue 17
    if t == problem.start - 1:  # gradients of the whole problem (the backward pass)
        if len(problem.units) > 1 and direction != "both":  # of one layer, one direction
            where = [f"layer {layer}"] * (problem.layers > 1) + [direction] * (
                problem.bidirectional)
            return f"Gradients · {' · '.join(where)}: the parameters and the initial state"
        return "Gradients: the loss, the parameters, the norm and the update"
    if len(problem.units) == 1:
        return head + f"Step t = {t}"
    if direction == "both":
        return head + f"Outputs · step t = {t}"
    return head + f"Layer {layer} · {direction} · step t = {t}"


def report_view(report: Report, console: Console) -> Group:
    """A table per step; with many steps, only the numbers that are not right (the rest
    are counted in one line)."""
    parts: list = []
    groups: dict[tuple, list[Item]] = {}
    for item in report.items:
        groups.setdefault((item.layer, item.direction, item.t, item.row), []).append(item)
    brief = len(groups) >= ALL_STEPS_FROM
    first_said: dict[str, int] = {}
    for key, items in groups.items():
        shown = [i for i in items if not brief or i.verdict not in ("correct", "missing")]
        if not shown:
            continue
        table = Table(title=_heading(report, *key), title_justify="left", title_style="bold")
        columns = [("quantity", "left"), ("yours", "right"), ("expected", "right"),
                   ("verdict", "left")]
        if any(i.diagnosis for i in shown):
            columns.append(("diagnosis", "left"))
        for column, justify in columns:
            table.add_column(column, justify=justify, overflow="fold")
        above = None
        for item in shown:
            mark, word, style = VERDICTS[item.verdict]
            verdict = Text(f"{mark} {word}", style=style)
            if not item.asked:
                verdict.append(" (not asked)", style="dim")
            row = [_name(report, item), item.written or "—",
                   expected(report, item.expected, item.quantity), verdict]
            if len(columns) == 5:
                says = item.diagnosis or ""
                if says and says == above:
                    says = "same as above"
                elif says and first_said.setdefault(says, item.t) != item.t:
                    says = f"as at t = {first_said[says]}"
                above = item.diagnosis
                row.append(says)
            table.add_row(*row)
        parts.append(table)
    if brief:
        right = [i for i in report.items if i.verdict == "correct"]
        steps = sorted({i.t for i in right})
        if right:
            parts.append(Text(f"Correct, not listed: {len(right)} numbers (t = "
                              f"{_span(steps)}).", style="green"))
    parts.append(_marks_line(report))
    for note in report.notes:
        parts.append(Text(f"Not marked: {note}.", style="dim"))
    parts.append(Text("\n" + " ".join(sentences(report)),
                      style="bold green" if report.all_correct else ""))
    first = report.first_wrong
    if first is not None:
        dv = report.derivation if first.row == 1 else report.derivation.rows[first.row - 2]
        step = next((s for s in [*dv.steps, *dv.outputs]
                     if (s.layer, s.direction, s.t) == (first.layer, first.direction, first.t)),
                    None)
        q = step.get(first.quantity) if step is not None else None
        from ..gradient_answers import is_gradient, whole_t, worked

        if is_gradient(first.quantity):  # the backward pass's worked quantity
            t = None if first.t == whole_t(report.problem) else first.t
            step, q = worked(report.derivation, t, first.quantity, first.layer,
                             first.direction) or (None, None)
            step = step or type(report.derivation.steps[0])(t, None)
        if q is not None and q.tree is not None:
            parts.append(Text(f"\nHere is how {_name(report, first, index=False)} goes:",
                              style="bold"))
            solution = TerminalSolution(dv)
            parts.extend(solution._quantity(q, step, console.width,
                                            report.problem.orientation == "row"))
    return Group(*parts)


def _marks_line(report: Report) -> Group:
    line = Text.assemble(("\nMarks: ", "bold"), f"{number(report.marks)} / "
                         f"{number(report.out_of)} ({100 * report.score:.0f} %)")
    per: dict[tuple, list[Item]] = {}
    for item in report.asked:
        per.setdefault((item.layer, item.direction, item.t, item.quantity), []).append(item)
    if not 1 < len(per) <= MARKS_PER_QUANTITY_AT_MOST:
        return Group(line)
    each = [Text(f"{_name(report, items[0], index=False)} "
                 f"{number(sum(i.marks for i in items))}/{number(sum(i.out_of for i in items))}",
                 style="dim") for items in per.values()]
    return Group(line, Padding(Columns(each, padding=(0, 3)), (0, 0, 0, 2)))


def _span(steps: list[int]) -> str:
    """1, 2, 3, 5 -> "1–3, 5"."""
    runs: list[list[int]] = []
    for t in steps:
        if runs and t == runs[-1][-1] + 1:
            runs[-1].append(t)
        else:
            runs.append([t])
    words = [str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
    return ", ".join(words)


def class_view(summary: Summary) -> Group:
    parts: list = []
    students = Table(title="Students", title_style="bold", title_justify="left")
    students.add_column("student", overflow="fold")
    students.add_column("marks", justify="right", no_wrap=True)
    students.add_column("%", justify="right")
    for verdict in ("correct", "follows", "imprecise", "wrong", "missing"):
        mark, _, style = VERDICTS[verdict]
        students.add_column(Text(mark, style=style), justify="right")
    students.add_column("first wrong", overflow="fold")
    for r in summary.reports:
        first = r.first_wrong
        students.add_row(r.answers.student, f"{number(r.marks)}/{number(r.out_of)}",
                         f"{100 * r.score:.0f}",
                         *(str(r.count(v)) for v in ("correct", "follows", "imprecise",
                                                     "wrong", "missing")),
                         _name(r, first) if first else "—")
    for f in summary.failures:
        students.add_row(f.student, Text("not marked", style="bold red"), "", "", "", "", "",
                         "", "see below")
    parts.append(students)
    parts.append(Text("  ".join(f"{m} {w}" for m, w, _ in VERDICTS.values()), style="dim"))
    if summary.failures:
        parts.append(Text("Not marked", style="bold red"))
        for f in summary.failures:
            why = f.error if f.file or not f.problem else f"{f.error} ({f.problem})"
            parts.append(Padding(Text.assemble((f.student, "bold"), f": {why}",
                                               overflow="fold"), (0, 0, 0, 2)))
    if summary.reports:
        per = Table(title="Per quantity", title_style="bold", title_justify="left")
        per.add_column("quantity")
        per.add_column("right (correct or follows)", justify="right")
        problem = summary.problem
        for (layer, direction, t, q), share in summary.per_quantity().items():
            if t is None:
                name = label(problem, short=q, t=None, layer=layer, direction=direction) + \
                    ", every step"
            else:
                name = label(problem, Slot(layer, direction, t - problem.start, q))
            per.add_row(name, f"{100 * share:.0f} %")
        parts.append(per)
    slips = summary.slips()
    if slips:
        common = Table(title="Most common slips", title_style="bold", title_justify="left")
        common.add_column("slip", overflow="fold")
        common.add_column("students", justify="right")
        for says, n in slips:
            common.add_row(says, str(n))
        parts.append(common)
    return Group(*parts)


def render(summary: Summary, console: Console) -> None:
    parts: list = []
    if len(summary.reports) == 1 and not summary.failures:
        report = summary.reports[0]
        if report.problem.title:
            parts.append(Rule(Text(report.problem.title, style="bold")))
        parts.append(Text(f"{report.answers.student} ({report.answers.file})", style="dim"))
        parts.append(report_view(report, console))
    else:
        problem = summary.problem
        variants = len({r.problem.file for r in summary.reports}) > 1 or summary.variants
        if problem is not None and problem.title and not variants:
            parts.append(Rule(Text(problem.title, style="bold")))
        parts.append(class_view(summary))
    print_trimmed(console, *parts)
