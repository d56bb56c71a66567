"""The STAC API over a catalog of the real BKA products (``../shared/data``), by TestClient."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from zorka.catalog import SearchQuery, SQLiteCatalog, ingest_paths
from zorka.products.stac_validation import OfflineValidator
from zorka.server import create_app

with warnings.catch_warnings():
    # Starlette asks for the httpx2 fork in its test client and warns when it finds httpx.
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
API_KEY = "operator-secret"  # test_transactions.py uses the same


@pytest.fixture(scope="session")
def bka_path() -> Path:
    """The shared BKA data folder."""
    return SHARED_DATA / "bka"


@pytest.fixture(scope="session")
def schemas_path() -> Path:
    """Offline copies of the STAC extension schemas."""
    return SHARED_DATA / "stac-schemas"


@pytest.fixture(scope="session")
def validator(schemas_path: Path) -> OfflineValidator:
    """Core and extension schemas, offline."""
    return OfflineValidator([schemas_path])


@pytest.fixture(scope="session")
def catalog_file(
    tmp_path_factory: pytest.TempPathFactory, bka_path: Path, validator: OfflineValidator
) -> Path:
    """A catalog file holding the seven real BKA products, with thumbnails made from their
    previews (not to be written to)."""
    folder = tmp_path_factory.mktemp("stac")
    path = folder / "catalog.sqlite"
    store = SQLiteCatalog(path)
    report = ingest_paths(store, [bka_path], validator, folder / "quicklooks")
    assert report.errors == [] and len(report.ingested) == 7
    store.close()
    return path


@pytest.fixture(scope="module")
def client(catalog_file: Path) -> Iterator[TestClient]:
    """A read-only client of the API over the BKA catalog."""
    store = SQLiteCatalog(catalog_file)
    with TestClient(create_app(store)) as test_client:
        yield test_client
    store.close()


@pytest.fixture
def writable(tmp_path: Path, catalog_file: Path, schemas_path: Path) -> Iterator[TestClient]:
    """A client of an API with transactions (key :data:`API_KEY`) over a copy of the catalog."""
    copy = tmp_path / "catalog.sqlite"
    source = SQLiteCatalog(catalog_file)
    store = SQLiteCatalog(copy)
    store.ingest(source.search(SearchQuery(limit=100)).items)
    for collection in source.collections():
        store.put_collection(collection)
    source.close()
    with TestClient(create_app(store, api_key=API_KEY, schema_dirs=[schemas_path])) as c:
        yield c
    store.close()
