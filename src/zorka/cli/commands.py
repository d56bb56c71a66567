"""Imports every verb module so that its commands are registered on the application."""

from zorka.cli import (
    access,
    commands_timeline,
    demo,
    fleet,
    frames,
    mission,
    passes,
    plan,
    products,
    serve,
    simulate,
    spot5,
    tm,
    users,
)

__all__ = [
    "access",
    "commands_timeline",
    "demo",
    "fleet",
    "frames",
    "mission",
    "passes",
    "plan",
    "products",
    "serve",
    "simulate",
    "spot5",
    "tm",
    "users",
]
