"""XTCE import of the Yamcs files in the shared data: what imports, and what is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from zorka.control.mdb import database_issues, load_mdb, parse_xtce, read_xtce

YAMCS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ccsds" / "yamcs"


def test_packet_viewer_xtce_imports_completely() -> None:
    result = read_xtce(YAMCS / "packet-viewer" / "xtce.xml")
    assert result.issues == []
    mdb = result.database
    assert database_issues(mdb) == []
    # aggregates are flattened into members, named PARENT.member
    assert mdb.parameter_type("Position.x").kind == "float"
    assert mdb.parameter_type("CCSDS_Packet_ID.Type").true_label == "TC"
    spacecraft = mdb.container("Spacecraft")
    assert spacecraft.base == "TelemetryPacket"
    assert [c.parameter for c in spacecraft.restriction] == [
        "CCSDS_Packet_ID.SecHdrFlag",
        "CCSDS_Packet_ID.APID",
    ]
    assert mdb.command("SwitchVoltageOn").assignments == {"Packet_ID": 2}
    battery = mdb.command("SwitchVoltageOn").arguments[0]
    valid = mdb.argument_type(battery).valid_range
    assert valid is not None and (valid.min, valid.max) == (1, 3)
    assert mdb.command("Reboot").critical
    assert load_mdb(YAMCS / "packet-viewer" / "xtce.xml") == mdb


def test_bogussat_reports_what_it_cannot_import_by_element_path() -> None:
    result = read_xtce(YAMCS / "xtce" / "BogusSAT-1.xml")
    mdb = result.database
    assert database_issues(mdb) == []
    text = result.report()
    # each problem names the element; unsupported constructs are listed, not silently dropped
    assert "SplineCalibrator: unsupported: spline order 2" in text
    assert "MathOperationCalibrator: unsupported" in text
    assert "'MILSTD_1750A' is not supported" in text
    assert "RepeatEntry: unsupported" in text
    assert "ValidityCondition: ignored" in text
    assert "/SpaceSystem[@name='BogusSAT']/SpaceSystem[@name='SC001']" in text
    # what maps is kept: polynomial and spline calibrations, context alarms and calibrations
    voltage = mdb.parameter_types["Battery_Voltage_Type"]
    assert [lim.when[0].value for lim in voltage.limits[:2]] == ["CHARGE", "DISCHARGE"]
    assert voltage.limits[-1].when == []
    sun = mdb.parameter_types["SunSensorPolyCalType"]
    assert sun.context_calibrations and sun.context_calibrations[0].calibration.polynomial


def test_pus_files_import_together_and_resolve_each_other() -> None:
    files = ["dt.xml", "pus.xml", "pus5.xml", "pus11.xml", "pus17.xml"]
    result = read_xtce(*(YAMCS / "pus-mdb" / name for name in files))
    mdb = result.database
    assert database_issues(mdb) == []
    # /dt/uint11 from pus.xml, and the baseType rename PusSourceIdType -> /dt/uint16; a name
    # defined in two space systems keeps its path
    assert mdb.parameter_type("PUS/apid").encoding.bits == 11
    assert mdb.argument_types["PusSourceIdType"].encoding.bits == 16
    text = result.report()
    assert "FromBinaryTransformAlgorithm" in text  # the CUC time decoder is Java code
    assert "ArrayParameterType" in text
    assert "container 'pus-tm' left out" in text


def test_verifiers_and_green_book() -> None:
    result = read_xtce(YAMCS / "pus-mdb" / "dt.xml", YAMCS / "pus-mdb" / "pus-xtce-verif.xml")
    assert "BooleanExpression verifiers are not supported" in result.report()
    green = read_xtce(YAMCS / "xtce" / "ccsds-green-book.xml")
    assert "IncludeCondition: unsupported" in green.report()
    poly = green.database.parameter_types["PBATMTEMPType"].calibration
    assert poly is not None and poly.polynomial is not None and len(poly.polynomial) == 5


def test_inline_document_and_bad_root() -> None:
    doc = """<SpaceSystem name="t" xmlns="http://www.omg.org/spec/XTCE/20180204">
      <TelemetryMetaData><ParameterTypeSet>
        <IntegerParameterType name="le16" signed="true">
          <IntegerDataEncoding sizeInBits="16" encoding="twosComplement"
             byteOrder="leastSignificantByteFirst"/>
        </IntegerParameterType>
      </ParameterTypeSet>
      <ParameterSet><Parameter name="x" parameterTypeRef="le16"/></ParameterSet>
      <ContainerSet><SequenceContainer name="c"><EntryList>
        <ParameterRefEntry parameterRef="x"/></EntryList></SequenceContainer></ContainerSet>
      </TelemetryMetaData></SpaceSystem>"""
    result = parse_xtce([("inline.xml", doc)])
    assert result.issues == []
    enc = result.database.parameter_type("x").encoding
    assert (enc.kind, enc.byte_order) == ("twos_complement", "little")
    with pytest.raises(ValueError, match="not SpaceSystem"):
        parse_xtce([("bad.xml", "<Foo/>")])


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_xtce(tmp_path / "none.xml")
