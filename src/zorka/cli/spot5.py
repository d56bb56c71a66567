"""``zorka spot5``: solve a SPOT5 benchmark instance and print the checked selection."""

from __future__ import annotations

import json
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from zorka.cli.app import app
from zorka.planning.spot5 import Spot5CheckError, Spot5FormatError, Spot5Solution, read_spot5

__all__ = ["Spot5Format", "spot5"]

# messages name files and lines: never wrap them
err = Console(stderr=True, soft_wrap=True)

_VALUE_NAMES = {1: "front", 2: "middle", 3: "rear", 13: "stereo (front + rear)"}


class Spot5Format(StrEnum):
    table = "table"
    json = "json"


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(2)


def _table(solution: Spot5Solution, photographs: int, total_weight: int) -> Table:
    table = Table(title=f"SPOT5 instance {solution.instance}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    bound = "—" if solution.upper_bound is None else str(solution.upper_bound)
    gap = solution.gap
    table.add_row("objective", str(solution.objective))
    table.add_row("upper bound", bound + ("" if gap is None else f" (gap {100 * gap:.2f}%)"))
    table.add_row("optimal", "proven" if solution.optimal else "not proven")
    table.add_row("selected", f"{len(solution.selected)} of {photographs} photographs")
    table.add_row("weight left out", str(total_weight - solution.objective))
    counts = Counter(solution.selected.values())
    for value, name in _VALUE_NAMES.items():
        table.add_row(f"  value {value}", f"{counts.get(value, 0)} {name}")
    table.add_row("found by", solution.solver)
    table.add_row("seconds", f"{solution.seconds:.2f}")
    return table


@app.command("spot5")
def spot5(
    file: Annotated[Path, typer.Argument(help="A SPOT5 instance (.spot file).")],
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Solver time limit in seconds.")
    ] = 10.0,
    output_format: Annotated[
        Spot5Format, typer.Option("--format", help="table, or json with the checked selection.")
    ] = Spot5Format.table,
) -> None:
    """Solve a SPOT5 photograph-scheduling instance (CP-SAT from a constructive start).

    The selection is checked against every constraint before it is printed; `optimal` is true only
    when CP-SAT proves it.
    """
    from zorka.planning.cpsat_spot5 import solve_spot5

    if not file.is_file():
        raise _fail(f"{file}: no such file")
    try:
        instance = read_spot5(file)
    except Spot5FormatError as exc:
        raise _fail(str(exc)) from None
    try:
        solution = solve_spot5(instance, time_limit)
    except Spot5CheckError as exc:
        # a selection the checker rejects is a solver bug: report it, never print it as valid
        raise _fail(f"the solver's selection fails the check: {exc}") from None
    except RuntimeError as exc:  # the solver's objective disagrees with the checker's
        raise _fail(str(exc)) from None
    if output_format is Spot5Format.json:
        typer.echo(json.dumps(solution.to_json(), indent=1))
    else:
        console = Console()
        console.print(_table(solution, len(instance.photographs), instance.total_weight))
