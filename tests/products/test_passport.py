"""BKA product passports, checked field by field against the real files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from zorka.products.errors import ProductFormatError
from zorka.products.passport import read_passport


def test_l1c_pan_passport(l1c_pan_dir: Path) -> None:
    p = read_passport(l1c_pan_dir / f"{l1c_pan_dir.name}_pasp-en.xml")
    assert p.version == "1.2.4"
    assert (p.producer, p.job_id) == ("BKSDZ", "4077631-0220-09060096")
    assert p.creation_time == datetime(2021, 6, 11, 16, 38, 54)
    assert (p.mission, p.satellite, p.instrument) == ("BKA/Kanopus-V", "BKA", "PAN")
    assert p.sensor_codes == ("PAN",)
    assert (p.level, p.level_info) == ("C", "Orthorectified")
    assert p.cloud_cover_percent == 1
    assert (p.country_code, p.country) == ("ID", "Indonesia")
    assert p.acquisition_time == datetime(2015, 9, 24, 4, 43, 2, tzinfo=UTC)
    assert (p.sun_elevation_deg, p.sun_azimuth_deg, p.viewing_angle_deg) == (84.08, 6.80, 2.31)
    assert p.center == (-6.21096083, 106.60504340)
    assert p.corners["SW"] == (-6.53782335, 106.56038194)
    assert p.corners["NE"] == (-5.88415202, 106.64960069)
    assert p.map_corners is not None
    assert p.map_corners["NW"] == (659439.585, 9344854.584)
    assert (p.datum, p.epsg, p.map_projection) == ("WGS84", 32748, "UTM-48M")
    assert p.pixel_size_m == (2.12, 2.12)
    assert (p.width, p.height, p.samples, p.bits_per_pixel) == (17110, 34082, 1, 8)
    assert [(b.index, b.code, b.info) for b in p.bands] == [(0, "PAN", "Panchromatic")]
    assert p.scene_files == (f"{l1c_pan_dir.name}.tif",)
    assert p.bounds_file == f"{l1c_pan_dir.name}_bounds.shp"
    assert p.unknown == () and p.missing == ()
    assert p.corner_lonlat[0] == (106.56038194, -6.53782335)


def test_l1a_passport_lists_the_bundle(l1a_dir: Path) -> None:
    p = read_passport(l1a_dir / f"{l1a_dir.name}_pasp-en.xml")
    assert p.level == "0" and p.level_info == "Bundle of photos with RPC"
    assert p.sensor_codes == ("MS1", "MS2", "MS3", "MS4")
    assert [b.info for b in p.bands] == ["Blue", "Green", "Red", "NIR"]
    assert p.epsg == 4326 and p.map_corners is None
    assert p.bundle_folders["MS3"] == ("4077631-0220-MS3-mk1-1-1100761-150924T044238-ID", 9)
    assert (p.width, p.height) == (1920, 985)
    assert p.scene_files == ()


def _broken(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x_pasp-en.xml"
    path.write_text(text)
    return path


def test_missing_required_field_is_named(l1c_pan_dir: Path, tmp_path: Path) -> None:
    text = (l1c_pan_dir / f"{l1c_pan_dir.name}_pasp-en.xml").read_text()
    text = text.replace("<Instrument>PAN</Instrument>", "")
    with pytest.raises(ProductFormatError, match="Processing/Instrument"):
        read_passport(_broken(tmp_path, text))


def test_unknown_and_missing_fields_are_reported(l1c_pan_dir: Path, tmp_path: Path) -> None:
    text = (l1c_pan_dir / f"{l1c_pan_dir.name}_pasp-en.xml").read_text()
    text = text.replace("<Percent_Cloud_Cover>1</Percent_Cloud_Cover>", "<Haze>3</Haze>")
    p = read_passport(_broken(tmp_path, text))
    assert p.cloud_cover_percent is None
    assert p.missing == ("Processing/Percent_Cloud_Cover",)
    assert p.unknown == ("Processing/Haze",)
    assert p.fields["Processing/Haze"] == "3"


def test_malformed_xml_and_bad_numbers(tmp_path: Path, l1c_pan_dir: Path) -> None:
    with pytest.raises(ProductFormatError, match="not well-formed"):
        read_passport(_broken(tmp_path, "<MetaData><Version>"))
    text = (l1c_pan_dir / f"{l1c_pan_dir.name}_pasp-en.xml").read_text()
    text = text.replace("<Width>17110</Width>", "<Width>wide</Width>")
    with pytest.raises(ProductFormatError, match="Image_Info/Width: not a number"):
        read_passport(_broken(tmp_path, text))
