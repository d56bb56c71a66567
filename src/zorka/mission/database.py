"""Each satellite's mission database: the telemetry and commands of its spacecraft model.

A satellite names its database in the mission file (``database: bka``): an embedded database by
name, or a zorka YAML (or XTCE ``.xml``) file whose relative path starts at the mission file's
folder. A file of that name wins over an embedded database of the same name.

The database package imports the mission's field types, so it is imported here only when a
database is actually wanted.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from zorka.mission.errors import MissionError, MissionIssue
from zorka.mission.model import Mission, SatelliteSpec

if TYPE_CHECKING:
    from zorka.control.mdb.model import MissionDatabase

__all__ = ["database_location", "satellite_database"]


def _index(mission: Mission, satellite: str) -> tuple[int, SatelliteSpec]:
    for i, spec in enumerate(mission.satellites):
        if spec.name == satellite:
            return i, spec
    known = ", ".join(s.name for s in mission.satellites) or "none"
    raise MissionError(
        [
            MissionIssue(
                "satellites",
                f"no satellite named {satellite!r} in mission {mission.name}; there are: {known}",
                source=mission.source,
            )
        ]
    )


def database_location(spec: SatelliteSpec, base_dir: Path | None = None) -> str | Path | None:
    """Where a satellite's database is: a file (:class:`~pathlib.Path`), the name of an embedded
    database (``str``), or ``None`` when the mission gives none.

    A reference that is neither an existing file nor an embedded name comes back as the path it
    would be, so that the error names the file that is missing.
    """
    from zorka.control.mdb.loading import list_default_mdbs

    if spec.database is None:
        return None
    path = Path(spec.database).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if path.is_file():
        return path
    if spec.database in list_default_mdbs():
        return spec.database
    return path


def satellite_database(mission: Mission, satellite: str) -> MissionDatabase:
    """The mission database of satellite ``satellite`` of ``mission``.

    Raises :class:`~zorka.mission.errors.MissionError` naming ``satellites[i].database`` when
    the satellite is unknown, names no database, or its database cannot be read or is invalid.
    """
    from zorka.control.mdb.loading import MdbError, default_mdb, list_default_mdbs, load_mdb

    i, spec = _index(mission, satellite)
    where = f"satellites[{i}].database"
    location = database_location(spec, mission.base_dir)

    def fail(message: str) -> MissionError:
        return MissionError([MissionIssue(where, f"{satellite}: {message}", source=mission.source)])

    if location is None:
        raise fail(
            "the mission names no database for this satellite; add `database:` with an"
            f" embedded name ({', '.join(list_default_mdbs())}) or a file"
        )
    try:
        if isinstance(location, str):
            return default_mdb(location)
        if not location.is_file():
            raise fail(
                f"{spec.database!r} is neither a file ({location}) nor an embedded database"
                f" ({', '.join(list_default_mdbs())})"
            )
        return load_mdb(location)
    except MdbError as exc:
        problems = "; ".join(str(issue) for issue in exc.issues[:5])
        more = f" (and {len(exc.issues) - 5} more)" if len(exc.issues) > 5 else ""
        raise fail(f"the database {location} is not valid: {problems}{more}") from None
    except OSError as exc:
        raise fail(f"cannot read the database {location}: {exc.strerror or exc}") from None
