"""Exact values written for people: 1353/100, σ(1353/100) = 1/(1 + e^(-1353/100))."""

from __future__ import annotations

import sympy as sp

from ..equations import sigma


def unicode(value: sp.Basic) -> str:
    """A short one-line form; σ(r) is followed by its closed form."""
    if isinstance(value, sigma):
        r = _plain(value.args[0])
        return f"σ({r}) = 1/(1 + e^(-{_paren(value.args[0])}))"
    return _plain(value)


def _paren(x: sp.Basic) -> str:
    s = _plain(x)
    return s if x.is_Atom and not s.startswith("-") else f"({s})"


def _plain(x: sp.Basic) -> str:
    return sp.sstr(x).replace("**", "^").replace("sigma", "σ").replace("exp(", "e^(")

