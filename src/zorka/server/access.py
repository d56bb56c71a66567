"""Who may read what: collections whose items only holders of a read key may see.

Reads are open by default. An access file limits chosen collections (``zorka serve --access
FILE``, YAML or JSON)::

    # Partner deliveries: each partner reads its own collection; the operator reads all.
    collections:
      partner-a-l1c:
        read_keys: [key-of-partner-a]
      bka-l1a:
        read_keys: [key-of-the-calibration-team, key-of-partner-a]

A client presents a key as it presents the operator's (``Authorization: Bearer KEY`` or
``X-API-Key: KEY``); the operator's key reads every collection. Without a key that opens it, a
limited collection is not there at all: it is left out of the landing page, the collection list
and every search, and its collection, items and asset files answer 404 like a collection that
does not exist, so that its name does not leak either.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request

__all__ = ["AccessConfigError", "ReadAccess", "request_key"]


class AccessConfigError(ValueError):
    """An access file that cannot be used; the message names the file and the field."""


class _CollectionAccess(BaseModel):
    model_config = ConfigDict(extra="forbid")

    read_keys: list[str] = Field(min_length=1)


class _AccessFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collections: dict[str, _CollectionAccess] = {}


def request_key(request: Request) -> str | None:
    """The key a request presents: ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key") or None


def _matches(given: str, keys: Iterable[str]) -> bool:
    # Every key is compared, in constant time each, so that timing tells nothing about which.
    found = False
    for key in keys:
        found |= secrets.compare_digest(given.encode(), key.encode())
    return found


@dataclass(frozen=True)
class ReadAccess:
    """The read keys of the limited collections; collections not named are open to all."""

    read_keys: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, document: Any, source: str = "access") -> ReadAccess:
        """From the access document (see the module's docstring); ``source`` names it in
        errors."""
        try:
            parsed = _AccessFile.model_validate(document if document is not None else {})
        except ValidationError as error:
            problems = [
                f"{'.'.join(str(p) for p in e['loc']) or 'document'}: {e['msg']}"
                for e in error.errors()
            ]
            raise AccessConfigError(f"{source}: {'; '.join(problems)}") from None
        for collection, entry in parsed.collections.items():
            if any(not key.strip() for key in entry.read_keys):
                raise AccessConfigError(
                    f"{source}: collections.{collection}.read_keys: a key is empty"
                )
        return cls({c: frozenset(e.read_keys) for c, e in parsed.collections.items()})

    @classmethod
    def from_file(cls, path: str | Path) -> ReadAccess:
        """From a YAML or JSON access file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (OSError, ValueError, yaml.YAMLError) as error:
            raise AccessConfigError(f"{path}: {error}") from None
        return cls.from_dict(document, str(path))

    def to_dict(self) -> dict[str, Any]:
        """The access document (keys sorted)."""
        return {
            "collections": {
                c: {"read_keys": sorted(keys)} for c, keys in sorted(self.read_keys.items())
            }
        }

    def can_read(self, collection: str, key: str | None, operator_key: str | None = None) -> bool:
        """Whether a client presenting ``key`` may read ``collection``."""
        keys = self.read_keys.get(collection)
        if keys is None:
            return True
        if key is None:
            return False
        if operator_key is not None and _matches(key, [operator_key]):
            return True
        return _matches(key, keys)

    def hidden(self, key: str | None, operator_key: str | None = None) -> list[str]:
        """The collections a client presenting ``key`` may not read, sorted."""
        return sorted(c for c in self.read_keys if not self.can_read(c, key, operator_key))
