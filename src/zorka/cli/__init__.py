"""The ``zorka`` command: every verb is a thin layer over a library call."""

from zorka.cli.app import app, main

__all__ = ["app", "main"]
