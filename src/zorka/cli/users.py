"""``zorka users``: who may use the tasking API and the console, and with which role.

``zorka users add NAME --role ROLE`` prints the new user's API key once; only its hash is kept
(:mod:`zorka.server.users`), in ``users.sqlite`` in the data directory. ``--password`` (or
``zorka users passwd NAME``) adds a password for the web console's login, kept as a hash too.
"""

from __future__ import annotations

from typing import Annotated

import typer

from zorka.cli.app import app

__all__ = ["users_app"]

users_app = typer.Typer(
    name="users", help="Users of the web API and their roles.", no_args_is_help=True
)
app.add_typer(users_app, name="users")

_ROLES = "operator (everything), customer (its own orders), viewer (reads only)"


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="user name")],
    role: Annotated[str, typer.Option("--role", help=_ROLES)] = "customer",
    password: Annotated[
        bool,
        typer.Option("--password", help="also ask for a password, for the web console's login"),
    ] = False,
) -> None:
    """Add a user and print its API key (shown only this once)."""
    from zorka.server.users import UserStore

    secret = _ask_password() if password else None
    store = UserStore.open()
    try:
        user, key = store.add(name, role, password=secret)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        store.close()
    typer.echo(f"added {user.name} ({user.role.value}); API key, shown only now:", err=True)
    typer.echo(key)


def _ask_password() -> str:
    secret: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return secret


@users_app.command("passwd")
def passwd(name: Annotated[str, typer.Argument(help="user name")]) -> None:
    """Set a user's password for the web console (asked twice, never echoed)."""
    from zorka.server.users import UserStore

    secret = _ask_password()
    store = UserStore.open()
    try:
        store.set_password(name, secret)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        store.close()
    typer.echo(f"{name} can now log in to the console", err=True)


@users_app.command("list")
def list_users() -> None:
    """List the users and their roles (never their keys)."""
    from zorka.server.users import UserStore

    store = UserStore.open()
    try:
        for user in store.users():
            created = user.created.isoformat(timespec="seconds") if user.created else ""
            typer.echo(f"{user.name}\t{user.role.value}\t{created}")
    finally:
        store.close()


@users_app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="user name")]) -> None:
    """Remove a user; its key stops working."""
    from zorka.server.users import UserStore

    store = UserStore.open()
    try:
        if not store.remove(name):
            typer.echo(f"error: no user {name!r}", err=True)
            raise typer.Exit(1)
    finally:
        store.close()
    typer.echo(f"removed {name}", err=True)
