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


def test_serve_simulate_flies_the_fleet_behind_the_console(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``--simulate``: the operator's key commands the simulated Kanopus-V 1 through the
    console's API, and its PUS-1 reports come back into the command history."""
    import time

    seen: dict[str, Any] = {}

    def fake_run(application: FastAPI, **kwargs: Any) -> None:
        with TestClient(application) as client:
            key = {"X-API-Key": "k"}
            sent = client.post(
                "/console/api/commands", headers=key,
                json={"satellite": "Kanopus-V 1", "command": "IMAGING_OFF", "arguments": {}},
            )  # fmt: skip
            seen["sent"] = sent.status_code
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                rows = client.get("/console/api/commands", headers=key).json()["commands"]
                stages = {s["stage"]: s["status"] for r in rows for s in r["stages"]}
                if stages.get("completed") == "ok":
                    break
                time.sleep(0.2)
            seen["stages"] = stages
            seen["clock"] = client.get("/console/api/overview", headers=key).json()["clock"]

    monkeypatch.setattr(uvicorn, "run", fake_run)
    try:
        args = ["--data-dir", str(tmp_path), "serve", "--api-key", "k", "--simulate",
                "--start", "2024-09-05T10:00:00Z"]  # fmt: skip
        result = runner.invoke(app, args)
    finally:
        set_data_dir_override(None)
    assert result.exit_code == 0, result.output
    assert seen["sent"] == 202
    assert seen["stages"].get("completed") == "ok", seen
    assert seen["clock"].startswith("2024-09-05T10:0")
