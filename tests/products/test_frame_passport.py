"""BKA frame passports of the real L1A bundle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from zorka.products.errors import ProductFormatError
from zorka.products.frame_passport import read_frame_passport


def _frame(l1a_dir: Path, band: int, number: int) -> Path:
    folder = l1a_dir.name.replace("-MUL-", f"-MS{band}-")
    return l1a_dir / folder / f"mss{band}_{number}.xml"


def test_frame_passport_values(l1a_dir: Path) -> None:
    f = read_frame_passport(_frame(l1a_dir, 2, 432))
    assert f.satellite_name == "БКА"
    assert f.data_file == "mss2_432.tif"
    assert f.session_time_utc == datetime(2015, 9, 24, 4, 42, 38, 171709, tzinfo=UTC)
    assert f.moscow_offset == timedelta(hours=3)
    # The orbit time 7:42:55.543076 is Moscow time.
    assert f.frame_time_utc == datetime(2015, 9, 24, 4, 42, 55, 543076, tzinfo=UTC)
    assert f.device_name == "MSS1" and f.matrix_number == 8
    assert f.spectral_zones_um == ((0.63, 0.69),)
    assert (f.width, f.height, f.samples, f.bits_per_pixel) == (1920, 985, 1, 8)
    assert f.quality == {"n_prVideoFail": 0, "n_prKadrFail": 0, "n_PssImp": 0, "n_MssImp": 0}
    assert len(f.rpc.samp_den) == 20
    assert set(f.unknown) == {
        "nMarH_PUL42",
        "nMarH_WGS84",
        "nMarH_SK95",
        "Geo/Orbit/nWD",
        "Geo/RPC/nStdDevPix",
        "Geo/RPC/nStdDevStr",
    }


def test_first_frame_exact_fields(l1a_dir: Path) -> None:
    f = read_frame_passport(_frame(l1a_dir, 1, 363))
    assert f.position_m == (-2006022.43027037, 6525869.78307143, -915413.255017367)
    assert f.velocity_m_s == (1131.00680157805, 1387.7036732926, 7477.1414304784)
    assert f.attitude_deg == (2.30533129249327, 0.409498920521629, 3.96811609697349)
    assert (f.sun_elevation_deg, f.sun_azimuth_deg) == (84.0322971528487, 3.52096105004026)
    r = f.rpc
    assert (r.line_off, r.samp_off, r.lat_off, r.lon_off, r.height_off) == (
        493,
        960,
        -6.5609,
        106.6706,
        204,
    )
    assert (r.line_scale, r.samp_scale, r.lat_scale, r.lon_scale, r.height_scale) == (
        493,
        960,
        0.0674,
        0.103,
        8500,
    )
    assert r.line_num[2] == 1.41488251332919
    assert r.samp_num[-1] == -1.22323688274255e-007
    assert r.samp_den[-1] == 5.843416344847e-008
    # Organization's quoted value is cut short in the file itself; kept as written.
    assert f.organization == "ФГУП "


def test_orbit_state_is_a_satellite_at_510_km(l1a_dir: Path) -> None:
    f = read_frame_passport(_frame(l1a_dir, 3, 501))
    radius_km = sum(v * v for v in f.position_m) ** 0.5 / 1000
    speed_km_s = sum(v * v for v in f.velocity_m_s) ** 0.5 / 1000
    assert 6870 < radius_km < 6900
    assert 7.0 < speed_km_s < 7.8


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("nLatScale = 0.0674", "", "Geo/RPC/nLatScale: required key is missing"),
        ("nWidth = 1920", "nWidth = wide", "Matrix/nWidth: not a number"),
        ("tSessionTimeUTC = 4:42:38.171709", "tSessionTimeUTC = 5:42:38.171709", r"UTC\+3 or"),
        ("</Orbit>", "", "line"),
        ("nMatrixNumber = 7", "this line is junk", "line 19: not 'key = value'"),
    ],
)
def test_malformed_frames_name_the_key_or_line(
    l1a_dir: Path, tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = _frame(l1a_dir, 1, 363).read_bytes().decode("windows-1251")
    assert old in text
    path = tmp_path / "mss1_363.xml"
    path.write_bytes(text.replace(old, new).encode("windows-1251"))
    with pytest.raises(ProductFormatError, match=message) as error:
        read_frame_passport(path)
    assert str(path) in str(error.value)
