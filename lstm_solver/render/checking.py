"""The terminal view of a check: a table per step, the first wrong step worked out,
and, for a class, the scores, the share correct per quantity and the common slips."""

from __future__ import annotations

from rich.console import Console, Group
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from ..check import Report, Summary
from ..equations import Name
from .terminal import TerminalSolution, print_trimmed
from .text import name

VERDICTS = {"correct": ("✓ correct", "green"), "follows": ("↳ follows", "cyan"),
            "wrong": ("✗ wrong", "bold red")}


def _qname(report: Report, short: str, t: int) -> str:
    from ..gradient_answers import is_gradient, label

    if is_gradient(short):
        return label(report.derivation.problem, short, t)
    return name(Name(report.derivation.problem.symbol(short), "", 0), t)


def report_view(report: Report, console: Console) -> Group:
    dv = report.derivation
    show = dv.rounding.show
    parts: list = []
    for t in sorted({i.t for i in report.items}, key=lambda t: (t is None, t or 0)):
        title = "Parameters, norm and update" if t is None else f"Step t = {t}"
        table = Table(title=title, title_justify="left", title_style="bold")
        for column, justify in (("quantity", "left"), ("yours", "right"),
                                ("expected", "right"), ("verdict", "left"),
                                ("diagnosis", "left")):
            table.add_column(column, justify=justify, overflow="fold")
        for item in (i for i in report.items if i.t == t):
            label, style = VERDICTS[item.verdict]
            table.add_row(f"{_qname(report, item.quantity, t)}[{item.index + 1}]",
                          f"{item.answer:g}", show(item.expected), Text(label, style=style),
                          item.diagnosis or "")
        parts.append(table)
    first = report.first_wrong
    if first is None:
        follows = sum(i.verdict == "follows" for i in report.items)
        parts.append(Text("Every number is right" + (
            f" ({follows} follow from your own earlier numbers)" if follows else "") + ".",
            style="bold green"))
        return Group(*parts)
    where = f"{_qname(report, first.quantity, first.t)}[{first.index + 1}]"
    parts.append(Text.assemble(("\nThe first wrong step: ", "bold"), (where, "bold red"),
                               f" = {first.answer:g}, but it is {show(first.expected)}."))
    if first.diagnosis:
        parts.append(Text(f"It looks like {first.diagnosis}.", style="italic"))
    parts.append(Text("Here is how it goes:"))
    from ..gradient_answers import is_gradient, worked

    if is_gradient(first.quantity):
        step, q = worked(dv, first.t, first.quantity) or (None, None)
        step = step or type(dv.steps[0])(first.t, None)
    else:
        step = next(s for s in dv.steps if s.t == first.t)
        q = step.get(first.quantity)
    if q is not None and q.tree is not None:
        solution = TerminalSolution(dv)
        parts.extend(solution._quantity(q, step, console.width,
                                        dv.problem.orientation == "row"))
    return Group(*parts)


def class_view(summary: Summary) -> Group:
    parts: list = []
    students = Table(title="Students", title_style="bold", title_justify="left")
    for column in ("student", "score", "correct", "follows", "wrong", "first wrong"):
        students.add_column(column, justify="left" if column in ("student", "first wrong")
                            else "right")
    for r in summary.reports:
        counts = [sum(i.verdict == v for i in r.items) for v in ("correct", "follows", "wrong")]
        first = r.first_wrong
        students.add_row(r.answers.student, f"{100 * r.score:.0f} %", *map(str, counts),
                         f"{_qname(r, first.quantity, first.t)}" if first else "—")
    parts.append(students)
    per = Table(title="Per quantity", title_style="bold", title_justify="left")
    per.add_column("quantity")
    per.add_column("correct (or follows)", justify="right")
    any_report = summary.reports[0]
    for (t, q), share in summary.per_quantity().items():
        per.add_row(_qname(any_report, q, t), f"{100 * share:.0f} %")
    parts.append(per)
    slips = summary.slips()
    if slips:
        common = Table(title="Most common slips", title_style="bold", title_justify="left")
        common.add_column("slip")
        common.add_column("students", justify="right")
        for says, n in slips:
            common.add_row(says, str(n))
        parts.append(common)
    return Group(*parts)


def render(summary: Summary, console: Console) -> None:
    problem = summary.reports[0].derivation.problem
    parts = [Rule(Text(problem.title, style="bold"))] if problem.title else []
    if len(summary.reports) == 1:
        parts.append(report_view(summary.reports[0], console))
    else:
        parts.append(class_view(summary))
    print_trimmed(console, *parts)
