"""``zorka frames decode`` on the dariol83 dumps and ``zorka packets decode`` on Yamcs' packets."""

from __future__ import annotations

import csv
import io
import json
import struct
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

import zorka.cli.frames  # noqa: F401 - registers the commands on the app
from zorka.cli.app import app
from zorka.control.encoding import encode_packet
from zorka.control.framesync import ASM
from zorka.control.hexdump import read_hex_dump
from zorka.control.mdb import default_mdb
from zorka.control.randomizer import randomize_tm
from zorka.control.reedsolomon import ReedSolomon
from zorka.control.spacepacket import split_packets
from zorka.control.tmframe import TmFrame

runner = CliRunner()
KEYS = [
    "cadus", "rs_corrected", "rs_uncorrectable", "frames", "frames_invalid", "frames_by_vcid",
    "frame_sequence_errors", "frames_missing", "packets", "packets_invalid", "packets_by_apid",
    "packet_sequence_errors", "packets_missing",
]  # fmt: skip


def _json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_tm_dump_counts_and_packets_out(dariol83: Path, tmp_path: Path) -> None:
    out = tmp_path / "packets.bin"
    stats = _json(
        ["frames", "decode", str(dariol83 / "dumpFile_tm_1.hex"), "--rs-interleave", "5",
         "--no-rs-check", "--packets-out", str(out)]
    )  # fmt: skip
    assert list(stats) == KEYS
    assert stats["cadus"] == stats["frames"] == 152
    assert stats["frames_by_vcid"] == {"0": 122, "7": 30}
    assert stats["frames_invalid"] == stats["frame_sequence_errors"] == 0
    assert stats["packets"] == 613 and stats["packets_by_apid"] == {"1130": 613}
    assert stats["packets_invalid"] == 0
    packets = [p for p in split_packets(out.read_bytes())]
    assert len(packets) == 613 and not any(isinstance(p, int) for p in packets)


def test_aos_dump_counts(dariol83: Path) -> None:
    stats = _json(
        ["frames", "decode", str(dariol83 / "dumpFile_aos_1.hex"), "--frame-type", "aos",
         "--frame-length", "892", "--rs-interleave", "4", "--ocf"]
    )  # fmt: skip
    assert stats["frames_by_vcid"] == {"0": 11, "1": 6, "63": 13}
    assert stats["rs_corrected"] == stats["rs_uncorrectable"] == 0
    assert stats["packets"] == 36 and stats["packets_invalid"] == 0


def test_gap_dump_counts(dariol83: Path) -> None:
    stats = _json(["frames", "decode", str(dariol83 / "dumpFile_tm_gap_1.hex"), "--asm", ""])
    assert stats["frames"] == 11
    assert stats["frame_sequence_errors"] == 3 and stats["frames_missing"] == 4
    assert stats["packets"] == 5 and stats["packets_invalid"] == 2


def test_binary_stream_randomised_rs_with_errors(dariol83: Path, tmp_path: Path) -> None:
    # the dariol83 TM frames, RS-encoded and randomised here, one CADU damaged beyond repair
    frames = [unit[4:1119] for unit in read_hex_dump(dariol83 / "dumpFile_tm_1.hex")]
    rs = ReedSolomon(5)
    cadus = [bytearray(ASM + randomize_tm(rs.encode(f)[0].tobytes())) for f in frames[:40]]
    for i in range(4, 4 + 17 * 5, 5):  # 17 symbol errors in one codeword: uncorrectable
        cadus[10][4 + i] ^= 0x5A
    for i in range(0, 16 * 5, 5):  # 16 in another CADU: corrected
        cadus[20][4 + i] ^= 0xA5
    path = tmp_path / "pass.bin"
    path.write_bytes(b"junk" + b"".join(cadus))
    table = runner.invoke(
        app, ["frames", "decode", str(path), "--derandomize", "--rs-interleave", "5"]
    )
    assert table.exit_code == 0 and "rs corrected" in table.stdout
    stats = _json(["frames", "decode", str(path), "--derandomize", "--rs-interleave", "5"])
    assert stats["cadus"] == 40 and stats["frames"] == 39 and stats["frames_invalid"] == 1
    assert stats["rs_corrected"] == 16 and stats["rs_uncorrectable"] == 1
    assert stats["frames_missing"] == 1
    assert TmFrame.from_bytes(frames[0]).spacecraft_id == 123


def test_bad_options_teach(dariol83: Path) -> None:
    path = str(dariol83 / "dumpFile_tm_1.hex")
    result = runner.invoke(app, ["frames", "decode", path, "--asm", "XYZ"])
    assert result.exit_code == 1 and "not hex" in result.output
    result = runner.invoke(app, ["frames", "decode", path, "--frame-type", "tc"])
    assert result.exit_code == 1 and "use tm or aos" in result.output


def test_yamcs_packets_with_their_xtce(yamcs_packets: Path) -> None:
    xtce = yamcs_packets.parent / "xtce.xml"
    result = runner.invoke(app, ["packets", "decode", str(yamcs_packets), "--xtce", str(xtce)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1800
    first = rows[0]
    assert first["container"] == "Spacecraft" and first["CCSDS_Packet_ID.APID"] == "100"
    assert [r["CCSDS_Packet_Sequence.Count"] for r in rows[:3]] == ["0", "1", "2"]
    data = yamcs_packets.read_bytes()
    epoch, orbit, _elapsed, _a, height = struct.unpack(">fIIff", data[6:26])
    assert float(first["EpochUSNO"]) == epoch and int(first["OrbitNumberCumulative"]) == orbit
    assert float(first["Height"]) == height
    assert not any(name.endswith("__raw") for name in first)  # nothing calibrated there


def test_bka_packets_csv_json_parquet(tmp_path: Path) -> None:
    mdb = default_mdb()
    packets = [
        encode_packet(mdb, "hk_power", {"BAT_VOLTAGE": 28.5, "BAT_SOC": 80, "BAT_TEMP": 20.0,
                                        "POWER_MODE": "SAFE"}),
        encode_packet(mdb, "hk_attitude", {"ADCS_MODE": "NADIR", "RW1_SPEED": -1200}),
    ]  # fmt: skip
    path = tmp_path / "tm.bin"
    path.write_bytes(b"".join(packets) + b"\xe0")
    result = runner.invoke(app, ["packets", "decode", str(path), "--mdb", "bka"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["container"] for r in rows] == ["hk_power", "hk_attitude"]
    names = list(rows[0])
    assert names.index("BAT_VOLTAGE__raw") == names.index("BAT_VOLTAGE") + 1
    assert "BAT_SOC__raw" not in names and "CCSDS_APID" in names and "OBT_COARSE" in names
    assert rows[0]["BAT_VOLTAGE"] == "28.5" and rows[0]["BAT_VOLTAGE__raw"] == "28500"
    assert rows[0]["BAT_TEMP"] == "20.0" and rows[0]["BAT_TEMP__raw"] == "1800"
    assert rows[0]["POWER_MODE"] == "SAFE" and rows[1]["RW1_SPEED"] == "-1200"
    assert rows[1]["BAT_VOLTAGE"] == ""  # not in the attitude packet
    assert "no whole packet at byte" in result.output

    out = tmp_path / "tm.json"
    result = runner.invoke(
        app, ["packets", "decode", str(path), "--mdb", "bka", "--format", "json", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    records = json.loads(out.read_text())
    assert records[1]["ADCS_MODE"] == "NADIR" and "BAT_VOLTAGE" not in records[1]

    result = runner.invoke(app, ["packets", "decode", str(path), "--mdb", "bka", "--format",
                                 "parquet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pq.read_table(tmp_path / "tm.parquet")
    assert table.num_rows == 2 and table.column("BAT_VOLTAGE__raw").to_pylist()[0] == 28500


def test_packets_decode_needs_one_database(yamcs_packets: Path) -> None:
    result = runner.invoke(app, ["packets", "decode", str(yamcs_packets)])
    assert result.exit_code == 1 and "--xtce FILE or --mdb" in result.output
