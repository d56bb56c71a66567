"""``stac-api-validator`` against the API served by uvicorn on a local port, offline.

The validator (and the stac-validator, stac-check, pystac and pystac-client it drives) fetches
JSON schemas by URL. Here every HTTP request made through urllib3 (what requests and pystac both
use) to a host other than the local server is answered from pystac's bundled core schemas and
``shared/data/stac-schemas``; a name lookup of any other host fails, so nothing can reach the
network, and whatever was refused is reported.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import urllib3
import uvicorn
from pystac.validation.local_validator import get_local_schema_cache
from stac_api_validator import validations
from urllib3.connectionpool import HTTPConnectionPool

from zorka.catalog import SQLiteCatalog
from zorka.server import create_app

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
COLLECTION = "bka-l1c"
# Crosses the Brazilian L1C scene (the two products around 45.9 W, 23.8 S).
GEOMETRY = {
    "type": "Polygon",
    "coordinates": [
        [[-46.0, -24.0], [-45.8, -24.0], [-45.8, -23.6], [-46.0, -23.6], [-46.0, -24.0]]
    ],
}
CONFORMANCE = ["core", "collections", "features", "item-search", "filter"]


class OfflineSchemas:
    """JSON schemas by URL, from pystac's bundle and folders laid out as ``<host>/<path>``."""

    def __init__(self, folders: list[Path]) -> None:
        self.schemas: dict[str, Any] = dict(get_local_schema_cache())
        for folder in folders:
            for path in folder.rglob("*.json"):
                url = "https://" + path.relative_to(folder).as_posix()
                self.schemas[url] = json.loads(path.read_text(encoding="utf-8"))
        self.served: list[str] = []
        self.refused: list[str] = []

    def lookup(self, url: str) -> Any | None:
        found = self.schemas.get(url.split("#")[0])
        (self.served if found is not None else self.refused).append(url)
        return found


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, schemas_path: Path) -> OfflineSchemas:
    """Schema URLs answered locally; name lookups of hosts other than this machine fail."""
    schemas = OfflineSchemas([schemas_path])
    original_urlopen = HTTPConnectionPool.urlopen
    original_getaddrinfo = socket.getaddrinfo

    def urlopen(pool: HTTPConnectionPool, method: str, url: str, *args: Any, **kw: Any) -> Any:
        if pool.host in LOCAL_HOSTS:
            return original_urlopen(pool, method, url, *args, **kw)
        full = f"{pool.scheme}://{pool.host}{url}"
        found = schemas.lookup(full)
        if found is None:
            body, status = b'{"description": "offline: not held locally"}', 404
        else:
            body, status = json.dumps(found).encode(), 200
        return urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers={"Content-Type": "application/json"},
            status=status,
            reason="OK" if status == 200 else "Not Found",
            preload_content=False,
            decode_content=False,
            request_method=method,
            request_url=full,
        )

    def getaddrinfo(host: Any, *args: Any, **kw: Any) -> Any:
        if host not in LOCAL_HOSTS:
            schemas.refused.append(f"name lookup {host}")
            raise socket.gaierror(socket.EAI_NONAME, f"offline test: {host} is not looked up")
        return original_getaddrinfo(host, *args, **kw)

    monkeypatch.setattr(HTTPConnectionPool, "urlopen", urlopen)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return schemas


@pytest.fixture
def served(catalog_file: Path) -> Iterator[str]:
    """The API over the BKA catalog, served by uvicorn on a free local port; its root URL."""
    store = SQLiteCatalog(catalog_file)
    # IPPROTO_TCP named, or asyncio does not set TCP_NODELAY on the connections it accepts and
    # every keep-alive answer waits 40 ms for a delayed ACK.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        create_app(store), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
        store.close()
    assert not thread.is_alive(), "uvicorn did not stop"


@pytest.mark.timeout(120)
# The validator walks the catalog with pystac's deprecated get_all_items; not the API's doing.
@pytest.mark.filterwarnings("ignore:get_all_items is deprecated:DeprecationWarning")
def test_stac_api_validator_passes(served: str, offline: OfflineSchemas) -> None:
    warnings, errors = validations.validate_api(
        root_url=served,
        ccs_to_validate=CONFORMANCE,
        collection=COLLECTION,
        geometry=json.dumps(GEOMETRY),
        auth_bearer_token=None,
        auth_query_parameter=None,
        fields_nested_property=None,
        validate_pagination=True,
        query_config=validations.QueryConfig(*[None] * 13),
        transaction_collection=None,
        headers=None,
    )
    print("validator warnings:", *warnings.as_list(), sep="\n  ")
    print("schemas served offline:", *sorted(set(offline.served)), sep="\n  ")
    assert errors.as_list() == [], "\n".join(errors.as_list())
    assert offline.refused == []
    assert urlsplit(served).hostname == "127.0.0.1"
