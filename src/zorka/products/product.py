"""A BKA product as delivered: its passport and the files around it, gathered and cross-checked.

A product folder holds ``NAME_pasp-en.xml`` (the passport), ``NAME_bounds.shp`` (the footprint),
a preview JPEG, for L1B/L1C a ``NAME.tfw`` world file of the raster, and for an L1A bundle one
sub-folder per band with a frame passport per frame. :func:`read_product_folder` reads them all,
and records in :attr:`BkaProduct.issues` every disagreement or absence it notices instead of
papering over it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import numpy as np
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from zorka.products.bounds import Bounds, read_bounds
from zorka.products.eop import EopMetadata
from zorka.products.errors import ProductFormatError
from zorka.products.frame_passport import FramePassport, read_frame_passport
from zorka.products.passport import ProductPassport, read_passport
from zorka.products.rpc import FloatArray, union_footprint
from zorka.products.worldfile import WorldFile, read_world_file

__all__ = [
    "PASSPORT_SUFFIX",
    "BkaProduct",
    "Frame",
    "check_world_file",
    "level_name",
    "read_product_folder",
]

#: The file name ending that marks a product passport.
PASSPORT_SUFFIX = "_pasp-en.xml"

_GEOD = Geod(ellps="WGS84")
_LEVELS = {"0": "L1A", "B": "L1B", "C": "L1C"}

# UTM south zones put the equator at 10,000,000 m northing; some BKA world files are written
# with the northern origin (negative northings). Detected against the passport and corrected.
_UTM_FALSE_NORTHING_M = 10_000_000.0


def level_name(passport: ProductPassport) -> str:
    """The processing level name (``L1A``, ``L1B``, ``L1C``) for a passport's level code."""
    try:
        return _LEVELS[passport.level]
    except KeyError:
        raise ProductFormatError(
            passport.source,
            f"unknown level code {passport.level!r} (known: {', '.join(_LEVELS)})",
            field="Processing/Level",
        ) from None


@dataclass(frozen=True)
class Frame:
    """One frame of an L1A bundle: its band, its passport and where its passport and raster are."""

    band: str
    passport: FramePassport
    passport_href: str
    data_href: str | None


@dataclass(frozen=True)
class BkaProduct:
    """One product: the STAC item's id is :attr:`name`, the product's name as delivered.

    Hrefs are local paths. For a product inside a zip delivery, :attr:`archive_href` is the zip
    and the member files have no href of their own.
    """

    name: str
    level: str
    passport: ProductPassport
    passport_href: str | None
    bounds: Bounds | None
    world_file: WorldFile | None
    data_hrefs: tuple[str, ...]
    preview_href: str | None
    thumbnail_href: str | None
    frames: tuple[Frame, ...] = ()
    eop: EopMetadata | None = None
    archive_href: str | None = None
    issues: tuple[str, ...] = field(default=())

    @property
    def acquisition_time(self) -> datetime:
        """The passport's acquisition time (UTC)."""
        return self.passport.acquisition_time

    def _band_frames(self, band: str | None) -> dict[str, list[FramePassport]]:
        """The frames of each band (or of one), in along-track order, line 0's end first."""
        bands = [band] if band is not None else sorted({f.band for f in self.frames})
        out = {b: [f.passport for f in self.frames if f.band == b] for b in bands}
        for b, frames in out.items():
            if len(frames) < 2:
                raise ValueError(f"{self.name} has fewer than two frames in band {b}")
            out[b] = _along_track(frames)
        return out

    def rpc_footprint(
        self,
        height_m: float | None = None,
        band: str | None = None,
        *,
        last_line: float | None = None,
    ) -> BaseGeometry:
        """The union of the frames' RPC footprints (all bands, or one), at ``height_m``.

        ``height_m`` defaults to each frame's RPC height offset. ``last_line`` clips each band's
        last frame after that line (the passport's scene ends inside it, see
        :meth:`passport_end_lines`). Only L1A bundles have frames.
        """
        if not any(band is None or f.band == band for f in self.frames):
            raise ValueError(f"{self.name} has no frames{f' in band {band}' if band else ''}")
        footprints = []
        for frames in self._band_frames(band).values():
            for i, f in enumerate(frames):
                clip = last_line if i == len(frames) - 1 else None
                footprints.append(f.rpc.footprint(f.width, f.height, height_m, last_line=clip))
        return union_footprint(footprints)

    def rpc_corners(
        self,
        height_m: float | None = None,
        band: str | None = None,
        *,
        last_line: float | None = None,
    ) -> dict[str, tuple[float, float]]:
        """The bundle's four corners ``(lat, lon)`` from the RPCs, named like the passport's.

        A corner is the centre of a corner pixel: line 0 of the first frame, or ``last_line``
        (default: the last line) of the last frame, at sample 0 or ``width - 1``. For all bands
        (``band=None``) each corner is the mean over the bands of that corner: the bands are
        displaced along and across track on the focal plane, and the passport's corners follow
        their mean (measured on the real bundle: within 1 m at the start edge). Each corner is
        then named after the nearest passport corner.
        """
        per_band = []
        for frames in self._band_frames(band).values():
            first, last = frames[0], frames[-1]
            end = last.height - 1 if last_line is None else last_line
            c_first, c_last = first.width - 1.0, last.width - 1.0
            lat0, lon0 = first.rpc.image_to_ground(
                np.array([0.0, 0.0]), np.array([0.0, c_first]), height_m
            )
            lat1, lon1 = last.rpc.image_to_ground(
                np.array([end, end]), np.array([0.0, c_last]), height_m
            )
            per_band.append(np.column_stack([np.r_[lat0, lat1], np.r_[lon0, lon1]]))
        candidates = np.mean(per_band, axis=0)  # (4, 2): start s0, start s1, end s0, end s1
        named: dict[str, tuple[float, float]] = {}
        for name, (c_lat, c_lon) in self.passport.corners.items():
            _, _, d = _GEOD.inv(
                np.full(4, c_lon), np.full(4, c_lat), candidates[:, 1], candidates[:, 0]
            )
            lat, lon = candidates[int(np.argmin(d))]
            named[name] = (float(lat), float(lon))
        return named

    def corner_distances_m(
        self,
        height_m: float | None = None,
        band: str | None = None,
        *,
        last_line: float | None = None,
    ) -> dict[str, float]:
        """Geodesic distance (m) from each passport corner to the same RPC bundle corner."""
        rpc = self.rpc_corners(height_m, band, last_line=last_line)
        distances = {}
        for name, (lat, lon) in self.passport.corners.items():
            distances[name] = float(_GEOD.inv(lon, lat, rpc[name][1], rpc[name][0])[2])
        return distances

    def frame_line_offsets(self, band: str) -> list[float]:
        """Where each frame of a band starts, in lines from line 0 of the band's first frame.

        Measured through the RPCs: the ground point of a frame's last line (centre sample) is
        found in the next frame, at the same height.
        """
        frames = self._band_frames(band)[band]
        offsets = [0.0]
        for a, b in pairwise(frames):
            line, sample = a.height - 1.0, (a.width - 1) / 2
            lat, lon = a.rpc.image_to_ground(line, sample)
            line_b, _ = b.rpc.ground_to_image(lat, lon, a.rpc.height_off)
            offsets.append(offsets[-1] + line - float(line_b))
        return offsets

    def passport_end_lines(
        self, height_m: float | None = None, band: str | None = None
    ) -> dict[str, float]:
        """The line of the last frame on which each passport corner near it lies.

        For all bands, the mean over bands. The passport states no line count (its image size
        is one frame's), so this is where its end edge falls in the RPC geometry.
        """
        rpc = self.rpc_corners(height_m, band)
        last_frames = [frames[-1] for frames in self._band_frames(band).values()]
        end_lat = np.mean([f.rpc.image_to_ground(f.height - 1.0, 0.0)[0] for f in last_frames])
        start_lat = np.mean([f.rpc.image_to_ground(0.0, 0.0)[0] for f in last_frames])
        lines: dict[str, float] = {}
        for name, (lat, lon) in self.passport.corners.items():
            # The corners nearest the last frame's end: those the RPC puts at its end.
            r_lat = rpc[name][0]
            if abs(r_lat - end_lat) > abs(r_lat - start_lat):
                continue
            h = [f.rpc.height_off if height_m is None else height_m for f in last_frames]
            found = [
                float(f.rpc.ground_to_image(lat, lon, hh)[0])
                for f, hh in zip(last_frames, h, strict=True)
            ]
            lines[name] = float(np.mean(found))
        return lines


def _along_track(frames: list[FramePassport]) -> list[FramePassport]:
    """A band's frames in along-track order, the frame whose line 0 starts the strip first.

    Frame times cannot order them (one band's frames may all carry the session start), nor
    file numbers (the last frames of a band may be renumbered); the RPCs can.
    """
    centres = np.array([_image_corners(f, None).mean(axis=0) for f in frames])
    f0 = frames[0]
    lat, lon = f0.rpc.image_to_ground(
        np.array([0.0, f0.height - 1.0]), np.full(2, (f0.width - 1) / 2)
    )
    direction = np.array([lat[1] - lat[0], lon[1] - lon[0]])  # line 0 towards the last line
    order = np.argsort(centres @ direction)
    return [frames[int(i)] for i in order]


def _image_corners(frame: FramePassport, height_m: float | None) -> FloatArray:
    """The ground ``(lat, lon)`` of a frame's four outer pixel corners."""
    r, c = frame.height - 0.5, frame.width - 0.5
    lat, lon = frame.rpc.image_to_ground(
        np.array([-0.5, -0.5, r, r]), np.array([-0.5, c, c, -0.5]), height_m
    )
    return np.column_stack([lat, lon])


def check_world_file(
    passport: ProductPassport, world: WorldFile, source: str
) -> tuple[WorldFile, list[str]]:
    """Check a raster's world file against the passport's map corners; return it and issues.

    A UTM-south product whose world file uses the northern origin (northing off by exactly
    10,000,000 m) is corrected, and the correction is reported.
    """
    issues: list[str] = []
    if passport.map_corners is None or passport.pixel_size_m is None:
        return world, issues
    _, _, x0, _, _, y0 = world.transform
    west = min(e for e, _ in passport.map_corners.values())
    north = max(n for _, n in passport.map_corners.values())
    tolerance = 2 * max(passport.pixel_size_m)
    south_zone = passport.epsg is not None and 32701 <= passport.epsg <= 32760
    if south_zone and abs(y0 + _UTM_FALSE_NORTHING_M - north) < tolerance:
        world = world.shifted(dy=_UTM_FALSE_NORTHING_M)
        y0 += _UTM_FALSE_NORTHING_M
        issues.append(
            f"{source}: northing uses the northern UTM origin; corrected by +10,000,000 m "
            f"for EPSG:{passport.epsg}"
        )
    if abs(x0 - west) > tolerance or abs(y0 - north) > tolerance:
        issues.append(
            f"{source}: upper-left corner ({x0:.1f}, {y0:.1f}) disagrees with the passport's "
            f"map corners ({west:.1f}, {north:.1f}) by more than {tolerance:.1f} m"
        )
    return world, issues


def read_product_folder(passport_path: Path) -> BkaProduct:
    """Read the product whose passport is ``passport_path``, with the files beside it."""
    folder = passport_path.parent
    name = passport_path.name.removesuffix(PASSPORT_SUFFIX)
    passport = read_passport(passport_path)
    level = level_name(passport)
    issues = [f"{passport.source}: unknown field {p}" for p in passport.unknown]
    issues += [f"{passport.source}: missing field {p}" for p in passport.missing]

    bounds = None
    bounds_path = folder / (passport.bounds_file or f"{name}_bounds.shp")
    if bounds_path.exists():
        bounds = read_bounds(bounds_path)
        issues += bounds.issues
    else:
        issues.append(f"{name}: footprint shapefile {bounds_path.name} not found")

    world = None
    tfw = folder / f"{name}.tfw"
    if tfw.exists():
        world, world_issues = check_world_file(passport, read_world_file(tfw), tfw.name)
        issues += world_issues

    data_hrefs = []
    for scene in passport.scene_files:
        path = folder / scene
        data_hrefs.append(str(path.resolve()))
        if not path.exists():
            issues.append(f"{name}: data file {scene} named in the passport is not present")

    previews = sorted(folder.glob("*_preview.jpg"))
    preview = str(previews[0].resolve()) if previews else None

    frames: list[Frame] = []
    unknown_frame_keys: set[str] = set()
    absent_rasters: list[str] = []
    for band, (subfolder, count) in passport.bundle_folders.items():
        band_dir = folder / subfolder
        paths = sorted(band_dir.glob("*.xml")) if band_dir.is_dir() else []
        if len(paths) != count:
            issues.append(
                f"{name}: band {band} folder {subfolder} has {len(paths)} frame passports, "
                f"the passport says {count}"
            )
        for path in paths:
            frame = read_frame_passport(path)
            data = band_dir / frame.data_file if frame.data_file else None
            if data is not None and not data.exists():
                absent_rasters.append(f"{subfolder}/{data.name}")
            frames.append(
                Frame(
                    band=band,
                    passport=frame,
                    passport_href=str(path.resolve()),
                    data_href=None if data is None else str(data.resolve()),
                )
            )
            unknown_frame_keys.update(frame.unknown)
    for band in passport.bundle_folders:
        times = {f.passport.frame_time_utc for f in frames if f.band == band}
        count = sum(f.band == band for f in frames)
        if count > 1 and len(times) == 1:
            issues.append(
                f"{name}: all {count} frames of band {band} carry the same orbit time "
                f"{times.pop().isoformat()}; their positions are not at their frame times"
            )
    if absent_rasters:
        issues.append(
            f"{name}: {len(absent_rasters)} frame rasters named in the frame passports are not "
            f"present (first: {absent_rasters[0]})"
        )
    if unknown_frame_keys:
        # The same keys recur in every frame; one line says it.
        issues.append(f"{name}: frame passports: uninterpreted keys {sorted(unknown_frame_keys)}")

    return BkaProduct(
        name=name,
        level=level,
        passport=passport,
        passport_href=str(passport_path.resolve()),
        bounds=bounds,
        world_file=world,
        data_hrefs=tuple(data_hrefs),
        preview_href=preview,
        thumbnail_href=None,
        frames=tuple(frames),
        issues=tuple(issues),
    )
