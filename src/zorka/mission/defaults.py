"""The missions shipped inside zorka, so that it runs with no configuration at all.

They live as YAML files in ``zorka/data/missions/`` and are read like any user's file; the
comments in them say where every orbit comes from.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from zorka.mission.errors import MissionError, MissionIssue
from zorka.mission.loading import parse_mission
from zorka.mission.model import Mission

__all__ = ["DEFAULT_MISSION", "default_mission", "default_mission_path", "list_default_missions"]

#: The mission zorka uses when none is given.
DEFAULT_MISSION = "by"


def _missions_dir() -> Path:
    return Path(str(resources.files("zorka").joinpath("data", "missions")))


def list_default_missions() -> list[str]:
    """Names of the embedded missions, e.g. ``['by', 'by-2015']``."""
    return sorted(p.stem for p in _missions_dir().glob("*.yaml"))


def default_mission_path(name: str = DEFAULT_MISSION) -> Path:
    """The file of an embedded mission (a copy is a good start for a mission of one's own)."""
    path = _missions_dir() / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(list_default_missions()) or "none"
        raise MissionError(
            [MissionIssue("", f"no embedded mission named {name!r}; there are: {known}")]
        )
    return path


def default_mission(name: str = DEFAULT_MISSION) -> Mission:
    """An embedded mission by name (``by``: the BKA / Kanopus-V group, Minsk and Logoisk)."""
    path = default_mission_path(name)
    return parse_mission(
        path.read_text(encoding="utf-8"),
        source=f"{name}.yaml (embedded)",
        base_dir=path.parent,
    )
