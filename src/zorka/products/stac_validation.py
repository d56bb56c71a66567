"""Offline STAC validation: schema URLs resolved from local copies, never from the network.

pystac validates with JSON schemas fetched by URL. Its STAC 1.1 core schemas ship inside pystac
(:func:`pystac.validation.local_validator.get_local_schema_cache`); extension schemas do not.
:class:`OfflineValidator` adds extension schemas from folders laid out as ``<host>/<path>``
(e.g. ``stac-extensions.github.io/eo/v1.1.0/schema.json``, as in ``shared/data/stac-schemas``)
and refuses, with a message naming the URL, any schema it does not hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pystac
from pystac.validation import validate_dict
from pystac.validation.stac_validator import GetSchemaError, JsonSchemaSTACValidator

__all__ = ["OfflineValidator", "validate_item"]


class OfflineValidator(JsonSchemaSTACValidator):
    """A pystac validator whose schemas all come from pystac's bundled copies and local folders."""

    def __init__(self, schema_dirs: Iterable[str | Path] = ()) -> None:
        super().__init__()
        for folder in schema_dirs:
            root = Path(folder)
            for path in sorted(root.rglob("*.json")):
                url = "https://" + path.relative_to(root).as_posix()
                self.schema_cache[url] = json.loads(path.read_text(encoding="utf-8"))

    def _get_schema(self, schema_uri: str) -> dict[str, Any]:
        # The registry asks for schemas by their id; some ids end in "#".
        uri = schema_uri.rstrip("#")
        if uri not in self.schema_cache:
            raise GetSchemaError(
                schema_uri,
                LookupError(
                    "not available offline; add a copy under a schema folder laid out as "
                    "<host>/<path>"
                ),
            )
        return self.schema_cache[uri]


def validate_item(item: pystac.Item, validator: OfflineValidator) -> list[str]:
    """Validate an item against core and every declared extension schema; return schema URIs.

    Raises :class:`pystac.errors.STACValidationError` (with the failing field in its message)
    or :class:`~pystac.validation.stac_validator.GetSchemaError` for a schema not held offline.
    """
    return validate_dict(item.to_dict(include_self_link=False), validator=validator)
