"""Mission files: models, round trips, the published schema, embedded missions, error reports."""

from __future__ import annotations

import doctest
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml

import zorka.mission
from zorka.geometry.stations import GroundStation
from zorka.mission import (
    Mission,
    MissionError,
    MissionIssue,
    SatelliteSpec,
    StationSpec,
    TLEOrbit,
    default_mission,
    default_mission_path,
    list_default_missions,
    load_mission,
    mission_json_schema,
    parse_mission,
    read_mission,
)
from zorka.mission.schemas import json_schema, register_schema, schema_names

DATA = Path(__file__).parent / "data" / "mission"

KANOPUS_L1 = "1 38707U 12039A   24247.82317651  .00138984  00000-0  16635-2 0  9998"
KANOPUS_L2 = "2 38707  97.4945 189.8924 0007050 108.0286 252.1739 15.60479551673427"


def _issues(text: str) -> list[MissionIssue]:
    with pytest.raises(MissionError) as info:
        parse_mission(text, source="t.yaml")
    return info.value.issues


def _paths(issues: list[MissionIssue]) -> list[str]:
    return [issue.path for issue in issues]


# -- embedded missions ------------------------------------------------------------------------


def test_embedded_missions_are_listed() -> None:
    assert {"by", "by-2015"} <= set(list_default_missions())


def test_default_mission_by_builds_its_fleet_and_stations() -> None:
    mission = default_mission()
    assert mission.name == "by"
    satellites, errors = mission.fleet()
    assert errors == []
    assert [(s.name, s.norad_id) for s in satellites] == [("Kanopus-V 1", 38707)]
    # the demo clock runs within two days of the only epoch, the Skyfield test-suite TLE
    assert mission.demo is not None
    assert satellites[0].epoch.date().isoformat() == "2024-09-03"
    assert abs((mission.demo.start - satellites[0].epoch).total_seconds()) < 2 * 86400
    assert mission.warnings(satellites) == []
    stations = mission.ground_stations()
    assert [s.name for s in stations] == ["Minsk", "Logoisk"]
    minsk, logoisk = stations
    assert isinstance(minsk, GroundStation)
    assert (minsk.latitude_deg, minsk.longitude_deg) == (53.93, 27.59)
    assert (logoisk.latitude_deg, logoisk.longitude_deg) == (54.21, 27.86)
    assert "payload_downlink" in minsk.capabilities and "band:X" in minsk.capabilities
    assert "telemetry_command" in logoisk.capabilities


def test_embedded_mission_files_state_that_stations_are_approximate() -> None:
    for name in ("by", "by-2015"):
        text = default_mission_path(name).read_text(encoding="utf-8")
        assert "approximate, town level" in text
        assert "epoch" in text.lower()


def test_by_2015_is_bka_from_its_frame_passport() -> None:
    """The state vector is the passport's, digit for digit (the passport is read when present)."""
    mission = default_mission("by-2015")
    (bka,) = mission.satellites
    assert (bka.name, bka.norad_id, bka.cospar_id) == ("BKA", 38708, "2012-039B")
    orbit = bka.orbit
    assert orbit.kind == "state_vector"
    assert orbit.epoch == datetime(2015, 9, 24, 4, 42, 38, 171709, tzinfo=UTC)
    assert orbit.position_m == (-2006022.43027037, 6525869.78307143, -915413.255017367)
    assert orbit.velocity_m_s == (1131.00680157805, 1387.7036732926, 7477.1414304784)
    assert mission.demo is not None and mission.demo.start.date().isoformat() == "2015-09-24"
    passports = Path(__file__).parents[2] / "shared" / "data" / "bka" / "L1A" / "data"
    found = sorted(passports.glob("*/*-MS1-*/mss1_363.xml"))
    if found:
        text = found[0].read_text(encoding="cp1251")
        for key, value in zip(
            ("nX", "nY", "nZ", "nXT", "nYT", "nZT"),
            (*orbit.position_m, *orbit.velocity_m_s),
            strict=True,
        ):
            assert f"{key} = {value!r}" in text
        assert "tSessionTimeUTC = 4:42:38.171709" in text


def test_by_2015_fleet_fits_the_state_vector() -> None:
    pytest.importorskip("zorka.orbits.statevector", reason="needs zorka/orbits/statevector.py")
    mission = default_mission("by-2015")
    satellites, errors = mission.fleet()
    assert errors == []
    (bka,) = satellites
    assert bka.norad_id == 38708
    assert bka.fit_residual_m is not None and bka.fit_residual_m < 1.0
    assert "mss1_363.xml" in bka.source
    assert mission.warnings(satellites) == []


def test_unknown_embedded_mission_names_the_known_ones() -> None:
    with pytest.raises(MissionError, match="by-2015"):
        default_mission("nowhere")


def test_package_docstring_runs() -> None:
    failures, _ = doctest.testmod(zorka.mission)
    assert failures == 0


# -- round trips and the schema -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["by", "by-2015"])
def test_yaml_and_json_round_trip(name: str) -> None:
    mission = default_mission(name)
    again = parse_mission(mission.to_yaml())
    assert again.model_dump() == mission.model_dump()
    from_json = Mission.model_validate_json(mission.to_json())
    assert from_json.model_dump() == mission.model_dump()
    assert json.loads(mission.to_json())["demo"]["start"].endswith("Z")


def test_round_trip_of_a_file_with_every_orbit_kind() -> None:
    mission = load_mission(DATA / "good.yaml")
    kinds = [s.orbit.kind for s in mission.satellites]
    assert kinds == ["omm", "file", "tle", "state_vector"]
    again = parse_mission(mission.to_yaml(), base_dir=DATA)
    assert again.model_dump() == mission.model_dump()
    assert mission.stations[0].horizon_mask is not None


def test_schema_is_published_and_valid() -> None:
    schema = mission_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["title"] == "zorka mission file"
    assert json_schema("mission") == schema
    assert "mission" in schema_names()


@pytest.mark.parametrize(
    "path",
    [default_mission_path("by"), default_mission_path("by-2015"), DATA / "good.yaml"],
    ids=lambda p: p.name,
)
def test_schema_accepts_the_mission_files(path: Path) -> None:
    # The loader keeps timestamps as text, so the data read is what the schema describes.
    from zorka.mission.loading import _Loader

    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    jsonschema.validate(data, mission_json_schema())
    jsonschema.validate(json.loads(load_mission(path).to_json()), mission_json_schema())


def test_schema_refuses_what_the_model_refuses() -> None:
    data = default_mission().to_dict()
    data["stations"][0]["latitude_deg"] = 95
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, mission_json_schema())
    data = default_mission().to_dict()
    data["satellites"][0]["sensor"]["gsd"] = 2.0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, mission_json_schema())


def test_schema_registry_takes_later_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    from zorka.mission import schemas

    # a private copy of the registry: the test's schema must not leak into other tests
    monkeypatch.setattr(schemas, "_REGISTRY", dict(schemas._REGISTRY))
    register_schema("test-thing", "a test", lambda: {"type": "object"})
    assert json_schema("test-thing") == {"type": "object"}
    with pytest.raises(LookupError, match="mission"):
        json_schema("no-such-schema")
    with pytest.raises(ValueError, match="letters"):
        register_schema("bad name", "x", lambda: {})


# -- building orbits ------------------------------------------------------------------------------


def test_every_orbit_kind_builds() -> None:
    pytest.importorskip("zorka.orbits.omm", reason="needs zorka/orbits/omm.py")
    pytest.importorskip("zorka.orbits.statevector", reason="needs zorka/orbits/statevector.py")
    mission = load_mission(DATA / "good.yaml")
    satellites, errors = mission.fleet()
    assert errors == []
    assert [(s.name, s.norad_id) for s in satellites] == [
        ("Kanopus-V 1", 38707),
        ("HST", 20580),
        ("Terra", 25994),
        ("BKA", 38708),
    ]
    # the OMM record and the TLE it was written from give the same orbit
    from zorka.orbits.satellite import Satellite

    tle = Satellite.from_tle((KANOPUS_L1, KANOPUS_L2))
    omm = satellites[0]
    assert abs((omm.epoch - tle.epoch).total_seconds()) < 1e-3
    assert math.isclose(omm.satrec.no_kozai, tle.satrec.no_kozai, rel_tol=1e-9)
    # every satellite says where its orbit came from
    assert all("good.yaml" in s.source for s in satellites)


def test_a_bad_orbit_is_reported_and_the_rest_built() -> None:
    mission = load_mission(DATA / "bad_orbits.yaml")
    satellites, errors = mission.fleet()
    assert [s.name for s in satellites] == ["Terra"]
    assert len(errors) == 2
    assert "satellites[1].orbit" in errors[0] and "no-such-file.tle does not exist" in errors[0]
    assert "satellites[2].orbit" in errors[1] and "none for NORAD 38707" in errors[1]


def test_relative_orbit_files_start_at_the_mission_folder(tmp_path: Path) -> None:
    (tmp_path / "orbits").mkdir()
    (tmp_path / "orbits" / "k.tle").write_text(f"KANOPUS\n{KANOPUS_L1}\n{KANOPUS_L2}\n")
    path = tmp_path / "m.yaml"
    path.write_text(
        "name: rel\nsatellites:\n  - name: K\n    norad_id: 38707\n"
        "    orbit: {kind: file, path: orbits/k.tle}\n"
    )
    satellites, errors = load_mission(path).fleet()
    assert errors == []
    assert satellites[0].name == "K"


# -- errors ----------------------------------------------------------------------------------------


def test_bad_values_are_all_reported_with_path_and_line() -> None:
    with pytest.raises(MissionError) as info:
        load_mission(DATA / "bad_values.yaml")
    issues = {issue.path: issue for issue in info.value.issues}
    expected = {
        "demo.start": (5, "ISO-8601"),
        "demo.hours": (6, "more than 0 and at most 744 hours"),
        "satellites[1].orbit.line1": (18, "bad checksum"),
        "satellites[1].sensor.type": (21, "'optical' or 'infrared'"),
        "satellites[1].sensor.gsd_m": (22, "more than 0"),
        "satellites[1].sensor.max_off_nadir_deg": (24, "at least 0 and less than 90 degrees"),
        "satellites[1].sensor.gsd": (26, "did you mean 'gsd_m'"),
        "satellites[2].norad_id": (28, "1 to 339999"),
        "satellites[2].orbit.position_m": (32, "inside the Earth"),
        "satellites[3].orbit": (36, "use one of tle, omm, file, state_vector"),
        "stations[0].latitude_deg": (41, "allowed -90 to 90 degrees"),
        "stations[0].min_elevation_deg": (43, "at least -5"),
        "stations[0].horizon_mask": (44, "appears twice"),
        "stations[1].name": (47, "also stations[0]'s name"),
        "stations[1].capabilities.bands[1]": (51, "(got 'Q')"),
    }
    assert set(issues) == set(expected)
    for path, (line, words) in expected.items():
        assert issues[path].line == line, path
        assert words in issues[path].message, (path, issues[path].message)
        assert str(issues[path]).startswith(f"{DATA / 'bad_values.yaml'}:{line}: {path}: ")


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(MissionError) as info:
        load_mission(DATA / "bad_yaml.yaml")
    (issue,) = info.value.issues
    assert issue.line == 5
    assert "not valid YAML" in issue.message


def test_duplicate_keys_are_errors() -> None:
    with pytest.raises(MissionError) as info:
        load_mission(DATA / "duplicate_keys.yaml")
    assert [(i.path, i.line) for i in info.value.issues] == [
        ("name", 2),
        ("stations[0].latitude_deg", 7),
    ]


def test_missing_fields_and_kinds() -> None:
    issues = _issues(
        "name: x\nsatellites:\n  - name: A\n    orbit: {line1: a}\nstations:\n  - {}\n"
    )
    messages = {i.path: i.message for i in issues}
    assert messages["satellites[0].norad_id"] == "required field is missing"
    assert messages["satellites[0].orbit"].startswith("needs 'kind': one of tle, omm, file")
    assert messages["stations[0].name"] == "required field is missing"
    assert messages["stations[0].latitude_deg"] == "required field is missing"


def test_errors_inside_a_union_member_have_plain_paths() -> None:
    text = (
        "name: x\nsatellites:\n  - name: A\n    norad_id: 1\n"
        "    orbit: {kind: state_vector, epoch: 2015-09-24T04:42:38Z,"
        " position_m: [7000000, 0, 0], velocity_m_s: [0, 7500, 0], frame: J2000, extra: 1}\n"
    )
    messages = {i.path: i.message for i in _issues(text)}
    assert "should be 'ITRF' or 'TEME'" in messages["satellites[0].orbit.frame"]
    assert "unknown field 'extra'" in messages["satellites[0].orbit.extra"]
    assert "velocity_m_s" in messages["satellites[0].orbit.extra"]  # the allowed keys


def test_tle_lines_must_agree_with_each_other_and_the_norad_id() -> None:
    line2_other = "2 38708" + KANOPUS_L2[7:68]
    from zorka.orbits.tle import checksum

    line2_other += str(checksum(line2_other))
    issues = _issues(
        "name: x\nsatellites:\n  - name: A\n    norad_id: 38707\n"
        f"    orbit: {{kind: tle, line1: '{KANOPUS_L1}', line2: '{line2_other}'}}\n"
    )
    assert "both lines must come from one element set" in issues[0].message
    issues = _issues(
        "name: x\nsatellites:\n  - name: A\n    norad_id: 38708\n"
        f"    orbit: {{kind: tle, line1: '{KANOPUS_L1}', line2: '{KANOPUS_L2}'}}\n"
    )
    assert _paths(issues) == ["satellites[0].orbit.line1"]
    assert "for NORAD 38707, but the satellite's norad_id is 38708" in issues[0].message


def test_duplicate_satellites_are_refused() -> None:
    sat = (
        "  - name: A\n    norad_id: 38707\n"
        f"    orbit: {{kind: tle, line1: '{KANOPUS_L1}', line2: '{KANOPUS_L2}'}}\n"
    )
    issues = _issues(f"name: x\nsatellites:\n{sat}{sat.replace('name: A', 'name: a')}")
    assert _paths(issues) == ["satellites[1].name", "satellites[1].norad_id"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "a mission file is a mapping"),
        ("name: x\n---\nname: y\n", "not valid YAML"),
    ],
)
def test_files_that_are_not_missions(text: str, message: str) -> None:
    (issue,) = _issues(text)
    assert message in issue.message


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(MissionError, match="cannot read"):
        load_mission(tmp_path / "absent.yaml")
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    with pytest.raises(MissionError, match="UTF-8"):
        load_mission(tmp_path / "latin1.yaml")


def test_read_mission_reports_orbit_errors_and_epoch_warnings(tmp_path: Path) -> None:
    mission, issues = read_mission(DATA / "bad_orbits.yaml")
    assert mission is not None  # it loaded: its fields are fine, only orbits failed
    assert [(i.path, i.line, i.severity) for i in issues] == [
        ("satellites[1].orbit", 11, "error"),
        ("satellites[2].orbit", 16, "error"),
    ]
    far = default_mission().to_dict()
    far["demo"]["start"] = "2026-01-01T00:00:00Z"
    path = tmp_path / "far.yaml"
    path.write_text(yaml.safe_dump(far))
    mission, issues = read_mission(path)
    assert mission is not None
    (warning,) = issues
    assert warning.severity == "warning" and warning.path == "satellites[0].orbit"
    assert "days from demo.start" in warning.message


def test_downlink_band_no_station_receives_is_a_warning() -> None:
    data = default_mission().to_dict()
    data["satellites"][0]["downlink"]["band"] = "Ka"
    mission = Mission.model_validate(data)
    (warning,) = mission.warnings()
    assert warning.path == "satellites[0].downlink.band"


# -- the models directly -------------------------------------------------------------------------


def test_station_spec_gives_geometry_station() -> None:
    spec = StationSpec(
        name="Mask",
        latitude_deg=54.21,
        longitude_deg=27.86,
        horizon_mask=[
            {"azimuth_deg": 0, "elevation_deg": 2},
            {"azimuth_deg": 180, "elevation_deg": 8},
        ],
        capabilities={"telemetry_command": True, "payload_downlink": False, "bands": ["S"]},
    )
    station = spec.ground_station()
    assert station.horizon_mask == ((0.0, 2.0), (180.0, 8.0))
    assert station.capabilities == frozenset({"telemetry_command", "band:S"})


def test_satellite_spec_from_python() -> None:
    spec = SatelliteSpec(
        name="K", norad_id=38707, orbit=TLEOrbit(kind="tle", line1=KANOPUS_L1, line2=KANOPUS_L2)
    )
    assert spec.build().norad_id == 38707
    assert spec.sensor is None  # the spacecraft model is optional for pass prediction


def test_demo_window_must_not_end_before_it_starts() -> None:
    issues = _issues("name: x\ndemo: {start: 2024-09-05, hours: 0}\n")
    assert issues[0].path == "demo.hours"
    assert "more than 0" in issues[0].message
    mission = parse_mission("name: x\ndemo: {start: 2024-09-05}\n")
    assert mission.demo is not None
    assert mission.demo.start == datetime(2024, 9, 5, tzinfo=UTC)
    assert mission.demo.end == datetime(2024, 9, 6, tzinfo=UTC)
