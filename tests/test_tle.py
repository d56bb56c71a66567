"""TLE reading, checking and writing (zorka.orbits.tle) on real element sets.

Sources: Vallado's verification set ``SGP4-VER.TLE`` shipped in the ``sgp4`` package (its NORAD
33333-33335 entries carry deliberately wrong checksums), and CelesTrak / Space-Track texts from
Skyfield's test suite (copied to tests/data/orbits, see its README). Corruptions are made here from
real lines, never invented elements.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sgp4
from sgp4.api import Satrec

from zorka.orbits.satellite import Satellite
from zorka.orbits.tle import (
    TLEFormatError,
    alpha5_decode,
    alpha5_encode,
    checksum,
    format_tle,
    parse_tle,
    read_tle,
)

DATA = Path(__file__).parent / "data" / "orbits"
VER_TLE = Path(sgp4.__file__).parent / "SGP4-VER.TLE"

ISS = (
    "1 25544U 98067A   18135.61844383  .00002728  00000-0  48567-4 0  9998",
    "2 25544  51.6402 181.0633 0004018  88.8954  22.2246 15.54059185113452",
)
# Space-Track's 3-line form: names start with "0 " (Skyfield's test_io_parsing)
SPACETRACK_3LE = """\
0 First
1 29273U 06033B   18081.29838594 -.00000056 +00000-0 +00000-0 0  9993
2 29273 000.0189 154.5198 0004980 202.4902 284.9321 01.00271755042548
0 Second
1 29274U 06033C   18081.39999693 +.00002637 +00000-0 +10299-2 0  9992
2 29274 005.9144 244.7152 6177908 248.3941 037.5897 03.74556424124616
"""


def vallado_lines() -> list[str]:
    """Element lines of SGP4-VER.TLE, cut to 69 columns (it appends start/stop/step after them)."""
    return [line[:69] for line in VER_TLE.read_text().splitlines() if line[:2] in ("1 ", "2 ")]


def with_checksum(line: str) -> str:
    return line[:68] + str(checksum(line))


def renumber(line: str, field: str) -> str:
    return with_checksum(line[:2] + field + line[7:])


def test_vallado_set_reads_and_reports_its_three_bad_checksums() -> None:
    tles, errors = parse_tle(vallado_lines(), source="SGP4-VER.TLE")
    assert len(tles) == 30
    bad = {e.satellite: e for e in errors}
    assert sorted(bad) == ["NORAD 33333", "NORAD 33334", "NORAD 33335"]
    for e in errors:
        assert e.source == "SGP4-VER.TLE"
        assert "bad checksum on line 1" in e.message
        assert vallado_lines()[e.lineno - 1].startswith("1 3333")
    assert str(bad["NORAD 33333"]).startswith("SGP4-VER.TLE, line ")


def test_three_line_celestrak_file(tmp_path: Path) -> None:
    tles, errors = read_tle(DATA / "celestrak_stations_2018.tle")
    assert errors == []
    assert [t.name for t in tles] == ["ISS (ZARYA)", "FLOCK 2E-1"]  # trailing blanks, CRLF gone
    assert [t.norad_id for t in tles] == [25544, 41483]
    assert [t.lineno for t in tles] == [2, 5]
    assert tles[0].source == str(DATA / "celestrak_stations_2018.tle")
    assert tles[0].epoch.isoformat().startswith("2018-05-15T14:50:33")
    sat = Satellite.from_tle(tles[0])
    assert sat.name == "ISS (ZARYA)" and sat.norad_id == 25544


def test_spacetrack_three_line_and_two_line_forms() -> None:
    tles, errors = parse_tle(SPACETRACK_3LE)
    assert errors == []
    assert [t.name for t in tles] == ["First", "Second"]
    bare = "\n".join(line for line in SPACETRACK_3LE.splitlines() if not line.startswith("0 "))
    tles2, errors2 = parse_tle(bare)
    assert errors2 == []
    assert [t.name for t in tles2] == [None, None]
    assert [t.label for t in tles2] == ["NORAD 29273", "NORAD 29274"]


def test_alpha5_numbers() -> None:
    # Space-Track's own examples, as python-sgp4 tests them
    for number, text in [(100000, "A0000"), (148493, "E8493"), (182931, "J2931"),
                         (234018, "P4018"), (301928, "W1928"), (339999, "Z9999")]:  # fmt: skip
        assert alpha5_encode(number) == text
        assert alpha5_decode(text) == number
    assert alpha5_encode(25544) == "25544"
    with pytest.raises(ValueError, match="339999"):
        alpha5_encode(340000)
    with pytest.raises(ValueError, match="Alpha-5"):
        alpha5_decode("I0001")  # I and O are not used

    # the ISS lines, renumbered into the Alpha-5 range
    text = f"ALPHA\n{renumber(ISS[0], 'E8493')}\n{renumber(ISS[1], 'E8493')}\n"
    tles, errors = parse_tle(text)
    assert errors == []
    assert tles[0].norad_id == 148493
    sat = Satellite.from_tle(tles[0])
    assert sat.norad_id == 148493
    assert sat.to_tle() == text


def corrupted_file() -> list[str]:
    """Three real entries of Vallado's set with names; the caller corrupts the middle one."""
    lines = vallado_lines()[:6]
    names = ["VANGUARD 1", "OBJECT 04632", "DELTA 1 DEB"]
    return [
        names[0], lines[0], lines[1],
        names[1], lines[2], lines[3],
        names[2], lines[4], lines[5],
    ]  # fmt: skip


def test_bad_checksum_is_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    lines = corrupted_file()
    digit = "1" if lines[4][68] != "1" else "2"
    lines[4] = lines[4][:68] + digit
    path = tmp_path / "fleet.tle"
    path.write_text("\n".join(lines) + "\n")
    tles, errors = read_tle(path)
    assert [t.name for t in tles] == ["VANGUARD 1", "DELTA 1 DEB"]
    assert len(errors) == 1
    e = errors[0]
    assert (e.source, e.lineno, e.satellite) == (str(path), 5, "OBJECT 04632")
    assert "bad checksum on line 1" in e.message
    assert str(e) == f"{path}, line 5 (OBJECT 04632): {e.message}"


def test_wrong_length_is_reported() -> None:
    lines = corrupted_file()
    lines[5] = lines[5][:60] + lines[5][61:]  # a column lost from line 2
    tles, errors = parse_tle("\n".join(lines), source="cut.tle")
    assert [t.name for t in tles] == ["VANGUARD 1", "DELTA 1 DEB"]
    assert [(e.lineno, e.satellite) for e in errors] == [(6, "OBJECT 04632")]
    assert "68 characters, not 69" in errors[0].message


def test_unknown_line_is_reported() -> None:
    lines = corrupted_file()
    lines.insert(3, "this line is neither a name nor an element line, it is too long")
    tles, errors = parse_tle("\n".join(lines), source="junk.tle")
    assert [t.name for t in tles] == ["VANGUARD 1", "OBJECT 04632", "DELTA 1 DEB"]
    assert [(e.source, e.lineno) for e in errors] == [("junk.tle", 4)]
    assert "unknown line format" in errors[0].message


def test_orphan_lines_are_reported() -> None:
    lines = corrupted_file()
    del lines[5]  # OBJECT 04632 loses its line 2
    tles, errors = parse_tle("\n".join(lines))
    assert [t.name for t in tles] == ["VANGUARD 1", "DELTA 1 DEB"]
    assert [(e.lineno, e.satellite) for e in errors] == [(5, "OBJECT 04632")]
    assert "not followed by line 2" in errors[0].message


def test_strict_mode_raises_at_the_first_problem() -> None:
    lines = corrupted_file()
    lines[4] = lines[4][:68] + str((int(lines[4][68]) + 1) % 10)
    with pytest.raises(TLEFormatError, match=r"line 5 \(OBJECT 04632\): bad checksum") as info:
        parse_tle("\n".join(lines), source="strict.tle", strict=True)
    assert len(info.value.errors) == 1


# python-sgp4's exporter writes three entries of Vallado's set in an equivalent notation
# (blank ephemeris type as 0, a zero exponent as +0): the same elements, not the same text.
EQUIVALENT_TEXT = {11801, 25954, 29141}


def test_write_read_round_trip() -> None:
    tles, _ = parse_tle(vallado_lines())
    tles += parse_tle((DATA / "celestrak_stations_2018.tle").read_text())[0]
    for tle in tles:
        text = format_tle(tle.satrec(), tle.name)
        again, errors = parse_tle(text)
        assert errors == []
        (back,) = again
        assert back.name == tle.name
        if tle.norad_id not in EQUIVALENT_TEXT:
            assert (back.line1, back.line2) == (tle.line1, tle.line2)
        a, b = tle.satrec(), back.satrec()
        for attr in ("satnum", "jdsatepoch", "jdsatepochF", "bstar", "inclo", "nodeo", "ecco",
                     "argpo", "mo", "no_kozai"):  # fmt: skip
            assert getattr(a, attr) == getattr(b, attr), (tle.norad_id, attr)
        assert format_tle(back.satrec(), back.name) == text


def test_satellite_to_tle_reads_back() -> None:
    sat = Satellite.from_tle(ISS, name="ISS (ZARYA)")
    (tle,), errors = parse_tle(sat.to_tle())
    assert errors == []
    assert (tle.line1, tle.line2, tle.name) == (*ISS, "ISS (ZARYA)")
    assert isinstance(tle.satrec(), Satrec)
