"""The sentences at the head of every solution that say how a file's own forms are read.

Which matrix multiplies which (naming.py), how packed weights are cut (packing.py),
what each LSTM variant adds to the equations, what is rounded before it is carried,
and the rows of a batch: the terminal, the documents and the JSON ("notes") all
print these, so that no form is folded away unsaid. Nothing heavy is imported.
"""

from __future__ import annotations

from .naming import multiplies_sentence
from .packing import sentences as packing_sentences

PEEPHOLE_WORDS = {"i": "the input gate", "f": "the forget gate", "o": "the output gate"}


def notes(problem, h: str = "hₜ₋₁", x: str = "xₜ", rounding: bool = True) -> list[str]:
    """Every head sentence of ``problem`` (a Problem), in the order a reader needs them
    (``rounding``: with the sentence on what is rounded; documents say it their way)."""
    out = []
    which = multiplies_sentence(problem, h, x)
    if which:
        out.append(which)
    out += packing_sentences(problem)
    out += variant_sentences(problem, h)
    said = rounding_sentence(problem) if rounding else None
    if said:
        out.append(said)
    if problem.batch:
        n = len(problem.batch)
        out.append(f"A batch of {n} rows, each with its own input and initial state, "
                   f"sharing the weights.")
    return out


def variant_sentences(problem, h: str = "hₜ₋₁") -> list[str]:
    """What each LSTM variant adds to the equations, and who writes it so."""
    v = problem.lstm
    if not v:
        return []
    c = problem.symbol("c")
    c_prev, c_now = _with_base(h, c), _with_base(h, c).replace("₋₁", "").replace("_{t-1}", "_t")
    out = []
    if v.forget_bias is not None:
        out.append(f"forget_bias: {v.forget_bias} is added to the forget gate's "
                   f"pre-activation as its own term, as TensorFlow's BasicLSTMCell and "
                   f"LSTMCell do (Keras's unit_forget_bias instead starts b_f at 1).")
    if v.coupled:
        out.append("coupled: the input gate is i = 1 − f (coupled input and forget gates, "
                   "Greff et al. 2015; TensorFlow's CoupledInputForgetGateLSTMCell), so it "
                   "has no parameters of its own.")
    if v.peephole:
        before = [PEEPHOLE_WORDS[g] for g in v.peephole if g != "o"]
        sees = ([f"{_and(before)} see{'s' * (len(before) == 1)} {c_prev}"] if before else []) \
            + ([f"the output gate sees {c_now}"] if "o" in v.peephole else [])
        weights = ", ".join(f"w_c{g}" for g in v.peephole)
        out.append("Peepholes (Gers & Schmidhuber 2000; TensorFlow's use_peepholes): "
                   + _and(sees) + f", each through a diagonal weight ({weights}, written "
                   f"w ⊙ c)" + (f", so the output gate is computed after {c_now}"
                               if "o" in v.peephole else "") + ".")
    if v.projection:
        sizes = sorted({(u.h_size, u.hidden_size) for u in problem.units})
        said = ", ".join(f"P = {p} of H = {hh}" for p, hh in sizes)
        out.append(f"Projection ({said}; PyTorch's proj_size, TensorFlow's num_proj): "
                   f"h = W_hr (o ⊙ tanh({c})) has P entries; it is the h carried to the next "
                   f"step, so the matrices on {h} have P columns.")
    return out


def rounding_sentence(problem) -> str | None:
    r = problem.rounding
    half = {"up": "", "even": " Halves are rounded to even (round_half: even).",
            "down": " Halves are rounded toward zero (round_half: down).",
            "truncate": " Digits beyond are cut off, not rounded (round_half: truncate)."}
    if r.carry == "rounded" and r.only:
        names = _and([f"{problem.symbol(s)} (to {d} decimal{'s' * (d != 1)})"
                      for s, d in r.only])
        return (f"round: only {names} {'is' if len(r.only) == 1 else 'are'} rounded before "
                f"being carried, as a round step in {'its' if len(r.only) == 1 else 'their'} "
                f"equation; every other value is carried exactly and only shown rounded."
                + half[r.round_half])
    if r.round_half in ("down", "truncate"):
        return half[r.round_half].strip()
    return None


def _with_base(h: str, base: str) -> str:
    """hₜ₋₁ -> cₜ₋₁ (or h_{t-1} -> c_{t-1})."""
    return base + h[1:] if h.startswith("h") else h


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
