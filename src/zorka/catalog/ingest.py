"""Ingesting product folders into a catalog: the library call behind ``zorka products ingest``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pystac
from pystac.validation.stac_validator import GetSchemaError

from zorka.catalog.sqlite import SQLiteCatalog
from zorka.products.product import BkaProduct
from zorka.products.quicklook import add_quicklooks
from zorka.products.scan import find_products
from zorka.products.stac import collection_for, collection_id, item_from_product
from zorka.products.stac_validation import OfflineValidator, validate_item

__all__ = ["IngestReport", "ingest_paths"]


@dataclass
class IngestReport:
    """What an ingest did: item ids stored, products refused (with why), issues noticed."""

    ingested: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    issues: dict[str, list[str]] = field(default_factory=dict)


def ingest_paths(
    catalog: SQLiteCatalog,
    paths: Iterable[str | Path],
    validator: OfflineValidator | None = None,
    quicklook_dir: str | Path | None = None,
) -> IngestReport:
    """Find BKA products under ``paths``, make STAC items, validate them if a ``validator`` is
    given, and store them and their collections in one transaction.

    With ``quicklook_dir``, products with a raster (or only a delivered preview) get quick-looks
    made there (``<collection>/<item id>/``; see :func:`zorka.products.quicklook.add_quicklooks`)
    as their ``thumbnail`` and ``overview`` assets.

    Products that cannot be read or do not validate are reported and left out; the others are
    stored. Re-ingesting a product replaces its item.
    """
    scan = find_products(paths)
    report = IngestReport(errors=[str(e) for e in scan.errors])
    items: list[pystac.Item] = []
    for product in scan.products:
        quicklook_issues: list[str] = []
        try:
            cid = collection_id(product)
            if quicklook_dir is not None:
                product, quicklook_issues = _with_quicklooks(product, Path(quicklook_dir), cid)
            item = item_from_product(product, collection_href=f"../../collections/{cid}")
            if validator is not None:
                validate_item(item, validator)
            SQLiteCatalog.check_item(item.to_dict(include_self_link=False))
        # ProductFormatError and ItemError are ValueErrors.
        except (ValueError, pystac.STACError, GetSchemaError) as error:
            report.errors.append(f"{product.name}: {error}")
            continue
        items.append(item)
        report.issues[product.name] = [*product.issues, *quicklook_issues]

    by_collection: dict[str, list[pystac.Item]] = {}
    for item in items:
        by_collection.setdefault(str(item.collection_id), []).append(item)
    dicts: list[dict[str, Any]] = [i.to_dict(include_self_link=False) for i in items]
    catalog.ingest(dicts)
    for cid, members in by_collection.items():
        collection = collection_for(cid, members).to_dict(include_self_link=False)
        old = catalog.collection(cid)
        if old is not None:
            collection["extent"] = _merged_extent(old["extent"], collection["extent"])
        catalog.put_collection(collection)
    report.ingested = [i.id for i in items]
    return report


def _with_quicklooks(
    product: BkaProduct, root: Path, collection: str
) -> tuple[BkaProduct, list[str]]:
    folder = root / collection / product.name
    # The name comes from a file name; it must stay one folder under the quick-look root.
    if Path(product.name).name != product.name or product.name in (".", ".."):
        return product, [f"{product.name}: no quick-looks: the name is not a plain file name"]
    return add_quicklooks(product, folder)


def _merged_extent(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = a["spatial"]["bbox"][0], b["spatial"]["bbox"][0]
    (at0, at1), (bt0, bt1) = a["temporal"]["interval"][0], b["temporal"]["interval"][0]
    return {
        "spatial": {"bbox": [[min(ax0, bx0), min(ay0, by0), max(ax1, bx1), max(ay1, by1)]]},
        "temporal": {"interval": [[min(at0, bt0), max(at1, bt1)]]},
    }
