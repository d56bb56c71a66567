"""Item search requests (GET query strings and POST bodies) made into catalog queries, and
their results made into GeoJSON feature collections with paging links.

Each parameter is checked here or by the catalog, and a bad one is a
:class:`~zorka.catalog.ParameterError` (HTTP 400) that names it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field
from shapely.errors import ShapelyError
from shapely.geometry import shape

from zorka.catalog import (
    FilterError,
    ParameterError,
    SearchPage,
    SearchQuery,
    apply_fields,
    compile_filter,
    parse_bbox,
    parse_fields,
    parse_filter,
    parse_list,
    parse_sortby,
    query_to_cql2,
)
from zorka.server.links import GEOJSON, JSON, render_item

__all__ = [
    "CRS84",
    "DEFAULT_LIMIT",
    "SearchBody",
    "SearchRequest",
    "SortTerm",
    "feature_collection",
]

#: The only filter CRS the catalog evaluates (longitude, latitude on WGS 84).
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT = 10
_GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
}


class SortTerm(BaseModel):
    """One term of the sort extension's ``sortby``."""

    field: str
    direction: str = "asc"


class FieldsSpec(BaseModel):
    """The fields extension's ``fields`` object."""

    include: list[str] = []
    exclude: list[str] = []


class SearchBody(BaseModel):
    """The body of ``POST /search``: the core item-search parameters and the filter, sort,
    fields and query extensions'."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    bbox: list[float] | None = None
    intersects: dict[str, Any] | None = None
    datetime: str | None = None
    ids: list[str] | None = None
    collections: list[str] | None = None
    limit: int | None = None
    token: str | None = None
    filter: dict[str, Any] | str | None = None
    filter_lang: str | None = Field(default=None, alias="filter-lang")
    filter_crs: str | None = Field(default=None, alias="filter-crs")
    sortby: list[SortTerm] | None = None
    fields: FieldsSpec | None = None
    query: dict[str, dict[str, Any]] | None = None


@dataclass
class SearchRequest:
    """A parsed search: the catalog query and what shapes the response."""

    query: SearchQuery
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)

    @classmethod
    def from_params(
        cls,
        params: dict[str, str],
        max_limit: int,
        collections: list[str] | None = None,
    ) -> SearchRequest:
        """A search from GET query parameters (strings). With ``collections`` (the items of
        one collection), the ``collections``, ``ids`` and ``intersects`` parameters are not
        read."""
        lang = _filter_lang(params.get("filter-lang"))
        filter_: str | dict[str, Any] | None = params.get("filter") or None
        if isinstance(filter_, str) and lang == "cql2-json":
            filter_ = _json("filter", filter_)
        intersects = None
        if collections is None and params.get("intersects"):
            intersects = _json("intersects", params["intersects"])
        include, exclude = parse_fields(params.get("fields"))
        return cls(
            _query(
                bbox=parse_bbox(params.get("bbox")),
                intersects=intersects,
                datetime=params.get("datetime") or None,
                ids=None if collections is not None else parse_list("ids", params.get("ids")),
                collections=collections or parse_list("collections", params.get("collections")),
                limit=_limit(params.get("limit"), max_limit),
                token=params.get("token") or None,
                filter_=filter_,
                lang=lang,
                crs=params.get("filter-crs"),
                sortby=parse_sortby(params.get("sortby")),
                query=params.get("query") or None,
            ),
            include,
            exclude,
        )

    @classmethod
    def from_body(cls, body: SearchBody, max_limit: int) -> SearchRequest:
        """A search from a POST body."""
        fields = body.fields or FieldsSpec()
        return cls(
            _query(
                bbox=parse_bbox(body.bbox),
                intersects=body.intersects,
                datetime=body.datetime,
                ids=parse_list("ids", body.ids),
                collections=parse_list("collections", body.collections),
                limit=_limit(body.limit, max_limit),
                token=body.token,
                filter_=body.filter,
                lang=_filter_lang(body.filter_lang),
                crs=body.filter_crs,
                sortby=parse_sortby([t.model_dump() for t in body.sortby or []]),
                query=body.query,
            ),
            fields.include,
            fields.exclude,
        )


def _json(parameter: str, text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ParameterError(parameter, f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise ParameterError(parameter, "expected a JSON object")
    return value


def _filter_lang(value: str | None) -> str | None:
    if value in (None, "", "cql2-text", "cql2-json"):
        return value or None
    raise ParameterError("filter-lang", f"{value!r} is not cql2-text or cql2-json")


def _limit(value: str | int | None, max_limit: int) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise ParameterError("limit", f"expected an integer, got {value!r}") from None
    if limit < 1:
        raise ParameterError("limit", f"must be at least 1, got {limit}")
    # OGC API Features: a limit above the maximum is not an error; the maximum is used.
    return min(limit, max_limit)


def _query(
    *,
    bbox: list[float] | None,
    intersects: dict[str, Any] | None,
    datetime: str | None,
    ids: list[str] | None,
    collections: list[str] | None,
    limit: int,
    token: str | None,
    filter_: str | dict[str, Any] | None,
    lang: str | None,
    crs: str | None,
    sortby: list[tuple[str, str]],
    query: str | dict[str, Any] | None,
) -> SearchQuery:
    if bbox is not None and intersects is not None:
        raise ParameterError("intersects", "bbox and intersects cannot be used together")
    if intersects is not None:
        _check_geometry(intersects)
    if crs not in (None, "", CRS84):
        raise ParameterError("filter-crs", f"only {CRS84} is supported")
    cql = query_to_cql2(query)
    if filter_ is not None:
        if isinstance(filter_, str) and lang == "cql2-json":
            raise ParameterError("filter", "filter-lang is cql2-json but the filter is text")
        if isinstance(filter_, dict) and lang == "cql2-text":
            raise ParameterError("filter", "filter-lang is cql2-text but the filter is JSON")
        try:
            tree = parse_filter(filter_, lang)
        except FilterError as error:
            raise ParameterError("filter", str(error)) from None
        cql = tree if cql is None else {"op": "and", "args": [cql, tree]}
    if cql is not None:
        try:
            # Compiled here too, so that what the catalog cannot evaluate is named as ours.
            compile_filter(cql)
        except FilterError as error:
            where = "filter" if filter_ is not None else "query"
            raise ParameterError(where, str(error)) from None
    return SearchQuery(
        bbox=bbox,
        intersects=intersects,
        datetime=datetime,
        ids=ids,
        collections=collections,
        filter=cql,
        filter_lang=None if cql is None else "cql2-json",
        sortby=sortby,
        limit=limit,
        token=token,
    )


def _check_geometry(geometry: dict[str, Any]) -> None:
    if geometry.get("type") not in _GEOMETRY_TYPES:
        raise ParameterError("intersects", f"not a GeoJSON geometry type: {geometry.get('type')!r}")
    try:
        parsed = shape(geometry)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ShapelyError) as error:
        raise ParameterError("intersects", f"not a GeoJSON geometry: {error}") from None
    if parsed.is_empty:
        raise ParameterError("intersects", "the geometry is empty")


def feature_collection(
    page: SearchPage,
    request: SearchRequest,
    base: str,
    next_link: dict[str, Any] | None,
) -> dict[str, Any]:
    """The GeoJSON answer of a search page: items rendered for ``base``, fields applied."""
    features = [
        apply_fields(render_item(item, base), request.include, request.exclude)
        for item in page.items
    ]
    links: list[dict[str, Any]] = [{"rel": "root", "href": f"{base}/", "type": JSON}]
    if next_link is not None:
        links.append(next_link)
    return {
        "type": "FeatureCollection",
        "features": features,
        "links": links,
        "numberMatched": page.matched,
        "numberReturned": len(features),
    }


def get_next_link(
    url: str, params: list[tuple[str, str]], token: str | None
) -> dict[str, Any] | None:
    """The ``next`` link of a GET search: the same parameters with the next page's token."""
    if token is None:
        return None
    query = [(k, v) for k, v in params if k != "token"] + [("token", token)]
    return {"rel": "next", "href": f"{url}?{urlencode(query)}", "type": GEOJSON, "method": "GET"}


def post_next_link(url: str, body: SearchBody, token: str | None) -> dict[str, Any] | None:
    """The ``next`` link of a POST search: the same body with the next page's token."""
    if token is None:
        return None
    payload = body.model_dump(by_alias=True, exclude_none=True)
    payload["token"] = token
    return {
        "rel": "next",
        "href": url,
        "type": GEOJSON,
        "method": "POST",
        "body": payload,
        "merge": False,
    }
