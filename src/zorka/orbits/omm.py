"""Orbit Mean-Elements Messages (OMM) in CelesTrak's JSON, CSV and CCSDS XML forms: read and write.

An OMM record holds the same SGP4 mean elements as a TLE, without the TLE's fixed columns: catalog
numbers past 99999, four-digit years and full-precision values. CelesTrak serves one record per
satellite as a JSON object, a CSV row or an XML ``<segment>`` (CCSDS NDM/XML), all with the same
keywords (``OBJECT_NAME``, ``EPOCH``, ``MEAN_MOTION``, ...).

Reading follows :mod:`zorka.orbits.tle`: a bad record becomes an :class:`OMMError` naming the file,
the record, its line, the satellite and the field, and the other records are still read; with
``strict=True`` the first problem raises. :func:`read_orbit_file` tells TLE from the three OMM forms
by content, so commands can take "a TLE or OMM file" without asking which.

The keyword-to-SGP4 conversion is python-sgp4's own (:func:`sgp4.omm.initialize`, and
:func:`sgp4.exporter.export_omm` for writing), so zorka's OMM and python-sgp4's agree to the bit.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeAlias

from sgp4 import omm as sgp4_omm
from sgp4.api import SGP4_ERRORS, Satrec
from sgp4.exporter import export_omm

from zorka.orbits.satellite import Satellite
from zorka.orbits.tle import TLEError, TLEFormatError, parse_tle

__all__ = [
    "OMM_KEYS",
    "OMMError",
    "OMMFormatError",
    "OrbitError",
    "OrbitFormat",
    "detect_orbit_format",
    "omm_record",
    "parse_omm",
    "parse_orbit_text",
    "read_omm",
    "read_orbit_file",
    "satellite_from_omm",
    "write_omm",
]

OrbitError: TypeAlias = TLEError
"""A problem with one entry of an orbit file (TLE or OMM): source, line, satellite, message."""

OrbitFormat = Literal["tle", "json", "xml", "csv"]

OMM_KEYS = (
    "OBJECT_NAME",
    "OBJECT_ID",
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "EPHEMERIS_TYPE",
    "CLASSIFICATION_TYPE",
    "NORAD_CAT_ID",
    "ELEMENT_SET_NO",
    "REV_AT_EPOCH",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)
"""The keywords of one record, in the order CelesTrak writes them in JSON and CSV."""

# Keywords the elements cannot do without; the others get CelesTrak's usual value when absent.
_REQUIRED = (
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "NORAD_CAT_ID",
    "BSTAR",
)
_DEFAULTS: dict[str, Any] = {
    "CLASSIFICATION_TYPE": "U",
    "EPHEMERIS_TYPE": 0,
    "ELEMENT_SET_NO": 999,
    "REV_AT_EPOCH": 0,
    "MEAN_MOTION_DOT": 0.0,
    "MEAN_MOTION_DDOT": 0.0,
}
# Header keywords that, when present, must say what SGP4 mean elements are.
_EXPECTED = {
    "CENTER_NAME": ("EARTH",),
    "REF_FRAME": ("TEME",),
    "TIME_SYSTEM": ("UTC",),
    "MEAN_ELEMENT_THEORY": ("SGP4",),
}
_OBJECT_ID = re.compile(r"^\d{4}-\d{3}[A-Z]{1,3}$")
_SGP4_EPOCH_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"  # the only one sgp4.omm.initialize reads
_MAX_CATALOG_NUMBER = 339999  # the largest sgp4 accepts (Alpha-5 Z9999)
_XML_SCHEMA = "https://sanaregistry.org/r/ndmxml_unqualified/ndmxml-2.0.0-master-2.0.xsd"


@dataclass(frozen=True)
class OMMError(TLEError):
    """A problem with one OMM record: the :class:`~zorka.orbits.tle.TLEError` fields plus the
    record number (1-based, in file order) and the keyword at fault, when there is one."""

    record: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.lineno:
            where.append(f"line {self.lineno}")
        who = f" ({self.satellite})" if self.satellite else ""
        what = f"{self.field}: " if self.field else ""
        return f"{', '.join(where)}{who}: {what}{self.message}"


class OMMFormatError(TLEFormatError):
    """Raised by the OMM readers in strict mode (a :class:`~zorka.orbits.tle.TLEFormatError`, so
    one ``except`` catches a bad orbit file of either kind)."""


class _FieldError(ValueError):
    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


# --------------------------------------------------------------------------------------------
# One record -> Satellite


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _present(record: Mapping[str, Any], key: str) -> bool:
    return _text(record.get(key)) != ""


def _number(record: Mapping[str, Any], key: str) -> float:
    value = record.get(key)
    if isinstance(value, bool):  # json's true/false are ints to Python; no keyword is boolean
        raise _FieldError(key, f"{value!r} is not a number")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _FieldError(key, f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise _FieldError(key, f"{value!r} is not a finite number")
    return number


def _integer(record: Mapping[str, Any], key: str) -> int:
    number = _number(record, key)
    if number != int(number):
        raise _FieldError(key, f"{record.get(key)!r} is not a whole number")
    return int(number)


def _epoch(record: Mapping[str, Any]) -> datetime:
    raw = _text(record.get("EPOCH"))
    text = raw[:-1] if raw.endswith(("Z", "z")) else raw
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _FieldError(
            "EPOCH", f"{raw!r} is not an ISO-8601 time such as 2024-09-04T19:45:22.450464"
        ) from None
    if value.tzinfo is not None and value.utcoffset():
        raise _FieldError("EPOCH", f"{raw!r} is not UTC")
    return value.replace(tzinfo=None)


def _checked_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record's keywords, checked, with defaults filled in, in the form sgp4 reads."""
    for key, allowed in _EXPECTED.items():
        if _present(record, key) and _text(record[key]).upper() not in allowed:
            hint = (
                " (SGP4-XP elements need the SGP4-XP propagator; zorka runs SGP4)"
                if key == "MEAN_ELEMENT_THEORY"
                else ""
            )
            raise _FieldError(key, f"{record[key]!r}, expected {' or '.join(allowed)}{hint}")
    missing = [key for key in _REQUIRED if not _present(record, key)]
    if missing:
        raise _FieldError(missing[0], f"missing (also needed: {', '.join(missing[1:]) or '-'})")

    fields: dict[str, Any] = dict(_DEFAULTS)
    fields.update({k: v for k, v in record.items() if _present(record, k)})
    fields["EPOCH"] = _epoch(record).strftime(_SGP4_EPOCH_FORMAT)

    norad = _integer(fields, "NORAD_CAT_ID")
    if not 0 <= norad <= _MAX_CATALOG_NUMBER:
        raise _FieldError(
            "NORAD_CAT_ID", f"{norad} is outside 0..{_MAX_CATALOG_NUMBER}, the range SGP4 takes"
        )
    fields["NORAD_CAT_ID"] = norad
    if _number(fields, "MEAN_MOTION") <= 0.0:
        raise _FieldError("MEAN_MOTION", f"{fields['MEAN_MOTION']!r} must be positive (rev/day)")
    if not 0.0 <= _number(fields, "ECCENTRICITY") < 1.0:
        raise _FieldError("ECCENTRICITY", f"{fields['ECCENTRICITY']!r} is outside [0, 1)")
    if not 0.0 <= _number(fields, "INCLINATION") <= 180.0:
        raise _FieldError("INCLINATION", f"{fields['INCLINATION']!r} is outside 0..180 degrees")
    for key in ("RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY"):
        if not 0.0 <= _number(fields, key) <= 360.0:
            raise _FieldError(key, f"{fields[key]!r} is outside 0..360 degrees")
    for key in ("BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT"):
        _number(fields, key)
    for key in ("EPHEMERIS_TYPE", "ELEMENT_SET_NO", "REV_AT_EPOCH"):
        fields[key] = _integer(fields, key)
    classification = _text(fields["CLASSIFICATION_TYPE"])
    if len(classification) != 1:
        raise _FieldError("CLASSIFICATION_TYPE", f"{classification!r} is not one letter (U, C, S)")
    fields["CLASSIFICATION_TYPE"] = classification
    # sgp4 turns OBJECT_ID into the TLE designator by position ("1998-067A" -> "98067A"); a
    # missing or free-form id ("UNKNOWN") would come out as garbage, so it becomes no designator.
    object_id = _text(fields.get("OBJECT_ID"))
    fields["OBJECT_ID"] = object_id if _OBJECT_ID.match(object_id) else ""
    return fields


def satellite_from_omm(
    record: Mapping[str, Any], name: str | None = None, *, source: str = "OMM record"
) -> Satellite:
    """A :class:`~zorka.orbits.satellite.Satellite` from one OMM record.

    ``record`` maps OMM keywords to values, as text (CSV, XML) or JSON numbers. ``name`` overrides
    ``OBJECT_NAME``; ``source`` is kept in :attr:`Satellite.source`. Raises :class:`ValueError`
    naming the keyword at fault.
    """
    fields = _checked_fields(record)
    satrec = Satrec()
    try:
        sgp4_omm.initialize(satrec, fields)
    except (KeyError, ValueError) as exc:  # sgp4init refuses what the checks above let through
        raise _FieldError(None, f"SGP4 cannot use these elements: {exc}") from None
    if satrec.error:
        raise _FieldError(None, SGP4_ERRORS.get(satrec.error, f"SGP4 error {satrec.error}"))
    norad = int(fields["NORAD_CAT_ID"])
    label = name or _text(record.get("OBJECT_NAME")) or f"NORAD {norad}"
    return Satellite(label, norad, satrec, source)


# --------------------------------------------------------------------------------------------
# Documents -> records


@dataclass(frozen=True)
class _Record:
    fields: Mapping[str, Any]
    number: int  # 1-based, in file order
    lineno: int  # first line of the record, 0 when unknown


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _json_records(text: str, source: str) -> tuple[list[_Record], list[OMMError]]:
    # Decoding the array one element at a time gives each record its line, and keeps the records
    # before a syntax error.
    decoder = json.JSONDecoder()
    records: list[_Record] = []
    i = _skip_space(text, 0)
    try:
        if text.startswith("{", i):
            value, _ = decoder.raw_decode(text, i)
            return [_Record(value, 1, _line_of(text, i))], []
        if not text.startswith("[", i):
            raise json.JSONDecodeError("expected '[' or '{'", text, i)
        i = _skip_space(text, i + 1)
        while not text.startswith("]", i):
            value, end = decoder.raw_decode(text, i)
            records.append(_Record(value, len(records) + 1, _line_of(text, i)))
            i = _skip_space(text, end)
            if text.startswith(",", i):
                i = _skip_space(text, i + 1)
            elif not text.startswith("]", i):
                raise json.JSONDecodeError("expected ',' or ']'", text, i)
    except json.JSONDecodeError as exc:
        after = f"; records after record {len(records)} were not read" if records else ""
        message = f"not valid JSON: {exc.msg} (column {exc.colno}){after}"
        return records, [OMMError(source, exc.lineno, None, message, len(records) + 1)]
    return records, []


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_records(text: str, source: str) -> tuple[list[_Record], list[OMMError]]:
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 0
        return [], [OMMError(source, line, None, f"not well-formed XML: {exc}")]
    # ElementTree keeps no line numbers; segments appear in the text in document order.
    lines = [_line_of(text, m.start()) for m in re.finditer(r"<(?:[\w.-]+:)?segment\b", text)]
    segments = [e for e in root.iter() if _local(e.tag) == "segment"]
    if len(lines) != len(segments):
        lines = [0] * len(segments)
    records = []
    for number, (segment, line) in enumerate(zip(segments, lines, strict=True), start=1):
        # sgp4.omm.parse_xml reads the same leaves, but it only finds unqualified (CelesTrak-style)
        # tags and stops the whole file at the first segment lacking a block; this walk takes
        # namespaced NDM too and lets the record checks name what is missing.
        fields = {
            _local(leaf.tag): (leaf.text or "").strip()
            for leaf in segment.iter()
            if len(leaf) == 0 and leaf is not segment and _local(leaf.tag) != "COMMENT"
        }
        records.append(_Record(fields, number, line))
    if not records:
        return [], [OMMError(source, 1, None, "no OMM <segment> in this XML document")]
    return records, []


def _csv_records(text: str, source: str) -> tuple[list[_Record], list[OMMError]]:
    reader = sgp4_omm.parse_csv(io.StringIO(text))
    records: list[_Record] = []
    errors: list[OMMError] = []
    try:
        for row in reader:
            number = len(records) + len(errors) + 1
            line = reader.line_num  # the row's last line: its only one in CelesTrak's CSV
            if None in row:  # csv.DictReader's bucket for cells beyond the header
                width = len(reader.fieldnames or [])
                errors.append(
                    OMMError(
                        source,
                        line,
                        _text(row.get("OBJECT_NAME")) or None,
                        f"{width + len(row[None])} cells, the header has {width}",
                        number,
                    )
                )
            else:
                records.append(_Record(row, number, line))
    except csv.Error as exc:
        errors.append(OMMError(source, reader.line_num, None, f"unreadable CSV: {exc}"))
    return records, errors


def detect_orbit_format(text: str) -> OrbitFormat:
    """Which form an orbit text is in: ``"json"``, ``"xml"``, ``"csv"`` (OMM) or ``"tle"``.

    Decided by content: JSON starts with ``[`` or ``{``, XML with ``<``, CelesTrak's CSV with a
    header row of OMM keywords; anything else is read as TLE text.
    """
    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith(("[", "{")):
        return "json"
    if body.startswith("<"):
        return "xml"
    first = body.split("\n", 1)[0].upper()
    if "," in first and ("NORAD_CAT_ID" in first or "MEAN_MOTION" in first):
        return "csv"
    return "tle"


def _kvn(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("CCSDS_OMM_VERS")


def parse_omm(
    text: str,
    *,
    format: Literal["auto", "json", "xml", "csv"] = "auto",
    source: str = "<string>",
    strict: bool = False,
) -> tuple[list[Satellite], list[OrbitError]]:
    """Read every record of an OMM document in CelesTrak's JSON, XML or CSV form.

    Returns the satellites of the good records and one :class:`OMMError` per bad one; with
    ``strict`` the first problem raises :class:`OMMFormatError`.
    """
    text = text.lstrip("\ufeff")
    kind = detect_orbit_format(text) if format == "auto" else format
    errors: list[OrbitError] = []
    records: list[_Record] = []
    if kind == "tle":
        hint = (
            "OMM in KVN form is not read; ask CelesTrak for FORMAT=JSON, XML or CSV"
            if _kvn(text)
            else "not OMM JSON, XML or CSV (TLE text? read it with read_orbit_file)"
        )
        errors.append(OMMError(source, 1, None, hint))
    else:
        reader = {"json": _json_records, "xml": _xml_records, "csv": _csv_records}[kind]
        records, problems = reader(text, source)
        errors.extend(problems)

    satellites: list[Satellite] = []
    for rec in records:
        where = f"OMM {source} record {rec.number}"
        if not isinstance(rec.fields, Mapping):
            errors.append(OMMError(source, rec.lineno, None, "not an OMM record", rec.number))
            continue
        who = _text(rec.fields.get("OBJECT_NAME")) or (
            f"NORAD {_text(rec.fields.get('NORAD_CAT_ID'))}"
            if _present(rec.fields, "NORAD_CAT_ID")
            else None
        )
        try:
            satellites.append(satellite_from_omm(rec.fields, source=where))
        except _FieldError as exc:
            errors.append(OMMError(source, rec.lineno, who, exc.message, rec.number, exc.field))
    errors.sort(key=lambda e: (getattr(e, "record", None) or 0, e.lineno))
    if strict and errors:
        raise OMMFormatError(errors[:1])
    return satellites, errors


def _read_text(path: Path) -> str:
    # utf-8-sig drops a byte-order mark; bad bytes become U+FFFD so that the record holding
    # them is reported, not the whole file refused.
    return path.read_text(encoding="utf-8-sig", errors="replace")


def read_omm(
    path: str | Path,
    *,
    format: Literal["auto", "json", "xml", "csv"] = "auto",
    strict: bool = False,
) -> tuple[list[Satellite], list[OrbitError]]:
    """Read an OMM file; see :func:`parse_omm`."""
    path = Path(path)
    return parse_omm(_read_text(path), format=format, source=str(path), strict=strict)


def parse_orbit_text(
    text: str, *, source: str = "<string>", strict: bool = False
) -> tuple[list[Satellite], list[OrbitError]]:
    """Satellites from TLE or OMM (JSON, XML, CSV) text, the form found by content."""
    if detect_orbit_format(text) != "tle" or _kvn(text):
        return parse_omm(text, source=source, strict=strict)
    tles, tle_errors = parse_tle(text, source=source, strict=strict)
    errors: list[OrbitError] = list(tle_errors)
    return [Satellite.from_tle(t) for t in tles], errors


def read_orbit_file(
    path: str | Path, strict: bool = False
) -> tuple[list[Satellite], list[OrbitError]]:
    """Satellites from a TLE (2- or 3-line) or OMM (JSON, XML, CSV) file, told apart by content.

    Bad entries are reported with file, line (and record) and satellite while the rest is read;
    ``strict`` raises at the first one.
    """
    path = Path(path)
    return parse_orbit_text(_read_text(path), source=str(path), strict=strict)


# --------------------------------------------------------------------------------------------
# Writing


class _PlaceholderDesignator:
    """``satrec`` seen with a designator: ``export_omm`` takes the launch year from it, and an
    orbit fitted from a state vector has none."""

    intldesg = "00000A"

    def __init__(self, satrec: Satrec) -> None:
        self._satrec = satrec

    def __getattr__(self, name: str) -> Any:
        return getattr(self._satrec, name)


def _tidy(value: float) -> float:
    # 13 significant digits drop the last-bit noise of the unit conversions (15.99081912, not
    # 15.990819120000001) and still hold a fitted orbit to far below a millimetre.
    return float(f"{value:.13g}")


def omm_record(satellite: Satellite) -> dict[str, Any]:
    """The OMM record of a satellite, keys in :data:`OMM_KEYS` order, values as JSON takes them."""
    satrec = satellite.satrec
    designator = str(getattr(satrec, "intldesg", "") or "").strip()
    has_designator = designator[:2].isdigit() and len(designator) > 2
    fields = export_omm(
        satrec if has_designator else _PlaceholderDesignator(satrec), satellite.name
    )
    if not has_designator:
        fields["OBJECT_ID"] = ""
    # export_omm truncates the epoch to the microsecond below; Satellite.epoch rounds, which keeps
    # write -> read -> write stable.
    fields["EPOCH"] = satellite.epoch.astimezone(UTC).strftime(_SGP4_EPOCH_FORMAT)
    fields["NORAD_CAT_ID"] = satellite.norad_id
    record: dict[str, Any] = {}
    for key in OMM_KEYS:
        value = fields[key]
        record[key] = _tidy(value) if isinstance(value, float) else value
    return record


def _xml_text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _write_xml(satellites: Iterable[Satellite]) -> str:
    ndm = ET.Element(
        "ndm",
        {
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:noNamespaceSchemaLocation": _XML_SCHEMA,
        },
    )
    for sat in satellites:
        record = omm_record(sat)
        omm = ET.SubElement(ndm, "omm", {"id": "CCSDS_OMM_VERS", "version": "2.0"})
        header = ET.SubElement(omm, "header")
        ET.SubElement(header, "CREATION_DATE")
        ET.SubElement(header, "ORIGINATOR").text = "zorka"
        segment = ET.SubElement(ET.SubElement(omm, "body"), "segment")
        metadata = ET.SubElement(segment, "metadata")
        blocks = {
            "metadata": ["OBJECT_NAME", "OBJECT_ID"],
            "meanElements": list(OMM_KEYS[2:9]),
            "tleParameters": list(OMM_KEYS[9:]),
        }
        for key in blocks["metadata"]:
            ET.SubElement(metadata, key).text = _xml_text(record[key])
        for key, (value, *_) in _EXPECTED.items():
            ET.SubElement(metadata, key).text = value
        data = ET.SubElement(segment, "data")
        for block in ("meanElements", "tleParameters"):
            element = ET.SubElement(data, block)
            for key in blocks[block]:
                ET.SubElement(element, key).text = _xml_text(record[key])
    ET.indent(ndm)
    body = ET.tostring(ndm, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def write_omm(satellites: Iterable[Satellite], format: Literal["json", "xml", "csv"]) -> str:
    """The satellites as an OMM document in CelesTrak's JSON, XML (CCSDS NDM) or CSV form."""
    sats = list(satellites)
    if format == "json":
        return json.dumps([omm_record(s) for s in sats], indent=1) + "\n"
    if format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(OMM_KEYS)
        for sat in sats:
            writer.writerow([_xml_text(v) for v in omm_record(sat).values()])
        return out.getvalue()
    if format == "xml":
        return _write_xml(sats)
    raise ValueError(f"OMM format {format!r} is not one of json, xml, csv")
