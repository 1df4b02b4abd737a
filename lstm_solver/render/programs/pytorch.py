"""``--format pytorch``: a runnable script that builds the problem's network in PyTorch
with its weights and prints the values the key shows.

Each layer and direction is a ``torch.nn.LSTMCell``/``GRUCell``/``RNNCell`` run step by
step (its gates computed from its own parameters, by the formulas of PyTorch's
documentation); the whole network is then run again as ``nn.LSTM``/``GRU``/``RNN`` and
must agree. What PyTorch's modules do not offer is written out in torch, and said so:
a GRU with the reset gate before the product (Cho et al.; ``reset: before``), a
sigmoid RNN. A GRU whose update gate weighs the candidate (``z_multiplies: candidate``)
is PyTorch's GRU with that gate's parameters negated (σ(−a) = 1 − σ(a)).

The script prints a table like the key's (``--json``: every value unrounded, as
``lstm-solve --format json`` writes them).
"""

from __future__ import annotations

import json
import textwrap

import numpy as np

from ...errors import ProblemError
from ...problem import Problem, Unit

ORDER = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "g"), "rnn": ("h",)}  # PyTorch's
MODULE = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}
QUANTITIES = {"lstm": ("i", "f", "g", "o", "c", "h"), "gru": ("r", "z", "g", "h"), "rnn": ("h",)}


def render(solutions) -> str:
    """One script for one problem or several (a section each); parameter counts become
    PyTorch's own count (``sum(p.numel() for p in module.parameters())``)."""
    problems = [row for s in solutions for row in _rows(s.problem)]  # a batch: a row each
    sections = [_section(k, p) for k, p in enumerate(problems, start=1)]
    titles = ", ".join(_title(s.problem) for s in solutions)
    return "\n".join([_HEAD.format(titles=_doc(titles)), *sections, _TAIL]).rstrip() + "\n"


def _rows(problem) -> list:
    """A batch's rows as problems of their own, titled by row (issue 17)."""
    from dataclasses import replace

    if not getattr(problem, "batch", ()):
        return [problem]
    return [replace(problem.row(k), title=f"{_title(problem)} (batch row {k + 1})")
            for k in range(len(problem.batch))]


def _title(problem) -> str:
    from pathlib import Path

    return problem.title or Path(problem.file).stem


def _doc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', "'''")


def _section(k: int, problem) -> str:
    from ...problem import CountProblem

    if isinstance(problem, CountProblem):
        return _count_section(k, problem)
    _check(problem)
    return _problem_section(k, problem)


def _check(p: Problem) -> None:
    """What a PyTorch network cannot be: a problem that gives values instead of weights."""
    def fail(why: str) -> ProblemError:
        return ProblemError(f"cannot be written as a PyTorch program: {why}", file=p.file)

    if p.given:
        names = ", ".join(dict.fromkeys(p.symbol(s) for _, s in p.given))
        raise fail(f"it gives {names} instead of the weights that compute them")
    for unit in p.units:
        missing = [g.name for g in p.cell_def.gates if g.short not in unit.gates]
        if missing:
            where = f" ({unit.key})" if unit.key else ""
            raise fail(f"no parameters for the {', '.join(missing)} gate{where}")
    if p.variant is not None:
        raise fail("a changed cell definition")
    v = p.lstm  # the LSTM variants PyTorch's modules do not have (issue 17)
    lacks = [what for what, used in (
        (f"forget_bias ({v.forget_bias} added to f_t's pre-activation)",
         v.forget_bias is not None),
        ("coupled input gate (i = 1 − f)", v.coupled), ("peepholes", v.peephole)) if used]
    if lacks:
        raise fail(f"PyTorch's LSTM has no {' and no '.join(lacks)}")
    if p.rounding.carry == "rounded" and p.rounding.only:
        raise fail("round: rounds " + ", ".join(p.symbol(q) for q, _ in p.rounding.only)
                   + " before it is carried, and PyTorch carries every value exactly")


def torch_parameters(p: Problem, unit: Unit) -> dict[str, np.ndarray]:
    """A unit's gates in PyTorch's layout: weight_ih (G·H × X), weight_hh (G·H × H),
    bias_ih, bias_hh (G·H), the gates' blocks stacked in PyTorch's order."""
    H, X = unit.hidden_size, unit.input_size
    row = p.orientation == "row"
    blocks: dict[str, list[np.ndarray]] = {"weight_ih": [], "weight_hh": [], "bias_ih": [],
                                           "bias_hh": []}
    flip = p.cell == "gru" and p.options.get("z_multiplies") == "candidate"
    for short in ORDER[p.cell]:
        g = unit.gates[short]
        W = g.W.array.T if row else g.W.array
        zeros = np.zeros(H)
        b = g.b.array if g.b is not None else zeros
        b_h = g.b_h.array if g.b_h is not None else zeros
        if p.layout == "split":
            U = g.U.array.T if row else g.U.array
            w_hh, w_ih = W, U
        else:
            start, parts = 0, {}
            for s in p.stack:
                n = {"h": H, "x": X, 1: 1}[s]
                parts[s] = W[:, start:start + n]
                start += n
            w_hh, w_ih = parts["h"], parts["x"]
            if 1 in parts:
                b = parts[1][:, 0]
        sign = -1.0 if flip and short == "z" else 1.0  # σ(−a) = 1 − σ(a)
        for key, value in (("weight_ih", w_ih), ("weight_hh", w_hh), ("bias_ih", b),
                           ("bias_hh", b_h)):
            blocks[key].append(sign * value + 0.0)  # + 0.0: no -0.0
    params = {key: np.concatenate(parts) for key, parts in blocks.items()}
    if unit.projection is not None:  # nn.LSTM's weight_hr: P × H
        W_hr = unit.projection.array
        params["weight_hr"] = (W_hr.T if row else W_hr) + 0.0
    return params


def _problem_section(k: int, p: Problem) -> str:
    cell = p.cell
    custom = (cell == "gru" and p.options.get("reset") == "before") or (
        cell == "rnn" and p.options.get("activation") == "sigmoid")
    proj_size = p.units[0].proj_size  # nn.LSTM's proj_size (issue 17's projection)
    flip = cell == "gru" and p.options.get("z_multiplies") == "candidate"
    same_hidden = len({u.hidden_size for u in p.units}) == 1
    units = []
    for unit in p.units:
        params = torch_parameters(p, unit)
        start = {s: unit.initial[s].array for s in p.cell_def.state}
        lines = [f'            "layer": {unit.layer}, "direction": "{unit.direction}",']
        if flip:
            lines.append('            "flipped": True,  # the update gate negated: z = 1 - z\'')
        for key, value in params.items():
            lines.append(f'            "{key}": {_tensor(value, 12)},')
        for s, value in start.items():
            lines.append(f'            "{s}0": {_tensor(value, 12)},')
        units.append("        {\n" + "\n".join(lines) + "\n        },")
    inputs = np.array([x.array for x in p.inputs])
    out = [f"# {'-' * 76}", f"# {k}. {_title(p)}", f"# {'-' * 76}", ""]
    notes = textwrap.wrap(" ".join(_notes(p, custom)), 76)
    out += [f"# {line}" for line in notes] + ([""] if notes else [])
    out.append(f"def problem_{k}():")
    out.append(f'    """{_doc(_title(p))}."""')
    out.append(f'    cell_type = "{cell}"')
    out.append(f"    start = {p.start}  # the index t of the first step")
    if p.embedding is not None:
        E = p.embedding.matrix.array
        E = E if p.embedding.layout == "rows" else E.T  # nn.Embedding: one row a word
        out.append("    embedding = nn.Embedding.from_pretrained(" + _tensor(E, 4) + ")")
        if p.tokens is not None:
            out.append(f"    tokens = torch.tensor({list(p.tokens)})")
            out.append("    xs = embedding(tokens)  # x_t: the embedding's row of word w_t")
        else:
            out.append("    onehot = " + _tensor(inputs, 4))
            out.append("    xs = onehot @ embedding.weight  # x_t = w_t·E: the one-hot's row")
    else:
        out.append("    xs = " + _tensor(inputs, 4) + "  # x_t, a step a row")
    out.append("    units = [  # a layer in a direction; PyTorch's layout: gates' blocks "
               f"stacked ({', '.join(ORDER[cell])})")
    out += units
    out.append("    ]")
    make = {"lstm": "ProjectedLSTMCell" if proj_size else "nn.LSTMCell",
            "gru": "GRUCellResetBefore" if custom else "nn.GRUCell",
            "rnn": "SigmoidRNNCell" if custom else "nn.RNNCell"}[cell]
    extra = ""
    if cell == "rnn" and not custom:
        extra = f', nonlinearity="{p.options.get("activation", "tanh")}"'
    if proj_size:
        extra = f", proj_size={proj_size}"
    out += ["", "    def make(X, H):", f"        return {make}(X, H{extra})", ""]
    out.append(f"    results = run_steps(cell_type, make, units, xs, start, "
               f"{'True' if p.bidirectional else 'False'})")
    if not custom and same_hidden:
        out.append("    # the same network as one PyTorch module: it must agree")
        out.append(f"    module = nn.{MODULE[cell]}(xs.shape[1], {p.hidden_size}, "
                   f"num_layers={p.layers}, bidirectional={p.bidirectional}"
                   + (f', nonlinearity="{p.options["activation"]}"' if cell == "rnn" else "")
                   + (f", proj_size={proj_size}" if proj_size else "")
                   + ")")
        out.append("    check_module(cell_type, module, units, xs, results)")
    if p.output_layer is not None:
        o = p.output_layer
        V = o.V.array.T if p.orientation == "row" else o.V.array
        out.append(f"    linear = nn.Linear({V.shape[1]}, {V.shape[0]}, "
                   f"bias={o.c is not None})  # y_t = {o.activation}(V h_t + c)")
        out.append("    with torch.no_grad():")
        out.append(f"        linear.weight.copy_({_tensor(V, 8)})")
        if o.c is not None:
            out.append(f"        linear.bias.copy_({_tensor(o.c.array, 8)})")
        act = {"softmax": "lambda v: torch.softmax(v, dim=-1)", "sigmoid": "torch.sigmoid",
               "tanh": "torch.tanh", "identity": "lambda v: v"}[o.activation]
        out.append(f"    add_output(results, linear, {act})")
    asked = list(p.ask) or [*QUANTITIES[cell]] + (["y"] if p.output_layer else [])
    symbols = {s: p.symbol(s) for s in (*QUANTITIES[cell], "y")}
    out += ["    return {",
            f'        "title": {json.dumps(_title(p), ensure_ascii=False)},',
            f'        "decimals": {p.rounding.decimals},',
            f'        "asked": {json.dumps(asked)},  # the quantities the key lists',
            "        # the names the problem uses",
            f'        "symbols": {json.dumps(symbols, ensure_ascii=False)},',
            '        "results": results,',
            "    }"]
    out.append("")
    return "\n".join(out) + "\n"


def _notes(p: Problem, custom: bool) -> list[str]:
    notes = []
    if p.cell == "gru" and p.options.get("z_multiplies") == "candidate":
        notes += ["This GRU's update gate weighs the candidate (h = (1 − z)⊙h_prev + z⊙g);",
                  "PyTorch's weighs h_prev. PyTorch's z' = 1 − z is σ of the negated",
                  "pre-activation, so the update gate's parameters are negated below and",
                  "z = 1 − z' is printed."]
    if custom and p.cell == "gru":
        notes += ["This GRU applies the reset gate before the product, W(r⊙h_prev) (Cho et",
                  "al. 2014, d2l.ai): torch.nn.GRUCell applies it after, r⊙(W h_prev + b_h).",
                  "GRUCellResetBefore below writes that cell out in torch."]
    if custom and p.cell == "rnn":
        notes += ["PyTorch's RNNCell offers tanh and relu; SigmoidRNNCell writes the sigmoid",
                  "cell out in torch."]
    if p.units[0].proj_size:
        notes += ["This LSTM projects its hidden state (h = W_hr (o ⊙ tanh c), nn.LSTM's",
                  "proj_size): ProjectedLSTMCell below is nn.LSTMCell with that projection,",
                  "and the whole network is checked against nn.LSTM(proj_size=...)."]
    if p.rounding.carry != "exact":
        notes += [f"The key carries values rounded to {p.rounding.decimals} decimals (carry: "
                  "rounded); PyTorch carries them exactly, so the last digits may differ."]
    return notes


def _count_section(k: int, p) -> str:
    module = MODULE[p.cell]
    options = {"lstm": "", "gru": "", "rnn": f', nonlinearity="{p.options.get("activation")}"'
               if p.options.get("activation") in ("tanh", "relu") else ""}[p.cell]
    lines = [f"# {'-' * 76}", f"# {k}. {_title(p)}", f"# {'-' * 76}", "",
             f"def problem_{k}():",
             f'    """{_doc(_title(p))}: PyTorch\'s own count."""',
             "    parts = []"]
    if p.embedding_vocab:
        lines.append(f"    parts.append(nn.Embedding({p.embedding_vocab}, {p.input_size}))")
    lines.append(f"    parts.append(nn.{module}({p.input_size}, {p.hidden_size}, "
                 f"num_layers={p.layers}, bidirectional={p.bidirectional}, "
                 f"bias={p.bias != 'false'}{options}))")
    if p.output_size:
        n_in = p.hidden_size * (2 if p.bidirectional else 1)
        lines.append(f"    parts.append(nn.Linear({n_in}, {p.output_size}, "
                     f"bias={p.bias != 'false'}))")
    note = {"true": "lstm-solve counts one bias per gate; PyTorch keeps two (bias_ih, "
                    "bias_hh)",
            "double": "two biases per gate, as PyTorch",
            "false": "no biases"}[p.bias]
    lines += ["    total = sum(p.numel() for part in parts for p in part.parameters())",
              f'    return {{"title": {json.dumps(_title(p), ensure_ascii=False)}, '
              '"count": total,',
              f'            "note": {json.dumps(note)}}}', ""]
    return "\n".join(lines) + "\n"


def _tensor(value: np.ndarray, indent: int) -> str:
    """``torch.tensor([...])``: exact float64 literals, a matrix a row a line."""
    if value.ndim == 1:
        return "torch.tensor([" + ", ".join(repr(float(v)) for v in value) + "])"
    pad = " " * (indent + 4)
    rows = [pad + "[" + ", ".join(repr(float(v)) for v in row) + "]," for row in value]
    return "torch.tensor([\n" + "\n".join(rows) + "\n" + " " * indent + "])"


_HEAD = '''"""PyTorch check of: {titles}.

Written by lstm-solve (--format pytorch). It builds the same network in PyTorch,
with the problem's weights, and prints the values the answer key shows.

    python this_file.py          a table, rounded as the key
    python this_file.py --json   every value unrounded (lstm-solve --format json's)

Needs torch (pip install torch).
"""

import json
import sys

import torch
from torch import nn

torch.set_default_dtype(torch.float64)


BLOCKS = {{"lstm": 4, "gru": 3, "rnn": 1}}  # gate blocks stacked in weight_ih


def set_weights(cell, unit, suffix=""):
    """Copy a unit's parameters into a cell (suffix "") or a module layer ("_l0", ...)."""
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"):
            if name in unit:
                getattr(cell, name + suffix).copy_(unit[name])


def step(cell_type, cell, x, state):
    """One step: PyTorch's cell computes the state; the gates are computed from the same
    parameters by the formulas of PyTorch's documentation."""
    H = cell.hidden_size
    gi = cell.weight_ih @ x + cell.bias_ih
    gh = cell.weight_hh @ state["h"] + cell.bias_hh
    if cell_type == "lstm":  # blocks i, f, g, o
        i, f, g, o = (gi + gh).split(H)
        h, c = cell(x, (state["h"], state["c"]))
        return {{"i": torch.sigmoid(i), "f": torch.sigmoid(f), "g": torch.tanh(g),
                "o": torch.sigmoid(o), "c": c, "h": h}}
    if cell_type == "gru":  # blocks r, z, n (the candidate)
        r = torch.sigmoid(gi[:H] + gh[:H])
        z = torch.sigmoid(gi[H:2 * H] + gh[H:2 * H])
        if isinstance(cell, GRUCellResetBefore):
            n = cell.candidate(x, state["h"], r)
        else:
            n = torch.tanh(gi[2 * H:] + r * gh[2 * H:])
        return {{"r": r, "z": z, "g": n, "h": cell(x, state["h"])}}
    return {{"h": cell(x, state["h"])}}


class GRUCellResetBefore(nn.GRUCell):
    """A GRU cell with the reset gate before the product (Cho et al. 2014, d2l.ai):
    n = tanh(W_in x + b_in + W_hn (r * h) + b_hn); nn.GRUCell's parameters."""

    def candidate(self, x, h, r):
        H = self.hidden_size
        return torch.tanh(self.weight_ih[2 * H:] @ x + self.bias_ih[2 * H:]
                          + self.weight_hh[2 * H:] @ (r * h) + self.bias_hh[2 * H:])

    def forward(self, x, h):
        H = self.hidden_size
        gi = self.weight_ih @ x + self.bias_ih
        gh = self.weight_hh @ h + self.bias_hh
        r = torch.sigmoid(gi[:H] + gh[:H])
        z = torch.sigmoid(gi[H:2 * H] + gh[H:2 * H])
        return (1 - z) * self.candidate(x, h, r) + z * h


class ProjectedLSTMCell(nn.LSTMCell):
    """nn.LSTMCell with nn.LSTM's projection (proj_size P): h = W_hr (o * tanh(c)), and
    weight_hh reads that h (its blocks are H × P), as nn.LSTM's documentation writes."""

    def __init__(self, X, H, proj_size):
        super().__init__(X, H)
        self.weight_hh = nn.Parameter(torch.empty(4 * H, proj_size))
        self.weight_hr = nn.Parameter(torch.empty(proj_size, H))

    def forward(self, x, state):
        h, c = state
        i, f, g, o = (self.weight_ih @ x + self.bias_ih + self.weight_hh @ h
                      + self.bias_hh).split(self.hidden_size)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return self.weight_hr @ (torch.sigmoid(o) * torch.tanh(c)), c


class SigmoidRNNCell(nn.RNNCell):
    """nn.RNNCell with σ: h = σ(W_ih x + b_ih + W_hh h + b_hh)."""

    def forward(self, x, h):
        return torch.sigmoid(self.weight_ih @ x + self.bias_ih + self.weight_hh @ h
                             + self.bias_hh)


def run_steps(cell_type, make, units, xs, start, bidirectional):
    """Every layer and direction, step by step; a layer reads the one below's h_t
    (both directions side by side)."""
    results, inputs = [], list(xs)
    for layer in sorted({{u["layer"] for u in units}}):
        outputs = {{}}
        for unit in (u for u in units if u["layer"] == layer):
            cell = make(unit["weight_ih"].shape[1],
                        unit["weight_ih"].shape[0] // BLOCKS[cell_type])
            set_weights(cell, unit)
            state = {{name[:-1]: unit[name] for name in ("h0", "c0") if name in unit}}
            order = range(len(inputs))
            if unit["direction"] == "backward":
                order = reversed(order)
            with torch.no_grad():
                for k in order:
                    values = step(cell_type, cell, inputs[k], state)
                    if cell_type == "gru" and unit.get("flipped"):
                        values["z"] = 1 - values["z"]
                    state = {{"h": values["h"], "c": values.get("c")}}
                    results.append({{"t": start + k, "layer": layer,
                                    "direction": unit["direction"], "values": values}})
                    outputs.setdefault(k, []).append(values["h"])
        inputs = [torch.cat(outputs[k]) for k in range(len(inputs))]
    if bidirectional:
        for k, h in enumerate(inputs):
            results.append({{"t": start + k, "layer": layer, "direction": "both",
                            "values": {{"h": h}}}})
    return results


def check_module(cell_type, module, units, xs, results):
    """Run the whole network as one nn module: its output must be the steps' h_t."""
    per_layer = sum(1 for u in units if u["layer"] == 1)
    for k, unit in enumerate(units):
        layer = (k // per_layer)
        suffix = f"_l{{layer}}" + ("_reverse" if unit["direction"] == "backward" else "")
        set_weights(module, unit, suffix)
    h0 = torch.stack([u["h0"] for u in units])
    with torch.no_grad():
        if cell_type == "lstm":
            output, _ = module(xs, (h0, torch.stack([u["c0"] for u in units])))
        else:
            output, _ = module(xs, h0)
    top = max(r["layer"] for r in results)
    direction = "both" if any(r["direction"] == "both" for r in results) else "forward"
    mine = torch.stack([r["values"]["h"] for r in sorted(
        (r for r in results if r["layer"] == top and r["direction"] == direction),
        key=lambda r: r["t"])])
    torch.testing.assert_close(output, mine, rtol=0, atol=1e-12)


def add_output(results, linear, activation):
    """y_t on the top layer's h_t (both directions side by side)."""
    top = max(r["layer"] for r in results)
    direction = "both" if any(r["direction"] == "both" for r in results) else "forward"
    with torch.no_grad():
        for r in results:
            if r["layer"] == top and r["direction"] == direction:
                r["values"]["y"] = activation(linear(r["values"]["h"]))
'''

_TAIL = '''
def show(problem):
    """The key's table: a line per step (and layer and direction), rounded."""
    print(problem["title"])
    if "count" in problem:
        print(f"  PyTorch counts {problem['count']:,} trainable parameters ({problem['note']}).")
        return
    d = problem["decimals"]
    layered = len({(r["layer"], r["direction"]) for r in problem["results"]}) > 1
    for r in problem["results"]:
        where = f"layer {r['layer']}, {r['direction']}, " if layered else ""
        for name in problem["asked"]:
            if name in r["values"]:
                shown = ", ".join(f"{v:.{d}f}" for v in r["values"][name].tolist())
                print(f"  {where}t = {r['t']}: {problem['symbols'].get(name, name)} = "
                      f"[{shown}]")


def as_json(problem):
    if "count" in problem:
        return {"title": problem["title"], "count": problem["count"]}
    return {"title": problem["title"],
            "steps": [{"t": r["t"], "layer": r["layer"], "direction": r["direction"],
                       "values": {k: v.tolist() for k, v in r["values"].items()}}
                      for r in problem["results"]]}


if __name__ == "__main__":
    problems = [f() for _, f in sorted((int(name[8:]), f) for name, f in globals().items()
                                       if name.startswith("problem_"))]
    if "--json" in sys.argv:
        print(json.dumps([as_json(p) for p in problems], indent=1))
    else:
        for p in problems:
            show(p)
'''
