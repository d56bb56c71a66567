"""Catalog search: ingest rate and bbox + datetime search latency of the embedded SQLite store.

    python bench/catalog_search.py [--items 1000000] [--queries 200] [--batch 10000]

Items are synthetic but shaped like real ones: a fleet of 6 Kanopus-V-class satellites over 3
years, each scene a 23 km x 40 km strip turned to the descending ground track of a 97.4 deg
orbit, 70 % of them over a handful of customer regions (as an order book is) and the rest
anywhere between 60 S and 75 N. Each query is a 2 x 2 deg box inside a customer region and a
6-month window, 100 items a page, timed in the library and through the HTTP API (the FastAPI
application in-process, without a socket: routing, parameter parsing, rendering and JSON).

Targets (issue 6): ingest at least 5,000 items/s; through the API p50 under 20 ms and p95
under 50 ms. The catalog file goes in a temporary folder and is deleted afterwards; 1,000,000
items take about 1.5 GB of disk while the run lasts.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from zorka.catalog import SearchQuery, SQLiteCatalog
from zorka.server import create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

START = datetime(2022, 1, 1, tzinfo=UTC)
YEARS = 3
SATELLITES = [f"kanopus-v-{n}" for n in range(1, 7)]
# Customer regions: (west, south, east, north) in degrees.
REGIONS = [
    (23.2, 51.3, 32.8, 56.2),  # Belarus
    (30.0, 50.0, 45.0, 60.0),  # European Russia
    (50.0, 41.0, 80.0, 55.0),  # Kazakhstan
    (95.0, -8.0, 115.0, 5.0),  # Indonesia
    (-55.0, -25.0, -40.0, -5.0),  # Brazil
]
SWATH_KM, LENGTH_KM = 23.0, 40.0
KM_PER_DEG = 111.32


def synthetic_items(n: int, seed: int = 6) -> list[dict[str, Any]]:
    """``n`` STAC items of the synthetic fleet (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    regional = rng.random(n) < 0.7
    region = rng.integers(0, len(REGIONS), n)
    box = np.array(REGIONS)[region]
    lon = np.where(regional, rng.uniform(box[:, 0], box[:, 2]), rng.uniform(-180.0, 180.0, n))
    # Uniform on the sphere between 60 S and 75 N.
    sin_lat = rng.uniform(np.sin(np.radians(-60)), np.sin(np.radians(75)), n)
    lat = np.where(regional, rng.uniform(box[:, 1], box[:, 3]), np.degrees(np.arcsin(sin_lat)))
    # Heading of a descending pass of a 97.4 deg orbit: about 190 deg, a little more at high
    # latitude.
    heading = np.radians(180.0 + 7.4 / np.maximum(np.cos(np.radians(lat)), 0.2))
    half_w, half_l = SWATH_KM / 2 / KM_PER_DEG, LENGTH_KM / 2 / KM_PER_DEG
    corners = np.array([(-half_w, -half_l), (half_w, -half_l), (half_w, half_l), (-half_w, half_l)])
    cos_h, sin_h = np.cos(heading)[:, None], np.sin(heading)[:, None]
    east = corners[None, :, 0] * cos_h + corners[None, :, 1] * sin_h
    north = -corners[None, :, 0] * sin_h + corners[None, :, 1] * cos_h
    ring_lon = lon[:, None] + east / np.cos(np.radians(lat))[:, None]
    ring_lat = lat[:, None] + north
    seconds = rng.uniform(0, YEARS * 365.25 * 86400, n)
    sat = rng.integers(0, len(SATELLITES), n)
    pan = rng.random(n) < 0.5
    cloud = np.round(rng.beta(0.6, 2.0, n) * 100, 1)
    off_nadir = np.round(rng.uniform(0, 30, n), 2)
    items = []
    for i in range(n):
        ring = [[float(x), float(y)] for x, y in zip(ring_lon[i], ring_lat[i], strict=True)]
        ring.append(ring[0])
        when = (START + timedelta(seconds=float(seconds[i]))).strftime("%Y-%m-%dT%H:%M:%SZ")
        item_id = f"{SATELLITES[sat[i]]}-{i:07d}-{'PAN' if pan[i] else 'MUL'}"
        items.append(
            {
                "type": "Feature",
                "stac_version": "1.1.0",
                "id": item_id,
                "collection": "fleet-l1c",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "bbox": [
                    float(ring_lon[i].min()),
                    float(ring_lat[i].min()),
                    float(ring_lon[i].max()),
                    float(ring_lat[i].max()),
                ],
                "properties": {
                    "datetime": when,
                    "platform": SATELLITES[sat[i]],
                    "constellation": "kanopus-v",
                    "instruments": ["pss" if pan[i] else "mss"],
                    "gsd": 2.1 if pan[i] else 10.5,
                    "processing:level": "L1C",
                    "eo:cloud_cover": float(cloud[i]),
                    "view:off_nadir": float(off_nadir[i]),
                },
                "links": [],
                "assets": {
                    "data": {
                        "href": f"https://data.example.org/fleet-l1c/{item_id}.tif",
                        "type": "image/tiff; application=geotiff",
                        "roles": ["data"],
                    }
                },
            }
        )
    return items


def queries(count: int, seed: int = 7) -> list[tuple[list[float], str]]:
    """``count`` (bbox, datetime) pairs: a 2 x 2 deg box in a region, a 6-month window."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        w, s, e, n = REGIONS[int(rng.integers(0, len(REGIONS)))]
        x = float(rng.uniform(w, e - 2.0))
        y = float(rng.uniform(s, n - 2.0))
        t0 = START + timedelta(days=float(rng.uniform(0, YEARS * 365.25 - 183)))
        t1 = t0 + timedelta(days=183)
        interval = f"{t0:%Y-%m-%dT%H:%M:%SZ}/{t1:%Y-%m-%dT%H:%M:%SZ}"
        out.append(([x, y, x + 2.0, y + 2.0], interval))
    return out


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--batch", type=int, default=10_000)
    args = ap.parse_args()

    t = time.perf_counter()
    items = synthetic_items(args.items)
    made = time.perf_counter() - t

    with tempfile.TemporaryDirectory(prefix="zorka-bench-") as folder:
        path = Path(folder) / "catalog.sqlite"
        store = SQLiteCatalog(path)
        store.put_collection(
            {
                "type": "Collection",
                "id": "fleet-l1c",
                "stac_version": "1.1.0",
                "description": "synthetic benchmark items",
                "license": "other",
                "extent": {
                    "spatial": {"bbox": [[-180, -60, 180, 75]]},
                    "temporal": {"interval": [[START.isoformat(), None]]},
                },
                "links": [],
            }
        )
        t = time.perf_counter()
        for i in range(0, len(items), args.batch):
            store.ingest(items[i : i + args.batch])
        ingest_s = time.perf_counter() - t
        size_mb = path.stat().st_size / 1e6
        del items

        work = queries(args.queries)
        library_ms, matched = [], []
        for bbox, interval in work:
            t = time.perf_counter()
            page = store.search(SearchQuery(bbox=bbox, datetime=interval, limit=100))
            library_ms.append((time.perf_counter() - t) * 1000)
            matched.append(page.matched)

        api_ms = []
        with TestClient(create_app(store)) as client:
            client.get("/search", params={"limit": 1})  # warm
            for bbox, interval in work:
                params = {"bbox": ",".join(map(str, bbox)), "datetime": interval, "limit": 100}
                t = time.perf_counter()
                answer = client.get("/search", params=params)
                api_ms.append((time.perf_counter() - t) * 1000)
                assert answer.status_code == 200, answer.text
        store.close()

    full = sum(m >= 100 for m in matched)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"items: {args.items:,} synthetic (made in {made:.1f} s), catalog {size_mb:,.0f} MB")
    print(
        f"ingest: {args.items / ingest_s:,.0f} items/s ({ingest_s:.1f} s, "
        f"batches of {args.batch:,}; target >= 5,000)"
    )
    print(
        f"search bbox 2x2 deg + 6 months, limit 100: {args.queries} queries, "
        f"median {statistics.median(matched):,.0f} matched, {full} returned a full page"
    )
    print(
        f"  library: p50 {percentile(library_ms, 50):.1f} ms, "
        f"p95 {percentile(library_ms, 95):.1f} ms"
    )
    print(
        f"  HTTP API (in-process): p50 {percentile(api_ms, 50):.1f} ms, "
        f"p95 {percentile(api_ms, 95):.1f} ms (targets 20 / 50 ms)"
    )


if __name__ == "__main__":
    main()
