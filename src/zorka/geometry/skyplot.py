"""Sky plots: a pass drawn on the station's sky, as a standalone SVG picture.

Operators read a pass at a glance from a polar plot (azimuth round the circle, north up, zenith
at the centre): where the antenna starts, how high it goes, whether it runs into the horizon mask.
The SVG needs no plotting library and opens in any browser.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

import numpy as np
from numpy.typing import ArrayLike

from zorka.geometry.stations import GroundStation

__all__ = ["sky_plot_svg"]

_SIZE = 480
_R = 200.0
_C = _SIZE / 2


def _xy(azimuth_deg: float, elevation_deg: float) -> tuple[float, float]:
    radius = _R * (90.0 - max(min(elevation_deg, 90.0), 0.0)) / 90.0
    a = math.radians(azimuth_deg)
    return _C + radius * math.sin(a), _C - radius * math.cos(a)


def sky_plot_svg(
    tracks: Sequence[tuple[str, ArrayLike, ArrayLike]],
    station: GroundStation,
    title: str = "",
) -> str:
    """An SVG polar plot of ``(label, azimuth_deg, elevation_deg)`` tracks over a station's sky."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_SIZE}" height="{_SIZE + 40}" '
        f'viewBox="0 0 {_SIZE} {_SIZE + 40}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{_C}" y="{_SIZE + 25}" text-anchor="middle" font-size="14">'
        f"{escape(title or station.name)}</text>",
    ]
    parts.append(f'<circle cx="{_C}" cy="{_C}" r="{_R:.1f}" fill="none" stroke="#bbb"/>')
    for el in (30, 60):
        r = _R * (90 - el) / 90
        parts.append(f'<circle cx="{_C}" cy="{_C}" r="{r:.1f}" fill="none" stroke="#bbb"/>')
        parts.append(f'<text x="{_C + 3}" y="{_C - r + 12:.1f}" fill="#888">{el}°</text>')
    for az, label in ((0, "N"), (90, "E"), (180, "S"), (270, "W")):
        x, y = _xy(az, -8.0)
        x2, y2 = _xy(az, 0.0)
        parts.append(f'<line x1="{_C}" y1="{_C}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle">{label}</text>')
    # the station's limit: its minimum elevation and horizon mask, shaded
    az_grid = np.arange(0.0, 361.0, 2.0)
    limit = station.elevation_limit_deg(az_grid)
    ring = " ".join(
        f"{x:.1f},{y:.1f}" for x, y in (_xy(a, e) for a, e in zip(az_grid, limit, strict=True))
    )
    outer = " ".join(f"{x:.1f},{y:.1f}" for x, y in (_xy(a, 0.0) for a in az_grid[::-1]))
    parts.append(f'<polygon points="{ring} {outer}" fill="#c9a36b" fill-opacity="0.35"/>')
    colours = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
    for k, (label, azimuths, elevations) in enumerate(tracks):
        a = np.asarray(azimuths, dtype=float)
        e = np.asarray(elevations, dtype=float)
        keep = e >= 0
        if not keep.any():
            continue
        colour = colours[k % len(colours)]
        pts = [_xy(x, y) for x, y in zip(a[keep], e[keep], strict=True)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        x0, y0 = pts[0]
        x1, y1 = pts[-1]
        parts.append(f'<circle cx="{x0:.1f}" cy="{y0:.1f}" r="4" fill="{colour}"/>')
        parts.append(
            f'<rect x="{x1 - 4:.1f}" y="{y1 - 4:.1f}" width="8" height="8" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{x0 + 6:.1f}" y="{y0 - 6:.1f}" fill="{colour}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
