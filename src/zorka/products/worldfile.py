"""World files (``.tfw``, ``.jgw``, ``.pgw``...): the six-number affine georeference of a raster.

The six lines are ``A, D, B, E, C, F``: pixel size in x, two rotation terms, pixel size in y
(negative for north-up), and the map coordinates of the *centre* of the upper-left pixel. A world
file states no coordinate reference system; it is the product passport's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from zorka.products.errors import ProductFormatError

__all__ = ["WorldFile", "read_world_file"]


@dataclass(frozen=True)
class WorldFile:
    """An affine pixel → map transform as a world file states it (units of the map CRS)."""

    a: float
    d: float
    b: float
    e: float
    c: float
    f: float

    def pixel_to_map(
        self, col: npt.ArrayLike, row: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Map coordinates of pixel positions, where integer ``(col, row)`` are pixel centres."""
        x, y = np.asarray(col, float), np.asarray(row, float)
        return self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f

    @property
    def transform(self) -> tuple[float, float, float, float, float, float]:
        """The GDAL/rasterio affine ``(a, b, x0, d, e, y0)`` from the upper-left pixel *corner*.

        This is the order STAC's ``proj:transform`` uses (its first six values).
        """
        x0 = self.c - 0.5 * self.a - 0.5 * self.b
        y0 = self.f - 0.5 * self.d - 0.5 * self.e
        return (self.a, self.b, x0, self.d, self.e, y0)

    def shifted(self, dx: float = 0.0, dy: float = 0.0) -> WorldFile:
        """The same transform with its origin moved by ``(dx, dy)`` map units."""
        return WorldFile(self.a, self.d, self.b, self.e, self.c + dx, self.f + dy)


def read_world_file(source: str | Path, data: bytes | None = None) -> WorldFile:
    """Read a world file; raise :class:`~zorka.products.errors.ProductFormatError` if malformed."""
    name = str(source)
    raw = Path(source).read_bytes() if data is None else data
    lines = [line.strip() for line in raw.decode("ascii", errors="replace").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) != 6:
        raise ProductFormatError(name, f"a world file has 6 numbers, this one has {len(lines)}")
    try:
        a, d, b, e, c, f = (float(v) for v in lines)
    except ValueError as error:
        raise ProductFormatError(name, f"not a number: {error}") from None
    if a * e - b * d == 0:
        raise ProductFormatError(name, "the transform is singular (zero pixel size)")
    return WorldFile(a, d, b, e, c, f)
