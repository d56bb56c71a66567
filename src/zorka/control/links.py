"""Data links: TCP, UDP and file replay behind one small interface, after Yamcs' ``Link``.

A link moves units (CADUs, frames or packets) between zorka and a ground station, a simulator or
a recording. Every link has a status (``ok``, ``unavailable``, ``disabled``, ``failed``), can be
enabled and disabled, and counts what went in and out. Receiving links run one background thread
and hand each unit to a ``sink`` callable; a sink that raises is logged and counted, never fatal.
Sending links have :meth:`TcLink.send`.

TCP carries a byte stream, so a receiving TCP link needs to know where units end: either a fixed
unit length (CADUs, frames) or, by default, the length field of a CCSDS space packet header.
"""

from __future__ import annotations

import enum
import logging
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from pathlib import Path

from zorka.control.spacepacket import PRIMARY_HEADER_LENGTH, packet_length

__all__ = [
    "FileReplayLink",
    "Link",
    "LinkStatus",
    "Sink",
    "TcLink",
    "TcpTcLink",
    "TcpTmLink",
    "TmLink",
    "UdpTcLink",
    "UdpTmLink",
]

log = logging.getLogger(__name__)

Sink = Callable[[bytes], None]
"""Receives one unit (CADU, frame or packet) from a receiving link."""

_POLL_S = 0.05


class LinkStatus(enum.Enum):
    """The state of a link, as Yamcs reports it."""

    OK = "ok"
    UNAVAILABLE = "unavailable"
    DISABLED = "disabled"
    FAILED = "failed"


class Link(ABC):
    """What every link has: a name, a status, enable/disable and counters.

    Counters: ``data_in_count`` (units received and handed on), ``data_out_count`` (units
    sent), ``data_dropped_count`` (units received while disabled) and ``errors``.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.data_in_count = 0
        self.data_out_count = 0
        self.errors = 0
        self.data_dropped_count = 0
        self._disabled = False
        self._failed: str | None = None
        self._lock = threading.Lock()

    @property
    def status(self) -> LinkStatus:
        """Disabled wins over failed, which wins over whatever the link itself reports."""
        if self._disabled:
            return LinkStatus.DISABLED
        if self._failed is not None:
            return LinkStatus.FAILED
        return self._connection_status()

    @property
    def detailed_status(self) -> str:
        """One line for an operator."""
        if self._failed is not None:
            return f"failed: {self._failed}"
        return self.status.value

    @property
    def disabled(self) -> bool:
        """Whether the link was disabled."""
        return self._disabled

    def enable(self) -> None:
        """Let data flow again (a failed link also gets another chance)."""
        self._disabled = False
        self._failed = None

    def disable(self) -> None:
        """Stop data flowing: received units are dropped, sends are refused."""
        self._disabled = True

    def reset_counters(self) -> None:
        """Set the in, out and error counters to zero."""
        with self._lock:
            self.data_in_count = self.data_out_count = self.errors = self.data_dropped_count = 0

    def _fail(self, reason: str) -> None:
        log.error("link %s failed: %s", self.name, reason)
        self._failed = reason

    @abstractmethod
    def _connection_status(self) -> LinkStatus:
        """OK or UNAVAILABLE, from the link's own point of view."""

    @abstractmethod
    def close(self) -> None:
        """Release the link's sockets and threads."""

    def __enter__(self) -> Link:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TmLink(Link):
    """A receiving link: a background thread that hands units to ``sink``."""

    def __init__(self, name: str, sink: Sink) -> None:
        super().__init__(name)
        self.sink = sink
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start receiving in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._guarded_run, name=self.name, daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the receiving thread ends (a replay reaching its end); True if it did."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _deliver(self, unit: bytes) -> None:
        if self._disabled:
            with self._lock:
                self.data_dropped_count += 1
            return
        with self._lock:
            self.data_in_count += 1
        try:
            self.sink(unit)
        except Exception:
            # A bad unit or a bug downstream must not stop reception.
            log.exception("link %s: sink failed on a unit of %d bytes", self.name, len(unit))
            with self._lock:
                self.errors += 1

    def _guarded_run(self) -> None:
        try:
            self._run()
        except Exception as exc:
            self._fail(f"{type(exc).__name__}: {exc}")

    @abstractmethod
    def _run(self) -> None:
        """The receive loop; returns when ``self._stop`` is set or the source ends."""


def _cut_units(buffer: bytearray, fixed_length: int | None) -> list[bytes]:
    units = []
    while True:
        if fixed_length is not None:
            length = fixed_length
        elif len(buffer) >= PRIMARY_HEADER_LENGTH:
            length = packet_length(buffer)
        else:
            break
        if len(buffer) < length:
            break
        units.append(bytes(buffer[:length]))
        del buffer[:length]
    return units


class TcpTmLink(TmLink):
    """Connects to a TCP server (a ground station, a simulator) and receives units.

    ``fixed_length`` cuts the stream into units of that size; None cuts it at space packet
    boundaries. The link reconnects every ``reconnect_s`` while the server is away, and is
    ``unavailable`` meanwhile.
    """

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        sink: Sink,
        *,
        fixed_length: int | None = None,
        reconnect_s: float = 1.0,
    ) -> None:
        super().__init__(name, sink)
        self.host, self.port = host, port
        self.fixed_length = fixed_length
        self.reconnect_s = reconnect_s
        self._connected = False

    def _connection_status(self) -> LinkStatus:
        return LinkStatus.OK if self._connected else LinkStatus.UNAVAILABLE

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=self.reconnect_s)
            except OSError:
                self._stop.wait(self.reconnect_s)
                continue
            with sock:
                sock.settimeout(_POLL_S)
                self._connected = True
                buffer = bytearray()
                while not self._stop.is_set():
                    try:
                        chunk = sock.recv(65536)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not chunk:
                        break
                    buffer += chunk
                    for unit in _cut_units(buffer, self.fixed_length):
                        self._deliver(unit)
                self._connected = False


class UdpTmLink(TmLink):
    """Listens on a UDP port; each datagram is one unit."""

    def __init__(self, name: str, host: str, port: int, sink: Sink) -> None:
        super().__init__(name, sink)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, port))
        self._socket.settimeout(_POLL_S)

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port) - useful after binding port 0."""
        host, port = self._socket.getsockname()
        return str(host), int(port)

    def _connection_status(self) -> LinkStatus:
        return LinkStatus.OK if self._socket.fileno() >= 0 else LinkStatus.UNAVAILABLE

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                datagram = self._socket.recv(65536)
            except TimeoutError:
                continue
            self._deliver(datagram)

    def close(self) -> None:
        """Stop receiving and close the socket."""
        super().close()
        self._socket.close()


class FileReplayLink(TmLink):
    """Replays a recording: a file cut into units of ``unit_length`` bytes, or given units.

    ``rate_hz`` paces the replay (None: as fast as the sink takes it). At the end the link is
    ``unavailable`` and its thread ends.
    """

    def __init__(
        self,
        name: str,
        source: str | Path | Iterable[bytes],
        sink: Sink,
        *,
        unit_length: int | None = None,
        rate_hz: float | None = None,
    ) -> None:
        super().__init__(name, sink)
        if isinstance(source, str | Path) and unit_length is None:
            raise ValueError("replaying a file needs unit_length (or pass the units themselves)")
        self.source = source
        self.unit_length = unit_length
        self.rate_hz = rate_hz
        self._replaying = False

    def _connection_status(self) -> LinkStatus:
        return LinkStatus.OK if self._replaying else LinkStatus.UNAVAILABLE

    def _units(self) -> Iterable[bytes]:
        if isinstance(self.source, str | Path):
            assert self.unit_length is not None
            with open(self.source, "rb") as f:
                while unit := f.read(self.unit_length):
                    yield unit
        else:
            yield from self.source

    def _run(self) -> None:
        self._replaying = True
        try:
            period = 1.0 / self.rate_hz if self.rate_hz else 0.0
            next_time = time.monotonic()
            for unit in self._units():
                if self._stop.is_set():
                    return
                while self._disabled and not self._stop.is_set():
                    self._stop.wait(_POLL_S)  # a disabled replay pauses rather than skips
                if period:
                    next_time += period
                    self._stop.wait(max(0.0, next_time - time.monotonic()))
                self._deliver(unit)
        finally:
            self._replaying = False


class TcLink(Link):
    """A sending link: :meth:`send` one unit (a CLTU, a TC frame, a packet)."""

    @abstractmethod
    def _transmit(self, unit: bytes) -> None:
        """Put one unit on the wire; raises OSError when it cannot."""

    def send(self, unit: bytes) -> bool:
        """Send one unit; False (and counted as an error) when disabled or the peer is away."""
        if self._disabled:
            return False
        try:
            self._transmit(unit)
        except OSError as exc:
            log.warning("link %s: send failed: %s", self.name, exc)
            with self._lock:
                self.errors += 1
            return False
        with self._lock:
            self.data_out_count += 1
        return True


class TcpTcLink(TcLink):
    """Sends units over a TCP connection it opens on first use and reopens after a failure."""

    def __init__(self, name: str, host: str, port: int, *, timeout_s: float = 2.0) -> None:
        super().__init__(name)
        self.host, self.port = host, port
        self.timeout_s = timeout_s
        self._socket: socket.socket | None = None

    def _connection_status(self) -> LinkStatus:
        return LinkStatus.OK if self._socket is not None else LinkStatus.UNAVAILABLE

    def _transmit(self, unit: bytes) -> None:
        if self._socket is None:
            self._socket = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        try:
            self._socket.sendall(unit)
        except OSError:
            self._socket.close()
            self._socket = None
            raise

    def close(self) -> None:
        """Close the connection."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None


class UdpTcLink(TcLink):
    """Sends each unit as one UDP datagram."""

    def __init__(self, name: str, host: str, port: int) -> None:
        super().__init__(name)
        self.host, self.port = host, port
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def _connection_status(self) -> LinkStatus:
        return LinkStatus.OK if self._socket.fileno() >= 0 else LinkStatus.UNAVAILABLE

    def _transmit(self, unit: bytes) -> None:
        self._socket.sendto(unit, (self.host, self.port))

    def close(self) -> None:
        """Close the socket."""
        self._socket.close()
