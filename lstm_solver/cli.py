"""The command line: parse options, call the library, turn errors into exit codes.

``lstm-solve FILE`` is short for ``lstm-solve solve FILE``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace

import click

from . import __version__
from .errors import ProblemError

EXIT_BAD_INPUT = 2


class DefaultGroup(click.Group):
    """A group whose first argument, when it is not a command, goes to ``solve``."""

    default = "solve"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h",
                                                                       "--version"):
            args = [self.default, *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lstm-solve")
def main() -> None:
    """Worked, step-by-step solutions of LSTM, GRU and RNN exam problems.

    \b
    lstm-solve problem.yaml              the worked solution in the terminal
    lstm-solve problem.yaml --format json
    """


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal",
              show_default=True, help="Output format.")
@click.option("--decimals", type=click.IntRange(0, 15), help="Digits shown (overrides the file).")
@click.option("--carry", type=click.Choice(["exact", "rounded"]),
              help="Carry intermediate values exactly, or rounded as by hand.")
@click.option("--round-half", type=click.Choice(["up", "even"]), help="How to round a 5.")
@click.option("--full", is_flag=True, help="Show every row and column (no ⋮ elision).")
@click.option("--exact", is_flag=True, help="Also show exact values: fractions, σ(p/q), ...")
def solve(file: str, fmt: str, decimals: int | None, carry: str | None,
          round_half: str | None, full: bool, exact: bool) -> None:
    """Print the worked solution of the problem in FILE."""
    from .problem import CountProblem, load_problem

    def run():
        problem = load_problem(file)  # a bad file stops here, before sympy is imported
        if isinstance(problem, CountProblem):
            from .counting import count

            return count(problem)
        from .solve import solve as solve_problem

        overrides = {k: v for k, v in (("decimals", decimals), ("carry", carry),
                                       ("round_half", round_half)) if v is not None}
        if overrides:
            problem = replace(problem, rounding=replace(problem.rounding, **overrides))
        return solve_problem(problem, exact=exact)

    def show():
        derivation = run()
        if fmt == "json":
            from .render.json import render

            click.echo(render(derivation))
        else:
            from rich.console import Console

            from .render.terminal import render

            # NO_COLOR: no escape codes at all (rich alone would keep bold and italics)
            plain = bool(os.environ.get("NO_COLOR"))
            render(derivation, Console(color_system=None if plain else "auto"), full=full)

    _guarded(show)


def _guarded(run):
    """Bad input -> one message and exit 2; a bug -> a short message and exit 1."""
    try:
        return run()
    except ProblemError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:
        if os.environ.get("LSTM_SOLVE_DEBUG"):
            raise
        click.echo(f"internal error ({type(exc).__name__}: {exc}). This is a bug in "
                   "lstm-solve; run again with LSTM_SOLVE_DEBUG=1 for details.", err=True)
        sys.exit(1)
