"""What the console's map and timeline show, as GeoJSON and plain rows.

Positions come from the same propagation the rest of zorka uses (SGP4, TEME -> ITRF with the
bundled UT1-UTC, WGS84): the sub-satellite points and ground tracks, each satellite's field of
regard (the ground it can see within its sensor's largest off-nadir angle) and the nadir swath
it sweeps in the next minutes, each station's visibility circle for a satellite at the fleet's
altitude and the station's lowest elevation, and the footprints of planned acquisitions (the
boresight's ground points at the roll and pitch of their start and end, widened to the swath).
Rings are geodesic (pyproj) and anything that crosses the antimeridian is cut there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.ops import unary_union

from zorka.geometry.sensor import ground_intersection, lvlh_axes, pointing
from zorka.geometry.stations import GroundStation
from zorka.mission import Mission
from zorka.orbits.frames import itrf_to_geodetic, teme_to_itrf
from zorka.orbits.propagation import propagate
from zorka.orbits.satellite import Satellite
from zorka.planning.plan import Plan
from zorka.time import TimeArray, format_utc

__all__ = [
    "circle",
    "field_of_regard_deg",
    "geodetic_track",
    "map_layers",
    "planned_footprint",
    "timeline_rows",
    "visibility_deg",
]

Array = npt.NDArray[np.float64]
Feature = dict[str, Any]
_GEOD = Geod(ellps="WGS84")
_R_KM = 6371.0088  # mean Earth radius: the circles are drawn on it
_TRACK_HALF_S = 50 * 60.0
_TRACK_STEP_S = 30.0
_SWATH_AHEAD_S = 10 * 60.0


def collection(features: Sequence[Feature]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(geometry: dict[str, Any], **properties: Any) -> Feature:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def field_of_regard_deg(altitude_km: float, off_nadir_deg: float) -> float:
    """Earth central angle from the sub-satellite point to the edge of the cone of half-angle
    ``off_nadir_deg`` (spherical Earth), degrees."""
    eta = math.radians(off_nadir_deg)
    s = min(1.0, (_R_KM + altitude_km) / _R_KM * math.sin(eta))
    return math.degrees(math.asin(s) - eta)


def visibility_deg(altitude_km: float, min_elevation_deg: float) -> float:
    """Earth central angle from a station to the edge of where a satellite at ``altitude_km``
    stands above ``min_elevation_deg`` (spherical Earth), degrees."""
    eps = math.radians(min_elevation_deg)
    return math.degrees(math.acos(_R_KM * math.cos(eps) / (_R_KM + altitude_km)) - eps)


def _unwrap(lons: Array) -> Array:
    return np.rad2deg(np.unwrap(np.deg2rad(lons)))


def _cut(ring_lon: Array, ring_lat: Array) -> dict[str, Any] | None:
    """A closed ring (longitudes unwrapped) as a Polygon or MultiPolygon cut at ±180°."""
    lon = _unwrap(np.asarray(ring_lon, dtype=np.float64))
    lat = np.asarray(ring_lat, dtype=np.float64)
    if abs(lon[-1] - lon[0]) > 180.0:  # the ring goes round a pole: close it over the pole
        pole = 90.0 if np.mean(lat) > 0 else -90.0
        lon = np.concatenate([lon, [lon[-1], lon[0]]])
        lat = np.concatenate([lat, [pole, pole]])
    shell = Polygon(zip(lon, lat, strict=True))
    if not shell.is_valid:
        shell = shell.buffer(0)
    if shell.is_empty:
        return None
    parts = []
    for shift in (-360.0, 0.0, 360.0):
        window = box(-180.0 + shift, -90.0, 180.0 + shift, 90.0)
        piece = shell.intersection(window)
        if not piece.is_empty:
            from shapely.affinity import translate

            parts.append(translate(piece, xoff=-shift))
    merged = unary_union(parts)
    polygons = [g for g in getattr(merged, "geoms", [merged]) if isinstance(g, Polygon)]
    if not polygons:
        return None
    geometry = polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    return dict(mapping(geometry))


def circle(lat_deg: float, lon_deg: float, radius_deg: float, n: int = 96) -> dict[str, Any] | None:
    """A geodesic circle of ``radius_deg`` of arc (on the mean sphere) around a point."""
    azimuths = np.linspace(0.0, 360.0, n, endpoint=False)
    distance = np.full(n, math.radians(radius_deg) * _R_KM * 1000.0)
    lons, lats, _ = _GEOD.fwd(np.full(n, lon_deg), np.full(n, lat_deg), azimuths, distance)
    lons = np.append(lons, lons[0])
    lats = np.append(lats, lats[0])
    return _cut(np.asarray(lons), np.asarray(lats))


def _lines(lon: Array, lat: Array) -> dict[str, Any]:
    """A track as a MultiLineString cut where it crosses the antimeridian."""
    lines: list[list[list[float]]] = [[]]
    for i in range(lon.size):
        if not (np.isfinite(lon[i]) and np.isfinite(lat[i])):
            if lines[-1]:
                lines.append([])
            continue
        if lines[-1] and abs(lon[i] - lines[-1][-1][0]) > 180.0:
            lines.append([])
        lines[-1].append([round(float(lon[i]), 4), round(float(lat[i]), 4)])
    return {"type": "MultiLineString", "coordinates": [line for line in lines if len(line) > 1]}


def geodetic_track(
    satellites: Sequence[Satellite], times: TimeArray
) -> tuple[Array, Array, Array, Array, Array]:
    """Latitude, longitude (degrees), altitude (km), and Earth-fixed position and velocity of
    every satellite at every time (``(n_sat, n_time)`` and ``(n_sat, n_time, 3)``)."""
    eph = propagate(satellites, times)
    r, v = teme_to_itrf(eph.position_km, eph.velocity_km_s, times)
    assert v is not None
    lat, lon, alt = itrf_to_geodetic(r)
    return np.asarray(lat), np.asarray(lon), np.asarray(alt), np.asarray(r), np.asarray(v)


def _swath(lat: Array, lon: Array, half_width_km: float) -> dict[str, Any] | None:
    """The band ``half_width_km`` either side of a ground track (a polygon)."""
    ok = np.isfinite(lat) & np.isfinite(lon)
    lat, lon = lat[ok], lon[ok]
    if lat.size < 2:
        return None
    azimuth, _, _ = _GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    azimuth = np.append(azimuth, azimuth[-1])
    d = np.full(lat.size, half_width_km * 1000.0)
    left_lon, left_lat, _ = _GEOD.fwd(lon, lat, azimuth - 90.0, d)
    right_lon, right_lat, _ = _GEOD.fwd(lon, lat, azimuth + 90.0, d)
    ring_lon = np.concatenate([left_lon, right_lon[::-1], left_lon[:1]])
    ring_lat = np.concatenate([left_lat, right_lat[::-1], left_lat[:1]])
    return _cut(ring_lon, ring_lat)


def planned_footprint(
    satellite: Satellite,
    start: datetime,
    end: datetime,
    roll_deg: tuple[float, float],
    pitch_deg: tuple[float, float],
    swath_km: float,
) -> dict[str, Any] | None:
    """Where an acquisition looks: the boresight's ground track from its start attitude to its
    end attitude (interpolated), widened to the swath at nadir."""
    n = max(2, min(60, int((end - start).total_seconds()) + 1))
    seconds = np.linspace(0.0, max((end - start).total_seconds(), 1.0), n)
    times = TimeArray.from_offsets(start, seconds)
    _, _, _, r, v = geodetic_track([satellite], times)
    x, y, z = lvlh_axes(r[0], v[0])
    roll = np.linspace(roll_deg[0], roll_deg[1], n)
    pitch = np.linspace(pitch_deg[0], pitch_deg[1], n)
    ground = ground_intersection(r[0], pointing(x, y, z, roll, pitch))
    lat, lon, _ = itrf_to_geodetic(ground)
    return _swath(np.asarray(lat), np.asarray(lon), swath_km / 2.0)


def map_layers(
    mission: Mission,
    satellites: Sequence[Satellite],
    stations: Sequence[GroundStation],
    time: datetime,
) -> dict[str, dict[str, Any]]:
    """The satellites, their tracks and footprints, the stations and their visibility."""
    specs = {s.name: s for s in mission.satellites}
    offsets = np.arange(-_TRACK_HALF_S, _TRACK_HALF_S + _TRACK_STEP_S / 2, _TRACK_STEP_S)
    now_index = int(np.argmin(np.abs(offsets)))
    times = TimeArray.from_offsets(time, offsets)
    points: list[Feature] = []
    tracks: list[Feature] = []
    footprints: list[Feature] = []
    altitudes: list[float] = []
    if satellites:
        lat, lon, alt, _, _ = geodetic_track(satellites, times)
        for i, sat in enumerate(satellites):
            la, lo, h = lat[i, now_index], lon[i, now_index], alt[i, now_index]
            if not (np.isfinite(la) and np.isfinite(lo)):
                continue  # decayed or failed: the satellite is left off the map
            altitudes.append(float(h))
            points.append(_feature(
                {"type": "Point", "coordinates": [round(float(lo), 4), round(float(la), 4)]},
                satellite=sat.name, altitude_km=round(float(h), 1), time=format_utc(time),
            ))  # fmt: skip
            tracks.append(_feature(
                _lines(lon[i], lat[i]), satellite=sat.name,
                start=format_utc(times.datetimes()[0]), end=format_utc(times.datetimes()[-1]),
            ))  # fmt: skip
            sensor = specs[sat.name].sensor if sat.name in specs else None
            if sensor is None:
                continue
            radius = field_of_regard_deg(float(h), sensor.max_off_nadir_deg)
            regard = circle(float(la), float(lo), radius)
            if regard is not None:
                footprints.append(_feature(
                    regard, satellite=sat.name, kind="field_of_regard",
                    max_off_nadir_deg=sensor.max_off_nadir_deg,
                ))  # fmt: skip
            ahead = slice(now_index, now_index + int(_SWATH_AHEAD_S / _TRACK_STEP_S) + 1)
            swath = _swath(lat[i, ahead], lon[i, ahead], sensor.swath_km / 2.0)
            if swath is not None:
                footprints.append(_feature(
                    swath, satellite=sat.name, kind="swath", swath_km=sensor.swath_km,
                ))  # fmt: skip
    altitude = float(np.mean(altitudes)) if altitudes else 500.0
    station_points: list[Feature] = []
    visibility: list[Feature] = []
    for st in stations:
        station_points.append(_feature(
            {"type": "Point", "coordinates": [st.longitude_deg, st.latitude_deg]},
            station=st.name, min_elevation_deg=st.min_elevation_deg,
        ))  # fmt: skip
        ring = circle(st.latitude_deg, st.longitude_deg,
                      visibility_deg(altitude, st.min_elevation_deg))  # fmt: skip
        if ring is not None:
            visibility.append(_feature(ring, station=st.name, altitude_km=round(altitude, 1)))
    return {
        "satellites": collection(points),
        "tracks": collection(tracks),
        "footprints": collection(footprints),
        "stations": collection(station_points),
        "visibility": collection(visibility),
    }


def plan_layers(
    plan: Plan | None, mission: Mission, satellites: Sequence[Satellite]
) -> list[Feature]:
    """The footprints of a plan's acquisitions."""
    if plan is None:
        return []
    by_name = {s.name: s for s in satellites}
    specs = {s.name: s for s in mission.satellites}
    features: list[Feature] = []
    for a in plan.acquisitions:
        geometry = a.strip
        if geometry is None and a.satellite in by_name:
            sensor = specs[a.satellite].sensor if a.satellite in specs else None
            geometry = planned_footprint(
                by_name[a.satellite], a.start, a.end, (a.roll_deg, a.end_roll_deg),
                (a.pitch_deg, a.end_pitch_deg), sensor.swath_km if sensor else 10.0,
            )  # fmt: skip
        if geometry is None:
            continue
        features.append(_feature(
            geometry, acquisition=a.id, satellite=a.satellite, request=a.request, kind=a.kind,
            start=format_utc(a.start), end=format_utc(a.end),
        ))  # fmt: skip
    return features


def timeline_rows(plan: Plan | None, mission: Mission) -> list[dict[str, Any]]:
    """The plan per satellite: acquisitions, downlinks and the slews its command timeline
    commands before them."""
    if plan is None:
        return []
    rows: list[dict[str, Any]] = []
    for a in plan.acquisitions:
        rows.append({
            "satellite": a.satellite, "kind": "acquisition", "start": format_utc(a.start),
            "end": format_utc(a.end), "label": f"{a.id} ({a.kind}, roll {a.roll_deg:+.1f}°)",
            "request": a.request, "station": None,
        })  # fmt: skip
    for d in plan.downlinks:
        rows.append({
            "satellite": d.satellite, "kind": "downlink", "start": format_utc(d.start),
            "end": format_utc(d.end), "label": f"{d.id} to {d.station} ({d.volume_gbit:.2f} Gbit)",
            "request": None, "station": d.station,
        })  # fmt: skip
    try:
        from zorka.control.timeline import command_timeline

        timeline = command_timeline(plan, mission)
    except Exception:  # a plan whose commands cannot be built still shows its images
        timeline = {}
    for commands in timeline.values():
        for c in commands:
            if c.name != "SLEW":
                continue
            duration = float(c.arguments.get("DURATION_S", 0.0))
            rows.append({
                "satellite": c.satellite, "kind": "slew", "start": format_utc(c.time),
                "end": format_utc(c.time + timedelta(seconds=duration)),
                "label": f"slew for {c.source}: {c.note}", "request": None, "station": None,
            })  # fmt: skip
    rows.sort(key=lambda r: (r["satellite"], r["start"]))
    return rows
