"""Imports every verb module so that its commands are registered on the application."""

from zorka.cli import fleet, mission, passes, products, serve, tm

__all__ = ["fleet", "mission", "passes", "products", "serve", "tm"]
