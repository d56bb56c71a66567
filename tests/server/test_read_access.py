"""Reads limited per collection: the access file, and the API with and without read keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import zorka.cli.serve  # noqa: F401  (registers the command on the app)
from zorka.catalog import SQLiteCatalog
from zorka.cli.app import app as cli
from zorka.server import AccessConfigError, ReadAccess, create_app

OPERATOR = "operator-secret"
PARTNER = "partner-key"
L1A = "4077631-0220-MUL-mk1-1-1100761-150924T044238-ID"
ACCESS_YAML = """\
# The raw L1A bundle is for the calibration team and one partner.
collections:
  bka-l1a:
    read_keys: [calibration-key, partner-key]
"""


def test_access_document_round_trip(tmp_path: Path) -> None:
    (tmp_path / "access.yaml").write_text(ACCESS_YAML)
    access = ReadAccess.from_file(tmp_path / "access.yaml")
    assert access.read_keys == {"bka-l1a": frozenset({"calibration-key", PARTNER})}
    assert ReadAccess.from_dict(access.to_dict()) == access
    (tmp_path / "access.json").write_text(json.dumps(access.to_dict()))
    assert ReadAccess.from_file(tmp_path / "access.json") == access
    assert ReadAccess.from_dict(None) == ReadAccess() == ReadAccess.from_dict({})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"collections": {"bka-l1a": {}}}, r"collections\.bka-l1a\.read_keys: Field required"),
        ({"collections": {"bka-l1a": {"read_keys": []}}}, r"collections\.bka-l1a\.read_keys"),
        ({"collections": {"bka-l1a": {"read_keys": [" "]}}}, "a key is empty"),
        ({"collections": {"bka-l1a": {"read_key": ["k"]}}}, r"bka-l1a\.read_key: Extra"),
        ({"colections": {}}, "colections: Extra inputs"),
        ([1, 2], "document: "),
    ],
)
def test_bad_access_documents_name_the_field(document: Any, message: str) -> None:
    with pytest.raises(AccessConfigError, match=rf"^here\.yaml: .*{message}"):
        ReadAccess.from_dict(document, "here.yaml")


def test_unreadable_access_file_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "access.yaml"
    bad.write_text("collections: [unclosed")
    with pytest.raises(AccessConfigError, match=r"access\.yaml"):
        ReadAccess.from_file(bad)
    with pytest.raises(AccessConfigError, match=r"nowhere\.yaml"):
        ReadAccess.from_file(tmp_path / "nowhere.yaml")


def test_who_may_read() -> None:
    access = ReadAccess({"bka-l1a": frozenset({PARTNER})})
    assert access.can_read("bka-l1c", None)
    assert not access.can_read("bka-l1a", None)
    assert not access.can_read("bka-l1a", "guess")
    assert access.can_read("bka-l1a", PARTNER)
    assert access.can_read("bka-l1a", OPERATOR, operator_key=OPERATOR)
    assert access.hidden(None) == ["bka-l1a"] and access.hidden(PARTNER) == []


@pytest.fixture(scope="module")
def limited(catalog_file: Path) -> Iterator[TestClient]:
    """The API over the BKA catalog with bka-l1a readable by the partner and the operator."""
    store = SQLiteCatalog(catalog_file)
    access = ReadAccess.from_dict({"collections": {"bka-l1a": {"read_keys": [PARTNER]}}})
    with TestClient(create_app(store, api_key=OPERATOR, read_access=access)) as client:
        yield client
    store.close()


def visible(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """What a client presenting ``headers`` sees of the limited collection."""
    landing = client.get("/", headers=headers).json()
    search = client.get("/search", params={"limit": 100}, headers=headers).json()
    posted = client.post("/search", json={"collections": ["bka-l1a"]}, headers=headers).json()
    return {
        "children": [
            link["href"].rsplit("/", 1)[-1] for link in landing["links"] if link["rel"] == "child"
        ],
        "collections": [
            c["id"] for c in client.get("/collections", headers=headers).json()["collections"]
        ],
        "collection": client.get("/collections/bka-l1a", headers=headers).status_code,
        "items": client.get("/collections/bka-l1a/items", headers=headers).status_code,
        "item": client.get(f"/collections/bka-l1a/items/{L1A}", headers=headers).status_code,
        "asset": client.get(
            f"/collections/bka-l1a/items/{L1A}/assets/metadata", headers=headers
        ).status_code,
        "queryables": client.get("/collections/bka-l1a/queryables", headers=headers).status_code,
        "matched": search["numberMatched"],
        "l1a_found": L1A in {f["id"] for f in search["features"]},
        "l1a_search": posted["numberMatched"],
    }


def test_a_limited_collection_is_not_there_without_its_key(limited: TestClient) -> None:
    for headers in ({}, {"X-API-Key": "guess"}, {"Authorization": "Bearer guess"}):
        assert visible(limited, headers) == {
            "children": ["bka-l1b", "bka-l1c"],
            "collections": ["bka-l1b", "bka-l1c"],
            "collection": 404,
            "items": 404,
            "item": 404,
            "asset": 404,
            "queryables": 404,
            "matched": 6,
            "l1a_found": False,
            "l1a_search": 0,
        }, headers
    # The same answer as for a collection that does not exist: the name does not leak.
    hidden = limited.get("/collections/bka-l1a").json()["description"]
    absent = limited.get("/collections/bka-l1z").json()["description"]
    assert hidden.replace("l1a", "l1z") == absent
    assert "read key" in absent
    # Open collections stay open.
    assert limited.get("/collections/bka-l1c/items").json()["numberMatched"] == 4


@pytest.mark.parametrize(
    "headers",
    [{"X-API-Key": PARTNER}, {"Authorization": f"Bearer {PARTNER}"}, {"X-API-Key": OPERATOR}],
)
def test_the_key_opens_it(limited: TestClient, headers: dict[str, str]) -> None:
    assert visible(limited, headers) == {
        "children": ["bka-l1a", "bka-l1b", "bka-l1c"],
        "collections": ["bka-l1a", "bka-l1b", "bka-l1c"],
        "collection": 200,
        "items": 200,
        "item": 200,
        "asset": 200,
        "queryables": 200,
        "matched": 7,
        "l1a_found": True,
        "l1a_search": 1,
    }


def test_a_read_key_does_not_write(limited: TestClient) -> None:
    answer = limited.delete(f"/collections/bka-l1a/items/{L1A}", headers={"X-API-Key": PARTNER})
    assert answer.status_code == 401


def test_serve_reads_the_access_file(
    catalog_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(application: Any, **kwargs: Any) -> None:
        with TestClient(application) as client:
            seen["open"] = client.get("/collections/bka-l1a").status_code
            seen["keyed"] = client.get(
                "/collections/bka-l1a", headers={"X-API-Key": PARTNER}
            ).status_code

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.delenv("ZORKA_API_KEY", raising=False)
    (tmp_path / "access.yaml").write_text(ACCESS_YAML)
    args = ["serve", "--catalog", str(catalog_file), "--access", str(tmp_path / "access.yaml")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert seen == {"open": 404, "keyed": 200}
    (tmp_path / "bad.yaml").write_text("collections:\n  bka-l1a: {read_keys: []}\n")
    args[-1] = str(tmp_path / "bad.yaml")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "bad.yaml: collections.bka-l1a.read_keys" in result.output
