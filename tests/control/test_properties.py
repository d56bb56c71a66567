"""Property tests (hypothesis): packets and commands round-trip, parsers never crash.

Round trips cover every concrete container and command of the BKA database and the Yamcs
packet-viewer XTCE: raw values drawn from each parameter's encoding are encoded into a packet
and must decode to the same container and values; valid arguments drawn from each argument's
type are encoded into a PUS-C telecommand and must decode to the same command. The fuzz tests
feed arbitrary bytes to every parser of the link layer: each may refuse its input with its own
error type, and nothing else.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zorka.control.aosframe import AosFrame
from zorka.control.cltu import decode_cltu
from zorka.control.commanddecoding import CommandDecodeError, decode_command
from zorka.control.commanding import CommandEncoder, validate_command
from zorka.control.decoding import PacketDecoder
from zorka.control.downlink import DownlinkConfig, DownlinkDecoder
from zorka.control.encoding import encode_packet
from zorka.control.errors import LinkLayerError
from zorka.control.framing import TmFramer, encode_cadus
from zorka.control.mdb import MissionDatabase, ParameterType, default_mdb, read_xtce
from zorka.control.mdb.model import ArgumentType, Entry
from zorka.control.packetextraction import PacketExtractor
from zorka.control.spacepacket import split_packets
from zorka.control.tcframe import TcFrame
from zorka.control.tmframe import TmFrame

YAMCS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ccsds" / "yamcs"
BKA = default_mdb()
VIEWER = read_xtce(YAMCS / "packet-viewer" / "xtce.xml").database
PROPERTY = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
_LENGTH_FIELDS = {"CCSDS_LENGTH", "CCSDS_Packet_Length"}  # set by the encoder itself


def _raw_values(ptype: ParameterType) -> st.SearchStrategy[Any]:
    enc = ptype.encoding
    if ptype.kind == "enumerated":
        return st.sampled_from(sorted((ptype.enumeration or {}).values()))
    if ptype.kind == "boolean":
        return st.integers(0, 1)
    if ptype.kind == "string":
        size = (enc.bits or 64) // 8
        return st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=size)
    if ptype.kind == "binary":
        return st.binary(max_size=(enc.bits or 256) // 8)
    if enc.kind == "ieee754":
        return st.floats(width=enc.bits or 64, allow_nan=False, allow_infinity=False)
    bits = enc.bits or 8
    if enc.kind == "unsigned":
        return st.integers(0, (1 << bits) - 1)
    if enc.kind == "twos_complement":
        return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    return st.integers(-((1 << (bits - 1)) - 1), (1 << (bits - 1)) - 1)


def _free_parameters(mdb: MissionDatabase, container: str) -> list[str]:
    """Parameters of the container's chain that a round trip may set (not fixed, not placed)."""
    chain = mdb.container_chain(container)
    fixed = {c.parameter for item in chain for c in item.restriction}
    names = []
    for item in chain:
        for entry in item.entries:
            ref = Entry(parameter=entry) if isinstance(entry, str) else entry
            # entries placed at absolute positions overlap others in the packet-viewer file
            if ref.parameter is None or ref.location_bits is not None:
                continue
            if ref.parameter not in fixed and ref.parameter not in _LENGTH_FIELDS:
                names.append(ref.parameter)
    return names


CASES = [
    (mdb, c.name)
    for mdb in (BKA, VIEWER)
    for c in mdb.containers
    if not c.abstract
]  # fmt: skip


@pytest.mark.parametrize(("mdb", "container"), CASES, ids=[f"{m.name}-{c}" for m, c in CASES])
def test_every_container_round_trips(mdb: MissionDatabase, container: str) -> None:
    names = _free_parameters(mdb, container)
    strategy = st.fixed_dictionaries({n: _raw_values(mdb.parameter_type(n)) for n in names})
    decoder = PacketDecoder(mdb)

    @PROPERTY
    @given(strategy)
    def round_trip(values: dict[str, Any]) -> None:
        if "CCSDS_VERSION" in values:
            values = {**values, "CCSDS_VERSION": 0}  # the length is only written for version 0
        packet = encode_packet(mdb, container, values, raw=True)
        (batch,) = decoder.decode([packet])
        assert batch.container == container
        for name, given_value in values.items():
            samples = batch.parameters[name]
            ptype = mdb.parameter_type(name)
            if ptype.kind == "string":
                assert samples.eng[0] == given_value, name
            elif ptype.kind == "binary":
                assert samples.raw[0] == given_value.ljust(len(samples.raw[0]), b"\0"), name
            else:
                assert samples.raw[0] == given_value, name
                # a spline calibration makes values outside its points invalid, by design
                spline = ptype.calibration is not None and ptype.calibration.spline is not None
                assert samples.valid[0] or spline, name
        length = next((batch.parameters[n] for n in _LENGTH_FIELDS if n in batch.parameters), None)
        if length is not None:
            assert length.raw[0] == len(packet) - 7

    round_trip()


def _argument_values(atype: ArgumentType) -> st.SearchStrategy[Any]:
    rng = atype.valid_range
    if atype.kind == "enumerated":
        return st.sampled_from(sorted(atype.enumeration or {}))
    if atype.kind == "boolean":
        return st.booleans()
    if atype.kind == "binary":
        return st.binary(max_size=200)
    if atype.kind == "string":
        return st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=8)
    enc = atype.encoding
    if atype.kind == "float":
        lo = rng.min if rng and rng.min is not None else -1e6
        hi = rng.max if rng and rng.max is not None else 1e6
        width = enc.bits if enc.kind == "ieee754" else 64
        return st.floats(lo, hi, width=width or 64)
    bits = enc.bits or 8
    half = 1 << (bits - 1)
    lo, hi = (0, 2 * half - 1) if enc.kind == "unsigned" else (1 - half, half - 1)
    if rng is not None:
        lo = max(lo, math.ceil(rng.min)) if rng.min is not None else lo
        hi = min(hi, math.floor(rng.max)) if rng.max is not None else hi
    return st.integers(lo, hi)


COMMANDS = [c.name for c in BKA.commands if not c.abstract]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_round_trips(name: str) -> None:
    chain = BKA.command_chain(name)
    assigned = {k for c in chain[1:] for k in c.assignments}
    strategy = st.fixed_dictionaries(
        {
            a.name: _argument_values(BKA.argument_type(a))
            for c in chain
            for a in c.arguments
            if a.name not in assigned and a.name not in ("APID", "SERVICE", "SUBTYPE")
        }
    )
    encoder = CommandEncoder(BKA)

    @PROPERTY
    @given(strategy, st.integers(0, (1 << 14) - 1))
    def round_trip(arguments: dict[str, Any], sequence: int) -> None:
        resolved = validate_command(BKA, name, arguments)
        decoded = decode_command(BKA, encoder.encode(resolved, sequence))
        assert decoded.name == name
        assert decoded.arguments == resolved.values
        assert decoded.sequence_count == sequence

    round_trip()


@PROPERTY
@given(st.lists(st.binary(min_size=7, max_size=1500), max_size=40), st.integers(200, 1200))
def test_framer_round_trips_any_packets(payloads: list[bytes], frame_length: int) -> None:
    # space packets of APID 5 with the payloads as data, framed and coded, come back exactly
    packets = [
        bytes([0x00, 0x05, 0xC0 | (i >> 8 & 0x3F), i & 0xFF]) + (len(p) - 1).to_bytes(2, "big") + p
        for i, p in enumerate(payloads)
    ]
    framer = TmFramer(7, 1, frame_length=frame_length, has_fecf=True)
    frames = framer.push(packets) + framer.flush()
    config = DownlinkConfig(frame_length=frame_length, derandomize=True, has_fecf=True)
    decoder = DownlinkDecoder(config)
    out = decoder.feed(b"".join(encode_cadus(frames, config)))
    assert [p.data for p in out] == packets
    assert decoder.stats.frames_invalid == decoder.stats.packets_invalid == 0


# -- fuzzing: refuse with the module's own error, never crash ------------------------------------

FUZZ = settings(max_examples=150, deadline=None, database=None)
CONFIGS = [
    DownlinkConfig(asm=None, frame_length=64),
    DownlinkConfig(asm=None, frame_length=64, has_fecf=True, packet_kind="encapsulation"),
    DownlinkConfig(asm=None, frame_type="aos", frame_length=96, aos_has_ocf=True),
    DownlinkConfig(derandomize=True, rs_interleave=1, frame_length=223),
]


@FUZZ
@given(st.sampled_from(CONFIGS), st.lists(st.binary(max_size=600), max_size=12))
def test_downlink_decoder_survives_any_stream(config: DownlinkConfig, pieces: list[bytes]) -> None:
    decoder = DownlinkDecoder(config)
    for piece in pieces:
        decoder.feed(piece)
        decoder.feed_units([piece, bytes([0x00 if config.frame_type == "tm" else 0x40]) + piece])
    stats = decoder.stats
    assert stats.frames + stats.frames_invalid <= stats.cadus


@FUZZ
@given(st.sampled_from([BKA, VIEWER]), st.lists(st.binary(max_size=160), max_size=20))
def test_packet_decoder_survives_any_packets(mdb: MissionDatabase, packets: list[bytes]) -> None:
    decoder = PacketDecoder(mdb)
    batches = decoder.decode(packets)
    assert sum(len(b) for b in batches) + len(decoder.unmatched) == len(packets)


@FUZZ
@given(st.binary(max_size=400))
def test_frame_and_packet_parsers_refuse_cleanly(data: bytes) -> None:
    for parse in (
        lambda: TmFrame.from_bytes(data, has_fecf=True),
        lambda: AosFrame.from_bytes(data, has_ocf=True, has_fecf=True),
        lambda: TcFrame.from_bytes(data, has_segment_header=True, has_fecf=True),
        lambda: decode_cltu(b"\xeb\x90" + data),
    ):
        with contextlib.suppress(LinkLayerError):
            parse()
    for item in split_packets(data):
        assert isinstance(item, int) or len(item.data) >= 7
    extractor = PacketExtractor("space")
    extractor.push(data, 0 if not data else data[0] % 64, continuous=bool(len(data) % 2))
    with contextlib.suppress(CommandDecodeError):
        decode_command(BKA, data)
