"""The read side of the STAC API: landing page, conformance, collections, items, item search,
queryables, and the files of local assets.

Collections limited to read keys (:mod:`zorka.server.access`) are left out of every answer to
a client without their key.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import FileResponse, JSONResponse

from zorka.server.app import OPENAPI_MEDIA_TYPE, ApiContext
from zorka.server.errors import ApiError
from zorka.server.links import (
    GEOJSON,
    JSON,
    base_url,
    is_local_href,
    local_path,
    render_collection,
    render_item,
)
from zorka.server.search import (
    SearchBody,
    SearchRequest,
    feature_collection,
    get_next_link,
    post_next_link,
)

__all__ = ["CONFORMANCE", "QUERYABLES", "stac_router"]

_STAC_API = "https://api.stacspec.org/v1.0.0"
_OGC = "http://www.opengis.net/spec"

#: The conformance classes the API implements.
CONFORMANCE = [
    f"{_STAC_API}/core",
    f"{_STAC_API}/collections",
    f"{_STAC_API}/ogcapi-features",
    f"{_STAC_API}/item-search",
    f"{_STAC_API}/item-search#fields",
    f"{_STAC_API}/item-search#sort",
    f"{_STAC_API}/item-search#query",
    f"{_STAC_API}/item-search#filter",
    f"{_STAC_API}/ogcapi-features#fields",
    f"{_STAC_API}/ogcapi-features#sort",
    f"{_STAC_API}/ogcapi-features#query",
    f"{_STAC_API}/ogcapi-features/extensions/transaction",
    "https://api.stacspec.org/v1.0.0-rc.2/item-search#filter",
    f"{_OGC}/ogcapi-features-1/1.0/conf/core",
    f"{_OGC}/ogcapi-features-1/1.0/conf/geojson",
    f"{_OGC}/ogcapi-features-3/1.0/conf/filter",
    f"{_OGC}/ogcapi-features-3/1.0/conf/features-filter",
    f"{_OGC}/ogcapi-features-4/1.0/conf/simpletx",
    f"{_OGC}/cql2/1.0/conf/cql2-text",
    f"{_OGC}/cql2/1.0/conf/cql2-json",
    f"{_OGC}/cql2/1.0/conf/basic-cql2",
    f"{_OGC}/cql2/1.0/conf/advanced-comparison-operators",
    f"{_OGC}/cql2/1.0/conf/basic-spatial-functions",
    f"{_OGC}/cql2/1.0/conf/basic-spatial-functions-plus",
    f"{_OGC}/cql2/1.0/conf/spatial-functions",
    f"{_OGC}/cql2/1.0/conf/temporal-functions",
]

_NUMBER = {"type": "number"}
_STRING = {"type": "string"}

#: The properties a filter can name, with their JSON schema (more are allowed).
QUERYABLES: dict[str, dict[str, Any]] = {
    "id": {"title": "Item id", **_STRING},
    "collection": {"title": "Collection id", **_STRING},
    "geometry": {"title": "Footprint", "$ref": "https://geojson.org/schema/Geometry.json"},
    "datetime": {"title": "Acquisition time", "type": "string", "format": "date-time"},
    "platform": {"title": "Platform (satellite)", **_STRING},
    "constellation": {"title": "Constellation", **_STRING},
    "gsd": {"title": "Ground sample distance (m)", **_NUMBER},
    "processing:level": {"title": "Processing level (L1A, L1B, L1C)", **_STRING},
    "eo:cloud_cover": {"title": "Cloud cover (%)", "type": "number", "minimum": 0, "maximum": 100},
    "view:off_nadir": {"title": "Off-nadir angle (deg)", **_NUMBER},
    "view:sun_elevation": {"title": "Sun elevation (deg)", **_NUMBER},
    "view:sun_azimuth": {"title": "Sun azimuth (deg)", **_NUMBER},
    "sat:platform_international_designator": {"title": "COSPAR designator", **_STRING},
    "proj:code": {"title": "Projection code (EPSG:...)", **_STRING},
    "bka:country_code": {"title": "Country of the scene (BKA passports)", **_STRING},
}

_SEARCH_PARAMS = {
    "bbox": "west,south,east,north (or 6 numbers with heights)",
    "intersects": "a GeoJSON geometry (JSON text)",
    "datetime": "a time, or start/end with .. for open ends",
    "ids": "comma-separated item ids",
    "collections": "comma-separated collection ids",
    "limit": "items per page (1 to 10000; larger limits are lowered)",
    "token": "the paging token of a next link",
    "filter": "a CQL2 filter",
    "filter-lang": "cql2-text (default) or cql2-json",
    "filter-crs": "only http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "sortby": "e.g. -datetime,+properties.gsd",
    "fields": "e.g. id,properties.gsd,-assets",
    "query": "the query extension's JSON object",
}


def _param(name: str) -> Any:
    return Query(alias=name, description=_SEARCH_PARAMS[name])


def stac_router(ctx: ApiContext) -> APIRouter:
    """The read routes over ``ctx``."""
    router = APIRouter()

    def base(request: Request) -> str:
        return base_url(request, ctx.trust_forwarded)

    def geojson(content: Any, status: int = 200) -> JSONResponse:
        return JSONResponse(content, status_code=status, media_type=GEOJSON)

    def collection_or_404(request: Request, collection_id: str) -> dict[str, Any]:
        # A collection the client may not read answers as one that does not exist.
        found = None
        if ctx.can_read(request, collection_id):
            found = ctx.call(lambda c: c.collection(collection_id))
        if found is None:
            hint = " (some collections need a read key)" if ctx.access.read_keys else ""
            raise ApiError(404, f"collection {collection_id!r} not found{hint}")
        return found

    def readable_collections(request: Request) -> list[dict[str, Any]]:
        hidden = set(ctx.hidden(request))
        return [c for c in ctx.call(lambda c: c.collections()) if c["id"] not in hidden]

    def item_or_404(request: Request, collection_id: str, item_id: str) -> dict[str, Any]:
        collection_or_404(request, collection_id)
        found = ctx.call(lambda c: c.get(collection_id, item_id))
        if found is None:
            raise ApiError(404, f"item {item_id!r} not found in collection {collection_id!r}")
        return found

    @router.get("/", summary="Landing page", tags=["Core"])
    def landing(request: Request) -> JSONResponse:
        url = base(request)
        collections = readable_collections(request)
        links: list[dict[str, Any]] = [
            {"rel": "self", "href": f"{url}/", "type": JSON},
            {"rel": "root", "href": f"{url}/", "type": JSON},
            {"rel": "conformance", "href": f"{url}/conformance", "type": JSON},
            {"rel": "data", "href": f"{url}/collections", "type": JSON},
            {"rel": "search", "href": f"{url}/search", "type": GEOJSON, "method": "GET"},
            {"rel": "search", "href": f"{url}/search", "type": GEOJSON, "method": "POST"},
            {
                "rel": "service-desc",
                "href": f"{url}/api",
                "type": OPENAPI_MEDIA_TYPE,
            },
            {"rel": "service-doc", "href": f"{url}/api.html", "type": "text/html"},
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "href": f"{url}/queryables",
                "type": "application/schema+json",
            },
        ]
        links += [
            {
                "rel": "child",
                "href": f"{url}/collections/{quote(c['id'], safe='')}",
                "type": JSON,
                "title": c.get("title", c["id"]),
            }
            for c in collections
        ]
        return JSONResponse(
            {
                "type": "Catalog",
                "stac_version": "1.1.0",
                "id": ctx.title,
                "title": f"{ctx.title} STAC API",
                "description": ctx.description,
                "conformsTo": CONFORMANCE,
                "links": links,
            }
        )

    @router.get("/conformance", summary="Conformance classes", tags=["Core"])
    def conformance() -> JSONResponse:
        return JSONResponse({"conformsTo": CONFORMANCE})

    @router.get("/queryables", summary="Properties a filter can use", tags=["Filter"])
    def queryables(request: Request) -> JSONResponse:
        return _queryables(f"{base(request)}/queryables")

    @router.get("/collections", summary="All collections", tags=["Collections"])
    def collections(request: Request) -> JSONResponse:
        url = base(request)
        found = [render_collection(c, url) for c in readable_collections(request)]
        return JSONResponse(
            {
                "collections": found,
                "links": [
                    {"rel": "self", "href": f"{url}/collections", "type": JSON},
                    {"rel": "root", "href": f"{url}/", "type": JSON},
                    {"rel": "parent", "href": f"{url}/", "type": JSON},
                ],
                "numberMatched": len(found),
                "numberReturned": len(found),
            }
        )

    @router.get("/collections/{collection_id}", summary="One collection", tags=["Collections"])
    def collection(request: Request, collection_id: str) -> JSONResponse:
        found = collection_or_404(request, collection_id)
        return JSONResponse(render_collection(found, base(request)))

    @router.get(
        "/collections/{collection_id}/queryables",
        summary="Properties a filter on this collection can use",
        tags=["Filter"],
    )
    def collection_queryables(request: Request, collection_id: str) -> JSONResponse:
        collection_or_404(request, collection_id)
        url = f"{base(request)}/collections/{quote(collection_id, safe='')}/queryables"
        return _queryables(url)

    @router.get(
        "/collections/{collection_id}/items",
        summary="The items of a collection",
        tags=["Features"],
        response_class=JSONResponse,
    )
    def items(
        request: Request,
        collection_id: str,
        bbox: Annotated[str | None, _param("bbox")] = None,
        datetime: Annotated[str | None, _param("datetime")] = None,
        limit: Annotated[str | None, _param("limit")] = None,
        token: Annotated[str | None, _param("token")] = None,
        filter_: Annotated[str | None, _param("filter")] = None,
        filter_lang: Annotated[str | None, _param("filter-lang")] = None,
        filter_crs: Annotated[str | None, _param("filter-crs")] = None,
        sortby: Annotated[str | None, _param("sortby")] = None,
        fields: Annotated[str | None, _param("fields")] = None,
        query: Annotated[str | None, _param("query")] = None,
    ) -> JSONResponse:
        collection_or_404(request, collection_id)
        search = SearchRequest.from_params(
            dict(request.query_params), ctx.max_limit, collections=[collection_id]
        )
        page = ctx.call(lambda c: c.search(search.query))
        url = base(request)
        here = f"{url}/collections/{quote(collection_id, safe='')}/items"
        next_link = get_next_link(here, request.query_params.multi_items(), page.next_token)
        answer = feature_collection(page, search, url, next_link)
        answer["links"] += [
            {"rel": "self", "href": _with_query(here, request), "type": GEOJSON},
            {"rel": "collection", "href": here.removesuffix("/items"), "type": JSON},
        ]
        return geojson(answer)

    @router.get(
        "/collections/{collection_id}/items/{item_id}",
        summary="One item",
        tags=["Features"],
        response_class=JSONResponse,
    )
    def item(request: Request, collection_id: str, item_id: str) -> JSONResponse:
        return geojson(render_item(item_or_404(request, collection_id, item_id), base(request)))

    @router.get(
        "/collections/{collection_id}/items/{item_id}/assets/{asset_key}",
        summary="The file of an asset stored on this server",
        tags=["Features"],
        response_class=FileResponse,
    )
    def asset(request: Request, collection_id: str, item_id: str, asset_key: str) -> FileResponse:
        found = item_or_404(request, collection_id, item_id)
        assets = found.get("assets") or {}
        entry = assets.get(asset_key) if isinstance(assets, dict) else None
        href = entry.get("href") if isinstance(entry, dict) else None
        if not isinstance(href, str):
            raise ApiError(404, f"item {item_id!r} has no asset {asset_key!r}")
        path = Path(local_path(href)) if is_local_href(href) else None
        if path is None or not path.is_absolute() or not path.is_file():
            raise ApiError(404, f"the file of asset {asset_key!r} is not on this server")
        media_type = entry.get("type") if isinstance(entry, dict) else None
        return FileResponse(path, media_type=media_type if isinstance(media_type, str) else None)

    @router.get("/search", summary="Item search", tags=["Item Search"], response_class=JSONResponse)
    def search_get(
        request: Request,
        bbox: Annotated[str | None, _param("bbox")] = None,
        intersects: Annotated[str | None, _param("intersects")] = None,
        datetime: Annotated[str | None, _param("datetime")] = None,
        ids: Annotated[str | None, _param("ids")] = None,
        collections: Annotated[str | None, _param("collections")] = None,
        limit: Annotated[str | None, _param("limit")] = None,
        token: Annotated[str | None, _param("token")] = None,
        filter_: Annotated[str | None, _param("filter")] = None,
        filter_lang: Annotated[str | None, _param("filter-lang")] = None,
        filter_crs: Annotated[str | None, _param("filter-crs")] = None,
        sortby: Annotated[str | None, _param("sortby")] = None,
        fields: Annotated[str | None, _param("fields")] = None,
        query: Annotated[str | None, _param("query")] = None,
    ) -> JSONResponse:
        search = SearchRequest.from_params(dict(request.query_params), ctx.max_limit)
        wanted = replace(search.query, exclude_collections=ctx.hidden(request))
        page = ctx.call(lambda c: c.search(wanted))
        url = base(request)
        next_link = get_next_link(
            f"{url}/search", request.query_params.multi_items(), page.next_token
        )
        answer = feature_collection(page, search, url, next_link)
        self_link = {"rel": "self", "href": _with_query(f"{url}/search", request), "type": GEOJSON}
        answer["links"].append(self_link)
        return geojson(answer)

    @router.post(
        "/search", summary="Item search", tags=["Item Search"], response_class=JSONResponse
    )
    def search_post(
        request: Request, body: Annotated[SearchBody | None, Body()] = None
    ) -> JSONResponse:
        body = body or SearchBody()
        search = SearchRequest.from_body(body, ctx.max_limit)
        wanted = replace(search.query, exclude_collections=ctx.hidden(request))
        page = ctx.call(lambda c: c.search(wanted))
        url = base(request)
        next_link = post_next_link(f"{url}/search", body, page.next_token)
        return geojson(feature_collection(page, search, url, next_link))

    return router


def _with_query(url: str, request: Request) -> str:
    query = request.url.query
    return f"{url}?{query}" if query else url


def _queryables(url: str) -> JSONResponse:
    return JSONResponse(
        {
            "$schema": "https://json-schema.org/draft/2019-09/schema",
            "$id": url,
            "type": "object",
            "title": "Queryables",
            "properties": QUERYABLES,
            "additionalProperties": True,
        },
        media_type="application/schema+json",
    )
