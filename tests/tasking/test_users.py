"""Users and their keys: scrypt hashes only, never a key in clear; ``zorka users``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from zorka.cli.app import app
from zorka.server.users import Role, UserStore, hash_key, verify_key


def test_keys_are_kept_as_scrypt_hashes(tmp_path: Path) -> None:
    path = tmp_path / "users.sqlite"
    store = UserStore(path)
    user, key = store.add("alice", "customer")
    assert user.role is Role.customer and key.startswith("zk_")
    assert store.authenticate(key) == store.authenticate(key)  # the second from memory
    assert store.authenticate(key + "x") is None
    assert store.authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    with pytest.raises(ValueError, match="already exists"):
        store.add("alice", "viewer")
    with pytest.raises(ValueError, match="the roles are operator, customer, viewer"):
        store.add("bob", "admin")
    store.close()
    secret = key.split("_", 2)[2]
    raw = path.read_bytes()
    assert secret.encode() not in raw and b"scrypt$16384$8$1$" in raw
    store = UserStore(path)
    found = store.authenticate(key)
    assert found is not None and found.name == "alice"
    assert store.remove("alice") and store.authenticate(key) is None
    store.close()


def test_hash_and_verify() -> None:
    stored = hash_key("secret", salt=b"0123456789abcdef")
    assert stored == hash_key("secret", salt=b"0123456789abcdef")
    assert stored != hash_key("secret")  # a new salt each time
    assert verify_key("secret", stored) and not verify_key("Secret", stored)
    assert not verify_key("secret", "pbkdf2$x")


def test_zorka_users_add_prints_the_key_once(tmp_path: Path) -> None:
    runner = CliRunner()
    from zorka.cli import commands  # noqa: F401  (registers the verbs)
    from zorka.datadir import set_data_dir_override

    data = ["--data-dir", str(tmp_path)]
    try:
        added = runner.invoke(app, [*data, "users", "add", "olga", "--role", "operator"])
        listed = runner.invoke(app, [*data, "users", "list"])
        twice = runner.invoke(app, [*data, "users", "add", "olga"])
        removed = runner.invoke(app, [*data, "users", "remove", "olga"])
    finally:
        set_data_dir_override(None)  # --data-dir holds for the process; not for other tests
    assert added.exit_code == 0, added.output
    key = added.stdout.strip()
    assert key.startswith("zk_") and key not in listed.stdout
    assert "olga\toperator" in listed.stdout
    assert twice.exit_code == 2 and "already exists" in twice.stderr
    assert removed.exit_code == 0
    store = UserStore(tmp_path / "users.sqlite")
    assert store.users() == []
    store.close()


def test_zorka_serve_mounts_the_tasking_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn
    from fastapi import FastAPI

    from zorka.datadir import set_data_dir_override

    seen: dict[str, object] = {}

    def fake_run(application: FastAPI, **kwargs: object) -> None:
        from fastapi.testclient import TestClient

        with TestClient(application) as client:
            seen["products"] = client.get("/products", headers={"X-API-Key": "k"}).json()
            seen["openapi"] = client.get("/api").status_code

    monkeypatch.setattr(uvicorn, "run", fake_run)
    from zorka.cli import commands  # noqa: F401  (registers the verbs)

    try:
        args = ["--data-dir", str(tmp_path), "serve", "--api-key", "k", "--mission", "by-2015"]
        result = CliRunner().invoke(app, args)
    finally:
        set_data_dir_override(None)  # --data-dir holds for the process; not for other tests
    assert result.exit_code == 0, result.output
    products = seen["products"]
    assert isinstance(products, dict)
    assert [p["id"] for p in products["products"]] == ["pan", "ms"]
    assert "BKA" in products["products"][0]["description"]
    assert seen["openapi"] == 200
    assert (tmp_path / "orders.sqlite").exists() and (tmp_path / "users.sqlite").exists()


def test_console_passwords_are_hashed_and_checked(tmp_path: Path) -> None:
    import sqlite3

    runner = CliRunner()
    base = ["--data-dir", str(tmp_path), "users"]
    made = runner.invoke(
        app, [*base, "add", "ana", "--role", "operator", "--password"],
        input="first-secret\nfirst-secret\n",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    store = UserStore(tmp_path / "users.sqlite")
    user = store.login("ana", "first-secret")
    assert user is not None and user.role is Role.operator
    assert store.login("ana", "first-secreT") is None
    assert store.login("nobody", "first-secret") is None
    store.close()
    changed = runner.invoke(app, [*base, "passwd", "ana"], input="second-one\nsecond-one\n")
    assert changed.exit_code == 0, changed.output
    short = runner.invoke(app, [*base, "passwd", "ana"], input="short\nshort\n")
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    store = UserStore(tmp_path / "users.sqlite")
    assert store.login("ana", "first-secret") is None
    assert store.login("ana", "second-one") is not None
    store.close()
    raw = (tmp_path / "users.sqlite").read_bytes()
    assert b"second-one" not in raw
    # a users file from before passwords gains the column and keeps its users
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as db:
        db.execute(
            "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, key_id TEXT NOT NULL"
            " UNIQUE, key_hash TEXT NOT NULL, created TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO users VALUES ('bo', 'viewer', 'abc', ?, '2024-01-01T00:00:00Z')",
            (hash_key("x"),),
        )
    db.close()
    upgraded = UserStore(old)
    assert [u.name for u in upgraded.users()] == ["bo"]
    assert upgraded.login("bo", "anything-long") is None
    upgraded.set_password("bo", "now-it-has-one")
    assert upgraded.login("bo", "now-it-has-one") is not None
    upgraded.close()
