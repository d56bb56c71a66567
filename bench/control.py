"""Telemetry throughput: packets and samples decoded and archived, beside space_packet_parser.

    python bench/control.py [--packets 200000] [--spp-packets 20000]

Both decoders read the same definitions: the BKA housekeeping database exported here to XTCE
1.2 (every container, parameter type and calibration it uses: integers, IEEE floats, enumerations,
booleans, fixed-size strings, polynomial and spline calibrations, inheritance with restriction
criteria; spare bits become spare parameters), read by zorka's XTCE importer and by
space_packet_parser's ``load_xtce``. The packets are the simulator's housekeeping (6 structures,
63 to 73 bytes) with varying values. Frame decoding runs the whole receive chain on randomised,
RS(255,223)x5 coded CADUs of 1115-byte TM frames carrying those packets.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np

from zorka.control.archive import SqliteArchive
from zorka.control.decoding import PacketDecoder
from zorka.control.downlink import DownlinkConfig, DownlinkDecoder
from zorka.control.encoding import encode_packet
from zorka.control.framing import TmFramer, encode_cadus
from zorka.control.ingest import TelemetryIngester
from zorka.control.mdb import MissionDatabase, ParameterType, default_mdb, read_xtce
from zorka.control.mdb.model import Entry
from zorka.simulator import SpacecraftModel

NS = "http://www.omg.org/spec/XTCE/20180204"
_ENC = {"unsigned": "unsigned", "twos_complement": "twosComplement",
        "sign_magnitude": "signMagnitude", "ones_complement": "onesComplement"}  # fmt: skip


def _el(parent: ET.Element, tag: str, **attrs: object) -> ET.Element:
    return ET.SubElement(parent, f"{{{NS}}}{tag}", {k: str(v) for k, v in attrs.items()})


def _encoding(parent: ET.Element, ptype: ParameterType) -> None:
    enc = ptype.encoding
    if enc.kind == "ieee754":
        _el(parent, "FloatDataEncoding", sizeInBits=enc.bits, encoding="IEEE754_1985")
        return
    if enc.kind == "string":
        sde = _el(parent, "StringDataEncoding", encoding="US-ASCII")
        size = _el(_el(sde, "SizeInBits"), "Fixed")
        _el(size, "FixedValue").text = str(enc.bits)
        return
    ide = _el(parent, "IntegerDataEncoding", sizeInBits=enc.bits, encoding=_ENC[enc.kind])
    cal = ptype.calibration
    if cal is None:
        return
    default = _el(ide, "DefaultCalibrator")
    if cal.polynomial is not None:
        poly = _el(default, "PolynomialCalibrator")
        for exponent, coefficient in enumerate(cal.polynomial):
            _el(poly, "Term", coefficient=coefficient, exponent=exponent)
    else:
        spline = _el(
            default, "SplineCalibrator", order=cal.order, extrapolate=str(cal.extrapolate).lower()
        )
        for point in cal.spline or []:
            _el(spline, "SplinePoint", raw=point.raw, calibrated=point.eng)


def export_xtce(mdb: MissionDatabase) -> str:
    """The telemetry of ``mdb`` as XTCE 1.2 (the subset the BKA database uses)."""
    root = ET.Element(f"{{{NS}}}SpaceSystem", {"name": mdb.name})
    tm = _el(root, "TelemetryMetaData")
    types, params, containers = (_el(tm, t) for t in
                                 ("ParameterTypeSet", "ParameterSet", "ContainerSet"))  # fmt: skip
    spares: set[int] = set()

    def add_type(name: str, ptype: ParameterType) -> None:
        kind = ptype.kind
        if kind == "enumerated":
            t = _el(types, "EnumeratedParameterType", name=name)
            _encoding(t, ptype)
            labels = _el(t, "EnumerationList")
            for label, value in (ptype.enumeration or {}).items():
                _el(labels, "Enumeration", value=value, label=label)
        elif kind == "boolean":
            t = _el(types, "BooleanParameterType", name=name, oneStringValue=ptype.true_label,
                    zeroStringValue=ptype.false_label)  # fmt: skip
            _encoding(t, ptype)
        elif kind == "string":
            t = _el(types, "StringParameterType", name=name)
            _encoding(t, ptype)
        elif kind == "float":
            t = _el(types, "FloatParameterType", name=name, sizeInBits=64)
            if ptype.unit:
                _el(_el(t, "UnitSet"), "Unit").text = ptype.unit
            _encoding(t, ptype)
        else:
            signed = ptype.encoding.kind != "unsigned"
            t = _el(types, "IntegerParameterType", name=name, signed=str(signed).lower(),
                    sizeInBits=64)  # fmt: skip
            _encoding(t, ptype)

    for parameter in mdb.parameters:
        add_type(f"{parameter.name}_Type", mdb.parameter_type(parameter.name))
        _el(params, "Parameter", name=parameter.name, parameterTypeRef=f"{parameter.name}_Type")
    for container in mdb.containers:
        c = _el(containers, "SequenceContainer", name=container.name,
                abstract=str(container.abstract).lower())  # fmt: skip
        entries = _el(c, "EntryList")
        for entry in container.entries:
            ref = Entry(parameter=entry) if isinstance(entry, str) else entry
            if ref.spare is not None:
                name = f"SPARE_{ref.spare}"
                if ref.spare not in spares:
                    spares.add(ref.spare)
                    t = _el(types, "IntegerParameterType", name=f"{name}_Type", signed="false")
                    _el(t, "IntegerDataEncoding", sizeInBits=ref.spare, encoding="unsigned")
                    _el(params, "Parameter", name=name, parameterTypeRef=f"{name}_Type")
                _el(entries, "ParameterRefEntry", parameterRef=name)
            else:
                _el(entries, "ParameterRefEntry", parameterRef=ref.parameter)
        if container.base is not None:
            base = _el(c, "BaseContainer", containerRef=container.base)
            if container.restriction:
                comparisons = _el(_el(base, "RestrictionCriteria"), "ComparisonList")
                for comp in container.restriction:
                    ptype = mdb.parameter_type(comp.parameter)
                    value = comp.value
                    if ptype.kind == "enumerated":
                        value = (ptype.enumeration or {})[str(value)]
                    elif ptype.kind == "boolean" and isinstance(value, str):
                        value = int(value == ptype.true_label)
                    _el(comparisons, "Comparison", parameterRef=comp.parameter, value=int(value),
                        useCalibratedValue="false")  # fmt: skip
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def housekeeping_packets(mdb: MissionDatabase, n: int) -> list[bytes]:
    """``n`` housekeeping packets of the simulator's model, values changing every second."""
    model = SpacecraftModel("bench")
    rng = np.random.default_rng(1)
    base: list[bytes] = []
    utc = datetime(2024, 9, 5, tzinfo=UTC)
    r, v = np.array([7000.0, 0, 0]), np.array([0.0, 7.5, 0])
    seconds = 0
    while len(base) < min(n, 6000):
        model.step(utc, 1.0, bool(seconds % 5400 < 3600), r, v)
        model.memory_used_mbit = float(rng.integers(0, 150_000))
        for container, values in model.housekeeping().items():
            header = {"CCSDS_SEQ_FLAGS": 3, "CCSDS_SEQ_COUNT": len(base) % 16384, "PUS_VERSION": 2,
                      "OBT_COARSE": 21_000_000 + seconds, "OBT_FINE": 0}  # fmt: skip
            base.append(encode_packet(mdb, container, {**header, **values}))
        seconds += 1
    return (base * (n // len(base) + 1))[:n]


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f}/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=200_000)
    parser.add_argument("--spp-packets", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=20_000, help="packets per archive batch")
    args = parser.parse_args()
    import space_packet_parser as spp

    print(f"zorka bench/control.py on {platform.python_implementation()} "
          f"{platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        xtce = Path(folder) / "bka.xtce.xml"
        xtce.write_text(export_xtce(default_mdb()), encoding="utf-8")
        imported = read_xtce(xtce)
        mdb = imported.database.model_copy(update={"onboard_time": default_mdb().onboard_time})
        mdb.model_post_init(None)
        assert not imported.issues, [str(i) for i in imported.issues]
        definition = spp.load_xtce(xtce)
        packets = housekeeping_packets(default_mdb(), args.packets)
        mbytes = sum(map(len, packets)) / 1e6
        print(f"{len(packets):,} housekeeping packets ({mbytes:.1f} MB), "
              f"definitions: {xtce.name} (exported BKA)")  # fmt: skip

        decoder = PacketDecoder(mdb)
        decoder.decode(packets[:1000])  # warm up
        t0 = time.perf_counter()
        batches = decoder.decode(packets)
        decode_s = time.perf_counter() - t0
        samples = sum(len(b) * len(b.parameters) for b in batches)
        assert len(decoder.unmatched) == 0

        with SqliteArchive(Path(folder) / "a.sqlite") as archive:
            ingester = TelemetryIngester(mdb, archive, source="bench")
            t0 = time.perf_counter()
            for i in range(0, len(packets), args.batch):
                ingester.ingest_packets(packets[i : i + args.batch], received_unix_s=1.7e9 + i)
            archive_s = time.perf_counter() - t0
            archived = ingester.counts.samples

        subset = packets[: args.spp_packets]
        t0 = time.perf_counter()
        parsed = [definition.parse_bytes(p, root_container_name="ccsds") for p in subset]
        spp_s = time.perf_counter() - t0
        spp_samples = sum(len(p) for p in parsed)
        # the two agree on the values
        first = parsed[0]
        (mine,) = [b for b in decoder.decode(subset[:1])]
        assert (
            abs(float(first["BAT_VOLTAGE"]) - float(mine.parameters["BAT_VOLTAGE"].eng[0])) < 1e-9
        )
        assert first["POWER_MODE"] == mine.parameters["POWER_MODE"].eng[0]

    print()
    print(f"{'':34}{'packets':>14}{'samples':>16}")
    print(f"{'zorka decode (numpy batches)':34}{_rate(len(packets), decode_s)}"
          f"{_rate(samples, decode_s):>16}")  # fmt: skip
    print(f"{'zorka decode + limits + archive':34}{_rate(len(packets), archive_s)}"
          f"{_rate(archived, archive_s):>16}   (SQLite, batches of {args.batch:,})")  # fmt: skip
    label = f"space_packet_parser {version('space_packet_parser')}"
    print(f"{label:34}"
          f"{_rate(len(subset), spp_s)}{_rate(spp_samples, spp_s):>16}   "
          f"(parse_bytes, {len(subset):,} packets)")  # fmt: skip
    print(
        f"zorka decode is {(len(packets) / decode_s) / (len(subset) / spp_s):.0f}x "
        f"space_packet_parser on the same packets and definitions"
    )

    # -- frames ------------------------------------------------------------------------------
    config = DownlinkConfig(derandomize=True, rs_interleave=5)
    framer = TmFramer(42)
    frames = framer.push(packets) + framer.flush()
    stream = b"".join(encode_cadus(frames, config))
    best = float("inf")
    for _ in range(3):
        receiver = DownlinkDecoder(config)
        t0 = time.perf_counter()
        out = receiver.feed(stream)
        best = min(best, time.perf_counter() - t0)
    assert len(out) == len(packets) and receiver.stats.frames_invalid == 0
    noisy = bytearray(stream)
    rng = np.random.default_rng(3)
    cadu = len(stream) // len(frames)
    for k in range(len(frames)):  # 8 byte errors in every CADU, all corrected
        for pos in rng.choice(np.arange(4, cadu), 8, replace=False):
            noisy[k * cadu + int(pos)] ^= 0xFF
    receiver = DownlinkDecoder(config)
    t0 = time.perf_counter()
    out = receiver.feed(bytes(noisy))
    noisy_s = time.perf_counter() - t0
    assert len(out) == len(packets), receiver.stats
    print()
    print(f"frames: {len(frames):,} CADUs of {cadu} bytes ({len(stream) * 8 / 1e6:,.0f} Mbit), "
          f"derandomise + RS(255,223)x5 + frame checks + packet extraction")  # fmt: skip
    print(f"  clean stream       {len(stream) * 8 / 1e6 / best:8.0f} Mbit/s")
    print(f"  8 errors per CADU  {len(stream) * 8 / 1e6 / noisy_s:8.0f} Mbit/s   "
          f"({receiver.stats.rs_corrected:,} RS symbols corrected)")  # fmt: skip


if __name__ == "__main__":
    main()
