"""The transactions extension: create, replace and delete items (and create or replace
collections), for clients that present the operator's API key.

Items written here are validated against the STAC core schema (pystac's copy) and every
extension schema the server holds offline; extension schemas it does not hold are not checked.
Asset hrefs must be URLs: local files reach the catalog only through ``zorka products ingest``,
so that the API cannot be used to publish arbitrary files of the server's machine.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import pystac
from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import JSONResponse
from jsonschema.exceptions import (  # type: ignore[import-untyped, unused-ignore]
    ValidationError,
    best_match,
)
from pystac.validation import validate_dict
from pystac.validation.stac_validator import GetSchemaError

from zorka.catalog import ItemError, SQLiteCatalog
from zorka.server.access import request_key
from zorka.server.app import ApiContext
from zorka.server.errors import ApiError
from zorka.server.links import (
    GEOJSON,
    JSON,
    base_url,
    is_local_href,
    item_url,
    render_collection,
    render_item,
)

__all__ = ["transactions_router"]


def _validation_message(error: pystac.STACValidationError) -> str:
    # pystac's message is jsonschema's whole report; the most telling failure and its path
    # are enough (best_match looks inside anyOf/oneOf for the branch that nearly matched).
    sources = (
        [s for s in error.source if isinstance(s, ValidationError)]
        if isinstance(error.source, list)
        else []
    )
    if not sources:
        return str(error).splitlines()[0]
    best = best_match(sources)
    if best is None:
        return str(error).splitlines()[0]
    while best.context:  # "not valid under any of the given schemas" says too little
        best = best_match(best.context) or best.context[0]
    path = ".".join(str(p) for p in best.absolute_path)
    return f"{path or 'item'}: {best.message}"


def transactions_router(ctx: ApiContext) -> APIRouter:
    """The write routes over ``ctx``."""
    router = APIRouter(tags=["Transactions"])

    def authorise(request: Request) -> None:
        # an operator (the server's key, a user's key or a console session) may write; other
        # users may not; without users, only the server's key opens writes
        user = ctx.auth.user(request) if ctx.auth is not None else None
        if user is not None:
            if user.is_operator:
                return
            raise ApiError(403, f"writes need the operator role ({user.name} is a {user.role})")
        has_users = ctx.auth is not None and ctx.auth.users is not None
        if ctx.api_key is None and not has_users:
            raise ApiError(
                403,
                "writes are disabled: start the server with an operator API key "
                "(zorka serve --api-key, or $ZORKA_API_KEY)",
            )
        given = request_key(request)
        if (
            given is None
            or ctx.api_key is None
            or not secrets.compare_digest(given.encode(), ctx.api_key.encode())
        ):
            raise ApiError(
                401,
                "writes need an operator's API key (Authorization: Bearer KEY, or X-API-Key)",
                headers={"WWW-Authenticate": "Bearer"},
            )

    def checked(item: Any, collection_id: str, where: str) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise ApiError(400, f"{where}: expected a JSON object")
        if item.get("type") != "Feature":
            raise ApiError(400, f"{where}.type: expected 'Feature', got {item.get('type')!r}")
        named = item.setdefault("collection", collection_id)
        if named != collection_id:
            raise ApiError(
                400, f"{where}.collection: {named!r} differs from the path's {collection_id!r}"
            )
        assets = item.get("assets") or {}
        if not isinstance(assets, dict):
            raise ApiError(400, f"{where}.assets: expected an object")
        for key, asset in assets.items():
            href = asset.get("href") if isinstance(asset, dict) else None
            if not isinstance(href, str) or is_local_href(href):
                raise ApiError(
                    400,
                    f"{where}.assets.{key}.href: expected a URL; local files are ingested with "
                    "`zorka products ingest`",
                )
        # Core and the extension schemas held offline; pystac holds core for STAC 1.1 only,
        # which older items also meet in all that matters here.
        held = [
            e
            for e in item.get("stac_extensions") or []
            if isinstance(e, str) and e.rstrip("#") in ctx.validator.schema_cache
        ]
        # The server links an item to its collection itself; the schema wants the link.
        stored_links = item.get("links")
        links: list[Any] = stored_links if isinstance(stored_links, list) else []
        probe = {
            **item,
            "stac_version": "1.1.0",
            "stac_extensions": held,
            "links": [*links, {"rel": "collection", "href": "collection.json"}],
        }
        try:
            validate_dict(probe, validator=ctx.validator)
        except pystac.STACValidationError as error:
            raise ApiError(400, f"{where}: {_validation_message(error)}") from None
        except (pystac.STACError, GetSchemaError, ValueError, KeyError, TypeError) as error:
            raise ApiError(400, f"{where}: {error}") from None
        try:
            SQLiteCatalog.check_item(item)
        except ItemError as error:
            raise ApiError(400, f"{where}: {error}") from None
        return item

    def collection_exists(collection_id: str) -> None:
        if ctx.call(lambda c: c.collection(collection_id)) is None:
            raise ApiError(404, f"collection {collection_id!r} not found")

    @router.post("/collections/{collection_id}/items", summary="Add items", status_code=201)
    def create_items(
        request: Request, collection_id: str, body: Annotated[dict[str, Any], Body()]
    ) -> JSONResponse:
        authorise(request)
        collection_exists(collection_id)
        if body.get("type") == "FeatureCollection":
            features = body.get("features")
            if not isinstance(features, list) or not features:
                raise ApiError(400, "features: expected a non-empty list of items")
            items = [checked(f, collection_id, f"features[{i}]") for i, f in enumerate(features)]
        else:
            items = [checked(body, collection_id, "item")]
        ids = [str(i["id"]) for i in items]
        if len(set(ids)) != len(ids):
            raise ApiError(400, "features: an item id appears twice")

        def store(catalog: SQLiteCatalog) -> None:
            for item_id in ids:
                if catalog.get(collection_id, item_id) is not None:
                    raise ApiError(
                        409, f"item {item_id!r} already exists in {collection_id!r}; PUT replaces"
                    )
            catalog.ingest(items)

        ctx.call(store)
        url = base_url(request, ctx.trust_forwarded)
        rendered = [render_item(i, url) for i in items]
        if len(rendered) == 1 and body.get("type") != "FeatureCollection":
            location = item_url(url, collection_id, ids[0])
            return JSONResponse(
                rendered[0], 201, headers={"Location": location}, media_type=GEOJSON
            )
        return JSONResponse(
            {"type": "FeatureCollection", "features": rendered}, 201, media_type=GEOJSON
        )

    @router.put("/collections/{collection_id}/items/{item_id}", summary="Replace an item")
    def replace_item(
        request: Request,
        collection_id: str,
        item_id: str,
        body: Annotated[dict[str, Any], Body()],
    ) -> JSONResponse:
        authorise(request)
        collection_exists(collection_id)
        if body.setdefault("id", item_id) != item_id:
            raise ApiError(400, f"item.id: {body['id']!r} differs from the path's {item_id!r}")
        item = checked(body, collection_id, "item")

        def store(catalog: SQLiteCatalog) -> None:
            if catalog.get(collection_id, item_id) is None:
                raise ApiError(404, f"item {item_id!r} not found in {collection_id!r}; POST adds")
            catalog.ingest([item])

        ctx.call(store)
        url = base_url(request, ctx.trust_forwarded)
        return JSONResponse(render_item(item, url), media_type=GEOJSON)

    @router.delete(
        "/collections/{collection_id}/items/{item_id}", summary="Delete an item", status_code=204
    )
    def delete_item(request: Request, collection_id: str, item_id: str) -> Response:
        authorise(request)
        if not ctx.call(lambda c: c.delete(collection_id, item_id)):
            raise ApiError(404, f"item {item_id!r} not found in {collection_id!r}")
        return Response(status_code=204)

    @router.post("/collections", summary="Add a collection", status_code=201)
    def create_collection(
        request: Request, body: Annotated[dict[str, Any], Body()]
    ) -> JSONResponse:
        authorise(request)
        collection = _checked_collection(body, ctx)
        collection_id = collection["id"]

        def store(catalog: SQLiteCatalog) -> None:
            if catalog.collection(collection_id) is not None:
                raise ApiError(409, f"collection {collection_id!r} already exists; PUT replaces")
            catalog.put_collection(collection)

        ctx.call(store)
        url = base_url(request, ctx.trust_forwarded)
        return JSONResponse(render_collection(collection, url), 201, media_type=JSON)

    @router.put("/collections/{collection_id}", summary="Create or replace a collection")
    def replace_collection(
        request: Request, collection_id: str, body: Annotated[dict[str, Any], Body()]
    ) -> JSONResponse:
        authorise(request)
        if body.setdefault("id", collection_id) != collection_id:
            raise ApiError(400, f"id: {body['id']!r} differs from the path's {collection_id!r}")
        collection = _checked_collection(body, ctx)
        ctx.call(lambda c: c.put_collection(collection))
        url = base_url(request, ctx.trust_forwarded)
        return JSONResponse(render_collection(collection, url), media_type=JSON)

    return router


def _checked_collection(body: dict[str, Any], ctx: ApiContext) -> dict[str, Any]:
    if body.get("type") != "Collection" or not isinstance(body.get("id"), str):
        raise ApiError(400, "collection: expected type 'Collection' and a string id")
    held = [
        e
        for e in body.get("stac_extensions") or []
        if isinstance(e, str) and e.rstrip("#") in ctx.validator.schema_cache
    ]
    probe = {**body, "stac_version": "1.1.0", "stac_extensions": held}
    try:
        validate_dict(probe, validator=ctx.validator)
    except pystac.STACValidationError as error:
        raise ApiError(400, f"collection: {_validation_message(error)}") from None
    except (pystac.STACError, GetSchemaError, ValueError, KeyError, TypeError) as error:
        raise ApiError(400, f"collection: {error}") from None
    return body
