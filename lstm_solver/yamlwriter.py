"""A Problem written back as the problem file a person would write (``Problem.to_yaml``).

Matrices are written one row a line, their columns aligned; numbers exactly as held
(0.1 stays 0.1, a fraction is written "1/3"); the gate and state names the problem
used are kept. Reading the text back gives the same Problem.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

from .numbers import Value
from .problem import CountProblem, Problem, Unit

INDENT = "  "


def number(x) -> str:
    """One exact number as YAML the reader takes back exactly."""
    if isinstance(x, Fraction):
        return f'"{x}"' if x.denominator != 1 else str(x.numerator)
    if isinstance(x, Decimal):
        text = str(x)
        return "0" if text in ("-0", "0E+0") else text
    return str(x)


def text(value: str) -> str:
    """A one-line scalar, double-quoted (JSON's escapes are YAML's)."""
    return json.dumps(value, ensure_ascii=False)


def block_text(key: str, value: str, indent: str = "") -> list[str]:
    """A question: a literal block (one line a line) when it reads back the same."""
    lines = value.split("\n")
    body = lines[:-1] if value.endswith("\n") else lines
    simple = (
        "\n" in value.rstrip("\n") and not value.endswith("\n\n") and body
        and body[0][:1] not in (" ", "") and "\t" not in value and "\r" not in value
        and all(line == line.rstrip() for line in body)
        and all(ch.isprintable() or ch == "\n" for ch in value)
    )
    if not simple:
        return [f"{indent}{key}: {text(value)}"]
    chomp = "" if value.endswith("\n") else "-"
    return [f"{indent}{key}: |{chomp}"] + [f"{indent}{INDENT}{line}" if line else ""
                                             for line in body]


def vector(values) -> str:
    return "[" + ", ".join(number(x) for x in values) + "]"


def matrix(key: str, value: Value, indent: str) -> list[str]:
    """``W: [[ 0.1, 0.25],`` then a row a line, each column aligned on its decimal point."""
    rows = [[number(x) for x in row] for row in value.exact]
    parts = [[c.partition(".") for c in row] for row in rows]  # (integer, ".", fraction)
    whole = [max(len(row[j][0]) for row in parts) for j in range(len(rows[0]))]
    tail = [max(len(row[j][1] + row[j][2]) for row in parts) for j in range(len(rows[0]))]
    cells = []
    for row in parts:
        out = ""
        for j, (integer, dot, fraction) in enumerate(row):
            out += integer.rjust(whole[j]) + dot + fraction
            if j < len(row) - 1:
                out += "," + " " * (tail[j] - len(dot + fraction)) + " "
        cells.append(out)
    head = f"{indent}{key}: ["
    pad = " " * len(head)
    out = []
    for k, row in enumerate(cells):
        end = "]]" if k == len(cells) - 1 else "],"
        out.append((head if k == 0 else pad) + "[" + row + end)
    return out


def problem_yaml(problem: Problem | CountProblem, comment: str | None = None) -> str:
    """The problem file for ``problem``; ``comment`` lines go at the top (``# ...``)."""
    out = [f"# {line}".rstrip() for line in (comment or "").splitlines()]
    if isinstance(problem, CountProblem):
        out += _count(problem)
    else:
        out += _problem(problem)
    return "\n".join(out) + "\n"


def _problem(p: Problem) -> list[str]:
    out = [f"cell: {p.cell}"]
    if p.title is not None:
        out.append(f"title: {text(p.title)}")
    if p.question is not None:
        out += block_text("question", p.question)
    out += [f"{key}: {value}" for key, value in p.options.items()]
    if p.lstm.forget_bias is not None:
        out.append(f"forget_bias: {number(p.lstm.forget_bias)}")
    if p.lstm.coupled:
        out.append("coupled: true")
    if p.layout != "split":
        out.append(f"layout: {p.layout}")
    if p.layout == "concat" and tuple(p.stack) != ("h", "x"):
        out.append("stack: [" + ", ".join(str(s) for s in p.stack) + "]")
    if p.orientation != "column":
        out.append(f"orientation: {p.orientation}")
    if p.naming.convention == "W_x":  # bare W and U, W on x_t (naming.py)
        out.append("convention: W_x")
    if p.layers > 1:
        out.append("layers:")
        for layer in range(1, p.layers + 1):
            units = p.layer(layer)
            if p.bidirectional:
                out.append(f"{INDENT}- forward:")
                out += _unit(p, units[0], INDENT * 3)
                out.append(f"{INDENT * 2}backward:")
                out += _unit(p, units[1], INDENT * 3)
            else:
                block = _unit(p, units[0], INDENT * 2)
                out += [f"{INDENT}- {block[0].strip()}", *block[1:]]
    elif p.bidirectional:
        out.append("bidirectional: true")
        for unit in p.units:
            out.append(f"{unit.direction}:")
            out += _unit(p, unit, INDENT)
    else:
        out += _unit(p, p.units[0], "")
    if p.layers > 1 and p.bidirectional:
        out.insert(out.index("layers:"), "bidirectional: true")
    out += _inputs(p)
    out += _given(p)
    if p.output_layer:
        o = p.output_layer
        out.append("output_layer:")
        out += matrix("V", o.V, INDENT)
        if o.c is not None:
            out.append(f"{INDENT}c: {vector(o.c.exact)}")
        out.append(f"{INDENT}activation: {o.activation}")
    if p.start != 1:
        out.append(f"start: {p.start}")
    r = p.rounding
    for key, value, default in (("decimals", r.decimals, 4), ("carry", r.carry, "exact"),
                                ("round_half", r.round_half, "up")):
        if value != default:
            out.append(f"{key}: {value}")
    if r.only:  # round: [h] (to decimals), or {h: 0}
        names = [p.symbol(s) for s, _ in r.only]
        if all(d == r.decimals for _, d in r.only):
            out.append("round: [" + ", ".join(names) + "]")
        else:
            out.append("round: {" + ", ".join(f"{n}: {d}" for n, (_, d) in zip(names, r.only))
                       + "}")
    if p.ask:
        out.append("ask: [" + ", ".join(p.ask) + "]")
    if p.marks:  # per quantity per step, or per step (check.py, the quiz exports)
        out.append("marks: {" + ", ".join(
            f"{q}: " + ("{" + ", ".join(f"{t}: {number(m)}" for t, m in mark.items()) + "}"
                        if isinstance(mark, dict) else number(mark))
            for q, mark in p.marks.items()) + "}")
    if p.student is not None:
        out.append(f"student: {text(p.student)}")
    out += _training(p)
    return out


def _training(p: Problem) -> list[str]:
    """loss (or upstream), clip and learning_rate: the backward pass (training.py)."""
    training = p.training
    if training is None:
        return []
    out = []
    loss = training.loss
    if loss is not None:
        out.append("loss:")
        if loss.kind != "half_squared_error":
            out.append(f"{INDENT}kind: {loss.kind}")
        if loss.on != ("y" if p.output_layer else "h"):
            out.append(f'{INDENT}"on": {loss.on}')  # quoted: YAML 1.1 reads a plain on as true
        counted = loss.counted
        if loss.classes:
            targets = ", ".join(str(loss.classes[k]) for k in counted)
        else:
            targets = ", ".join(vector(loss.targets[k].exact) for k in counted)
        out.append(f"{INDENT}targets: [{targets}]")
        if loss.steps != "all":
            out.append(f"{INDENT}steps: {loss.steps}")
    if training.upstream:
        out.append("upstream:")
        out += [f"{INDENT}{p.symbol(s)}: {vector(v.exact)}" for s, v in training.upstream.items()]
    if training.max_norm is not None:
        out.append(f"clip: {{max_norm: {number(training.max_norm)}}}")
    if training.learning_rate is not None:
        out.append(f"learning_rate: {number(training.learning_rate)}")
    return out


def _unit(p: Problem, unit: Unit, indent: str) -> list[str]:
    """``gates:`` (by the names the problem used) and ``initial:`` of one layer-direction."""
    out = []
    if unit.packed is not None:  # as the file wrote it: the gates side by side
        out.append(f"{indent}packed:")
        inner = indent + INDENT
        out.append(f"{inner}order: {unit.packed.preset or unit.packed.letters}")
        for key, value in unit.packed.values.items():
            out += matrix(key, value, inner) if value.is_matrix else [
                f"{inner}{key}: {vector(value.exact)}"]
    elif unit.gates:
        out.append(f"{indent}gates:")
        for params in unit.gates.values():
            out.append(f"{indent}{INDENT}{params.path[-1]}:")
            inner = indent + INDENT * 2
            for param in params.written():  # the file's own keys, in its source's order
                if param.slot in ("W", "U"):
                    out += matrix(param.key, param.value, inner)
                else:
                    out.append(f"{inner}{param.key}: {vector(param.value.exact)}")
    if unit.peephole:
        out.append(f"{indent}peephole:")
        out += [f"{indent}{INDENT}{v.key.rsplit('.', 1)[-1]}: {vector(v.exact)}"
                for v in unit.peephole.values()]
    if unit.projection is not None:
        out.append(f"{indent}projection:")
        out += matrix("W", unit.projection, indent + INDENT)
    written = {s: v for s, v in unit.initial.items()
               if any(x != 0 for x in v.exact) or s in p.symbols}
    if written:
        out.append(f"{indent}initial:")
        out += [f"{indent}{INDENT}{p.symbol(s)}: {vector(v.exact)}" for s, v in written.items()]
    return out


def _inputs(p: Problem) -> list[str]:
    out = []
    if p.embedding:
        out += matrix("embedding", p.embedding.matrix, "")
        if p.embedding.layout != "rows":
            out.append(f"embedding_layout: {p.embedding.layout}")
    if p.batch:
        return out + _batch(p)
    if p.tokens is not None:
        out.append("tokens: [" + ", ".join(map(str, p.tokens)) + "]")
    elif p.steps == 1:
        out.append(f"x: {vector(p.inputs[0].exact)}")
    elif all(len(x.exact) == 1 for x in p.inputs):
        out.append("x: [" + ", ".join(number(x.exact[0]) for x in p.inputs) + "]")
    else:
        out += matrix("x", Value(tuple(x.exact for x in p.inputs)), "")
    return out


def _batch(p: Problem) -> list[str]:
    """``batch:`` rows, each with its x (or tokens) and the initial state it wrote."""
    out = ["batch:"]
    for k, row in enumerate(p.batch):
        lines = [f"tokens: [{', '.join(map(str, row.tokens))}]"] if row.tokens is not None \
            else [f"x: {vector(x.exact)}" for x in row.inputs[:1]] if len(row.inputs) == 1 \
            else matrix("x", Value(tuple(x.exact for x in row.inputs)), "")
        own = {s: v for s, v in (row.initial or {}).items() if v.key.startswith(f"batch[{k}]")}
        if own:
            lines.append("initial:")
            lines += [f"{INDENT}{p.symbol(s)}: {vector(v.exact)}" for s, v in own.items()]
        out.append(f"{INDENT}- {lines[0]}")
        out += [f"{INDENT * 2}{line}" for line in lines[1:]]
    return out


def _given(p: Problem) -> list[str]:
    if not p.given:
        return []
    out = ["given:"]
    for short in dict.fromkeys(short for _, short in p.given):
        name = p.symbol(short)
        if p.steps == 1:
            out.append(f"{INDENT}{name}: {vector(p.given[(0, short)].exact)}")
        else:
            rows = tuple(p.given[(k, short)].exact for k in range(p.steps))
            out += matrix(name, Value(rows), INDENT)
    return out


def _count(p: CountProblem) -> list[str]:
    out = ["task: count_parameters", f"cell: {p.cell}"]
    if p.title is not None:
        out.append(f"title: {text(p.title)}")
    if p.question is not None:
        out += block_text("question", p.question)
    out += [f"{key}: {value}" for key, value in p.options.items()]
    out.append(f"hidden_size: {p.hidden_size}")
    if p.embedding_vocab:
        out.append(f"embedding: {{vocab: {p.embedding_vocab}, dim: {p.input_size}}}")
    else:
        out.append(f"input_size: {p.input_size}")
    if p.output_size:
        out.append(f"output_size: {p.output_size}")
    out.append(f"bias: {p.bias}")
    if p.layers != 1:
        out.append(f"layers: {p.layers}")
    if p.bidirectional:
        out.append("bidirectional: true")
    if p.convention != "W_h":
        out.append(f"convention: {p.convention}")
    v = p.lstm
    if v.forget_bias is not None:
        out.append(f"forget_bias: {number(v.forget_bias)}")
    if v.coupled:
        out.append("coupled: true")
    if v.peephole:
        names = {"i": "input", "f": "forget", "o": "output"}
        out.append("peephole: [" + ", ".join(names[g] for g in v.peephole) + "]")
    if p.proj_size:
        out.append(f"projection: {p.proj_size}")
    if p.initial_state != "zeros":
        out.append(f"initial_state: {p.initial_state}")
    return out
