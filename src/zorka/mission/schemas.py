"""The published JSON Schemas of zorka's files, by name: what ``zorka schema NAME`` prints.

Each entry names the function that makes the schema as ``module:function`` and is imported only
when asked for, so that registering the schema of, say, plans does not make the mission package
import planning. A later part of zorka adds its files with one :func:`register_schema` call or
one line in ``_BUILTIN``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["SchemaEntry", "json_schema", "register_schema", "schema_entries", "schema_names"]

SchemaFactory = Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class SchemaEntry:
    """One published schema: its name, what files it describes, and how to make it."""

    name: str
    description: str
    factory: str | SchemaFactory  # "module:function", or the function itself

    def schema(self) -> dict[str, Any]:
        """The schema as a JSON-ready dictionary."""
        factory = self.factory
        if isinstance(factory, str):
            module, _, attr = factory.partition(":")
            factory = getattr(importlib.import_module(module), attr)
        result: dict[str, Any] = factory()
        return result


_BUILTIN = (
    SchemaEntry(
        "mission",
        "mission files: fleet, spacecraft models, ground stations, demo clock",
        "zorka.mission.model:mission_json_schema",
    ),
)

_REGISTRY: dict[str, SchemaEntry] = {entry.name: entry for entry in _BUILTIN}


def register_schema(name: str, description: str, factory: str | SchemaFactory) -> None:
    """Publish a schema under ``name`` (``factory``: a function or ``"module:function"``)."""
    if not name or not name.replace("-", "").isalnum():
        raise ValueError(f"schema name {name!r}: use letters, digits and '-'")
    _REGISTRY[name] = SchemaEntry(name, description, factory)


def schema_names() -> list[str]:
    """Names of every published schema, sorted."""
    return sorted(_REGISTRY)


def schema_entries() -> list[SchemaEntry]:
    """Every published schema, sorted by name."""
    return [_REGISTRY[name] for name in schema_names()]


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema published as ``name``; an unknown name raises with the known ones."""
    entry = _REGISTRY.get(name)
    if entry is None:
        raise LookupError(f"no schema named {name!r}; there are: {', '.join(schema_names())}")
    return entry.schema()
