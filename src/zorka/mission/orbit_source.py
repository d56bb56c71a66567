"""Where a satellite's orbit comes from: inline TLE lines, an OMM record, a file, or a state vector.

Each source is one model tagged by ``kind`` and knows how to build a
:class:`zorka.orbits.satellite.Satellite`. The orbit modules are imported only when an orbit is
built, so reading and checking a mission file stays cheap.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from zorka.mission.fields import SPEC_CONFIG, UtcTime

if TYPE_CHECKING:
    from zorka.orbits.satellite import Satellite

__all__ = [
    "OMM_REQUIRED_KEYS",
    "FileOrbit",
    "OMMOrbit",
    "OrbitSource",
    "StateVectorOrbit",
    "TLEOrbit",
]

#: OMM keys without which SGP4 elements cannot be formed (CelesTrak's spelling).
OMM_REQUIRED_KEYS = (
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
)

_EARTH_RADIUS_M = 6_378_137.0
# Beyond the Moon's distance nothing is an Earth satellite that SGP4/SDP4 can model.
_MAX_RADIUS_M = 400_000_000.0
# Escape speed near the surface is 11.2 km/s; anything faster is not a bound orbit.
_MAX_SPEED_M_S = 11_200.0


def _provenance() -> Any:
    return Field(
        default=None,
        description="where these elements come from (file, package, document), for the record",
    )


class TLEOrbit(BaseModel):
    """A two-line element set written into the mission file."""

    model_config = SPEC_CONFIG

    kind: Literal["tle"] = Field(description="inline two-line element set")
    line1: str = Field(description="TLE line 1, 69 characters, checksum verified")
    line2: str = Field(description="TLE line 2, 69 characters, checksum verified")
    provenance: str | None = _provenance()

    @field_validator("line1", "line2")
    @classmethod
    def _line(cls, line: str, info: ValidationInfo) -> str:
        from zorka.orbits.tle import checksum

        line = line.rstrip()
        number = "1" if info.field_name == "line1" else "2"
        if not line.startswith(f"{number} "):
            raise ValueError(f"TLE line {number} must start with '{number} '")
        if len(line) != 69:
            raise ValueError(f"TLE line {number} has {len(line)} characters; it needs 69")
        want = checksum(line)
        if not line[68].isdigit() or int(line[68]) != want:
            raise ValueError(f"bad checksum on TLE line {number}: ends in {line[68]!r}, not {want}")
        return line

    @model_validator(mode="after")
    def _same_satellite(self) -> TLEOrbit:
        if self.line1[2:7] != self.line2[2:7]:
            raise ValueError(
                f"line 1 is for catalog number {self.line1[2:7].strip()}, line 2 for"
                f" {self.line2[2:7].strip()}; both lines must come from one element set"
            )
        return self

    @property
    def norad_id(self) -> int:
        """The catalog number written in line 1."""
        from zorka.orbits.tle import alpha5_decode

        return alpha5_decode(self.line1[2:7])

    def build(self, name: str, norad_id: int, base_dir: Path | None) -> Satellite:
        """The satellite of these lines."""
        from zorka.orbits.satellite import Satellite
        from zorka.orbits.tle import TLE

        return Satellite.from_tle(TLE(self.line1, self.line2, name, "mission file"), name)


class OMMOrbit(BaseModel):
    """One Orbit Mean-elements Message record with CelesTrak's keys (``EPOCH``, ``MEAN_MOTION``)."""

    model_config = SPEC_CONFIG

    kind: Literal["omm"] = Field(description="inline OMM record")
    record: dict[str, Any] = Field(description="OMM keys and values as in CelesTrak's JSON")
    provenance: str | None = _provenance()

    @field_validator("record")
    @classmethod
    def _keys(cls, record: dict[str, Any]) -> dict[str, Any]:
        missing = [key for key in OMM_REQUIRED_KEYS if key not in record]
        if missing:
            raise ValueError(
                f"OMM record lacks {', '.join(missing)}; it needs {', '.join(OMM_REQUIRED_KEYS)}"
            )
        return record

    def build(self, name: str, norad_id: int, base_dir: Path | None) -> Satellite:
        """The satellite of this record (its ``NORAD_CAT_ID`` defaults to the satellite's)."""
        from zorka.orbits.satellite import Satellite

        return Satellite.from_omm({"NORAD_CAT_ID": norad_id, **self.record}, name=name)


class FileOrbit(BaseModel):
    """The element set of the satellite's NORAD id in a TLE file or an OMM JSON, XML or CSV file."""

    model_config = SPEC_CONFIG

    kind: Literal["file"] = Field(description="element sets in a file")
    path: str = Field(
        min_length=1,
        description="TLE (2- or 3-line) or OMM (JSON, XML, CSV) file; relative paths start at the"
        " mission file's folder. The entry with the satellite's norad_id is used.",
    )
    provenance: str | None = _provenance()

    def resolve(self, base_dir: Path | None) -> Path:
        """The file's path, relative ones taken from ``base_dir`` (the mission file's folder)."""
        path = Path(self.path).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        return path

    def build(self, name: str, norad_id: int, base_dir: Path | None) -> Satellite:
        """The satellite with ``norad_id`` in the file; other entries and errors are ignored."""
        from zorka.orbits.omm import read_orbit_file

        path = self.resolve(base_dir)
        if not path.is_file():
            raise ValueError(f"orbit file {path} does not exist")
        satellites, errors = read_orbit_file(path)
        for satellite in satellites:
            if satellite.norad_id == norad_id:
                satellite.name = name
                return satellite
        # The entry may be there but unreadable: then its own error says why.
        for error in errors:
            if error.satellite and str(norad_id) in error.satellite:
                raise ValueError(str(error))
        unreadable = f" and {len(errors)} unreadable entries" if errors else ""
        raise ValueError(
            f"{path} has {len(satellites)} element sets{unreadable}, none for NORAD {norad_id}"
        )


Vector3 = tuple[float, float, float]


class StateVectorOrbit(BaseModel):
    """A position and velocity at one instant; zorka fits SGP4 mean elements that reproduce it."""

    model_config = SPEC_CONFIG

    kind: Literal["state_vector"] = Field(description="position and velocity at an epoch")
    epoch: UtcTime = Field(description="instant of the state, ISO-8601 UTC")
    frame: Literal["ITRF", "TEME"] = Field(
        default="ITRF",
        description="frame of the vectors: ITRF is Earth-fixed (as in BKA frame passports)",
    )
    position_m: Vector3 = Field(description="position x, y, z in metres")
    velocity_m_s: Vector3 = Field(description="velocity x, y, z in metres per second")
    provenance: str | None = _provenance()

    @field_validator("position_m")
    @classmethod
    def _position(cls, value: Vector3) -> Vector3:
        radius = math.hypot(*value)
        if radius < _EARTH_RADIUS_M:
            raise ValueError(
                f"{radius / 1000:,.1f} km from the Earth's centre is inside the Earth"
                f" (radius {_EARTH_RADIUS_M / 1000:,.0f} km); positions are in metres"
            )
        if radius > _MAX_RADIUS_M:
            raise ValueError(
                f"{radius / 1000:,.0f} km from the Earth's centre is beyond any Earth orbit;"
                " positions are in metres"
            )
        return value

    @field_validator("velocity_m_s")
    @classmethod
    def _velocity(cls, value: Vector3) -> Vector3:
        speed = math.hypot(*value)
        if speed > _MAX_SPEED_M_S:
            raise ValueError(
                f"speed {speed:,.0f} m/s exceeds escape speed ({_MAX_SPEED_M_S:,.0f} m/s);"
                " velocities are in metres per second"
            )
        return value

    def build(self, name: str, norad_id: int, base_dir: Path | None) -> Satellite:
        """Fit SGP4 elements to the state (see :meth:`Satellite.from_state_vector`)."""
        from zorka.orbits.satellite import Satellite

        return Satellite.from_state_vector(
            name, norad_id, self.epoch, self.position_m, self.velocity_m_s, frame=self.frame
        )


#: The orbit of one satellite: which member applies is said by its ``kind``.
OrbitSource = Annotated[
    TLEOrbit | OMMOrbit | FileOrbit | StateVectorOrbit, Field(discriminator="kind")
]
