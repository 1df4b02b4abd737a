"""lstm-solve: worked, step-by-step solutions of recurrent-cell exam problems.

The way through is ``load_problem -> Problem -> solve -> Derivation -> render``.
Names are imported lazily so that ``lstm-solve --help`` stays fast.
"""

__version__ = "0.1.0"

_LAZY = {
    "load_problem": "lstm_solver.problem",
    "parse_problem": "lstm_solver.problem",
    "Problem": "lstm_solver.problem",
    "solve": "lstm_solver.solver",
    "Derivation": "lstm_solver.derivation",
    "ProblemError": "lstm_solver.errors",
}

__all__ = [*_LAZY, "__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lstm_solver' has no attribute {name!r}")
