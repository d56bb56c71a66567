"""GeoJSON targets: what is read, what is refused (with the feature's index and why), and how
polygons across the antimeridian are joined and written back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from zorka.geometry.targets import (
    AreaTarget,
    PointTarget,
    TargetError,
    read_targets,
    to_geojson_geometry,
)

DATA = Path(__file__).parent / "data" / "targets"


def feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def square(lon: float, lat: float, d: float = 1.0) -> list[list[list[float]]]:
    return [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]


def collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def test_reads_points_and_areas_with_names() -> None:
    doc = collection(
        {
            "type": "Feature",
            "id": "minsk",
            "properties": {},
            "geometry": {"type": "Point", "coordinates": [27.56, 53.9, 220]},
        },
        feature({"type": "Polygon", "coordinates": square(27, 53)}, name="field"),
        feature({"type": "MultiPoint", "coordinates": [[10, 20], [11, 21]]}),
        {
            "type": "Feature",
            "id": 7,
            "geometry": {"type": "MultiPolygon", "coordinates": [square(0, 0), square(2, 0)]},
        },
    )
    targets, errors = read_targets(doc)
    assert errors == []
    names = [t.name for t in targets]
    assert names == ["minsk", "field", "feature[2][0]", "feature[2][1]", "7"]
    minsk = targets[0]
    assert isinstance(minsk, PointTarget)
    assert (minsk.latitude_deg, minsk.longitude_deg, minsk.altitude_m) == (53.9, 27.56, 220.0)
    field = targets[1]
    assert isinstance(field, AreaTarget)
    # a 1° square at 53° N: 111.2 km × 66.2 km on the ellipsoid
    assert field.area_km2 == pytest.approx(111.25 * 66.4, rel=0.01)
    assert isinstance(targets[4], AreaTarget)
    assert isinstance(targets[4].polygon, MultiPolygon)


def test_bare_geometry_feature_text_and_file(tmp_path: Path) -> None:
    geometry = {"type": "Polygon", "coordinates": square(5, 5)}
    (a,), _ = read_targets(geometry)
    assert a.name == "feature[0]"
    (b,), _ = read_targets(json.dumps(feature(geometry, name="text")))
    assert b.name == "text"
    path = tmp_path / "t.geojson"
    path.write_text(json.dumps(collection(feature(geometry, name="file"))))
    (c,), _ = read_targets(path)
    (d,), _ = read_targets(str(path))
    assert c.name == d.name == "file"


def test_request_limits_come_from_properties() -> None:
    (t,), errors = read_targets(
        feature(
            {"type": "Point", "coordinates": [0, 0]}, max_off_nadir_deg=15, min_sun_elevation_deg=30
        )
    )
    assert errors == []
    assert (t.max_off_nadir_deg, t.min_sun_elevation_deg) == (15.0, 30.0)


BAD = [
    (
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
        "ring 0 is not closed",
    ),
    (
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
        "self-intersection at longitude 0.5, latitude 0.5",
    ),
    ({"type": "Point", "coordinates": [27, 95]}, "latitude 95.0 is outside -90..90"),
    ({"type": "Point", "coordinates": [190, 50]}, "longitude 190.0 is outside -180..180"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 100], [0, 0]]]}, "latitude 100.0"),
    ({"type": "Polygon", "coordinates": [[0, 0], [1, 0], [1, 1], [0, 0]]}, "one ring, not a list"),
    (
        {"type": "Polygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]},
        "must be a position",
    ),
    ({"type": "MultiPolygon", "coordinates": square(0, 0)}, "polygon 0 is one ring, not a list"),
    ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "type 'LineString' is not a target"),
    ({"type": "Point", "coordinates": ["a", 1]}, "not a finite number"),
    (
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
        "a closed ring needs at least 4",
    ),
    (
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]},
        "self-intersection at longitude 1",
    ),
    (None, "has no geometry"),
]


@pytest.mark.parametrize(("geometry", "reason"), BAD)
def test_refused_with_index_and_reason_beside_a_good_one(geometry: Any, reason: str) -> None:
    good = feature({"type": "Point", "coordinates": [27.5, 53.9]}, name="good")
    after = feature({"type": "Polygon", "coordinates": square(20, 50)}, name="after")
    targets, errors = read_targets(collection(good, feature(geometry, name="bad"), after))
    assert [t.name for t in targets] == ["good", "after"]
    assert len(errors) == 1
    err = errors[0]
    assert (err.index, err.name) == (1, "bad")
    assert reason in err.reason, err.reason
    assert str(err).startswith("feature 1 ('bad'): ")


def test_feature_level_errors() -> None:
    targets, errors = read_targets(
        collection(
            "not an object",
            {"type": "Polygon", "coordinates": square(0, 0)},
            feature({"type": "Point", "coordinates": [1, 1]}, name="twice"),
            feature({"type": "Point", "coordinates": [2, 2]}, name="twice"),
            feature({"type": "Point", "coordinates": [3, 3]}, max_off_nadir_deg="far"),
            feature({"type": "Point", "coordinates": [3, 3]}, max_off_nadir_deg=95),
        )
    )
    assert [t.name for t in targets] == ["twice"]
    assert [e.index for e in errors] == [0, 1, 3, 4, 5]
    assert "not a GeoJSON object" in errors[0].reason
    assert "a feature's type is 'Feature'" in errors[1].reason
    assert "already used by feature 2" in errors[2].reason
    assert "must be a number" in errors[3].reason
    assert "outside 0..90" in errors[4].reason
    assert isinstance(errors[0], TargetError)


def test_document_level_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not JSON"):
        read_targets("{not json")
    with pytest.raises(ValueError, match="needs a 'type'"):
        read_targets({"features": []})
    with pytest.raises(ValueError, match="no 'features' list"):
        read_targets({"type": "FeatureCollection"})


# --- the antimeridian ----------------------------------------------------------------------


def test_three_spellings_of_a_square_across_the_antimeridian_agree() -> None:
    past = [[[179, -17], [181, -17], [181, -16], [179, -16], [179, -17]]]
    jumping = [[[179, -17], [-179, -17], [-179, -16], [179, -16], [179, -17]]]
    split = [
        [[[179, -17], [180, -17], [180, -16], [179, -16], [179, -17]]],
        [[[-180, -17], [-179, -17], [-179, -16], [-180, -16], [-180, -17]]],
    ]
    docs = [
        {"type": "Polygon", "coordinates": past},
        {"type": "Polygon", "coordinates": jumping},
        {"type": "MultiPolygon", "coordinates": split},
    ]
    areas = []
    for doc in docs:
        (t,), errors = read_targets(doc)
        assert errors == []
        assert isinstance(t, AreaTarget)
        # joined into one polygon over a continuous longitude range
        assert isinstance(t.polygon, Polygon)
        assert t.polygon.bounds == pytest.approx((179.0, -17.0, 181.0, -16.0))
        assert t.centre[1] == pytest.approx(180.0) or t.centre[1] == pytest.approx(-180.0)
        assert t.covers(-179.5, -16.5) and t.covers(179.5, -16.5) and t.covers(180.5, -16.5)
        assert not t.covers(0.0, -16.5)
        areas.append(t.area_km2)
        # RFC 7946 output: split at ±180 into two parts within -180..180
        out = to_geojson_geometry(t.polygon)
        assert out["type"] == "MultiPolygon"
        for part in out["coordinates"]:
            lons = [p[0] for p in part[0]]
            assert min(lons) >= -180.0 and max(lons) <= 180.0
        assert shape(out).area == pytest.approx(2.0)
    # 2° × 1° at 16.5° S: about 213 km × 111 km
    assert areas[0] == pytest.approx(areas[1], rel=1e-12)
    assert areas[0] == pytest.approx(areas[2], rel=1e-9)
    assert areas[0] == pytest.approx(2 * 106.7 * 110.7, rel=0.01)


def test_fiji_natural_earth_split_multipolygon() -> None:
    (fiji,), errors = read_targets(DATA / "fiji.geojson")
    assert errors == []
    assert isinstance(fiji, AreaTarget)
    # Natural Earth splits Vanua Levu at 180°; joined, Fiji is two islands, not three parts
    assert isinstance(fiji.polygon, MultiPolygon) and len(fiji.polygon.geoms) == 2
    assert fiji.polygon.bounds[2] > 180.0
    # Fiji is 18,274 km² (CIA World Factbook); Natural Earth 1:110m draws it coarsely
    assert fiji.area_km2 == pytest.approx(18_274, rel=0.1)
    back = shape(fiji.to_geojson()["geometry"])
    assert back.area == pytest.approx(shapely.area(fiji.polygon), rel=1e-9)


def test_belarus_area_on_the_ellipsoid() -> None:
    (belarus,), errors = read_targets(DATA / "belarus.geojson")
    assert errors == []
    assert isinstance(belarus, AreaTarget)
    # 207,600 km² officially; Natural Earth's 45-vertex 1:110m outline is 0.6 % larger
    assert belarus.area_km2 == pytest.approx(207_600, rel=0.01)
    assert belarus.centre == pytest.approx((53.5, 28.0), abs=0.1)


def test_area_target_from_shapely_and_refusals() -> None:
    t = AreaTarget("square", Polygon([(179, 0), (-179, 0), (-179, 1), (179, 1)]))
    assert t.polygon.bounds == pytest.approx((179.0, 0.0, 181.0, 1.0))
    with pytest.raises(ValueError, match="not valid: self-intersection"):
        AreaTarget("bow", Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]))
    with pytest.raises(ValueError, match="wider than a hemisphere"):
        AreaTarget("wide", Polygon([(-100, 0), (0, 0), (100, 0), (100, 1), (0, 1), (-100, 1)]))
    with pytest.raises(ValueError, match="goes round a pole"):
        ring = [(lon, -80.0) for lon in range(-180, 180, 30)]
        AreaTarget("antarctic", Polygon([*ring, (-180.0, -89.0)][::-1]))
