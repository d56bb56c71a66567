"""The zorka web application: :func:`create_app` over a catalog.

One FastAPI application serves the STAC API (core, collections, features, item search with the
filter, sort, fields and query extensions, transactions). OpenAPI is at ``/api``, its browsable
form at ``/api.html``. Reads are open unless limited per collection
(:mod:`zorka.server.access`); writes need the operator's API key, given as
``Authorization: Bearer KEY`` or ``X-API-Key: KEY``; without a key configured there are no
writes at all.

The catalog is one SQLite connection shared by the worker threads, so calls into it are
serialised by a lock; an installation that outgrows that runs several uvicorn workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from zorka.catalog import SQLiteCatalog
from zorka.products.stac_validation import OfflineValidator
from zorka.server.access import ReadAccess, request_key
from zorka.server.auth import Authenticator
from zorka.server.events import EventBus

if TYPE_CHECKING:
    from zorka.live import LiveOperations
    from zorka.server.users import UserStore
    from zorka.tasking import TaskingService

__all__ = ["MAX_LIMIT", "OPENAPI_MEDIA_TYPE", "ApiContext", "create_app"]

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
    access: ReadAccess = field(default_factory=ReadAccess)
    max_limit: int = MAX_LIMIT
    title: str = "zorka"
    description: str = "Earth-observation products of the zorka ground segment"
    lock: threading.Lock = field(default_factory=threading.Lock)
    auth: Authenticator | None = None

    def call(self, function: Callable[[SQLiteCatalog], T]) -> T:
        """``function(catalog)`` under the lock."""
        with self.lock:
            return function(self.catalog)

    def can_read(self, request: Request, collection: str) -> bool:
        """Whether the client of ``request`` may read ``collection`` (see :class:`ReadAccess`)."""
        return self.access.can_read(collection, request_key(request), self.api_key)

    def hidden(self, request: Request) -> list[str]:
        """The collections the client of ``request`` may not read."""
        if not self.access.read_keys:
            return []
        return self.access.hidden(request_key(request), self.api_key)


def create_app(
    catalog: SQLiteCatalog,
    *,
    api_key: str | None = None,
    trust_forwarded: bool = False,
    schema_dirs: Iterable[str | Path] = (),
    read_access: ReadAccess | None = None,
    root_path: str = "",
    title: str = "zorka",
    cors: bool = True,
    tasking: TaskingService | None = None,
    users: UserStore | None = None,
    console: bool = True,
    data_dir: str | Path | None = None,
    events: EventBus | None = None,
    clock: Callable[[], datetime] | None = None,
    live: LiveOperations | None = None,
) -> FastAPI:
    """The web application over ``catalog``.

    ``api_key`` enables transactions for clients that present it. ``trust_forwarded`` makes
    links follow ``Forwarded``/``X-Forwarded-*`` headers (only behind a proxy that sets them).
    ``schema_dirs`` hold STAC extension schemas for validating items written through the API
    (laid out as ``<host>/<path>``; core schemas are pystac's). ``read_access`` limits reading
    chosen collections to holders of their read keys (and the operator). ``root_path`` is the
    path prefix a proxy strips before passing requests on. ``tasking`` adds the Sensor Tasking
    API over that service (:mod:`zorka.server.tasking_api`), its clients identified by the keys
    of ``users`` or by ``api_key`` (as the user ``operator``).

    With ``tasking``, ``console`` adds the web console at ``/console/``
    (:mod:`zorka.server.console`) over the mission of ``tasking`` and the state in ``data_dir``
    (default: the catalog's folder): ``events`` is the bus its live updates come from,
    ``clock`` the ground segment's now (default: the wall clock), ``live`` the simulated fleet
    that takes operators' commands.
    """
    from zorka.server.errors import install_error_handlers
    from zorka.server.stac_api import stac_router
    from zorka.server.transactions import transactions_router

    context = ApiContext(
        catalog=catalog,
        api_key=api_key or None,
        trust_forwarded=trust_forwarded,
        validator=OfflineValidator(schema_dirs),
        access=read_access or ReadAccess(),
        title=title,
    )
    app = FastAPI(
        title=f"{title} STAC API",
        description=context.description,
        version="1.0.0",
        # /api and /api.html are this module's routes (see _add_openapi_routes).
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        root_path=root_path,
    )
    app.state.zorka = context
    _add_openapi_routes(app)
    install_error_handlers(app)
    app.include_router(stac_router(context))
    app.include_router(transactions_router(context))
    auth = Authenticator(users, context.api_key)
    context.auth = auth
    if tasking is not None:
        from zorka.server.tasking_api import TaskingContext, tasking_router

        tasking_context = TaskingContext(
            tasking, users, context.api_key, trust_forwarded, auth=auth
        )
        app.include_router(tasking_router(tasking_context))
        if console:
            from zorka.server.console import ConsoleContext, console_router

            bus = events or EventBus()
            if tasking.on_change is None:
                tasking.on_change = lambda order: bus.publish(
                    "order",
                    {"id": order.id, "status": order.status.code.value, "user": order.user},
                )

            console_context = ConsoleContext(
                mission=tasking.mission,
                data_dir=Path(data_dir) if data_dir is not None else _catalog_folder(catalog),
                auth=auth,
                events=bus,
                clock=clock or (lambda: datetime.now(UTC)),
                live=live,
                catalog_call=context.call,
                tasking=tasking,
                hidden=context.hidden,
            )
            app.state.console = console_context
            app.include_router(console_router(console_context))
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


#: The media type of the OpenAPI document, as the landing page's ``service-desc`` link names it.
OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.1"


def _add_openapi_routes(app: FastAPI) -> None:
    """``/api`` (the OpenAPI document) and ``/api.html`` (Swagger UI over it).

    FastAPI's own route answers ``application/json`` whatever was asked; STAC API clients that
    follow ``service-desc`` ask for the OpenAPI media type and expect it back.
    """

    def document(request: Request) -> Response:
        schema = app.openapi()
        root_path = str(request.scope.get("root_path", "")).rstrip("/")
        if root_path and root_path not in {s.get("url") for s in schema.get("servers", [])}:
            schema = {**schema, "servers": [{"url": root_path}, *schema.get("servers", [])]}
        accept = request.headers.get("accept", "")
        wanted = "application/vnd.oai.openapi+json" in accept
        return JSONResponse(schema, media_type=OPENAPI_MEDIA_TYPE if wanted else "application/json")

    def swagger(request: Request) -> HTMLResponse:
        root_path = str(request.scope.get("root_path", "")).rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root_path}/api", title=f"{app.title} - Swagger UI"
        )

    app.add_route("/api", document, include_in_schema=False)
    app.add_route("/api.html", swagger, include_in_schema=False)


def _catalog_folder(catalog: SQLiteCatalog) -> Path | None:
    """The folder of a catalog file (None for one in memory)."""
    path = str(catalog.path)
    return None if path == ":memory:" or not path else Path(path).parent
