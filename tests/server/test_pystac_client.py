"""pystac-client, the STAC tool users already have, searches the API (no network: its
``requests`` session is mounted on the FastAPI test client)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

pystac_client = pytest.importorskip("pystac_client")
requests = pytest.importorskip("requests")

from pystac_client.stac_api_io import StacApiIO  # noqa: E402
from requests.adapters import BaseAdapter  # noqa: E402
from requests.structures import CaseInsensitiveDict  # noqa: E402

BR_PAN = "4089411-0220-PAN-C-1-1-1139831-160712T150120-BR"


class AsgiAdapter(BaseAdapter):
    """A requests transport that answers from an ASGI test client."""

    def __init__(self, client: TestClient) -> None:
        super().__init__()
        self.client = client

    def send(self, request: Any, **kwargs: Any) -> Any:
        answer = self.client.request(
            request.method, request.url, content=request.body, headers=dict(request.headers)
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers = CaseInsensitiveDict(answer.headers)
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def stac(client: TestClient) -> Any:
    io = StacApiIO()
    io.session.mount("http://testserver", AsgiAdapter(client))
    return pystac_client.Client.open("http://testserver/", stac_io=io)


def test_pystac_client_searches_the_api(stac: Any) -> None:
    assert {c.id for c in stac.get_collections()} == {"bka-l1a", "bka-l1b", "bka-l1c"}
    search = stac.search(bbox=[-46, -24, -45.8, -23.6], max_items=10)
    assert sorted(i.id for i in search.items()) == [BR_PAN.replace("PAN", "MUL"), BR_PAN]
    # Paging through POST next links, two items a page.
    paged = stac.search(collections=["bka-l1c", "bka-l1b"], limit=2, method="POST")
    ids = [i.id for i in paged.items()]
    assert len(ids) == len(set(ids)) == 6
    assert paged.matched() == 6
    filtered = stac.search(filter="gsd < 5 AND \"bka:country_code\" = 'BR'", method="GET")
    assert [i.id for i in filtered.items()] == [BR_PAN]
    item = next(stac.search(ids=[BR_PAN]).items())
    assert item.collection_id == "bka-l1c"
    assert item.assets["overview"].href.startswith("http://testserver/collections/bka-l1c/")
    collection = stac.get_collection("bka-l1c")
    assert [i.id for i in collection.get_items(BR_PAN)] == [BR_PAN]
