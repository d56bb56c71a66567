"""The spacecraft simulator: satellites on their real orbits behind CCSDS links on loopback.

``spacecraft`` is the model (power, memory, attitude, payload, thermal, faults), ``payload``
the acquisitions and their raw data, ``simulator`` one satellite in a thread with its TC and TM
links, and ``fleet`` a simulator for every satellite of a mission. ``zorka simulate`` runs it.
"""

from zorka.simulator.fleet import fleet_simulators
from zorka.simulator.payload import Acquisition, raw_image
from zorka.simulator.simulator import (
    LOOPBACK,
    ReportContainers,
    SatelliteSimulator,
    SimulationClock,
    SimulatorCounts,
)
from zorka.simulator.spacecraft import FAULTS, CommandRefusedError, FaultKind, SpacecraftModel

__all__ = [
    "FAULTS",
    "LOOPBACK",
    "Acquisition",
    "CommandRefusedError",
    "FaultKind",
    "ReportContainers",
    "SatelliteSimulator",
    "SimulationClock",
    "SimulatorCounts",
    "SpacecraftModel",
    "fleet_simulators",
    "raw_image",
]
