"""A simulator for every satellite of a mission, each on its own pair of loopback ports.

Satellite ``i`` of the fleet (in mission order) takes CLTUs on ``tc_port + i`` and sends its
CADUs to ``tm_port + i``, so that one ground process per satellite (``zorka tm ingest --link
udp://127.0.0.1:PORT``) sees one spacecraft. The spacecraft model takes its power budget,
sensor, downlink and memory from the mission's spacecraft model where the mission gives them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from zorka.control.mdb.model import MissionDatabase
from zorka.mission.model import Mission
from zorka.simulator.simulator import SatelliteSimulator
from zorka.simulator.spacecraft import SpacecraftModel

__all__ = ["fleet_simulators", "spacecraft_model"]


def spacecraft_model(mission: Mission, name: str) -> SpacecraftModel:
    """The model of satellite ``name`` with the mission's numbers (defaults where it has none)."""
    spec = next((s for s in mission.satellites if s.name == name), None)
    options: dict[str, Any] = {}
    if spec is not None:
        if spec.power is not None:
            options["power"] = spec.power
        if spec.sensor is not None:
            options["sensor"] = spec.sensor
        if spec.downlink is not None:
            options["downlink"] = spec.downlink
        if spec.memory_gbit is not None:
            options["memory_mbit"] = spec.memory_gbit * 1000.0
    return SpacecraftModel(name, **options)


def fleet_simulators(
    mission: Mission,
    mdb: MissionDatabase,
    *,
    tm_port: int,
    tc_port: int,
    names: list[str] | None = None,
    time_factor: float = 1.0,
    start: datetime | str | None = None,
    payload_dir: str | Path | None = None,
) -> tuple[list[SatelliteSimulator], list[str]]:
    """Simulators (not started) for the mission's satellites, and the problems of those left out.

    ``names`` picks satellites by name (all when None); ``start`` defaults to the mission's demo
    start, so that the orbits are used near their epochs.
    """
    satellites, problems = mission.fleet()
    if names:
        unknown = sorted(set(names) - {s.name for s in satellites})
        problems += [f"{n}: no such satellite with an orbit in {mission.name}" for n in unknown]
    if start is None and mission.demo is not None:
        start = mission.demo.start
    simulators = []
    for i, satellite in enumerate(satellites):
        if names and satellite.name not in names:
            continue
        simulators.append(
            SatelliteSimulator(
                satellite,
                mdb,
                tm_port=tm_port + i,
                tc_port=tc_port + i,
                model=spacecraft_model(mission, satellite.name),
                time_factor=time_factor,
                start=start,
                payload_dir=payload_dir,
            )
        )
    return simulators, problems
