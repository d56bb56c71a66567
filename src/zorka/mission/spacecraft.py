"""The spacecraft model of a mission file: sensor, agility, power and downlink.

These are the numbers planning needs to decide what a satellite can do: how far it can look off
nadir, how fast it can turn, how much it can store and how fast it can empty its memory. A mission
used only for pass predictions may leave them out.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from zorka.mission.fields import SPEC_CONFIG, Range

__all__ = ["Agility", "Band", "Downlink", "Power", "Sensor"]

#: Radio bands by their usual letter names.
Band = Literal["VHF", "UHF", "L", "S", "C", "X", "Ku", "K", "Ka"]


class Sensor(BaseModel):
    """The imaging instrument, described by its best (usually panchromatic) channel."""

    model_config = SPEC_CONFIG

    type: Literal["optical", "infrared"] = Field(
        description="optical needs daylight (min_sun_elevation_deg); infrared also works at night"
    )
    gsd_m: Annotated[float, Range(0, 10_000, "m", lo_open=True)] = Field(
        description="ground sample distance at nadir, metres"
    )
    swath_km: Annotated[float, Range(0, 5_000, "km", lo_open=True)] = Field(
        description="swath width at nadir, kilometres"
    )
    max_off_nadir_deg: Annotated[float, Range(0, 90, "degrees", hi_open=True)] = Field(
        description="largest angle between the line of sight and nadir, degrees"
    )
    min_sun_elevation_deg: Annotated[float, Range(-90, 90, "degrees")] = Field(
        default=10.0,
        description="lowest sun elevation over the target at which images are useful, degrees"
        " (-90 for a sensor that images at night)",
    )
    imaging_rate_mbps: Annotated[float, Range(0, 1e6, "Mbit/s", lo_open=True)] = Field(
        description="data written to on-board memory while imaging, megabits per second"
    )


class Agility(BaseModel):
    """How fast the satellite can re-point between two images."""

    model_config = SPEC_CONFIG

    max_slew_rate_deg_s: Annotated[float, Range(0, 90, "deg/s", lo_open=True)] = Field(
        description="largest angular rate of a slew, degrees per second"
    )
    max_slew_accel_deg_s2: Annotated[float, Range(0, 90, "deg/s²", lo_open=True)] = Field(
        description="largest angular acceleration of a slew, degrees per second squared"
    )
    settling_time_s: Annotated[float, Range(0, 600, "s")] = Field(
        default=0.0, description="time to damp out the slew before imaging, seconds"
    )
    max_pitch_deg: Annotated[float, Range(0, 90, "degrees", hi_open=True)] = Field(
        default=0.0,
        description="largest along-track pointing angle (pitch), degrees; 0 for a satellite that"
        " only rolls and images each point as it passes abeam",
    )


class Power(BaseModel):
    """A one-battery power budget: loads while idle, imaging and slewing, and charge in sunlight."""

    model_config = SPEC_CONFIG

    battery_wh: Annotated[float, Range(0, 1e6, "Wh", lo_open=True)] = Field(
        description="usable battery capacity, watt-hours"
    )
    idle_w: Annotated[float, Range(0, 1e5, "W")] = Field(
        description="platform consumption with the payload off, watts"
    )
    imaging_w: Annotated[float, Range(0, 1e5, "W")] = Field(
        description="consumption while imaging (platform included), watts"
    )
    slew_w: Annotated[float, Range(0, 1e5, "W")] = Field(
        description="consumption while slewing (platform included), watts"
    )
    sunlit_charge_w: Annotated[float, Range(0, 1e5, "W")] = Field(
        description="power delivered to the battery in sunlight, watts"
    )
    min_battery_fraction: Annotated[float, Range(0, 1, "", hi_open=True)] = Field(
        default=0.3,
        description="the battery must never be planned below this fraction of battery_wh",
    )


class Downlink(BaseModel):
    """The payload-data radio link to the ground."""

    model_config = SPEC_CONFIG

    band: Band = Field(description="radio band of the payload downlink")
    rate_mbps: Annotated[float, Range(0, 1e6, "Mbit/s", lo_open=True)] = Field(
        description="downlink data rate, megabits per second (all channels together)"
    )
