"""Text with inline mathematics: sentences in which symbols are math, not letters.

A sentence is a list of parts, each plain words (``str``) or :class:`Math`. Our own
sentences are built that way; text a teacher wrote (a question) is read by
:func:`parse`, which finds the symbols in it (``C_t``, ``h_(t-1)``, ``W_{hf}``,
``hₜ₋₁``, ``c̃ₜ``, σ, ⊙) so that every target can set them as mathematics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..equations import Name

Atom = Name | str


@dataclass(frozen=True)
class Math:
    """Inline math: names (written at step ``t``, or symbolically when None), numbers,
    operators and function names such as σ, as atoms."""

    atoms: tuple[Atom, ...]
    t: int | None = None


@dataclass(frozen=True)
class Verbatim:
    """Words kept as written, symbols and all: a sentence another part of the tool
    words itself (naming.multiplies_sentence, with its ``convention: W_x``)."""

    text: str


Rich = list[str | Math | Verbatim]

OPERATORS = {"=", "+", "-", "−", "≈", "×", "⊙", "·", "(", ")", "[", "]", ",", ";", "/", "∈",
             "≤", "≥", "<", ">", "±", "…"}
GREEK = {"σ", "α", "β", "γ", "δ", "η", "λ", "μ", "θ", "τ", "φ", "ψ", "ω", "ε"}

_SUBSCRIPTS = "ₜ₀₁₂₃₄₅₆₇₈₉₋₊ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛᵤᵥₓ"
_FROM_SUB = str.maketrans(_SUBSCRIPTS, "t0123456789-+aehijklmnoprsuvx")
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_\\])"
    r"(?P<base>[A-Za-z])(?P<tilde>\u0303)?"
    r"(?:_(?P<sub>\{[^{}\s]{1,8}\}|\([^()\s]{1,8}\)|[A-Za-z0-9]{1,3})"
    r"(?P<usub>[" + _SUBSCRIPTS + r"]+)?"
    r"|(?P<only>[" + _SUBSCRIPTS + r"]+))"
    r"(?![A-Za-z0-9_])"
    r"|(?P<tilded>[A-Za-z])\u0303(?![A-Za-z0-9_])"
    r"|(?P<symbol>[σ⊙])"
    r"|(?<![A-Za-z0-9_])t = (?P<step>-?\d+)(?!\d|\.\d)"  # t = 2
)


def parse(text: str) -> Rich:
    """Plain text with its symbols found: "the cell state C_t" -> ["the cell state ",
    Math((Name("C", "", 0),))]."""
    parts: Rich = []
    at = 0
    for m in _TOKEN.finditer(text):
        if m.start() > at:
            parts.append(text[at:m.start()])
        if m.group("step"):
            parts.append(Math((Name("t"), "=", m.group("step"))))
        else:
            parts.append(Math((_atom(m),)))
        at = m.end()
    if at < len(text):
        parts.append(text[at:])
    return parts


def _atom(m: re.Match) -> Atom:
    if m.group("symbol"):
        return m.group("symbol")
    if m.group("tilded"):
        return Name(m.group("tilded") + "_tilde")
    base = m.group("base") + ("_tilde" if m.group("tilde") else "")
    sub = m.group("sub") or ""
    sub = sub.strip("{}()") if sub[:1] in "{(" else sub
    sub += (m.group("usub") or m.group("only") or "").translate(_FROM_SUB)
    sub = sub.replace("−", "-")
    if sub == "t":
        return Name(base, "", 0)
    step = re.fullmatch(r"t([-+]\d+)", sub)
    if step:
        return Name(base, "", int(step.group(1)))
    return Name(base, sub)


def rich(text: str | Rich) -> Rich:
    """A sentence as parts: text is parsed for symbols, parts are kept."""
    if isinstance(text, str):
        return parse(text)
    out: Rich = []
    for part in text:
        out += parse(part) if isinstance(part, str) else [part]
    return out


def plain(text: str | Rich) -> str:
    """The sentence as Unicode text (hₜ₋₁, W_f), as the terminal prints it."""
    from .text import name

    if isinstance(text, str):
        return text
    out = []
    for part in text:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Verbatim):
            out.append(part.text)
        else:
            out.append(math_text(part, name).strip())
    return "".join(out)


def math_text(m: Math, name) -> str:
    """Atoms joined as Unicode text, operators spaced as in print."""
    out = ""
    for atom in m.atoms:
        if isinstance(atom, Name):
            out += name(atom, m.t)
        elif atom in ("=", "+", "≈", "×", "⊙", "−", "∈", "≤", "≥", "<", ">", "±"):
            out += f" {atom} "
        elif atom in (",", ";"):
            out += atom + " "
        else:
            out += atom
    return out


def kind(atom: str) -> str:
    """How a non-name atom is set: a number ('mn'), an operator ('mo') or an
    identifier ('mi')."""
    if re.fullmatch(r"-?\d+(\.\d+)?(e[-+]?\d+)?", atom):
        return "mn"
    if atom in OPERATORS:
        return "mo"
    return "mi"
