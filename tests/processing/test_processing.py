"""Processing: push-broom geometry, RPC fit, L0 -> L1A -> L1B/L1C COGs, STAC and the catalog."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import Point, shape

from zorka.catalog import SearchQuery, SQLiteCatalog
from zorka.geometry.sensor import ground_intersection, lvlh_axes, pointing, view_geometry
from zorka.mission.loading import load_mission
from zorka.orbits.frames import enu_matrix, geodetic_to_itrf, itrf_to_geodetic, teme_to_itrf
from zorka.orbits.propagation import propagate
from zorka.orbits.satellite import Satellite
from zorka.processing.geometry import PushbroomModel, PushbroomSensor, check_rpc, fit_rpc
from zorka.processing.levels import (
    l0_from_acquisition,
    l1a_from_l0,
    map_product,
    synthetic_acquisition,
)
from zorka.processing.tasks import dask_available, portable, process_acquisitions, rebuild
from zorka.products.rpc import RPCModel
from zorka.simulator.payload import IMAGE_WIDTH, LINES_PER_S
from zorka.time import TimeArray

rasterio = pytest.importorskip("rasterio")

KANOPUS_START = datetime(2024, 9, 5, 9, 0, tzinfo=UTC)
BKA_START = datetime(2015, 9, 24, 4, 42, 38, tzinfo=UTC)


def _satellite(mission: str) -> Satellite:
    path = files("zorka") / "data" / "missions" / f"{mission}.yaml"
    return load_mission(str(path)).satellites[0].build()


@pytest.fixture(scope="module")
def kanopus() -> Satellite:
    return _satellite("by")


@pytest.fixture(scope="module")
def bka() -> Satellite:
    return _satellite("by-2015")


def _full_resolution(sat: Satellite, start: datetime, roll: float, pitch: float) -> PushbroomModel:
    """The PSS camera at its published 2.1 m and 23.3 km, 4 s of imaging (some 13,000 lines)."""
    sensor = PushbroomSensor.for_orbit(sat, start, 23.3, 2.1)
    return PushbroomModel(sat, start, roll, pitch, sensor, round(4.0 / sensor.line_period_s))


@pytest.mark.parametrize(
    ("mission", "start", "roll", "pitch"),
    [
        ("by", KANOPUS_START, 25.0, 5.0),
        ("by", KANOPUS_START, -38.0, 0.0),
        ("by-2015", BKA_START, 12.5, -3.0),
    ],
)
def test_rpc_reproduces_the_rigorous_model(
    mission: str, start: datetime, roll: float, pitch: float
) -> None:
    sat = _satellite(mission)
    model = _full_resolution(sat, start, roll, pitch)
    assert model.samples == 11095
    assert 0.00025 < model.sensor.line_period_s < 0.00035  # 2.1 m at ~7 km/s
    rpc, report = fit_rpc(model)
    assert report.max_px < 0.1
    # independent check points, random image points at random heights
    rng = np.random.default_rng(7)
    line = rng.uniform(0, model.lines - 1, 300)
    sample = rng.uniform(0, model.samples - 1, 300)
    height = rng.uniform(-200.0, 2500.0, 300)
    lat, lon = model.image_to_ground(line, sample, height)
    r, c = rpc.ground_to_image(lat, lon, height)
    assert np.max(np.hypot(r - line, c - sample)) < 0.1
    # and the RPC survives GDAL's metadata form
    again = RPCModel.from_gdal(rpc.to_gdal())
    assert check_rpc(again, model).max_px < 0.1


def test_rigorous_model_looks_where_orbit_and_attitude_say(kanopus: Satellite) -> None:
    """The ground points seen through the model are at the roll and pitch of the attitude,
    computed the other way round by zorka's access geometry (target -> satellite)."""
    model = _full_resolution(kanopus, KANOPUS_START, 20.0, 0.0)
    line = np.array([0.0, 5000.0, 12000.0, 12000.0])
    sample = np.array([0.0, 5547.0, 11094.0, 3000.0])
    lat, lon = model.image_to_ground(line, sample, 500.0)
    _, _, h = itrf_to_geodetic(geodetic_to_itrf(lat, lon, 0.5))
    np.testing.assert_allclose(h, 0.5, atol=1e-6)
    times = TimeArray.from_offsets(KANOPUS_START, line * model.sensor.line_period_s)
    eph = propagate([kanopus], times)
    r, v = teme_to_itrf(eph.position_km[0], eph.velocity_km_s[0], times)
    target = geodetic_to_itrf(lat, lon, 0.5)
    view = view_geometry(r, v, target, enu_matrix(lat, lon), times, sun=False, gsd=False)
    expected_roll = 20.0 + np.degrees(np.arctan(model.sensor.tan_angle(sample)))
    np.testing.assert_allclose(view.roll_deg, expected_roll, atol=1e-6)
    np.testing.assert_allclose(view.pitch_deg, 0.0, atol=1e-6)
    # with pitch: the centre detector looks along the attitude's roll and pitch
    model = _full_resolution(kanopus, KANOPUS_START, -15.0, 8.0)
    lat, lon = model.image_to_ground(line, (model.samples - 1) / 2, 0.0)
    target = geodetic_to_itrf(lat, lon, 0.0)
    view = view_geometry(r, v, target, enu_matrix(lat, lon), times, sun=False, gsd=False)
    np.testing.assert_allclose(view.roll_deg, -15.0, atol=1e-6)
    np.testing.assert_allclose(view.pitch_deg, 8.0, atol=1e-6)


def _target(
    sat: Satellite, start: datetime, mid_s: float, roll: float, pitch: float
) -> tuple[float, float]:
    """Where the boresight meets the ellipsoid at mid-acquisition (zorka.geometry.sensor)."""
    times = TimeArray.from_offsets(start, [mid_s])
    eph = propagate([sat], times)
    r, v = teme_to_itrf(eph.position_km[0], eph.velocity_km_s[0], times)
    x, y, z = lvlh_axes(r, v)
    hit = ground_intersection(r, pointing(x, y, z, roll, pitch))
    lat, lon, _ = itrf_to_geodetic(hit[0])
    return float(lat), float(lon)


def test_l0_l1a_l1c(kanopus: Satellite, tmp_path: Path) -> None:
    acq = synthetic_acquisition(kanopus, KANOPUS_START, 10.0, 22.0, 4.0)
    l0 = l0_from_acquisition(acq)
    assert l0.lines.shape == (10 * LINES_PER_S, IMAGE_WIDTH)
    assert np.all(np.diff(l0.line_times_s) > 0)
    assert l0.lines.max() < 4096
    frame = l1a_from_l0(l0, kanopus)
    assert frame.fit.max_px < 0.1
    product = map_product(frame, "L1C")
    lat, lon = _target(kanopus, acq.start, 5.0, 22.0, 4.0)
    assert product.footprint.contains(Point(lon, lat))
    # the L1C raster has data (not nodata) at the target
    to_utm = Transformer.from_crs(4326, product.epsg, always_xy=True)
    x, y = to_utm.transform(lon, lat)
    a, _, c, _, e, f = product.transform
    col, row = int((x - c) / a), int((y - f) / e)
    assert product.data[row, col] != 0


def test_process_serially_into_the_catalog(kanopus: Satellite, tmp_path: Path) -> None:
    acqs = [
        synthetic_acquisition(kanopus, KANOPUS_START, 6.0, 18.0, 0.0, number=1),
        synthetic_acquisition(
            kanopus, KANOPUS_START + timedelta(seconds=90), 5.0, -25.0, 2.0, number=2
        ),
    ]
    catalog = SQLiteCatalog(tmp_path / "catalog.db")
    try:
        results = process_acquisitions(
            acqs, {kanopus.name: kanopus}, tmp_path / "out", catalog=catalog, dask=False
        )
        assert [r.name for r in results] == [
            "kanopus-v-1-0001-20240905T090000",
            "kanopus-v-1-0002-20240905T090130",
        ]
        for acq, result in zip(acqs, results, strict=True):
            assert result.fit.max_px < 0.1
            rpc = RPCModel.from_gdal(json.loads(result.rpc.read_text()))
            with rasterio.open(result.l1a) as l1a:
                assert RPCModel.from_gdal(l1a.tags(ns="RPC")).line_off == pytest.approx(
                    rpc.line_off
                )
            l1c = next(i for i in result.items if i["properties"]["processing:level"] == "L1C")
            mid = acq.duration_s / 2
            lat, lon = _target(kanopus, acq.start, mid, acq.roll_deg, acq.pitch_deg)
            assert shape(l1c["geometry"]).contains(Point(lon, lat))
            stored = catalog.get("kanopus-v-1-l1c", l1c["id"])
            assert stored is not None
            with rasterio.open(l1c["assets"]["data"]["href"]) as cog:
                assert cog.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
                assert cog.block_shapes[0] == (256, 256)
                assert cog.overviews(1)
                assert cog.crs.to_epsg() == int(l1c["properties"]["proj:code"].split(":")[1])
            assert Path(l1c["assets"]["thumbnail"]["href"]).is_file()
        page = catalog.search(SearchQuery(collections=["kanopus-v-1-l1b", "kanopus-v-1-l1c"]))
        assert len(page.items) == 4
        assert {c["id"] for c in catalog.collections()} == {"kanopus-v-1-l1b", "kanopus-v-1-l1c"}
    finally:
        catalog.close()


@pytest.mark.skipif(not dask_available(), reason="dask.distributed is not installed")
def test_process_on_a_local_dask_cluster(kanopus: Satellite, tmp_path: Path) -> None:
    acqs = [
        synthetic_acquisition(
            kanopus, KANOPUS_START + timedelta(seconds=30 * i), 4.0, 10.0 * i, 0.0, number=i + 1
        )
        for i in range(2)
    ]
    results = process_acquisitions(acqs, {kanopus.name: kanopus}, tmp_path, levels=("L1C",))
    assert [len(r.items) for r in results] == [1, 1]
    assert all(Path(r.items[0]["assets"]["data"]["href"]).is_file() for r in results)


def test_satellites_travel_to_workers_exactly(bka: Satellite) -> None:
    again = rebuild(portable(bka))
    assert again.name == bka.name and again.norad_id == bka.norad_id
    times = TimeArray.from_offsets(BKA_START, np.linspace(0.0, 3600.0, 7))
    a = propagate([bka], times).position_km
    b = propagate([again], times).position_km
    np.testing.assert_allclose(a, b, atol=1e-9)
