"""Absolute URLs for what the STAC API returns, and stored documents rewritten to carry them.

The catalog stores items as ingested: relative links (``../../collections/bka-l1c``) and local
file paths as asset hrefs. A client needs absolute URLs, and only this server knows under which
one it is reached: behind a proxy that is the proxy's (``X-Forwarded-Proto``, ``-Host``,
``-Prefix`` or RFC 7239 ``Forwarded``, trusted only when the application is told to) plus the
ASGI ``root_path``. Local asset files are rewritten to the server's asset route, which serves
them; the paths themselves never leave the server.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.requests import Request

__all__ = [
    "GEOJSON",
    "JSON",
    "base_url",
    "is_local_href",
    "item_url",
    "local_path",
    "render_collection",
    "render_item",
]

JSON = "application/json"
GEOJSON = "application/geo+json"

# Links the server makes itself; stored ones with these relations are replaced.
_STRUCTURAL = {"self", "root", "parent", "collection", "items", "queryables", "child", "item"}


def base_url(request: Request, trust_forwarded: bool = False) -> str:
    """The URL under which clients reach the application's root, without a trailing slash."""
    url = urlsplit(str(request.base_url))
    scheme, host, path = url.scheme, url.netloc, url.path
    if trust_forwarded:
        forwarded = _forwarded(request.headers.get("forwarded", ""))
        proto = forwarded.get("proto") or _first(request.headers.get("x-forwarded-proto"))
        fhost = forwarded.get("host") or _first(request.headers.get("x-forwarded-host"))
        prefix = _first(request.headers.get("x-forwarded-prefix"))
        if proto in ("http", "https"):
            scheme = proto
        if fhost:
            host = fhost
        if prefix:
            path = "/" + prefix.strip("/") + "/" + path.lstrip("/")
    return f"{scheme}://{host}{path}".rstrip("/")


def _first(value: str | None) -> str | None:
    # A header set by a chain of proxies lists one value per hop; the first is the client's.
    if not value:
        return None
    return value.split(",")[0].strip() or None


def _forwarded(value: str) -> dict[str, str]:
    """The first element of an RFC 7239 ``Forwarded`` header as a dict."""
    pairs: dict[str, str] = {}
    for part in value.split(",")[0].split(";"):
        key, _, val = part.strip().partition("=")
        if key and val:
            pairs[key.lower()] = val.strip('"')
    return pairs


def is_local_href(href: str) -> bool:
    """Whether an href is a file on this machine (a path, or a ``file:`` URL)."""
    scheme = urlsplit(href).scheme
    # One letter is a Windows drive (C:\\...), not a scheme.
    return scheme in ("", "file") or len(scheme) == 1


def local_path(href: str) -> str:
    """The file path of a local href."""
    return urlsplit(href).path if href.startswith("file:") else href


def _absolute(link: dict[str, Any]) -> bool:
    href = link.get("href")
    return isinstance(href, str) and urlsplit(href).scheme in ("http", "https")


def _kept(links: Any) -> list[dict[str, Any]]:
    """Stored links worth passing on: absolute ones the server does not make itself."""
    if not isinstance(links, list):
        return []
    return [
        dict(link)
        for link in links
        if isinstance(link, dict) and link.get("rel") not in _STRUCTURAL and _absolute(link)
    ]


def item_url(base: str, collection: str, item_id: str) -> str:
    """The URL of one item."""
    return f"{base}/collections/{quote(collection, safe='')}/items/{quote(item_id, safe='')}"


def render_item(item: dict[str, Any], base: str) -> dict[str, Any]:
    """A stored item with absolute links and its local asset files turned into URLs.

    ``item`` is not changed; what is changed is copied (a deep copy of every item costs more
    than the rest of a search page).
    """
    out = dict(item)
    collection = str(out.get("collection", ""))
    collection_url = f"{base}/collections/{quote(collection, safe='')}"
    url = item_url(base, collection, str(out.get("id", "")))
    out["links"] = [
        *_kept(out.get("links")),
        {"rel": "self", "href": url, "type": GEOJSON},
        {"rel": "parent", "href": collection_url, "type": JSON},
        {"rel": "collection", "href": collection_url, "type": JSON},
        {"rel": "root", "href": f"{base}/", "type": JSON},
    ]
    assets = out.get("assets")
    if isinstance(assets, dict):
        out["assets"] = dict(assets)
        for key, asset in assets.items():
            href = asset.get("href") if isinstance(asset, dict) else None
            if isinstance(href, str) and is_local_href(href):
                out["assets"][key] = {**asset, "href": f"{url}/assets/{quote(key, safe='')}"}
    return out


def render_collection(collection: dict[str, Any], base: str) -> dict[str, Any]:
    """A stored collection with absolute links to itself, its items and its queryables."""
    out = copy.deepcopy(collection)
    url = f"{base}/collections/{quote(str(out.get('id', '')), safe='')}"
    out["links"] = [
        *_kept(out.get("links")),
        {"rel": "self", "href": url, "type": JSON},
        {"rel": "parent", "href": f"{base}/", "type": JSON},
        {"rel": "root", "href": f"{base}/", "type": JSON},
        {"rel": "items", "href": f"{url}/items", "type": GEOJSON},
        {
            "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
            "href": f"{url}/queryables",
            "type": "application/schema+json",
        },
    ]
    return out
