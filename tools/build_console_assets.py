"""Rebuild the web console's vendored browser assets (``src/zorka/console/static/vendor/``).

    python tools/build_console_assets.py

Needs ``node`` and ``npm`` and the npm registry; nothing is fetched at run time. The script
installs pinned packages into a temporary folder, copies Leaflet and uPlot with their licences,
and turns Natural Earth's 1:50m TopoJSON (``world-atlas``: land, and the country borders) into a
GeoJSON basemap with ``topojson-client``, rounding coordinates to 3 decimals so the basemap
stays small (about 1.3 MB).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "zorka" / "console" / "static" / "vendor"

LEAFLET = "1.9.4"
UPLOT = "1.6.32"
WORLD_ATLAS = "2.0.2"
TOPOJSON_CLIENT = "3.1.0"
PACKAGES = [
    f"leaflet@{LEAFLET}",
    f"uplot@{UPLOT}",
    f"world-atlas@{WORLD_ATLAS}",
    f"topojson-client@{TOPOJSON_CLIENT}",
]

# Turns world-atlas's TopoJSON into a two-feature GeoJSON basemap with topojson-client: "land"
# (land-50m: land and coastlines) and "borders" (the arcs two countries of countries-50m share,
# so each border is drawn once). world-atlas is made for spherical rendering, so rings that
# cross the antimeridian jump from +180 to -180; for a flat map they are unwrapped (longitudes
# made continuous) and cut at the antimeridian into pieces that each lie in -180..180, and a ring
# that goes round a pole (Antarctica) is closed along that pole. Coordinates are rounded
# to 3 decimals, dropping points that rounding made equal to the one before.
CONVERT_JS = r"""
const fs = require("fs");
const topojson = require(process.argv[2]);
const [landSrc, countriesSrc, dst] = process.argv.slice(3);
const read = (path) => JSON.parse(fs.readFileSync(path, "utf8"));
const r3 = (x) => Math.round(x * 1000) / 1000;

function unwrap(ring) {
  const out = [ring[0].slice()];
  for (let k = 1; k < ring.length; k++) {
    let lon = ring[k][0];
    const prev = out[k - 1][0];
    while (lon - prev > 180) lon -= 360;
    while (lon - prev < -180) lon += 360;
    out.push([lon, ring[k][1]]);
  }
  return out;
}

function round(ring, min) {
  const out = [];
  for (const [x, y] of ring) {
    const p = [r3(x), r3(y)];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out.length >= min ? out : ring.map(([x, y]) => [r3(x), r3(y)]);
}

// keeps the part of a ring on one side of the meridian x (Sutherland-Hodgman, one edge)
function clip(ring, x, keepEast) {
  const inside = (p) => (keepEast ? p[0] >= x : p[0] <= x);
  const out = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const a = ring[i];
    const b = ring[i + 1];
    if (inside(a)) out.push(a);
    if (inside(a) !== inside(b)) out.push([x, a[1] + ((x - a[0]) / (b[0] - a[0])) * (b[1] - a[1])]);
  }
  if (out.length) out.push(out[0].slice());
  return out;
}

function area(ring) {
  let sum = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    sum += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  }
  return Math.abs(sum / 2);
}

function flatPolygons(multi) {
  const polygons = [];
  for (const polygon of multi) {
    const rings = [];
    polygon.forEach((ring, index) => {
      let u = unwrap(ring);
      const net = u[u.length - 1][0] - u[0][0];
      if (Math.abs(net) > 180) {
        if (index > 0) return; // a hole round a pole: nothing on a flat map
        const pole = u.reduce((s, p) => s + p[1], 0) / u.length < 0 ? -90 : 90;
        u = u.concat([[u[u.length - 1][0], pole], [u[0][0], pole], u[0]]);
      }
      if (index > 0) {
        // a hole: the same turn of the world as its outer ring
        const shift = 360 * Math.round((rings[0][0][0] - u[0][0]) / 360);
        u = u.map(([x, y]) => [x + shift, y]);
      }
      rings.push(u);
    });
    if (!rings.length) continue;
    const lons = rings[0].map((p) => p[0]);
    const lo = Math.min(...lons);
    const hi = Math.max(...lons);
    // the copies of the polygon shifted by whole turns that reach into -180..180, clipped to it
    for (let k = Math.floor((lo + 180) / 360); k <= Math.floor((hi + 180) / 360); k++) {
      const shifted = rings.map((r) => r.map(([x, y]) => [x - 360 * k, y]));
      const clipped = [];
      for (const r of shifted) {
        const c = clip(clip(r, -180, true), 180, false);
        if (c.length >= 4 && area(c) > 1e-6) clipped.push(c);
        else if (!clipped.length) break;
      }
      if (clipped.length) polygons.push(clipped);
    }
  }
  return polygons.map((rings) => rings.map((r) => round(r, 4)));
}

function flatLines(multi) {
  const lines = [];
  for (const line of multi) {
    let current = [line[0]];
    for (let k = 1; k < line.length; k++) {
      if (Math.abs(line[k][0] - line[k - 1][0]) > 180) {
        lines.push(current);
        current = [];
      }
      current.push(line[k]);
    }
    lines.push(current);
  }
  return lines.filter((l) => l.length > 1).map((l) => round(l, 2));
}

const landTopo = read(landSrc);
const land = topojson.feature(landTopo, landTopo.objects.land);
const landGeometry = land.type === "FeatureCollection" ? land.features[0].geometry : land.geometry;
const landMulti = landGeometry.type === "Polygon"
  ? [landGeometry.coordinates] : landGeometry.coordinates;
const countries = read(countriesSrc);
const borders = topojson.mesh(countries, countries.objects.countries, (a, b) => a !== b);
const features = [
  {type: "Feature", properties: {kind: "land"},
   geometry: {type: "MultiPolygon", coordinates: flatPolygons(landMulti)}},
  {type: "Feature", properties: {kind: "borders"},
   geometry: {type: "MultiLineString", coordinates: flatLines(borders.coordinates)}},
];
fs.writeFileSync(dst, JSON.stringify({type: "FeatureCollection", features}));
"""

SOURCE_MD = """\
# Vendored browser assets

Everything here is shipped with zorka so the console works offline (no CDN, no tile server).
Rebuild it with `python tools/build_console_assets.py` (needs node and npm).

| Folder / file | npm package | Version | What |
|---|---|---|---|
| `leaflet/leaflet.js`, `leaflet/leaflet.css`, `leaflet/images/` | `leaflet` | {leaflet} | \
`dist/` files, unchanged |
| `leaflet/LICENSE` | `leaflet` | {leaflet} | BSD-2-Clause |
| `uplot/uPlot.iife.min.js`, `uplot/uPlot.min.css` | `uplot` | {uplot} | `dist/` files, unchanged |
| `uplot/LICENSE` | `uplot` | {uplot} | MIT |
| `basemap/world-50m.geojson` | `world-atlas` | {atlas} | Natural Earth 1:50m, turned into \
two GeoJSON features with `topojson-client` {client}: `{{"kind": "land"}}` = `feature()` of \
`land-50m.json` (a MultiPolygon: land and coastlines) and `{{"kind": "borders"}}` = `mesh()` of \
the arcs two countries of `countries-50m.json` share (a MultiLineString). For a flat map, polygons \
crossing the antimeridian are cut there into pieces within -180..180, Antarctica is closed along \
the south pole, and lines are cut at the antimeridian. Coordinates \
rounded to 3 decimals; points that rounding made equal to the one before are dropped |
| `basemap/LICENSE` | `world-atlas` | {atlas} | ISC (the package); the data is Natural Earth, \
public domain |
| `basemap/LICENSE-topojson-client` | `topojson-client` | {client} | ISC (the converter; \
not shipped as code) |

Natural Earth (https://www.naturalearthdata.com/) vector data is in the public domain.
"""


def run(cmd: list[str]) -> None:
    print("$", " ".join(cmd))
    subprocess.run(cmd, check=True)


def copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True)
    else:
        shutil.copy2(src, dst)


def licence(package: Path) -> Path:
    for name in ("LICENSE", "LICENSE.md", "LICENSE.txt", "license"):
        if (package / name).exists():
            return package / name
    raise FileNotFoundError(f"no licence file in {package}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="zorka-console-") as tmp:
        prefix = Path(tmp)
        run(["npm", "install", "--no-audit", "--no-fund", "--prefix", tmp, *PACKAGES])
        modules = prefix / "node_modules"
        if VENDOR.exists():
            shutil.rmtree(VENDOR)

        leaflet = modules / "leaflet"
        for name in ("leaflet.js", "leaflet.css", "images"):
            copy(leaflet / "dist" / name, VENDOR / "leaflet" / name)
        copy(licence(leaflet), VENDOR / "leaflet" / "LICENSE")

        uplot = modules / "uplot"
        for name in ("uPlot.iife.min.js", "uPlot.min.css"):
            copy(uplot / "dist" / name, VENDOR / "uplot" / name)
        copy(licence(uplot), VENDOR / "uplot" / "LICENSE")

        atlas = modules / "world-atlas"
        basemap = VENDOR / "basemap"
        basemap.mkdir(parents=True)
        script = prefix / "convert.js"
        script.write_text(CONVERT_JS)
        client = str(modules / "topojson-client")
        out = basemap / "world-50m.geojson"
        run(
            [
                "node",
                str(script),
                client,
                str(atlas / "land-50m.json"),
                str(atlas / "countries-50m.json"),
                str(out),
            ]
        )
        kinds = [f["properties"]["kind"] for f in json.loads(out.read_text())["features"]]
        print(f"  {out.name}: features {kinds}, {out.stat().st_size / 1e6:.2f} MB")
        copy(licence(atlas), basemap / "LICENSE")
        copy(licence(modules / "topojson-client"), basemap / "LICENSE-topojson-client")

        (VENDOR / "SOURCE.md").write_text(
            SOURCE_MD.format(
                leaflet=LEAFLET, uplot=UPLOT, atlas=WORLD_ATLAS, client=TOPOJSON_CLIENT
            )
        )
    for path in sorted(VENDOR.rglob("*")):
        if path.is_file():
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    if shutil.which("npm") is None or shutil.which("node") is None:
        sys.exit("build_console_assets.py needs node and npm on PATH")
    main()
