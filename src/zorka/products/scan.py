"""Finding products in folder trees: the library call behind ``zorka products ingest PATH...``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from zorka.products.delivery import is_delivery, read_delivery
from zorka.products.errors import ProductFormatError
from zorka.products.product import PASSPORT_SUFFIX, BkaProduct, read_product_folder

__all__ = ["ProductScan", "find_products"]


@dataclass
class ProductScan:
    """What a scan found: the products read, and one error per product that could not be."""

    products: list[BkaProduct] = field(default_factory=list)
    errors: list[ProductFormatError] = field(default_factory=list)


def find_products(paths: Iterable[str | Path]) -> ProductScan:
    """Read every BKA product under ``paths`` (folders are walked; files may be given directly).

    A product is a ``*_pasp-en.xml`` passport with the files beside it, or a zipped delivery.
    A malformed product is recorded in :attr:`ProductScan.errors` and the scan goes on, so one
    bad passport among thousands costs one product, not the run. Products come out sorted by
    name; a product met twice (the same passport reached through two paths) is read once.
    """
    scan = ProductScan()
    seen: set[Path] = set()
    for root in paths:
        root_path = Path(root)
        if not root_path.exists():
            scan.errors.append(ProductFormatError(str(root_path), "no such file or folder"))
            continue
        candidates = [root_path] if root_path.is_file() else sorted(root_path.rglob("*"))
        for path in candidates:
            resolved = path.resolve()
            if resolved in seen or not path.is_file():
                continue
            try:
                if path.name.endswith(PASSPORT_SUFFIX):
                    seen.add(resolved)
                    scan.products.append(read_product_folder(path))
                elif path.suffix.lower() == ".zip" and is_delivery(path):
                    seen.add(resolved)
                    scan.products.extend(read_delivery(path))
            except ProductFormatError as error:
                scan.errors.append(error)
            except (OSError, ValueError) as error:
                scan.errors.append(ProductFormatError(str(path), str(error)))
    scan.products.sort(key=lambda p: p.name)
    return scan
