"""Helpers of the console tests: the accounts, and an application over a data directory."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from zorka.catalog.sqlite import CATALOG_FILE, SQLiteCatalog
from zorka.loop import DEMO_START
from zorka.mission import Mission
from zorka.server import create_app
from zorka.server.events import EventBus
from zorka.server.users import UserStore
from zorka.tasking import SQLiteOrderStore, TaskingService
from zorka.tasking.store import ORDERS_FILE

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

#: The console's users in these tests: name -> (role, password).
ACCOUNTS = {
    "ops": ("operator", "ops-password"),
    "vera": ("viewer", "vera-password"),
    "agro": ("customer", "agro-password"),
    "partners": ("customer", "partners-password"),
}


@dataclass
class Console:
    """An application over a data directory, with its users, bus and clock."""

    app: Any
    folder: Path
    events: EventBus
    clock: list[datetime]
    closers: list[Any] = field(default_factory=list)

    def client(self, who: str | None = None) -> TestClient:
        """A client logged in as ``who`` (by the console's login), or anonymous."""
        client = TestClient(self.app)
        if who is not None:
            answer = client.post(
                "/console/api/login", json={"name": who, "password": ACCOUNTS[who][1]}
            )
            assert answer.status_code == 200, answer.text
        return client


def make_console(
    folder: Path, mission: Mission, live: Any = None, *, fresh_users: bool = True
) -> Console:
    users = UserStore(folder / "users.sqlite")
    for name, (role, password) in ACCOUNTS.items() if fresh_users else ():
        users.add(name, role, password=password)
    clock = [DEMO_START]
    catalog = SQLiteCatalog(folder / CATALOG_FILE)
    tasking = TaskingService(
        mission, SQLiteOrderStore(folder / ORDERS_FILE), clock=lambda: clock[0]
    )
    events = EventBus()
    app = create_app(
        catalog, tasking=tasking, users=users, data_dir=folder, events=events,
        clock=lambda: clock[0], live=live,
    )  # fmt: skip
    return Console(app, folder, events, clock, [catalog, tasking, users])
