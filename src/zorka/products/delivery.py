"""Zipped BKA deliveries: an EOP metadata file, a preview and ``PRODUCT.zip`` of product zips.

The known layout (``L1C/data/4089411-…-BR/925_bka_1028560.zip``)::

    925_bka_1028560.zip
      525_bka_1028560.xml         OGC EOP metadata of the delivery
      PREVIEW.jpg
      PRODUCT.zip
        NAME.zip                  one per product (MUL, PAN), holding NAME_pasp-en.xml,
                                  NAME_bounds.shp/.shx/.dbf/.prj, NAME_preview.jpg/.jgw, NAME.tif

Everything is read in memory; nothing is extracted to disk. Each inner product becomes a
:class:`~zorka.products.product.BkaProduct` whose data asset is the delivery zip itself.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path, PurePosixPath

from zorka.products.bounds import read_bounds
from zorka.products.eop import EopMetadata, read_eop
from zorka.products.errors import ProductFormatError
from zorka.products.passport import read_passport
from zorka.products.product import PASSPORT_SUFFIX, BkaProduct, level_name

__all__ = ["is_delivery", "read_delivery"]

# A zip bomb guard: BKA product zips are megabytes; nothing legitimate is near this.
_MAX_MEMBER_BYTES = 512 * 1024 * 1024


def _members(archive: zipfile.ZipFile, source: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for info in archive.infolist():
        if info.is_dir():
            continue
        if info.file_size > _MAX_MEMBER_BYTES:
            raise ProductFormatError(source, f"member {info.filename} is too large to read")
        out[info.filename] = archive.read(info)
    return out


def is_delivery(path: Path) -> bool:
    """Whether ``path`` is a zip with an EOP metadata document and a ``PRODUCT.zip`` in it."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return "PRODUCT.zip" in names and any(n.lower().endswith(".xml") for n in names)


def read_delivery(path: Path) -> list[BkaProduct]:
    """Read every product in a zipped delivery; raise ProductFormatError naming the member."""
    source = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            outer = _members(archive, source)
    except zipfile.BadZipFile as error:
        raise ProductFormatError(source, f"not a zip file: {error}") from None
    xml_names = [n for n in outer if n.lower().endswith(".xml")]
    if len(xml_names) != 1 or "PRODUCT.zip" not in outer:
        raise ProductFormatError(source, "expected one EOP .xml and PRODUCT.zip in the delivery")
    eop = read_eop(f"{source}!/{xml_names[0]}", outer[xml_names[0]])
    folder = path.parent
    icons = sorted(folder.glob("*-icon.jpg"))
    previews = sorted(folder.glob("*-preview.jpg"))

    products: list[BkaProduct] = []
    with zipfile.ZipFile(io.BytesIO(outer["PRODUCT.zip"])) as inner_zip:
        inner = _members(inner_zip, f"{source}!/PRODUCT.zip")
    for inner_name in sorted(n for n in inner if n.lower().endswith(".zip")):
        where = f"{source}!/PRODUCT.zip!/{inner_name}"
        with zipfile.ZipFile(io.BytesIO(inner[inner_name])) as product_zip:
            files = _members(product_zip, where)
        products.append(_product(where, PurePosixPath(inner_name).stem, files, eop, path))

    if not products:
        raise ProductFormatError(source, "PRODUCT.zip holds no product zips")
    # The delivery's own icon and preview belong to the delivery as a whole; every product
    # in it shares them (each also has its own preview inside its zip, not addressable).
    return [
        _with_quicklooks(
            p,
            thumbnail=str(icons[0].resolve()) if icons else None,
            preview=str(previews[0].resolve()) if previews else None,
        )
        for p in products
    ]


def _product(
    where: str, name: str, files: dict[str, bytes], eop: EopMetadata, archive: Path
) -> BkaProduct:
    passport_name = f"{name}{PASSPORT_SUFFIX}"
    if passport_name not in files:
        raise ProductFormatError(where, f"no passport {passport_name}")
    passport = read_passport(f"{where}!/{passport_name}", files[passport_name])
    level = level_name(passport)
    issues = [f"{passport.source}: unknown field {p}" for p in passport.unknown]
    issues += [f"{passport.source}: missing field {p}" for p in passport.missing]
    bounds = None
    shp = f"{name}_bounds.shp"
    if shp in files:
        bounds = read_bounds(
            f"{where}!/{shp}",
            shp=files[shp],
            shx=files.get(f"{name}_bounds.shx"),
            dbf=files.get(f"{name}_bounds.dbf"),
            prj=files.get(f"{name}_bounds.prj"),
        )
        issues += bounds.issues
    else:
        issues.append(f"{where}: footprint shapefile {shp} not found")
    for scene in passport.scene_files:
        if not files.get(scene):
            issues.append(f"{where}: data file {scene} is missing or empty")
    if eop.processing_level and eop.processing_level != level:
        issues.append(
            f"{eop.source}: EOP processing level {eop.processing_level} differs from the "
            f"passport's {level}; the passport's is used"
        )
    return BkaProduct(
        name=name,
        level=level,
        passport=passport,
        passport_href=None,
        bounds=bounds,
        world_file=None,
        data_hrefs=(),
        preview_href=None,
        thumbnail_href=None,
        eop=eop,
        archive_href=str(archive.resolve()),
        issues=tuple(issues),
    )


def _with_quicklooks(product: BkaProduct, thumbnail: str | None, preview: str | None) -> BkaProduct:
    return replace(product, thumbnail_href=thumbnail, preview_href=preview)
