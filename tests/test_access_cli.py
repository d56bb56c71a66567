"""``zorka access`` on the embedded mission and on a TLE file, for points and areas."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

import zorka.cli.commands  # noqa: F401  (registers the verbs)
from zorka.cli.app import app

runner = CliRunner()
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SCIENCE = Path(__file__).parent / "data" / "orbits" / "science-2019-11.tle"
TARGETS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "minsk",
            "properties": {},
            "geometry": {"type": "Point", "coordinates": [27.56, 53.9]},
        },
        {
            "type": "Feature",
            "properties": {"name": "field"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[27.0, 53.5], [27.6, 53.5], [27.6, 53.8], [27.0, 53.8], [27.0, 53.5]]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"name": "broken"},
            "geometry": {"type": "Point", "coordinates": [27.0, 95.0]},
        },
    ],
}


def _targets(tmp_path: Path) -> Path:
    path = tmp_path / "targets.geojson"
    path.write_text(json.dumps(TARGETS))
    return path


def test_access_json_on_the_embedded_mission(tmp_path: Path) -> None:
    args = ["access", "--targets", str(_targets(tmp_path)), "--hours", "48", "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {o["target"] for o in out} == {"minsk", "field"}
    for o in out:
        for key in (
            "satellite",
            "target",
            "start",
            "end",
            "best_time",
            "min_off_nadir_deg",
            "roll_deg",
            "pitch_deg",
            "sun_elevation_deg",
            "gsd_m",
        ):
            assert key in o
        for key in ("start", "end", "best_time"):
            assert ISO.match(o[key])
        assert o["min_off_nadir_deg"] <= 40.0 + 1e-6
        if o["target"] == "field":
            assert o["strip"]["type"] in ("Polygon", "MultiPolygon")
            assert o["covered_km2"] > 0
    # the refused feature is named with its index and reason; the others still ran
    assert "feature 2" in result.stderr and "latitude" in result.stderr


def test_access_geojson_and_table(tmp_path: Path) -> None:
    path = str(_targets(tmp_path))
    result = runner.invoke(
        app, ["access", "--targets", path, "--hours", "48", "--format", "geojson"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["type"] == "FeatureCollection" and doc["features"]
    kinds = {f["geometry"]["type"] for f in doc["features"]}
    assert "Point" in kinds and kinds & {"Polygon", "MultiPolygon"}
    result = runner.invoke(app, ["access", "--targets", path, "--hours", "48"])
    assert result.exit_code == 0 and "minsk" in result.stdout


def test_access_on_a_tle_file_with_limits(tmp_path: Path) -> None:
    path = str(_targets(tmp_path))
    args = [
        "access",
        "--targets",
        path,
        "--tle",
        str(SCIENCE),
        "--satellite",
        "TERRA",
        "--start",
        "2019-11-18T00:00:00Z",
        "--hours",
        "72",
        "--format",
        "json",
        "--max-off-nadir",
        "25",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out and all(o["satellite"] == "TERRA" for o in out)
    assert all(o["min_off_nadir_deg"] <= 25.0 + 1e-6 for o in out)


def test_empty_result_says_why(tmp_path: Path) -> None:
    path = str(_targets(tmp_path))
    result = runner.invoke(app, ["access", "--targets", path, "--hours", "1", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert "minsk: no opportunity" in result.stderr


def test_impossible_limits_are_refused(tmp_path: Path) -> None:
    path = str(_targets(tmp_path))
    result = runner.invoke(app, ["access", "--targets", path, "--max-off-nadir", "95"])
    assert result.exit_code == 2
    assert "between 0 and 90" in result.stderr


def test_coverage_reports_fraction_and_revisit(tmp_path: Path) -> None:
    path = str(_targets(tmp_path))
    result = runner.invoke(
        app, ["coverage", "--targets", path, "--hours", "72", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    out = {r["target"]: r for r in json.loads(result.stdout)}
    assert set(out) == {"minsk", "field"}
    field = out["field"]
    assert field["area_km2"] > 1000 and 0 < field["fraction"] <= 1.0
    assert field["covered_km2"] <= field["area_km2"] * (1 + 1e-9)
    assert out["minsk"]["accesses"] >= 1
    assert out["minsk"]["longest_wait_s"] > 0
    table = runner.invoke(app, ["coverage", "--targets", path, "--hours", "72"])
    assert table.exit_code == 0 and "revisit" in table.stdout
