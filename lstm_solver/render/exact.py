"""Exact values written for people: 1353/100, σ(1353/100) = 1/(1 + e^(-1353/100))."""

from __future__ import annotations

import sympy as sp

from ..equations import sigma


def unicode(value: sp.Basic) -> str:
    """A short one-line form; σ(r) is followed by its closed form."""
    if isinstance(value, sigma):
        z = value.args[0]
        return f"σ({_plain(z)}) = 1/(1 + e^({_plain(-z)}))"
    return _plain(value)


def _plain(x: sp.Basic) -> str:
    return sp.sstr(x).replace("**", "^").replace("sigma", "σ").replace("exp(", "e^(")



def latex(value: sp.Basic) -> str:
    """The same in LaTeX: \\sigma(z) = \\frac{1}{1 + e^{-z}}."""
    if isinstance(value, sigma):
        z = value.args[0]
        return rf"\sigma\left({sp.latex(z)}\right) = \frac{{1}}{{1 + e^{{{sp.latex(-z)}}}}}"
    return sp.latex(value).replace(r"\operatorname{sigma}", r"\sigma")
