"""XTCE import, the commands: meta-commands, arguments, assignments and verifiers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from pydantic import ValidationError

from zorka.control.mdb.model import (
    Argument,
    Command,
    CommandEntry,
    Value,
    Verifier,
)
from zorka.control.mdb.xtce_containers import _ContainerReader
from zorka.control.mdb.xtce_documents import (
    _SILENT,
    XtceIssue,
    _Def,
    _doc,
    _duration_s,
    _first_error,
    _kid,
    _kids,
    _local,
    _number,
    _UnsupportedError,
)

__all__: list[str] = []

_STAGES = {
    "ReceivedVerifier": "received",
    "AcceptedVerifier": "accepted",
    "QueuedVerifier": "queued",
    "ExecutionVerifier": "started",
    "CompleteVerifier": "completed",
    "FailedVerifier": "failed",
}


class _CommandReader(_ContainerReader):
    """Meta-commands: arguments, assignments, command containers and verifiers."""

    def build_commands(self) -> list[Command]:
        out = []
        for qname, d in self.commands.items():
            try:
                try:
                    out.append(self.command(qname, d))
                except ValidationError as err:
                    raise _UnsupportedError(d.elem, _first_error(err)) from None
            except _UnsupportedError as exc:
                self.report(exc, f"command {self.out_name(qname, self.commands)!r} left out")
                self.ok(*d.elem.iter())
        return out

    def command(self, qname: str, d: _Def) -> Command:
        elem, space = d.elem, d.space
        self.ok(elem)
        fields: dict[str, Any] = {
            "name": self.out_name(qname, self.commands),
            "description": _doc(elem),
            "abstract": elem.get("abstract", "false") == "true",
        }
        base = _kid(elem, "BaseMetaCommand")
        if base is not None:
            self.ok(base, _kid(base, "ArgumentAssignmentList"))
            bq = self.resolve(base.get("metaCommandRef", ""), space, self.commands)
            if bq is None:
                raise _UnsupportedError(base, f"no command {base.get('metaCommandRef')!r}")
            fields["base"] = self.out_name(bq, self.commands)
            assignments: dict[str, Value] = {}
            for item in _kids(_kid(base, "ArgumentAssignmentList") or base, "ArgumentAssignment"):
                self.ok(item)
                text = item.get("argumentValue", "")
                try:
                    assignments[item.get("argumentName", "")] = _number(text)
                except ValueError:
                    assignments[item.get("argumentName", "")] = text
            fields["assignments"] = assignments
        arguments = []
        listing = _kid(elem, "ArgumentList")
        self.ok(listing)
        for arg in _kids(listing or elem, "Argument"):
            self.ok(arg)
            tq = self.resolve(arg.get("argumentTypeRef", ""), space, self.atypes)
            if tq is None:
                raise _UnsupportedError(arg, f"no argument type {arg.get('argumentTypeRef')!r}")
            type_name = self.argument_type(tq)
            default: Value | None = arg.get("initialValue")
            if isinstance(default, str) and self.out_atypes[type_name].kind in ("integer", "float"):
                default = _number(default)
            arguments.append(
                Argument(
                    name=arg.get("name", ""), type=type_name, default=default, description=_doc(arg)
                )
            )
        fields["arguments"] = arguments
        entries: list[str | CommandEntry] = []
        container = _kid(elem, "CommandContainer")
        if container is not None:
            self.ok(container, _kid(container, "EntryList"), _kid(container, "BaseContainer"))
            for child in _kid(container, "EntryList") or []:
                self.ok(child)
                tag = _local(child.tag)
                if _kid(child, "LocationInContainerInBits") is not None:
                    raise _UnsupportedError(child, "command entries at a given location")
                if tag == "ArgumentRefEntry":
                    entries.append(child.get("argumentRef", ""))
                elif tag == "FixedValueEntry":
                    text = child.get("binaryValue", "0") or "0"
                    bits = int(child.get("sizeInBits", str(4 * len(text))))
                    value = int(text, 16)
                    entries.append(CommandEntry(fixed=value, bits=bits, name=child.get("name")))
                else:
                    raise _UnsupportedError(child, f"{tag} in a command is not supported")
        fields["entries"] = entries
        fields["verifiers"] = self.verifiers(_kid(elem, "VerifierSet"), space)
        significance = _kid(elem, "DefaultSignificance")
        if significance is not None:
            self.ok(significance)
            level = significance.get("consequenceLevel", "normal")
            fields["critical"] = level in ("vital", "critical", "forbidden")
        try:
            return Command(**fields)
        except ValidationError as exc:
            raise _UnsupportedError(elem, _first_error(exc)) from None

    def verifiers(self, vset: ET.Element | None, space: str) -> list[Verifier]:
        if vset is None:
            return []
        self.ok(vset)
        out = []
        for child in vset:
            stage = _STAGES.get(_local(child.tag))
            if stage is None:
                continue  # reported as unsupported: not marked handled
            fields: dict[str, Any] = {"stage": stage}
            try:
                ref = _kid(child, "ContainerRef")
                if ref is not None:
                    self.ok(ref)
                    cq = self.resolve(ref.get("containerRef", ""), space, self.containers)
                    if cq is None:
                        raise _UnsupportedError(ref, f"no container {ref.get('containerRef')!r}")
                    fields["container"] = self.out_name(cq, self.containers)
                elif (
                    _kid(child, "Comparison") is not None
                    or _kid(child, "ComparisonList") is not None
                ):
                    fields["when"] = self.comparisons(child, space)
                else:
                    other = next(
                        (c for c in child if _local(c.tag) not in ("CheckWindow", *_SILENT)), child
                    )
                    raise _UnsupportedError(
                        other, f"{_local(other.tag)} verifiers are not supported"
                    )
                window = _kid(child, "CheckWindow")
                if window is None:
                    raise _UnsupportedError(child, "a verifier without CheckWindow")
                self.ok(window)
                fields["start_s"] = _duration_s(window.get("timeToStartChecking", "PT0S"))
                fields["stop_s"] = _duration_s(window.get("timeToStopChecking", "PT0S"))
                if window.get("timeWindowIsRelativeTo", "timeLastVerifierPassed") not in (
                    "timeLastVerifierPassed",
                    "commandRelease",
                ):
                    raise _UnsupportedError(window, "check windows relative to other times")
                out.append(Verifier(**fields))
                self.ok(child)
            except _UnsupportedError as exc:
                self.report(exc, "verifier left out")
                self.ok(*child.iter())
            except (ValidationError, ValueError) as exc:
                self.issues.append(XtceIssue(self.path(child), f"verifier left out: {exc}"))
                self.ok(*child.iter())
        return out
