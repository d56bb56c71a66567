"""The plan: what each satellite images and when, when the data comes down, and what was left out.

A plan is plain data, written as JSON (``zorka schema plan``) and read back unchanged
(:meth:`Plan.from_json` / :meth:`Plan.to_json`). It carries a copy of the requests it was made
for, so that :mod:`zorka.planning.checker` can check it against the mission alone. Volumes are in
gigabits, energy in watt-hours, angles in degrees; roll and pitch are those of
:mod:`zorka.geometry.sensor` (roll positive looking right of the track, pitch positive forward).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from zorka.mission.fields import SPEC_CONFIG, Range, UtcTime
from zorka.mission.schemas import register_schema
from zorka.planning.requests import RequestSet

__all__ = [
    "REASONS",
    "Acquisition",
    "CustomerShare",
    "Downlink",
    "Plan",
    "Sample",
    "SatelliteProfile",
    "Served",
    "SolverStatistics",
    "Unserved",
    "plan_json_schema",
]

#: Why a request was left out of a plan.
Reason = Literal["no_access", "conflict", "memory", "energy", "lower_value", "invalid"]
REASONS: tuple[str, ...] = ("no_access", "conflict", "memory", "energy", "lower_value", "invalid")

NonNegative = Annotated[float, Range(0, None)]


class Acquisition(BaseModel):
    """One image: a satellite dwelling on a point, or imaging a strip of an area at fixed roll.

    ``roll_deg``/``pitch_deg`` are the pointing at ``start``, ``end_roll_deg``/``end_pitch_deg``
    at ``end`` (equal for a strip). ``occurrence`` is the period of a repeated request (0
    otherwise), ``look`` the first (0) or second (1) look of a stereo pair.
    """

    model_config = SPEC_CONFIG

    id: str = Field(min_length=1, description="acquisition id, unique within the plan")
    satellite: str = Field(description="satellite name, as in the mission")
    request: str = Field(description="id of the request it serves")
    kind: Literal["point", "strip"] = Field(description="a point dwell or an area strip")
    start: UtcTime = Field(description="imaging starts, ISO-8601 UTC")
    end: UtcTime = Field(description="imaging ends, ISO-8601 UTC")
    roll_deg: float = Field(description="roll at start, degrees")
    pitch_deg: float = Field(description="pitch at start, degrees")
    end_roll_deg: float = Field(description="roll at end, degrees")
    end_pitch_deg: float = Field(description="pitch at end, degrees")
    volume_gbit: NonNegative = Field(description="data written to on-board memory, gigabits")
    occurrence: Annotated[int, Range(0, None)] = Field(
        default=0, description="period of a repeated request"
    )
    look: Literal[0, 1] = Field(default=0, description="look of a stereo pair")
    covered_km2: NonNegative | None = Field(
        default=None, description="strips: the area of the request inside the strip, km²"
    )
    strip: dict[str, Any] | None = Field(
        default=None, description="strips: the footprint, a GeoJSON geometry"
    )

    @property
    def duration_s(self) -> float:
        """Imaging time, seconds."""
        return (self.end - self.start).total_seconds()


class Downlink(BaseModel):
    """Data sent to a station during one of its passes."""

    model_config = SPEC_CONFIG

    id: str = Field(min_length=1, description="downlink id, unique within the plan")
    satellite: str = Field(description="satellite name")
    station: str = Field(description="ground station name")
    start: UtcTime = Field(description="transmission starts, ISO-8601 UTC")
    end: UtcTime = Field(description="transmission ends, ISO-8601 UTC")
    volume_gbit: NonNegative = Field(description="data sent, gigabits")
    acquisitions: list[str] = Field(description="ids of the acquisitions whose data is sent")


class Sample(BaseModel):
    """A value at an instant of a profile."""

    model_config = SPEC_CONFIG

    time: UtcTime = Field(description="ISO-8601 UTC")
    value: float = Field(description="the value then")


class SatelliteProfile(BaseModel):
    """How full a satellite's memory and battery are through the plan (at every change)."""

    model_config = SPEC_CONFIG

    satellite: str = Field(description="satellite name")
    memory_gbit: list[Sample] = Field(description="data on board, gigabits")
    battery_wh: list[Sample] = Field(description="energy in the battery, watt-hours")


class Served(BaseModel):
    """A request in the plan, and the value it earns."""

    model_config = SPEC_CONFIG

    request: str = Field(description="request id")
    customer: str = Field(description="customer")
    fraction: Annotated[float, Range(0, 1)] = Field(
        description="part served: area covered, or periods imaged"
    )
    value: NonNegative = Field(description="value earned (weight x fraction x clear-sky chance)")


class Unserved(BaseModel):
    """A request left out, and why."""

    model_config = SPEC_CONFIG

    request: str = Field(description="request id")
    customer: str | None = Field(default=None, description="customer")
    reason: Reason = Field(description="the main reason")
    detail: str = Field(default="", description="the reason in words")
    fits: bool = Field(
        default=False,
        description="one of its opportunities fits the final plan as it is and would earn value",
    )


class CustomerShare(BaseModel):
    """What a customer asked for and got."""

    model_config = SPEC_CONFIG

    customer: str = Field(description="customer")
    quota: float | None = Field(default=None, description="its quota of the served value")
    demand: NonNegative = Field(description="value of all its requests")
    value: NonNegative = Field(description="value served")
    share: Annotated[float, Range(0, 1)] = Field(description="its share of the served value")
    requests: Annotated[int, Range(0, None)] = Field(description="its requests")
    served: Annotated[int, Range(0, None)] = Field(description="of which (partly) served")
    within_tolerance: bool | None = Field(
        default=None,
        description="its share is within the quota tolerance of its quota",
    )
    demand_allows: bool | None = Field(
        default=None,
        description="serving all its requests in full would lift its share to quota - tolerance",
    )


class SolverStatistics(BaseModel):
    """How the plan was made."""

    model_config = SPEC_CONFIG

    solver: str = Field(description="which planner")
    seconds: NonNegative = Field(description="planning time (opportunities included), seconds")
    opportunities: Annotated[int, Range(0, None)] = Field(description="candidate acquisitions")
    iterations: Annotated[int, Range(0, None)] = Field(default=0, description="improvement rounds")
    improvements: Annotated[int, Range(0, None)] = Field(
        default=0, description="rounds that improved the plan"
    )
    greedy_objective: float | None = Field(
        default=None, description="objective of the constructive plan, before improvement"
    )


class Plan(BaseModel):
    """An acquisition and downlink plan for a fleet over a horizon."""

    model_config = SPEC_CONFIG

    mission: str = Field(description="name of the mission (an embedded one, or a file's)")
    start: UtcTime = Field(description="horizon start, ISO-8601 UTC")
    end: UtcTime = Field(description="horizon end, ISO-8601 UTC")
    objective: float = Field(description="sum of the values of the served requests")
    upper_bound: float | None = Field(
        default=None, description="a bound no plan can exceed, where the solver gives one"
    )
    acquisitions: list[Acquisition] = Field(default_factory=list, description="images")
    downlinks: list[Downlink] = Field(default_factory=list, description="data to the ground")
    profiles: list[SatelliteProfile] = Field(
        default_factory=list, description="memory and battery of every satellite"
    )
    served: list[Served] = Field(default_factory=list, description="requests served")
    unserved: list[Unserved] = Field(default_factory=list, description="requests left out")
    customers: list[CustomerShare] = Field(default_factory=list, description="per customer")
    statistics: SolverStatistics | None = Field(default=None, description="solver statistics")
    requests: RequestSet = Field(description="the requests the plan was made for")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (unset optional fields left out)."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """The plan as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """A plan from JSON text (raises ``pydantic.ValidationError`` naming the bad field)."""
        return cls.model_validate_json(text)

    @classmethod
    def read(cls, path: str | Path) -> Plan:
        """A plan from a JSON file."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def acquisitions_of(self, satellite: str) -> list[Acquisition]:
        """One satellite's acquisitions, by start."""
        return sorted(
            (a for a in self.acquisitions if a.satellite == satellite), key=lambda a: a.start
        )


def plan_json_schema() -> dict[str, Any]:
    """The JSON Schema of plan files (draft 2020-12)."""
    schema = Plan.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "zorka plan",
        **{key: value for key, value in schema.items() if key != "title"},
    }


register_schema(
    "plan",
    "plans: acquisitions, downlinks, memory and battery profiles, requests left out",
    "zorka.planning.plan:plan_json_schema",
)
