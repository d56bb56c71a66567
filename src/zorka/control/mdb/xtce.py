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

import contextlib
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import ValidationError

from zorka.control.mdb.loading import database_issues
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
    Parameter,
    ParameterType,
    SplinePoint,
    Value,
    Verifier,
)

__all__ = ["XtceImport", "XtceIssue", "parse_xtce", "read_xtce"]

_SILENT = {"Header", "LongDescription", "AliasSet", "AncillaryDataSet", "NoteSet", "Note"}
_INT_ENCODINGS = {
    "unsigned": "unsigned",
    "twosComplement": "twos_complement",
    "twosCompliment": "twos_complement",
    "signMagnitude": "sign_magnitude",
    "onesComplement": "ones_complement",
    "onesCompliment": "ones_complement",
}
_CHARSETS = {"UTF-8": "utf-8", "US-ASCII": "ascii", "UTF-16": "utf-16", "UTF-16BE": "utf-16"}
_OPERATORS = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_OPERATORS |= {"&lt;": "<", "&lt;=": "<=", "&gt;": ">", "&gt;=": ">="}
_STAGES = {
    "ReceivedVerifier": "received",
    "AcceptedVerifier": "accepted",
    "QueuedVerifier": "queued",
    "ExecutionVerifier": "started",
    "CompleteVerifier": "completed",
    "FailedVerifier": "failed",
}
_ALARM_LEVELS = {
    "watch": "warning",
    "warning": "warning",
    "distress": "critical",
    "critical": "critical",
    "severe": "critical",
}
_PARAMETER_TYPES = (
    "IntegerParameterType",
    "FloatParameterType",
    "EnumeratedParameterType",
    "BooleanParameterType",
    "StringParameterType",
    "BinaryParameterType",
    "AbsoluteTimeParameterType",
    "RelativeTimeParameterType",
    "AggregateParameterType",
    "ArrayParameterType",
)


@dataclass(frozen=True)
class XtceIssue:
    """Something of an XTCE file that was not imported: the element's path, and what happened."""

    path: str
    message: str
    severity: Literal["unsupported", "ignored"] = "unsupported"

    def __str__(self) -> str:
        return f"{self.path}: {self.severity}: {self.message}"


@dataclass
class XtceImport:
    """The imported database and the list of what was not imported."""

    database: MissionDatabase
    issues: list[XtceIssue] = field(default_factory=list)

    def report(self) -> str:
        """One line per issue, for people."""
        return "\n".join(str(issue) for issue in self.issues)


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


@dataclass
class _Def:
    elem: ET.Element
    space: str


class _Importer:
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

    # -- parameter types ----------------------------------------------------------------

    def register_parameters(self) -> None:
        """Give every parameter (aggregate members flattened) its name and its type's name."""
        for qname, d in self.params.items():
            self.ok(d.elem)
            properties = _kid(d.elem, "ParameterProperties")
            if properties is not None:
                # data source, system name, addresses: descriptive; a validity condition is not
                self.ok(properties, *(c for c in properties.iter() if c is not properties))
                validity = _kid(properties, "ValidityCondition")
                if validity is not None:
                    self.handled.difference_update(validity.iter())
            ref = d.elem.get("parameterTypeRef", "")
            tq = self.resolve(ref, d.space, self.ptypes)
            if tq is None:
                self.unsized[qname] = None
                self.issues.append(
                    XtceIssue(self.path(d.elem), f"no parameter type {ref!r}; parameter left out")
                )
                continue
            try:
                members = self.flatten(tq, self.out_name(qname, self.params))
            except _UnsupportedError as exc:
                self.report(exc, "parameter left out")
                self.unsized[qname] = None
                continue
            self.members[qname] = members
            for suffix, name, member_type in members:
                self.flat[qname + suffix] = name
                self.flat_type[name] = member_type

    def build_parameters(self) -> list[Parameter]:
        out: list[Parameter] = []
        for qname, members in self.members.items():
            try:
                types = [self.parameter_type(tq) for _, _, tq in members]
            except _UnsupportedError as exc:
                self.unsized[qname] = exc.size_bits if len(members) == 1 else None
                for suffix, _, _ in members:
                    del self.flat[qname + suffix]
                continue
            for (_, name, _), type_name in zip(members, types, strict=True):
                self.param_types[name] = self.out_ptypes[type_name]
                doc = _doc(self.params[qname].elem)
                out.append(Parameter(name=name, type=type_name, description=doc))
        return out

    def flatten(self, tq: str, name: str) -> list[tuple[str, str, str]]:
        """(qualified suffix, output name, type) of a parameter, aggregate members expanded."""
        elem = self.ptypes[tq].elem
        if _local(elem.tag) != "AggregateParameterType":
            return [("", name, tq)]
        self.ok(elem, _kid(elem, "MemberList"))
        out = []
        for member in _kids(_kid(elem, "MemberList") or elem, "Member"):
            self.ok(member)
            mq = self.resolve(member.get("typeRef", ""), self.ptypes[tq].space, self.ptypes)
            if mq is None:
                raise _UnsupportedError(member, f"no type {member.get('typeRef')!r}")
            mname = member.get("name", "")
            for suffix, sub_name, type_name in self.flatten(mq, f"{name}.{mname}"):
                out.append((f".{mname}{suffix}", sub_name, type_name))
        return out

    def kind_of(self, name: str, elem: ET.Element) -> ParameterType | None:
        """The type of parameter ``name`` (None while that type is being converted)."""
        tq = self.flat_type.get(name)
        if tq is None or tq in self.converting:
            return None
        try:
            return self.out_ptypes[self.parameter_type(tq)]
        except _UnsupportedError:
            raise _UnsupportedError(elem, f"parameter {name!r} was not imported") from None

    def parameter_type(self, tq: str) -> str:
        name = self.out_name(tq, self.ptypes)
        if name in self.out_ptypes:
            return name
        if "p" + tq in self.failed:
            raise self.failed["p" + tq]
        d = self.ptypes[tq]
        self.converting.add(tq)
        try:
            self.out_ptypes[name] = self.convert_type(d, ParameterType)
        except _UnsupportedError as exc:
            self.failed["p" + tq] = exc
            self.report(exc, "parameters of this type are left out")
            self.ok(*d.elem.iter())
            raise
        finally:
            self.converting.discard(tq)
        return name

    def build_types(self) -> None:
        """Convert every type, used or not, so that each problem is reported once."""
        for tq, d in self.ptypes.items():
            if _local(d.elem.tag) != "AggregateParameterType":
                with contextlib.suppress(_UnsupportedError):
                    self.parameter_type(tq)
            elif d.elem not in self.handled:
                try:
                    self.flatten(tq, "unused")
                except _UnsupportedError as exc:
                    self.report(exc, "parameters of this type are left out")
                    self.ok(*d.elem.iter())
        for tq in self.atypes:
            with contextlib.suppress(_UnsupportedError):
                self.argument_type(tq)

    def convert_type(self, d: _Def, cls: type[ParameterType]) -> ParameterType:
        elem, space = d.elem, d.space
        self.ok(elem, _kid(elem, "UnitSet"))
        if elem.get("baseType") is not None:
            # XTCE 1.2 type inheritance: zorka takes a derived type that only renames its base
            table = self.atypes if cls is ArgumentType else self.ptypes
            bq = self.resolve(elem.get("baseType", ""), space, table)
            if bq is None:
                raise _UnsupportedError(elem, f"no base type {elem.get('baseType')!r}")
            if any(_local(c.tag) not in ("UnitSet", *_SILENT) for c in elem):
                raise _UnsupportedError(elem, "a type that changes its baseType is not supported")
            base = self.argument_type(bq) if cls is ArgumentType else self.parameter_type(bq)
            out = (self.out_atypes if cls is ArgumentType else self.out_ptypes)[base]
            return out.model_copy(update={"description": _doc(elem) or out.description})
        tag = _local(elem.tag).replace("Argument", "Parameter")
        kinds = {
            "IntegerParameterType": "integer",
            "FloatParameterType": "float",
            "EnumeratedParameterType": "enumerated",
            "BooleanParameterType": "boolean",
            "StringParameterType": "string",
            "BinaryParameterType": "binary",
        }
        encoding_elem = self.data_encoding(elem)
        if tag == "AbsoluteTimeParameterType" and encoding_elem is not None:
            kind = "integer" if _local(encoding_elem.tag) == "IntegerDataEncoding" else "float"
            self.ok(*(_kid(elem, "ReferenceTime") or ET.Element("none")).iter())
        elif tag not in kinds:
            raise _UnsupportedError(elem, f"{_local(elem.tag)} is not supported")
        else:
            kind = kinds[tag]
        if encoding_elem is None:
            raise _UnsupportedError(elem, "no data encoding (derived parameters are not supported)")
        encoding, calibration, contexts = self.encoding(encoding_elem, kind, space)
        fields: dict[str, Any] = {
            "kind": kind,
            "encoding": encoding,
            "calibration": calibration,
            "context_calibrations": contexts,
            "description": _doc(elem),
        }
        self.ok(*_kids(elem, "ShortDescription"))
        units = [u.text.strip() for u in _kids(_kid(elem, "UnitSet") or elem, "Unit") if u.text]
        self.ok(*_kids(_kid(elem, "UnitSet") or elem, "Unit"))
        if units:
            fields["unit"] = " ".join(units)
        if kind == "enumerated":
            fields["enumeration"] = self.enumeration(elem)
        if kind == "boolean":
            fields["true_label"] = elem.get("oneStringValue", "True")
            fields["false_label"] = elem.get("zeroStringValue", "False")
        fields["limits"] = self.limits(elem, space)
        if cls is ArgumentType:
            ranges = _kids(elem, "ValidRange") + _kids(
                _kid(elem, "ValidRangeSet") or elem, "ValidRange"
            )
            self.ok(_kid(elem, "ValidRangeSet"), *ranges)
            if ranges:
                lo = ranges[0].get("minInclusive") or ranges[0].get("minExclusive")
                hi = ranges[0].get("maxInclusive") or ranges[0].get("maxExclusive")
                fields["valid_range"] = LimitRange(
                    min=float(lo) if lo is not None else None,
                    max=float(hi) if hi is not None else None,
                )
        try:
            out = cls(**fields)
        except ValidationError as exc:
            raise _UnsupportedError(elem, _first_error(exc)) from None
        if tag == "AbsoluteTimeParameterType":
            message = "absolute time imported as its raw count; its epoch and scale are not kept"
            self.issues.append(XtceIssue(self.path(elem), message, "ignored"))
        return out

    def data_encoding(self, elem: ET.Element) -> ET.Element | None:
        holder = _kid(elem, "Encoding") or elem  # AbsoluteTime wraps its encoding
        if holder is not elem:
            self.ok(holder)
            if holder.get("scale") or holder.get("offset"):
                self.issues.append(
                    XtceIssue(self.path(holder), "time scale and offset are not kept", "ignored")
                )
        for child in holder:
            if _local(child.tag).endswith("DataEncoding"):
                return child
        return None

    def encoding(
        self, enc: ET.Element, kind: str, space: str
    ) -> tuple[Encoding, Calibration | None, list[ContextCalibration]]:
        self.ok(enc)
        tag = _local(enc.tag)
        if enc.get("bitOrder", "mostSignificantBitFirst") != "mostSignificantBitFirst":
            raise _UnsupportedError(enc, "least-significant-bit-first encodings are not supported")
        byte_order = enc.get("byteOrder", "mostSignificantByteFirst")
        if byte_order not in ("mostSignificantByteFirst", "leastSignificantByteFirst"):
            raise _UnsupportedError(enc, f"byte order {byte_order!r} is not supported")
        if _kid(enc, "ByteOrderList") is not None:
            raise _UnsupportedError(enc, "ByteOrderList is not supported")
        order = "little" if byte_order == "leastSignificantByteFirst" else "big"
        fields: dict[str, Any] = {"byte_order": order}
        if tag == "IntegerDataEncoding":
            bits = int(enc.get("sizeInBits", "8"))
            name = enc.get("encoding", "unsigned")
            if name not in _INT_ENCODINGS:
                raise _UnsupportedError(enc, f"integer encoding {name!r} is not supported", bits)
            fields |= {"kind": _INT_ENCODINGS[name], "bits": bits}
        elif tag == "FloatDataEncoding":
            bits = int(enc.get("sizeInBits", "32"))
            name = enc.get("encoding", "IEEE754_1985")
            if name not in ("IEEE754_1985", "IEEE754"):
                raise _UnsupportedError(enc, f"float encoding {name!r} is not supported", bits)
            fields |= {"kind": "ieee754", "bits": bits}
        elif tag == "StringDataEncoding":
            name = enc.get("encoding", "UTF-8")
            if name not in _CHARSETS:
                raise _UnsupportedError(enc, f"character set {name!r} is not supported")
            fields |= {"kind": "string", "charset": _CHARSETS[name]} | self.string_size(enc, space)
        elif tag == "BinaryDataEncoding":
            fields |= {"kind": "binary"} | self.binary_size(enc, space)
        else:
            raise _UnsupportedError(enc, f"{tag} is not supported")
        calibration = None
        default = _kid(enc, "DefaultCalibrator")
        if default is not None:
            self.ok(default)
            calibration = self.calibrator(default, fields.get("bits"))
        contexts = []
        context_list = _kid(enc, "ContextCalibratorList")
        if context_list is not None:
            self.ok(context_list)
            for ctx in _kids(context_list, "ContextCalibrator"):
                self.ok(ctx, _kid(ctx, "Calibrator"))
                when = self.context_match(_kid(ctx, "ContextMatch"), space, ctx)
                cal = self.calibrator(_kid(ctx, "Calibrator") or ctx, fields.get("bits"))
                contexts.append(ContextCalibration(when=when, calibration=cal))
        try:
            return Encoding(**fields), calibration, contexts
        except ValidationError as exc:
            raise _UnsupportedError(enc, _first_error(exc), fields.get("bits")) from None

    def string_size(self, enc: ET.Element, space: str) -> dict[str, Any]:
        size = _kid(enc, "SizeInBits")
        variable = _kid(enc, "Variable")
        self.ok(size, variable)
        if size is not None:
            fixed = _kid(size, "Fixed", "FixedValue") or _kid(size, "FixedValue")
            self.ok(_kid(size, "Fixed"), fixed)
            term = _kid(size, "TerminationChar")
            leading = _kid(size, "LeadingSize")
            self.ok(term, leading)
            if fixed is not None and fixed.text:
                out: dict[str, Any] = {"bits": int(fixed.text)}
                if term is not None and term.text:
                    out["terminator"] = int(term.text, 16)
                return out
            if leading is not None:
                return {"size_prefix_bits": int(leading.get("sizeInBitsOfSizeTag", "16"))}
            raise _UnsupportedError(enc, "strings without a fixed size or a leading size field")
        if variable is not None:
            leading = _kid(variable, "LeadingSize")
            dyn = _kid(variable, "DynamicValue")
            self.ok(leading, dyn, _kid(dyn, "ParameterInstanceRef"))
            if leading is not None:
                return {"size_prefix_bits": int(leading.get("sizeInBitsOfSizeTag", "16"))}
            if dyn is not None:
                return self.dynamic_size(dyn, space)
        raise _UnsupportedError(enc, "strings without a fixed size or a leading size field")

    def binary_size(self, enc: ET.Element, space: str) -> dict[str, Any]:
        size = _kid(enc, "SizeInBits")
        if size is None:
            raise _UnsupportedError(enc, "binary encoding without SizeInBits")
        self.ok(size)
        for algo in ("FromBinaryTransformAlgorithm", "ToBinaryTransformAlgorithm"):
            if _kid(enc, algo) is not None:
                raise _UnsupportedError(
                    _kid(enc, algo) or enc, "transform algorithms are not supported"
                )
        fixed = _kid(size, "FixedValue") or _kid(size, "Fixed", "FixedValue")
        self.ok(_kid(size, "Fixed"), fixed)
        if fixed is not None and fixed.text:
            bits = int(fixed.text)
            if bits < 0:
                raise _UnsupportedError(enc, "a size found by an algorithm is not supported")
            return {"bits": bits}
        dyn = _kid(size, "DynamicValue")
        if dyn is not None:
            return self.dynamic_size(dyn, space)
        raise _UnsupportedError(enc, "binary encoding without a fixed or dynamic size")

    def dynamic_size(self, dyn: ET.Element, space: str) -> dict[str, Any]:
        self.ok(dyn)
        ref = _kid(dyn, "ParameterInstanceRef")
        adjust = _kid(dyn, "LinearAdjustment")
        self.ok(ref, adjust)
        if ref is None or ref.get("instance", "0") != "0":
            raise _UnsupportedError(dyn, "dynamic sizes need a ParameterInstanceRef of instance 0")
        name = self.param_ref(ref.get("parameterRef", ""), space, ref)
        slope = float(adjust.get("slope", "1")) if adjust is not None else 1.0
        intercept = float(adjust.get("intercept", "0")) if adjust is not None else 0.0
        if slope != int(slope) or intercept != int(intercept):
            raise _UnsupportedError(dyn, "sizes that are not whole bits are not supported")
        return {
            "size_from": name,
            "size_scale_bits": int(slope),
            "size_offset_bits": int(intercept),
        }

    def calibrator(self, holder: ET.Element, bits: int | None) -> Calibration:
        poly = _kid(holder, "PolynomialCalibrator")
        spline = _kid(holder, "SplineCalibrator")
        if poly is not None:
            self.ok(poly)
            terms = _kids(poly, "Term")
            self.ok(*terms)
            if not terms:
                raise _UnsupportedError(poly, "a polynomial calibrator without terms", bits)
            coefficients = [0.0] * (max(int(t.get("exponent", "0")) for t in terms) + 1)
            for term in terms:
                coefficients[int(term.get("exponent", "0"))] += float(term.get("coefficient", "0"))
            return Calibration(polynomial=coefficients)
        if spline is not None:
            self.ok(spline)
            order = int(spline.get("order", "1"))
            if order not in (0, 1):
                raise _UnsupportedError(spline, f"spline order {order} (zorka: 0 or 1)", bits)
            points = _kids(spline, "SplinePoint")
            self.ok(*points)
            try:
                return Calibration(
                    spline=[
                        SplinePoint(
                            raw=float(p.get("raw", "nan")), eng=float(p.get("calibrated", "nan"))
                        )
                        for p in points
                    ],
                    order=cast(Literal[0, 1], order),
                    extrapolate=spline.get("extrapolate", "false") == "true",
                )
            except ValidationError as exc:
                raise _UnsupportedError(spline, _first_error(exc), bits) from None
        other = next(iter(holder), holder)
        raise _UnsupportedError(other, f"calibrator {_local(other.tag)} is not supported", bits)

    def enumeration(self, elem: ET.Element) -> dict[str, int]:
        listing = _kid(elem, "EnumerationList")
        self.ok(listing)
        out: dict[str, int] = {}
        for item in _kids(listing or elem, "Enumeration"):
            self.ok(item)
            value = int(item.get("value", "0"))
            if item.get("maxValue") not in (None, item.get("value")):
                raise _UnsupportedError(item, "enumeration ranges (maxValue) are not supported")
            label = item.get("label", str(value))
            if label in out:
                raise _UnsupportedError(item, f"label {label!r} appears twice")
            out[label] = value
        return out

    def limits(self, elem: ET.Element, space: str) -> list[Limits]:
        out = []
        context_list = _kid(elem, "ContextAlarmList")
        if context_list is not None:
            self.ok(context_list)
            for ctx in _kids(context_list, "ContextAlarm"):
                when = self.context_match(_kid(ctx, "ContextMatch"), space, ctx)
                out.append(self.alarm(ctx, when))
        default = _kid(elem, "DefaultAlarm")
        if default is not None:
            out.append(self.alarm(default, []))
        return out

    def alarm(self, elem: ET.Element, when: list[Comparison]) -> Limits:
        self.ok(elem)
        if elem.get("minViolations", "1") != "1":
            self.issues.append(
                XtceIssue(self.path(elem), "minViolations: alarms raise at once", "ignored")
            )
        fields: dict[str, Any] = {"when": when}
        ranges = _kid(elem, "StaticAlarmRanges")
        if ranges is not None:
            self.ok(ranges)
            for child in ranges:
                self.ok(child)
                level = _local(child.tag).removesuffix("Range").lower()
                severity = _ALARM_LEVELS.get(level)
                if severity is None:
                    continue
                if level not in ("warning", "critical"):
                    self.issues.append(
                        XtceIssue(self.path(child), f"{level} range read as {severity}", "ignored")
                    )
                if child.get("minExclusive") or child.get("maxExclusive"):
                    self.issues.append(
                        XtceIssue(self.path(child), "exclusive bounds read as inclusive", "ignored")
                    )
                lo = child.get("minInclusive") or child.get("minExclusive")
                hi = child.get("maxInclusive") or child.get("maxExclusive")
                fields[severity] = LimitRange(
                    min=float(lo) if lo is not None else None,
                    max=float(hi) if hi is not None else None,
                )
        states = _kid(elem, "EnumerationAlarmList")
        if states is not None:
            self.ok(states)
            fields["states"] = {}
            for alarm in _kids(states, "EnumerationAlarm"):
                self.ok(alarm)
                level = alarm.get("alarmLevel", "normal")
                if level in _ALARM_LEVELS:
                    fields["states"][alarm.get("enumerationLabel", "")] = _ALARM_LEVELS[level]
        return Limits(**fields)

    # -- comparisons --------------------------------------------------------------------

    def context_match(
        self, match: ET.Element | None, space: str, owner: ET.Element
    ) -> list[Comparison]:
        if match is None:
            raise _UnsupportedError(owner, "a context without ContextMatch")
        self.ok(match)
        return self.comparisons(match, space)

    def comparisons(self, holder: ET.Element, space: str) -> list[Comparison]:
        items = _kids(holder, "Comparison")
        listing = _kid(holder, "ComparisonList")
        if listing is not None:
            self.ok(listing)
            items += _kids(listing, "Comparison")
        if not items:
            other = next(iter(holder), holder)
            raise _UnsupportedError(other, f"{_local(other.tag)} conditions are not supported")
        return [self.comparison(item, space) for item in items]

    def comparison(self, item: ET.Element, space: str) -> Comparison:
        self.ok(item)
        if item.get("instance", "0") != "0":
            raise _UnsupportedError(item, "comparisons with earlier instances are not supported")
        name = self.param_ref(item.get("parameterRef", ""), space, item)
        operator = _OPERATORS.get(item.get("comparisonOperator", "=="))
        if operator is None:
            raise _UnsupportedError(item, f"operator {item.get('comparisonOperator')!r}")
        text = item.get("value", "")
        calibrated = item.get("useCalibratedValue", "true") == "true"
        ptype = self.kind_of(name, item)
        value: Value = text
        raw = not calibrated
        try:
            if raw or ptype is None or ptype.kind in ("integer", "float"):
                value = _number(text)
            elif ptype.kind == "boolean" and text not in (ptype.true_label, ptype.false_label):
                if text.lower() in ("true", "false"):
                    value = text.lower() == "true"
                else:
                    value, raw = _number(text), True
        except ValueError:
            raise _UnsupportedError(item, f"value {text!r} is not a number") from None
        return Comparison(parameter=name, operator=cast(Any, operator), value=value, raw=raw)

    # -- containers ---------------------------------------------------------------------

    def build_containers(self) -> list[Container]:
        out = []
        for qname, d in self.containers.items():
            try:
                try:
                    out.append(self.container(qname, d))
                except ValidationError as err:
                    raise _UnsupportedError(d.elem, _first_error(err)) from None
            except _UnsupportedError as exc:
                self.report(exc, f"container {self.out_name(qname, self.containers)!r} left out")
                self.ok(*d.elem.iter())
        return out

    def container(self, qname: str, d: _Def) -> Container:
        elem, space = d.elem, d.space
        self.ok(elem, _kid(elem, "EntryList"))
        if _local(elem.tag) != "SequenceContainer":
            raise _UnsupportedError(elem, f"{_local(elem.tag)} is not supported")
        entries: list[str | Entry] = []
        for child in _kid(elem, "EntryList") or []:
            entries += self.entry(child, space)
        base = None
        restriction: list[Comparison] = []
        base_elem = _kid(elem, "BaseContainer")
        if base_elem is not None:
            self.ok(base_elem)
            bq = self.resolve(base_elem.get("containerRef", ""), space, self.containers)
            if bq is None:
                raise _UnsupportedError(
                    base_elem, f"no container {base_elem.get('containerRef')!r}"
                )
            base = self.out_name(bq, self.containers)
            criteria = _kid(base_elem, "RestrictionCriteria")
            if criteria is not None:
                self.ok(criteria)
                restriction = self.comparisons(criteria, space)
        return Container(
            name=self.out_name(qname, self.containers),
            description=_doc(elem),
            base=base,
            restriction=restriction,
            abstract=elem.get("abstract", "false") == "true",
            entries=entries,
        )

    def entry(self, child: ET.Element, space: str) -> list[str | Entry]:
        self.ok(child)
        tag = _local(child.tag)
        for bad in ("IncludeCondition", "RepeatEntry"):
            if _kid(child, bad) is not None:
                raise _UnsupportedError(_kid(child, bad) or child, f"{bad} is not supported")
        location: dict[str, Any] = {}
        loc = _kid(child, "LocationInContainerInBits")
        if loc is not None:
            self.ok(loc)
            ref = loc.get("referenceLocation", "previousEntry")
            fixed = _kid(loc, "FixedValue")
            self.ok(fixed)
            if ref not in ("previousEntry", "containerStart") or fixed is None or not fixed.text:
                raise _UnsupportedError(loc, f"location {ref!r} without a fixed value")
            location = {
                "location_bits": int(fixed.text),
                "reference": "container_start" if ref == "containerStart" else "previous_entry",
            }
        if tag == "ParameterRefEntry":
            ref_name = child.get("parameterRef", "")
            qname = self.resolve(ref_name, space, self.params)
            if qname is not None and qname in self.unsized:
                bits = self.unsized[qname]
                if bits is None:
                    raise _UnsupportedError(child, f"parameter {ref_name!r} was not imported")
                return [Entry(spare=bits, **location)]
            name = self.param_ref(ref_name, space, child) if qname is None else ""
            members = [n for q, n in self.flat.items() if q == qname or q.startswith(f"{qname}.")]
            names = members if qname is not None else [name]
            out: list[str | Entry] = [
                Entry(parameter=names[0], **location) if location else names[0]
            ]
            return out + list(names[1:])
        if tag == "ContainerRefEntry":
            cq = self.resolve(child.get("containerRef", ""), space, self.containers)
            if cq is None:
                raise _UnsupportedError(child, f"no container {child.get('containerRef')!r}")
            return [Entry(container=self.out_name(cq, self.containers), **location)]
        if tag == "FixedValueEntry":
            return [Entry(spare=int(child.get("sizeInBits", "0")), **location)]
        raise _UnsupportedError(child, f"{tag} is not supported")

    # -- commands -----------------------------------------------------------------------

    def argument_type(self, tq: str) -> str:
        name = self.out_name(tq, self.atypes)
        if name in self.out_atypes:
            return name
        if "a" + tq in self.failed:
            raise self.failed["a" + tq]
        d = self.atypes[tq]
        try:
            self.out_atypes[name] = cast(ArgumentType, self.convert_type(d, ArgumentType))
        except _UnsupportedError as exc:
            self.failed["a" + tq] = exc
            self.report(exc, "commands with arguments of this type are left out")
            self.ok(*d.elem.iter())
            raise
        return name

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
                elif _kid(child, "Comparison") or _kid(child, "ComparisonList"):
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

    # -- the rest -----------------------------------------------------------------------

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
