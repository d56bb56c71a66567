"""The data directory: argument, ``--data-dir`` override, ``$ZORKA_DATA_DIR``, platform default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest

from zorka import datadir
from zorka.datadir import data_dir, data_dir_source, set_data_dir_override


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(datadir.ENV_VAR, raising=False)
    set_data_dir_override(None)
    yield
    set_data_dir_override(None)


def test_platform_default_without_creating() -> None:
    assert data_dir(create=False) == platformdirs.user_data_path("zorka")
    assert data_dir_source() == "platform default"


def test_environment_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(datadir.ENV_VAR, str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env"
    assert (tmp_path / "env").is_dir()
    assert data_dir_source() == "$ZORKA_DATA_DIR"


def test_override_beats_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(datadir.ENV_VAR, str(tmp_path / "env"))
    assert set_data_dir_override(tmp_path / "opt") == tmp_path / "opt"
    assert data_dir() == tmp_path / "opt"
    assert data_dir_source() == "--data-dir"
    assert data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert data_dir_source(tmp_path / "arg") == "argument"
    set_data_dir_override(None)
    assert data_dir() == tmp_path / "env"


def test_created_with_parents(tmp_path: Path) -> None:
    path = data_dir(tmp_path / "a" / "b" / "c")
    assert path.is_dir()


def test_a_file_in_the_way_is_reported(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    set_data_dir_override(tmp_path / "file")
    with pytest.raises(NotADirectoryError, match="from --data-dir"):
        data_dir()
    with pytest.raises(NotADirectoryError, match="cannot be created"):
        data_dir(tmp_path / "file" / "below")
