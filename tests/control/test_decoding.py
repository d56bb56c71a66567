"""Packets to parameter samples: real Yamcs packets with their XTCE, and the BKA database."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from spacepackets.ecss.tm import PusTm  # type: ignore[import-untyped]

from zorka.control.decoding import LEVEL_CRITICAL, LEVEL_OK, LEVEL_WARNING, PacketDecoder
from zorka.control.encoding import encode_packet
from zorka.control.mdb import MissionDatabase, default_mdb, parse_mdb, read_xtce
from zorka.control.spacepacket import split_packets

YAMCS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ccsds" / "yamcs"


@pytest.fixture(scope="module")
def bka() -> MissionDatabase:
    return default_mdb("bka")


def test_yamcs_packet_viewer_packets_decode_with_their_xtce() -> None:
    mdb = read_xtce(YAMCS / "packet-viewer" / "xtce.xml").database
    data = (YAMCS / "packet-viewer" / "testdata.ccsds").read_bytes()
    packets = [p.data for p in split_packets(data) if not isinstance(p, int)]
    assert len(packets) == 1800
    decoder = PacketDecoder(mdb)
    (batch,) = decoder.decode(packets)
    assert batch.container == "Spacecraft" and len(batch) == 1800
    assert len(decoder.unmatched) == 0
    p = batch.parameters
    count = p["CCSDS_Packet_Sequence.Count"].raw
    # independent reading of the same bytes with struct
    first = struct.unpack(">fIIff", packets[0][6:26])
    assert p["EpochUSNO"].eng[0] == first[0] == 57388.0
    assert p["OrbitNumberCumulative"].raw[0] == first[1]
    assert p["Height"].eng[0] == pytest.approx(first[4])
    elapsed = np.array([struct.unpack(">I", pk[14:18])[0] for pk in packets])
    np.testing.assert_array_equal(p["ElapsedSeconds"].raw, elapsed)
    np.testing.assert_array_equal(count, np.arange(1800) % 16384)
    # containerStart locations count from the packet's first bit: the enumerations overlay the
    # low bits of the sequence count
    for name, shift in (("Enum_Para_1", 0), ("Enum_Para_2", 2), ("Enum_Para_3", 4)):
        np.testing.assert_array_equal(p[name].raw, (count >> shift) & 7)
        assert p[name].eng[5] == f"ENUM_VALUE_{(5 >> shift) & 7}"
    assert p["CCSDS_Packet_Sequence.GroupFlags"].eng[0] == "Standalone"
    assert p["Shadow"].eng.dtype == bool
    assert all(s.valid.all() for s in p.values())


HK_POWER = {
    "BAT_VOLTAGE": 28.5,
    "BAT_CURRENT": -3.25,
    "BAT_TEMP": 20.0,
    "BAT_SOC": 87,
    "SA_CURRENT": 12.0,
    "POWER_MODE": "NOMINAL",
    "HEATER_BAT_ON": "ON",
    "PAYLOAD_POWER_ON": False,
    "XBAND_POWER_ON": True,
}


def _pus_tm(sid: int, body: bytes, seq: int) -> bytes:
    """A PUS-C TM 3,25 packet built by ``spacepackets``, not by zorka."""
    timestamp = struct.pack(">IH", 1_000_000 + seq, 0x8000)
    tm = PusTm(
        service=3,
        message_subtype=25,
        timestamp=timestamp,
        source_data=struct.pack(">H", sid) + body,
        apid=100,
        seq_count=seq,
        has_checksum=False,
    )
    packet: bytes = tm.pack()
    return packet


def test_bka_housekeeping_from_spacepackets_decodes(bka: MissionDatabase) -> None:
    # power: voltage mV, current 10 mA signed, 12-bit thermistor + 4 spare, SoC, SA mA,
    # mode (4 bits) + three flags + spare
    body = struct.pack(">Hh", 28500, -325) + bytes([1800 >> 4, (1800 & 0xF) << 4])
    body += struct.pack(">BH", 87, 12000) + bytes([0b0000_1010])
    packets = [_pus_tm(1, body, seq) for seq in range(5)]
    (batch,) = PacketDecoder(bka).decode(packets)
    assert batch.container == "hk_power"
    row = batch.row(3)
    for name, value in HK_POWER.items():
        expected = {"ON": True}.get(value, value) if isinstance(value, str) else value
        assert row[name] == pytest.approx(expected), name
    assert row["OBT_COARSE"] == 1_000_003 and row["OBT_FINE"] == 0x8000
    assert row["CCSDS_SEQ_COUNT"] == 3 and row["PUS_VERSION"] == 2
    # zorka's encoder writes the same bytes spacepackets does
    values = dict(HK_POWER, CCSDS_SEQ_FLAGS=3, CCSDS_SEQ_COUNT=3, PUS_VERSION=2)
    values |= {"OBT_COARSE": 1_000_003, "OBT_FINE": 0x8000}
    assert encode_packet(bka, "hk_power", values) == bytes(packets[3])


def test_every_bka_container_round_trips(bka: MissionDatabase) -> None:
    rng = np.random.default_rng(5)
    decoder = PacketDecoder(bka)
    concrete = [c.name for c in bka.containers if not c.abstract]
    expected: dict[str, list[dict[str, object]]] = {}
    packets = []
    for name in concrete:
        for _ in range(7):
            values: dict[str, object] = {}
            for item in bka.container_chain(name):
                for entry in item.entries:
                    if not isinstance(entry, str):
                        continue
                    ptype = bka.parameter_type(entry)
                    enc = ptype.encoding
                    if ptype.kind == "enumerated":
                        values[entry] = rng.choice(sorted(ptype.enumeration or {}))
                    elif ptype.kind == "boolean":
                        values[entry] = bool(rng.integers(2))
                    elif ptype.kind == "string":
                        values[entry] = "v1.2"
                    elif enc.kind == "ieee754":
                        values[entry] = float(np.float32(rng.normal()))
                    elif ptype.calibration is None and enc.kind == "unsigned":
                        values[entry] = int(rng.integers(0, 1 << min(enc.bits or 8, 16)))
            for fixed in ("CCSDS_VERSION", "CCSDS_TYPE", "CCSDS_SEC_HDR", "CCSDS_LENGTH"):
                values.pop(fixed, None)
            values.pop("CCSDS_APID", None)
            values.pop("PUS_SERVICE", None)
            values.pop("PUS_SUBTYPE", None)
            values.pop("HK_SID", None)
            packets.append(encode_packet(bka, name, values))
            expected.setdefault(name, []).append(values)
    batches = decoder.decode(packets)
    assert len(decoder.unmatched) == 0
    assert sorted(b.container for b in batches) == sorted(concrete)
    for batch in batches:
        for i, values in enumerate(expected[batch.container]):
            row = batch.row(i)
            for key, value in values.items():
                assert row[key] == pytest.approx(value), (batch.container, key)


def test_limits_by_context_and_validity(bka: MissionDatabase) -> None:
    rates = [0.1, 0.8, 2.0, 2.0, 3.0, 4.0]
    modes = ["NADIR", "NADIR", "NADIR", "SLEW", "SLEW", "SLEW"]
    packets = [
        encode_packet(bka, "hk_attitude", {"ADCS_MODE": m, "RATE_X": r, "ATT_Q4": 1.0})
        for m, r in zip(modes, rates, strict=True)
    ]
    (batch,) = PacketDecoder(bka).decode(packets)
    level = batch.parameters["RATE_X"].level
    # outside a slew 0.5 / 1.5 deg/s; during one 2.5 / 3.5 deg/s
    ok, warn, crit = LEVEL_OK, LEVEL_WARNING, LEVEL_CRITICAL
    assert level.tolist() == [ok, warn, crit, ok, warn, crit]
    # a truncated packet: fields past its end are invalid, the ones before are not
    short = packets[0][:22]
    decoder = PacketDecoder(bka)
    (cut,) = decoder.decode([short])
    assert cut.parameters["HK_SID"].valid.all()
    assert not cut.parameters["RATE_X"].valid.any()
    assert not cut.parameters["RATE_X"].level.any()


def test_encodings_and_calibrations() -> None:
    def ptype(encoding: dict[str, object], **extra: object) -> dict[str, object]:
        return {"kind": extra.pop("kind", "integer"), "encoding": encoding, **extra}

    mdb = parse_mdb(
        {
            "name": "enc",
            "parameters": [
                {"name": "S3", "type": ptype({"kind": "twos_complement", "bits": 3})},
                {"name": "SM", "type": ptype({"kind": "sign_magnitude", "bits": 5})},
                {"name": "OC", "type": ptype({"kind": "ones_complement", "bits": 8})},
                {
                    "name": "LE",
                    "type": ptype({"kind": "unsigned", "bits": 16, "byte_order": "little"}),
                },
                {"name": "U60", "type": ptype({"kind": "unsigned", "bits": 60})},
                {
                    "name": "SP",
                    "type": ptype(
                        {"kind": "unsigned", "bits": 8},
                        kind="float",
                        calibration={"spline": [{"raw": 0, "eng": 0}, {"raw": 100, "eng": 50}]},
                    ),
                },
                {"name": "D64", "type": ptype({"kind": "ieee754", "bits": 64}, kind="float")},
                {
                    "name": "TXT",
                    "type": ptype({"kind": "string", "size_prefix_bits": 8}, kind="string"),
                },
                {"name": "BIN", "type": ptype({"kind": "binary", "bits": 24}, kind="binary")},
            ],
            "containers": [
                {"name": "c", "entries": ["S3", "SM", "OC", "LE", "U60", "SP", "D64", "TXT", "BIN"]}
            ],
        }
    )
    values = {
        "S3": -4, "SM": -9, "OC": -5, "LE": 0x1234, "U60": (1 << 60) - 3, "SP": 25.0,
        "D64": -1.5e300, "TXT": "héllo", "BIN": b"\x01\x02\x03",
    }  # fmt: skip
    packet = encode_packet(mdb, "c", values)
    assert packet[2:4] == b"\x34\x12"  # 3+5+8 bits, then the little-endian field
    beyond = encode_packet(mdb, "c", dict(values, SP=150), raw=True)
    (batch,) = PacketDecoder(mdb).decode([packet, beyond])
    row = batch.row(0)
    assert row == dict(values)
    assert not batch.parameters["SP"].valid[1]  # 150 raw is beyond the spline's points
