"""Mission files: the fleet (orbits and spacecraft models), the ground stations, the demo clock.

>>> from zorka.mission import default_mission
>>> mission = default_mission("by")
>>> [s.name for s in mission.stations]
['Minsk', 'Logoisk']
"""

from zorka.mission.database import database_location, satellite_database
from zorka.mission.defaults import (
    DEFAULT_MISSION,
    default_mission,
    default_mission_path,
    list_default_missions,
)
from zorka.mission.errors import MissionError, MissionIssue
from zorka.mission.loading import check_mission, load_mission, parse_mission, read_mission
from zorka.mission.model import Demo, Mission, SatelliteSpec, mission_json_schema
from zorka.mission.orbit_source import (
    FileOrbit,
    OMMOrbit,
    OrbitSource,
    StateVectorOrbit,
    TLEOrbit,
)
from zorka.mission.spacecraft import Agility, Band, Downlink, Power, Sensor
from zorka.mission.station import HorizonPoint, StationCapabilities, StationSpec

__all__ = [
    "DEFAULT_MISSION",
    "Agility",
    "Band",
    "Demo",
    "Downlink",
    "FileOrbit",
    "HorizonPoint",
    "Mission",
    "MissionError",
    "MissionIssue",
    "OMMOrbit",
    "OrbitSource",
    "Power",
    "SatelliteSpec",
    "Sensor",
    "StateVectorOrbit",
    "StationCapabilities",
    "StationSpec",
    "TLEOrbit",
    "check_mission",
    "database_location",
    "default_mission",
    "default_mission_path",
    "list_default_missions",
    "load_mission",
    "mission_json_schema",
    "parse_mission",
    "read_mission",
    "satellite_database",
]
