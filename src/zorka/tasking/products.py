"""What can be ordered: the fleet's panchromatic and multispectral imaging products.

A product is what a customer orders (``pan`` or ``ms``, the values of
:attr:`zorka.planning.Request.product`), with the satellites that can take it, each with its
access limits from the mission's spacecraft model. The *order parameters* are the conditions a
customer may put on an order; they only tighten the sensor's own limits. The *queryables* are the
opportunity properties a search may filter on with CQL2 (STAC names, as the catalogued items that
fulfil orders carry them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from zorka.geometry.access import AccessLimits
from zorka.mission import Mission
from zorka.orbits.satellite import Satellite

__all__ = [
    "MS_GSD_FACTOR",
    "QUERYABLES",
    "ImagingProduct",
    "OrderParameters",
    "fleet_products",
]

#: Ground sample distance of the multispectral bands relative to the panchromatic one. The mission
#: describes a sensor by its best channel; Kanopus-V's MSS has 10.5 m against the PSS's 2.1 m
#: (ISPRS Archives XXXIX-B4, 2012, quoted in the embedded mission files).
MS_GSD_FACTOR = 5.0

ProductKind = Literal["pan", "ms"]


class OrderParameters(BaseModel):
    """The conditions an order may set; each tightens the sensors' limits, never loosens them.

    ``max_cloud_pct`` is handed to the planner with the request (it weighs cloud forecasts); the
    access computation has no clouds.
    """

    model_config = ConfigDict(extra="forbid", title="zorka imaging order parameters")

    max_off_nadir_deg: float | None = Field(
        default=None, gt=0, lt=90, description="largest acceptable off-nadir angle, degrees"
    )
    min_sun_elevation_deg: float | None = Field(
        default=None, ge=-90, le=90, description="lowest acceptable sun elevation, degrees"
    )
    max_cloud_pct: float | None = Field(
        default=None, ge=0, le=100, description="largest acceptable cloud cover, percent"
    )


#: Opportunity properties a search may filter on (CQL2), as a JSON Schema.
QUERYABLES: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "title": "Opportunity queryables",
    "properties": {
        "platform": {"type": "string", "description": "satellite name"},
        "view:off_nadir": {
            "type": "number",
            "minimum": 0,
            "maximum": 90,
            "description": "off-nadir angle of the look, degrees",
        },
        "view:sun_elevation": {
            "type": "number",
            "minimum": -90,
            "maximum": 90,
            "description": "sun elevation over the target, degrees",
        },
        "view:incidence_angle": {
            "type": "number",
            "minimum": 0,
            "maximum": 90,
            "description": "incidence angle at the target, degrees",
        },
        "gsd": {"type": "number", "minimum": 0, "description": "ground sample distance, metres"},
    },
    "additionalProperties": True,
}


@dataclass(frozen=True)
class ImagingProduct:
    """One orderable product and the satellites that can take it (with their limits)."""

    id: ProductKind
    title: str
    description: str
    gsd_m: float
    swath_km: float
    satellites: tuple[Satellite, ...]
    limits: tuple[AccessLimits, ...]
    sensors: tuple[Any, ...]
    #: the product's ground sampling over the sensor's best channel's (1 for panchromatic)
    gsd_factor: float = 1.0

    @property
    def satellite_names(self) -> list[str]:
        """The satellites that can take it."""
        return [s.name for s in self.satellites]

    @property
    def queryables(self) -> dict[str, Any]:
        """The JSON Schema of the opportunity properties a search may filter on."""
        return QUERYABLES

    @staticmethod
    def order_parameters_schema() -> dict[str, Any]:
        """The JSON Schema of :class:`OrderParameters`."""
        return OrderParameters.model_json_schema()


def fleet_products(mission: Mission, satellites: list[Satellite]) -> list[ImagingProduct]:
    """The ``pan`` and ``ms`` products of the satellites of ``mission`` that carry an imager.

    ``satellites`` are the mission's built orbits (:meth:`Mission.fleet`); a satellite without a
    sensor in its spacecraft model cannot take images and is left out. No imager at all: no
    product.
    """
    specs = {s.norad_id: s for s in mission.satellites}
    chosen: list[Satellite] = []
    limits: list[AccessLimits] = []
    sensors: list[Any] = []
    for sat in satellites:
        spec = specs.get(sat.norad_id)
        if spec is None or spec.sensor is None:
            continue
        sensor = spec.sensor
        pitch = spec.agility.max_pitch_deg if spec.agility is not None else 0.0
        sun = None if sensor.type == "infrared" else sensor.min_sun_elevation_deg
        off = sensor.max_off_nadir_deg
        chosen.append(sat)
        limits.append(AccessLimits(off, min(pitch, off), sun, sensor.gsd_m))
        sensors.append(sensor)
    if not chosen:
        return []
    gsd = min(s.gsd_m for s in sensors)
    swath = max(s.swath_km for s in sensors)
    names = ", ".join(s.name for s in chosen)
    ms_gsd = gsd * MS_GSD_FACTOR

    def product(kind: ProductKind, title: str, description: str, factor: float) -> ImagingProduct:
        return ImagingProduct(
            kind,
            title,
            description,
            gsd * factor,
            swath,
            tuple(chosen),
            tuple(limits),
            tuple(sensors),
            factor,
        )

    return [
        product(
            "pan",
            f"Panchromatic image, {_metres(gsd)}",
            f"One panchromatic band at {_metres(gsd)} ground sampling at nadir, {swath:g} km"
            f" swath, from {names} ({mission.name}).",
            1.0,
        ),
        product(
            "ms",
            f"Multispectral image, {_metres(ms_gsd)}",
            f"Multispectral bands at {_metres(ms_gsd)} ground sampling at nadir, from {names}"
            f" ({mission.name}).",
            MS_GSD_FACTOR,
        ),
    ]


def _metres(value: float) -> str:
    return f"{value:g} m" if math.isfinite(value) else "unknown resolution"
