"""``zorka serve``: the application it would run, checked without opening a socket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import zorka.cli.serve  # noqa: F401  (registers the command on the app)
from zorka.cli.app import app
from zorka.datadir import set_data_dir_override

runner = CliRunner()


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    calls: dict[str, Any] = {}

    def fake_run(application: FastAPI, **kwargs: Any) -> None:
        calls["app"] = application
        calls.update(kwargs)
        # What a client would see while the server runs.
        with TestClient(application) as client:
            calls["landing"] = client.get("/").json()
            calls["write"] = client.delete(
                "/collections/bka-l1c/items/x", headers={"X-API-Key": "k"}
            ).status_code

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return calls


def test_serve_runs_the_api_over_the_catalog(captured: dict[str, Any], catalog_file: Path) -> None:
    args = ["serve", "--catalog", str(catalog_file), "--port", "8123", "--api-key", "k"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (captured["host"], captured["port"], captured["proxy_headers"]) == (
        "127.0.0.1",
        8123,
        False,
    )
    children = [link for link in captured["landing"]["links"] if link["rel"] == "child"]
    assert len(children) == 3
    assert captured["write"] == 404  # authorised; the item does not exist


def test_serve_defaults_to_the_data_directory_and_operator_writes(
    captured: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZORKA_API_KEY", raising=False)
    try:
        result = runner.invoke(app, ["--data-dir", str(tmp_path), "serve", "--proxy"])
    finally:
        set_data_dir_override(None)  # --data-dir holds for the process; not for other tests
    assert result.exit_code == 0, result.output
    assert (tmp_path / "catalog.sqlite").exists()
    assert captured["proxy_headers"] is True
    assert captured["landing"]["type"] == "Catalog"
    # no server key: only operator users (zorka users) write; an anonymous write is refused
    assert captured["write"] == 401
