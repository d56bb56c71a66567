"""Ground stations as a mission file describes them: place, visibility limit, what they do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, Field, field_validator

from zorka.mission.fields import SPEC_CONFIG, Range
from zorka.mission.spacecraft import Band

if TYPE_CHECKING:
    from zorka.geometry.stations import GroundStation

__all__ = [
    "CAPABILITY_PAYLOAD_DOWNLINK",
    "CAPABILITY_TELEMETRY_COMMAND",
    "HorizonPoint",
    "StationCapabilities",
    "StationSpec",
    "band_capability",
]

#: Capability strings of :class:`~zorka.geometry.stations.GroundStation` built from a mission.
CAPABILITY_TELEMETRY_COMMAND = "telemetry_command"
CAPABILITY_PAYLOAD_DOWNLINK = "payload_downlink"

# Below -5 degrees a "pass" would be seen through the Earth from any real site; at 90 nothing is.
Elevation = Annotated[float, Range(-5, 90, "degrees", hi_open=True)]


def band_capability(band: str) -> str:
    """The capability string of a radio band, e.g. ``band:X``."""
    return f"band:{band}"


class HorizonPoint(BaseModel):
    """One point of a horizon mask: the lowest usable elevation at one azimuth."""

    model_config = SPEC_CONFIG

    azimuth_deg: Annotated[float, Range(0, 360, "degrees")] = Field(
        description="azimuth, degrees clockwise from north"
    )
    elevation_deg: Elevation = Field(description="lowest usable elevation there, degrees")


class StationCapabilities(BaseModel):
    """What a station is for: commanding and telemetry, payload reception, and its radio bands."""

    model_config = SPEC_CONFIG

    telemetry_command: bool = Field(
        default=True, description="the station receives telemetry and sends commands"
    )
    payload_downlink: bool = Field(default=True, description="the station receives payload data")
    bands: list[Band] = Field(default_factory=list, description="radio bands the station serves")

    def as_set(self) -> frozenset[str]:
        """The capabilities as the strings :class:`GroundStation` carries."""
        names = {band_capability(b) for b in self.bands}
        if self.telemetry_command:
            names.add(CAPABILITY_TELEMETRY_COMMAND)
        if self.payload_downlink:
            names.add(CAPABILITY_PAYLOAD_DOWNLINK)
        return frozenset(names)


class StationSpec(BaseModel):
    """A ground station: geodetic position on WGS84, minimum elevation, optional horizon mask."""

    model_config = SPEC_CONFIG

    name: str = Field(min_length=1, description="station name, unique within the mission")
    latitude_deg: Annotated[float, Range(-90, 90, "degrees")] = Field(
        description="geodetic latitude (WGS84), degrees north"
    )
    longitude_deg: Annotated[float, Range(-180, 360, "degrees")] = Field(
        description="longitude, degrees east (-180..180, or 0..360)"
    )
    altitude_m: Annotated[float, Range(-500, 9000, "m")] = Field(
        default=0.0, description="height above the WGS84 ellipsoid, metres"
    )
    min_elevation_deg: Elevation = Field(
        default=0.0, description="lowest elevation at which the station tracks, degrees"
    )
    horizon_mask: list[HorizonPoint] | None = Field(
        default=None,
        min_length=1,
        description="terrain or building mask: elevation limit by azimuth, interpolated linearly",
    )
    capabilities: StationCapabilities = Field(
        default_factory=StationCapabilities, description="what the station is used for"
    )

    @field_validator("horizon_mask")
    @classmethod
    def _distinct_azimuths(cls, mask: list[HorizonPoint] | None) -> list[HorizonPoint] | None:
        if mask is not None:
            seen: set[float] = set()
            for point in mask:
                az = point.azimuth_deg % 360.0
                if az in seen:
                    raise ValueError(
                        f"azimuth {point.azimuth_deg:g} appears twice (0 and 360 are the same);"
                        " give each azimuth one elevation"
                    )
                seen.add(az)
        return mask

    def ground_station(self) -> GroundStation:
        """The station as geometry uses it."""
        from zorka.geometry.stations import GroundStation

        mask = None
        if self.horizon_mask:
            mask = tuple((p.azimuth_deg, p.elevation_deg) for p in self.horizon_mask)
        return GroundStation(
            name=self.name,
            latitude_deg=self.latitude_deg,
            longitude_deg=self.longitude_deg,
            altitude_m=self.altitude_m,
            min_elevation_deg=self.min_elevation_deg,
            horizon_mask=mask,
            capabilities=self.capabilities.as_set(),
        )
