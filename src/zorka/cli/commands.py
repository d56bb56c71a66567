"""Imports every verb module so that its commands are registered on the application."""

from zorka.cli import access, fleet, mission, passes, products, serve, tm

__all__ = ["access", "fleet", "mission", "passes", "products", "serve", "tm"]
