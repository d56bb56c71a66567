"""Customer requests: what to image, for whom, how much it is worth, and under what conditions.

A request file is YAML (or JSON) with ``customers`` and ``requests``, or a GeoJSON
FeatureCollection whose features are requests (the feature's ``id`` and ``properties`` hold the
fields, its ``geometry`` the target; a foreign member ``customers`` lists the customers). Every
request is checked on its own: a bad one is reported with its id and field, and the others are
still read (:func:`read_requests`).

Units are in the names: ``weight`` is the value of serving the request, ``max_cloud_pct`` the
cloud cover the customer still accepts, ``cloud_probability`` the forecast chance (0..1) that the
scene is cloudier than that, which lowers the expected value of imaging it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator
from pydantic import model_validator as _model_validator

from zorka.geometry.targets import AreaTarget, PointTarget, Target, read_targets
from zorka.mission.fields import SPEC_CONFIG, Range, UtcTime
from zorka.mission.schemas import register_schema
from zorka.time import format_utc

__all__ = [
    "FULL_COVERAGE",
    "PRODUCT_RATE_FRACTION",
    "Customer",
    "Geometry",
    "Repeat",
    "Request",
    "RequestIssue",
    "RequestSet",
    "Stereo",
    "demo_requests_path",
    "parse_requests",
    "read_requests",
    "requests_json_schema",
]

Product = Literal["pan", "ms", "pan+ms"]

#: Share of a sensor's ``imaging_rate_mbps`` each product writes to memory. The mission gives one
#: rate for all channels; Kanopus-V's split is one panchromatic band at 2.1 m and four
#: multispectral bands at 10.5 m, i.e. 4 / 25 = 0.16 of the panchromatic pixels.
PRODUCT_RATE_FRACTION: dict[str, float] = {"pan": 1.0 / 1.16, "ms": 0.16 / 1.16, "pan+ms": 1.0}

#: An area that does not accept partial imaging counts as served from this covered fraction on:
#: the checker's footprints are traced more coarsely than the planner's strips.
FULL_COVERAGE = 0.95

#: Dwell of a point acquisition when the request gives none: a scene a few swaths long.
DEFAULT_POINT_DURATION_S = 5.0


class Geometry(BaseModel):
    """A GeoJSON geometry (RFC 7946): a Point, Polygon or MultiPolygon in longitude/latitude."""

    model_config = SPEC_CONFIG

    type: Literal["Point", "Polygon", "MultiPolygon"] = Field(description="GeoJSON geometry type")
    coordinates: list[Any] = Field(description="GeoJSON coordinates, longitude first")


class Stereo(BaseModel):
    """Two looks at the target from the same pass, seen from directions this far apart."""

    model_config = SPEC_CONFIG

    min_convergence_deg: Annotated[float, Range(0, 90, "degrees")] = Field(
        default=10.0, description="smallest angle between the two lines of sight, degrees"
    )
    max_convergence_deg: Annotated[float, Range(0, 90, "degrees", lo_open=True)] = Field(
        default=30.0, description="largest angle between the two lines of sight, degrees"
    )

    @_model_validator(mode="after")
    def _ordered(self) -> Stereo:
        if self.min_convergence_deg > self.max_convergence_deg:
            raise ValueError(
                f"min_convergence_deg {self.min_convergence_deg:g} is above max_convergence_deg"
                f" {self.max_convergence_deg:g}"
            )
        return self


class Repeat(BaseModel):
    """Image the target once in every period of the request's window (give one of the two)."""

    model_config = SPEC_CONFIG

    every_hours: Annotated[float, Range(0, 8760, "hours", lo_open=True)] | None = Field(
        default=None, description="period, hours"
    )
    every_days: Annotated[float, Range(0, 365, "days", lo_open=True)] | None = Field(
        default=None, description="period, days"
    )

    @_model_validator(mode="after")
    def _one(self) -> Repeat:
        if (self.every_hours is None) == (self.every_days is None):
            raise ValueError("give exactly one of every_hours and every_days")
        return self

    @property
    def period_s(self) -> float:
        """The period, seconds."""
        if self.every_hours is not None:
            return self.every_hours * 3600.0
        assert self.every_days is not None
        return self.every_days * 86400.0


class Request(BaseModel):
    """One customer request."""

    model_config = SPEC_CONFIG

    id: str = Field(min_length=1, description="request id, unique within the file")
    customer: str = Field(min_length=1, description="who asked (a name from `customers`)")
    geometry: Geometry = Field(description="the target: a Point, Polygon or MultiPolygon")
    product: Product = Field(default="pan", description="pan, ms (multispectral) or pan+ms")
    weight: Annotated[float, Range(0, 1e6, "", lo_open=True)] = Field(
        default=1.0, description="value of serving the request (priority)"
    )
    earliest: UtcTime = Field(description="the image may be taken from this time, ISO-8601 UTC")
    latest: UtcTime = Field(description="and must be taken by this time, ISO-8601 UTC")
    max_off_nadir_deg: Annotated[float, Range(0, 90, "degrees", lo_open=True)] | None = Field(
        default=None, description="largest acceptable off-nadir angle, degrees"
    )
    min_sun_elevation_deg: Annotated[float, Range(-90, 90, "degrees")] | None = Field(
        default=None, description="lowest acceptable sun elevation over the target, degrees"
    )
    max_cloud_pct: Annotated[float, Range(0, 100, "%")] | None = Field(
        default=None, description="largest acceptable cloud cover, percent"
    )
    cloud_probability: Annotated[float, Range(0, 1, "")] | None = Field(
        default=None,
        description="forecast chance that the scene is cloudier than max_cloud_pct (0..1);"
        " the request's value is lowered by it",
    )
    duration_s: Annotated[float, Range(0, 3600, "s", lo_open=True)] | None = Field(
        default=None,
        description=f"points: how long the sensor dwells, seconds (default"
        f" {DEFAULT_POINT_DURATION_S:g})",
    )
    sensor_type: Literal["optical", "infrared"] | None = Field(
        default=None, description="only satellites with this type of sensor"
    )
    stereo: Stereo | None = Field(default=None, description="points: two looks from one pass")
    repeat: Repeat | None = Field(default=None, description="image once in every period")
    accept_partial: bool = Field(
        default=False, description="areas: credit in proportion to the area covered"
    )

    _target: Target | None = PrivateAttr(default=None)

    @field_validator("geometry")
    @classmethod
    def _valid_geometry(cls, geometry: Geometry) -> Geometry:
        _build_target("request", geometry)
        return geometry

    @_model_validator(mode="after")
    def _consistent(self) -> Request:
        if self.latest <= self.earliest:
            raise ValueError(
                f"latest ({format_utc(self.latest, digits=0)}) is not after earliest"
                f" ({format_utc(self.earliest, digits=0)})"
            )
        if self.stereo is not None and self.geometry.type != "Point":
            raise ValueError("stereo is for point targets; an area is imaged in strips")
        if self.stereo is not None and self.repeat is not None:
            raise ValueError("a request is either stereo or repeated, not both")
        return self

    @property
    def target(self) -> Target:
        """The target, named by the request id, carrying the request's angle and sun limits."""
        if self._target is None:
            self._target = _build_target(
                self.id, self.geometry, self.max_off_nadir_deg, self.min_sun_elevation_deg
            )
        return self._target

    @property
    def is_area(self) -> bool:
        """True for a polygon."""
        return isinstance(self.target, AreaTarget)

    @property
    def point_duration_s(self) -> float:
        """Dwell of each point acquisition, seconds."""
        return self.duration_s if self.duration_s is not None else DEFAULT_POINT_DURATION_S

    @property
    def expected_weight(self) -> float:
        """The weight lowered by the chance of cloud."""
        return self.weight * (1.0 - (self.cloud_probability or 0.0))

    def occurrences(self) -> list[tuple[datetime, datetime]]:
        """The periods in each of which the target must be imaged once (one without repeat)."""
        if self.repeat is None:
            return [(self.earliest, self.latest)]
        step = timedelta(seconds=self.repeat.period_s)
        out = []
        t = self.earliest
        while t < self.latest:
            out.append((t, min(t + step, self.latest)))
            t += step
        return out

    def credit(self, per_occurrence: list[float]) -> float:
        """The fraction of the request served, from what each period got: for points 1 or 0
        (imaged, with both looks if stereo), for areas the covered fraction."""
        if not per_occurrence:
            return 0.0
        parts = []
        for got in per_occurrence:
            if self.is_area and not self.accept_partial:
                parts.append(1.0 if got >= FULL_COVERAGE else 0.0)
            else:
                parts.append(min(1.0, max(0.0, got)))
        return sum(parts) / len(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, unset fields left out."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        return data


def _build_target(
    name: str,
    geometry: Geometry,
    max_off_nadir_deg: float | None = None,
    min_sun_elevation_deg: float | None = None,
) -> Target:
    props: dict[str, Any] = {}
    if max_off_nadir_deg is not None:
        props["max_off_nadir_deg"] = max_off_nadir_deg
    if min_sun_elevation_deg is not None:
        props["min_sun_elevation_deg"] = min_sun_elevation_deg
    feature = {
        "type": "Feature",
        "id": name,
        "properties": props,
        "geometry": geometry.model_dump(),
    }
    targets, errors = read_targets({"type": "FeatureCollection", "features": [feature]})
    if errors:
        raise ValueError(errors[0].reason)
    if len(targets) != 1 or not isinstance(targets[0], PointTarget | AreaTarget):
        raise ValueError("the geometry must be one point or one area")
    return targets[0]


class Customer(BaseModel):
    """A customer (a partner sharing the fleet) and its quota of the served value."""

    model_config = SPEC_CONFIG

    name: str = Field(min_length=1, description="customer name, as requests give it")
    quota: Annotated[float, Range(0, 1, "")] | None = Field(
        default=None, description="share of the served value this customer is due (0..1)"
    )
    description: str | None = Field(default=None, description="who the customer is")


class RequestSet(BaseModel):
    """A request file: the customers and their requests."""

    model_config = SPEC_CONFIG

    description: str | None = Field(default=None, description="what these requests are")
    quota_tolerance: Annotated[float, Range(0, 1, "")] = Field(
        default=0.05,
        description="a customer's share of the served value may differ this much from its quota",
    )
    customers: list[Customer] = Field(default_factory=list, description="the customers")
    requests: list[Request] = Field(default_factory=list, description="the requests")

    def by_id(self) -> dict[str, Request]:
        """The requests by id."""
        return {r.id: r for r in self.requests}

    def quotas(self) -> dict[str, float]:
        """The quota of each customer that has one."""
        return {c.name: c.quota for c in self.customers if c.quota is not None}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, unset fields left out."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        return data


@dataclass(frozen=True)
class RequestIssue:
    """A problem with one request (or with the file): which request, which field, what."""

    request: str | None
    field: str
    message: str
    source: str | None = None

    def __str__(self) -> str:
        head = f"{self.source}: " if self.source else ""
        who = f"request {self.request}: " if self.request else ""
        where = f"{self.field}: " if self.field else ""
        return f"{head}{who}{where}{self.message}"


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as text, for pydantic to parse as UTC."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for elem in loc:
        if isinstance(elem, int):
            out += f"[{elem}]"
        elif elem in ("function-after", "function-before"):
            continue
        else:
            out += f".{elem}" if out else str(elem)
    return out


def _raw_requests(doc: Any) -> tuple[list[Any], dict[str, Any]]:
    """The request entries and the file-level fields, from either form of request file."""
    if not isinstance(doc, Mapping):
        raise ValueError(
            "a request file is a mapping with 'requests', or a GeoJSON FeatureCollection"
        )
    if doc.get("type") == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise ValueError("the FeatureCollection has no 'features' list")
        entries: list[Any] = []
        for feature in features:
            if not isinstance(feature, Mapping):
                entries.append(feature)
                continue
            props = dict(feature.get("properties") or {})
            if feature.get("id") is not None:
                props.setdefault("id", str(feature["id"]))
            props["geometry"] = feature.get("geometry")
            entries.append(props)
        rest = {k: v for k, v in doc.items() if k not in ("type", "features", "bbox")}
        return entries, rest
    raw = doc.get("requests", [])
    if not isinstance(raw, list):
        raise ValueError("'requests' must be a list")
    return raw, {k: v for k, v in doc.items() if k != "requests"}


def parse_requests(doc: Any, source: str | None = None) -> tuple[RequestSet, list[RequestIssue]]:
    """Requests from parsed data; every valid request is kept and every bad one reported."""
    issues: list[RequestIssue] = []
    try:
        entries, rest = _raw_requests(doc)
    except ValueError as exc:
        return RequestSet(), [RequestIssue(None, "", str(exc), source)]
    try:
        head = RequestSet.model_validate(rest)
    except ValidationError as exc:
        for e in exc.errors():
            issues.append(RequestIssue(None, _field_path(e["loc"]), e["msg"], source))
        head = RequestSet()
    known = {c.name for c in head.customers}
    total_quota = sum(head.quotas().values())
    if total_quota > 1.0 + 1e-9:
        issues.append(
            RequestIssue(
                None, "customers", f"the quotas add up to {total_quota:g}, above 1", source
            )
        )
    kept: list[Request] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(entries):
        ident = raw.get("id") if isinstance(raw, Mapping) else None
        label = str(ident) if isinstance(ident, str | int) and str(ident) else f"#{i}"
        if not isinstance(raw, Mapping):
            issues.append(RequestIssue(label, "", "is not a mapping of fields", source))
            continue
        try:
            request = Request.model_validate(dict(raw))
        except ValidationError as exc:
            for e in exc.errors():
                message = str(e["msg"]).removeprefix("Value error, ")
                issues.append(RequestIssue(label, _field_path(e["loc"]), message, source))
            continue
        if request.id in seen:
            issues.append(
                RequestIssue(label, "id", f"also the id of request #{seen[request.id]}", source)
            )
            continue
        if known and request.customer not in known:
            issues.append(
                RequestIssue(
                    label,
                    "customer",
                    f"{request.customer!r} is not among the customers: {', '.join(sorted(known))}",
                    source,
                )
            )
            continue
        seen[request.id] = i
        kept.append(request)
    return head.model_copy(update={"requests": kept}), issues


def read_requests(
    source: str | Path | Mapping[str, Any],
) -> tuple[RequestSet, list[RequestIssue]]:
    """Requests from a file (YAML, JSON or GeoJSON), from text, or from parsed data.

    Returns the valid requests and one issue per problem; a request with a problem is left out
    and the others kept. A file that cannot be read at all is one issue with no request.
    """
    if isinstance(source, Mapping):
        return parse_requests(source)
    text: str
    where: str | None
    if isinstance(source, Path) or ("\n" not in source and not source.lstrip().startswith("{")):
        path = Path(source)
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            return RequestSet(), [RequestIssue(None, "", f"cannot read: {exc.strerror}", where)]
    else:
        text, where = source, None
    try:
        doc = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        return RequestSet(), [RequestIssue(None, "", f"not YAML or JSON{line}", where)]
    return parse_requests(doc, where)


def demo_requests_path() -> Path:
    """The embedded demo request file (synthetic requests for the mission ``by``)."""
    from importlib import resources

    return Path(str(resources.files("zorka").joinpath("data", "requests", "demo.yaml")))


def requests_json_schema() -> dict[str, Any]:
    """The JSON Schema of request files (draft 2020-12), YAML/JSON form.

    The GeoJSON form carries the same request fields in each feature's ``properties``.
    """
    schema = RequestSet.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "zorka request file",
        **{key: value for key, value in schema.items() if key != "title"},
    }


register_schema(
    "requests",
    "request files: customers, quotas and imaging requests (YAML, JSON or GeoJSON)",
    "zorka.planning.requests:requests_json_schema",
)
