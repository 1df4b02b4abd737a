"""lstm-solve: worked, step-by-step solutions of recurrent-cell exam problems.

The way through is ``load_problem -> Problem -> solve -> Derivation -> render``::

    from lstm_solver import solve
    solution = solve("problems/seed001_q2_given_gates.yaml")  # a path, YAML text,
    solution.values["h"]        # a mapping or a Problem; numpy arrays (steps, H)
    solution.to_latex()         # to_json, to_markdown, to_html; Jupyter displays it

Names are imported lazily so that ``lstm-solve --help`` stays fast.
"""

__version__ = "0.1.0"

_LAZY = {
    "solve": "lstm_solver.solver",
    "load_problem": "lstm_solver.problem",
    "parse_problem": "lstm_solver.problem",
    "Problem": "lstm_solver.problem",
    "CountProblem": "lstm_solver.problem",
    "ProblemError": "lstm_solver.errors",
    "Derivation": "lstm_solver.derivation",
    "CountDerivation": "lstm_solver.counting",
    "Solution": "lstm_solver.solution",
    "MissingDependency": "lstm_solver.extras",
}

__all__ = [*_LAZY, "__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups (and a submodule import) find it directly
        return value
    raise AttributeError(f"module 'lstm_solver' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
