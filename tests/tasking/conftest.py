"""The tasking API over the embedded mission ``by``, on its demo days, by TestClient."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from zorka.catalog import SQLiteCatalog
from zorka.mission import Mission, default_mission
from zorka.server import create_app
from zorka.server.users import Role, UserStore
from zorka.tasking import SQLiteOrderStore, TaskingService

with warnings.catch_warnings():
    # Starlette asks for the httpx2 fork in its test client and warns when it finds httpx.
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

#: The clock of the tests: the start of the embedded mission's demo (test_api.py has it too).
NOW = datetime(2024, 9, 5, tzinfo=UTC)
OPERATOR_KEY = "operator-secret"


@pytest.fixture(scope="session")
def mission() -> Mission:
    """The embedded default mission."""
    return default_mission("by")


@pytest.fixture
def service(mission: Mission) -> Iterator[TaskingService]:
    """A service with orders in memory and its clock at the demo's start."""
    svc = TaskingService(mission, SQLiteOrderStore(":memory:"), clock=lambda: NOW)
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def user_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A users file with two customers, a viewer and an operator, and their keys."""
    path = tmp_path_factory.mktemp("users") / "users.sqlite"
    store = UserStore(path)
    keys = {}
    for name, role in [
        ("alice", Role.customer),
        ("bob", Role.customer),
        ("vera", Role.viewer),
        ("olga", Role.operator),
    ]:
        keys[name] = store.add(name, role)[1]
    store.close()
    return path, keys


@pytest.fixture
def keys(user_file: tuple[Path, dict[str, str]]) -> dict[str, str]:
    """The users' keys by name."""
    return user_file[1]


@pytest.fixture
def client(service: TaskingService, user_file: tuple[Path, dict[str, str]]) -> Iterator[TestClient]:
    """A client of the STAC and tasking API (empty catalog)."""
    catalog = SQLiteCatalog(":memory:")
    users = UserStore(user_file[0])
    app = create_app(catalog, api_key=OPERATOR_KEY, tasking=service, users=users)
    with TestClient(app) as test_client:
        yield test_client
    users.close()
    catalog.close()


@pytest.fixture
def headers(keys: dict[str, str]) -> dict[str, dict[str, str]]:
    """The header that presents each user's key, by user name (and ``operator``'s key)."""
    found = {name: {"Authorization": f"Bearer {key}"} for name, key in keys.items()}
    found["operator"] = {"X-API-Key": OPERATOR_KEY}
    return found
