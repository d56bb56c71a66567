"""XTCE (OMG XML Telemetric and Command Exchange, 1.1 and 1.2) to a zorka mission database.

XTCE files are not portable: each tool reads a dialect of them. This importer takes what maps
onto zorka's database exactly and reports everything else with the element's path in the file,
so that a user knows what is missing instead of finding out from a wrong value:

- a parameter type it cannot represent leaves its parameters out; a container entry for such a
  parameter becomes spare bits when its size is fixed, and otherwise the container is left out
  (its layout after that point would be guesswork); containers and commands that depend on a
  left-out one are left out in turn;
- an element with no effect on decoding that zorka does not keep (a trigger, a default rate) is
  reported as ignored;
- documentation (headers, long descriptions, aliases, ancillary data) is skipped silently.

Aggregate parameters are flattened into one parameter per member, ``PARENT.member``. Names stay
plain when they are unique over all the files read, and become their space-system path otherwise.
Several files can be read together (Yamcs's PUS files refer to each other's types); references
are resolved as XTCE says (relative to the space system, then its parents), then by a unique
name anywhere.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zorka.control.mdb.loading import database_issues
from zorka.control.mdb.model import MissionDatabase
from zorka.control.mdb.xtce_documents import (
    _SILENT,
    XtceIssue,
    _doc,
    _local,
)

__all__ = ["XtceImport", "XtceIssue", "parse_xtce", "read_xtce"]
from zorka.control.mdb.xtce_commands import _CommandReader


@dataclass
class XtceImport:
    """The imported database and the list of what was not imported."""

    database: MissionDatabase
    issues: list[XtceIssue] = field(default_factory=list)

    def report(self) -> str:
        """One line per issue, for people."""
        return "\n".join(str(issue) for issue in self.issues)


class _Importer(_CommandReader):
    """The whole import: documents, types, containers and commands, and what was left."""

    def unhandled(self) -> Iterator[ET.Element]:
        """Top-most elements nobody looked at."""
        for root in self.roots:
            stack = [root]
            while stack:
                elem = stack.pop()
                if elem not in self.handled:
                    if _local(elem.tag) not in _SILENT:
                        yield elem
                    continue
                stack.extend(reversed(list(elem)))


def _prune(db: MissionDatabase, report: Callable[[str, str], None]) -> MissionDatabase:
    """Drop the containers, commands and parameters whose references are broken, until none are."""
    for _ in range(20):
        issues = database_issues(db)
        if not issues:
            return db
        drop: dict[str, set[int]] = {"containers": set(), "commands": set(), "parameters": set()}
        for issue in issues:
            match = re.match(r"(containers|commands|parameters)\[(\d+)\]", issue.path)
            if match:
                index = int(match.group(2))
                if index not in drop[match.group(1)]:
                    item = getattr(db, match.group(1))[index]
                    report(f"{match.group(1)[:-1]} {item.name!r} left out", issue.message)
                drop[match.group(1)].add(index)
            else:
                report("database check", f"{issue.path}: {issue.message}")
                return db
        db = MissionDatabase(
            **{
                **db.model_dump(exclude={"containers", "commands", "parameters"}),
                **{
                    key: [x for i, x in enumerate(getattr(db, key)) if i not in drop[key]]
                    for key in drop
                },
            }
        )
    return db


def parse_xtce(documents: Sequence[tuple[str, bytes | str]], name: str | None = None) -> XtceImport:
    """Import XTCE documents given as ``(source name, XML text)``; they may refer to each other."""
    importer = _Importer()
    for source, text in documents:
        root = ET.fromstring(text)
        importer.add_file(root, source)
    importer.register_parameters()
    importer.build_types()
    parameters = importer.build_parameters()
    containers = importer.build_containers()
    commands = importer.build_commands()
    db_name = name or re.sub(r"[^A-Za-z0-9_.:/\-]", "_", importer.roots[0].get("name", "xtce"))
    db = MissionDatabase(
        name=db_name,
        description=_doc(importer.roots[0]),
        parameter_types=importer.out_ptypes,
        parameters=parameters,
        containers=containers,
        argument_types=importer.out_atypes,
        commands=commands,
    )
    pruned: list[XtceIssue] = []

    def report(what: str, message: str) -> None:
        pruned.append(XtceIssue(f"(database) {what}", message))

    db = _prune(db, report)
    issues = importer.issues + pruned
    for elem in importer.unhandled():
        issues.append(
            XtceIssue(
                importer.path(elem),
                f"{_local(elem.tag)} is not supported and was skipped",
                "ignored",
            )
        )
    return XtceImport(db, issues)


def read_xtce(*paths: str | Path, name: str | None = None) -> XtceImport:
    """Import one or more XTCE files (read together, in the order given)."""
    if not paths:
        raise ValueError("read_xtce needs at least one file")
    documents = [(Path(p).name, Path(p).read_bytes()) for p in paths]
    return parse_xtce(documents, name)
