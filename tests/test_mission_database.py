"""Each satellite's mission database: named in the mission file, embedded or a file beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import zorka.cli.simulate  # noqa: F401 - registers `zorka simulate`
from zorka.cli.app import app
from zorka.control.mdb import default_mdb
from zorka.control.mdb.loading import list_default_mdbs
from zorka.mission import (
    MissionError,
    check_mission,
    database_location,
    default_mission,
    list_default_missions,
    load_mission,
    mission_json_schema,
    parse_mission,
    satellite_database,
)
from zorka.mission.defaults import default_mission_path

BKA_YAML = Path(str(default_mission_path().parent.parent / "mdb" / "bka.yaml"))


def _mission_text(database: str | None) -> str:
    text = default_mission_path().read_text(encoding="utf-8")
    line = "    database: bka"
    assert line in text
    if database is None:
        return "\n".join(row for row in text.splitlines() if not row.startswith(line))
    return text.replace(line, f"    database: {database}")


@pytest.mark.parametrize("name", list_default_missions())
def test_embedded_missions_point_to_the_demo_database(name: str) -> None:
    mission = default_mission(name)
    for spec in mission.satellites:
        assert spec.database == "bka"
        assert database_location(spec, mission.base_dir) == "bka"
        assert satellite_database(mission, spec.name) == default_mdb("bka")


def test_the_field_is_optional_in_the_model_and_the_schema() -> None:
    mission = parse_mission(_mission_text(None))
    assert mission.satellites[0].database is None
    assert "database" not in mission.to_dict()["satellites"][0]
    schema = mission_json_schema()["$defs"]["SatelliteSpec"]
    assert "database" in schema["properties"] and "database" not in schema.get("required", [])
    again = parse_mission(default_mission().to_yaml())
    assert again.satellites[0].database == "bka"


def test_a_relative_file_starts_at_the_mission_folder(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    shutil.copy(BKA_YAML, tmp_path / "db" / "ours.yaml")
    path = tmp_path / "mission.yaml"
    path.write_text(_mission_text("db/ours.yaml"), encoding="utf-8")
    mission = load_mission(path)
    spec = mission.satellites[0]
    assert database_location(spec, mission.base_dir) == tmp_path / "db" / "ours.yaml"
    assert satellite_database(mission, spec.name).name == default_mdb().name


def test_a_file_named_like_an_embedded_database_wins(tmp_path: Path) -> None:
    shutil.copy(BKA_YAML, tmp_path / "bka")
    path = tmp_path / "mission.yaml"
    path.write_text(_mission_text("bka"), encoding="utf-8")
    mission = load_mission(path)
    assert database_location(mission.satellites[0], mission.base_dir) == tmp_path / "bka"


def test_missing_or_bad_databases_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "mission.yaml"
    path.write_text(_mission_text("nowhere.yaml"), encoding="utf-8")
    mission = load_mission(path)
    with pytest.raises(MissionError, match=r"satellites\[0\]\.database: .*nowhere\.yaml"):
        satellite_database(mission, "Kanopus-V 1")
    # zorka mission check warns about it
    _, issues = check_mission(path.read_text(encoding="utf-8"), source=str(path), base_dir=tmp_path)
    (warning,) = [i for i in issues if i.path == "satellites[0].database"]
    assert warning.severity == "warning" and "nowhere.yaml" in warning.message
    (tmp_path / "broken.yaml").write_text("parameters: 3\n", encoding="utf-8")
    path.write_text(_mission_text("broken.yaml"), encoding="utf-8")
    with pytest.raises(MissionError, match="is not valid"):
        satellite_database(load_mission(path), "Kanopus-V 1")
    with pytest.raises(MissionError, match="names no database"):
        satellite_database(parse_mission(_mission_text(None)), "Kanopus-V 1")
    with pytest.raises(MissionError, match="no satellite named 'Sputnik'"):
        satellite_database(default_mission(), "Sputnik")
    assert list_default_mdbs() == ["bka"]


def test_simulate_takes_the_database_from_the_mission(tmp_path: Path) -> None:
    path = tmp_path / "mission.yaml"
    path.write_text(_mission_text("nowhere.yaml"), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["simulate", "--mission", str(path), "--duration", "1", "--time-factor", "50"]
    )
    assert result.exit_code == 1
    assert "satellites[0].database" in result.stderr and "nowhere.yaml" in result.stderr
    # --mdb overrides the mission
    result = CliRunner().invoke(
        app,
        ["simulate", "--mission", str(path), "--mdb", "bka", "--duration", "1",
         "--time-factor", "50", "--tm-port", "0", "--tc-port", "0"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Kanopus-V 1" in result.stderr
