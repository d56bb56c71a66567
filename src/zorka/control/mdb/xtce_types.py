"""XTCE import, the types: parameter and argument types, encodings, calibrations, alarms."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from typing import Any, Literal, cast

from pydantic import ValidationError

from zorka.control.mdb.model import (
    ArgumentType,
    Calibration,
    Comparison,
    ContextCalibration,
    Encoding,
    LimitRange,
    Limits,
    Parameter,
    ParameterType,
    SplinePoint,
    Value,
)
from zorka.control.mdb.xtce_documents import (
    _SILENT,
    XtceIssue,
    _Def,
    _doc,
    _DocumentReader,
    _first_error,
    _kid,
    _kids,
    _local,
    _number,
    _UnsupportedError,
)

__all__: list[str] = []


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


class _TypeReader(_DocumentReader):
    """Parameter and argument types: encodings, calibrations, limits, and comparisons."""

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
            # not ``or``: an element without children is falsy
            fixed = _kid(size, "Fixed", "FixedValue")
            if fixed is None:
                fixed = _kid(size, "FixedValue")
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
        fixed = _kid(size, "FixedValue")
        if fixed is None:
            fixed = _kid(size, "Fixed", "FixedValue")
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
