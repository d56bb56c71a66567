"""``zorka passes``, ``track``, ``eclipses`` and ``demo`` through Typer's test runner.

The output formats are checked for what the issue promises (JSON with exactly its twelve keys and
millisecond UTC times, CSV with the same columns, one iCalendar event per pass), the filters for
what they keep, and bad input for messages that say what is wrong and what is allowed.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import zorka.cli.commands  # noqa: F401  (registers the verbs on the app)
from zorka.cli.app import app
from zorka.mission import default_mission_path

SCIENCE = Path(__file__).parent / "data" / "orbits" / "science-2019-11.tle"
MINSK = "53.93,27.59,220,minsk"
LOGOISK = "54.21,27.86,230,logoisk"
KEYS = [
    "satellite",
    "norad_id",
    "station",
    "aos",
    "tca",
    "los",
    "max_elevation_deg",
    "aos_azimuth_deg",
    "tca_azimuth_deg",
    "los_azimuth_deg",
    "duration_s",
    "partial",
]
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

runner = CliRunner()


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # nothing here should write state, and if it does, not into the user's data directory
    monkeypatch.setenv("ZORKA_DATA_DIR", str(tmp_path / "zorka-data"))
    yield


def _run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _ok(*args: str) -> Result:
    result = _run(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def _flat(text: str) -> str:
    # rich wraps stderr at 80 columns when it is not a terminal
    return " ".join(text.split())


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def kanopus_tle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Kanopus-V 1 as a TLE file: the lines the embedded mission holds (Skyfield's test TLE)."""
    text = default_mission_path("by").read_text(encoding="utf-8")
    line1 = re.search(r'line1: "(1 38707U[^"]+)"', text)
    line2 = re.search(r'line2: "(2 38707[^"]+)"', text)
    assert line1 and line2
    path = tmp_path_factory.mktemp("tle") / "kanopus.tle"
    path.write_text(f"KANOPUS-V 1\n{line1.group(1)}\n{line2.group(1)}\n", encoding="ascii")
    return path


def _passes_json(*args: str) -> list[dict[str, Any]]:
    result = _ok("passes", *args, "--format", "json")
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


SCIENCE_DAY = ("--tle", str(SCIENCE), "--station-at", MINSK, "--start", "2019-11-18T00:00:00Z")


@pytest.fixture(scope="module")
def science_passes() -> list[dict[str, Any]]:
    return _passes_json(*SCIENCE_DAY, "--hours", "24")


def _check_pass_objects(passes: list[dict[str, Any]], start: datetime, hours: float) -> None:
    end = start + timedelta(hours=hours)
    for p in passes:
        assert list(p) == KEYS
        for key in ("aos", "tca", "los"):
            assert ISO_MS.match(p[key]), p[key]
        assert isinstance(p["satellite"], str) and isinstance(p["station"], str)
        assert isinstance(p["norad_id"], int) and isinstance(p["partial"], bool)
        for key in KEYS[6:11]:
            assert isinstance(p[key], float | int), key
        aos, tca, los = _time(p["aos"]), _time(p["tca"]), _time(p["los"])
        assert start <= aos <= tca <= los <= end
        assert p["duration_s"] == pytest.approx((los - aos).total_seconds(), abs=1.5e-3)
        assert p["partial"] == (aos == start or los == end)
        for key in ("aos_azimuth_deg", "tca_azimuth_deg", "los_azimuth_deg"):
            assert 0.0 <= p[key] < 360.0
        assert -0.001 <= p["max_elevation_deg"] <= 90.0


def test_json_of_a_science_fleet(science_passes: list[dict[str, Any]]) -> None:
    start = datetime(2019, 11, 18, tzinfo=UTC)
    _check_pass_objects(science_passes, start, 24.0)
    assert len(science_passes) > 300  # 66 satellites, LEO to deep space
    assert {p["station"] for p in science_passes} == {"minsk"}
    assert any(p["partial"] for p in science_passes)
    names = {p["satellite"] for p in science_passes}
    assert {"TERRA", "CRYOSAT 2", "CXO"} <= names
    assert "HST" not in names  # 28.5 deg inclination never rises at 54 N
    # sorted by AOS
    assert [p["aos"] for p in science_passes] == sorted(p["aos"] for p in science_passes)


def test_json_of_the_done_when_command(kanopus_tle: Path) -> None:
    # the "done when": --tle FILE --station-at 53.93,27.59,220,minsk --start 2024-09-05
    passes = _passes_json(
        "--tle", str(kanopus_tle), "--station-at", MINSK, "--start", "2024-09-05T00:00:00Z",
        "--hours", "24",
    )  # fmt: skip
    _check_pass_objects(passes, datetime(2024, 9, 5, tzinfo=UTC), 24.0)
    assert {(p["satellite"], p["norad_id"], p["station"]) for p in passes} == {
        ("KANOPUS-V 1", 38707, "minsk")
    }
    # a 390 km sun-synchronous orbit seen from 54 N at a 0 deg horizon: 6 to 8 passes a day; the
    # day starts in the middle of one, which is clipped and flagged
    assert 6 <= len(passes) <= 8
    assert passes[0]["partial"] and passes[0]["aos"] == "2024-09-05T00:00:00.000Z"
    assert not any(p["partial"] for p in passes[1:])
    for p in passes[1:]:
        assert 60.0 < p["duration_s"] < 700.0


def test_csv_has_the_json_columns_and_rows(science_passes: list[dict[str, Any]]) -> None:
    result = _ok("passes", *SCIENCE_DAY, "--hours", "24", "--format", "csv")
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert reader.fieldnames == KEYS
    rows = list(reader)
    assert len(rows) == len(science_passes)
    for row, p in zip(rows, science_passes, strict=True):
        assert row["satellite"] == p["satellite"] and row["aos"] == p["aos"]
        assert int(row["norad_id"]) == p["norad_id"]
        assert float(row["max_elevation_deg"]) == p["max_elevation_deg"]
        assert row["partial"] in ("True", "False")
        assert (row["partial"] == "True") == p["partial"]


def test_ics_has_one_event_per_pass(science_passes: list[dict[str, Any]]) -> None:
    result = _ok("passes", *SCIENCE_DAY, "--hours", "24", "--format", "ics")
    text = result.stdout
    lines = text.replace("\r\n", "\n").split("\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "VERSION:2.0" in lines
    events: list[dict[str, str]] = []
    for line in lines:
        if line == "BEGIN:VEVENT":
            events.append({})
        elif line == "END:VEVENT":
            assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= set(events[-1])
        elif events and ":" in line and not line.startswith(("BEGIN", "END")):
            key, value = line.split(":", 1)
            events[-1][key] = value
    assert len(events) == len(science_passes) == text.count("BEGIN:VEVENT")
    assert len({e["UID"] for e in events}) == len(events)
    stamp = re.compile(r"^\d{8}T\d{6}Z$")
    for event, p in zip(events, science_passes, strict=True):
        assert stamp.match(event["DTSTART"]) and stamp.match(event["DTEND"])
        aos = _time(p["aos"]).replace(microsecond=0)
        assert event["DTSTART"] == aos.strftime("%Y%m%dT%H%M%SZ")
        assert p["satellite"] in event["SUMMARY"] and p["station"] in event["SUMMARY"]


def test_min_elevation_filter(science_passes: list[dict[str, Any]]) -> None:
    high = _passes_json(*SCIENCE_DAY, "--hours", "24", "--min-elevation", "30")
    assert high and all(p["max_elevation_deg"] >= 30.0 for p in high)
    # the culminations inside the window that reach 30 deg, the same as without the filter
    start, end = "2019-11-18T00:00:00.000Z", "2019-11-19T00:00:00.000Z"

    def culminations(passes: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return {(p["satellite"], p["tca"]) for p in passes if start < p["tca"] < end}

    reaching = [p for p in science_passes if p["max_elevation_deg"] >= 30.0]
    assert culminations(high) == culminations(reaching)
    result = _run("passes", *SCIENCE_DAY, "--min-elevation", "-10")
    assert result.exit_code != 0
    assert "-5..90" in _flat(result.stderr)


def test_satellite_filter_by_name_or_number() -> None:
    by_name = _passes_json(*SCIENCE_DAY, "--satellite", "terra")  # any case
    by_number = _passes_json(*SCIENCE_DAY, "--satellite", "25994")
    assert by_name and by_name == by_number
    assert {p["satellite"] for p in by_name} == {"TERRA"}
    both = _passes_json(*SCIENCE_DAY, "--satellite", "TERRA", "--satellite", "CRYOSAT 2")
    assert {p["satellite"] for p in both} == {"TERRA", "CRYOSAT 2"}
    result = _run("passes", *SCIENCE_DAY, "--satellite", "Sputnik")
    assert result.exit_code != 0
    message = _flat(result.stderr)
    assert "no satellite named Sputnik" in message and "CRYOSAT 2" in message


def test_station_filter(kanopus_tle: Path) -> None:
    common = ("--tle", str(kanopus_tle), "--station-at", MINSK, "--station-at", LOGOISK)
    common += ("--start", "2024-09-05T00:00:00Z")
    both = _passes_json(*common)
    assert {p["station"] for p in both} == {"minsk", "logoisk"}
    only = _passes_json(*common, "--station", "Logoisk")  # names match case-insensitively
    assert only == [p for p in both if p["station"] == "logoisk"]
    result = _run("passes", *common, "--station", "Moscow")
    assert result.exit_code != 0
    assert "no station named 'Moscow'" in _flat(result.stderr)
    assert "minsk, logoisk" in _flat(result.stderr)


def test_demo_prints_minsk_and_logoisk_passes() -> None:
    result = _ok("demo", "--no-loop")
    out = result.stdout
    assert "Kanopus-V 1" in out and "Demo clock: 2024-09-05T00:00:00Z" in out
    rows = [line for line in out.splitlines() if "Kanopus-V 1" in line and "09-05" in line]
    assert any("Minsk" in row for row in rows) and any("Logoisk" in row for row in rows)
    assert "Contact time per station" in out


def test_track_of_the_first_pass(tmp_path: Path) -> None:
    out = tmp_path / "track.csv"
    # the embedded mission (Logoisk's limit: 5 deg), from 01:00, past the pass cut by 00:00
    args = ("--satellite", "Kanopus-V 1", "--station", "Logoisk", "--start", "2024-09-05T01:00Z")
    first = _passes_json(*args)[0]
    assert not first["partial"]
    result = _ok("track", *args, "--step", "5", "--out", str(out))
    assert str(out) in _flat(result.stderr)
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["time", "azimuth_deg", "elevation_deg", "range_km", "range_rate_km_s"]
    assert rows[0]["time"] == first["aos"] and rows[-1]["time"] == first["los"]
    times = [_time(r["time"]) for r in rows]
    steps = [(b - a).total_seconds() for a, b in itertools.pairwise(times[:-1])]
    assert all(abs(step - 5.0) <= 0.0011 for step in steps)  # times are printed to the ms
    elevation = [float(r["elevation_deg"]) for r in rows]
    # from the station's 5 deg limit up to the pass maximum and back
    assert elevation[0] == pytest.approx(5.0, abs=0.01) and elevation[-1] == pytest.approx(
        5.0, abs=0.01
    )
    assert max(elevation) == pytest.approx(first["max_elevation_deg"], abs=0.05)
    ranges = [float(r["range_km"]) for r in rows]
    assert 390.0 < min(ranges) < max(ranges) < 2500.0
    # without --out: a table on stdout
    table = _ok("track", *args, "--step", "60")
    assert "Kanopus-V 1 over Logoisk" in table.stdout and "range km" in table.stdout


def test_eclipses_json(kanopus_tle: Path) -> None:
    result = _ok(
        "eclipses", "--tle", str(kanopus_tle), "--start", "2024-09-05T00:00:00Z", "--format", "json"
    )
    eclipses = json.loads(result.stdout)
    assert len(eclipses) == 16
    keys = ["satellite", "norad_id", "penumbra_start", "umbra_start", "umbra_end", "penumbra_end"]
    for e in eclipses:
        assert list(e) == [*keys, "duration_s", "partial"]
        for key in keys[2:]:
            assert ISO_MS.match(e[key]), e[key]
        assert e["penumbra_start"] <= e["umbra_start"] < e["umbra_end"] <= e["penumbra_end"]
    assert eclipses[0]["partial"] and not any(e["partial"] for e in eclipses[1:])


def test_latitude_out_of_range_is_refused() -> None:
    result = _run("passes", "--tle", str(SCIENCE), "--station-at", "95,27,0", "--hours", "1")
    assert result.exit_code != 0
    assert "latitude 95.0 is outside -90..90 degrees" in _flat(result.stderr)
    assert result.stdout == ""


@pytest.mark.parametrize("hours", ["-1", "0"])
def test_window_must_be_positive(hours: str) -> None:
    result = _run("passes", *SCIENCE_DAY, "--hours", hours)
    assert result.exit_code != 0
    assert f"--hours must be positive, not {float(hours)}" in _flat(result.stderr)


def test_bad_start_time_names_the_option() -> None:
    result = _run("passes", "--tle", str(SCIENCE), "--station-at", MINSK, "--start", "yesterday")
    assert result.exit_code != 0
    assert "--start: 'yesterday' is not an ISO-8601 time" in _flat(result.stderr)


def _file_with_one_bad_checksum(folder: Path) -> Path:
    # the first three satellites of the science file; HST's line 1 (line 5 of the file) gets a
    # wrong checksum digit
    lines = [line.rstrip() for line in SCIENCE.read_text().splitlines()[:9]]
    assert lines[3] == "HST" and lines[4].endswith("9991")
    lines[4] = lines[4][:-1] + "5"
    path = folder / "three.tle"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def test_bad_checksum_is_reported_and_the_rest_goes_on(tmp_path: Path) -> None:
    path = _file_with_one_bad_checksum(tmp_path)
    args = ("--tle", str(path), "--station-at", MINSK, "--start", "2019-11-18T00:00:00Z")
    result = _ok("passes", *args, "--format", "json")
    message = _flat(result.stderr)
    assert f"{path}, line 5 (HST): bad checksum on line 1: 5, expected 1" in message
    passes = json.loads(result.stdout)
    assert {p["satellite"] for p in passes} == {"AKEBONO (EXOS-D)", "POLAR"}


def test_strict_makes_a_bad_checksum_fatal(tmp_path: Path) -> None:
    path = _file_with_one_bad_checksum(tmp_path)
    args = ("--tle", str(path), "--station-at", MINSK, "--start", "2019-11-18T00:00:00Z")
    result = _run("passes", *args, "--format", "json", "--strict")
    assert result.exit_code != 0
    assert result.stdout == ""


def test_strict_says_why_without_a_traceback(tmp_path: Path) -> None:
    path = _file_with_one_bad_checksum(tmp_path)
    args = ("--tle", str(path), "--station-at", MINSK, "--start", "2019-11-18T00:00:00Z")
    result = _run("passes", *args, "--strict")
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert f"{path}, line 5 (HST): bad checksum on line 1" in _flat(result.stderr)
