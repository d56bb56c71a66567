"""The console over one run of the operations loop on the embedded mission (made once)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from consolekit import Console, make_console

from zorka.loop import run_demo
from zorka.mission import Mission, default_mission


@pytest.fixture(scope="session")
def mission() -> Mission:
    return default_mission("by")


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory, mission: Mission) -> Path:
    """A data directory after one run of the loop (orders, plan, archive, catalog, products).
    Tests that change it work on a copy (:func:`folder`)."""
    folder = tmp_path_factory.mktemp("demo")
    summary = run_demo(mission, folder)
    assert summary.delivered >= 1, summary.rows()
    return folder


@pytest.fixture
def folder(demo_folder: Path, tmp_path: Path) -> Path:
    """A copy of the demo's data directory for one test."""
    copy = tmp_path / "demo"
    shutil.copytree(demo_folder, copy)
    return copy


@pytest.fixture
def console(folder: Path, mission: Mission) -> Iterator[Console]:
    """The console over a copy of the demo's data directory."""
    made = make_console(folder, mission)
    yield made
    for closer in made.closers:
        closer.close()
