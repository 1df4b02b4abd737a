"""The common slips of a hand calculation, each a variant of the problem or its cell.

A slip turns the problem into the one the student actually solved: the same
solver then reproduces the student's numbers, or not. Nothing here knows how
a particular number was checked (see check.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from .answers import symbol
from .cells import Cell
from .naming import other_convention
from .problem import Problem


@dataclass(frozen=True)
class Slip:
    says: str  # what the student did, for the diagnosis
    problem: Problem  # the problem the student solved instead


Maker = Callable[[Problem, str], Iterator[Slip]]


def slips(problem: Problem, short: str) -> Iterator[Slip]:
    """Every slip that could change quantity ``short``, most common first."""
    for make in MAKERS:
        yield from make(problem, short)


def _with_cell(problem: Problem, cell: Cell) -> Problem:
    return replace(problem, variant=cell)


def _gate_params(problem: Problem, short: str, **changes) -> Problem:
    unit = problem.units[0]
    gates = dict(unit.gates)
    gates[short] = replace(gates[short], **changes)
    return replace(problem, units=(replace(unit, gates=gates), *problem.units[1:]))


def _activation_swapped(problem: Problem, short: str) -> Iterator[Slip]:
    cell = problem.cell_def
    gate = cell.gate(short)
    swap = {"sigmoid": "tanh", "tanh": "sigmoid"}
    if gate and gate.activation in swap and short in problem.gates:
        gates = tuple(replace(g, activation=swap[g.activation]) if g.short == short else g
                      for g in cell.gates)
        yield Slip(f"σ and tanh swapped in {_name(problem, short)}",
                   _with_cell(problem, replace(cell, gates=gates)))
    for update in cell.updates:
        if update.short == short and "tanh(" in update.equation:
            updates = tuple(replace(u, equation=u.equation.replace("tanh(", "sigmoid("))
                            if u is update else u for u in cell.updates)
            yield Slip(f"σ used instead of tanh in {_name(problem, short)}",
                       _with_cell(problem, replace(cell, updates=updates)))


def _bias_left_out(problem: Problem, short: str) -> Iterator[Slip]:
    p = problem.gates.get(short)
    if p is not None and (p.b is not None or p.b_h is not None):
        yield Slip(f"the bias left out of {_name(problem, short)}",
                   _gate_params(problem, short, b=None, b_h=None))


def _added_not_stacked(problem: Problem, short: str) -> Iterator[Slip]:
    cell = problem.cell_def
    gate = cell.gate(short)
    if gate and short in problem.gates and problem.hidden_size == problem.input_size:
        # h_(t-1) + x_t multiplied by the weights of h_(t-1), or by those of x_t
        for summed in (replace(gate, recurrent="add(h_prev, x)", form="add(REC, B, BH)"),
                       replace(gate, input="add(h_prev, x)", form="add(INP, B, BH)")):
            gates = tuple(summed if g.short == short else g for g in cell.gates)
            yield Slip(f"{_name(problem, 'h', -1)} and xₜ added instead of stacked in "
                       f"{_name(problem, short)}",
                       _with_cell(problem, replace(cell, gates=gates)))


def _other_convention(problem: Problem, short: str) -> Iterator[Slip]:
    """W and U read the other way round in EVERY gate (W on x_t, as Wikipedia writes it,
    or on h_(t-1), as the course notes): a pattern, named once, in the file's letters."""
    if (problem.layout != "split" or problem.naming.explicit or not problem.gates
            or any(u.hidden_size != u.input_size for u in problem.units)):
        return
    units = tuple(replace(u, gates={g: replace(p, W=p.U, U=p.W) for g, p in u.gates.items()})
                  for u in problem.units)
    says = other_convention(problem.naming, h=_name(problem, "h", -1)).replace("x_t", "xₜ")
    yield Slip(says, replace(problem, units=units))


def _w_and_u_swapped(problem: Problem, short: str) -> Iterator[Slip]:
    p = problem.gates.get(short)
    if p is None or problem.hidden_size != problem.input_size:
        return
    sub = _sub(problem, short)
    if problem.layout == "split":  # in the file's letters and order: W_f and U_f, W_xf ...
        first, second = (p.param(p.naming.slot(key)).label for key in p.naming.weights)
        yield Slip(f"{first} and {second} swapped in {_name(problem, short)}",
                   _gate_params(problem, short, W=p.U, U=p.W))
    else:
        stack = tuple({"h": "x", "x": "h"}.get(s, s) for s in problem.stack)
        yield Slip(f"the columns of {_name(problem, 'h', -1)} and xₜ swapped in W_{sub} "
                   f"({_name(problem, short)})", replace(problem, stack=stack))


def _transposed(problem: Problem, short: str) -> Iterator[Slip]:
    p = problem.gates.get(short)
    if p is None:
        return
    for key in ("W", "U"):
        m = getattr(p, key)
        if m is not None and m.shape[0] == m.shape[1]:
            flipped = replace(m, exact=tuple(zip(*m.exact)))
            yield Slip(f"{p.param(key).label} transposed in {_name(problem, short)}",
                       _gate_params(problem, short, **{key: flipped}))


def _update_changed(problem: Problem, short: str) -> Iterator[Slip]:
    """Slips in the LSTM's update equations: c_(t-1) for c_t, tanh left out, f and i."""
    cell = problem.cell_def
    if cell.name != "lstm":
        return
    c, c_prev, h, o = (_name(problem, "c"), _name(problem, "c", -1), _name(problem, "h"),
                       _name(problem, "o"))
    f, i, g = (_name(problem, s) for s in "fig")
    changes = {
        "h": [("had(o, tanh(c_prev))", f"{c_prev} used where {c} belongs in {h}"),
              ("had(o, c)", f"the tanh left out in {h} = {o} ⊙ tanh({c})")],
        "c": [("add(had(i, c_prev), had(f, g))",
               f"{f} and {i} swapped in {c} = {f} ⊙ {c_prev} + {i} ⊙ {g}")],
    }
    for equation, says in changes.get(short, []):
        updates = tuple(replace(u, equation=equation) if u.short == short else u
                        for u in cell.updates)
        yield Slip(says, _with_cell(problem, replace(cell, updates=updates)))


def _gate_order(problem: Problem, short: str) -> Iterator[Slip]:
    """Another gate's parameters, as when a stacked weight matrix is cut in another
    library's gate order (PyTorch i, f, g, o; TensorFlow i, j, f, o; ...)."""
    if short not in problem.gates:
        return
    cell = problem.cell_def
    for other, params in problem.gates.items():
        if other != short:
            same = {k: getattr(params, k) for k in ("W", "U", "b", "b_h")}
            yield Slip(f"the {cell.gate(other).name} gate's parameters used for "
                       f"{_name(problem, short)} (another library's gate order)",
                       _gate_params(problem, short, **same))


def _question_rounding_left_out(problem: Problem, short: str) -> Iterator[Slip]:
    """``round: {h: 0}``: the question rounds these before carrying them; not done."""
    if problem.rounding.only:
        what = ", ".join(f"{_name(problem, s)} to " + (
            "the closest integer" if digits == 0 else f"{digits} decimals")
            for s, digits in problem.rounding.only)
        yield Slip(f"not rounded as the question asks ({what})", replace(
            problem, rounding=replace(problem.rounding, only=(), carry="exact")))


def _rounded_early(problem: Problem, short: str) -> Iterator[Slip]:
    """Every intermediate value rounded, or only the named ones (gates, c, h)."""
    if problem.rounding.only:  # the question says what is rounded (the slip above)
        return
    for digits in range(1, problem.rounding.decimals):
        for carry in ("quantities", "rounded"):
            rounding = replace(problem.rounding, decimals=digits, carry=carry)
            yield Slip(f"intermediate values rounded too early (to {digits} decimal"
                       f"{'s' * (digits > 1)})", replace(problem, rounding=rounding))


def _other_gru_form(problem: Problem, short: str) -> Iterator[Slip]:
    if problem.cell != "gru":
        return
    flips = {"z_multiplies": {"previous": "candidate", "candidate": "previous"},
             "reset": {"before": "after", "after": "before"}}
    z, r, h_prev = _name(problem, "z"), _name(problem, "r"), _name(problem, "h", -1)
    says = {"z_multiplies": f"the other GRU form ({z} weighing {{}} instead)",
            "reset": f"the other GRU form ({r} applied {{}} W instead)"}
    for key, flip in flips.items():
        value = flip[problem.options[key]]
        word = {"previous": h_prev, "candidate": "the candidate"}.get(value, value)
        yield Slip(says[key].format(word), replace(problem, options={**problem.options,
                                                                      key: value}))


def _name(problem: Problem, short: str, dt: int = 0) -> str:
    """``fₜ``, ``uₜ``, ``Cₜ₋₁``: in the problem's own notation."""
    return symbol(problem, short, dt)


def _sub(problem: Problem, short: str) -> str:
    """The subscript of a gate's parameters, as the equations write it: W_f, W_c."""
    return problem.symbol(short).removesuffix("_tilde")


MAKERS: list[Maker] = [
    _activation_swapped, _bias_left_out, _added_not_stacked, _other_convention,
    _w_and_u_swapped, _transposed, _update_changed, _gate_order,
    _question_rounding_left_out, _rounded_early, _other_gru_form,
]
