"""One simulated satellite on its orbit, speaking CCSDS over loopback links.

A :class:`SatelliteSimulator` runs in a thread of its own. It listens for CLTUs on a UDP port
(a receiving :class:`~zorka.control.links.UdpTmLink`: the ground's uplink is its downlink),
unwraps them (BCH, TC frame, PUS-C packet), decodes the command with the mission database and
answers with PUS service 1 reports as the packet's ack flags ask: acceptance (or rejection),
start, completion (or failure). A time-tagged command (PUS 11,4) is stored and executed when
the on-board clock reaches its release time. Every ``hk_period_s`` of simulated time the
spacecraft model steps along its orbit (SGP4 through :mod:`zorka.orbits`, sunlight from
:func:`zorka.geometry.eclipses.sunlit`) and the housekeeping of every structure of the database
goes down in TM frames (randomised, Reed-Solomon coded CADUs by default) on a sending
:class:`~zorka.control.links.UdpTcLink`, one CADU a datagram.

Simulated time runs ``time_factor`` times faster than the wall clock, from ``start``. On-board
time is the database's: seconds since its ``onboard_time`` epoch, so the ground's time
correlation gives back the simulated UTC. Only the loopback interface is used.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from zorka.control.cltu import decode_cltu
from zorka.control.commanddecoding import CommandDecodeError, DecodedCommand, decode_command
from zorka.control.commanding import PusConventions
from zorka.control.downlink import DownlinkConfig
from zorka.control.encoding import encode_packet
from zorka.control.errors import LinkLayerError
from zorka.control.framing import TmFramer, encode_cadus
from zorka.control.links import UdpTcLink, UdpTmLink
from zorka.control.mdb.model import MissionDatabase
from zorka.control.tcframe import TcFrame
from zorka.control.timecorrelation import TimeCorrelation
from zorka.geometry.eclipses import sunlit
from zorka.orbits.propagation import propagate
from zorka.orbits.satellite import Satellite
from zorka.simulator.spacecraft import FAULTS, CommandRefusedError, SpacecraftModel
from zorka.time import TimeArray, parse_utc

__all__ = [
    "LOOPBACK",
    "ReportContainers",
    "SatelliteSimulator",
    "SimulationClock",
    "SimulatorCounts",
]

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
DEFAULT_DOWNLINK = DownlinkConfig(derandomize=True, rs_interleave=5)
_GEOMETRY_BLOCK = 64  # steps of orbit and sunlight computed in one SGP4 call
_MAX_CATCH_UP = 50  # steps done in one go when the wall clock ran ahead (a slow machine)


class SimulationClock:
    """Simulated UTC (Unix seconds): ``start`` plus ``factor`` times the wall time elapsed."""

    def __init__(self, start_unix_s: float, factor: float = 1.0) -> None:
        if not factor > 0:
            raise ValueError(f"the time factor must be positive, not {factor}")
        self.start_unix_s = start_unix_s
        self.factor = factor
        self._wall0 = time.monotonic()

    def now_unix_s(self) -> float:
        """Simulated time now."""
        return self.start_unix_s + self.factor * (time.monotonic() - self._wall0)

    def wall_s_until(self, unix_s: float) -> float:
        """Wall seconds until the simulated clock reads ``unix_s`` (negative: passed)."""
        return (unix_s - self.now_unix_s()) / self.factor


@dataclass(frozen=True)
class ReportContainers:
    """The database containers of the PUS service 1 reports (the BKA database's by default)."""

    accepted: str = "pus1_accepted"
    rejected: str = "pus1_rejected"
    started: str = "pus1_started"
    completed: str = "pus1_completed"
    failed: str = "pus1_failed"


@dataclass
class SimulatorCounts:
    """What the simulator has done since it started."""

    steps: int = 0
    packets_sent: int = 0
    cadus_sent: int = 0
    tc_received: int = 0
    tc_bad: int = 0
    tc_lost: int = 0
    commands_executed: int = 0
    commands_failed: int = 0
    commands_rejected: int = 0
    time_tags_stored: int = 0


class SatelliteSimulator:
    """A satellite on its orbit behind a TC port and a TM port on 127.0.0.1.

    ``tc_port=0`` takes a free port (read :attr:`tc_port` after construction). ``faults`` are
    (simulated seconds after start, fault, options) to inject on the way.
    """

    def __init__(
        self,
        satellite: Satellite,
        mdb: MissionDatabase,
        *,
        tm_port: int,
        tc_port: int = 0,
        spacecraft_id: int | None = None,
        model: SpacecraftModel | None = None,
        time_factor: float = 1.0,
        start: datetime | str | None = None,
        hk_period_s: float = 1.0,
        downlink: DownlinkConfig = DEFAULT_DOWNLINK,
        payload_dir: str | Path | None = None,
        reports: ReportContainers | None = None,
        conventions: PusConventions | None = None,
    ) -> None:
        if mdb.onboard_time is None:
            raise ValueError(f"the database {mdb.name} declares no onboard_time to stamp TM with")
        if not hk_period_s > 0:
            raise ValueError(f"hk_period_s must be positive, not {hk_period_s}")
        self.satellite = satellite
        self.mdb = mdb
        self.model = model or SpacecraftModel(satellite.name)
        self.spacecraft_id = (
            spacecraft_id if spacecraft_id is not None else satellite.norad_id % 1024
        )
        start_unix_s = parse_utc(start).timestamp() if start is not None else time.time()
        self.clock = SimulationClock(start_unix_s, time_factor)
        self.hk_period_s = hk_period_s
        self.downlink = downlink
        self.payload_dir = Path(payload_dir) if payload_dir is not None else None
        self.reports = reports or ReportContainers()
        self.conventions = conventions or PusConventions()
        self.onboard_time = mdb.onboard_time
        self.correlation = TimeCorrelation(mdb.onboard_time.epoch, mdb.onboard_time.rate)
        self.counts = SimulatorCounts()
        self.schedule: list[tuple[float, bytes]] = []  # (on-board release time, TC packet)
        self.pending_faults: list[tuple[float, str, dict[str, Any]]] = []
        self.on_step: Callable[[SatelliteSimulator], None] | None = None
        self._framer = TmFramer(
            self.spacecraft_id, 0, frame_length=downlink.frame_length, has_fecf=downlink.has_fecf
        )
        self._sequence: dict[int, int] = {}
        self._messages = 0
        self._inbox: queue.Queue[bytes] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._geometry: tuple[float, npt.NDArray[np.float64], npt.NDArray[np.float64],
                              npt.NDArray[np.bool_]] | None = None  # fmt: skip
        self._saved = 0
        #: the simulated time the model has been stepped to (behind the clock on a busy machine)
        self.stepped_unix_s = start_unix_s - hk_period_s
        self.tm_link = UdpTcLink(f"{satellite.name} TM", LOOPBACK, tm_port)
        self.tc_link = UdpTmLink(f"{satellite.name} TC", LOOPBACK, tc_port, self._inbox.put)

    # -- control ---------------------------------------------------------------------------

    @property
    def tc_port(self) -> int:
        """The UDP port the simulator takes CLTUs on."""
        return self.tc_link.address[1]

    @property
    def now_unix_s(self) -> float:
        """Simulated UTC now, Unix seconds."""
        return self.clock.now_unix_s()

    def obt_s(self, unix_s: float) -> float:
        """On-board time (seconds since the database's epoch) at simulated UTC ``unix_s``."""
        return (unix_s - self.correlation.epoch_unix_s) / self.correlation.rate

    def inject(self, fault: str, *, after_s: float = 0.0, **options: Any) -> None:
        """Inject a fault ``after_s`` simulated seconds from now (``SpacecraftModel.inject``)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; the simulator knows {', '.join(FAULTS)}")
        self.pending_faults.append((self.now_unix_s + after_s, fault, options))

    def start(self) -> SatelliteSimulator:
        """Start listening and simulating in background threads."""
        if self._thread is None:
            self.tc_link.start()
            self._thread = threading.Thread(
                target=self._run, name=f"simulator {self.satellite.name}", daemon=True
            )
            self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the simulation and close the links."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self.tc_link.close()
        self.tm_link.close()

    def run(self, duration_s: float) -> None:
        """Simulate for ``duration_s`` simulated seconds in this thread (blocking), then stop."""
        end = self.now_unix_s + duration_s
        self.tc_link.start()
        try:
            self._loop(until_unix_s=end)
        finally:
            self.stop()

    def __enter__(self) -> SatelliteSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the loop --------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._loop(until_unix_s=None)
        except Exception:
            log.exception("simulator %s stopped on an error", self.satellite.name)

    def _loop(self, until_unix_s: float | None) -> None:
        next_step = self.clock.now_unix_s()
        while not self._stop.is_set():
            if until_unix_s is not None and next_step > until_unix_s:
                return
            wait = min(max(self.clock.wall_s_until(next_step), 0.0), 0.1)
            try:
                self._receive(
                    self._inbox.get(timeout=wait) if wait > 0 else self._inbox.get_nowait()
                )
                continue
            except queue.Empty:
                pass
            steps = 0
            while self.clock.now_unix_s() >= next_step and steps < _MAX_CATCH_UP:
                self._step(next_step)
                next_step += self.hk_period_s
                steps += 1
            now = self.clock.now_unix_s()
            if steps == _MAX_CATCH_UP and now >= next_step:
                # too far behind (a loaded machine): one coarse step carries the model over the
                # backlog, so that memory, power and attitude still integrate all of it
                self._step(now, dt_s=now - next_step + self.hk_period_s)
                next_step = now + self.hk_period_s

    def _step(self, unix_s: float, dt_s: float | None = None) -> None:
        utc = datetime.fromtimestamp(unix_s, UTC)
        position, velocity, lit = self._orbit(unix_s)
        self._apply_faults(unix_s)
        self.model.step(utc, dt_s or self.hk_period_s, lit, position, velocity)
        obt = self.obt_s(unix_s)
        for release, packet in sorted(self.schedule):
            if release <= obt:
                self.schedule.remove((release, packet))
                self._command(packet, unix_s)
        packets = [
            self._tm(container, values, unix_s)
            for container, values in self.model.housekeeping().items()
        ]
        self._send(packets)
        self._save_acquisitions()
        self.counts.steps += 1
        self.stepped_unix_s = unix_s
        if self.on_step is not None:
            self.on_step(self)

    def _apply_faults(self, unix_s: float) -> None:
        for when, fault, options in list(self.pending_faults):
            if when <= unix_s:
                self.model.inject(fault, **options)
                self.pending_faults.remove((when, fault, options))
                log.warning("%s: fault %s injected", self.satellite.name, fault)

    def _orbit(
        self, unix_s: float
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], bool]:
        cached = self._geometry
        index = -1
        if cached is not None:
            index = round((unix_s - cached[0]) / self.hk_period_s)
        if cached is None or not 0 <= index < len(cached[3]):
            t0 = datetime.fromtimestamp(unix_s, UTC)
            times = TimeArray.from_offsets(t0, np.arange(_GEOMETRY_BLOCK) * self.hk_period_s)
            ephemeris = propagate([self.satellite], times)
            r, v = ephemeris.position_km[0], ephemeris.velocity_km_s[0]
            ok = np.isfinite(r).all(axis=1)
            lit = np.ones(len(r), bool)
            if ok.any():
                lit[ok] = sunlit(r[ok], times.at(times.seconds[ok]))
            cached = self._geometry = (unix_s, np.nan_to_num(r), np.nan_to_num(v), lit)
            index = 0
        return cached[1][index], cached[2][index], bool(cached[3][index])

    def _save_acquisitions(self) -> None:
        done = [a for a in self.model.acquisitions if a.data]
        if self.payload_dir is not None:
            for acquisition in done[self._saved :]:
                acquisition.write(self.payload_dir)
        self._saved = len(done)

    # -- telemetry -----------------------------------------------------------------------

    def _tm(self, container: str, values: dict[str, Any], unix_s: float) -> bytes:
        obt = self.obt_s(unix_s)
        coarse = int(obt)
        apid = self._apid(container)
        count = self._sequence.get(apid, 0)
        self._sequence[apid] = (count + 1) % (1 << 14)
        self._messages = (self._messages + 1) % 65536
        header = {
            "CCSDS_SEQ_FLAGS": 3,
            "CCSDS_SEQ_COUNT": count,
            "PUS_VERSION": 2,
            "PUS_MSG_COUNTER": self._messages,
            self.onboard_time.coarse: coarse,
        }
        if self.onboard_time.fine is not None:
            fine = (obt - coarse) / self.onboard_time.fine_resolution_s
            header[self.onboard_time.fine] = min(int(fine), 65535)
        return encode_packet(self.mdb, container, {**header, **values})

    def _apid(self, container: str) -> int:
        for item in self.mdb.container_chain(container):
            for comp in item.restriction:
                if comp.parameter == "CCSDS_APID" and comp.operator == "==":
                    return int(comp.value)
        return 0

    def _send(self, packets: list[bytes]) -> None:
        frames = self._framer.push(packets) + self._framer.flush()
        for cadu in encode_cadus(frames, self.downlink):
            if self.tm_link.send(cadu):
                self.counts.cadus_sent += 1
        self.counts.packets_sent += len(packets)

    def _report(self, kind: str, packet: bytes, unix_s: float, code: str | None = None) -> bytes:
        c = self.conventions
        values: dict[str, Any] = {
            c.report_packet_id: int.from_bytes(packet[0:2], "big"),
            c.report_sequence: int.from_bytes(packet[2:4], "big"),
        }
        if code is not None:
            values[c.report_failure_code] = code
        return self._tm(getattr(self.reports, kind), values, unix_s)

    # -- telecommands -----------------------------------------------------------------------

    def _receive(self, cltu: bytes) -> None:
        self.counts.tc_received += 1
        try:
            frame = TcFrame.from_bytes(
                decode_cltu(cltu).data, has_segment_header=True, has_fecf=True
            )
        except LinkLayerError as exc:
            self.counts.tc_bad += 1
            log.warning("%s: a CLTU was refused: %s", self.satellite.name, exc)
            return
        if frame.spacecraft_id != self.spacecraft_id:
            self.counts.tc_bad += 1
            log.warning(
                "%s: a TC frame for spacecraft %d, not %d",
                self.satellite.name,
                frame.spacecraft_id,
                self.spacecraft_id,
            )
            return
        self._apply_faults(self.now_unix_s)
        if self.model.lost_commands > 0:
            self.model.lost_commands -= 1
            self.counts.tc_lost += 1
            log.warning("%s: fault lost_command: a telecommand vanished", self.satellite.name)
            return
        self._command(frame.data, self.now_unix_s)

    def _command(self, packet: bytes, unix_s: float) -> None:
        """Verify and execute one TC packet, sending the PUS-1 reports its ack flags ask for."""
        out: list[bytes] = []
        try:
            command = decode_command(self.mdb, packet, conventions=self.conventions)
        except CommandDecodeError as exc:
            log.warning("%s: command rejected: %s", self.satellite.name, exc)
            self.model.tc_rejected += 1
            self.counts.commands_rejected += 1
            if len(packet) >= 4:
                code = "ILLEGAL_SERVICE" if "not a PUS-C" not in str(exc) else "ILLEGAL_APID"
                out.append(self._report("rejected", packet, unix_s, code))
            self._send(out)
            return
        flags = command.ack_flags
        self.model.tc_accepted += 1
        if flags & 0b1000:
            out.append(self._report("accepted", packet, unix_s))
        if flags & 0b0100:
            out.append(self._report("started", packet, unix_s))
        try:
            self._execute(command, unix_s)
        except CommandRefusedError as exc:
            log.warning("%s: %s failed: %s", self.satellite.name, command.name, exc)
            self.counts.commands_failed += 1
            out.append(self._report("failed", packet, unix_s, exc.code))
        else:
            self.counts.commands_executed += 1
            if flags & 0b0001:
                out.append(self._report("completed", packet, unix_s))
        self._send(out)

    def _execute(self, command: DecodedCommand, unix_s: float) -> None:
        c = self.conventions
        if command.name == c.time_tag_command:
            args = command.arguments
            release = float(args[c.time_tag_coarse]) + float(args.get(c.time_tag_fine, 0)) * (
                c.time_tag_fine_resolution_s
            )
            inner = args[c.time_tag_packet]
            assert isinstance(inner, bytes)
            self.schedule.append((release, inner))
            self.counts.time_tags_stored += 1
            return
        self.model.execute(command.name, command.arguments, datetime.fromtimestamp(unix_s, UTC))
