"""Processing tasks: one acquisition end to end, and many fanned out on Dask.

:func:`process_acquisition` takes one acquisition from raw data to L0, L1A (with its RPC) and the
map-projected levels (COG, quick-looks, STAC item). It writes files only; the catalog is written
once, by :func:`process_acquisitions`, in the calling process (SQLite wants one writer).

:func:`process_acquisitions` runs the acquisitions on a Dask client: the one given, or an embedded
``LocalCluster`` (threads, no worker processes) made for the call; without ``dask.distributed``,
or with ``dask=False``, they run one after the other.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zorka.catalog.sqlite import SQLiteCatalog
from zorka.orbits.satellite import Satellite
from zorka.processing.geometry import FitReport
from zorka.processing.levels import (
    Terrain,
    ingest_items,
    l0_from_acquisition,
    l1a_from_l0,
    map_product,
    write_l1a,
    write_map_product,
)
from zorka.simulator.payload import Acquisition

__all__ = [
    "ProcessingResult",
    "dask_available",
    "portable",
    "process_acquisition",
    "process_acquisitions",
    "rebuild",
]


@dataclass
class ProcessingResult:
    """What one acquisition became: its L1A files, the RPC fit, and its STAC items."""

    name: str
    l1a: Path
    rpc: Path
    fit: FitReport
    items: list[dict[str, Any]] = field(default_factory=list)


def dask_available() -> bool:
    """Whether ``dask.distributed`` can be imported."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return False
    return True


def process_acquisition(
    acquisition: Acquisition,
    satellite: Satellite,
    folder: str | Path,
    *,
    levels: Sequence[str] = ("L1B", "L1C"),
    swath_km: float = 23.3,
    gsd_m: float = 2.1,
    terrain: Terrain = 0.0,
) -> ProcessingResult:
    """Raw data -> L0 -> L1A (``folder/l1a``) -> ``levels`` (``folder/<level>``)."""
    folder = Path(folder)
    l0 = l0_from_acquisition(acquisition)
    frame = l1a_from_l0(l0, satellite, swath_km=swath_km, gsd_m=gsd_m)
    l1a = write_l1a(frame, folder / "l1a")
    rpc = l1a.with_name(l1a.stem + "-rpc.json")
    result = ProcessingResult(l0.name, l1a, rpc, frame.fit)
    for level in levels:
        product = map_product(frame, level, terrain=terrain)
        result.items.append(write_map_product(product, folder / level.lower(), str(rpc.resolve())))
    return result


def process_acquisitions(
    acquisitions: Sequence[Acquisition],
    satellites: Mapping[str, Satellite],
    folder: str | Path,
    *,
    catalog: SQLiteCatalog | None = None,
    client: Any = None,
    dask: bool = True,
    **options: Any,
) -> list[ProcessingResult]:
    """Process acquisitions (each satellite looked up by the acquisition's satellite name),
    on Dask when it is there, and ingest their items into ``catalog`` if one is given."""
    missing = sorted({a.satellite for a in acquisitions} - set(satellites))
    if missing:
        raise KeyError(f"no orbit for satellite(s) {', '.join(missing)}")
    jobs = [(a, satellites[a.satellite]) for a in acquisitions]
    results: list[ProcessingResult]
    if client is not None or (dask and dask_available() and jobs):
        results = _on_dask(jobs, Path(folder), client, options)
    else:
        results = [process_acquisition(a, s, folder, **options) for a, s in jobs]
    if catalog is not None:
        ingest_items(catalog, [item for r in results for item in r.items])
    return results


_JD_1949 = 2433281.5  # sgp4init counts epochs in days from 1949-12-31 00:00 UTC


def portable(satellite: Satellite) -> tuple[Any, ...]:
    """A satellite as plain numbers (SGP4's ``Satrec`` does not pickle), exactly: the mean
    elements as SGP4 holds them, not rounded to TLE text. :func:`rebuild` inverts it."""
    sr = satellite.satrec
    epoch = (sr.jdsatepoch - _JD_1949) + sr.jdsatepochF
    elements = (sr.bstar, sr.ndot, sr.nddot, sr.ecco, sr.argpo, sr.inclo, sr.mo, sr.no_kozai)
    return (satellite.name, satellite.norad_id, satellite.source, epoch, *elements, sr.nodeo)


def rebuild(data: tuple[Any, ...]) -> Satellite:
    """The satellite of :func:`portable` (SGP4 with WGS72 and improved mode, as zorka uses)."""
    from sgp4.api import WGS72, Satrec

    name, norad_id, source, *numbers = data
    satrec = Satrec()
    satrec.sgp4init(WGS72, "i", norad_id, *numbers)
    return Satellite(name, norad_id, satrec, source)


def _process_portable(
    acquisition: Acquisition, satellite: tuple[Any, ...], folder: Path, **options: Any
) -> ProcessingResult:
    return process_acquisition(acquisition, rebuild(satellite), folder, **options)


def _on_dask(
    jobs: list[tuple[Acquisition, Satellite]],
    folder: Path,
    client: Any,
    options: dict[str, Any],
) -> list[ProcessingResult]:
    # dask.distributed carries no type hints for its constructors
    distributed: Any = importlib.import_module("dask.distributed")

    if client is not None:
        futures = [
            client.submit(_process_portable, a, portable(s), folder, pure=False, **options)
            for a, s in jobs
        ]
        return list(client.gather(futures))
    with (
        distributed.LocalCluster(
            processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as own,
    ):
        return _on_dask(jobs, folder, own, options)
