"""The Typer application and the options every verb shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="zorka",
    help="zorka: an open ground segment for Earth-observation satellites.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Where zorka keeps its state (archives, catalogs, plans). "
            "Default: $ZORKA_DATA_DIR, else the platform's user data directory.",
        ),
    ] = None,
) -> None:
    """zorka: an open ground segment for Earth-observation satellites."""
    if data_dir is not None:
        from zorka.datadir import set_data_dir_override

        set_data_dir_override(data_dir)


def main() -> None:
    """Entry point of the ``zorka`` console script."""
    # Importing the verb modules registers their commands on ``app``.
    from zorka.cli import commands  # noqa: F401

    app()
