"""The zorka web application: :func:`create_app` over a catalog.

One FastAPI application serves the STAC API (core, collections, features, item search with the
filter, sort, fields and query extensions, transactions). OpenAPI is at ``/api``, its browsable
form at ``/api.html``. Reads are open; writes need the operator's API key, given as
``Authorization: Bearer KEY`` or ``X-API-Key: KEY``; without a key configured there are no
writes at all.

The catalog is one SQLite connection shared by the worker threads, so calls into it are
serialised by a lock; an installation that outgrows that runs several uvicorn workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from zorka.catalog import SQLiteCatalog
from zorka.products.stac_validation import OfflineValidator

__all__ = ["MAX_LIMIT", "ApiContext", "create_app"]

#: The largest page a search returns; larger limits are lowered to it.
MAX_LIMIT = 10_000

T = TypeVar("T")


@dataclass
class ApiContext:
    """What the routes share: the catalog (behind a lock), the key, and settings."""

    catalog: SQLiteCatalog
    api_key: str | None = None
    trust_forwarded: bool = False
    validator: OfflineValidator = field(default_factory=OfflineValidator)
    max_limit: int = MAX_LIMIT
    title: str = "zorka"
    description: str = "Earth-observation products of the zorka ground segment"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, function: Callable[[SQLiteCatalog], T]) -> T:
        """``function(catalog)`` under the lock."""
        with self.lock:
            return function(self.catalog)


def create_app(
    catalog: SQLiteCatalog,
    *,
    api_key: str | None = None,
    trust_forwarded: bool = False,
    schema_dirs: Iterable[str | Path] = (),
    root_path: str = "",
    title: str = "zorka",
    cors: bool = True,
) -> FastAPI:
    """The web application over ``catalog``.

    ``api_key`` enables transactions for clients that present it. ``trust_forwarded`` makes
    links follow ``Forwarded``/``X-Forwarded-*`` headers (only behind a proxy that sets them).
    ``schema_dirs`` hold STAC extension schemas for validating items written through the API
    (laid out as ``<host>/<path>``; core schemas are pystac's). ``root_path`` is the path prefix
    a proxy strips before passing requests on.
    """
    from zorka.server.errors import install_error_handlers
    from zorka.server.stac_api import stac_router
    from zorka.server.transactions import transactions_router

    context = ApiContext(
        catalog=catalog,
        api_key=api_key or None,
        trust_forwarded=trust_forwarded,
        validator=OfflineValidator(schema_dirs),
        title=title,
    )
    app = FastAPI(
        title=f"{title} STAC API",
        description=context.description,
        version="1.0.0",
        openapi_url="/api",
        docs_url="/api.html",
        redoc_url=None,
        root_path=root_path,
    )
    app.state.zorka = context
    install_error_handlers(app)
    app.include_router(stac_router(context))
    app.include_router(transactions_router(context))
    if cors:
        # STAC browsers run in web pages on other origins; reads are public anyway, and
        # writes still need the key.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["*"],
            allow_headers=["*"],
        )
    return app
