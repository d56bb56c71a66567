"""XTCE import, the documents: reading the XML, names and references, element paths, issues."""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from zorka.control.mdb.model import ArgumentType, ParameterType

__all__ = ["XtceIssue"]


_SILENT = {"Header", "LongDescription", "AliasSet", "AncillaryDataSet", "NoteSet", "Note"}


@dataclass(frozen=True)
class XtceIssue:
    """Something of an XTCE file that was not imported: the element's path, and what happened."""

    path: str
    message: str
    severity: Literal["unsupported", "ignored"] = "unsupported"

    def __str__(self) -> str:
        return f"{self.path}: {self.severity}: {self.message}"


class _UnsupportedError(Exception):
    def __init__(self, elem: ET.Element, message: str, size_bits: int | None = None) -> None:
        super().__init__(message)
        self.elem = elem
        self.message = message
        self.size_bits = size_bits


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kids(elem: ET.Element, tag: str) -> list[ET.Element]:
    return [c for c in elem if _local(c.tag) == tag]


def _kid(elem: ET.Element | None, *path: str) -> ET.Element | None:
    for tag in path:
        if elem is None:
            return None
        found = _kids(elem, tag)
        elem = found[0] if found else None
    return elem


def _number(text: str) -> int | float:
    try:
        return int(text, 0) if not re.fullmatch(r"-?0\d+", text) else int(text)
    except ValueError:
        return float(text)


def _duration_s(text: str) -> float:
    match = re.fullmatch(r"-?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?", text.strip())
    if not match:
        raise ValueError(f"not an xs:duration: {text!r}")
    d, h, m, s = (float(x) if x else 0.0 for x in match.groups())
    return ((d * 24 + h) * 60 + m) * 60 + s


def _doc(elem: ET.Element) -> str | None:
    short = elem.get("shortDescription")
    if short:
        return short
    long = _kid(elem, "LongDescription")
    return long.text.strip() if long is not None and long.text else None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(x) for x in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


@dataclass
class _Def:
    elem: ET.Element
    space: str


class _DocumentReader:
    """The XML of the files read: definitions by qualified name, element paths, issues."""

    def __init__(self) -> None:
        self.parents: dict[ET.Element, ET.Element] = {}
        self.sources: dict[ET.Element, str] = {}
        self.roots: list[ET.Element] = []
        self.handled: set[ET.Element] = set()
        self.issues: list[XtceIssue] = []
        self.ptypes: dict[str, _Def] = {}
        self.params: dict[str, _Def] = {}
        self.containers: dict[str, _Def] = {}
        self.atypes: dict[str, _Def] = {}
        self.commands: dict[str, _Def] = {}
        self.names: dict[str, str] = {}  # qualified name -> output name, per table
        self.flat: dict[str, str] = {}  # qualified parameter (members joined by '.') -> name
        self.param_types: dict[str, ParameterType] = {}  # output name -> type
        self.unsized: dict[str, int | None] = {}  # qualified parameter left out -> bits
        self.out_ptypes: dict[str, ParameterType] = {}
        self.out_atypes: dict[str, ArgumentType] = {}
        self.failed: dict[str, _UnsupportedError] = {}  # qualified type name -> why
        self.members: dict[str, list[tuple[str, str, str]]] = {}
        self.flat_type: dict[str, str] = {}  # output parameter name -> qualified type name
        self.converting: set[str] = set()

    # -- bookkeeping --------------------------------------------------------------------

    def ok(self, *elems: ET.Element | None) -> None:
        self.handled.update(e for e in elems if e is not None)

    def path(self, elem: ET.Element) -> str:
        parts = []
        node: ET.Element | None = elem
        root = elem
        while node is not None:
            tag = _local(node.tag)
            for attr in ("name", "parameterRef", "containerRef", "argumentRef", "label"):
                if node.get(attr) is not None:
                    tag += f"[@{attr}='{node.get(attr)}']"
                    break
            parts.append(tag)
            root = node
            node = self.parents.get(node)
        return f"{self.sources.get(root, '')}:/" + "/".join(reversed(parts))

    def report(self, exc: _UnsupportedError, consequence: str = "") -> None:
        message = exc.message + (f"; {consequence}" if consequence else "")
        self.issues.append(XtceIssue(self.path(exc.elem), message))

    # -- reading ------------------------------------------------------------------------

    def add_file(self, root: ET.Element, source: str) -> None:
        if _local(root.tag) != "SpaceSystem":
            raise ValueError(f"{source}: the root element is {_local(root.tag)}, not SpaceSystem")
        self.roots.append(root)
        self.sources[root] = source
        for parent in root.iter():
            for child in parent:
                self.parents[child] = parent
        self._collect(root, "")

    def _collect(self, system: ET.Element, above: str) -> None:
        self.ok(system)
        space = f"{above}/{system.get('name', '')}"
        for meta in _kids(system, "TelemetryMetaData"):
            self.ok(meta)
            self._collect_set(meta, "ParameterTypeSet", self.ptypes, space)
            self._collect_set(meta, "ParameterSet", self.params, space)
            self._collect_set(meta, "ContainerSet", self.containers, space)
        for meta in _kids(system, "CommandMetaData"):
            self.ok(meta)
            self._collect_set(meta, "ArgumentTypeSet", self.atypes, space)
            self._collect_set(meta, "MetaCommandSet", self.commands, space)
            # XTCE 1.1 commands may define parameters, too
            self._collect_set(meta, "ParameterTypeSet", self.ptypes, space)
            self._collect_set(meta, "ParameterSet", self.params, space)
        for child in _kids(system, "SpaceSystem"):
            self._collect(child, space)

    def _collect_set(
        self, meta: ET.Element, set_tag: str, table: dict[str, _Def], space: str
    ) -> None:
        for group in _kids(meta, set_tag):
            self.ok(group)
            for elem in group:
                name = elem.get("name")
                if name is not None:
                    table[f"{space}/{name}"] = _Def(elem, space)

    def resolve(self, ref: str, space: str, table: dict[str, Any]) -> str | None:
        if ref.startswith("/"):
            path = posixpath.normpath(ref)
            return path if path in table else None
        here = space
        while True:
            candidate = posixpath.normpath(f"{here}/{ref}")
            if candidate in table:
                return candidate
            if not here:
                break
            here = here.rsplit("/", 1)[0]
        matches = [q for q in table if q.endswith("/" + ref)]
        return matches[0] if len(matches) == 1 else None

    def out_name(self, qname: str, table: dict[str, Any]) -> str:
        plain = qname.rsplit("/", 1)[-1]
        clashes = sum(1 for q in table if q.rsplit("/", 1)[-1] == plain)
        return plain if clashes == 1 else qname.lstrip("/")

    def param_ref(self, ref: str, space: str, elem: ET.Element) -> str:
        """Output name of a (possibly member-) parameter reference; raises when unknown."""
        qname = self.resolve(ref, space, self.params)
        if qname is not None:
            if qname in self.unsized:
                raise _UnsupportedError(elem, f"parameter {ref!r} was not imported (see its type)")
            return self.flat.get(qname) or self._aggregate_error(elem, ref)
        for sep in ("/", "."):
            head, _, member = ref.rpartition(sep)
            if head:
                qhead = self.resolve(head, space, self.params)
                if qhead is not None and f"{qhead}.{member}" in self.flat:
                    return self.flat[f"{qhead}.{member}"]
        raise _UnsupportedError(elem, f"no parameter {ref!r} (or one zorka does not know)")

    def _aggregate_error(self, elem: ET.Element, ref: str) -> str:
        raise _UnsupportedError(elem, f"{ref!r} is an aggregate; compare one of its members")
