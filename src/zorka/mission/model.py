"""The mission: satellites (orbit source and spacecraft model), ground stations, a demo clock.

A :class:`Mission` is plain data, validated on construction. It builds what the rest of zorka
computes with only when asked: :meth:`Mission.fleet` gives SGP4 satellites (a bad orbit is
reported and the others still built), :meth:`Mission.ground_stations` gives geometry's stations.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import yaml
from pydantic import BaseModel, Field, PrivateAttr

from zorka.mission.errors import MissionIssue
from zorka.mission.fields import SPEC_CONFIG, Range, UtcTime
from zorka.mission.orbit_source import OrbitSource
from zorka.mission.spacecraft import Agility, Downlink, Power, Sensor
from zorka.mission.station import StationSpec
from zorka.orbits.tle import alpha5_decode

if TYPE_CHECKING:
    from zorka.geometry.stations import GroundStation
    from zorka.orbits.satellite import Satellite

__all__ = ["Demo", "Mission", "SatelliteSpec", "consistency_issues", "mission_json_schema"]

# SGP4 elements lose about a kilometre a day in low orbit; a month away from the epoch a pass time
# is already off by minutes, which is what "never propagate for years" guards against.
_EPOCH_WARNING_DAYS = 30.0


class SatelliteSpec(BaseModel):
    """One satellite: identity, orbit source and (optionally) its spacecraft model."""

    model_config = SPEC_CONFIG

    name: str = Field(min_length=1, description="satellite name, unique within the mission")
    norad_id: Annotated[int, Range(1, 339_999)] = Field(
        description="NORAD catalog number (the entry picked from orbit files)"
    )
    cospar_id: str | None = Field(
        default=None,
        pattern=r"^\d{4}-\d{3}[A-Z]{1,3}$",
        description="international designator, e.g. 2012-039B",
    )
    orbit: OrbitSource = Field(description="where the orbit comes from")
    sensor: Sensor | None = Field(default=None, description="imaging instrument")
    agility: Agility | None = Field(default=None, description="attitude manoeuvre limits")
    memory_gbit: Annotated[float, Range(0, 1e9, "Gbit", lo_open=True)] | None = Field(
        default=None, description="on-board mass memory for payload data, gigabits"
    )
    power: Power | None = Field(default=None, description="power budget")
    downlink: Downlink | None = Field(default=None, description="payload data downlink")
    database: str | None = Field(
        default=None,
        min_length=1,
        description="mission database of its telemetry and commands: the name of an embedded"
        " one (`bka`), or a zorka YAML or XTCE file, relative to the mission file's folder",
    )

    def build(self, base_dir: Path | None = None) -> Satellite:
        """The satellite's orbit, ready for propagation (raises on a bad orbit)."""
        return self.orbit.build(self.name, self.norad_id, base_dir)


class Demo(BaseModel):
    """The demo clock: a window near the epochs of the mission's orbits."""

    model_config = SPEC_CONFIG

    start: UtcTime = Field(description="start of the demo window, ISO-8601 UTC")
    hours: Annotated[float, Range(0, 744, "hours", lo_open=True)] = Field(
        default=24.0, description="length of the demo window, hours (at most 31 days)"
    )

    @property
    def end(self) -> datetime:
        """End of the demo window."""
        return self.start + timedelta(hours=self.hours)


class Mission(BaseModel):
    """A mission file: the fleet, the ground network and the demo clock."""

    model_config = SPEC_CONFIG

    name: str = Field(min_length=1, description="short name of the mission")
    description: str | None = Field(default=None, description="what this mission is")
    epoch_note: str | None = Field(
        default=None, description="the epochs of the orbits and why the demo clock is where it is"
    )
    demo: Demo | None = Field(default=None, description="the window `zorka demo` uses")
    satellites: list[SatelliteSpec] = Field(default_factory=list, description="the fleet")
    stations: list[StationSpec] = Field(default_factory=list, description="the ground network")

    _source: str | None = PrivateAttr(default=None)
    _base_dir: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> str | None:
        """The file (or embedded resource) the mission was read from, if any."""
        return self._source

    @property
    def base_dir(self) -> Path | None:
        """The folder that relative orbit-file paths start from."""
        return self._base_dir

    def located(self, source: str | None, base_dir: Path | None) -> Mission:
        """This mission, remembering where it was read from (``base_dir`` anchors orbit files)."""
        self._source = source
        self._base_dir = base_dir
        return self

    def build_fleet(
        self, base_dir: Path | None = None
    ) -> tuple[list[Satellite], list[MissionIssue]]:
        """Every satellite whose orbit could be built, and one issue per satellite that failed."""
        base = base_dir if base_dir is not None else self._base_dir
        satellites: list[Satellite] = []
        issues: list[MissionIssue] = []
        for i, spec in enumerate(self.satellites):
            where = f"satellites[{i}].orbit"
            try:
                satellite = spec.build(base)
            # The builders live in other modules and fail in many ways (bad elements, missing
            # files, a fit that does not converge); one satellite's failure must not stop the rest.
            except Exception as exc:
                issues.append(MissionIssue(where, f"{spec.name}: {exc}", source=self._source))
                continue
            # Trace the orbit to the mission entry, its stated provenance, and (for files and
            # fits) the builder's own note: the file and line, or the fit residual.
            parts = [f"{self._source or 'mission'} {where}"]
            if spec.orbit.provenance:
                parts.append(spec.orbit.provenance.strip())
            if spec.orbit.kind in ("file", "state_vector"):
                parts.append(satellite.source)
            satellite.source = "; ".join(parts)
            satellites.append(satellite)
        return satellites, issues

    def fleet(self, base_dir: Path | None = None) -> tuple[list[Satellite], list[str]]:
        """The satellites whose orbits could be built, and a message for each that could not.

        Relative orbit-file paths start at ``base_dir``, by default the mission file's folder.
        """
        satellites, issues = self.build_fleet(base_dir)
        return satellites, [str(issue) for issue in issues]

    def ground_stations(self) -> list[GroundStation]:
        """The stations as geometry uses them."""
        return [station.ground_station() for station in self.stations]

    def consistency_issues(self) -> list[MissionIssue]:
        """Errors no single field shows: duplicate names and ids, orbits of another satellite."""
        return consistency_issues(self.to_dict(), source=self._source)

    def warnings(self, satellites: list[Satellite] | None = None) -> list[MissionIssue]:
        """Things that work but are probably not meant: orbits far from the demo clock, a downlink
        band no station receives, a database that is not there. Pass the built fleet to check
        epochs."""
        from zorka.mission.database import database_location

        found: list[MissionIssue] = []
        for i, sat in enumerate(self.satellites):
            location = database_location(sat, self._base_dir)
            if isinstance(location, Path) and not location.is_file():
                found.append(
                    MissionIssue(
                        f"satellites[{i}].database",
                        f"{sat.database!r} is neither a file ({location}) nor an embedded"
                        " database; commanding this satellite needs one",
                        source=self._source,
                        severity="warning",
                    )
                )
        receivers = [s for s in self.stations if s.capabilities.payload_downlink]
        for i, sat in enumerate(self.satellites):
            if sat.downlink is None or not receivers:
                continue
            # A station that lists no bands has not said; only a station that lists them can miss.
            if all(
                s.capabilities.bands and sat.downlink.band not in s.capabilities.bands
                for s in receivers
            ):
                found.append(
                    MissionIssue(
                        f"satellites[{i}].downlink.band",
                        f"no payload-downlink station lists band {sat.downlink.band}",
                        source=self._source,
                        severity="warning",
                    )
                )
        if self.demo is not None and satellites:
            index = {spec.norad_id: i for i, spec in enumerate(self.satellites)}
            for satellite in satellites:
                days = abs((self.demo.start - satellite.epoch) / timedelta(days=1))
                if days > _EPOCH_WARNING_DAYS:
                    found.append(
                        MissionIssue(
                            f"satellites[{index.get(satellite.norad_id, '?')}].orbit",
                            f"{satellite.name}: epoch {satellite.epoch:%Y-%m-%d} is {days:,.0f}"
                            f" days from demo.start; SGP4 drifts kilometres per day, so use an"
                            f" orbit within {_EPOCH_WARNING_DAYS:g} days of the demo",
                            source=self._source,
                            severity="warning",
                        )
                    )
        return found

    def to_dict(self) -> dict[str, Any]:
        """The mission as JSON-ready data (unset optional sections left out)."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """The mission as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_yaml(self) -> str:
        """The mission as YAML text that :func:`zorka.mission.parse_mission` reads back."""
        text: str = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)
        return text


def _norad_of(orbit: dict[str, Any]) -> tuple[str, int] | None:
    """The catalog number an orbit source names itself, and the key that holds it."""
    if orbit.get("kind") == "tle" and isinstance(orbit.get("line1"), str):
        try:
            return "line1", alpha5_decode(orbit["line1"][2:7])
        except ValueError:
            return None
    record = orbit.get("record")
    if orbit.get("kind") == "omm" and isinstance(record, dict) and "NORAD_CAT_ID" in record:
        try:
            return "record.NORAD_CAT_ID", int(record["NORAD_CAT_ID"])
        except (TypeError, ValueError):
            return None
    return None


def consistency_issues(data: Any, source: str | None = None) -> list[MissionIssue]:
    """Errors across fields of mission data (as read, valid or not): duplicate satellite names,
    NORAD ids and station names, and an orbit that names another satellite.

    It works on raw data so that these are reported together with field errors, not after them.
    """
    issues: list[MissionIssue] = []
    if not isinstance(data, dict):
        return issues

    def entries(key: str) -> list[tuple[int, dict[str, Any]]]:
        items = data.get(key)
        if not isinstance(items, list):
            return []
        return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]

    def unique(key: str, field: str, fold: bool) -> None:
        seen: dict[Any, int] = {}
        for i, item in entries(key):
            value = item.get(field)
            if value is None or isinstance(value, dict | list):
                continue
            first = seen.setdefault(
                value.casefold() if fold and isinstance(value, str) else value, i
            )
            if first != i:
                issues.append(
                    MissionIssue(
                        f"{key}[{i}].{field}",
                        f"{value!r} is also {key}[{first}]'s {field}; each must be unique",
                        source=source,
                    )
                )

    unique("satellites", "name", fold=True)
    unique("satellites", "norad_id", fold=False)
    unique("stations", "name", fold=True)
    for i, sat in entries("satellites"):
        orbit, norad_id = sat.get("orbit"), sat.get("norad_id")
        if not isinstance(orbit, dict) or not isinstance(norad_id, int):
            continue
        named = _norad_of(orbit)
        if named is not None and named[1] != norad_id:
            issues.append(
                MissionIssue(
                    f"satellites[{i}].orbit.{named[0]}",
                    f"the orbit is for NORAD {named[1]}, but the satellite's norad_id"
                    f" is {norad_id}",
                    source=source,
                )
            )
    return issues


def mission_json_schema() -> dict[str, Any]:
    """The JSON Schema of mission files (draft 2020-12)."""
    schema = Mission.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "zorka mission file",
        **{key: value for key, value in schema.items() if key != "title"},
    }
