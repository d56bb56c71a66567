"""OMM in CelesTrak's JSON, XML and CSV forms (zorka.orbits.omm).

The MARIO record (tests/data/orbits) is a real CelesTrak answer in XML and CSV kept in python-sgp4's
tests, with the TLE of the same element set; mario.json is the same record in CelesTrak's JSON form
(made by make_mario_json.py). Multi-record documents are written here from Vallado's real TLEs.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sgp4
from sgp4.api import Satrec

from zorka.orbits.omm import (
    OMM_KEYS,
    OMMError,
    OMMFormatError,
    detect_orbit_format,
    omm_record,
    parse_omm,
    read_omm,
    read_orbit_file,
    satellite_from_omm,
    write_omm,
)
from zorka.orbits.satellite import Satellite
from zorka.orbits.statevector import fit_state_vector
from zorka.orbits.tle import TLEFormatError, parse_tle

DATA = Path(__file__).parent / "data" / "orbits"
VER_TLE = Path(sgp4.__file__).parent / "SGP4-VER.TLE"
FORMATS = ("json", "xml", "csv")

SATREC_ATTRS = (
    "satnum", "jdsatepoch", "jdsatepochF", "bstar", "ndot", "nddot", "inclo", "nodeo", "ecco",
    "argpo", "mo", "no_kozai", "classification", "intldesg", "ephtype", "elnum", "revnum",
)  # fmt: skip


def mario_tle() -> Satrec:
    _, line1, line2 = (DATA / "mario.tle").read_text().splitlines()
    return Satrec.twoline2rv(line1, line2)


def real_satellites() -> list[Satellite]:
    lines = [line[:69] for line in VER_TLE.read_text().splitlines() if line[:2] in ("1 ", "2 ")]
    tles, _ = parse_tle(lines)
    return [Satellite.from_tle(t) for t in tles]


@pytest.mark.parametrize("form", FORMATS)
def test_mario_in_every_form_equals_its_tle(form: str) -> None:
    sats, errors = read_omm(DATA / f"mario.{form}")
    assert errors == []
    (sat,) = sats
    assert sat.name == "MARIO"
    assert sat.norad_id == 55123
    assert sat.source == f"OMM {DATA / f'mario.{form}'} record 1"
    expected = mario_tle()
    for attr in SATREC_ATTRS:
        assert getattr(sat.satrec, attr) == getattr(expected, attr), attr


@pytest.mark.parametrize("form", FORMATS)
def test_round_trip(form: str) -> None:
    sats = real_satellites()
    text = write_omm(sats, form)
    back, errors = parse_omm(text, source=f"fleet.{form}")
    assert errors == []
    assert [s.name for s in back] == [s.name for s in sats]
    for a, b in zip(sats, back, strict=True):
        assert b.norad_id == a.norad_id
        # EPOCH is written to the microsecond
        epoch_a = a.satrec.jdsatepoch + a.satrec.jdsatepochF
        assert abs(b.satrec.jdsatepoch + b.satrec.jdsatepochF - epoch_a) < 1e-6 / 86400
        for attr in ("bstar", "inclo", "nodeo", "ecco", "argpo", "mo", "no_kozai"):
            assert math.isclose(getattr(b.satrec, attr), getattr(a.satrec, attr), rel_tol=1e-12)
        assert b.satrec.intldesg == a.satrec.intldesg
    assert write_omm(back, form) == text


def test_mario_written_as_celestrak_writes_it() -> None:
    _, line1, line2 = (DATA / "mario.tle").read_text().splitlines()
    sat = Satellite.from_tle((line1, line2), "MARIO")
    assert json.loads(write_omm([sat], "json")) == json.loads((DATA / "mario.json").read_text())
    assert list(omm_record(sat)) == list(OMM_KEYS)


def test_fitted_orbit_without_designator_round_trips() -> None:
    # an orbit made from a state vector has no international designator; OMM keeps it to the bit
    iss = real_satellites()[0]
    _, r, v = iss.satrec.sgp4(iss.satrec.jdsatepoch, iss.satrec.jdsatepochF)
    sat = fit_state_vector("FITTED", 5, iss.epoch, np.array(r) * 1e3, np.array(v) * 1e3, "TEME")
    for form in FORMATS:
        text = write_omm([sat], form)
        (back,), errors = parse_omm(text)
        assert errors == []
        assert omm_record(back)["OBJECT_ID"] == ""
        _, r2, _ = back.satrec.sgp4(iss.satrec.jdsatepoch, iss.satrec.jdsatepochF + 0.5)
        _, r1, _ = sat.satrec.sgp4(iss.satrec.jdsatepoch, iss.satrec.jdsatepochF + 0.5)
        assert np.linalg.norm(np.subtract(r2, r1)) < 1e-5  # km, half a day later


def test_read_orbit_file_tells_the_forms_apart(tmp_path: Path) -> None:
    for name in ("mario.json", "mario.xml", "mario.csv", "mario.tle"):
        sats, errors = read_orbit_file(DATA / name)
        assert errors == []
        assert [s.norad_id for s in sats] == [55123]
    assert detect_orbit_format((DATA / "mario.tle").read_text()) == "tle"
    assert detect_orbit_format("\ufeff  [\n{}]") == "json"
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + (DATA / "mario.json").read_bytes())
    assert [s.name for s in read_orbit_file(bom)[0]] == ["MARIO"]


def records() -> list[dict[str, Any]]:
    value: list[dict[str, Any]] = json.loads(write_omm(real_satellites()[:3], "json"))
    return value


def test_bad_json_record_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    recs = records()
    recs[1]["OBJECT_NAME"] = "BROKEN"
    recs[1]["MEAN_MOTION"] = "fast"
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps(recs, indent=1))
    sats, errors = read_orbit_file(path)
    assert [s.norad_id for s in sats] == [recs[0]["NORAD_CAT_ID"], recs[2]["NORAD_CAT_ID"]]
    (e,) = errors
    assert isinstance(e, OMMError)
    assert (e.source, e.record, e.satellite, e.field) == (str(path), 2, "BROKEN", "MEAN_MOTION")
    assert e.lineno == path.read_text().splitlines().index(" {", 2) + 1
    assert (
        str(e) == f"{path}, record 2, line {e.lineno} (BROKEN): MEAN_MOTION: 'fast' is not a number"
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("ECCENTRICITY", 1.5, "outside [0, 1)"),
        ("INCLINATION", 181, "outside 0..180"),
        ("EPOCH", "24 Sep 2015", "not an ISO-8601 time"),
        ("NORAD_CAT_ID", 400000, "outside 0..339999"),
        ("MEAN_ELEMENT_THEORY", "SGP4-XP", "SGP4-XP propagator"),
        ("REF_FRAME", "GCRF", "expected TEME"),
        ("BSTAR", None, "missing"),
    ],
)
def test_each_bad_field_is_named(key: str, value: Any, message: str) -> None:
    recs = records()
    if value is None:
        del recs[0][key]
    else:
        recs[0][key] = value
    sats, errors = parse_omm(json.dumps(recs), source="x.json")
    assert len(sats) == 2
    (e,) = errors
    assert isinstance(e, OMMError)
    assert (e.record, e.field, e.lineno) == (1, key, 1)
    assert message in e.message
    with pytest.raises(ValueError, match=key):
        Satellite.from_omm(recs[0])


def test_truncated_json_keeps_the_records_before_the_break() -> None:
    text = write_omm(real_satellites()[:3], "json")
    cut = text[: text.rindex('"OBJECT_NAME"')]
    sats, errors = parse_omm(cut, source="cut.json")
    assert len(sats) == 2
    (e,) = errors
    assert "not valid JSON" in e.message and "records after record 2" in e.message


def test_bad_csv_rows(tmp_path: Path) -> None:
    lines = write_omm(real_satellites()[:4], "csv").splitlines()
    lines[2] = lines[2].replace(",U,", ",U,extra,")  # a cell too many
    lines[3] = lines[3].replace(lines[3].split(",")[4], "two", 1)  # ECCENTRICITY
    path = tmp_path / "fleet.csv"
    path.write_text("\n".join(lines) + "\n")
    sats, errors = read_orbit_file(path)
    assert len(sats) == 2
    assert [(e.lineno, e.record) for e in errors] == [(3, 2), (4, 3)]
    assert "18 cells, the header has 17" in errors[0].message
    assert errors[1].field == "ECCENTRICITY"


def test_bad_xml_segment_and_namespaced_ndm() -> None:
    text = write_omm(real_satellites()[:3], "xml")
    broken = text.replace("<MEAN_MOTION>", "<MEAN_MOTIONX>", 2).replace(
        "</MEAN_MOTION>", "</MEAN_MOTIONX>", 2
    )
    sats, errors = parse_omm(broken, source="fleet.xml")
    assert len(sats) == 1
    assert [(e.record, e.field) for e in errors] == [(1, "MEAN_MOTION"), (2, "MEAN_MOTION")]
    segment_lines = [i + 1 for i, line in enumerate(text.splitlines()) if "<segment>" in line]
    assert [e.lineno for e in errors] == segment_lines[:2]

    mario = (DATA / "mario.xml").read_text()
    qualified = mario.replace("<ndm ", '<ndm xmlns="urn:ccsds:schema:ndmxml" ', 1)
    (sat,), errors = parse_omm(qualified)
    assert errors == [] and sat.norad_id == 55123


def test_broken_documents() -> None:
    sats, errors = parse_omm("<ndm><omm><body>", source="bad.xml")
    assert sats == [] and "not well-formed XML" in errors[0].message
    sats, errors = parse_omm("CCSDS_OMM_VERS = 2.0\nCREATION_DATE = 2020-01-01\n")
    assert sats == [] and "KVN" in errors[0].message
    sats, errors = parse_omm((DATA / "mario.tle").read_text(), source="m.tle")
    assert sats == [] and "read_orbit_file" in errors[0].message


def test_strict_mode_raises_at_the_first_bad_record() -> None:
    recs = records()
    recs[2]["INCLINATION"] = -1
    recs[1]["ECCENTRICITY"] = 2
    with pytest.raises(OMMFormatError, match="record 2") as info:
        parse_omm(json.dumps(recs), source="s.json", strict=True)
    assert isinstance(info.value, TLEFormatError)
    assert len(info.value.errors) == 1


def test_satellite_from_omm_defaults_and_names() -> None:
    record = json.loads((DATA / "mario.json").read_text())[0]
    for key in ("EPHEMERIS_TYPE", "ELEMENT_SET_NO", "REV_AT_EPOCH", "OBJECT_ID", "OBJECT_NAME"):
        del record[key]
    record["EPOCH"] = "2023-04-25T10:45:30.642912Z"
    sat = satellite_from_omm(record)
    assert sat.name == "NORAD 55123"
    assert sat.satrec.elnum == 999 and sat.satrec.revnum == 0
    assert sat.epoch == datetime(2023, 4, 25, 10, 45, 30, 642912, tzinfo=UTC)
    assert Satellite.from_omm(record, name="MARIO").name == "MARIO"
