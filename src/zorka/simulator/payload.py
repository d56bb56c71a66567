"""The payload's product: one acquisition per imaging command, with raw data of its own.

The camera of a real satellite records about 123 Mbit/s; the simulator keeps the bookkeeping at
that rate (:attr:`Acquisition.size_mbit` fills the memory model) but makes a small raw image for
each acquisition: 12-bit samples in 16-bit big-endian words, ``IMAGE_WIDTH`` pixels a line and
``LINES_PER_S`` lines per second of imaging, a smooth scene that depends on where the satellite
was, with noise whose level follows the gain. Deterministic: the same acquisition gives the
same bytes.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["IMAGE_WIDTH", "LINES_PER_S", "Acquisition", "raw_image"]

IMAGE_WIDTH = 256
LINES_PER_S = 8
_NOISE = {"LOW": 40.0, "NORMAL": 20.0, "HIGH": 10.0}
_SCALE = {"LOW": 0.5, "NORMAL": 1.0, "HIGH": 1.8}


@dataclass
class Acquisition:
    """One imaging session: when, how, from where, how much memory it took, and its raw data."""

    satellite: str
    number: int
    start: datetime
    end: datetime
    gain: str
    roll_deg: float
    pitch_deg: float
    position_km: npt.NDArray[np.float64] = field(repr=False)
    size_mbit: float = 0.0
    downlinked: bool = False
    data: bytes = field(default=b"", repr=False)

    @property
    def duration_s(self) -> float:
        """Imaging time in seconds."""
        return (self.end - self.start).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        """Metadata, JSON-ready (the raw data is left out)."""
        return {
            "satellite": self.satellite,
            "number": self.number,
            "start": self.start.isoformat().replace("+00:00", "Z"),
            "end": self.end.isoformat().replace("+00:00", "Z"),
            "gain": self.gain,
            "roll_deg": self.roll_deg,
            "pitch_deg": self.pitch_deg,
            "position_teme_km": [round(float(x), 3) for x in self.position_km],
            "size_mbit": round(self.size_mbit, 3),
            "raw_format": f"uint16 big-endian, {IMAGE_WIDTH} pixels a line, 12 bits used",
            "raw_bytes": len(self.data),
        }

    def write(self, folder: str | Path) -> Path:
        """Write ``SAT_NNNN.raw`` and its ``.json`` metadata into ``folder``; returns the .raw."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{self.satellite.replace(' ', '_')}_{self.number:04d}"
        raw = folder / f"{stem}.raw"
        raw.write_bytes(self.data)
        (folder / f"{stem}.json").write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        return raw


def raw_image(acquisition: Acquisition) -> bytes:
    """The raw data of an acquisition (see the module's description)."""
    lines = max(1, round(acquisition.duration_s * LINES_PER_S))
    seed = zlib.crc32(f"{acquisition.satellite}/{acquisition.number}".encode())
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 1.0, IMAGE_WIDTH)
    y = np.arange(lines)[:, None] / max(lines, 8)
    phase = float(np.sum(acquisition.position_km)) / 1000.0
    scene = 1500 + 800 * np.sin(6.0 * x + phase) * np.cos(4.0 * y + phase / 2)
    scene = scene * _SCALE.get(acquisition.gain, 1.0) + rng.normal(
        0.0, _NOISE.get(acquisition.gain, 20.0), (lines, IMAGE_WIDTH)
    )
    return np.clip(scene, 0, 4095).astype(">u2").tobytes()
