"""Telecommanding: validate, encode (PUS-C), wrap for uplink, queue, release, send and verify.

A command goes through these steps, each recorded in the archive's command history:

1. **validate** (:func:`validate_command`): every argument of the command and its bases is
   checked against the database - kind, enumeration labels, ``valid_range``, and that it fits its
   encoding; defaults fill what is not given, ``assignments`` of derived commands fix base
   arguments. All problems are reported at once, each with the argument, the value and what is
   allowed. Only a command that validates is ever encoded.
2. **encode** (:class:`CommandEncoder`): the PUS-C header (APID, service, subtype, ack flags,
   source ID, sequence count, packet error control) is made by ``spacepackets``; the application
   data - the entries of every command below the root of the chain - by zorka's bit encoder.
3. **wrap** (:class:`UplinkConfig`): the packet goes into a TC transfer frame (type BD: zorka has
   no COP-1 yet) with an optional segment header and FECF, and the frame into a CLTU.
4. **queue, release, send** (:class:`Commander`): issued commands wait in the queue until
   released (at once with ``auto_release``), then go out on a :class:`~zorka.control.links.TcLink`.
5. **verify**: the command's verifiers (from its chain, a derived command's verifier replacing a
   base's of the same stage) wait for PUS service 1 reports that carry its request ID (packet ID
   and sequence control). A stage passes when its report arrives, fails the command when a
   ``failed`` report does, and times out ``stop_s`` seconds after release. Stages the PUS ack
   flags do not ask the spacecraft to report (acceptance, start, progress, completion: bits 3 to
   0) are not expected.

A **time-tagged** command (PUS service 11,4) is encoded in full, then carried as the argument
of the database's time-tagging command with its on-board release time from a
:class:`~zorka.control.timecorrelation.TimeCorrelation`. The wrapper is verified from its
release; the command inside from its execution time.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from zorka.control.archive import Archive, CommandRecord, CommandStage, unix_s
from zorka.control.cltu import encode_cltu
from zorka.control.decoding import ContainerBatch, PacketDecoder
from zorka.control.encoding import field_value, raw_value
from zorka.control.links import TcLink
from zorka.control.mdb.model import (
    ArgumentType,
    Command,
    CommandEntry,
    MissionDatabase,
    Value,
    Verifier,
)
from zorka.control.spacepacket import PusTc
from zorka.control.tcframe import TcFrame
from zorka.control.timecorrelation import TimeCorrelation

__all__ = [
    "CommandEncoder",
    "CommandError",
    "CommandStatus",
    "Commander",
    "IssuedCommand",
    "PusConventions",
    "ResolvedCommand",
    "StageState",
    "UplinkConfig",
    "validate_command",
]

log = logging.getLogger(__name__)

CommandStatus = Literal[
    "queued", "released", "sent", "scheduled", "completed", "failed", "timeout", "cancelled"
]
_FINAL = ("completed", "failed", "timeout", "cancelled")
_ACK_BITS = {"accepted": 0b1000, "started": 0b0100, "progress": 0b0010, "completed": 0b0001}
_SEQ_MODULO = 1 << 14


class CommandError(ValueError):
    """A command that cannot be issued; ``issues`` names every problem (argument, value, rule)."""

    def __init__(self, command: str, issues: Sequence[str]) -> None:
        self.command = command
        self.issues = list(issues)
        super().__init__(f"{command}: " + "; ".join(self.issues))


@dataclass(frozen=True)
class PusConventions:
    """Which database names play the PUS roles (the defaults are the BKA database's).

    The root command of a chain carries the PUS-C TC header as arguments; the service 1 reports
    carry the request ID of the command they verify in two parameters; the time-tagging command
    (11,4) takes the release time and the command packet as arguments.
    """

    apid: str = "APID"
    service: str = "SERVICE"
    subtype: str = "SUBTYPE"
    ack_flags: str = "ACK_FLAGS"
    source_id: str = "SOURCE_ID"
    report_packet_id: str = "TC_PACKET_ID"
    report_sequence: str = "TC_SEQUENCE"
    report_failure_code: str = "TC_FAILURE_CODE"
    time_tag_command: str = "TIME_TAGGED"
    time_tag_coarse: str = "RELEASE_COARSE"
    time_tag_fine: str = "RELEASE_FINE"
    time_tag_packet: str = "TC_PACKET"
    time_tag_fine_resolution_s: float = 1.0 / 65536


@dataclass(frozen=True)
class ResolvedCommand:
    """A validated command: its chain (root first) and every argument's value (engineering)."""

    name: str
    chain: tuple[Command, ...]
    values: dict[str, Value | bytes]
    types: dict[str, ArgumentType]

    @property
    def command(self) -> Command:
        """The command itself (the leaf of the chain)."""
        return self.chain[-1]

    def verifiers(self) -> list[Verifier]:
        """The verifiers of the chain; a derived command's replace its bases' of the same stage."""
        verifiers: list[Verifier] = []
        for command in self.chain:
            stages = {v.stage for v in command.verifiers}
            verifiers = [v for v in verifiers if v.stage not in stages] + command.verifiers
        return verifiers


def _check_value(name: str, atype: ArgumentType, value: Any) -> tuple[Any, str | None]:
    """The value to encode, or a problem naming the argument, the value and what is allowed."""
    kind = atype.kind
    unit = f" {atype.unit}" if atype.unit else ""
    if kind in ("integer", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value, f"{name} = {value!r} is not a number"
        if kind == "integer":
            if isinstance(value, float) and not value.is_integer():
                return value, f"{name} = {value!r} is not a whole number"
            value = int(value)
        rng = atype.valid_range
        if rng is not None and (
            (rng.min is not None and value < rng.min) or (rng.max is not None and value > rng.max)
        ):
            lo = "-inf" if rng.min is None else f"{rng.min:g}"
            hi = "inf" if rng.max is None else f"{rng.max:g}"
            return value, f"{name} = {value!r} is outside its range {lo} to {hi}{unit}"
    elif kind == "enumerated":
        labels = atype.enumeration or {}
        if value not in labels:
            return value, f"{name} = {value!r} is not one of {', '.join(labels)}"
    elif kind == "boolean":
        if not isinstance(value, bool) and value not in (atype.true_label, atype.false_label):
            allowed = f"true, false, {atype.true_label!r} or {atype.false_label!r}"
            return value, f"{name} = {value!r} is not a boolean ({allowed})"
    elif kind == "string":
        if not isinstance(value, str):
            return value, f"{name} = {value!r} is not text"
    elif not isinstance(value, bytes | bytearray):
        return value, f"{name} = {value!r} is not bytes"
    try:
        field_value(atype, raw_value(atype, value))
    except ValueError as exc:
        return value, f"{name} = {value!r}: {exc}"
    return value, None


def validate_command(
    mdb: MissionDatabase, name: str, arguments: Mapping[str, Any] | None = None
) -> ResolvedCommand:
    """Check a command and its arguments against the database; raises :class:`CommandError`."""
    arguments = dict(arguments or {})
    try:
        chain = mdb.command_chain(name)
    except KeyError:
        close = [c.name for c in mdb.commands if name.lower() in c.name.lower() and not c.abstract]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise CommandError(name, [f"no such command in the database {mdb.name}{hint}"]) from None
    if chain[-1].abstract:
        raise CommandError(name, ["an abstract command cannot be sent; send one derived from it"])
    assigned: dict[str, Value] = {}
    for command in chain[1:]:
        assigned.update(command.assignments)
    issues: list[str] = []
    values: dict[str, Value | bytes] = {}
    types: dict[str, ArgumentType] = {}
    known = set()
    for command in chain:
        for argument in command.arguments:
            arg = argument.name
            known.add(arg)
            atype = mdb.argument_type(argument)
            types[arg] = atype
            if arg in assigned:
                if arg in arguments and arguments[arg] != assigned[arg]:
                    issues.append(f"{arg} is fixed to {assigned[arg]!r} by the command")
                value: Any = assigned[arg]
            elif arg in arguments:
                value = arguments[arg]
            elif argument.default is not None:
                value = argument.default
            else:
                issues.append(f"{arg} is required ({_describe(atype)})")
                continue
            value, problem = _check_value(arg, atype, value)
            if problem:
                issues.append(problem)
            values[arg] = value
    unknown = sorted(set(arguments) - known)
    if unknown:
        issues.append(f"unknown argument(s) {', '.join(unknown)}; it takes {', '.join(known)}")
    if issues:
        raise CommandError(name, issues)
    return ResolvedCommand(name, tuple(chain), values, types)


def _describe(atype: ArgumentType) -> str:
    if atype.kind == "enumerated":
        return "one of " + ", ".join(atype.enumeration or {})
    rng = atype.valid_range
    if rng is not None and atype.kind in ("integer", "float"):
        unit = f" {atype.unit}" if atype.unit else ""
        return f"{atype.kind} from {rng.min:g} to {rng.max:g}{unit}"
    return atype.kind


# -- encoding ---------------------------------------------------------------------------------


def _pack_fields(fields: Iterable[tuple[int, int]]) -> bytes:
    """(value, bits) fields back to back, big-endian, zero-padded to whole bytes."""
    acc = 0
    total = 0
    for value, bits in fields:
        acc = acc << bits | value
        total += bits
    pad = -total % 8
    return (acc << pad).to_bytes((total + pad) // 8, "big")


class CommandEncoder:
    """Encodes validated commands as PUS-C TC packets.

    ``checksum`` appends the PUS packet error control (CRC-16), as ``spacepackets`` does by
    default; set it false for a mission whose packets end without one.
    """

    def __init__(
        self,
        mdb: MissionDatabase,
        *,
        conventions: PusConventions | None = None,
        checksum: bool = True,
    ) -> None:
        self.mdb = mdb
        self.conventions = conventions or PusConventions()
        self.checksum = checksum

    def _fields(
        self, resolved: ResolvedCommand, commands: Sequence[Command]
    ) -> list[tuple[int, int]]:
        fields = []
        for command in commands:
            for entry in command.entries:
                ref = CommandEntry(argument=entry) if isinstance(entry, str) else entry
                if ref.fixed is not None:
                    assert ref.bits is not None
                    fields.append((ref.fixed, ref.bits))
                else:
                    assert ref.argument is not None
                    atype = resolved.types[ref.argument]
                    raw = raw_value(atype, resolved.values[ref.argument])
                    fields.append(field_value(atype, raw))
        return fields

    def application_data(self, resolved: ResolvedCommand) -> bytes:
        """The bytes after the PUS header: the entries of every command below the chain's root."""
        return _pack_fields(self._fields(resolved, resolved.chain[1:]))

    def encode(self, resolved: ResolvedCommand, sequence_count: int) -> bytes:
        """The TC packet of a validated command with the given 14-bit sequence count."""
        c = self.conventions
        root_args = {a.name for a in resolved.chain[0].arguments}
        missing = {c.apid, c.service, c.subtype} - root_args
        if missing:
            raise CommandError(
                resolved.name,
                [f"the root command {resolved.chain[0].name} is not a PUS TC header: "
                 f"it lacks {', '.join(sorted(missing))}"],
            )  # fmt: skip
        values = resolved.values
        tc = PusTc(
            service=int(values[c.service]),
            message_subtype=int(values[c.subtype]),
            apid=int(values[c.apid]),
            app_data=self.application_data(resolved),
            seq_count=sequence_count % _SEQ_MODULO,
            source_id=int(values.get(c.source_id, 0)),
            ack_flags=int(values.get(c.ack_flags, 0b1111)),
            has_checksum=self.checksum,
        )
        return bytes(tc.pack())

    def encode_entries(self, resolved: ResolvedCommand) -> bytes:
        """The whole packet from the database's entries alone (no sequence count, length, CRC).

        What :meth:`encode` makes, less what only a sender knows; the tests compare the two.
        """
        return _pack_fields(self._fields(resolved, resolved.chain))


@dataclass(frozen=True)
class UplinkConfig:
    """How TC packets are wrapped for the uplink: TC frame (type BD) and CLTU.

    ``map_id`` adds a segment header (unsegmented, that MAP); None sends frames without one.
    """

    spacecraft_id: int
    virtual_channel_id: int = 0
    map_id: int | None = 0
    fecf: bool = True
    randomize: bool = False

    def frame(self, packet: bytes, frame_sequence_number: int) -> bytes:
        """A TC frame carrying one packet."""
        segment = None if self.map_id is None else 0xC0 | (self.map_id & 0x3F)
        frame = TcFrame(
            spacecraft_id=self.spacecraft_id,
            virtual_channel_id=self.virtual_channel_id,
            frame_sequence_number=frame_sequence_number & 0xFF,
            data=packet,
            bypass_flag=True,
            segment_header=segment,
        )
        return frame.to_bytes(with_fecf=self.fecf)

    def cltu(self, packet: bytes, frame_sequence_number: int) -> bytes:
        """A CLTU carrying one packet in one frame."""
        return encode_cltu(self.frame(packet, frame_sequence_number), randomize=self.randomize)


# -- issuing and verifying ----------------------------------------------------------------------


@dataclass
class StageState:
    """One verifier of an issued command and how it stands."""

    verifier: Verifier
    status: Literal["pending", "ok", "failed", "timeout", "cancelled"] = "pending"
    time_unix_s: float | None = None


@dataclass
class IssuedCommand:
    """A command in the queue or on its way: its packet, request ID, stages and status.

    ``reference_unix_s`` is when its verification windows open: release, or for a command inside
    a time-tagged one, its execution time.
    """

    command_id: str
    resolved: ResolvedCommand
    packet: bytes
    status: CommandStatus = "queued"
    stages: list[StageState] = field(default_factory=list)
    reference_unix_s: float | None = None
    execute_unix_s: float | None = None
    carried: IssuedCommand | None = None
    message: str = ""

    @property
    def name(self) -> str:
        """The command's name."""
        return self.resolved.name

    @property
    def request_id(self) -> tuple[int, int]:
        """(packet ID, packet sequence control): what a PUS-1 report names the command by."""
        return (
            int.from_bytes(self.packet[0:2], "big"),
            int.from_bytes(self.packet[2:4], "big"),
        )

    @property
    def done(self) -> bool:
        """True once the command completed, failed, timed out or was cancelled."""
        return self.status in _FINAL

    def stage(self, name: str) -> StageState | None:
        """The first verifier of stage ``name``."""
        return next((s for s in self.stages if s.verifier.stage == name), None)


class Commander:
    """Queue, release, send and verify commands; every stage goes to the archive.

    Feed it the telemetry that comes down (:meth:`process_packets`, or decoded batches with
    :meth:`process_batches`) and let time pass (:meth:`check_timeouts`, or :meth:`wait`). It is
    safe to call from a link's receiving thread and the operator's thread at once.
    """

    def __init__(
        self,
        mdb: MissionDatabase,
        link: TcLink,
        uplink: UplinkConfig,
        *,
        archive: Archive | None = None,
        correlation: TimeCorrelation | None = None,
        conventions: PusConventions | None = None,
        checksum: bool = True,
        auto_release: bool = False,
        origin: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.mdb = mdb
        self.link = link
        self.uplink = uplink
        self.archive = archive
        self.correlation = correlation or TimeCorrelation.from_database(mdb)
        self.conventions = conventions or PusConventions()
        self.encoder = CommandEncoder(mdb, conventions=self.conventions, checksum=checksum)
        self.auto_release = auto_release
        self.origin = origin
        self.clock = clock
        self.commands: dict[str, IssuedCommand] = {}
        self.queue: list[str] = []
        self._decoder = PacketDecoder(mdb)
        self._sequence: dict[int, int] = {}
        self._frame_sequence = 0
        self._pending: dict[tuple[int, int], IssuedCommand] = {}
        self._changed = threading.Condition(threading.RLock())
        self._report_containers = {
            v.container for c in mdb.commands for v in c.verifiers if v.container is not None
        }

    # -- issuing ----------------------------------------------------------------------------

    def _record_stage(
        self, command: IssuedCommand, stage: str, status: str, message: str = ""
    ) -> None:
        if self.archive is not None:
            self.archive.add_command_stage(
                CommandStage(command.command_id, self.clock(), stage, status, message)
            )

    def _next_sequence(self, apid: int) -> int:
        count = self._sequence.get(apid, 0)
        self._sequence[apid] = (count + 1) % _SEQ_MODULO
        return count

    def _build(self, resolved: ResolvedCommand) -> IssuedCommand:
        apid = int(resolved.values.get(self.conventions.apid, 0))
        # the sequence count is given when the command is issued, so that the archive holds
        # the exact bytes that go up
        packet = self.encoder.encode(resolved, self._next_sequence(apid))
        command = IssuedCommand(uuid.uuid4().hex[:12], resolved, packet)
        flags = resolved.values.get(self.conventions.ack_flags)
        for verifier in resolved.verifiers():
            bit = _ACK_BITS.get(verifier.stage)
            if bit is not None and isinstance(flags, int) and not flags & bit:
                continue  # the spacecraft was not asked to report this stage
            command.stages.append(StageState(verifier))
        return command

    def _store(
        self,
        command: IssuedCommand,
        release_unix_s: float | None = None,
        origin: str | None = None,
    ) -> None:
        if self.archive is not None:
            self.archive.add_command(
                CommandRecord(
                    command.command_id, command.name, dict(command.resolved.values), self.clock(),
                    command.packet, self.origin if origin is None else origin, release_unix_s,
                )
            )  # fmt: skip

    def issue(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        execute_at: datetime | str | None = None,
        confirmed: bool = False,
        origin: str | None = None,
    ) -> IssuedCommand:
        """Validate, encode and queue a command; released at once with ``auto_release``.

        ``execute_at`` sends it time-tagged (PUS 11,4) to run on board at that UTC time. A
        ``critical`` command needs ``confirmed=True``. ``origin`` (who or what sent it) goes
        to the command history instead of the commander's own. Raises :class:`CommandError`.
        """
        resolved = validate_command(self.mdb, name, arguments)
        if resolved.command.critical and not confirmed:
            raise CommandError(name, ["a critical command needs confirmation (confirmed=True)"])
        with self._changed:
            if execute_at is None:
                command = self._build(resolved)
                self._store(command, origin=origin)
            else:
                command = self._time_tagged(resolved, execute_at, origin)
            self.commands[command.command_id] = command
            self.queue.append(command.command_id)
            self._record_stage(command, "queued", "ok")
        if self.auto_release:
            self.release(command.command_id)
        return command

    def _time_tagged(
        self, resolved: ResolvedCommand, execute_at: datetime | str, origin: str | None = None
    ) -> IssuedCommand:
        c = self.conventions
        if not resolved.command.time_taggable:
            raise CommandError(resolved.name, ["this command cannot be time-tagged"])
        if self.correlation is None:
            raise CommandError(
                resolved.name,
                ["time-tagging needs the on-board time: give a TimeCorrelation or a database "
                 "with onboard_time"],
            )  # fmt: skip
        inner = self._build(resolved)
        execute_unix_s = unix_s(execute_at)
        obt = self.correlation.obt_s(execute_at)
        coarse = int(obt // 1)
        fine = round((obt - coarse) / c.time_tag_fine_resolution_s)
        wrapper_resolved = validate_command(
            self.mdb,
            c.time_tag_command,
            {c.time_tag_coarse: coarse, c.time_tag_fine: fine, c.time_tag_packet: inner.packet},
        )
        wrapper = self._build(wrapper_resolved)
        inner.status = "scheduled"
        inner.execute_unix_s = execute_unix_s
        wrapper.carried = inner
        self._store(wrapper, origin=origin)
        self._store(inner, execute_unix_s, origin)
        self.commands[inner.command_id] = inner
        self._record_stage(inner, "scheduled", "ok", f"in {wrapper.command_id}")
        return wrapper

    def release(self, command_id: str) -> bool:
        """Take a command off the queue and send it; False when the link refused it."""
        with self._changed:
            command = self.commands[command_id]
            if command_id not in self.queue:
                raise ValueError(f"{command.name} ({command_id}) is not in the queue")
            self.queue.remove(command_id)
            now = self.clock()
            command.status = "released"
            command.reference_unix_s = now
            self._record_stage(command, "released", "ok")
            cltu = self.uplink.cltu(command.packet, self._frame_sequence)
            self._frame_sequence = (self._frame_sequence + 1) % 256
            # verification may answer before send() returns: be listening first
            self._listen(command)
            if command.carried is not None:
                self._listen(command.carried)
                command.carried.reference_unix_s = command.carried.execute_unix_s
            # sent under the lock: a report that comes back at once waits until "sent" is in
            # the history, which then reads in the order things happened
            sent = self.link.send(cltu)
            if sent:
                self._record_stage(command, "sent", "ok", f"{len(cltu)} bytes on {self.link.name}")
                if command.status == "released":
                    command.status = "sent"
                if not command.stages:
                    self._finish(command, "completed", "sent; nothing to verify")
            else:
                message = f"link {self.link.name} is {self.link.detailed_status}"
                self._record_stage(command, "sent", "failed", message)
                self._finish(command, "failed", message)
            self._changed.notify_all()
        return sent

    def release_all(self) -> int:
        """Release every queued command in order; returns how many were sent."""
        with self._changed:
            queued = list(self.queue)
        return sum(self.release(command_id) for command_id in queued)

    def cancel(self, command_id: str) -> None:
        """Remove a command from the queue."""
        with self._changed:
            command = self.commands[command_id]
            if command_id not in self.queue:
                raise ValueError(f"{command.name} ({command_id}) is not in the queue")
            self.queue.remove(command_id)
            self._finish(command, "cancelled", "cancelled in the queue")

    def _listen(self, command: IssuedCommand) -> None:
        if command.stages:
            self._pending[command.request_id] = command

    def _finish(self, command: IssuedCommand, status: CommandStatus, message: str = "") -> None:
        """End a command's life: the ``result`` stage of its history says how."""
        command.status = status
        command.message = message
        for stage in command.stages:
            if stage.status == "pending":
                stage.status = "cancelled"
        self._pending.pop(command.request_id, None)
        self._record_stage(command, "result", status, message)
        inner = command.carried
        if inner is not None and status != "completed" and not inner.done:
            self._finish(inner, "cancelled", f"its time-tag command {command.command_id} {status}")

    # -- verifying ---------------------------------------------------------------------------

    def process_packets(self, packets: Sequence[bytes]) -> None:
        """Check telemetry packets for verification reports."""
        self.process_batches(self._decoder.decode(packets))

    def process_batches(self, batches: Iterable[ContainerBatch]) -> None:
        """Check decoded telemetry for verification reports (other containers are ignored)."""
        c = self.conventions
        for batch in batches:
            if batch.container not in self._report_containers:
                continue
            packet_ids = batch.parameters.get(c.report_packet_id)
            sequences = batch.parameters.get(c.report_sequence)
            if packet_ids is None or sequences is None:
                continue
            for i in range(len(batch)):
                key = (int(packet_ids.raw[i]), int(sequences.raw[i]))
                with self._changed:
                    command = self._pending.get(key)
                    if command is not None:
                        self._report(command, batch, i)
                        self._changed.notify_all()

    def _report(self, command: IssuedCommand, batch: ContainerBatch, row: int) -> None:
        values = batch.row(row)
        now = self.clock()
        for stage in command.stages:
            verifier = stage.verifier
            if stage.status != "pending" or verifier.container != batch.container:
                continue
            if not all(_holds(comp.operator, values.get(comp.parameter), comp.value)
                       for comp in verifier.when):  # fmt: skip
                continue
            if verifier.stage == "failed":
                code = values.get(self.conventions.report_failure_code)
                message = f"{batch.container}" + (f": {code}" if code is not None else "")
                stage.status, stage.time_unix_s = "failed", now
                self._record_stage(command, "failed", "failed", message)
                self._finish(command, "failed", message)
                return
            stage.status, stage.time_unix_s = "ok", now
            self._record_stage(command, verifier.stage, "ok", batch.container)
            expected = [s for s in command.stages if s.verifier.stage != "failed"]
            if all(s.status == "ok" for s in expected):
                self._finish(command, "completed", "every stage verified")
            return

    def check_timeouts(self, now_unix_s: float | None = None) -> list[IssuedCommand]:
        """Time out the stages whose window has passed; returns the commands that timed out."""
        now = self.clock() if now_unix_s is None else now_unix_s
        timed_out = []
        with self._changed:
            for command in list(self._pending.values()):
                reference = command.reference_unix_s
                if reference is None:
                    continue
                for stage in command.stages:
                    verifier = stage.verifier
                    if stage.status != "pending" or now <= reference + verifier.stop_s:
                        continue
                    if verifier.stage == "failed":
                        stage.status = "cancelled"  # no failure came: that is good news
                        continue
                    stage.status, stage.time_unix_s = "timeout", now
                    message = f"no {verifier.stage} report within {verifier.stop_s:g} s"
                    self._record_stage(command, verifier.stage, "timeout", message)
                    self._finish(command, "timeout", message)
                    timed_out.append(command)
                    break
            if timed_out:
                self._changed.notify_all()
        return timed_out

    def wait(self, command_id: str, timeout_s: float, *, poll_s: float = 0.05) -> IssuedCommand:
        """Wait (at most ``timeout_s`` seconds of wall time) until a command is done."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            command = self.commands[command_id]
            while not command.done:
                self.check_timeouts()
                left = deadline - time.monotonic()
                if left <= 0 or command.done:
                    break
                self._changed.wait(min(left, poll_s))
        return command


def _holds(operator: str, value: Any, expected: Any) -> bool:
    if value is None:
        return False
    if operator == "==":
        return bool(value == expected)
    if operator == "!=":
        return bool(value != expected)
    if operator == "<":
        return bool(value < expected)
    if operator == "<=":
        return bool(value <= expected)
    if operator == ">":
        return bool(value > expected)
    return bool(value >= expected)
