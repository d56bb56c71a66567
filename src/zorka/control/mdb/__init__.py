"""The mission database: parameters, packets and commands as data (zorka YAML, XTCE import).

:mod:`~zorka.control.mdb.model` holds the definitions, :mod:`~zorka.control.mdb.loading` reads,
checks and writes zorka's YAML, :mod:`~zorka.control.mdb.xtce` imports XTCE files (its layers:
``xtce_documents``, ``xtce_types``, ``xtce_containers``, ``xtce_commands``).
"""

from zorka.control.mdb.loading import (
    MdbError,
    MdbIssue,
    database_issues,
    default_mdb,
    dump_mdb,
    list_default_mdbs,
    load_mdb,
    mdb_json_schema,
    parse_mdb,
)
from zorka.control.mdb.model import (
    Argument,
    ArgumentType,
    Calibration,
    Command,
    CommandEntry,
    Comparison,
    Container,
    ContextCalibration,
    Encoding,
    Entry,
    LimitRange,
    Limits,
    MissionDatabase,
    OnboardTime,
    Parameter,
    ParameterType,
    Verifier,
)
from zorka.control.mdb.xtce import XtceImport, XtceIssue, parse_xtce, read_xtce
from zorka.mission.schemas import register_schema

__all__ = [
    "Argument",
    "ArgumentType",
    "Calibration",
    "Command",
    "CommandEntry",
    "Comparison",
    "Container",
    "ContextCalibration",
    "Encoding",
    "Entry",
    "LimitRange",
    "Limits",
    "MdbError",
    "MdbIssue",
    "MissionDatabase",
    "OnboardTime",
    "Parameter",
    "ParameterType",
    "Verifier",
    "XtceImport",
    "XtceIssue",
    "database_issues",
    "default_mdb",
    "dump_mdb",
    "list_default_mdbs",
    "load_mdb",
    "mdb_json_schema",
    "parse_mdb",
    "parse_xtce",
    "read_xtce",
]

register_schema(
    "mdb",
    "mission databases: parameters, packets, commands (zorka YAML)",
    "zorka.control.mdb.loading:mdb_json_schema",
)
