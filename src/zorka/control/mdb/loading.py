"""Reading and writing mission databases, with every problem named by its path in the file.

Pydantic checks each definition on its own; :func:`database_issues` then checks what links them
(a container's base exists, an entry names a parameter, a comparison's value is a label of the
parameter's enumeration, no inheritance cycle, ...). All problems are reported, not the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from zorka.control.mdb.model import (
    Argument,
    Command,
    CommandEntry,
    Comparison,
    Container,
    Entry,
    MissionDatabase,
    ParameterType,
)

__all__ = [
    "MdbError",
    "MdbIssue",
    "database_issues",
    "default_mdb",
    "dump_mdb",
    "list_default_mdbs",
    "load_mdb",
    "mdb_json_schema",
    "parse_mdb",
]


@dataclass(frozen=True)
class MdbIssue:
    """One problem in a database: where (``containers[3].restriction[0]``) and what."""

    path: str
    message: str
    source: str | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        head = f"{self.source}: " if self.source else ""
        label = "warning: " if self.severity == "warning" else ""
        path = f"{self.path}: " if self.path else ""
        return f"{head}{label}{path}{self.message}"


class MdbError(ValueError):
    """A database that cannot be used; ``issues`` holds every problem found."""

    def __init__(self, issues: Sequence[MdbIssue]) -> None:
        self.issues = list(issues)
        count = len(self.issues)
        head = f"{count} problem{'s' if count != 1 else ''} in the mission database"
        super().__init__("\n".join([head, *(f"  {issue}" for issue in self.issues)]))


def _format_path(loc: Iterable[str | int]) -> str:
    out = ""
    for elem in loc:
        if isinstance(elem, int):
            out += f"[{elem}]"
        else:
            out += f".{elem}" if out else str(elem)
    return out


def _is_tag(elem: str) -> bool:
    return elem[:1].isupper() or "[" in elem or elem in ("str", "int", "float", "bool")


def mdb_json_schema() -> dict[str, Any]:
    """The JSON Schema of zorka mission database files (draft 2020-12)."""
    schema = MissionDatabase.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "zorka mission database",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def parse_mdb(data: Any, source: str | None = None) -> MissionDatabase:
    """A database from plain data (a parsed YAML document); raises :class:`MdbError`."""
    try:
        mdb = MissionDatabase.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = list(err["loc"])
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = f"unknown key {loc.pop()!r}"
            # pydantic names union members in the location (str, ParameterType, ...); the file
            # does not, and its own keys are all snake_case
            loc = [e for e in loc if not (isinstance(e, str) and _is_tag(e))]
            issues.append(MdbIssue(_format_path(loc), message, source))
        raise MdbError(issues) from None
    problems = [i for i in database_issues(mdb, source) if i.severity == "error"]
    if problems:
        raise MdbError(problems)
    return mdb


def load_mdb(path: str | Path) -> MissionDatabase:
    """Read a database from a YAML file (or an XTCE file, by its ``.xml`` suffix)."""
    path = Path(path)
    if path.suffix.lower() == ".xml":
        from zorka.control.mdb.xtce import read_xtce

        return read_xtce(path).database
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MdbError([MdbIssue("", f"not valid YAML: {exc}", str(path))]) from None
    return parse_mdb(data, str(path))


_DATA = Path(__file__).resolve().parents[2] / "data" / "mdb"


def list_default_mdbs() -> list[str]:
    """Names of the databases shipped with zorka (``bka``: synthetic, for the demo fleet)."""
    return sorted(p.stem for p in _DATA.glob("*.yaml"))


def default_mdb(name: str = "bka") -> MissionDatabase:
    """A database shipped with zorka, by name."""
    path = _DATA / f"{name}.yaml"
    if not path.is_file():
        raise LookupError(f"no embedded database {name!r}; there are: {list_default_mdbs()}")
    return load_mdb(path)


def dump_mdb(mdb: MissionDatabase) -> str:
    """The database as zorka YAML (defaults left out); :func:`parse_mdb` reads it back."""
    data = mdb.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# -- cross-references ------------------------------------------------------------------------


class _Checker:
    def __init__(self, mdb: MissionDatabase, source: str | None) -> None:
        self.mdb = mdb
        self.source = source
        self.issues: list[MdbIssue] = []

    def error(self, path: str, message: str) -> None:
        self.issues.append(MdbIssue(path, message, self.source))

    def unique(self, names: list[str], what: str, key: str) -> None:
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                self.error(f"{key}[{i}].name", f"{what} {name!r} is defined twice")
            seen.add(name)

    def ptype(self, path: str, ref: str | ParameterType, table: dict[str, Any]) -> Any:
        if isinstance(ref, str):
            if ref not in table:
                self.error(f"{path}.type", f"no type named {ref!r}")
                return None
            return table[ref]
        return ref

    def comparison(self, path: str, comp: Comparison) -> None:
        try:
            ptype = self.mdb.parameter_type(comp.parameter)
        except KeyError:
            self.error(f"{path}.parameter", f"no parameter named {comp.parameter!r}")
            return
        value = comp.value
        if comp.raw:
            if isinstance(value, str):
                self.error(f"{path}.value", "a raw comparison needs a number")
            return
        if ptype.kind == "enumerated":
            labels = ptype.enumeration or {}
            if value not in labels:
                self.error(
                    f"{path}.value",
                    f"{value!r} is not a label of {comp.parameter}; one of {sorted(labels)}",
                )
        elif ptype.kind == "boolean":
            if not isinstance(value, bool) and value not in (ptype.true_label, ptype.false_label):
                self.error(
                    f"{path}.value",
                    f"{comp.parameter} is boolean: true, false, "
                    f"{ptype.true_label!r} or {ptype.false_label!r}",
                )
        elif ptype.kind in ("integer", "float"):
            if isinstance(value, str | bool):
                self.error(f"{path}.value", f"{comp.parameter} is a number, not {value!r}")
        elif comp.operator not in ("==", "!="):
            self.error(f"{path}.operator", f"{ptype.kind} values compare with == or != only")

    def type_refs(self, path: str, ptype: ParameterType) -> None:
        if ptype.encoding.size_from is not None and ptype.encoding.size_from not in (
            self.mdb._parameters
        ):
            self.error(f"{path}.encoding.size_from", f"no parameter {ptype.encoding.size_from!r}")
        for i, cal in enumerate(ptype.context_calibrations):
            for j, comp in enumerate(cal.when):
                self.comparison(f"{path}.context_calibrations[{i}].when[{j}]", comp)
        for i, limits in enumerate(ptype.limits):
            for j, comp in enumerate(limits.when):
                self.comparison(f"{path}.limits[{i}].when[{j}]", comp)

    def container(self, i: int, container: Container) -> None:
        path = f"containers[{i}]"
        if container.base is not None and container.base not in self.mdb._containers:
            self.error(f"{path}.base", f"no container named {container.base!r}")
            return
        try:
            chain = self.mdb.container_chain(container.name)
        except (ValueError, KeyError) as exc:
            self.error(f"{path}.base", str(exc))
            return
        above = {p for c in chain[:-1] for p in _entry_parameters(self.mdb, c)}
        for j, comp in enumerate(container.restriction):
            self.comparison(f"{path}.restriction[{j}]", comp)
            if comp.parameter in self.mdb._parameters and comp.parameter not in above:
                self.error(
                    f"{path}.restriction[{j}].parameter",
                    f"{comp.parameter!r} is not in a base container of {container.name!r}",
                )
        for j, entry in enumerate(container.entries):
            ref = Entry(parameter=entry) if isinstance(entry, str) else entry
            if ref.parameter is not None and ref.parameter not in self.mdb._parameters:
                self.error(f"{path}.entries[{j}]", f"no parameter named {ref.parameter!r}")
            if ref.container is not None and ref.container not in self.mdb._containers:
                self.error(f"{path}.entries[{j}].container", f"no container {ref.container!r}")

    def command(self, i: int, command: Command) -> None:
        path = f"commands[{i}]"
        if command.base is not None and command.base not in self.mdb._commands:
            self.error(f"{path}.base", f"no command named {command.base!r}")
            return
        try:
            chain = self.mdb.command_chain(command.name)
        except (ValueError, KeyError) as exc:
            self.error(f"{path}.base", str(exc))
            return
        inherited = {a.name for c in chain[:-1] for a in c.arguments}
        for name in command.assignments:
            if name not in inherited:
                self.error(f"{path}.assignments.{name}", "not an argument of a base command")
        own = {a.name for a in command.arguments}
        for j, arg in enumerate(command.arguments):
            self.argument(f"{path}.arguments[{j}]", arg)
        for j, entry in enumerate(command.entries):
            ref = CommandEntry(argument=entry) if isinstance(entry, str) else entry
            if ref.argument is not None and ref.argument not in own | inherited:
                self.error(f"{path}.entries[{j}]", f"no argument named {ref.argument!r}")
        for j, verifier in enumerate(command.verifiers):
            if verifier.container is not None and verifier.container not in self.mdb._containers:
                self.error(
                    f"{path}.verifiers[{j}].container", f"no container {verifier.container!r}"
                )
            for k, comp in enumerate(verifier.when):
                self.comparison(f"{path}.verifiers[{j}].when[{k}]", comp)

    def argument(self, path: str, arg: Argument) -> None:
        atype = self.ptype(path, arg.type, self.mdb.argument_types)
        if atype is None or arg.default is None:
            return
        rng = atype.valid_range
        value = arg.default
        if atype.kind == "enumerated" and value not in (atype.enumeration or {}):
            self.error(f"{path}.default", f"{value!r} is not a label of the enumeration")
        elif (
            rng is not None
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and (
                (rng.min is not None and value < rng.min)
                or (rng.max is not None and value > rng.max)
            )
        ):
            self.error(f"{path}.default", f"{value} is outside {rng.min}..{rng.max}")


def _entry_parameters(mdb: MissionDatabase, container: Container) -> list[str]:
    out = []
    for entry in container.entries:
        if isinstance(entry, str):
            out.append(entry)
        elif entry.parameter is not None:
            out.append(entry.parameter)
        elif entry.container is not None and entry.container in mdb._containers:
            out += _entry_parameters(mdb, mdb.container(entry.container))
    return out


def database_issues(mdb: MissionDatabase, source: str | None = None) -> list[MdbIssue]:
    """Every broken reference between the definitions of ``mdb``."""
    check = _Checker(mdb, source)
    check.unique([p.name for p in mdb.parameters], "parameter", "parameters")
    check.unique([c.name for c in mdb.containers], "container", "containers")
    check.unique([c.name for c in mdb.commands], "command", "commands")
    for name, ptype in mdb.parameter_types.items():
        check.type_refs(f"parameter_types.{name}", ptype)
    for i, param in enumerate(mdb.parameters):
        resolved = check.ptype(f"parameters[{i}]", param.type, mdb.parameter_types)
        if resolved is not None and not isinstance(param.type, str):
            check.type_refs(f"parameters[{i}].type", resolved)
    for i, container in enumerate(mdb.containers):
        check.container(i, container)
    for i, command in enumerate(mdb.commands):
        check.command(i, command)
    if mdb.onboard_time is not None:
        for key in ("coarse", "fine"):
            name = getattr(mdb.onboard_time, key)
            if name is not None and name not in {p.name for p in mdb.parameters}:
                check.error(f"onboard_time.{key}", f"no parameter named {name!r}")
    return check.issues
